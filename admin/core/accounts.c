/* accounts.c - checks and reports around users.h for the commands and the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "webmsg/address.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"
#include "webmsg/totp_store.h"
#include "webmsg/users.h"

#include "core/accounts.h"
#include "core/program.h"

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
			       PROGRAM_NAME, domain);
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

/* The addresses of a domain's users, for ending their sessions once the
 * domain is gone. */
struct address_list {
	char (*a)[USER_ADDRESS_MAX];
	size_t n, cap;
};

static int add_address(const char *address, const char *created, void *arg)
{
	struct address_list *l = arg;
	(void)created;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->a, cap * sizeof(*l->a));
		if (!p)
			return -1;
		l->a = p;
		l->cap = cap;
	}
	snprintf(l->a[l->n++], sizeof(l->a[0]), "%s", address);
	return 0;
}

int accounts_domain_del(struct db *db, const char *arg, int force, char *text, size_t len,
			struct err *e)
{
	char name[256];
	struct domain_count count = { name, 0 };
	struct address_list users = { 0 };

	if (domain_name_normalize(arg, name, sizeof(name), e) < 0 ||
	    domain_list(db, count_users, &count, e) < 0 ||
	    (count.users > 0 && user_list(db, name, add_address, &users, e) < 0) ||
	    domain_del(db, name, force, e) < 0) {
		free(users.a);
		return -1;
	}
	/* Their sessions ended with the accounts; nothing of them stays on disk. */
	for (size_t i = 0; i < users.n; i++) {
		struct err se;
		if (accounts_end_sessions(db, users.a[i], &se) < 0)
			break;
	}
	free(users.a);
	if (count.users > 0)
		snprintf(text, len, "deleted domain %s and its %ld user%s", name, count.users,
			 count.users == 1 ? "" : "s");
	else
		snprintf(text, len, "deleted domain %s", name);
	return 0;
}

/* Ends the user's sessions and remembered logons in the store the settings
 * choose (a local file or Redis). */
static int end_user(struct db *db, const char *address, long *remembered, struct err *e)
{
	struct config_snapshot *cfg;
	if (config_load(db, &cfg, e) < 0)
		return -1;
	int rc = session_store_end_user(cfg, db_path(db), address, NULL, remembered, e);
	config_snapshot_free(&cfg);
	return rc;
}

int accounts_user_revoke(struct db *db, const char *arg, char *text, size_t len, struct err *e)
{
	char address[USER_ADDRESS_MAX];
	long count = 0;

	if (user_address_normalize(arg, address, sizeof(address), e) < 0 ||
	    user_revoke(db, address, NULL, e) < 0)
		return -1;
	struct err se;
	if (end_user(db, address, &count, &se) < 0)
		snprintf(text, len, "ended the sessions and %ld remembered logon(s) of %s (%s)", count,
			 address, se.msg);
	else
		snprintf(text, len, "ended the sessions and %ld remembered logon(s) of %s", count,
			 address);
	return 0;
}

int accounts_end_sessions(struct db *db, const char *address, struct err *e)
{
	return end_user(db, address, NULL, e);
}

int accounts_user_totp_reset(struct db *db, const char *arg, char *text, size_t len,
			     struct err *e)
{
	char address[USER_ADDRESS_MAX];
	struct config_who who;
	long count = 0;
	int was_on = 0;

	if (user_address_normalize(arg, address, sizeof(address), e) < 0 ||
	    totp_store_clear(db, address, &was_on, e) < 0 || user_revoke(db, address, NULL, e) < 0)
		return -1;
	struct err se;
	int ended = end_user(db, address, &count, &se);
	/* The reset lets someone log on with the password alone: it is recorded
	 * where the machine's other authentication events are. */
	config_who_current(&who);
	openlog("webmsg-admin", LOG_PID, LOG_AUTH);
	syslog(LOG_NOTICE, "two-step verification of user %s reset by %s%s%s (it was %s)",
	       address, who.user, who.client[0] ? " from " : "", who.client, was_on ? "on" : "off");
	closelog();
	snprintf(text, len, "two-step verification of %s reset (it was %s); ended the sessions and "
		 "%ld remembered logon(s)%s%s%s", address, was_on ? "on" : "off", count,
		 ended < 0 ? " (" : "", ended < 0 ? se.msg : "", ended < 0 ? ")" : "");
	return 0;
}
