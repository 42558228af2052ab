/* http.h - one request as the page handlers see it, and the ways to answer it.
 * Every answer carries the security headers. */
#ifndef WEBMSGD_HTTP_H
#define WEBMSGD_HTTP_H

#include <stddef.h>

#include <microhttpd.h>

#include "site.h"
#include "template.h"

struct buf;
struct generation;

/* Lives from the request line to the request's end (MHD's con_cls). */
struct request_state {
	int started; /* the access handler has seen the request */
	char uri[];  /* as the client sent it, query included */
};

struct request {
	struct MHD_Connection *conn;
	struct request_state *state;
	struct generation *gen; /* borrowed: lives as long as the connection */
	const char *method;
	const char *url;
	int https;
};

/* MHD_OPTION_URI_LOG_CALLBACK and MHD_OPTION_NOTIFY_COMPLETED: a request's
 * state, and the generation's count of requests in flight. */
void *http_request_begin(void *cls, const char *uri, struct MHD_Connection *conn);
void http_request_end(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why);

/* MHD_OPTION_NOTIFY_CONNECTION: counts connections that have not sent a
 * request yet, and asks for client certificates where they are required. */
void http_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe);

/* The MHD access handler; cls is the listener's struct listener_ctx. */
enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls);

/* Renders a template and sends it as text/html. */
enum MHD_Result http_send_page(struct request *r, unsigned status, enum site_template tpl,
			       const struct tvar *vars, size_t nvars);
/* The error page, with a message for the user. */
enum MHD_Result http_send_error(struct request *r, unsigned status, const char *message);
/* 302 (307 for methods other than GET and HEAD) to location. */
enum MHD_Result http_redirect(struct request *r, const char *location);
/* "https://host[:port]" for this request: its Host header, else web.hostname. */
int http_https_base(struct request *r, char *out, size_t outlen);
enum MHD_Result http_send_static(struct request *r, const struct static_file *f);

/* routes.c */
typedef enum MHD_Result (*route_fn)(struct request *r, const char *rest);
enum MHD_Result routes_dispatch(struct request *r);

/* pages */
enum MHD_Result page_logon(struct request *r, const char *rest);
enum MHD_Result page_static(struct request *r, const char *rest);

#endif
