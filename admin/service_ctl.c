/* service_ctl.c - webmsgd started, stopped and reloaded through service.h,
 * each with the line a person reads about it. */
#include <stdio.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/service.h"

#include "service_ctl.h"

int service_ctl_state(struct db *db, struct service_state *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	if (service_pid(db, &s->pid, e) < 0 || status_read(db, &s->status, &s->present, e) < 0 ||
	    (s->latest = config_version(db, e)) < 0)
		return -1;
	return 0;
}

int service_ctl_reported(const struct service_state *s)
{
	return s->pid && s->present && s->status.pid == (long)s->pid;
}

int service_ctl_start(struct db *db, char *text, size_t len, struct err *e)
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

int service_ctl_stop(struct db *db, char *text, size_t len, struct err *e)
{
	pid_t pid;

	if (service_pid(db, &pid, e) < 0)
		return -1;
	if (pid == 0) {
		snprintf(text, len, "webmsgd is not running");
		return 0;
	}
	if (service_stop(db, SERVICE_CTL_STOP_MS, e) < 0)
		return -1;
	snprintf(text, len, "webmsgd stopped");
	return 0;
}

int service_ctl_reload(struct db *db, char *text, size_t len, struct err *e)
{
	struct service_status st;
	struct err re;

	if (service_reload(db, 0, SERVICE_WAIT_MS, &st, &re) < 0)
		return err_set(e, "reload failed: %s", re.msg);
	snprintf(text, len, "reloaded (version %ld)", st.config_version);
	return 0;
}
