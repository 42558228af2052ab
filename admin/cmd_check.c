/* cmd_check.c - `webmsg-admin check`: the troubleshooting list, one line per
 * check, OK / WARN / FAIL with what to do about it. */
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
#include "webmsg/service.h"
#include "webmsg/ssl_config.h"
#include "webmsg/status.h"
#include "webmsg/tls_material.h"
#include "webmsg/tls_probe.h"

#include "commands.h"

#define EXPIRY_WARN_DAYS 30
#define PROBE_TIMEOUT_MS 3000

enum level { LEVEL_OK, LEVEL_WARN, LEVEL_FAIL, LEVEL_SKIP };

/* What every check reads, gathered once. */
struct check_state {
	struct db *db;
	struct config_snapshot *cfg;
	struct ssl_paths paths;
	int ssl;
	pid_t pid;
	struct service_status status;
	int status_present;
	long latest;
	/* the outcome of the check being run */
	enum level level;
	char text[1024];
	char hint[512];
};

static void result(struct check_state *s, enum level level, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void result(struct check_state *s, enum level level, const char *hint, const char *fmt, ...)
{
	va_list ap;
	s->level = level;
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
	snprintf(s->hint, sizeof(s->hint), "%s", hint ? hint : "");
}

static void check_database(struct check_state *s)
{
	struct stat sb;
	if (stat(db_path(s->db), &sb) == 0 && (sb.st_mode & 077))
		result(s, LEVEL_WARN, "chmod 600 it: it holds password hashes and the key password",
		       "configuration database %s is mode %03o", db_path(s->db), sb.st_mode & 0777);
	else
		result(s, LEVEL_OK, NULL, "configuration database %s (schema %d)", db_path(s->db),
		       db_schema_version(s->db));
}

static void check_ssl_enabled(struct check_state *s)
{
	if (s->ssl)
		result(s, LEVEL_OK, NULL, "SSL is enabled on port %ld%s",
		       config_int(s->cfg, SET_WEB_HTTPS_PORT),
		       config_bool(s->cfg, SET_SSL_FORCE) ? ", Force SSL on" : "");
	else
		result(s, LEVEL_WARN, "webmsg-admin ssl enable", "SSL is disabled: mail travels "
		       "unencrypted");
}

static void check_keystore(struct check_state *s)
{
	struct err e;
	if (tls_keystore_check(s->paths.keystore, &e) < 0)
		result(s, s->ssl ? LEVEL_FAIL : LEVEL_WARN,
		       "create it (mkdir -m 700) and set it: webmsg-admin ssl keystore DIR", "%s",
		       e.msg);
	else
		result(s, LEVEL_OK, NULL, "key store %s", s->paths.keystore);
}

static void check_pair(struct check_state *s)
{
	struct err e;
	if (tls_check_pair(s->paths.cert, s->paths.key, config_str(s->cfg, SET_SSL_KEY_PASSWORD),
			   &e) < 0)
		result(s, s->ssl ? LEVEL_FAIL : LEVEL_WARN,
		       "make one (webmsg-admin ssl selfsign) or import the CA's (ssl import)", "%s",
		       e.msg);
	else
		result(s, LEVEL_OK, NULL, "certificate and key: readable, the key decrypts with the "
		       "stored password, they match");
}

static void check_expiry(struct check_state *s)
{
	struct tls_cert_info i;
	struct err e;
	if (tls_cert_info(s->paths.cert, &i, &e) < 0)
		result(s, LEVEL_SKIP, NULL, "certificate expiry: %s", e.msg);
	else if (i.days_left < 0)
		result(s, s->ssl ? LEVEL_FAIL : LEVEL_WARN, "renew it: ssl selfsign --force, or ssl csr "
		       "and ssl import", "the certificate expired on %s", i.not_after);
	else if (i.days_left < EXPIRY_WARN_DAYS)
		result(s, LEVEL_WARN, "renew it soon: ssl csr and ssl import, or ssl selfsign --force",
		       "the certificate expires in %ld days (%s)", i.days_left, i.not_after);
	else
		result(s, LEVEL_OK, NULL, "certificate valid until %s (%ld days)", i.not_after,
		       i.days_left);
}

static void check_priority(struct check_state *s)
{
	const char *priority;
	struct err e;
	if (cipher_profile_priority(config_str(s->cfg, SET_SSL_CIPHER_PROFILE),
				    config_str(s->cfg, SET_SSL_PRIORITY), &priority, &e) < 0 ||
	    cipher_profile_check(priority, &e) < 0)
		result(s, s->ssl ? LEVEL_FAIL : LEVEL_WARN, "webmsg-admin ssl ciphers intermediate",
		       "cipher profile: %s", e.msg);
	else
		result(s, LEVEL_OK, NULL, "cipher profile %s: priority string valid",
		       config_str(s->cfg, SET_SSL_CIPHER_PROFILE));
}

static void check_client_auth(struct check_state *s)
{
	struct err e;
	int count = 0;
	enum client_auth mode = ssl_config_client_auth(s->cfg);
	if (mode == CLIENT_AUTH_NONE)
		result(s, LEVEL_OK, NULL, "client authentication: none (recommended)");
	else if (!s->paths.client_ca[0] || tls_check_ca_file(s->paths.client_ca, &count, &e) < 0)
		result(s, LEVEL_FAIL, "webmsg-admin ssl client-auth MODE --ca FILE",
		       "client authentication %s: %s", config_str(s->cfg, SET_SSL_CLIENT_AUTH),
		       s->paths.client_ca[0] ? e.msg : "no CA file set");
	else
		result(s, LEVEL_OK, NULL, "client authentication %s with %d CA certificate%s",
		       config_str(s->cfg, SET_SSL_CLIENT_AUTH), count, count == 1 ? "" : "s");
}

static void check_running(struct check_state *s)
{
	if (s->pid)
		result(s, LEVEL_OK, NULL, "webmsgd is running (pid %ld)", (long)s->pid);
	else
		result(s, LEVEL_FAIL, "webmsg-admin service start", "webmsgd is not running");
}

static void check_version(struct check_state *s)
{
	if (!s->pid || !s->status_present)
		result(s, LEVEL_SKIP, NULL, "configuration version: webmsgd is not running");
	else if (s->status.config_version < s->latest)
		result(s, LEVEL_WARN, "webmsg-admin service reload",
		       "webmsgd serves configuration version %ld; the latest is %ld",
		       s->status.config_version, s->latest);
	else
		result(s, LEVEL_OK, NULL, "webmsgd serves the latest configuration (version %ld)",
		       s->latest);
}

static void check_last_reload(struct check_state *s)
{
	if (s->status_present && strcmp(s->status.result, "error") == 0)
		result(s, LEVEL_FAIL, "fix what it says, then: webmsg-admin service reload",
		       "last %s failed: %s", s->pid ? "reload" : "start", s->status.message);
	else
		result(s, LEVEL_OK, NULL, "no start or reload error recorded");
}

static void check_handshake(struct check_state *s)
{
	struct tls_probe_result r;
	struct err e;
	const char *bind_addr = config_str(s->cfg, SET_WEB_BIND);
	const char *host = strcmp(bind_addr, "0.0.0.0") == 0 ? "127.0.0.1"
			   : strcmp(bind_addr, "::") == 0    ? "::1"
							     : bind_addr;
	int port = (int)config_int(s->cfg, SET_WEB_HTTPS_PORT);
	if (!s->ssl || !s->pid) {
		result(s, LEVEL_SKIP, NULL, "HTTPS handshake: %s",
		       s->ssl ? "webmsgd is not running" : "SSL is disabled");
		return;
	}
	if (tls_probe(host, port, PROBE_TIMEOUT_MS, &r, &e) < 0)
		result(s, LEVEL_FAIL, "see the last reload error and the log (webmsg-admin service "
		       "status)", "HTTPS handshake: %s", e.msg);
	else
		result(s, LEVEL_OK, NULL, "HTTPS handshake on %s port %d: %s, %s, certificate "
		       "SHA-256 %s", host, port, r.protocol, r.cipher, r.sha256);
}

static void (*const checks[])(struct check_state *) = {
	check_database, check_ssl_enabled, check_keystore, check_pair,       check_expiry,
	check_priority, check_client_auth, check_running,  check_version,    check_last_reload,
	check_handshake,
};

int cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const labels[] = { "OK", "WARN", "FAIL", "-" };
	struct check_state s = { .db = ctx->db };
	struct err e;
	int failed = 0;
	(void)argc;
	(void)argv;
	if (config_load(ctx->db, &s.cfg, &e) < 0 || ssl_config_paths(s.cfg, &s.paths, &e) < 0 ||
	    service_pid(ctx->db, &s.pid, &e) < 0 ||
	    status_read(ctx->db, &s.status, &s.status_present, &e) < 0 ||
	    (s.latest = config_version(ctx->db, &e)) < 0) {
		config_snapshot_free(&s.cfg);
		return cmd_error("%s", e.msg);
	}
	s.ssl = config_bool(s.cfg, SET_SSL_ENABLE);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		checks[i](&s);
		printf("%-5s %s\n", labels[s.level], s.text);
		if (s.level != LEVEL_OK && s.level != LEVEL_SKIP && s.hint[0])
			printf("      -> %s\n", s.hint);
		failed |= s.level == LEVEL_FAIL;
	}
	config_snapshot_free(&s.cfg);
	return failed ? CMD_FAIL : CMD_OK;
}
