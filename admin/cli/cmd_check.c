/* cmd_check.c - `webmsg-admin check`: the troubleshooting list, one line per
 * check, OK / WARN / FAIL with what to do about it. */
#include <stdio.h>

#include "webmsg/err.h"

#include "cli/commands.h"
#include "core/troubleshoot.h"

static void print_result(const struct check_result *r, void *arg)
{
	int *failed = arg;
	printf("%-5s %s\n", troubleshoot_level_label(r->level), r->text);
	if (r->level != CHECK_OK && r->level != CHECK_SKIP && r->hint[0])
		printf("      -> %s\n", r->hint);
	*failed |= r->level == CHECK_FAIL;
}

int cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct err e;
	int failed = 0;
	(void)argc;
	(void)argv;
	if (troubleshoot_run(ctx->db, print_result, &failed, &e) < 0)
		return cmd_error("%s", e.msg);
	return failed ? CMD_FAIL : CMD_OK;
}
