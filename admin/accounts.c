/* accounts.c - checks and reports around users.h for the commands and the console. */
#include <stdio.h>
#include <string.h>

#include "webmsg/address.h"
#include "webmsg/err.h"
#include "webmsg/users.h"

#include "accounts.h"
#include "commands.h"

int accounts_user_check(struct db *db, const char *arg, int want, char *address, size_t len,
			struct err *e)
{
	int exists, found = 0;

	if (user_address_normalize(arg, address, len, e) < 0)
		return -1;
	const char *domain = address_domain(address);
	if (domain_exists(db, domain, &exists, e) < 0 ||
	    (exists && user_exists(db, address, &found, e) < 0))
		return -1;
	if (!exists && !want)
		return err_set(e, "there is no domain %s; add it first (%s domain add %s)", domain,
			       CMD_PROGRAM, domain);
	if (found != want)
		return err_set(e, want ? "there is no user %s" : "user %s already exists", address);
	return 0;
}

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

int accounts_domain_del(struct db *db, const char *arg, int force, char *text, size_t len,
			struct err *e)
{
	char name[256];
	struct domain_count count = { name, 0 };

	if (domain_name_normalize(arg, name, sizeof(name), e) < 0 ||
	    domain_list(db, count_users, &count, e) < 0 || domain_del(db, name, force, e) < 0)
		return -1;
	if (count.users > 0)
		snprintf(text, len, "deleted domain %s and its %ld user%s", name, count.users,
			 count.users == 1 ? "" : "s");
	else
		snprintf(text, len, "deleted domain %s", name);
	return 0;
}

int accounts_user_revoke(struct db *db, const char *arg, char *text, size_t len, struct err *e)
{
	char address[USER_ADDRESS_MAX];
	long count;

	if (user_address_normalize(arg, address, sizeof(address), e) < 0 ||
	    user_revoke(db, address, &count, e) < 0)
		return -1;
	snprintf(text, len, "ended the sessions and %ld remembered logon(s) of %s", count, address);
	return 0;
}
