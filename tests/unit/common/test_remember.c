/* test_remember.c - "Remember me" tokens: every use replaces the validator,
 * the replaced one works for a grace period (two tabs resuming at once), an
 * older one means a copied cookie and ends every remembered logon of the user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/remember.h"
#include "webmsg/users.h"

struct fixture {
	struct tmpdir dir;
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
	struct err e = { "" };
	char path[PATH_MAX];
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", path, sizeof(path));
	ok(db_open(path, DB_CREATE, &f->db, &e), &e);
	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "pw-alice-1", &e), &e);
	ok(user_add(f->db, "bob@example.com", "pw-bob-123", &e), &e);
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

/* Presents cookie; fresh gets the new value when the result is REMEMBER_OK. */
static enum remember_result take(struct fixture *f, const char *cookie, char *fresh)
{
	char user[USER_ADDRESS_MAX] = "";
	enum remember_result res;
	struct err e = { "" };
	ok(remember_take(f->db, cookie, 30, user, sizeof(user), fresh, REMEMBER_COOKIE_LEN, &res,
			 &e),
	   &e);
	if (res != REMEMBER_UNKNOWN)
		assert_string_equal(user, "alice@example.com");
	return res;
}

static long tokens(struct fixture *f)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db_sqlite(f->db), "SELECT count(*) FROM remember_tokens",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void age(struct fixture *f, const char *column, long seconds)
{
	char sql[128];
	struct err e = { "" };
	snprintf(sql, sizeof(sql), "UPDATE remember_tokens SET %s = %s - %ld", column, column,
		 seconds);
	ok(db_exec(f->db, sql, &e), &e);
}

static void test_rotates_on_use(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], c1[REMEMBER_COOKIE_LEN], c2[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->db, "Alice@Example.com", 30, c0, sizeof(c0), &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
	assert_string_not_equal(c0, c1);
	/* The same selector, a new validator. */
	assert_memory_equal(c0, c1, strcspn(c0, ":"));
	assert_int_equal(take(f, c1, c2), REMEMBER_OK);
	assert_string_not_equal(c1, c2);
	assert_int_equal(tokens(f), 1);
}

/* Two tabs resume with the same cookie: both are let in. */
static void test_two_tabs_at_once(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], tab1[REMEMBER_COOKIE_LEN], tab2[REMEMBER_COOKIE_LEN];
	char next[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->db, "alice@example.com", 30, c0, sizeof(c0), &e), &e);
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
	ok(remember_create(f->db, "alice@example.com", 30, c0, sizeof(c0), &e), &e);
	ok(remember_create(f->db, "alice@example.com", 30, other, sizeof(other), &e), &e);
	ok(remember_create(f->db, "bob@example.com", 30, unused, sizeof(unused), &e), &e);
	assert_int_equal(take(f, c0, c1), REMEMBER_OK);
	age(f, "rotated_at", REMEMBER_GRACE_SECONDS + 1);
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
	ok(remember_create(f->db, "alice@example.com", 30, c0, sizeof(c0), &e), &e);
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
	ok(remember_create(f->db, "alice@example.com", 30, c0, sizeof(c0), &e), &e);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(take(f, malformed[i], unused), REMEMBER_UNKNOWN);
	age(f, "expires", 31L * 86400);
	assert_int_equal(take(f, c0, unused), REMEMBER_EXPIRED);
	assert_int_equal(tokens(f), 0);
}

/* A new password ends the user's remembered logons. */
static void test_password_change(void **state)
{
	struct fixture *f = *state;
	char c0[REMEMBER_COOKIE_LEN], unused[REMEMBER_COOKIE_LEN];
	struct err e = { "" };
	ok(remember_create(f->db, "alice@example.com", 30, c0, sizeof(c0), &e), &e);
	ok(user_set_password(f->db, "alice@example.com", "pw-alice-2", &e), &e);
	assert_int_equal(take(f, c0, unused), REMEMBER_UNKNOWN);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rotates_on_use),	   T(test_two_tabs_at_once), T(test_copied_after_grace),
		T(test_older_validator),   T(test_expired_and_malformed),
		T(test_password_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
