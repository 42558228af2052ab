/* test_status.c - the daemon's status row: what the daemon writes is what the
 * console reads, a request thread's session count leaves the rest alone, a
 * row an older daemon wrote still reads after the upgrade, and a locked
 * database is an error the daemon can log, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "unit.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/status.h"

struct fixture {
	struct tmpdir dir;
	char path[PATH_MAX];
	struct db *db;
};

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", f->path, sizeof(f->path));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

static void create(struct fixture *f)
{
	struct err e = { "" };
	ok(db_open(f->path, DB_CREATE, &f->db, &e), &e);
}

/* A row as a daemon writes it after a start that served version 7. */
static void sample(struct service_status *st)
{
	memset(st, 0, sizeof(*st));
	st->pid = 4242;
	st->started_at = 1700000000;
	st->config_version = 7;
	st->attempted_version = 8;
	snprintf(st->result, sizeof(st->result), "error");
	snprintf(st->message, sizeof(st->message), "SSL initialisation failed: key file not found");
	snprintf(st->listeners, sizeof(st->listeners), "http://127.0.0.1:8383");
	snprintf(st->pidfile, sizeof(st->pidfile), "/run/webmsg/webmsgd.pid");
	st->sessions = 3;
}

static void read_row(struct fixture *f, struct service_status *st, int want_present)
{
	struct err e = { "" };
	int present = -1;
	ok(status_read(f->db, st, &present, &e), &e);
	assert_int_equal(present, want_present);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct service_status w, r;
	struct err e = { "" };
	long before = (long)time(NULL);
	create(f);
	sample(&w);
	ok(status_write(f->db, &w, &e), &e);
	assert_int_equal(w.seq, 1);
	assert_true(w.updated_at >= before);
	read_row(f, &r, 1);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.started_at, 1700000000);
	assert_int_equal(r.updated_at, w.updated_at);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.config_version, 7);
	assert_int_equal(r.attempted_version, 8);
	assert_string_equal(r.result, "error");
	assert_string_equal(r.message, "SSL initialisation failed: key file not found");
	assert_string_equal(r.listeners, "http://127.0.0.1:8383");
	assert_string_equal(r.pidfile, "/run/webmsg/webmsgd.pid");
	assert_int_equal(r.sessions, 3);

	/* The next write (a reload) replaces the row; seq tells readers it moved. */
	w.config_version = 8;
	snprintf(w.result, sizeof(w.result), "ok");
	w.message[0] = '\0';
	ok(status_write(f->db, &w, &e), &e);
	assert_int_equal(w.seq, 2);
	read_row(f, &r, 1);
	assert_int_equal(r.seq, 2);
	assert_int_equal(r.config_version, 8);
	assert_string_equal(r.result, "ok");
	assert_string_equal(r.message, "");
}

/* A daemon that never ran: no row, and a session count has nowhere to go. */
static void test_absent_row(void **state)
{
	struct fixture *f = *state;
	struct service_status r;
	struct err e = { "" };
	create(f);
	memset(&r, 0x5a, sizeof(r));
	read_row(f, &r, 0);
	assert_int_equal(r.pid, 0);
	assert_int_equal(r.seq, 0);
	assert_string_equal(r.result, "");
	assert_string_equal(r.listeners, "");
	ok(status_note_sessions(f->db, 5, &e), &e);
	read_row(f, &r, 0);
}

/* A logon or logoff updates the count only: the start's result, message and
 * seq stay what the main thread wrote. */
static void test_note_sessions(void **state)
{
	struct fixture *f = *state;
	struct service_status w, r;
	struct err e = { "" };
	create(f);
	sample(&w);
	ok(status_write(f->db, &w, &e), &e);
	ok(status_note_sessions(f->db, 12, &e), &e);
	read_row(f, &r, 1);
	assert_int_equal(r.sessions, 12);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.config_version, 7);
	assert_string_equal(r.result, "error");
	assert_string_equal(r.message, "SSL initialisation failed: key file not found");
	ok(status_note_sessions(f->db, 0, &e), &e);
	read_row(f, &r, 1);
	assert_int_equal(r.sessions, 0);
}

static void sqlite_exec(const char *path, const char *sql)
{
	sqlite3 *s = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	if (sqlite3_exec(s, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	assert_int_equal(sqlite3_close(s), SQLITE_OK);
}

/* A database of schema version 1 with the row its daemon wrote (no pidfile,
 * no session count yet), opened, and so migrated, by this version. */
static void test_row_from_older_daemon(void **state)
{
	struct fixture *f = *state;
	struct service_status w, r;
	struct err e = { "" };
	size_t len;
	char *schema = file_read(WEBMSG_SQL_DIR "/001-initial.sql", &len);
	assert_non_null(schema);
	sqlite_exec(f->path, schema);
	free(schema);
	sqlite_exec(f->path, "PRAGMA user_version = 1;"
			     "INSERT INTO daemon_status (id, pid, started_at, updated_at, seq, "
			     "config_version, attempted_version, result, message, listeners) "
			     "VALUES (1, 99, 1600000000, 1600000100, 41, 3, 3, 'ok', '', "
			     "'http://127.0.0.1:8383');");
	ok(db_open(f->path, DB_OPEN_EXISTING, &f->db, &e), &e);
	assert_int_equal(db_schema_version(f->db), db_schema_latest());

	read_row(f, &r, 1);
	assert_int_equal(r.pid, 99);
	assert_int_equal(r.seq, 41);
	assert_int_equal(r.config_version, 3);
	assert_string_equal(r.result, "ok");
	assert_string_equal(r.listeners, "http://127.0.0.1:8383");
	assert_string_equal(r.pidfile, "");
	assert_int_equal(r.sessions, 0);

	/* The new daemon's first notes and writes go on from the old row. */
	ok(status_note_sessions(f->db, 2, &e), &e);
	read_row(f, &r, 1);
	assert_int_equal(r.sessions, 2);
	sample(&w);
	ok(status_write(f->db, &w, &e), &e);
	assert_int_equal(w.seq, 42);
	read_row(f, &r, 1);
	assert_int_equal(r.pid, 4242);
	assert_string_equal(r.pidfile, "/run/webmsg/webmsgd.pid");
}

/* Another program holds the write lock: every write reports it, plainly, and
 * the row keeps what was last committed. */
static void test_locked_database(void **state)
{
	struct fixture *f = *state;
	struct service_status w, r;
	struct err e = { "" };
	sqlite3 *other = NULL;
	create(f);
	sample(&w);
	ok(status_write(f->db, &w, &e), &e);
	/* Not the 5 s a program waits for a lock: the test needs no waiting. */
	sqlite3_busy_timeout(db_sqlite(f->db), 10);

	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE; UPDATE daemon_status SET pid = 1",
				      NULL, NULL, NULL),
			 SQLITE_OK);

	w.config_version = 9;
	e.msg[0] = '\0';
	assert_int_equal(status_write(f->db, &w, &e), -1);
	assert_non_null(strstr(e.msg, "is locked by another program"));
	e.msg[0] = '\0';
	assert_int_equal(status_note_sessions(f->db, 30, &e), -1);
	assert_non_null(strstr(e.msg, "is locked by another program"));

	read_row(f, &r, 1);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.config_version, 7);
	assert_int_equal(r.sessions, 3);

	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(other), SQLITE_OK);
	/* Once the lock is gone the same connection writes again. */
	ok(status_note_sessions(f->db, 30, &e), &e);
	read_row(f, &r, 1);
	assert_int_equal(r.sessions, 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_round_trip),
		T(test_absent_row),
		T(test_note_sessions),
		T(test_row_from_older_daemon),
		T(test_locked_database),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
