/* cmd_domain.c - domain add, del, list, show, and set (its TOTP policy). */
#include <stdio.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/users.h"

#include "cli/commands.h"
#include "core/accounts.h"

/* The policy column: the domain's own, or what it inherits. */
static void policy_text(struct db *db, const char *name, char *out, size_t len)
{
	char own[DOMAIN_TOTP_MAX];
	struct err e;
	if (domain_totp_get(db, name, own, sizeof(own), &e) < 0) {
		snprintf(out, len, "?");
		return;
	}
	if (strcmp(own, "inherit") != 0) {
		snprintf(out, len, "%s", own);
		return;
	}
	struct config_snapshot *cfg;
	if (config_load(db, &cfg, &e) < 0) {
		snprintf(out, len, "inherit");
		return;
	}
	snprintf(out, len, "inherit (%s)", config_str(cfg, SET_LOGIN_TOTP));
	config_snapshot_free(&cfg);
}

static int print_domain(const char *name, long users, void *arg)
{
	char policy[64];
	policy_text(arg, name, policy, sizeof(policy));
	printf("%-40s %6ld user%s  totp %s\n", name, users, users == 1 ? " " : "s", policy);
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
	if (domain_list(ctx->db, print_domain, ctx->db, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}

/* The line of one domain (domain_list's callback). */
struct show_one {
	const char *name;
	long users;
	int found;
};

static int find_domain(const char *name, long users, void *arg)
{
	struct show_one *s = arg;
	if (strcmp(name, s->name) != 0)
		return 0;
	s->users = users;
	s->found = 1;
	return 1;
}

int cmd_domain_show(struct cmd_ctx *ctx, int argc, char **argv)
{
	char name[256], policy[64];
	struct show_one s = { name, 0, 0 };
	long enrolled = 0;
	struct err e;

	(void)argc;
	if (domain_name_normalize(argv[0], name, sizeof(name), &e) < 0 ||
	    domain_list(ctx->db, find_domain, &s, &e) < 0 ||
	    domain_totp_enrolled(ctx->db, name, &enrolled, &e) < 0)
		return cmd_error("%s", e.msg);
	if (!s.found)
		return cmd_error("there is no domain %s", name);
	policy_text(ctx->db, name, policy, sizeof(policy));
	printf("domain      %s\n", name);
	printf("users       %ld\n", s.users);
	printf("totp        %s\n", policy);
	printf("with totp   %ld user%s\n", enrolled, enrolled == 1 ? "" : "s");
	return CMD_OK;
}

int cmd_domain_set(struct cmd_ctx *ctx, int argc, char **argv)
{
	char name[256], policy[64];
	long enrolled = 0;
	struct err e;

	(void)argc;
	/* One property today; the form leaves room for more. */
	if (strcmp(argv[1], "totp") != 0)
		return cmd_usage_error(ctx->entry, "'%s' is not a domain property (totp)", argv[1]);
	if (domain_name_normalize(argv[0], name, sizeof(name), &e) < 0 ||
	    domain_totp_set(ctx->db, name, argv[2], &e) < 0 ||
	    domain_totp_enrolled(ctx->db, name, &enrolled, &e) < 0)
		return cmd_error("%s", e.msg);
	policy_text(ctx->db, name, policy, sizeof(policy));
	printf("domain %s: totp %s\n", name, policy);
	if (strcmp(argv[2], "off") == 0 && enrolled > 0)
		printf("%ld user%s of %s set up two-step verification; from now on %s logged on "
		       "with the password alone (the keys are kept)\n",
		       enrolled, enrolled == 1 ? "" : "s", name, enrolled == 1 ? "is" : "are");
	return CMD_OK;
}
