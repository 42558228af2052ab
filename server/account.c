/* account.c - a user's own account in the configuration database: the
 * password change of the settings page and the domain's users for address
 * completion. The parent runs these for a worker's requests (PRIVSEP_PASSWD,
 * PRIVSEP_DOMAIN_USERS); its request threads share one connection
 * (server_db_lock), and no Argon2 work is done while holding it but the new
 * password's hash. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "server.h"
#include "throttle.h"
#include "websession.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/password.h"
#include "webmsg/remember.h"
#include "webmsg/users.h"

/* 1 when password is user's; the same time for an unknown user. */
static int old_password_ok(struct server *srv, const char *user, const char *password,
			   struct err *e)
{
	char hash[PASSWORD_HASH_MAX];
	int exists = 0;
	struct db *db = server_db_lock(srv);
	int rc = user_password_hash(db, user, hash, sizeof(hash), &exists, e);
	server_db_unlock(srv);
	if (rc < 0)
		return -1;
	if (!exists) {
		password_verify_dummy(password);
		return 0;
	}
	return password_verify(hash, password) == 1;
}

int account_change_password(struct server *srv, const struct throttle_rules *rules,
			    const char *client, const char *user, const char *old,
			    const char *new_password, long *wait, struct err *e)
{
	struct throttle_attempt attempt;
	*wait = throttle_begin(srv->throttle, rules, client, user, time(NULL), &attempt);
	if (*wait > 0)
		return ACCOUNT_WAIT;
	int ok = old_password_ok(srv, user, old, e);
	/* Only a right password forgets failures; a database that failed
	 * counts as a failure, so that it never clears an attacker's count. */
	throttle_end(srv->throttle, rules, &attempt, ok == 1, time(NULL));
	if (ok < 0)
		return -1;
	if (!ok)
		return ACCOUNT_WRONG_PASSWORD;
	if (password_acceptable(new_password, e) < 0)
		return ACCOUNT_REFUSED;
	struct db *db = server_db_lock(srv);
	int rc = user_set_password(db, user, new_password, e);
	server_db_unlock(srv);
	if (rc < 0)
		return -1;
	/* The new stamp ends the sessions as they are met; the store forgets
	 * them and the remembered logons now. */
	struct session_store *st = websession_store(srv->store);
	struct err se;
	if (st && (session_store_destroy_user(st, user, NULL, &se) < 0 ||
		   remember_end_user(st, user, NULL, &se) < 0))
		log_warnx("user %s: sessions end at their next request: %s", log_q(user),
			  log_q(se.msg));
	return 0;
}

struct users_match {
	const char *prefix;
	size_t plen, max, n;
	void (*fn)(const char *address, void *arg);
	void *arg;
};

static int users_match_one(const char *address, const char *created, void *arg)
{
	struct users_match *m = arg;
	(void)created;
	if (strncasecmp(address, m->prefix, m->plen) != 0)
		return 0;
	m->fn(address, m->arg);
	return ++m->n >= m->max;
}

int account_domain_users(struct server *srv, const char *domain, const char *prefix, size_t max,
			 void (*fn)(const char *address, void *arg), void *arg, struct err *e)
{
	struct users_match m = { prefix, strlen(prefix), max, 0, fn, arg };
	if (max == 0)
		return 0;
	struct db *db = server_db_lock(srv);
	int rc = user_list(db, domain, users_match_one, &m, e);
	server_db_unlock(srv);
	return rc < 0 ? -1 : 0;
}
