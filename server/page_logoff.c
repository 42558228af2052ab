/* page_logoff.c - logging off: the session ends, a remembered logon is
 * forgotten, and the browser is asked to drop its cookies and cached pages. */
#include "http.h"
#include "pages.h"
#include "server.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/remember.h"

enum MHD_Result page_logoff(struct request *r, const char *rest)
{
	struct server *srv = r->gen->srv;
	const char *remember = http_cookie(r, "webmsg_remember");
	(void)rest;
	session_destroy(srv->sessions, r->sess.id);
	if (remember) {
		struct err e;
		struct db *db = server_db_lock(srv);
		if (remember_forget(db, remember, &e) < 0)
			log_warnx("logoff %s: %s", log_q(r->sess.user), log_q(e.msg));
		server_db_unlock(srv);
	}
	log_info("logoff user %s from %s", log_q(r->sess.user), r->client);
	r->has_session = 0;
	http_add_cookie(r, "webmsg_session", "", 0);
	http_add_cookie(r, "webmsg_remember", "", 0);
	r->clear_cache = 1;
	server_note_sessions(srv);
	return http_see_other(r, "/");
}
