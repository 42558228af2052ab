/* check.c - everything a configuration must pass before the daemon serves it.
 * `webmsgd -n` reports every problem; a reload stops at the first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "site.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"

typedef void (*report_fn)(const char *problem, void *arg);

/* Every stored value must still pass its setting's validation. */
static int check_values(const struct config_snapshot *cfg, report_fn report, void *arg)
{
	int n = 0;
	struct err e;
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		if (settings_validate(s, cfg->values[i], &e) < 0) {
			report(e.msg, arg);
			n++;
		}
	}
	return n;
}

static int check_ports(const struct config_snapshot *cfg, report_fn report, void *arg)
{
	if (config_bool(cfg, SET_SSL_ENABLE) &&
	    config_int(cfg, SET_WEB_HTTP_PORT) == config_int(cfg, SET_WEB_HTTPS_PORT)) {
		report("web.http_port and web.https_port are the same port; give HTTPS its own",
		       arg);
		return 1;
	}
	return 0;
}

static int check_share(const char *share_dir, report_fn report, void *arg)
{
	struct site *site;
	struct err e;
	if (site_load(share_dir, &site, &e) < 0) {
		report(e.msg, arg);
		return 1;
	}
	site_free(&site);
	return 0;
}

/* The log file must be writable, or its folder when it does not exist yet. */
static int check_log(const struct config_snapshot *cfg, report_fn report, void *arg)
{
	char path[4096], dir[4096], msg[8300];
	struct err e;
	if (config_log_file(cfg, path, sizeof(path), &e) < 0) {
		report(e.msg, arg);
		return 1;
	}
	if (!path[0]) /* syslog */
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(path, W_OK) == 0 || (errno == ENOENT && access(dir, W_OK) == 0))
		return 0;
	snprintf(msg, sizeof(msg), "log.file: cannot write %s (%s); check the folder and its owner",
		 path, strerror(errno));
	report(msg, arg);
	return 1;
}

/* With SSL on, the certificate, key, password, priority string and client CA. */
static int check_ssl(const struct config_snapshot *cfg, report_fn report, void *arg)
{
	const char *priority;
	struct err e;
	char msg[ERR_MSG_MAX + 40];
	if (!config_bool(cfg, SET_SSL_ENABLE) || ssl_config_check(cfg, &priority, &e) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "SSL initialisation failed: %s", e.msg);
	report(msg, arg);
	return 1;
}

int check_config(const struct config_snapshot *cfg, const char *share_dir, report_fn report,
		 void *arg)
{
	return check_values(cfg, report, arg) + check_ports(cfg, report, arg) +
	       check_share(share_dir, report, arg) + check_log(cfg, report, arg) +
	       check_ssl(cfg, report, arg);
}
