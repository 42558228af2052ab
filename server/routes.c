/* routes.c - which page answers which path and method, whether it needs a
 * session and a CSRF token, and what body it takes. The same table decides at
 * the headers (before any body is read) and dispatches once the body is in. */
#include <string.h>
#include <time.h>

#include "account.h"
#include "http.h"
#include "pages.h"
#include "routes.h"
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

/* What a POST body may hold. Text stays in memory; only a message takes files,
 * and those go to disk as they arrive. */
enum route_body {
	BODY_NONE,
	BODY_LOGON,   /* user, password, a few switches */
	BODY_FORM,    /* a form of the mail pages: ids of the messages ticked */
	BODY_MESSAGE, /* the compose form: its text, and attachments up to mail.max_message_mb */
};

static const size_t body_text_max[] = {
	[BODY_NONE] = 0,
	[BODY_LOGON] = 8 * 1024,
	[BODY_FORM] = 64 * 1024,
	[BODY_MESSAGE] = 1024 * 1024,
};

struct route {
	const char *path;
	int prefix; /* the path is a folder: the rest goes to the handler */
	unsigned methods;
	unsigned flags;
	enum route_body body;
	page_fn fn;
};

static const struct route routes[] = {
	{ "/", 0, M_GET | M_HEAD, R_SESSION, BODY_NONE, page_logon },
	{ "/logon", 0, M_GET | M_HEAD, R_SESSION, BODY_NONE, page_logon },
	{ "/logon", 0, M_POST, 0, BODY_LOGON, page_logon_post },
	{ "/logoff", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_logoff },
	{ "/mode/", 1, M_GET | M_HEAD, R_SESSION, BODY_NONE, page_mode },
	{ "/static/", 1, M_GET | M_HEAD, 0, BODY_NONE, page_static },
	{ "/mail", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail },
	{ "/mail/read", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_read },
	{ "/mail/html", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_html },
	{ "/mail/part", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_part },
	{ "/mail/action", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_mail_action },
	{ "/mail/folder", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_mail_folder },
	{ "/mail/compose", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_compose },
	{ "/mail/send", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_MESSAGE, page_compose_send },
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

void routes_body_limits(const struct request *r, struct form_limits *lim)
{
	enum route_body body = r->route ? r->route->body : BODY_NONE;
	memset(lim, 0, sizeof(*lim));
	lim->text_max = body_text_max[body];
	/* Attachments grow by a third in base64: what fits the message fits here. */
	if (body == BODY_MESSAGE)
		lim->file_max = (size_t)config_int(r->gen->cfg, SET_MAIL_MAX_MESSAGE_MB) << 20;
}

int routes_body_takes(const struct request *r)
{
	return r->route && r->route->body != BODY_NONE;
}

int routes_needs_csrf(const struct request *r)
{
	return r->route && (r->route->flags & R_CSRF);
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
	char stamp[USER_STAMP_LEN];
	account_stamp(srv, user, stamp, sizeof(stamp));
	rc = session_create(srv->sessions, user, stamp, 0, r->https, &r->sess);
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
	struct server *srv = r->gen->srv;
	if (id && session_find(srv->sessions, id, r->https, &lim, &r->sess) == 0) {
		if (account_session_current(srv, &r->sess) == 0) {
			r->has_session = 1;
			return;
		}
		/* Deleted, a new password or revoked: the session ends at once. */
		log_info("session of user %s from %s ended: the account changed", log_q(r->sess.user),
			 r->client);
		session_destroy(srv->sessions, r->sess.id);
		explicit_bzero(&r->sess, sizeof(r->sess));
		server_note_sessions(srv);
	}
	resume_remembered(r);
}

int routes_begin(struct request *r, enum MHD_Result *answer)
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
		if ((rt->flags & R_AUTH) && !r->has_session) {
			*answer = page_logon_required(r);
			return 1;
		}
		r->route = rt;
		return 0;
	}
	if (path_known)
		*answer = http_send_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
					  "This address does not take that kind of request.");
	else
		*answer = http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no page at this address.");
	return 1;
}

enum MHD_Result routes_dispatch(struct request *r)
{
	const struct route *rt = r->route;
	if (!rt)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no page at this address.");
	if ((rt->flags & R_CSRF) && !token_equal(form_get(r->form, "csrf"), r->sess.csrf))
		return http_send_error(r, MHD_HTTP_FORBIDDEN,
				       "This form has expired. Go back, reload the page and "
				       "try again.");
	return rt->fn(r, r->url + strlen(rt->path));
}
