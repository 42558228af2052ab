/* status.h - the daemon's status row: what it applied at its last start or
 * reload, and with what result. The console and `service status` read it. */
#ifndef WEBMSG_STATUS_H
#define WEBMSG_STATUS_H

struct db;
struct err;

struct service_status {
	long pid;
	long started_at;        /* unix time the daemon started */
	long updated_at;        /* unix time of this row */
	long seq;               /* grows by one with every write */
	long config_version;    /* the version being served */
	long attempted_version; /* the version the last start or reload tried */
	char result[16];        /* "ok", "error" or "stopped" */
	char message[512];
	char listeners[256];    /* "http://127.0.0.1:8383 https://127.0.0.1:8384" */
	char pidfile[4096];     /* the pidfile the daemon holds */
	long sessions;          /* webmail sessions open */
};

/* Replaces the row; seq and updated_at are set here. */
int status_write(struct db *db, struct service_status *st, struct err *e);
/* *present is 0 when the daemon never wrote a row. */
int status_read(struct db *db, struct service_status *st, int *present, struct err *e);
/* Sets only the row's count of open sessions, from a request thread: the rest
 * of the row (and seq) belongs to the daemon's start and reload writes. Does
 * nothing when there is no row yet. */
int status_note_sessions(struct db *db, long sessions, struct err *e);

#endif
