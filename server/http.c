/* http.c - the access handler and the answers every page uses: security and
 * cache headers, cookies, the page frame, redirects. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "guard.h"
#include "http.h"
#include "redirect.h"
#include "routes.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/netmask.h"

#define PAGE_MAX (4 << 20)
#define POST_BUFFER 8192
/* The upload spool's folder in mail.root: a name no domain can have. */
#define HTTP_SPOOL ".spool"

static const struct {
	const char *name, *value;
} security_headers[] = {
	{ "Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; "
				     "style-src 'self'; img-src 'self'; frame-src 'self'; "
				     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'" },
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
	/* Every 503 here is a passing state (a store or a mail server down). */
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE && !MHD_get_response_header(resp, "Retry-After"))
		MHD_add_response_header(resp, "Retry-After", "60");
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
		/* The search box searches the folder of the page it is on. */
		{ "search_folder", http_arg(r, "f")[0] ? http_arg(r, "f") : "INBOX" },
		{ "search_query", http_arg(r, "q") },
		{ "search_all", strcmp(http_arg(r, "all"), "1") == 0 ? "1" : "" },
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
	const char *uri = redirect_target(r->state ? r->state->uri : "/", "/");
	if (http_base(r, 1, base, sizeof(base)) < 0)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "The address is too long.");
	snprintf(location, sizeof(location), "%s%s", base, uri);
	return http_redirect(r, location);
}

/* A connection's state: whether it has sent a request yet, and its entry in
 * the connection guard. */
struct connection_state {
	int fresh;
	struct guard_conn *guard;
};

static long header_timeout(const struct generation *g)
{
	return config_int(g->cfg, SET_WEB_HEADER_TIMEOUT);
}

enum MHD_Result http_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct listener_ctx *ctx = cls;
	const struct config_snapshot *cfg = ctx->gen->cfg;
	struct guard_limits lim = { config_int(cfg, SET_WEB_MAX_CONNECTIONS),
				    config_int(cfg, SET_WEB_MAX_CONNECTIONS_PER_ADDRESS),
				    &ctx->gen->proxies };
	return guard_admit(ctx->gen->srv->guard, addr, addrlen, &lim) ? MHD_YES : MHD_NO;
}

void http_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe)
{
	struct listener_ctx *ctx = cls;
	struct connection_state *cs = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if (ctx->kind == LISTENER_HTTPS && ctx->gen->tls.client_auth == CLIENT_AUTH_REQUIRED)
			tls_require_client_cert(conn);
		if ((cs = calloc(1, sizeof(*cs)))) {
			cs->fresh = 1;
			atomic_fetch_add(&ctx->gen->fresh, 1);
			cs->guard = guard_open(ctx->gen->srv->guard, conn, header_timeout(ctx->gen));
		}
		*socket_context = cs;
	} else if (cs) {
		if (cs->fresh)
			atomic_fetch_sub(&ctx->gen->fresh, 1);
		guard_close(&cs->guard);
		free(cs);
		*socket_context = NULL;
	}
}

static struct connection_state *connection_state(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static struct guard_conn *connection_guard(struct MHD_Connection *conn)
{
	struct connection_state *cs = connection_state(conn);
	return cs ? cs->guard : NULL;
}

/* The connection's first request: it is no longer fresh. */
static void connection_used(struct listener_ctx *ctx, struct MHD_Connection *conn)
{
	struct connection_state *cs = connection_state(conn);
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
	/* On keep-alive, the next request's headers are due from now. */
	guard_next_request(connection_guard(conn), header_timeout(ctx->gen));
}

/* Every X-Forwarded-For header of the request, joined as one list. */
static enum MHD_Result join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct buf *b = cls;
	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") == 0 && value) {
		if (b->len)
			buf_append(b, ",", 1);
		buf_puts(b, value);
	}
	return MHD_YES;
}

/* The address the request came from: the peer's, or behind the proxies of
 * web.trusted_proxies the one they say they got it from. */
static void client_address(const struct generation *g, struct MHD_Connection *conn, char *out,
			   size_t outlen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char peer[INET6_ADDRSTRLEN] = "unknown";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer,
				  sizeof(peer));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer,
				  sizeof(peer));
	}
	snprintf(out, outlen, "%s", peer);
	if (g->proxies.n == 0 || !ci || !netmask_list_has(&g->proxies, ci->client_addr))
		return;
	struct buf fwd;
	buf_init(&fwd, GENERATION_CONNECTION_MEMORY); /* more than all headers: never cut */
	MHD_get_connection_values(conn, MHD_HEADER_KIND, join_forwarded, &fwd);
	if (!fwd.failed && fwd.len)
		netmask_forwarded_client(&g->proxies, peer, fwd.data, out, outlen);
	buf_free(&fwd);
}

/* Where uploads are spooled: a folder of the mail root's own, on the file
 * system that holds the mail (and its quota), out of every user's Maildir. */
static int spool_dir(const struct generation *g, char *out, size_t outlen)
{
	char root[PATH_MAX];
	struct err e;
	if (config_path(g->cfg, SET_MAIL_ROOT, root, sizeof(root), &e) < 0 ||
	    snprintf(out, outlen, "%s/%s", root, HTTP_SPOOL) >= (int)outlen)
		return -1;
	/* The mail store makes mail.root on first delivery; this may come first. */
	if ((mkdir(root, 0700) < 0 && errno != EEXIST) || (mkdir(out, 0700) < 0 && errno != EEXIST))
		return -1;
	return 0;
}

/* The headers of a POST its route takes are in: limits, the memory it may
 * hold, and its parser. Returns 1 with *answer when it is refused now. */
static int start_post(struct request_state *st, struct request *r, enum MHD_Result *answer)
{
	struct form_limits lim;
	const struct config_snapshot *cfg = r->gen->cfg;
	routes_body_limits(r, &lim);
	lim.csrf = routes_needs_csrf(r) ? r->sess.csrf : NULL;
	lim.spool = lim.file_max ? st->spool : NULL;
	form_init(&st->form, &lim);
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > lim.text_max + FORM_FILES_READ_MAX(lim.file_max)) {
		*answer = http_send_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
					  "What was sent is larger than this server takes.");
		return 1;
	}
	if (lim.file_max && spool_dir(r->gen, st->spool, sizeof(st->spool)) < 0) {
		log_warn("cannot make the upload folder under mail.root");
		*answer = http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "Files cannot be received now.");
		return 1;
	}
	size_t memory = lim.text_max + POST_BUFFER;
	if (form_reserve(&st->form, memory,
			 (size_t)config_int(cfg, SET_WEB_BODY_MEMORY_MB) << 20) < 0) {
		log_warnx("%s %s from %s refused: web.body_memory_mb is taken by forms in flight",
			  r->method, r->url, r->client);
		*answer = http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "The server is busy receiving other forms. Wait a "
					  "moment and send again.");
		return 1;
	}
	st->pp = MHD_create_post_processor(r->conn, POST_BUFFER, form_collect, &st->form);
	if (!st->pp) {
		/* Without a body the page decides (an empty form has no CSRF token);
		 * a body that is not a form is not read. */
		if ((cl && strtoull(cl, NULL, 10) > 0) ||
		    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
			*answer = http_send_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
						  "This address takes forms only.");
			return 1;
		}
		r->form = &st->form;
		return 0;
	}
	guard_body_begin(connection_guard(r->conn), config_int(cfg, SET_WEB_BODY_MIN_RATE));
	return 0;
}

/* The first call, with the headers complete and nothing of the body read:
 * everything that can be decided is decided here, and a request that may
 * not go on is answered now (MHD then reads none of its body). */
static enum MHD_Result decide(struct request_state *st, struct listener_ctx *ctx)
{
	struct request *r = &st->req;
	const struct config_snapshot *cfg = ctx->gen->cfg;
	enum MHD_Result answer;
	if (!r->https && ctx->gen->daemons[LISTENER_HTTPS] && config_bool(cfg, SET_SSL_FORCE) &&
	    !routes_never_redirected(r->url))
		return redirect_to_https(r);
	if (routes_begin(r, &answer))
		return answer;
	if (strcmp(r->method, "POST") == 0 && routes_body_takes(r) &&
	    start_post(st, r, &answer))
		return answer;
	if (!st->pp)
		guard_answering(connection_guard(r->conn));
	return MHD_YES;
}

/* A piece of the body. Returns MHD_NO to close the connection: a token
 * that is wrong, or missing from the first part, and the rest is not read. */
static enum MHD_Result body_piece(struct request_state *st, const char *data, size_t size)
{
	struct form *f = &st->form;
	st->received += size;
	guard_body_bytes(connection_guard(st->req.conn), size);
	if (!st->pp)
		return MHD_YES; /* a body no page takes: dropped */
	if (!f->too_large && !f->failed && f->csrf != FORM_CSRF_BAD)
		(void)MHD_post_process(st->pp, data, size);
	if (f->csrf == FORM_CSRF_PENDING && st->received > FORM_CSRF_WINDOW)
		f->csrf = FORM_CSRF_BAD;
	if (f->csrf == FORM_CSRF_BAD && st->received > FORM_CSRF_WINDOW) {
		log_warnx("%s %s from %s: no valid CSRF token first; connection closed",
			  st->req.method, st->req.url, st->req.client);
		return MHD_NO;
	}
	/* Browsers declare a form's length, refused at the headers when too long:
	 * a body that grows past the limit on the way is not read on. */
	if (f->too_large || f->failed) {
		log_warnx("%s %s from %s: %s; connection closed", st->req.method, st->req.url,
			  st->req.client, f->failed ? "upload not stored" : "body over the limit");
		return MHD_NO;
	}
	return MHD_YES;
}

enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls)
{
	struct listener_ctx *ctx = cls;
	struct request_state *st = *con_cls != ctx ? *con_cls : NULL;
	(void)version;
	if (!st)
		return MHD_NO; /* out of memory when the request began */
	struct request *r = &st->req;
	if (!st->started) {
		static const struct form no_form;
		st->started = 1;
		*r = (struct request){
			.conn = conn,
			.state = st,
			.gen = ctx->gen,
			.method = method,
			.url = url,
			.https = ctx->kind == LISTENER_HTTPS,
			.form = &no_form,
		};
		client_address(ctx->gen, conn, r->client, sizeof(r->client));
		return decide(st, ctx);
	}
	if (*upload_data_size != 0) {
		enum MHD_Result rc = body_piece(st, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return rc;
	}
	/* The body is in. */
	guard_answering(connection_guard(conn));
	if (st->pp) {
		struct form *f = &st->form;
		form_finish(f);
		r->form = f;
		if (f->too_large)
			return http_send_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
					       "What was sent is larger than this server takes.");
		if (f->failed)
			return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					       "The files sent could not be stored.");
		if (f->csrf == FORM_CSRF_BAD)
			return http_send_error(r, MHD_HTTP_FORBIDDEN,
					       "This form has expired. Go back, reload the page "
					       "and try again.");
	}
	return routes_dispatch(r);
}
