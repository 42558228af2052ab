/* cmd_domain.c - domain add, del and list. */
#include <stdio.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/users.h"

#include "commands.h"

/* Finds one domain's number of users while listing them. */
struct domain_count {
	const char *name;
	long users;
};

static int count_users(const char *name, long users, void *arg)
{
	struct domain_count *c = arg;
	if (strcmp(name, c->name) != 0)
		return 0;
	c->users = users;
	return 1;
}

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
	char name[256];
	struct domain_count count = { name, 0 };
	struct err e;

	(void)argc;
	if (domain_name_normalize(argv[0], name, sizeof(name), &e) < 0 ||
	    domain_list(ctx->db, count_users, &count, &e) < 0 ||
	    domain_del(ctx->db, name, ctx->opt[OPT_FORCE], &e) < 0)
		return cmd_error("%s", e.msg);
	if (count.users > 0)
		printf("deleted domain %s and its %ld user%s\n", name, count.users,
		       count.users == 1 ? "" : "s");
	else
		printf("deleted domain %s\n", name);
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
