/* test_acme_renewal.c - when an ACME certificate is renewed (the CA's ARI
 * window, else two thirds of its lifetime) and how failed renewals are
 * remembered and spaced out: 1 h, 2 h, 4 h ... at most a day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"
#include "webmsg/acme.h"
#include "webmsg/err.h"

#define DAY 86400

static void test_window(void **state)
{
	(void)state;
	/* 90 days without ARI: due after 60. */
	assert_int_equal(acme_renewal_window_at(1000, 1000 + 90 * DAY, 0, 0, 0.5),
			 1000 + 60 * DAY);
	/* ARI: a point in the CA's window, whatever the lifetime says. */
	time_t s = 1000 + 10 * DAY, e = s + 2 * DAY;
	assert_int_equal(acme_renewal_window_at(1000, 1000 + 90 * DAY, s, e, 0), s);
	assert_int_equal(acme_renewal_window_at(1000, 1000 + 90 * DAY, s, e, 0.5), s + DAY);
	assert_true(acme_renewal_window_at(1000, 1000 + 90 * DAY, s, e, 0.999) < e);
	/* A window that ends before it starts is no window. */
	assert_int_equal(acme_renewal_window_at(1000, 1000 + 90 * DAY, e, s, 0.5),
			 1000 + 60 * DAY);
	/* A point outside [0, 1) falls back to the window's start. */
	assert_int_equal(acme_renewal_window_at(1000, 1000 + 90 * DAY, s, e, 7), s);
}

static void test_back_off(void **state)
{
	struct acme_renewal r = { 0 };
	(void)state;
	assert_int_equal(acme_renewal_next_try(&r), 0);
	r.last_failure = 5000;
	const long expected[] = { 3600, 7200, 14400, 28800, 57600, 86400, 86400 };
	for (int i = 0; i < 7; i++) {
		r.failures = i + 1;
		assert_int_equal(acme_renewal_next_try(&r), 5000 + expected[i]);
	}
	r.failures = 500;
	assert_int_equal(acme_renewal_next_try(&r), 5000 + 86400);
}

static void test_record(void **state)
{
	struct tmpdir t;
	struct acme_renewal r;
	struct err e;
	struct stat sb;
	(void)state;
	tmpdir_enter(&t);
	/* Nothing recorded: no failure. */
	assert_int_equal(acme_renewal_read(ACME_RENEWAL_STATE, &r, &e), 0);
	assert_int_equal(r.failures, 0);
	assert_int_equal(acme_renewal_failed(ACME_RENEWAL_STATE, 1000, "refused\nfailures=99\x1b[2J",
					     &e),
			 0);
	assert_int_equal(acme_renewal_failed(ACME_RENEWAL_STATE, 2000, "the CA could not reach it",
					     &e),
			 0);
	assert_int_equal(stat(ACME_RENEWAL_STATE, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(acme_renewal_read(ACME_RENEWAL_STATE, &r, &e), 0);
	assert_int_equal(r.failures, 2);
	assert_int_equal(r.last_failure, 2000);
	assert_string_equal(r.reason, "the CA could not reach it");
	/* A reason cannot add a line to the record, nor reach the terminal raw. */
	assert_int_equal(acme_renewal_clear(ACME_RENEWAL_STATE, &e), 0);
	assert_int_equal(acme_renewal_failed(ACME_RENEWAL_STATE, 1000, "no\nfailures=99\x1b[2J", &e),
			 0);
	assert_int_equal(acme_renewal_read(ACME_RENEWAL_STATE, &r, &e), 0);
	assert_int_equal(r.failures, 1);
	assert_string_equal(r.reason, "no\\x0afailures=99\\x1b[2J");
	/* A success clears it. */
	assert_int_equal(acme_renewal_clear(ACME_RENEWAL_STATE, &e), 0);
	assert_int_equal(acme_renewal_read(ACME_RENEWAL_STATE, &r, &e), 0);
	assert_int_equal(r.failures, 0);
	assert_int_equal(acme_renewal_clear(ACME_RENEWAL_STATE, &e), 0);
	tmpdir_leave(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_back_off),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
