/* http.h - one request as the page handlers see it, and the ways to answer it.
 * Every answer carries the security headers. */
#ifndef WEBMSGD_HTTP_H
#define WEBMSGD_HTTP_H

#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "form.h"
#include "websession.h"
#include "site.h"
#include "template.h"

struct buf;
struct generation;

#define HTTP_MAX_COOKIES 4

struct request_state;
struct route; /* routes.c's, opaque here */

struct request {
	struct MHD_Connection *conn;
	struct request_state *state;
	struct generation *gen; /* borrowed: lives as long as the connection */
	const char *method;
	const char *url;
	int https;
	char client[64];         /* the client's address */
	const struct route *route; /* found at the headers */
	const struct form *form; /* a POST's fields (empty for other methods) */
	int has_session;
	/* No live session, but r->sess is the one this cookie had until it ended
	 * (websession_find_ended): only a form to keep as a draft is taken. */
	int session_ended;
	struct session sess;     /* a copy, when has_session or session_ended */
	struct websession_resume resume; /* a remembered logon waiting for its code */
	char set_cookies[HTTP_MAX_COOKIES][640]; /* Set-Cookie values for the answer */
	int ncookies;
	int clear_cache; /* ask the browser to drop what it cached of this site (logoff) */
};

/* Lives from the request line to the request's end (MHD's con_cls). */
struct request_state {
	int started; /* the access handler has seen the headers */
	struct MHD_PostProcessor *pp; /* for a POST body */
	struct form form;
	unsigned long long received; /* bytes of body so far */
	char spool[PATH_MAX]; /* where uploaded files go */
	struct request req; /* decided on at the headers, answered at the body's end */
	char uri[];  /* as the client sent it, query included */
};

/* MHD_OPTION_URI_LOG_CALLBACK and MHD_OPTION_NOTIFY_COMPLETED: a request's
 * state, and the generation's count of requests in flight. */
void *http_request_begin(void *cls, const char *uri, struct MHD_Connection *conn);
void http_request_end(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why);

/* MHD_OPTION_NOTIFY_CONNECTION: counts connections that have not sent a
 * request yet, hands them to the connection guard, and asks for client
 * certificates where they are required. */
void http_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe);
/* MHD_OPTION_ACCEPT_POLICY: the connection guard's per-address limits. */
enum MHD_Result http_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);

/* The MHD access handler; cls is the listener's struct listener_ctx. */
enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls);

/* A cookie the browser sent, or NULL. Names are given plain; over HTTPS the
 * cookie is "__Host-" and the name. */
const char *http_cookie(struct request *r, const char *name);
/* Appends s percent-encoded for an address; characters in keep stay as they are. */
void http_url_encode(struct buf *b, const char *s, const char *keep);
/* A query argument, or "" when absent. */
const char *http_arg(struct request *r, const char *name);
/* Adds a Set-Cookie to the answer: HttpOnly, SameSite=Strict, Path=/, Secure
 * over HTTPS; max_age < 0: a session cookie; 0: delete it. */
void http_add_cookie(struct request *r, const char *name, const char *value, long max_age);

/* Appends a rendered template (a list item, a row) to out; logs a failure. */
int http_render(struct request *r, enum site_template tpl, const struct tvar *vars, size_t nvars,
		struct buf *out);
/* Sends bytes as they are, with a content type and more headers (NULL-terminated
 * name/value pairs, which may replace the security headers). */
enum MHD_Result http_send_bytes(struct request *r, unsigned status, const char *type, char *data,
				size_t len, const char *const *headers);

/* Renders body_tpl inside the page frame (title, mode bar, logoff). */
enum MHD_Result http_send_framed(struct request *r, unsigned status, enum site_template body_tpl,
				 const struct tvar *vars, size_t nvars, const char *title);
/* 303 See Other: where a form sends the browser after it was handled. */
enum MHD_Result http_see_other(struct request *r, const char *location);
/* "http[s]://host[:port]" of this server for this request, from its Host
 * header (else web.hostname) and the listener's port. */
int http_base(struct request *r, int https, char *out, size_t outlen);

/* Renders a template and sends it as text/html. */
enum MHD_Result http_send_page(struct request *r, unsigned status, enum site_template tpl,
			       const struct tvar *vars, size_t nvars);
/* The error page, with a message for the user. */
enum MHD_Result http_send_error(struct request *r, unsigned status, const char *message);
/* 302 (307 for methods other than GET and HEAD) to location. */
enum MHD_Result http_redirect(struct request *r, const char *location);
enum MHD_Result http_send_static(struct request *r, const struct static_file *f);

#endif
