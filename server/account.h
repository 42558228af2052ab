/* account.h - sessions follow accounts: a session carries its user's session
 * stamp from when it began, and ends once the account's stamp differs (a new
 * password, `webmsg-admin user revoke`) or the account is gone. The stamp
 * lives in the configuration database, so the admin tool ends sessions on the
 * running daemon without a signal or a restart. */
#ifndef WEBMSGD_ACCOUNT_H
#define WEBMSGD_ACCOUNT_H

#include <stddef.h>

struct server;
struct session;

/* The stamp a new session of user gets; "" when it cannot be read (logged). */
void account_stamp(struct server *srv, const char *user, char *out, size_t len);
/* 0 when the session's account still exists with the stamp the session was
 * made with, -1 when it must end. A database that cannot be read just now
 * keeps the session (logged): nobody is logged off by a passing lock. */
int account_session_current(struct server *srv, const struct session *s);

#endif
