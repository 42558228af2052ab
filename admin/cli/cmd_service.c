/* cmd_service.c - service start, stop, restart, reload and status: webmsgd
 * controlled through service.h, its state read from its status row. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

#include "cli/commands.h"
#include "core/cert_status.h"
#include "core/numbers.h"
#include "core/service_control.h"

/* Prints the line a service_control_* call (which returned rc) put in text, or its error. */
static int report(int rc, const char *text, const struct err *e)
{
	if (rc < 0)
		return cmd_error("%s", e->msg);
	printf("%s\n", text);
	return CMD_OK;
}

static int start(struct db *db)
{
	char text[512];
	struct err e;
	return report(service_control_start(db, text, sizeof(text), &e), text, &e);
}

static int stop(struct db *db)
{
	char text[512];
	struct err e;
	return report(service_control_stop(db, text, sizeof(text), &e), text, &e);
}

int cmd_service_start(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return start(ctx->db);
}

int cmd_service_stop(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return stop(ctx->db);
}

int cmd_service_restart(struct cmd_ctx *ctx, int argc, char **argv)
{
	char text[600];
	struct err e;
	(void)argc;
	(void)argv;
	return report(service_control_restart(ctx->db, text, sizeof(text), &e), text, &e);
}

int cmd_service_reload(struct cmd_ctx *ctx, int argc, char **argv)
{
	char text[512];
	struct err e;

	(void)argc;
	(void)argv;
	return report(service_control_reload(ctx->db, text, sizeof(text), &e), text, &e);
}

/* One "label: value" line of the status, values lined up. */
static void field(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void field(const char *label, const char *fmt, ...)
{
	va_list ap;
	printf("%-15s ", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* "2024-05-01 10:00:00 (3m 2s ago)", in local time. */
static void field_time(const char *label, long when)
{
	char date[32], ago[32];
	struct tm tm;
	time_t t = (time_t)when;

	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	numbers_format_duration((long)time(NULL) - when, ago, sizeof(ago));
	field(label, "%s (%s ago)", date, ago);
}

/* Served and saved apart: which settings the daemon does not serve yet. */
static void show_differences(struct db *db, long served)
{
	char names[1024];
	struct err e;
	int n = service_control_differences(db, served, names, sizeof(names), &e);
	if (n < 0)
		field("saved, not served:", "cannot tell: %s", e.msg);
	else if (n > 0)
		field("not served yet:", "%s", names);
}

/* Which mail store is active: where the mail is, and who may log on. */
static void show_mail_store(const struct config_snapshot *cfg)
{
	if (strcmp(config_str(cfg, SET_MAIL_STORE), "imap") == 0) {
		const char *domain = config_str(cfg, SET_MAIL_IMAP_SENDER_DOMAIN);
		field("mail store:", "IMAP server %s (%s); users log on with its accounts",
		      config_str(cfg, SET_MAIL_IMAP_SERVER), config_str(cfg, SET_MAIL_IMAP_TLS));
		if (domain[0])
			field("sender domain:", "%s (a logon name without @ sends as NAME@%s)",
			      domain, domain);
		else
			field("sender domain:", "none: logon names without @ cannot send "
						"(mail.imap_sender_domain)");
	} else
		field("mail store:", "Maildir under %s; users are this server's",
		      config_str(cfg, SET_MAIL_ROOT));
}

/* Where sessions live and whether that store answers now: asked here, so a
 * Redis that went away since the last reload is said at once. */
static void show_sessions(struct db *db)
{
	struct config_snapshot *cfg;
	char where[300];
	struct err e;
	if (config_load(db, &cfg, &e) < 0) {
		field("sessions:", "cannot tell: %s", e.msg);
		return;
	}
	if (session_store_probe(cfg, db_path(db), where, sizeof(where), &e) < 0)
		field("sessions:", "cannot be kept, logons are refused: %s", e.msg);
	else
		field("sessions:", "kept in %s", where);
	show_mail_store(cfg);
	config_snapshot_free(&cfg);
}

/* Each certificate served: issuer, names, days left, how it renews, and the
 * last failed renewal, with its level when it needs attention. */
static void show_certificates(struct db *db)
{
	struct config_snapshot *cfg;
	struct cert_status certs[CERT_STATUS_MAX];
	struct err e;
	if (config_load(db, &cfg, &e) < 0) {
		field("certificates:", "cannot tell: %s", e.msg);
		return;
	}
	if (config_bool(cfg, SET_SSL_ENABLE) || config_str(cfg, SET_SSL_ACME_DIRECTORY)[0]) {
		size_t n = cert_status_collect(cfg, time(NULL), certs, CERT_STATUS_MAX);
		for (size_t i = 0; i < n; i++) {
			char line[2048];
			cert_status_line(&certs[i], line, sizeof(line));
			int ok = certs[i].level == CHECK_OK;
			field("certificate:", "%s%s%s", ok ? "" : troubleshoot_level_label(certs[i].level),
			      ok ? "" : " ", line);
		}
	}
	config_snapshot_free(&cfg);
}

static void show_running(struct db *db, const struct service_state *s)
{
	const struct service_status *st = &s->status;
	long latest = s->latest;
	char uptime[32];

	field("webmsgd:", "running");
	field("pid:", "%ld", (long)s->pid);
	if (!service_control_reported(s)) {
		field("status:", "not reported yet");
		return;
	}
	numbers_format_duration((long)time(NULL) - st->started_at, uptime, sizeof(uptime));
	field("uptime:", "%s", uptime);
	field("listening on:", "%s", st->listeners[0] ? st->listeners : "nothing");
	field("configuration:", "version %ld applied, latest %ld%s", st->config_version, latest,
	      st->config_version < latest ? " (reload to apply)" : "");
	show_differences(db, st->config_version);
	show_sessions(db);
	field("last result:", "%s%s%s", st->result, st->message[0] ? ": " : "", st->message);
	field_time("last update:", st->updated_at);
	show_certificates(db);
}

static void show_stopped(const struct service_state *s)
{
	const struct service_status *st = &s->status;
	int present = s->present;
	long latest = s->latest;

	field("webmsgd:", "stopped");
	if (present && strcmp(st->result, "error") == 0)
		field("last start failed:", "%s", st->message);
	else if (present && strcmp(st->result, "ok") == 0)
		field("note:", "webmsgd (pid %ld) ended without recording a stop; see its log",
		      st->pid);
	field("configuration:", "latest version %ld", latest);
	if (present)
		field_time("last update:", st->updated_at);
}

int cmd_service_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct service_state s;
	struct err e;

	(void)argc;
	(void)argv;
	if (service_control_state(ctx->db, &s, &e) < 0)
		return cmd_error("%s", e.msg);
	if (s.pid == 0) {
		show_stopped(&s);
		show_certificates(ctx->db);
		return CMD_STOPPED;
	}
	show_running(ctx->db, &s);
	return CMD_OK;
}
