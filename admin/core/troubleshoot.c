/* troubleshoot.c - the troubleshooting checks: the configuration database, the
 * decision on the latest configuration (config_check, item by item), then
 * the running daemon and a real handshake. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_probe.h"

#include "core/cert_status.h"
#include "core/service_control.h"
#include "core/troubleshoot.h"

#define PROBE_TIMEOUT_MS 3000

/* What every check reads, gathered once. */
struct check_state {
	struct db *db;
	struct config_snapshot *cfg;
	int ssl;
	struct service_state svc;
	struct check_result r; /* the outcome of the check being run */
	void (*fn)(const struct check_result *r, void *arg);
	void *arg;
};

static void result(struct check_state *s, enum check_level level, const char *hint,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void result(struct check_state *s, enum check_level level, const char *hint,
		   const char *fmt, ...)
{
	va_list ap;
	s->r.level = level;
	va_start(ap, fmt);
	vsnprintf(s->r.text, sizeof(s->r.text), fmt, ap);
	va_end(ap);
	snprintf(s->r.hint, sizeof(s->r.hint), "%s", hint ? hint : "");
}

static void check_database(struct check_state *s)
{
	struct stat sb;
	if (stat(db_path(s->db), &sb) == 0 && (sb.st_mode & 077))
		result(s, CHECK_WARN, "chmod 600 it: it holds password hashes and the key password",
		       "configuration database %s is mode %03o", db_path(s->db), sb.st_mode & 0777);
	else
		result(s, CHECK_OK, NULL, "configuration database %s (schema %d)", db_path(s->db),
		       db_schema_version(s->db));
}

/* One item of the decision, as a check result. */
static void config_item(const struct config_check_item *item, void *arg)
{
	static const enum check_level levels[] = {
		[CONFIG_CHECK_OK] = CHECK_OK,
		[CONFIG_CHECK_NOTE] = CHECK_WARN,
		[CONFIG_CHECK_WARN] = CHECK_WARN,
		[CONFIG_CHECK_FAIL] = CHECK_FAIL,
	};
	struct check_state *s = arg;
	result(s, levels[item->level], item->hint, "%s", item->text);
	s->fn(&s->r, s->arg);
}

/* The decision on the latest configuration, as webmsgd will take it: the
 * sockets the running daemon holds are its own, and settings that wait for a
 * restart are set against the version it serves. */
static int check_configuration(struct check_state *s, struct err *e)
{
	struct config_snapshot *served = NULL;
	struct config_check_env env;
	if (config_check_env_running(s->db, &env, e) < 0)
		return -1;
	if (service_control_reported(&s->svc) && s->svc.status.config_version > 0 &&
	    config_load_version(s->db, s->svc.status.config_version, &served, e) < 0)
		return -1;
	env.served = served;
	config_check_run(s->cfg, &env, config_item, s);
	config_snapshot_free(&served);
	return 0;
}

/* Whether sessions can be kept: a Redis that does not answer refuses every
 * logon while the daemon itself looks healthy. */
static void check_sessions(struct check_state *s)
{
	char where[300];
	struct err e;
	if (session_store_probe(s->cfg, db_path(s->db), where, sizeof(where), &e) < 0)
		result(s, CHECK_FAIL, session_store_is_redis(s->cfg)
				      ? "start Redis or fix session.redis / session.redis_password"
				      : "see the daemon's log; removing the file logs everybody off",
		       "session store: %s; logons are refused", e.msg);
	else
		result(s, CHECK_OK, NULL, "sessions are kept in %s", where);
}

static void check_running(struct check_state *s)
{
	if (s->svc.pid)
		result(s, CHECK_OK, NULL, "webmsgd is running (pid %ld)", (long)s->svc.pid);
	else
		result(s, CHECK_FAIL, "webmsg-admin service start", "webmsgd is not running");
}

static void check_version(struct check_state *s)
{
	if (!s->svc.pid || !s->svc.present)
		result(s, CHECK_SKIP, NULL, "configuration version: webmsgd is not running");
	else if (s->svc.status.config_version < s->svc.latest)
		result(s, CHECK_WARN, "webmsg-admin service reload",
		       "webmsgd serves configuration version %ld; the latest is %ld",
		       s->svc.status.config_version, s->svc.latest);
	else
		result(s, CHECK_OK, NULL, "webmsgd serves the latest configuration (version %ld)",
		       s->svc.latest);
}

static void check_last_reload(struct check_state *s)
{
	if (s->svc.present && strcmp(s->svc.status.result, "error") == 0)
		result(s, CHECK_FAIL, "fix what it says, then: webmsg-admin service reload",
		       "last %s failed: %s", s->svc.pid ? "reload" : "start", s->svc.status.message);
	else
		result(s, CHECK_OK, NULL, "no start or reload error recorded");
}

int troubleshoot_probe_https(const struct config_snapshot *cfg, struct tls_probe_result *r,
		       char *host, size_t hostlen, int *port, struct err *e)
{
	const char *bind_addr = config_str(cfg, SET_WEB_BIND);
	snprintf(host, hostlen, "%s", strcmp(bind_addr, "0.0.0.0") == 0 ? "127.0.0.1"
				      : strcmp(bind_addr, "::") == 0    ? "::1"
									: bind_addr);
	*port = (int)config_int(cfg, SET_WEB_HTTPS_PORT);
	return tls_probe(host, *port, PROBE_TIMEOUT_MS, r, e);
}

static void check_handshake(struct check_state *s)
{
	struct tls_probe_result r;
	struct err e;
	char host[64];
	int port;
	if (!s->ssl || !s->svc.pid) {
		result(s, CHECK_SKIP, NULL, "HTTPS handshake: %s",
		       s->ssl ? "webmsgd is not running" : "SSL is disabled");
		return;
	}
	int rc = troubleshoot_probe_https(s->cfg, &r, host, sizeof(host), &port, &e);
	if (rc < 0 && r.refused && ssl_config_client_auth(s->cfg) == CLIENT_AUTH_REQUIRED)
		/* What "required" means: no certificate, no connection. */
		result(s, CHECK_OK, NULL, "HTTPS on %s port %d refuses a client without a "
		       "certificate, as client authentication required means", host, port);
	else if (rc < 0)
		result(s, CHECK_FAIL, "see the last reload error and the log (webmsg-admin service "
		       "status)", "HTTPS handshake: %s", e.msg);
	else
		result(s, CHECK_OK, NULL, "HTTPS handshake on %s port %d: %s, %s, certificate "
		       "SHA-256 %s", host, port, r.protocol, r.cipher, r.sha256);
}

/* Every certificate served: issuer, names, days left, how it renews, the
 * last failed renewal. WARN from 14 days before expiry (or after a failed
 * renewal), FAIL once expired, or when renewal failed with under 14 days left. */
static void check_certificates(struct check_state *s)
{
	struct cert_status certs[CERT_STATUS_MAX];
	size_t n = cert_status_collect(s->cfg, time(NULL), certs, CERT_STATUS_MAX);
	for (size_t i = 0; i < n; i++) {
		s->r.level = certs[i].level;
		cert_status_line(&certs[i], s->r.text, sizeof(s->r.text));
		snprintf(s->r.hint, sizeof(s->r.hint), "%s", certs[i].hint);
		s->fn(&s->r, s->arg);
	}
}

static void (*const service_checks[])(struct check_state *) = {
	check_sessions, check_running, check_version, check_last_reload, check_handshake,
};

const char *troubleshoot_level_label(enum check_level level)
{
	static const char *const labels[] = { "OK", "WARN", "FAIL", "-" };
	return labels[level];
}

int troubleshoot_run(struct db *db, void (*fn)(const struct check_result *r, void *arg), void *arg,
	       struct err *e)
{
	struct check_state s = { .db = db, .fn = fn, .arg = arg };
	if (config_load(db, &s.cfg, e) < 0 || service_control_state(db, &s.svc, e) < 0) {
		config_snapshot_free(&s.cfg);
		return -1;
	}
	s.ssl = config_bool(s.cfg, SET_SSL_ENABLE);
	check_database(&s);
	fn(&s.r, arg);
	if (check_configuration(&s, e) < 0) {
		config_snapshot_free(&s.cfg);
		return -1;
	}
	if (s.ssl || config_str(s.cfg, SET_SSL_ACME_DIRECTORY)[0])
		check_certificates(&s);
	for (size_t i = 0; i < sizeof(service_checks) / sizeof(service_checks[0]); i++) {
		service_checks[i](&s);
		fn(&s.r, arg);
	}
	config_snapshot_free(&s.cfg);
	return 0;
}
