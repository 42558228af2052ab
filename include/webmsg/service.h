/* service.h - controlling webmsgd from the administrator's side: start,
 * stop, reload and the wait for the daemon's answer in its status row. */
#ifndef WEBMSG_SERVICE_H
#define WEBMSG_SERVICE_H

#include <sys/types.h>
#include "status.h"

struct db;
struct err;

#define SERVICE_WAIT_MS 5000

/* pid of the running daemon, 0 when it is not running. */
int service_pid(struct db *db, pid_t *pid, struct err *e);
/* Runs webmsgd, which returns once it listens; its error otherwise. */
int service_start(struct db *db, struct err *e);
/* SIGTERM, then waits for the process to go (timeout_ms). */
int service_stop(struct db *db, int timeout_ms, struct err *e);
/* SIGHUP, then waits for a status row that tried at least want_version (0:
 * any new row). Returns 0 when it applied; -1 with the daemon's message when
 * the reload failed or no answer came. *st gets the row. */
int service_reload(struct db *db, long want_version, int timeout_ms, struct service_status *st,
		   struct err *e);
/* Where webmsgd is: $WEBMSG_DAEMON, beside this program, or the installed path. */
const char *service_daemon_path(void);

#endif
