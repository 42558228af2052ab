/* status.c - the daemon's one status row. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/status.h"

int status_write(struct db *db, struct service_status *st, struct err *e)
{
	sqlite3_stmt *s;
	st->updated_at = (long)time(NULL);
	if (db_prepare(db,
		       "INSERT INTO daemon_status (id, pid, started_at, updated_at, seq, "
		       "config_version, attempted_version, result, message, listeners, pidfile, sessions) "
		       "VALUES (1, ?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
		       "ON CONFLICT (id) DO UPDATE SET pid = ?1, started_at = ?2, updated_at = ?3, "
		       "seq = seq + 1, config_version = ?4, attempted_version = ?5, result = ?6, "
		       "message = ?7, listeners = ?8, pidfile = ?9, sessions = ?10 RETURNING seq",
		       &s, e) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, st->pid);
	sqlite3_bind_int64(s, 2, st->started_at);
	sqlite3_bind_int64(s, 3, st->updated_at);
	sqlite3_bind_int64(s, 4, st->config_version);
	sqlite3_bind_int64(s, 5, st->attempted_version);
	sqlite3_bind_text(s, 6, st->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, st->message, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, st->listeners, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, st->pidfile, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, st->sessions);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		st->seq = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot write the status row");
	return 0;
}

int status_note_sessions(struct db *db, long sessions, struct err *e)
{
	sqlite3_stmt *s;
	if (db_prepare(db, "UPDATE daemon_status SET sessions = ?1 WHERE id = 1", &s, e) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, sessions);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot note the open sessions in the status row");
	return 0;
}

static void copy_col(sqlite3_stmt *s, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

int status_read(struct db *db, struct service_status *st, int *present, struct err *e)
{
	sqlite3_stmt *s;
	memset(st, 0, sizeof(*st));
	*present = 0;
	if (db_prepare(db,
		       "SELECT pid, started_at, updated_at, seq, config_version, attempted_version, "
		       "result, message, listeners, pidfile, sessions FROM daemon_status WHERE id = 1",
		       &s, e) < 0)
		return -1;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*present = 1;
		st->pid = sqlite3_column_int64(s, 0);
		st->started_at = sqlite3_column_int64(s, 1);
		st->updated_at = sqlite3_column_int64(s, 2);
		st->seq = sqlite3_column_int64(s, 3);
		st->config_version = sqlite3_column_int64(s, 4);
		st->attempted_version = sqlite3_column_int64(s, 5);
		copy_col(s, 6, st->result, sizeof(st->result));
		copy_col(s, 7, st->message, sizeof(st->message));
		copy_col(s, 8, st->listeners, sizeof(st->listeners));
		copy_col(s, 9, st->pidfile, sizeof(st->pidfile));
		st->sessions = sqlite3_column_int64(s, 10);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read the status row");
	return 0;
}
