/* checks.c - the troubleshooting checks, one function each, run in order
 * over what they all read, gathered once. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"
#include "webmsg/tls_probe.h"

#include "checks.h"
#include "service_ctl.h"

#define EXPIRY_WARN_DAYS 30
#define PROBE_TIMEOUT_MS 3000

/* What every check reads, gathered once. */
struct check_state {
	struct db *db;
	struct config_snapshot *cfg;
	struct ssl_paths paths;
	int ssl;
	struct service_state svc;
	struct check_result r; /* the outcome of the check being run */
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

static void check_ssl_enabled(struct check_state *s)
{
	if (s->ssl)
		result(s, CHECK_OK, NULL, "SSL is enabled on port %ld%s",
		       config_int(s->cfg, SET_WEB_HTTPS_PORT),
		       config_bool(s->cfg, SET_SSL_FORCE) ? ", Force SSL on" : "");
	else
		result(s, CHECK_WARN, "webmsg-admin ssl enable", "SSL is disabled: mail travels "
		       "unencrypted");
}

static void check_keystore(struct check_state *s)
{
	struct err e;
	if (tls_keystore_check(s->paths.keystore, &e) < 0)
		result(s, s->ssl ? CHECK_FAIL : CHECK_WARN,
		       "create it (mkdir -m 700) and set it: webmsg-admin ssl keystore DIR", "%s",
		       e.msg);
	else
		result(s, CHECK_OK, NULL, "key store %s", s->paths.keystore);
}

static void check_pair(struct check_state *s)
{
	struct err e;
	if (tls_check_pair(s->paths.cert, s->paths.key, config_str(s->cfg, SET_SSL_KEY_PASSWORD),
			   &e) < 0)
		result(s, s->ssl ? CHECK_FAIL : CHECK_WARN,
		       "make one (webmsg-admin ssl selfsign) or import the CA's (ssl import)", "%s",
		       e.msg);
	else
		result(s, CHECK_OK, NULL, "certificate and key: readable, the key decrypts with the "
		       "stored password, they match");
}

static void check_expiry(struct check_state *s)
{
	struct tls_cert_info i;
	struct err e;
	if (tls_cert_info(s->paths.cert, &i, &e) < 0)
		result(s, CHECK_SKIP, NULL, "certificate expiry: %s", e.msg);
	else if (i.days_left < 0)
		result(s, s->ssl ? CHECK_FAIL : CHECK_WARN, "renew it: ssl selfsign --force, or ssl csr "
		       "and ssl import", "the certificate expired on %s", i.not_after);
	else if (i.days_left < EXPIRY_WARN_DAYS)
		result(s, CHECK_WARN, "renew it soon: ssl csr and ssl import, or ssl selfsign --force",
		       "the certificate expires in %ld days (%s)", i.days_left, i.not_after);
	else
		result(s, CHECK_OK, NULL, "certificate valid until %s (%ld days)", i.not_after,
		       i.days_left);
}

static void check_priority(struct check_state *s)
{
	const char *priority;
	struct err e;
	if (cipher_profile_priority(config_str(s->cfg, SET_SSL_CIPHER_PROFILE),
				    config_str(s->cfg, SET_SSL_PRIORITY), &priority, &e) < 0 ||
	    cipher_profile_check(priority, &e) < 0)
		result(s, s->ssl ? CHECK_FAIL : CHECK_WARN, "webmsg-admin ssl ciphers intermediate",
		       "cipher profile: %s", e.msg);
	else
		result(s, CHECK_OK, NULL, "cipher profile %s: priority string valid",
		       config_str(s->cfg, SET_SSL_CIPHER_PROFILE));
}

static void check_client_auth(struct check_state *s)
{
	struct err e;
	int count = 0;
	enum client_auth mode = ssl_config_client_auth(s->cfg);
	if (mode == CLIENT_AUTH_NONE)
		result(s, CHECK_OK, NULL, "client authentication: none (recommended)");
	else if (!s->paths.client_ca[0] || tls_check_ca_file(s->paths.client_ca, &count, &e) < 0)
		result(s, CHECK_FAIL, "webmsg-admin ssl client-auth MODE --ca FILE",
		       "client authentication %s: %s", config_str(s->cfg, SET_SSL_CLIENT_AUTH),
		       s->paths.client_ca[0] ? e.msg : "no CA file set");
	else
		result(s, CHECK_OK, NULL, "client authentication %s with %d CA certificate%s",
		       config_str(s->cfg, SET_SSL_CLIENT_AUTH), count, count == 1 ? "" : "s");
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

int checks_probe_https(const struct config_snapshot *cfg, struct tls_probe_result *r,
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
	if (checks_probe_https(s->cfg, &r, host, sizeof(host), &port, &e) < 0)
		result(s, CHECK_FAIL, "see the last reload error and the log (webmsg-admin service "
		       "status)", "HTTPS handshake: %s", e.msg);
	else
		result(s, CHECK_OK, NULL, "HTTPS handshake on %s port %d: %s, %s, certificate "
		       "SHA-256 %s", host, port, r.protocol, r.cipher, r.sha256);
}

static void (*const checks[])(struct check_state *) = {
	check_database, check_ssl_enabled, check_keystore, check_pair,       check_expiry,
	check_priority, check_client_auth, check_running,  check_version,    check_last_reload,
	check_handshake,
};

const char *checks_level_label(enum check_level level)
{
	static const char *const labels[] = { "OK", "WARN", "FAIL", "-" };
	return labels[level];
}

int checks_run(struct db *db, void (*fn)(const struct check_result *r, void *arg), void *arg,
	       struct err *e)
{
	struct check_state s = { .db = db };
	if (config_load(db, &s.cfg, e) < 0 || ssl_config_paths(s.cfg, &s.paths, e) < 0 ||
	    service_ctl_state(db, &s.svc, e) < 0) {
		config_snapshot_free(&s.cfg);
		return -1;
	}
	s.ssl = config_bool(s.cfg, SET_SSL_ENABLE);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		checks[i](&s);
		fn(&s.r, arg);
	}
	config_snapshot_free(&s.cfg);
	return 0;
}
