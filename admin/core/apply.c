/* apply.c - saving configuration changes as a new version and asking a
 * running webmsgd to apply it, with the daemon's answer as the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/err.h"
#include "webmsg/service.h"

#include "core/apply.h"
#include "core/program.h"

static void outcome_clear(struct apply_outcome *o)
{
	memset(o, 0, sizeof(*o));
}

/* Which settings of this version wait for a restart (the decision's rule,
 * against the version before); a reload cannot apply them. */
static void restart_note(struct db *db, long version, struct apply_outcome *o)
{
	struct config_snapshot *before = NULL, *now = NULL;
	char names[256];
	struct err e;

	if (config_load_version(db, version - 1, &before, &e) < 0 ||
	    config_load_version(db, version, &now, &e) < 0)
		snprintf(o->warning, sizeof(o->warning), "%s", e.msg);
	else if (config_check_restart(before, now, names, sizeof(names)) > 0)
		snprintf(o->restart, sizeof(o->restart),
			 "%s takes effect at the next restart ('%s service restart')", names,
			 PROGRAM_NAME);
	config_snapshot_free(&before);
	config_snapshot_free(&now);
}

/* After a change that made `version` (nothing changed when it equals `before`):
 * the daemon that was running is asked to apply it, and its answer is the result. */
static int ask_daemon(struct db *db, pid_t running, long before, struct apply_outcome *o,
		      struct err *e)
{
	struct service_status st;
	struct err re;
	int rc = 0;

	if (o->version == before) {
		snprintf(o->text, sizeof(o->text), "unchanged (version %ld)", o->version);
		return 0;
	}
	if (running == 0) {
		snprintf(o->text, sizeof(o->text), "saved (version %ld); webmsgd is not running",
			 o->version);
		return 0;
	}
	if (service_reload(db, o->version, SERVICE_WAIT_MS, &st, &re) < 0)
		rc = err_set(e, "saved as version %ld, but webmsgd could not apply it: %s",
			     o->version, re.msg);
	else
		snprintf(o->text, sizeof(o->text), "applied (version %ld)", o->version);
	restart_note(db, o->version, o);
	return rc;
}

/* The decision every change passes inside its transaction: a change that
 * adds a reason webmsgd could not serve the configuration is not saved. */
static int decide(const struct config_snapshot *current, const struct config_snapshot *candidate,
		  void *arg, struct err *e)
{
	const struct config_check_env *env = arg;
	return config_check_change(current, candidate, env, e);
}

/* A change to the configuration: config_set or config_revert, through the gate. */
typedef int (*change_fn)(struct db *db, const struct config_who *who, const void *arg,
			 const struct config_gate *gate, long *version, struct err *e);

/* Whether webmsgd runs (and the sockets it holds) is asked before the
 * change, while the configuration still names the pidfile the daemon holds. */
static int change_and_apply(struct db *db, change_fn change, const void *arg,
			    struct apply_outcome *o, struct err *e)
{
	struct config_check_env env;
	struct config_gate gate = { decide, &env };
	struct config_who who;
	long before;
	pid_t running;

	outcome_clear(o);
	config_who_current(&who);
	if ((before = config_version(db, e)) < 0 || service_pid(db, &running, e) < 0 ||
	    config_check_env_running(db, &env, e) < 0 ||
	    change(db, &who, arg, &gate, &o->version, e) < 0)
		return -1;
	return ask_daemon(db, running, before, o, e);
}

struct change_list {
	const struct config_change *changes;
	size_t n;
};

static int set_list(struct db *db, const struct config_who *who, const void *arg,
		    const struct config_gate *gate, long *version, struct err *e)
{
	const struct change_list *l = arg;
	return config_set_gated(db, l->changes, l->n, who, gate, version, e);
}

/* The changes with what they imply (Force SSL follows SSL), into *all (to free). */
static int with_implied(struct db *db, const struct config_change *changes, size_t n,
			struct config_change **all, size_t *nall, struct err *e)
{
	struct config_snapshot *current, *candidate;
	size_t extra = 0;

	if (!(*all = calloc(n + CONFIG_CHECK_MAX_IMPLIED, sizeof(**all))))
		return err_set(e, "out of memory");
	memcpy(*all, changes, n * sizeof(*changes));
	*nall = n;
	if (config_load(db, &current, e) < 0)
		goto fail;
	if (config_load(db, &candidate, e) < 0) {
		config_snapshot_free(&current);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (config_snapshot_override(candidate, changes[i].id, changes[i].value, e) < 0) {
			config_snapshot_free(&current);
			config_snapshot_free(&candidate);
			goto fail;
		}
	extra = config_check_implied(current, candidate, *all + n);
	config_snapshot_free(&current);
	config_snapshot_free(&candidate);
	*nall = n + extra;
	return 0;
fail:
	free(*all);
	*all = NULL;
	return -1;
}

int apply_changes(struct db *db, const struct config_change *changes, size_t n,
		  struct apply_outcome *o, struct err *e)
{
	struct config_change *all;
	size_t nall = 0;
	outcome_clear(o);
	if (with_implied(db, changes, n, &all, &nall, e) < 0)
		return -1;
	struct change_list l = { all, nall };
	int rc = change_and_apply(db, set_list, &l, o, e);
	free(all);
	return rc;
}

struct revert_args {
	long version;
	void (*skipped)(enum setting_id id, void *arg);
	void *arg;
};

static int revert_to(struct db *db, const struct config_who *who, const void *arg,
		     const struct config_gate *gate, long *version, struct err *e)
{
	const struct revert_args *r = arg;
	return config_revert_gated(db, r->version, who, r->skipped, r->arg, gate, version, e);
}

int apply_revert(struct db *db, long version, void (*skipped)(enum setting_id id, void *arg),
		 void *arg, struct apply_outcome *o, struct err *e)
{
	struct revert_args r = { version, skipped, arg };
	return change_and_apply(db, revert_to, &r, o, e);
}

int apply_reload_if_running(struct db *db, struct apply_outcome *o, struct err *e)
{
	struct service_status st;
	struct err re;
	pid_t pid;

	outcome_clear(o);
	if (service_pid(db, &pid, e) < 0)
		return -1;
	if (pid == 0)
		return 0;
	if (service_reload(db, 0, SERVICE_WAIT_MS, &st, &re) < 0)
		return err_set(e, "webmsgd could not apply it: %s", re.msg);
	o->version = st.config_version;
	snprintf(o->text, sizeof(o->text), "applied (version %ld)", st.config_version);
	return 0;
}
