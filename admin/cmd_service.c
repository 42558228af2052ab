/* cmd_service.c - service start, stop, restart, reload and status: webmsgd
 * controlled through service.h, its state read from its status row. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/service.h"
#include "webmsg/status.h"

#include "commands.h"

#define STOP_WAIT_MS 10000

static int start(struct db *db)
{
	struct service_status st;
	struct err e;
	int present;
	pid_t pid;

	if (service_start(db, &e) < 0)
		return cmd_error("cannot start webmsgd: %s", e.msg);
	if (service_pid(db, &pid, &e) < 0 || status_read(db, &st, &present, &e) < 0)
		return cmd_error("webmsgd started, but %s", e.msg);
	if (present && st.pid == (long)pid && st.listeners[0])
		printf("webmsgd started (pid %ld), listening on %s\n", (long)pid, st.listeners);
	else
		printf("webmsgd started (pid %ld)\n", (long)pid);
	return CMD_OK;
}

/* Stopping what is not running is not a failure, as for any service manager. */
static int stop(struct db *db)
{
	struct err e;
	pid_t pid;

	if (service_pid(db, &pid, &e) < 0)
		return cmd_error("%s", e.msg);
	if (pid == 0) {
		printf("webmsgd is not running\n");
		return CMD_OK;
	}
	if (service_stop(db, STOP_WAIT_MS, &e) < 0)
		return cmd_error("%s", e.msg);
	printf("webmsgd stopped\n");
	return CMD_OK;
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
	(void)argc;
	(void)argv;
	if (stop(ctx->db) != CMD_OK)
		return CMD_FAIL;
	return start(ctx->db);
}

int cmd_service_reload(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct service_status st;
	struct err e;

	(void)argc;
	(void)argv;
	if (service_reload(ctx->db, 0, SERVICE_WAIT_MS, &st, &e) < 0)
		return cmd_error("reload failed: %s", e.msg);
	printf("reloaded (version %ld)\n", st.config_version);
	return CMD_OK;
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
	cmd_format_duration((long)time(NULL) - when, ago, sizeof(ago));
	field(label, "%s (%s ago)", date, ago);
}

static void show_running(pid_t pid, const struct service_status *st, int present, long latest)
{
	char uptime[32];

	field("webmsgd:", "running");
	field("pid:", "%ld", (long)pid);
	if (!present || st->pid != (long)pid) {
		field("status:", "not reported yet");
		return;
	}
	cmd_format_duration((long)time(NULL) - st->started_at, uptime, sizeof(uptime));
	field("uptime:", "%s", uptime);
	field("listening on:", "%s", st->listeners[0] ? st->listeners : "nothing");
	field("configuration:", "version %ld applied, latest %ld%s", st->config_version, latest,
	      st->config_version < latest ? " (reload to apply)" : "");
	field("last result:", "%s%s%s", st->result, st->message[0] ? ": " : "", st->message);
	field_time("last update:", st->updated_at);
}

static void show_stopped(const struct service_status *st, int present, long latest)
{
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
	struct service_status st;
	struct err e;
	int present;
	long latest;
	pid_t pid;

	(void)argc;
	(void)argv;
	if (service_pid(ctx->db, &pid, &e) < 0 || status_read(ctx->db, &st, &present, &e) < 0 ||
	    (latest = config_version(ctx->db, &e)) < 0)
		return cmd_error("%s", e.msg);
	if (pid == 0) {
		show_stopped(&st, present, latest);
		return CMD_STOPPED;
	}
	show_running(pid, &st, present, latest);
	return CMD_OK;
}
