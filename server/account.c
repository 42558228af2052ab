/* account.c - checking a session against its account's session stamp. */
#include "account.h"
#include "server.h"
#include "session.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/users.h"

/* 1 and the stamp for an account, 0 for none, -1 when it cannot be read. */
static int read_stamp(struct server *srv, const char *user, char *out, size_t len)
{
	struct err e;
	int exists;
	struct db *db = server_db_lock(srv);
	int rc = user_session_stamp(db, user, out, len, &exists, &e);
	server_db_unlock(srv);
	if (rc < 0) {
		log_warnx("session stamp of user %s: %s", log_q(user), log_q(e.msg));
		return -1;
	}
	return exists;
}

void account_stamp(struct server *srv, const char *user, char *out, size_t len)
{
	if (read_stamp(srv, user, out, len) < 0)
		out[0] = '\0';
}

int account_session_current(struct server *srv, const struct session *s)
{
	char stamp[USER_STAMP_LEN];
	int rc = read_stamp(srv, s->user, stamp, sizeof(stamp));
	if (rc < 0)
		return 0;
	return rc == 1 && token_equal(stamp, s->stamp) ? 0 : -1;
}
