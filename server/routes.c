/* routes.c - which page answers which path and method, whether it needs a
 * session and a CSRF token, and what body it takes. The same table decides at
 * the headers (before any body is read) and dispatches once the body is in. */
#include <string.h>
#include <time.h>

#include "http.h"
#include "pages.h"
#include "routes.h"
#include "server.h"
#include "webmsg/acme.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

enum { M_GET = 1, M_HEAD = 2, M_POST = 4 };
enum {
	R_SESSION = 1, /* looks for the user's session */
	R_AUTH = 2,    /* only with a session: else the logon page */
	R_CSRF = 4,    /* a POST that must carry the session's CSRF token */
	R_KEEP = 8,    /* after the session ended, still taken to keep what was typed */
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
	{ ACME_CHALLENGE_PATH, 1, M_GET | M_HEAD, 0, BODY_NONE, page_acme_challenge },
	{ "/mail", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail },
	{ "/mail/read", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_read },
	{ "/mail/html", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_html },
	{ "/mail/part", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_mail_part },
	{ "/mail/action", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_mail_action },
	{ "/mail/folder", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_mail_folder },
	{ "/mail/folders", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_folders },
	{ "/mail/folders/delete", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE,
	  page_folder_delete_ask },
	{ "/mail/folders/empty", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE,
	  page_folder_empty_ask },
	{ "/mail/compose", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_compose },
	{ "/mail/send", 0, M_POST, R_SESSION | R_AUTH | R_CSRF | R_KEEP, BODY_MESSAGE,
	  page_compose_send },
	{ "/mail/addresses", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_addresses },
	{ "/settings", 0, M_GET | M_HEAD, R_SESSION | R_AUTH, BODY_NONE, page_settings },
	{ "/settings", 0, M_POST, R_SESSION | R_AUTH | R_CSRF, BODY_FORM, page_settings_post },
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

int routes_never_redirected(const char *url)
{
	/* An ACME CA asks on port 80 and may not follow a redirect to a
	 * certificate it is about to replace. */
	return strncmp(url, ACME_CHALLENGE_PATH, strlen(ACME_CHALLENGE_PATH)) == 0;
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
			websession_find(r);
		/* A message posted just after its session ended is kept as a draft
		 * when the cookie and, with the body, the form's token tie it to
		 * that session's user. */
		if ((rt->flags & R_AUTH) && !r->has_session &&
		    !((rt->flags & R_KEEP) && websession_find_ended(r) == 0)) {
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
	/* A form that does not carry the ended session's token is not kept. */
	if (r->session_ended && !token_equal(form_get(r->form, "csrf"), r->sess.csrf))
		return page_logon_required(r);
	if ((rt->flags & R_CSRF) && !token_equal(form_get(r->form, "csrf"), r->sess.csrf))
		return http_send_error(r, MHD_HTTP_FORBIDDEN,
				       "This form has expired. Go back, reload the page and "
				       "try again.");
	return rt->fn(r, r->url + strlen(rt->path));
}
