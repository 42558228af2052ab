/* check.c - what the daemon asks before it serves a configuration: the one
 * decision (config_check) with the sockets this process holds, and its own
 * share folder. `webmsgd -n` reports every problem; a reload stops at the
 * first and takes the TLS material the decision checked. */
#include <stdio.h>
#include <string.h>

#include "server.h"
#include "site.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/err.h"

struct check_report {
	void (*report)(const char *problem, void *arg);
	void *arg;
};

static void report_failure(const struct config_check_item *item, void *arg)
{
	const struct check_report *r = arg;
	char msg[ERR_MSG_MAX + 40];
	if (item->level != CONFIG_CHECK_FAIL)
		return;
	/* As the status row and the log have always said it for HTTPS. */
	if (item->setting >= SET_SSL_ENABLE && item->setting <= SET_SSL_HSTS_MAX_AGE) {
		snprintf(msg, sizeof(msg), "SSL initialisation failed: %s", item->text);
		r->report(msg, r->arg);
	} else {
		r->report(item->text, r->arg);
	}
}

/* The templates and static files are the daemon's own, not configuration. */
static int check_share(const char *share_dir, const struct check_report *r)
{
	struct site *site;
	struct err e;
	if (site_load(share_dir, &site, &e) < 0) {
		r->report(e.msg, r->arg);
		return 1;
	}
	site_free(&site);
	return 0;
}

int check_config(struct server *srv, const struct config_snapshot *cfg,
		 void (*report)(const char *problem, void *arg), void *arg)
{
	return check_config_load(srv, cfg, report, arg, NULL, NULL);
}

int check_config_load(struct server *srv, const struct config_snapshot *cfg,
		      void (*report)(const char *problem, void *arg), void *arg,
		      struct config_check_tls *tls, char *imap_addrs)
{
	struct check_report r = { report, arg };
	struct config_check_env env;
	struct err e;
	int problems;

	memset(&env, 0, sizeof(env));
	if (tls)
		memset(tls, 0, sizeof(*tls));
	if (srv->served) {
		/* A reload: the sockets this process listens on stay its own. */
		for (int i = 0; i < SERVER_MAX_SOCKETS && env.nheld < CONFIG_CHECK_MAX_HELD; i++) {
			if (srv->sockets[i].fd < 0)
				continue;
			snprintf(env.held[env.nheld].bind, sizeof(env.held[0].bind), "%s",
				 srv->sockets[i].bind);
			env.held[env.nheld++].port = srv->sockets[i].port;
		}
		env.served = srv->served;
	} else if (!srv->status.pid && config_check_env_running(srv->db, &env, &e) < 0) {
		/* `webmsgd -n` beside a running daemon: its ports are not "in use". */
		report(e.msg, arg);
		return 1;
	}
	env.tls = tls;
	env.imap_addrs = imap_addrs;
	problems = config_check_run(cfg, &env, report_failure, &r) + check_share(srv->share_dir, &r);
	if (problems)
		config_check_tls_free(tls);
	return problems;
}
