/* service_control.c - webmsgd started, stopped and reloaded through service.h,
 * each with the line a person reads about it. */
#include <stdio.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/err.h"
#include "webmsg/service.h"

#include "core/service_control.h"

int service_control_state(struct db *db, struct service_state *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	if (service_pid(db, &s->pid, e) < 0 || status_read(db, &s->status, &s->present, e) < 0 ||
	    (s->latest = config_version(db, e)) < 0)
		return -1;
	return 0;
}

int service_control_reported(const struct service_state *s)
{
	return s->pid && s->present && s->status.pid == (long)s->pid;
}

/* Collects the failures of the decision as one message. */
struct failures {
	char text[ERR_MSG_MAX];
	size_t len;
};

static void add_failure(const struct config_check_item *item, void *arg)
{
	struct failures *f = arg;
	if (item->level != CONFIG_CHECK_FAIL || f->len >= sizeof(f->text) - 1)
		return;
	int n = snprintf(f->text + f->len, sizeof(f->text) - f->len, "%s%s", f->len ? "; " : "",
			 item->text);
	f->len = n < 0 || (size_t)n >= sizeof(f->text) - f->len ? sizeof(f->text) - 1
								 : f->len + (size_t)n;
}

int service_control_check_latest(struct db *db, struct err *e)
{
	struct config_snapshot *cfg;
	struct config_check_env env;
	struct failures f = { "", 0 };
	if (config_check_env_running(db, &env, e) < 0 || config_load(db, &cfg, e) < 0)
		return -1;
	int fails = config_check_run(cfg, &env, add_failure, &f);
	long version = cfg->version;
	config_snapshot_free(&cfg);
	if (fails)
		return err_set(e, "configuration version %ld cannot be served: %s", version, f.text);
	return 0;
}

int service_control_start(struct db *db, char *text, size_t len, struct err *e)
{
	struct service_status st;
	struct err se;
	int present;
	pid_t pid;

	if (service_start(db, &se) < 0)
		return err_set(e, "cannot start webmsgd: %s", se.msg);
	if (service_pid(db, &pid, &se) < 0 || status_read(db, &st, &present, &se) < 0)
		return err_set(e, "webmsgd started, but %s", se.msg);
	if (present && st.pid == (long)pid && st.listeners[0])
		snprintf(text, len, "webmsgd started (pid %ld), listening on %s", (long)pid,
			 st.listeners);
	else
		snprintf(text, len, "webmsgd started (pid %ld)", (long)pid);
	return 0;
}

int service_control_stop(struct db *db, char *text, size_t len, struct err *e)
{
	pid_t pid;

	if (service_pid(db, &pid, e) < 0)
		return -1;
	if (pid == 0) {
		snprintf(text, len, "webmsgd is not running");
		return 0;
	}
	if (service_stop(db, SERVICE_CONTROL_STOP_MS, e) < 0)
		return -1;
	snprintf(text, len, "webmsgd stopped");
	return 0;
}

int service_control_reload(struct db *db, char *text, size_t len, struct err *e)
{
	struct service_status st;
	struct err re;

	if (service_reload(db, 0, SERVICE_WAIT_MS, &st, &re) < 0)
		return err_set(e, "reload failed: %s", re.msg);
	snprintf(text, len, "reloaded (version %ld)", st.config_version);
	return 0;
}

int service_control_restart(struct db *db, char *text, size_t len, struct err *e)
{
	char stopped[64], started[448];
	struct err ce;
	pid_t pid;

	if (service_pid(db, &pid, e) < 0)
		return -1;
	/* Stopping is the part that cannot be undone: decide before it. */
	if (pid && service_control_check_latest(db, &ce) < 0)
		return err_set(e, "restart refused, webmsgd keeps running: %s", ce.msg);
	if (service_control_stop(db, stopped, sizeof(stopped), e) < 0 ||
	    service_control_start(db, started, sizeof(started), e) < 0)
		return -1;
	snprintf(text, len, "%s\n%s", stopped, started);
	return 0;
}

int service_control_differences(struct db *db, long served, char *out, size_t outlen,
				struct err *e)
{
	struct config_snapshot *then, *now;
	size_t len = 0;
	int n = 0;

	out[0] = '\0';
	if (config_load(db, &now, e) < 0)
		return -1;
	if (served == now->version) {
		config_snapshot_free(&now);
		return 0;
	}
	if (config_load_version(db, served, &then, e) < 0) {
		config_snapshot_free(&now);
		return -1;
	}
	for (int i = 0; i < SET_COUNT; i++) {
		if (strcmp(then->values[i], now->values[i]) == 0)
			continue;
		n++;
		int w = snprintf(out + len, len < outlen ? outlen - len : 0, "%s%s", len ? ", " : "",
				 settings_get((enum setting_id)i)->name);
		if (w > 0)
			len += (size_t)w;
	}
	config_snapshot_free(&then);
	config_snapshot_free(&now);
	return n;
}
