/* pidfile.h - a pidfile held under an fcntl lock for the daemon's lifetime, so
 * a second daemon on the same database refuses to start and a crashed one
 * leaves nothing that looks alive. */
#ifndef WEBMSG_PIDFILE_H
#define WEBMSG_PIDFILE_H

#include <sys/types.h>

struct err;
struct pidfile;

/* Creates or takes over the file, locks it and writes our pid (mode 0644).
 * When another process holds it: "webmsgd is already running as pid N (PATH)". */
int pidfile_acquire(const char *path, struct pidfile **out, struct err *e);
/* Unlinks and unlocks. Accepts NULL. */
void pidfile_release(struct pidfile **p);
/* The pid of the process holding the lock, 0 when nobody does, or -1 when
 * the lock is held but no pid is written (a daemon just starting). */
int pidfile_holder(const char *path, pid_t *pid, struct err *e);

#endif
