/* routes.c - which page answers which path and method, whether it needs a
 * session and a CSRF token, and how large a body it takes. */
#include <string.h>
#include <time.h>

#include "http.h"
#include "server.h"
#include "throttle.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/remember.h"

enum { M_GET = 1, M_HEAD = 2, M_POST = 4 };
enum {
	R_SESSION = 1, /* looks for the user's session */
	R_AUTH = 2,    /* only with a session: else the logon page */
	R_CSRF = 4,    /* a POST that must carry the session's CSRF token */
};

#define SMALL_BODY (64 * 1024)

static const struct route {
	const char *path;
	int prefix; /* the path is a folder: the rest goes to the handler */
	unsigned methods;
	unsigned flags;
	route_fn fn;
} routes[] = {
	{ "/", 0, M_GET | M_HEAD, R_SESSION, page_logon },
	{ "/logon", 0, M_GET | M_HEAD, R_SESSION, page_logon },
	{ "/logon", 0, M_POST, 0, page_logon_post },
	{ "/logoff", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, page_logoff },
	{ "/mode/", 1, M_GET | M_HEAD, R_SESSION, page_mode },
	{ "/static/", 1, M_GET | M_HEAD, 0, page_static },
	{ "/mail", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, page_mail },
	{ "/mail/read", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, page_mail_read },
	{ "/mail/html", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, page_mail_html },
	{ "/mail/part", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, page_mail_part },
	{ "/mail/action", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, page_mail_action },
	{ "/mail/folder", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, page_mail_folder },
	{ "/mail/compose", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, page_compose },
	{ "/mail/send", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, page_send },
};

static const struct {
	const char *name;
	unsigned bit;
} methods[] = { { "GET", M_GET }, { "HEAD", M_HEAD }, { "POST", M_POST } };

static unsigned method_bit(const char *method)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return 0;
}

static int path_matches(const struct route *rt, const char *url)
{
	size_t len = strlen(rt->path);
	return rt->prefix ? strncmp(url, rt->path, len) == 0 : strcmp(url, rt->path) == 0;
}

size_t routes_body_limit(const struct generation *g, const char *url)
{
	/* Attachments grow by a third in base64; the form's fields need a little more. */
	if (strcmp(url, "/mail/send") == 0)
		return (size_t)config_int(g->cfg, SET_MAIL_MAX_MESSAGE_MB) << 20;
	return SMALL_BODY;
}

static struct session_limits limits(const struct request *r)
{
	struct session_limits lim = { config_int(r->gen->cfg, SET_SESSION_IDLE_TIMEOUT),
				      config_int(r->gen->cfg, SET_SESSION_MAX_LIFETIME) };
	return lim;
}

/* A remembered logon becomes a session; its token is replaced on the way.
 * It costs no password check, so resumptions are throttled per address, and
 * the session counts against the user's cap like any other. */
static void resume_remembered(struct request *r)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	const char *cookie = http_cookie(r, "webmsg_remember");
	char user[USER_ADDRESS_MAX], fresh[REMEMBER_COOKIE_LEN];
	long days = config_int(cfg, SET_LOGIN_REMEMBER_DAYS);
	struct err e;
	enum remember_result res;
	if (!cookie || !config_bool(cfg, SET_LOGIN_REMEMBER_ME))
		return;
	/* Refused before the token is used: it stays good for a later try. */
	long wait = throttle_resume(srv->throttle, config_int(cfg, SET_LOGIN_RESUME_PER_MINUTE),
				    r->client, time(NULL));
	if (wait > 0) {
		log_warnx("remembered logon refused from %s: too many, %ld s to wait", r->client,
			  wait);
		return;
	}
	struct db *db = server_db_lock(srv);
	int rc = remember_take(db, cookie, (int)days, user, sizeof(user), fresh, sizeof(fresh), &res,
			       &e);
	server_db_unlock(srv);
	if (rc < 0) {
		log_warnx("remembered logon from %s: %s", r->client, log_q(e.msg));
		return;
	}
	if (res == REMEMBER_COPIED)
		log_warnx("remembered logons of user %s ended: a replaced token came from %s "
			  "(a copied cookie)", log_q(user), r->client);
	if (res != REMEMBER_OK) {
		http_add_cookie(r, "webmsg_remember", "", 0);
		return;
	}
	/* The old token is spent: the browser gets the new one even when no
	 * session can be made now, or its next try would look like a theft. */
	http_add_cookie(r, "webmsg_remember", fresh, days * 86400L);
	rc = session_create(srv->sessions, user, 0, r->https, &r->sess);
	if (rc < 0) {
		log_warnx("remembered logon refused for user %s from %s: %s", log_q(user),
			  r->client, rc == SESSION_FULL ? "session.max_sessions are open"
						       : "no session id");
		return;
	}
	r->has_session = 1;
	http_add_cookie(r, "webmsg_session", r->sess.id, -1);
	log_info("logon user %s from %s (remembered)", log_q(user), r->client);
	server_note_sessions(srv);
}

static void find_session(struct request *r)
{
	const char *id = http_cookie(r, "webmsg_session");
	struct session_limits lim = limits(r);
	if (id && session_find(r->gen->srv->sessions, id, r->https, &lim, &r->sess) == 0)
		r->has_session = 1;
	else
		resume_remembered(r);
}

enum MHD_Result routes_dispatch(struct request *r)
{
	unsigned bit = method_bit(r->method);
	int path_known = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		if (!path_matches(rt, r->url))
			continue;
		path_known = 1;
		if (!(rt->methods & bit))
			continue;
		if (rt->flags & R_SESSION)
			find_session(r);
		if ((rt->flags & R_AUTH) && !r->has_session)
			return page_logon_required(r);
		if ((rt->flags & R_CSRF) && !token_equal(form_get(r->form, "csrf"), r->sess.csrf))
			return http_send_error(r, MHD_HTTP_FORBIDDEN,
					       "This form has expired. Go back, reload the page and "
					       "try again.");
		return rt->fn(r, r->url + strlen(rt->path));
	}
	if (path_known)
		return http_send_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
				       "This address does not take that kind of request.");
	return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no page at this address.");
}
