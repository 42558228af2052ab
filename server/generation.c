/* generation.c - building, retiring and freeing a generation: one
 * configuration version with its site, its TLS material and its running
 * MHD daemons. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "guard.h"
#include "http.h"
#include "server.h"
#include "site.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

/* A thread per connection: a request that waits (a relay that does not answer,
 * a large message to parse) holds only its own thread, never the one that
 * would serve the next style sheet or logon. The stack is address space
 * reserved, not memory used; it stays large enough for GMime's recursion. */
#define THREAD_STACK (2 << 20)
#define MAX_OPTIONS 24

static const struct {
	const char *scheme;
	enum setting_id port;
} listener_table[LISTENER_KINDS] = {
	[LISTENER_HTTP] = { "http", SET_WEB_HTTP_PORT },
	[LISTENER_HTTPS] = { "https", SET_WEB_HTTPS_PORT },
};

static void __attribute__((format(printf, 2, 0))) mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http: %s", log_q(msg));
}

static void add_option(struct MHD_OptionItem *opts, int *n, enum MHD_OPTION o, intptr_t value,
		       void *ptr)
{
	opts[(*n)++] = (struct MHD_OptionItem){ o, value, ptr };
}

static int start_listener(struct generation *g, enum listener_kind kind, struct err *e)
{
	const struct config_snapshot *cfg = g->cfg;
	const char *bind_addr = config_str(cfg, SET_WEB_BIND);
	int port = (int)config_int(cfg, listener_table[kind].port), fd, n = 0;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[MAX_OPTIONS];
	struct listener_ctx *ctx = &g->ctx[kind];

	ctx->gen = g;
	ctx->kind = kind;
	if (sockets_get(g->srv, bind_addr, port, &fd, e) < 0)
		return err_prefix(e, "%s", settings_get(listener_table[kind].port)->name);
	/* MHD closes the socket it is given when it fails to start: give it a copy. */
	int copy = dup(fd);
	if (copy < 0)
		return err_sys(e, "dup");
	add_option(opts, &n, MHD_OPTION_LISTEN_SOCKET, copy, NULL);
	add_option(opts, &n, MHD_OPTION_THREAD_STACK_SIZE, THREAD_STACK, NULL);
	/* Idle time only: the guard bounds headers and bodies. */
	add_option(opts, &n, MHD_OPTION_CONNECTION_TIMEOUT, GENERATION_IDLE_TIMEOUT, NULL);
	/* The guard counts all listeners together and keeps room for new
	 * addresses; MHD's own limit is only the backstop. */
	add_option(opts, &n, MHD_OPTION_CONNECTION_LIMIT, config_int(cfg, SET_WEB_MAX_CONNECTIONS),
		   NULL);
	add_option(opts, &n, MHD_OPTION_CONNECTION_MEMORY_LIMIT, GENERATION_CONNECTION_MEMORY,
		   NULL);
	add_option(opts, &n, MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL);
	add_option(opts, &n, MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_request_begin, ctx);
	add_option(opts, &n, MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_request_end, ctx);
	add_option(opts, &n, MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_connection_notify, ctx);
	if (kind == LISTENER_HTTPS) {
		/* The material the decision read and checked, the key already
		 * decrypted: no file is read here and no password is needed. */
		const struct config_check_tls *t = &g->tls;
		flags |= MHD_USE_TLS;
		add_option(opts, &n, MHD_OPTION_HTTPS_MEM_CERT, 0, t->cert_pem);
		add_option(opts, &n, MHD_OPTION_HTTPS_MEM_KEY, 0, t->key_pem);
		add_option(opts, &n, MHD_OPTION_HTTPS_PRIORITIES, 0, t->priority);
		if (t->trust_pem)
			add_option(opts, &n, MHD_OPTION_HTTPS_MEM_TRUST, 0, t->trust_pem);
	}
	add_option(opts, &n, MHD_OPTION_END, 0, NULL);

	g->daemons[kind] = MHD_start_daemon(flags, 0, http_accept_policy, ctx, http_handle, ctx,
					    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!g->daemons[kind])
		return err_set(e, "cannot start the %s listener on %s port %d%s",
			       listener_table[kind].scheme, bind_addr, port,
			       kind == LISTENER_HTTPS ? " (GnuTLS refused the key, certificate "
							"or priority string)" : "");
	g->sockets[kind] = fd;
	size_t len = strlen(g->listeners);
	int v6 = strchr(bind_addr, ':') != NULL;
	snprintf(g->listeners + len, sizeof(g->listeners) - len, "%s%s://%s%s%s:%d",
		 len ? " " : "", listener_table[kind].scheme, v6 ? "[" : "", bind_addr,
		 v6 ? "]" : "", port);
	return 0;
}

int generation_build(struct server *srv, struct config_snapshot *cfg,
		     struct config_check_tls *tls, struct generation **out, struct err *e)
{
	struct generation *g = calloc(1, sizeof(*g));
	*out = NULL;
	if (!g) {
		config_snapshot_free(&cfg);
		return err_set(e, "out of memory");
	}
	g->srv = srv;
	g->cfg = cfg;
	for (int k = 0; k < LISTENER_KINDS; k++)
		g->sockets[k] = -1;
	err_clear(e);
	int ssl = config_bool(cfg, SET_SSL_ENABLE);
	if (!srv->guard && guard_start(&srv->guard, e) < 0)
		goto fail;
	/* The parent's decision read the TLS files once and handed over what it checked. */
	if (ssl && tls) {
		g->tls = *tls;
		memset(tls, 0, sizeof(*tls));
	}
	if (ssl && (!g->tls.cert_pem || !g->tls.key_pem || !g->tls.priority)) {
		err_set(e, "SSL initialisation failed: the TLS material was not handed over");
		goto fail;
	}
	if (site_load(srv->share_dir, &g->site, e) < 0 ||
	    netmask_list_parse(config_str(cfg, SET_WEB_TRUSTED_PROXIES), &g->proxies, e) < 0)
		goto fail;
	if (srv->confine && srv->confine(srv, e) < 0)
		goto fail;
	if (start_listener(g, LISTENER_HTTP, e) < 0 ||
	    (ssl && start_listener(g, LISTENER_HTTPS, e) < 0))
		goto fail;
	*out = g;
	return 0;
fail:
	generation_free(&g);
	return -1;
}

void generation_retire(struct generation *g)
{
	atomic_store(&g->retiring, 1);
	for (int k = 0; k < LISTENER_KINDS; k++) {
		if (!g->daemons[k])
			continue;
		/* Hands back our copy of the socket; the original stays with the server. */
		MHD_socket fd = MHD_quiesce_daemon(g->daemons[k]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		g->sockets[k] = -1;
	}
}

void generation_load(struct generation *g, struct generation_load *out)
{
	out->connections = 0;
	out->active = atomic_load(&g->active);
	out->fresh = atomic_load(&g->fresh);
	for (int k = 0; k < LISTENER_KINDS; k++) {
		if (!g->daemons[k])
			continue;
		/* With a thread per connection this counts a connection until its
		 * thread is gone, after MHD_CONNECTION_NOTIFY_CLOSED. */
		const union MHD_DaemonInfo *info =
			MHD_get_daemon_info(g->daemons[k], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info)
			out->connections += info->num_connections;
	}
}

void generation_free(struct generation **g)
{
	if (!g || !*g)
		return;
	for (int k = 0; k < LISTENER_KINDS; k++)
		if ((*g)->daemons[k])
			MHD_stop_daemon((*g)->daemons[k]);
	config_check_tls_free(&(*g)->tls);
	site_free(&(*g)->site);
	config_snapshot_free(&(*g)->cfg);
	free(*g);
	*g = NULL;
}
