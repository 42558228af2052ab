/* cmd_domain.c - domain add, del and list. */
#include <stdio.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/users.h"

#include "cli/commands.h"
#include "core/accounts.h"

static int print_domain(const char *name, long users, void *arg)
{
	(void)arg;
	printf("%-40s %ld user%s\n", name, users, users == 1 ? "" : "s");
	return 0;
}

int cmd_domain_add(struct cmd_ctx *ctx, int argc, char **argv)
{
	char name[256];
	struct err e;

	(void)argc;
	if (domain_name_normalize(argv[0], name, sizeof(name), &e) < 0 ||
	    domain_add(ctx->db, name, &e) < 0)
		return cmd_error("%s", e.msg);
	printf("added domain %s\n", name);
	return CMD_OK;
}

int cmd_domain_del(struct cmd_ctx *ctx, int argc, char **argv)
{
	char text[320];
	struct err e;

	(void)argc;
	if (accounts_domain_del(ctx->db, argv[0], ctx->opt[OPT_FORCE], text, sizeof(text), &e) < 0)
		return cmd_error("%s", e.msg);
	printf("%s\n", text);
	return CMD_OK;
}

int cmd_domain_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct err e;

	(void)argc;
	(void)argv;
	if (domain_list(ctx->db, print_domain, NULL, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}
