/* test_session_store.c - the embedded session store: sessions are found by
 * their cookie value and survive closing the store, ids change when they
 * must, a secure session never works over HTTP, a transfer token works once,
 * expiry and limits end sessions, a full store never ends another user's
 * session, the file holds neither a session id nor a transfer token, and a
 * session that ended by logoff or expiry is still known by its cookie for a
 * while (to keep a form posted after the end), unless its account ended it.
 * Keys with an expiry behave as Redis's SET EX, GET, DEL, INCR and EXPIRE,
 * outlive closing the store, and a schema 1 file gains them. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

static const struct session_limits lim = { 1800, 43200, 4096, 20 };

struct fixture {
	struct tmpdir dir;
	char path[PATH_MAX];
	struct session_store *st;
};

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

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

static void reopen(struct fixture *f)
{
	struct err e;
	session_store_close(&f->st);
	ok(session_store_sqlite_open(f->path, &f->st, &e), &e);
}

/* Runs SQL on the store file behind the store's back (to age sessions). */
static void poke(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static struct session make(struct fixture *f, const char *user, const struct session_limits *l)
{
	struct session s;
	struct err e;
	ok(session_store_create(f->st, user, "stamp-1", 0, 0, l, &s, &e), &e);
	return s;
}

static int find(struct fixture *f, const char *id, int https, struct session *out)
{
	struct err e = { "" };
	int rc = session_store_find(f->st, id, https, &lim, out, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	return rc;
}

static void test_create_find_destroy(void **state)
{
	struct fixture *f = *state;
	struct session s, found;
	struct err e;
	long n;
	ok(session_store_create(f->st, "ann@example.org", "stamp-1", 1, 0, &lim, &s, &e), &e);
	assert_int_equal(strlen(s.id), 43);
	assert_int_equal(strlen(s.csrf), 64);
	assert_string_not_equal(s.id, s.csrf);
	/* A restart: the store is opened again and the cookie still works. */
	reopen(f);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_string_equal(found.csrf, s.csrf);
	assert_string_equal(found.key, s.key);
	assert_int_equal(found.expire_pages, 1);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 1);
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(find(f, s.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, "not-an-id", 0, &found), SESSION_STORE_NONE);
}

static void test_secure_never_over_http(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), rotated, found;
	struct err e;
	ok(session_store_rotate(f->st, s.key, 1, &rotated, &e), &e);
	assert_string_not_equal(rotated.id, s.id);
	assert_string_not_equal(rotated.csrf, s.csrf);
	assert_int_equal(find(f, s.id, 1, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, rotated.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, rotated.id, 1, &found), 0);
	assert_int_equal(found.secure, 1);
	assert_int_equal(session_store_rotate(f->st, s.key, 0, &rotated, &e), SESSION_STORE_NONE);
}

static void test_transfer_once(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	char token[SESSION_ID_LEN];
	struct err e;
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	assert_string_not_equal(token, s.id);
	reopen(f);
	ok(session_store_transfer_take(f->st, token, &lim, &found, &e), &e);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.key, s.key);
	assert_string_equal(found.id, "");
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	/* A token outlives neither its time nor its session. */
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	poke(f, "UPDATE transfers SET expires = expires - 31");
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
}

static void test_expiry(void **state)
{
	struct fixture *f = *state;
	struct session idle = make(f, "ann@example.org", &lim);
	struct session old = make(f, "bob@example.org", &lim);
	struct session fresh = make(f, "cy@example.org", &lim), found;
	struct err e;
	long n;
	char sql[300];
	snprintf(sql, sizeof(sql),
		 "UPDATE sessions SET last_seen = last_seen - 1801 WHERE key = '%s';"
		 "UPDATE sessions SET created = created - 43201 WHERE key = '%s';",
		 idle.key, old.key);
	poke(f, sql);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, old.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, fresh.id, 0, &found), 0);
	/* A sweep removes what nobody asks for any more. */
	poke(f, "UPDATE sessions SET last_seen = last_seen - 1801");
	ok(session_store_sweep(f->st, &lim, &e), &e);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 0);
	poke(f, "UPDATE sessions SET last_seen = last_seen + 1801");
	assert_int_equal(find(f, fresh.id, 0, &found), SESSION_STORE_NONE);
}

static void test_last_seen_not_every_request(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	/* Recent enough: a lookup leaves the row alone. */
	poke(f, "UPDATE sessions SET last_seen = last_seen - 10");
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_int_equal(found.last_seen, s.last_seen - 10);
	/* Older than a minute: written. */
	poke(f, "UPDATE sessions SET last_seen = last_seen - 100");
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(found.last_seen >= s.last_seen);
	reopen(f);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(found.last_seen >= s.last_seen);
}

static void test_destroy_user(void **state)
{
	struct fixture *f = *state;
	struct session a1 = make(f, "ann@example.org", &lim), a2 = make(f, "ann@example.org", &lim);
	struct session b = make(f, "bob@example.org", &lim), found;
	struct err e;
	long n = 0;
	char token[SESSION_ID_LEN];
	ok(session_store_transfer_new(f->st, a1.key, token, sizeof(token), &e), &e);
	ok(session_store_destroy_user(f->st, "ann@example.org", &n, &e), &e);
	assert_int_equal(n, 2);
	assert_int_equal(find(f, a1.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, a2.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	assert_int_equal(find(f, b.id, 0, &found), 0);
	/* The admin tool's way: by the configuration database's path. */
	ok(session_store_end_user(NULL, "webmsg.db", "bob@example.org", &n, NULL, &e), &e);
	assert_int_equal(n, 1);
	assert_int_equal(find(f, b.id, 0, &found), SESSION_STORE_NONE);
	/* No store yet: nothing to end, and no file made. */
	ok(session_store_end_user(NULL, "other.db", "bob@example.org", &n, NULL, &e), &e);
	assert_int_equal(access("other-sessions.db", F_OK), -1);
}

static int ended(struct fixture *f, const char *id, struct session *out)
{
	struct err e = { "" };
	int rc = session_store_ended(f->st, id, out, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	return rc;
}

static void test_ended_known_for_a_while(void **state)
{
	struct fixture *f = *state;
	struct session off = make(f, "ann@example.org", &lim);
	struct session idle = make(f, "bob@example.org", &lim);
	struct session live = make(f, "cy@example.org", &lim), found;
	struct err e;
	char sql[300];
	/* Live: not ended. */
	assert_int_equal(ended(f, live.id, &found), SESSION_STORE_NONE);
	/* Logged off: known by its cookie, with the token its forms carried. */
	ok(session_store_destroy(f->st, off.key, &e), &e);
	reopen(f);
	assert_int_equal(ended(f, off.id, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_string_equal(found.csrf, off.csrf);
	assert_int_equal(find(f, off.id, 0, &found), SESSION_STORE_NONE);
	/* Expired, found at lookup or by the sweep. */
	snprintf(sql, sizeof(sql), "UPDATE sessions SET last_seen = last_seen - 1801 WHERE key = '%s'",
		 idle.key);
	poke(f, sql);
	ok(session_store_sweep(f->st, &lim, &e), &e);
	assert_int_equal(ended(f, idle.id, &found), 0);
	assert_string_equal(found.user, "bob@example.org");
	/* Never a cookie of no session, nor one ended too long ago. */
	assert_int_equal(ended(f, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &found),
			 SESSION_STORE_NONE);
	assert_int_equal(ended(f, "not-an-id", &found), SESSION_STORE_NONE);
	poke(f, "UPDATE ended SET ended = ended - 86401");
	assert_int_equal(ended(f, off.id, &found), SESSION_STORE_NONE);
}

static void test_ended_not_for_an_ended_account(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	struct err e;
	long n;
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(ended(f, s.id, &found), 0);
	ok(session_store_destroy_user(f->st, "ann@example.org", &n, &e), &e);
	assert_int_equal(ended(f, s.id, &found), SESSION_STORE_NONE);
}

static void test_cap_per_user(void **state)
{
	struct fixture *f = *state;
	struct session_limits l = lim;
	struct session s[4], other, found;
	l.max_per_user = 3;
	other = make(f, "bob@example.org", &l);
	for (int i = 0; i < 4; i++)
		s[i] = make(f, "ann@example.org", &l);
	/* The oldest of ann's ended; the others and bob's go on. */
	assert_int_equal(find(f, s[0].id, 0, &found), SESSION_STORE_NONE);
	for (int i = 1; i < 4; i++)
		assert_int_equal(find(f, s[i].id, 0, &found), 0);
	assert_int_equal(find(f, other.id, 0, &found), 0);
}

static void test_full_store_refuses(void **state)
{
	struct fixture *f = *state;
	struct session_limits l = lim;
	struct session s[3], found, extra;
	struct err e;
	l.max_sessions = 3;
	s[0] = make(f, "ann@example.org", &l);
	s[1] = make(f, "bob@example.org", &l);
	s[2] = make(f, "cy@example.org", &l);
	assert_int_equal(session_store_create(f->st, "dan@example.org", "x", 0, 0, &l, &extra, &e),
			 SESSION_FULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(find(f, s[i].id, 0, &found), 0);
	/* A user at the limit still logs on again: his own oldest makes room. */
	l.max_per_user = 1;
	ok(session_store_create(f->st, "ann@example.org", "x", 0, 0, &l, &extra, &e), &e);
	assert_int_equal(find(f, s[0].id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, extra.id, 0, &found), 0);
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

/* Ages every key of the file as if ttl had passed (the store's own clock). */
static void expire_all(const char *path)
{
	sqlite3 *sql;
	assert_int_equal(sqlite3_open(path, &sql), SQLITE_OK);
	sqlite3_busy_timeout(sql, 5000);
	assert_int_equal(sqlite3_exec(sql, "UPDATE kv SET expires = 1 WHERE expires > 0", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(sql);
}

static void test_keys_with_expiry(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char v[32], small[2];
	long long n = 0;
	long gone = -1;
	assert_int_equal(session_store_kv_get(f->st, "k", v, sizeof(v), &e), SESSION_STORE_NONE);
	ok(session_store_kv_set(f->st, "k", "one", 0, &e), &e);
	ok(session_store_kv_set(f->st, "k", "two", 3600, &e), &e);
	ok(session_store_kv_get(f->st, "k", v, sizeof(v), &e), &e);
	assert_string_equal(v, "two");
	assert_int_equal(session_store_kv_get(f->st, "k", small, sizeof(small), &e), -1);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 1);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 2);
	ok(session_store_kv_set(f->st, "forever", "x", 0, &e), &e);
	/* Closed and opened again (a restart): all there. */
	session_store_close(&f->st);
	ok(session_store_sqlite_open(f->path, &f->st, &e), &e);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 3);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 1);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 0);
	ok(session_store_kv_set(f->st, "k", "three", 3600, &e), &e);
	/* Past their time keys are absent; one without an expiry stays. */
	expire_all(f->path);
	assert_int_equal(session_store_kv_get(f->st, "k", v, sizeof(v), &e), SESSION_STORE_NONE);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 0);
	ok(session_store_kv_incr(f->st, "c", 0, &n, &e), &e);
	assert_int_equal(n, 1); /* an expired counter starts again */
	ok(session_store_kv_get(f->st, "forever", v, sizeof(v), &e), &e);
	/* EXPIRE gives a key without one an expiry, and an absent key none. */
	ok(session_store_kv_expire(f->st, "forever", 60, &e), &e);
	ok(session_store_kv_expire(f->st, "absent", 60, &e), &e);
	assert_int_equal(session_store_kv_get(f->st, "absent", v, sizeof(v), &e),
			 SESSION_STORE_NONE);
	expire_all(f->path);
	assert_int_equal(session_store_kv_get(f->st, "forever", v, sizeof(v), &e),
			 SESSION_STORE_NONE);
	ok(session_store_sweep(f->st, &lim, &e), &e);
}

struct incr_arg {
	struct session_store *st;
	int failed;
};

static void *incr_many(void *p)
{
	struct incr_arg *a = p;
	struct err e;
	long long n;
	for (int i = 0; i < 100; i++)
		if (session_store_kv_incr(a->st, "shared", 60, &n, &e) < 0)
			a->failed = 1;
	return NULL;
}

/* INCR is atomic: a lock built on it is held by one at a time. */
static void test_incr_atomic(void **state)
{
	struct fixture *f = *state;
	struct incr_arg a[4];
	pthread_t th[4];
	struct err e = { "" };
	char v[32];
	for (int i = 0; i < 4; i++) {
		a[i].st = f->st;
		a[i].failed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, incr_many, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].failed, 0);
	}
	ok(session_store_kv_get(f->st, "shared", v, sizeof(v), &e), &e);
	assert_string_equal(v, "400");
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
		cmocka_unit_test_setup_teardown(test_create_find_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_never_over_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_seen_not_every_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_known_for_a_while, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_not_for_an_ended_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_per_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_store_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashes_only_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_with_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incr_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_1_upgraded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
