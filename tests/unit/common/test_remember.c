/* test_remember.c - "Remember me" tokens in the session store: every use
 * replaces the validator, the replaced one works for a grace period (two tabs
 * resuming at once), an older one means a copied cookie and ends every
 * remembered logon of the user; they outlive the store being closed (a
 * restart), and an upgrade moves the old configuration database's tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/remember.h"
#include "webmsg/session_store.h"
#include "webmsg/users.h"

struct fixture {
	struct tmpdir dir;
	char dbpath[PATH_MAX], storepath[PATH_MAX];
	struct db *db;
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
	tmpdir_file(&f->dir, "webmsg.db", f->dbpath, sizeof(f->dbpath));
	ok(db_open(f->dbpath, DB_CREATE, &f->db, &e), &e);
	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "pw-alice-1", &e), &e);
	ok(user_add(f->db, "bob@example.com", "pw-bob-123", &e), &e);
	ok(session_store_default_path(f->dbpath, f->storepath, sizeof(f->storepath), &e), &e);
	ok(session_store_sqlite_open(f->storepath, &f->st, &e), &e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session_store_close(&f->st);
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* Presents cookie as who; fresh gets the new value when the result is REMEMBER_OK. */
static enum remember_result take_as(struct fixture *f, const char *who, const char *cookie,
				    char *fresh)
{
	char user[USER_ADDRESS_MAX] = "";
	enum remember_result res;
	struct err e = { "" };
	int second = -1;
	ok(remember_take(f->st, cookie, 30, user, sizeof(user), &second, fresh,
			 REMEMBER_COOKIE_LEN, &res, &e),
	   &e);
	assert_int_equal(second, 0); /* these tokens are made without one */
	if (res != REMEMBER_UNKNOWN)
		assert_string_equal(user, who);
	return res;
}

static enum remember_result take(struct fixture *f, const char *cookie, char *fresh)
{
	return take_as(f, "alice@example.com", cookie, fresh);
}

/* Live tokens in the store file, read as another program would. */
static long tokens(struct fixture *f)
{
	sqlite3 *sql;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(f->storepath, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(sql, "SELECT count(*) FROM kv WHERE key LIKE "
					    "'remember:t:%' AND (expires = 0 OR expires >= ?)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return n;
}

/* Moves field (1 created, 2 expires, 3 rotated_at) of the cookie's token
 * seconds into the past, keeping its expiry in the store. */
static void age(struct fixture *f, const char *cookie, int field, long seconds)
{
	char key[128], value[512], rest[512];
	long long t[3];
	struct err e = { "" };
	snprintf(key, sizeof(key), "remember:t:%.*s", (int)strcspn(cookie, ":"), cookie);
	ok(session_store_kv_get(f->st, key, value, sizeof(value), &e), &e);
	assert_int_equal(sscanf(value, "%lld %lld %lld %511[^\n]", &t[0], &t[1], &t[2], rest), 4);
	t[field - 1] -= seconds;
	snprintf(value, sizeof(value), "%lld %lld %lld %s", t[0], t[1], t[2], rest);
	ok(session_store_kv_set(f->st, key, value, 3600, &e), &e);
}

static void test_rotates_on_use(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN], c2[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "Alice@Example.com", 30, 0, c0, sizeof(c0), &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
	assert_string_not_equal(c0, c1);
	/* The same selector, a new validator. */
	assert_memory_equal(c0, c1, strcspn(c0, ":"));
	assert_int_equal(take(f, c1, c2), REMEMBER_OK);
	assert_string_not_equal(c1, c2);
	assert_int_equal(tokens(f), 1);
}

/* A token made after a second factor says so at every use, rotated or
 * not; one made with the password alone never does. */
static void test_second_factor_kept(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN], c2[REMEMBER_COOKIE_LEN];
	char p0[REMEMBER_COOKIE_LEN], p1[REMEMBER_COOKIE_LEN], user[USER_ADDRESS_MAX];
	enum remember_result res;
	struct err e = { "" };
	int second = -1;
	ok(remember_create(f->st, "alice@example.com", 30, 1, c0, sizeof(c0), &e), &e);
	ok(remember_create(f->st, "alice@example.com", 30, 0, p0, sizeof(p0), &e), &e);
	ok(remember_take(f->st, c0, 30, user, sizeof(user), &second, c1, sizeof(c1), &res, &e), &e);
	assert_int_equal(res, REMEMBER_OK);
	assert_string_equal(user, "alice@example.com");
	assert_int_equal(second, 1);
	second = -1;
	ok(remember_take(f->st, c1, 30, user, sizeof(user), &second, c2, sizeof(c2), &res, &e), &e);
	assert_int_equal(res, REMEMBER_OK);
	assert_int_equal(second, 1);
	ok(remember_take(f->st, p0, 30, user, sizeof(user), &second, p1, sizeof(p1), &res, &e), &e);
	assert_int_equal(res, REMEMBER_OK);
	assert_string_equal(user, "alice@example.com");
	assert_int_equal(second, 0);
}

/* Two tabs resume with the same cookie: both are let in. */
static void test_two_tabs_at_once(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], tab1[REMEMBER_COOKIE_LEN], tab2[REMEMBER_COOKIE_LEN];
	char next[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "alice@example.com", 30, 0, c0, sizeof(c0), &e), &e);
	assert_int_equal(take(f, c0, tab1), REMEMBER_OK);
	assert_int_equal(take(f, c0, tab2), REMEMBER_OK);
	assert_string_not_equal(tab1, tab2);
	/* The browser keeps the last cookie it was sent, which goes on working. */
	assert_int_equal(take(f, tab2, next), REMEMBER_OK);
	assert_int_equal(tokens(f), 1);
}

/* Past the grace period the replaced validator is a copied cookie. */
static void test_copied_after_grace(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN], other[REMEMBER_COOKIE_LEN];
	char unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "alice@example.com", 30, 0, c0, sizeof(c0), &e), &e);
	ok(remember_create(f->st, "alice@example.com", 30, 0, other, sizeof(other), &e), &e);
	ok(remember_create(f->st, "bob@example.com", 30, 0, unused, sizeof(unused), &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
	age(f, c0, 3, REMEMBER_GRACE_SECONDS + 1);
	assert_int_equal(take(f, c0, unused), REMEMBER_COPIED);
	/* Every remembered logon of alice ended, bob's did not. */
	assert_int_equal(take(f, c1, unused), REMEMBER_UNKNOWN);
	assert_int_equal(take(f, other, unused), REMEMBER_UNKNOWN);
	assert_int_equal(tokens(f), 1);
}

/* A validator two uses old is never accepted, even within the grace period. */
static void test_older_validator(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN], c2[REMEMBER_COOKIE_LEN];
	char unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "alice@example.com", 30, 0, c0, sizeof(c0), &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
	assert_int_equal(take(f, c1, c2), REMEMBER_OK);
	assert_int_equal(take(f, c0, unused), REMEMBER_COPIED);
	assert_int_equal(take(f, c2, unused), REMEMBER_UNKNOWN);
}

static void test_expired_and_malformed(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	static const char *const malformed[] = {
		"", ":", "abc", "abc:", ":abc", "a:b:c", "selector:validator", "\x01:\x02",
	};
	ok(remember_create(f->st, "alice@example.com", 30, 0, c0, sizeof(c0), &e), &e);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(take(f, malformed[i], unused), REMEMBER_UNKNOWN);
	age(f, c0, 2, 31L * 86400);
	assert_int_equal(take(f, c0, unused), REMEMBER_EXPIRED);
	assert_int_equal(tokens(f), 0);
}

/* user revoke, passwd and del end the user's remembered logons through the
 * store beside the database, and say how many; others keep theirs. */
static void test_end_user(void **state)
{
	struct fixture *f = *state;
	char a1[REMEMBER_COOKIE_LEN], a2[REMEMBER_COOKIE_LEN], b1[REMEMBER_COOKIE_LEN];
	char unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	long sessions = -1, remembered = -1;
	ok(remember_create(f->st, "alice@example.com", 30, 0, a1, sizeof(a1), &e), &e);
	ok(remember_create(f->st, "alice@example.com", 30, 0, a2, sizeof(a2), &e), &e);
	ok(remember_create(f->st, "bob@example.com", 30, 0, b1, sizeof(b1), &e), &e);
	ok(remember_forget(f->st, a2, &e), &e);
	ok(session_store_end_user(NULL, f->dbpath, "alice@example.com", &sessions, &remembered, &e), &e);
	assert_int_equal(sessions, 0);
	assert_int_equal(remembered, 1);
	assert_int_equal(take(f, a1, unused), REMEMBER_UNKNOWN);
	assert_int_equal(take_as(f, "bob@example.com", b1, unused), REMEMBER_OK);
	ok(remember_end_user(f->st, "alice@example.com", &remembered, &e), &e);
	assert_int_equal(remembered, 0);
}

/* A token outlives the store being closed and opened again (a restart). */
static void test_survives_reopen(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "alice@example.com", 30, 0, c0, sizeof(c0), &e), &e);
	session_store_close(&f->st);
	ok(session_store_sqlite_open(f->storepath, &f->st, &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
}

/* A user's tokens are capped: the oldest ends. */
static void test_per_user_cap(void **state)
{
	struct fixture *f = *state;
	char first[REMEMBER_COOKIE_LEN], c[REMEMBER_COOKIE_LEN], unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->st, "alice@example.com", 30, 0, first, sizeof(first), &e), &e);
	for (int i = 0; i < REMEMBER_PER_USER; i++)
		ok(remember_create(f->st, "alice@example.com", 30, 0, c, sizeof(c), &e), &e);
	assert_int_equal(tokens(f), REMEMBER_PER_USER);
	assert_int_equal(take(f, first, unused), REMEMBER_UNKNOWN);
	assert_int_equal(take(f, c, unused), REMEMBER_OK);
}

/* An upgrade from schema 5 (tokens in the configuration database): the rows
 * move to the store, the table goes, and the cookie goes on working. */
static void test_moved_from_old_database(void **state)
{
	struct fixture *f = *state;
	static const char validator[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
	char hash[65], sql[1024], cookie[128], fresh[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	session_store_close(&f->st);
	token_sha256_hex(validator, hash);
	ok(db_exec(f->db,
		   "CREATE TABLE remember_tokens (selector TEXT PRIMARY KEY, validator_hash TEXT "
		   "NOT NULL, domain TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, "
		   "expires INTEGER NOT NULL, previous_hash TEXT NOT NULL DEFAULT '', rotated_at "
		   "INTEGER NOT NULL DEFAULT 0); DROP TABLE totp_recovery; ALTER TABLE users "
		   "DROP COLUMN totp_secret; ALTER TABLE users DROP COLUMN totp_pending; ALTER "
		   "TABLE users DROP COLUMN totp_last_step; ALTER TABLE domains DROP COLUMN "
		   "totp_policy; PRAGMA user_version = 5",
		   &e),
	   &e);
	long long now = (long long)time(NULL);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO remember_tokens (selector, validator_hash, domain, name, created, "
		 "expires) VALUES ('oldSelector1', '%s', 'example.com', 'alice', %lld, %lld), "
		 "('oldSelector2', '%s', 'example.com', 'bob', %lld, %lld)",
		 hash, now - 100, now + 86400, hash, now - 200, now - 1);
	ok(db_exec(f->db, sql, &e), &e);
	db_close(&f->db);
	ok(db_open(f->dbpath, DB_OPEN_EXISTING, &f->db, &e), &e);
	assert_int_equal(db_schema_version(f->db), db_schema_latest());
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db_sqlite(f->db), "SELECT count(*) FROM sqlite_master "
					    "WHERE name = 'remember_tokens'", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	ok(session_store_sqlite_open(f->storepath, &f->st, &e), &e);
	/* The live one moved, the expired one did not. */
	assert_int_equal(tokens(f), 1);
	snprintf(cookie, sizeof(cookie), "oldSelector1:%s", validator);
	assert_int_equal(take(f, cookie, fresh), REMEMBER_OK);
	assert_int_equal(take(f, fresh, cookie), REMEMBER_OK);
	ok(session_store_end_user(NULL, f->dbpath, "alice@example.com", NULL, NULL, &e), &e);
	assert_int_equal(tokens(f), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rotates_on_use),	   T(test_two_tabs_at_once), T(test_copied_after_grace),
		T(test_older_validator),   T(test_expired_and_malformed),
		T(test_end_user),	   T(test_survives_reopen),  T(test_per_user_cap),
		T(test_moved_from_old_database), T(test_second_factor_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
