/* http.c - the access handler and the answers every page uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

#define PAGE_MAX (4 << 20)

static const struct {
	const char *name, *value;
} security_headers[] = {
	{ "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
				     "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
				     "base-uri 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
};

static enum MHD_Result queue(struct request *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i].name, security_headers[i].value);
	const struct config_snapshot *cfg = r->gen->cfg;
	if (r->https && config_bool(cfg, SET_SSL_FORCE) && config_int(cfg, SET_SSL_HSTS_MAX_AGE) > 0) {
		char hsts[64];
		snprintf(hsts, sizeof(hsts), "max-age=%ld", config_int(cfg, SET_SSL_HSTS_MAX_AGE));
		MHD_add_response_header(resp, "Strict-Transport-Security", hsts);
	}
	/* A draining generation asks keep-alive clients to come back on a fresh connection. */
	if (atomic_load(&r->gen->retiring))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result send_html(struct request *r, unsigned status, struct buf *body)
{
	size_t len;
	char *data = buf_steal(body, &len);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return queue(r, status, resp);
}

enum MHD_Result http_send_page(struct request *r, unsigned status, enum site_template tpl,
			       const struct tvar *vars, size_t nvars)
{
	struct buf body;
	struct err e;
	buf_init(&body, PAGE_MAX);
	if (template_render(r->gen->site->templates[tpl], vars, nvars, &body, &e) < 0) {
		log_error("%s %s: %s", r->method, r->url, e.msg);
		buf_free(&body);
		if (tpl == TPL_ERROR) { /* the error page itself is broken: plain text */
			struct MHD_Response *resp = MHD_create_response_from_buffer(
				21, (void *)"500 Internal Error\r\n\r\n", MHD_RESPMEM_PERSISTENT);
			return queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
		}
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "The page could not be made. The administrator will find "
				       "the reason in the server log.");
	}
	return send_html(r, status, &body);
}

enum MHD_Result http_send_error(struct request *r, unsigned status, const char *message)
{
	char code[8];
	snprintf(code, sizeof(code), "%u", status);
	const struct tvar vars[] = {
		{ "status", code },
		{ "message", message },
	};
	return http_send_page(r, status, TPL_ERROR, vars, sizeof(vars) / sizeof(vars[0]));
}

enum MHD_Result http_send_static(struct request *r, const struct static_file *f)
{
	const char *inm =
		MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	int fresh = inm && strcmp(inm, f->etag) == 0;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		fresh ? 0 : f->len, fresh ? NULL : f->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=3600");
	return queue(r, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
}

/* A connection's state: whether it has sent a request yet. */
struct connection_state {
	int fresh;
};

void http_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe)
{
	struct listener_ctx *ctx = cls;
	struct connection_state *cs = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if (ctx->kind == LISTENER_HTTPS && ctx->gen->tls.client_auth == CLIENT_AUTH_REQUIRED)
			tls_require_client_cert(conn);
		if ((cs = malloc(sizeof(*cs)))) {
			cs->fresh = 1;
			atomic_fetch_add(&ctx->gen->fresh, 1);
		}
		*socket_context = cs;
	} else if (cs) {
		if (cs->fresh)
			atomic_fetch_sub(&ctx->gen->fresh, 1);
		free(cs);
		*socket_context = NULL;
	}
}

/* The connection's first request: it is no longer fresh. */
static void connection_used(struct listener_ctx *ctx, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct connection_state *cs = ci ? ci->socket_context : NULL;
	if (cs && cs->fresh) {
		cs->fresh = 0;
		atomic_fetch_sub(&ctx->gen->fresh, 1);
	}
}

void *http_request_begin(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct listener_ctx *ctx = cls;
	size_t len = strlen(uri);
	struct request_state *st = malloc(sizeof(*st) + len + 1);
	if (st) {
		st->started = 0;
		memcpy(st->uri, uri, len + 1);
	}
	/* Counted busy before it stops counting fresh: a drain never sees a gap. */
	atomic_fetch_add(&ctx->gen->active, 1);
	connection_used(ctx, conn);
	return st ? st : (void *)ctx; /* non-NULL either way: the end still counts it */
}

void http_request_end(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why)
{
	struct listener_ctx *ctx = cls;
	(void)conn;
	(void)why;
	if (*con_cls) {
		if (*con_cls != ctx)
			free(*con_cls);
		*con_cls = NULL;
		atomic_fetch_sub(&ctx->gen->active, 1);
	}
}

/* The host part of the Host header when it is a plain name or address. */
static int request_host(struct request *r, char *out, size_t outlen)
{
	const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	size_t len;
	if (!host)
		return -1;
	if (host[0] == '[') { /* an IPv6 literal keeps its brackets */
		const char *end = strchr(host, ']');
		len = end ? (size_t)(end - host) + 1 : 0;
	} else {
		len = strcspn(host, ":");
	}
	if (len == 0 || len >= outlen)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:[]",
			    host[i]))
			return -1;
	memcpy(out, host, len);
	out[len] = '\0';
	return 0;
}

int http_https_base(struct request *r, char *out, size_t outlen)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	char host[300];
	long port = config_int(cfg, SET_WEB_HTTPS_PORT);
	if (request_host(r, host, sizeof(host)) < 0)
		config_hostname(cfg, host, sizeof(host));
	if (port == 443)
		return snprintf(out, outlen, "https://%s", host) < (int)outlen ? 0 : -1;
	return snprintf(out, outlen, "https://%s:%ld", host, port) < (int)outlen ? 0 : -1;
}

enum MHD_Result http_redirect(struct request *r, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	/* 302/307, not 301/308: browsers would keep a permanent one after Force SSL is off. */
	int keep_method = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	return queue(r, keep_method ? MHD_HTTP_TEMPORARY_REDIRECT : MHD_HTTP_FOUND, resp);
}

/* Force SSL: the same path and query on the HTTPS address. */
static enum MHD_Result redirect_to_https(struct request *r)
{
	char base[400], location[8600];
	const char *uri = r->state ? r->state->uri : "/";
	if (uri[0] != '/' || strlen(uri) > 8000)
		uri = "/";
	if (http_https_base(r, base, sizeof(base)) < 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "The address is too long.");
	snprintf(location, sizeof(location), "%s%s", base, uri);
	return http_redirect(r, location);
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls)
{
	struct listener_ctx *ctx = cls;
	struct request_state *st = *con_cls != ctx ? *con_cls : NULL;
	(void)version;
	(void)upload_data;
	/* The first call only announces the request; answer once the headers are all in. */
	if (st && !st->started) {
		st->started = 1;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		/* No page takes a body yet: drop it and answer below. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct request r = {
		.conn = conn,
		.state = st,
		.gen = ctx->gen,
		.method = method,
		.url = url,
		.https = ctx->kind == LISTENER_HTTPS,
	};
	const struct config_snapshot *cfg = ctx->gen->cfg;
	if (!r.https && ctx->gen->daemons[LISTENER_HTTPS] && config_bool(cfg, SET_SSL_FORCE))
		return redirect_to_https(&r);
	return routes_dispatch(&r);
}
