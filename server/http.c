/* http.c - the access handler and the answers every page uses: security and
 * cache headers, cookies, the page frame, redirects. */
#include <arpa/inet.h>
#include <netinet/in.h>
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
#define POST_BUFFER 8192

static const struct {
	const char *name, *value;
} security_headers[] = {
	{ "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "
				     "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
				     "base-uri 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
};

/* What a page of this request may leave in caches. A session with "Expire page
 * views" leaves nothing; other mail pages stay private to the browser. */
static const char *cache_control(const struct request *r)
{
	if (r->has_session && r->sess.expire_pages)
		return "no-store, no-cache, must-revalidate, max-age=0";
	if (r->has_session)
		return "private, no-cache";
	return "no-store";
}

static enum MHD_Result queue(struct request *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		if (!MHD_get_response_header(resp, security_headers[i].name))
			MHD_add_response_header(resp, security_headers[i].name,
						security_headers[i].value);
	if (r->clear_cache)
		MHD_add_response_header(resp, "Clear-Site-Data", "\"cache\"");
	for (int i = 0; i < r->ncookies; i++)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookies[i]);
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
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control(r));
	if (r->has_session && r->sess.expire_pages) {
		/* For HTTP/1.0 caches and old browsers. */
		MHD_add_response_header(resp, "Pragma", "no-cache");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, "0");
	}
	return queue(r, status, resp);
}

static enum MHD_Result render_failed(struct request *r, const struct err *e)
{
	log_error("%s %s: %s", log_q(r->method), log_q(r->url), log_q(e->msg));
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		21, (void *)"500 Internal Error\r\n\r\n", MHD_RESPMEM_PERSISTENT);
	return queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
}

enum MHD_Result http_send_page(struct request *r, unsigned status, enum site_template tpl,
			       const struct tvar *vars, size_t nvars)
{
	struct buf body;
	struct err e;
	buf_init(&body, PAGE_MAX);
	if (template_render(r->gen->site->templates[tpl], vars, nvars, &body, &e) < 0) {
		buf_free(&body);
		return render_failed(r, &e);
	}
	return send_html(r, status, &body);
}

int http_render(struct request *r, enum site_template tpl, const struct tvar *vars, size_t nvars,
		struct buf *out)
{
	struct err e;
	if (template_render(r->gen->site->templates[tpl], vars, nvars, out, &e) < 0) {
		log_error("%s %s: %s", log_q(r->method), log_q(r->url), log_q(e.msg));
		return -1;
	}
	return 0;
}

enum MHD_Result http_send_bytes(struct request *r, unsigned status, const char *type, char *data,
				size_t len, const char *const *headers)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, data, free);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control(r));
	for (size_t i = 0; headers && headers[i]; i += 2)
		MHD_add_response_header(resp, headers[i], headers[i + 1]);
	return queue(r, status, resp);
}

void http_url_encode(struct buf *b, const char *s, const char *keep)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c) || (keep && strchr(keep, c)))
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* The link that switches this page between regular and secure mode, or "". */
static void mode_link(struct request *r, struct buf *out)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	if (!r->gen->daemons[LISTENER_HTTPS] || (r->https && config_bool(cfg, SET_SSL_FORCE)))
		return;
	buf_printf(out, "/mode/%s?back=", r->https ? "regular" : "secure");
	http_url_encode(out, r->state ? r->state->uri : "/", "/");
}

enum MHD_Result http_send_framed(struct request *r, unsigned status, enum site_template body_tpl,
				 const struct tvar *vars, size_t nvars, const char *title)
{
	struct buf body, page, link;
	struct err e;
	char host[256];
	buf_init(&body, PAGE_MAX);
	if (template_render(r->gen->site->templates[body_tpl], vars, nvars, &body, &e) < 0) {
		buf_free(&body);
		return render_failed(r, &e);
	}
	config_hostname(r->gen->cfg, host, sizeof(host));
	buf_init(&link, 16384);
	mode_link(r, &link);
	const struct tvar frame[] = {
		{ "title", title },
		{ "hostname", host },
		{ "body", body.data ? body.data : "" },
		{ "secure", r->https ? "1" : "" },
		{ "mode_link", link.data ? link.data : "" },
		{ "user", r->has_session ? r->sess.user : "" },
		{ "csrf", r->has_session ? r->sess.csrf : "" },
	};
	buf_init(&page, PAGE_MAX);
	int rc = template_render(r->gen->site->templates[TPL_FRAME], frame,
				 sizeof(frame) / sizeof(frame[0]), &page, &e);
	buf_free(&body);
	buf_free(&link);
	if (rc < 0) {
		buf_free(&page);
		return render_failed(r, &e);
	}
	return send_html(r, status, &page);
}

enum MHD_Result http_send_error(struct request *r, unsigned status, const char *message)
{
	char code[8];
	snprintf(code, sizeof(code), "%u", status);
	const struct tvar vars[] = {
		{ "status", code },
		{ "message", message },
	};
	return http_send_framed(r, status, TPL_ERROR, vars, sizeof(vars) / sizeof(vars[0]), "Error");
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

static enum MHD_Result redirect(struct request *r, unsigned status, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return queue(r, status, resp);
}

enum MHD_Result http_redirect(struct request *r, const char *location)
{
	/* 302/307, not 301/308: browsers would keep a permanent one after Force SSL is off. */
	int keep_method = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	return redirect(r, keep_method ? MHD_HTTP_TEMPORARY_REDIRECT : MHD_HTTP_FOUND, location);
}

enum MHD_Result http_see_other(struct request *r, const char *location)
{
	return redirect(r, MHD_HTTP_SEE_OTHER, location);
}

/* Over HTTPS a cookie is "__Host-NAME": browsers keep such cookies to this
 * host, Secure and for every path, and a Secure cookie can then never stand in
 * the way of the plain one of regular mode (nor the other way round). */
static void cookie_name(const struct request *r, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s%s", r->https ? "__Host-" : "", name);
}

const char *http_cookie(struct request *r, const char *name)
{
	char full[64];
	cookie_name(r, name, full, sizeof(full));
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, full);
}

const char *http_arg(struct request *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	return v ? v : "";
}

void http_add_cookie(struct request *r, const char *name, const char *value, long max_age)
{
	char age[48] = "", full[64];
	if (r->ncookies == HTTP_MAX_COOKIES)
		return;
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	cookie_name(r, name, full, sizeof(full));
	snprintf(r->set_cookies[r->ncookies++], sizeof(r->set_cookies[0]),
		 "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", full, value, age,
		 r->https ? "; Secure" : "");
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

int http_base(struct request *r, int https, char *out, size_t outlen)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	char host[300];
	long port = config_int(cfg, https ? SET_WEB_HTTPS_PORT : SET_WEB_HTTP_PORT);
	if (request_host(r, host, sizeof(host)) < 0)
		config_hostname(cfg, host, sizeof(host));
	const char *scheme = https ? "https" : "http";
	if (port == (https ? 443 : 80))
		return snprintf(out, outlen, "%s://%s", scheme, host) < (int)outlen ? 0 : -1;
	return snprintf(out, outlen, "%s://%s:%ld", scheme, host, port) < (int)outlen ? 0 : -1;
}

/* Force SSL: the same path and query on the HTTPS address. */
static enum MHD_Result redirect_to_https(struct request *r)
{
	char base[400], location[8600];
	const char *uri = r->state ? r->state->uri : "/";
	if (uri[0] != '/' || uri[1] == '/' || strlen(uri) > 8000)
		uri = "/";
	if (http_base(r, 1, base, sizeof(base)) < 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "The address is too long.");
	snprintf(location, sizeof(location), "%s%s", base, uri);
	return http_redirect(r, location);
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
	struct request_state *st = calloc(1, sizeof(*st) + len + 1);
	if (st)
		memcpy(st->uri, uri, len + 1);
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
		if (*con_cls != ctx) {
			struct request_state *st = *con_cls;
			if (st->pp)
				MHD_destroy_post_processor(st->pp);
			form_free(&st->form);
			free(st);
		}
		*con_cls = NULL;
		atomic_fetch_sub(&ctx->gen->active, 1);
	}
}

static void client_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, outlen, "unknown");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)outlen);
}

/* The first call for a POST: check the declared size, set up the body's parser. */
static enum MHD_Result start_post(struct request_state *st, struct generation *g,
				  struct MHD_Connection *conn, const char *url)
{
	size_t limit = routes_body_limit(g, url);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	form_init(&st->form, limit);
	if (cl && strtoull(cl, NULL, 10) > limit)
		st->form.too_large = 1;
	else
		st->pp = MHD_create_post_processor(conn, POST_BUFFER, form_collect, &st->form);
	return MHD_YES;
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls)
{
	struct listener_ctx *ctx = cls;
	struct request_state *st = *con_cls != ctx ? *con_cls : NULL;
	static const struct form no_form;
	(void)version;
	if (!st)
		return MHD_NO; /* out of memory when the request began */
	/* The first call only announces the request; answer once the body is in. */
	if (!st->started) {
		st->started = 1;
		return strcmp(method, "POST") == 0 ? start_post(st, ctx->gen, conn, url) : MHD_YES;
	}
	if (*upload_data_size != 0) {
		/* Past the limit, or a body no page takes: read and drop it. */
		if (st->pp && !st->form.too_large &&
		    MHD_post_process(st->pp, upload_data, *upload_data_size) != MHD_YES)
			st->form.too_large |= st->form.used >= st->form.max;
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
		.form = st->pp || st->form.too_large ? &st->form : &no_form,
	};
	client_address(conn, r.client, sizeof(r.client));
	const struct config_snapshot *cfg = ctx->gen->cfg;
	if (!r.https && ctx->gen->daemons[LISTENER_HTTPS] && config_bool(cfg, SET_SSL_FORCE))
		return redirect_to_https(&r);
	if (st->form.too_large)
		return http_send_error(&r, MHD_HTTP_CONTENT_TOO_LARGE,
				       "What was sent is larger than this server takes.");
	return routes_dispatch(&r);
}
