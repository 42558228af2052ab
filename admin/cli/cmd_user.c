/* cmd_user.c - user add, del, passwd, revoke and list. Passwords come through
 * prompt.c, never from the command line. */
#include <stdio.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/users.h"

#include "cli/commands.h"
#include "cli/prompt.h"
#include "core/accounts.h"

static int print_user(const char *address, const char *created, void *arg)
{
	(void)arg;
	/* created is ISO 8601: the date is enough here. */
	printf("%-48s %.10s\n", address, created);
	return 0;
}

/* Normalizes the address and checks that the user exists (want 1) or not (want 0). */
static int check_user(struct cmd_ctx *ctx, const char *arg, int want, char *address, size_t len)
{
	struct err e;
	if (accounts_user_check(ctx->db, arg, want, address, len, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}

/* The sessions leave the session store too; they ended already (a new stamp,
 * or no account), so a store that cannot be reached is a warning. */
static void end_sessions(struct cmd_ctx *ctx, const char *address)
{
	struct err e;
	if (accounts_end_sessions(ctx->db, address, &e) < 0)
		fprintf(stderr, "webmsg-admin: warning: %s\n", e.msg);
}

/* Asks for the password, then stores it with store (user_add or user_set_password). */
static int with_password(struct cmd_ctx *ctx, const char *address,
			 int (*store)(struct db *, const char *, const char *, struct err *))
{
	char password[PROMPT_MAX], what[USER_ADDRESS_MAX + 32];
	struct err e;
	int rc = CMD_OK;

	snprintf(what, sizeof(what), "Password for %s", address);
	if (prompt_password(what, ctx->opt_arg[OPT_PASSWORD_FILE], password, sizeof(password),
			    &e) < 0 ||
	    store(ctx->db, address, password, &e) < 0)
		rc = cmd_error("%s", e.msg);
	explicit_bzero(password, sizeof(password));
	return rc;
}

int cmd_user_add(struct cmd_ctx *ctx, int argc, char **argv)
{
	char address[USER_ADDRESS_MAX];

	(void)argc;
	if (check_user(ctx, argv[0], 0, address, sizeof(address)) != CMD_OK ||
	    with_password(ctx, address, user_add) != CMD_OK)
		return CMD_FAIL;
	printf("added user %s\n", address);
	return CMD_OK;
}

int cmd_user_passwd(struct cmd_ctx *ctx, int argc, char **argv)
{
	char address[USER_ADDRESS_MAX];

	(void)argc;
	if (check_user(ctx, argv[0], 1, address, sizeof(address)) != CMD_OK ||
	    with_password(ctx, address, user_set_password) != CMD_OK)
		return CMD_FAIL;
	end_sessions(ctx, address);
	printf("changed the password of %s\n", address);
	return CMD_OK;
}

int cmd_user_del(struct cmd_ctx *ctx, int argc, char **argv)
{
	char address[USER_ADDRESS_MAX];
	struct err e;

	(void)argc;
	if (user_address_normalize(argv[0], address, sizeof(address), &e) < 0 ||
	    user_del(ctx->db, address, &e) < 0)
		return cmd_error("%s", e.msg);
	end_sessions(ctx, address);
	printf("deleted user %s\n", address);
	return CMD_OK;
}

int cmd_user_revoke(struct cmd_ctx *ctx, int argc, char **argv)
{
	char text[USER_ADDRESS_MAX + 64];
	struct err e;

	(void)argc;
	if (accounts_user_revoke(ctx->db, argv[0], text, sizeof(text), &e) < 0)
		return cmd_error("%s", e.msg);
	printf("%s\n", text);
	return CMD_OK;
}

int cmd_user_totp(struct cmd_ctx *ctx, int argc, char **argv)
{
	char text[USER_ADDRESS_MAX + 256];
	struct err e;

	(void)argc;
	if (strcmp(argv[0], "reset") != 0)
		return cmd_usage_error(ctx->entry, "'%s' is not a totp action (reset)", argv[0]);
	if (accounts_user_totp_reset(ctx->db, argv[1], text, sizeof(text), &e) < 0)
		return cmd_error("%s", e.msg);
	printf("%s\n", text);
	return CMD_OK;
}

int cmd_user_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	char domain[256];
	struct err e;
	int exists = 1;

	if (argc > 0 && (domain_name_normalize(argv[0], domain, sizeof(domain), &e) < 0 ||
			 domain_exists(ctx->db, domain, &exists, &e) < 0))
		return cmd_error("%s", e.msg);
	if (!exists)
		return cmd_error("there is no domain %s", domain);
	if (user_list(ctx->db, argc > 0 ? domain : NULL, print_user, NULL, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}
