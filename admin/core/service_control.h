/* service_control.h - starting, stopping and reloading webmsgd as the operator
 * asks for it, and what the daemon is doing now: shared by `service ...`,
 * `check` and the console. */
#ifndef WEBMSG_ADMIN_SERVICE_CONTROL_H
#define WEBMSG_ADMIN_SERVICE_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include "webmsg/status.h"

struct db;
struct err;

#define SERVICE_CONTROL_STOP_MS 10000

/* Whether webmsgd runs, its last status row and the latest configuration version. */
struct service_state {
	pid_t pid;                   /* 0: not running */
	struct service_status status;
	int present;                 /* the daemon ever wrote its status row */
	long latest;                 /* the latest configuration version */
};

int service_control_state(struct db *db, struct service_state *s, struct err *e);
/* status belongs to the running daemon (not to an earlier one). */
int service_control_reported(const struct service_state *s);

/* Each puts one line for a person in text: "webmsgd started (pid 12), listening
 * on ...", "webmsgd stopped", "webmsgd is not running", "reloaded (version 5)".
 * On failure e says why ("cannot start webmsgd: ...", "reload failed: ..."). */
int service_control_start(struct db *db, char *text, size_t len, struct err *e);
/* Stopping what is not running is not a failure, as for any service manager. */
int service_control_stop(struct db *db, char *text, size_t len, struct err *e);
int service_control_reload(struct db *db, char *text, size_t len, struct err *e);

/* The decision (config_check) on the latest configuration, as a start or a
 * restart would take it (the ports the running daemon holds count as free).
 * Fails with "configuration version N cannot be served: <each reason>". */
int service_control_check_latest(struct db *db, struct err *e);
/* Decides first: a configuration that cannot be served is refused ("restart
 * refused, webmsgd keeps running: ...") and the daemon is not stopped. Then
 * stop and start; text gets both lines. (A start needs no such step: the
 * daemon takes the same decision before it listens, and records it.) */
int service_control_restart(struct db *db, char *text, size_t len, struct err *e);
/* The settings whose saved value differs from the one in the version being
 * served, as "web.http_port, ssl.enable" in out. Returns how many, or -1. */
int service_control_differences(struct db *db, long served, char *out, size_t outlen,
				struct err *e);

#endif
