/* account.h - what a signed-on user does to their own account in the
 * configuration database: change the password, find the users of their
 * domain for address completion. The parent runs these; a worker's pages ask
 * for them over the channel (privsep_passwd, privsep_domain_users) and get
 * the same codes. */
#ifndef WEBMSGD_ACCOUNT_H
#define WEBMSGD_ACCOUNT_H

#include <stddef.h>

struct err;
struct server;
struct throttle_rules;

enum {
	ACCOUNT_WRONG_PASSWORD = -2, /* the old password is not the user's */
	ACCOUNT_WAIT = -3,           /* too many failures: *wait seconds to go */
	ACCOUNT_REFUSED = -4,        /* the new password breaks a rule: e says which */
};

/* Changes user's password from old to new_password when old is right. A
 * wrong old password counts in the logon throttle for (client, user) as a
 * failed logon does, and a throttled attempt checks no password. The new
 * password follows the rules `webmsg-admin user passwd` applies. On success
 * every session and remembered logon of the user ends with the account's new
 * stamp (the caller begins a new one for the browser that asked). 0, one of
 * the ACCOUNT_ codes, or -1 when the database failed (e is for the log). */
int account_change_password(struct server *srv, const struct throttle_rules *rules,
			    const char *client, const char *user, const char *old,
			    const char *new_password, long *wait, struct err *e);

/* The addresses of the users of domain whose address starts with prefix
 * (case ignored), in order, at most max: fn gets each. */
int account_domain_users(struct server *srv, const char *domain, const char *prefix, size_t max,
			 void (*fn)(const char *address, void *arg), void *arg, struct err *e);

#endif
