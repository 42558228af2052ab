/* test_totp_store.c - a user's second factor in the database: enrolment
 * confirmed only against the pending key, each time step used once, recovery
 * codes used once, and clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/totp_store.h"
#include "webmsg/users.h"

#define ANNA "anna@example.org"

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
	ok(domain_add(f->db, "example.org", &e), &e);
	ok(user_add(f->db, ANNA, "A long enough password", &e), &e);
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

static void test_enrol_steps_and_recovery(void **state)
{
	struct fixture *f = *state;
	struct totp_state s;
	struct err e = { "" };
	char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN];
	char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN];
	int used = 0, was_on = 0;

	ok(totp_store_get(f->db, ANNA, &s, &e), &e);
	assert_true(s.exists);
	assert_string_equal(s.secret, "");
	ok(totp_recovery_new(codes, hashes, &e), &e);
	/* Nothing pending: nothing to confirm. */
	assert_int_equal(totp_store_enable(f->db, ANNA, "v1:aa", 100, hashes, &e), -1);
	ok(totp_store_set_pending(f->db, ANNA, "v1:aa", &e), &e);
	/* A set-up started again elsewhere: the older one no longer confirms. */
	ok(totp_store_set_pending(f->db, ANNA, "v1:bb", &e), &e);
	assert_int_equal(totp_store_enable(f->db, ANNA, "v1:aa", 100, hashes, &e), -1);
	ok(totp_store_enable(f->db, ANNA, "v1:bb", 100, hashes, &e), &e);
	ok(totp_store_get(f->db, ANNA, &s, &e), &e);
	assert_string_equal(s.secret, "v1:bb");
	assert_string_equal(s.pending, "");
	assert_true(s.last_step == 100);
	assert_int_equal(s.recovery_left, TOTP_RECOVERY_COUNT);

	/* Steps: each once, and never an earlier one. */
	ok(totp_store_use_step(f->db, ANNA, 100, &used, &e), &e);
	assert_int_equal(used, 0);
	ok(totp_store_use_step(f->db, ANNA, 101, &used, &e), &e);
	assert_int_equal(used, 1);
	ok(totp_store_use_step(f->db, ANNA, 101, &used, &e), &e);
	assert_int_equal(used, 0);

	/* A recovery code: once. */
	ok(totp_store_use_recovery(f->db, ANNA, codes[2], &used, &e), &e);
	assert_int_equal(used, 1);
	ok(totp_store_use_recovery(f->db, ANNA, codes[2], &used, &e), &e);
	assert_int_equal(used, 0);
	ok(totp_store_use_recovery(f->db, ANNA, "aaaaa-aaaaa", &used, &e), &e);
	assert_int_equal(used, 0);
	ok(totp_store_get(f->db, ANNA, &s, &e), &e);
	assert_int_equal(s.recovery_left, TOTP_RECOVERY_COUNT - 1);

	ok(totp_store_clear(f->db, ANNA, &was_on, &e), &e);
	assert_int_equal(was_on, 1);
	ok(totp_store_get(f->db, ANNA, &s, &e), &e);
	assert_string_equal(s.secret, "");
	assert_int_equal(s.recovery_left, 0);
	assert_int_equal(totp_store_clear(f->db, "nobody@example.org", NULL, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_steps_and_recovery, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
