/* test_session_store.c - the embedded session store (an SQLite file beside
 * the configuration database): what every store does (session_store_tests.h),
 * and what is its own: sessions survive closing the file, a sweep removes
 * what nobody asks for and records expired sessions as ended, the admin tool
 * ends a user's sessions by the database's path, the file holds neither a
 * session id nor a transfer token and is readable by its owner only, a file
 * that is not a session store is left alone, and a schema 1 file gains the
 * keys with an expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

struct fixture {
	struct tmpdir dir;
	char path[PATH_MAX];
	struct session_store *st;
};

#include "session_store_tests.h"

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	ok(session_store_default_path("webmsg.db", f->path, sizeof(f->path), &e), &e);
	assert_string_equal(f->path, "webmsg-sessions.db");
	ok(session_store_sqlite_open(f->path, &f->st, &e), &e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session_store_close(&f->st);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* A restart: the file closed and opened again. */
static void reopen(struct fixture *f)
{
	struct err e;
	session_store_close(&f->st);
	ok(session_store_sqlite_open(f->path, &f->st, &e), &e);
}

/* Another process on the same file (the admin tool beside the daemon). */
static void another(struct fixture *f, struct session_store **st)
{
	struct err e;
	ok(session_store_sqlite_open(f->path, st, &e), &e);
}

/* Runs SQL on the store file behind the store's back (to age what it holds). */
__attribute__((format(printf, 2, 3))) static void poke(struct fixture *f, const char *fmt, ...)
{
	char sql[512];
	va_list ap;
	sqlite3 *db;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(sql));
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void age_session(struct fixture *f, const struct session *s, long idle, long old)
{
	poke(f, "UPDATE sessions SET last_seen = last_seen - %ld, created = created - %ld"
		" WHERE key = '%s'", idle, old, s->key);
}

static void expire_transfers(struct fixture *f)
{
	poke(f, "UPDATE transfers SET expires = expires - 31");
}

static void expire_ended(struct fixture *f, const struct session *s)
{
	poke(f, "UPDATE ended SET ended = ended - 86401 WHERE key = '%s'", s->key);
}

static void expire_key(struct fixture *f, const char *key)
{
	poke(f, "UPDATE kv SET expires = 1 WHERE key = '%s'", key);
}

/* A sweep removes what nobody asks for any more, and records it as ended. */
static void test_sweep(void **state)
{
	struct fixture *f = *state;
	struct session idle = make(f, "ann@example.org", &lim);
	struct session fresh = make(f, "cy@example.org", &lim), found;
	struct err e;
	long n;
	age_session(f, &idle, lim.idle + 1, 0);
	ok(session_store_sweep(f->st, &lim, &e), &e);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 1);
	assert_int_equal(ended(f, idle.id, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	/* The sweep removed the row: the session does not come back. */
	poke(f, "UPDATE sessions SET last_seen = last_seen + %ld", lim.idle + 1);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, fresh.id, 0, &found), 0);
}

/* The admin tool's way: by the configuration database's path. */
static void test_end_user_by_path(void **state)
{
	struct fixture *f = *state;
	struct session b = make(f, "bob@example.org", &lim), found;
	struct err e;
	long n = 0;
	ok(session_store_end_user(NULL, "webmsg.db", "bob@example.org", &n, NULL, &e), &e);
	assert_int_equal(n, 1);
	assert_int_equal(find(f, b.id, 0, &found), SESSION_STORE_NONE);
	/* No store yet: nothing to end, and no file made. */
	ok(session_store_end_user(NULL, "other.db", "bob@example.org", &n, NULL, &e), &e);
	assert_int_equal(access("other-sessions.db", F_OK), -1);
}

/* Reads the whole store (the file and its WAL) and looks for needle. */
static int on_disk(const char *path, const char *needle)
{
	char wal[PATH_MAX + 8];
	const char *files[] = { path, wal };
	snprintf(wal, sizeof(wal), "%s-wal", path);
	for (size_t k = 0; k < 2; k++) {
		FILE *fp = fopen(files[k], "rb");
		if (!fp)
			continue;
		static char data[1 << 22];
		size_t n = fread(data, 1, sizeof(data), fp);
		fclose(fp);
		size_t m = strlen(needle);
		for (size_t i = 0; i + m <= n; i++)
			if (memcmp(data + i, needle, m) == 0)
				return 1;
	}
	return 0;
}

static void test_hashes_only_on_disk(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), rotated;
	char token[SESSION_ID_LEN];
	struct err e;
	struct stat sb;
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	ok(session_store_rotate(f->st, s.key, 1, &rotated, &e), &e);
	ok(session_store_transfer_new(f->st, rotated.key, token, sizeof(token), &e), &e);
	assert_true(on_disk(f->path, "ann@example.org")); /* the scan does see rows */
	assert_false(on_disk(f->path, s.id));
	assert_false(on_disk(f->path, rotated.id));
	assert_false(on_disk(f->path, rotated.csrf));
	assert_false(on_disk(f->path, token));
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_foreign_file_untouched(void **state)
{
	struct session_store *st;
	struct err e;
	(void)state;
	FILE *fp = fopen("junk.db", "w");
	assert_non_null(fp);
	fputs("this is not a database, and it is longer than a header would be......"
	      "........................................................................",
	      fp);
	fclose(fp);
	assert_int_equal(session_store_sqlite_open("junk.db", &st, &e), -1);
	assert_non_null(strstr(e.msg, "junk.db"));
	sqlite3 *db;
	assert_int_equal(sqlite3_open("other.db", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(session_store_sqlite_open("other.db", &st, &e), -1);
	assert_non_null(strstr(e.msg, "not a webmsg session store"));
}

/* A store written by the version before keys with an expiry keeps its
 * sessions and gains the keys. */
static void test_schema_1_upgraded(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	struct session s, found;
	char v[8];
	sqlite3 *sql;
	ok(session_store_create(f->st, "ann@example.org", "st", 0, 0, &lim, &s, &e), &e);
	session_store_close(&f->st);
	assert_int_equal(sqlite3_open(f->path, &sql), SQLITE_OK);
	assert_int_equal(sqlite3_exec(sql, "DROP TABLE kv; PRAGMA user_version = 1", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	sqlite3_close(sql);
	ok(session_store_sqlite_open(f->path, &f->st, &e), &e);
	ok(session_store_find(f->st, s.id, 0, &lim, &found, &e), &e);
	ok(session_store_kv_set(f->st, "k", "v", 0, &e), &e);
	ok(session_store_kv_get(f->st, "k", v, sizeof(v), &e), &e);
	assert_string_equal(v, "v");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SESSION_STORE_TESTS(setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_user_by_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashes_only_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_1_upgraded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
