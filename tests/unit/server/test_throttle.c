/* test_throttle.c - failed-logon throttling on a fake clock: per (address,
 * user) pair first, the user and the address with higher thresholds, a clean
 * address that gets through while its user is attacked, one password check
 * per opened window, IPv6 by /64, and remembered-logon resumptions; the
 * counts outlive the throttle (a restart) when they are in a store file. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"
#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

static const struct throttle_rules rules = { 3, 10, 20, 300 };
static const time_t T0 = 1000000;

/* One whole attempt: the wait, or 0 after checking a password that is ok or not. */
static long attempt(struct throttle *t, const char *addr, const char *user, int ok, time_t now)
{
	struct throttle_attempt a;
	long wait = throttle_begin(t, &rules, addr, user, now, &a);
	if (wait == 0)
		throttle_end(t, &rules, &a, ok, now);
	return wait;
}

static void test_pair_delay_grows_and_success_resets(void **state)
{
	struct throttle *t;
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0), 0);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0), 1);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0 + 1), 0);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 1), 2);
	/* Another user from the same address is not held up by ann's failures. */
	assert_int_equal(attempt(t, "192.0.2.1", "bob@example.org", 1, T0 + 1), 0);
	/* The right password when the delay is over: the pair starts again. */
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 3), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0 + 3), 0);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 3), 1);
	throttle_free(&t);
}

static void test_delay_capped(void **state)
{
	struct throttle *t;
	struct throttle_rules r = rules;
	struct throttle_attempt a;
	time_t now = T0;
	(void)state;
	r.max_delay = 5;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 40; i++) {
		long wait = throttle_begin(t, &r, "192.0.2.1", "ann@example.org", now, &a);
		assert_true(wait <= 5);
		if (wait == 0) {
			throttle_end(t, &r, &a, 0, now);
			/* Right after a failure past the threshold: the full wait. */
			if (i > 10)
				assert_int_equal(throttle_begin(t, &r, "192.0.2.1", "ann@example.org",
								now, &a),
						 5);
		}
		now += wait;
	}
	throttle_free(&t);
}

/* The attack of finding 9: one failure whenever the delay ends keeps the
 * attacker going, but the user logs on from anywhere else. */
static void test_attacked_user_logs_on_from_clean_address(void **state)
{
	struct throttle *t;
	time_t now = T0;
	char addr[32];
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 60; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", i % 6);
		long wait = attempt(t, addr, "ann@example.org", 0, now);
		now += wait ? wait : 1;
	}
	/* The user is over its own threshold: addresses that failed wait... */
	assert_true(attempt(t, "198.51.100.1", "ann@example.org", 1, now) > 0);
	assert_true(attempt(t, "198.51.100.7", "carol@example.org", 0, now) == 0);
	assert_true(attempt(t, "198.51.100.7", "ann@example.org", 1, now) > 0);
	/* ...a clean address does not. */
	assert_int_equal(attempt(t, "192.0.2.50", "ann@example.org", 1, now), 0);
	assert_int_equal(attempt(t, "2001:db8:5::1", "ann@example.org", 1, now), 0);
	throttle_free(&t);
}

static void test_address_threshold_over_users(void **state)
{
	struct throttle *t;
	char user[64];
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "user%d@example.org", i);
		assert_int_equal(attempt(t, "203.0.113.9", user, 0, T0), 0);
	}
	assert_int_equal(attempt(t, "203.0.113.9", "someone@example.org", 1, T0), 1);
	assert_int_equal(attempt(t, "203.0.113.10", "someone@example.org", 1, T0), 0);
	throttle_free(&t);
}

static void test_ipv6_by_64(void **state)
{
	struct throttle *t;
	char group[64];
	(void)state;
	throttle_addr_group("2001:db8:1:2:aaaa::1", group, sizeof(group));
	assert_string_equal(group, "2001:db8:1:2::/64");
	throttle_addr_group("::ffff:192.0.2.7", group, sizeof(group));
	assert_string_equal(group, "192.0.2.7");
	throttle_addr_group("192.0.2.7", group, sizeof(group));
	assert_string_equal(group, "192.0.2.7");
	assert_int_equal(throttle_new(&t, NULL), 0);
	/* Each failure from another address of the same /64 counts for it. */
	assert_int_equal(attempt(t, "2001:db8:1:2::1", "ann@example.org", 0, T0), 0);
	assert_int_equal(attempt(t, "2001:db8:1:2::2", "ann@example.org", 0, T0), 0);
	assert_int_equal(attempt(t, "2001:db8:1:2:ffff::3", "ann@example.org", 0, T0), 0);
	assert_int_equal(attempt(t, "2001:db8:1:2::4", "ann@example.org", 1, T0), 1);
	assert_int_equal(attempt(t, "2001:db8:1:3::4", "ann@example.org", 1, T0), 0);
	throttle_free(&t);
}

/* Attempts begun and not ended count: a burst gets no more checks than the
 * free failures, and one once the delay is over. */
static void test_open_attempts_count(void **state)
{
	struct throttle *t;
	struct throttle_attempt a[20];
	int went = 0;
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 20; i++)
		if (throttle_begin(t, &rules, "192.0.2.1", "ann@example.org", T0, &a[went]) == 0)
			went++;
	assert_int_equal(went, 3);
	for (int i = 0; i < went; i++)
		throttle_end(t, &rules, &a[i], 0, T0);
	went = 0;
	for (int i = 0; i < 20; i++)
		if (throttle_begin(t, &rules, "192.0.2.1", "ann@example.org", T0 + 1, &a[went]) == 0)
			went++;
	assert_int_equal(went, 1);
	throttle_end(t, &rules, &a[0], 0, T0 + 1);
	throttle_free(&t);
}

struct burst {
	struct throttle *t;
	pthread_barrier_t *start;
	pthread_mutex_t *count_lock;
	int *checks;
};

static void *burst_one(void *arg)
{
	struct burst *b = arg;
	struct throttle_attempt a;
	pthread_barrier_wait(b->start);
	if (throttle_begin(b->t, &rules, "192.0.2.1", "ann@example.org", T0 + 1, &a) == 0) {
		pthread_mutex_lock(b->count_lock);
		(*b->checks)++;
		pthread_mutex_unlock(b->count_lock);
		throttle_end(b->t, &rules, &a, 0, T0 + 1);
	}
	return NULL;
}

/* 20 threads at the moment the window opens: exactly one password check. */
static void test_parallel_burst_one_check(void **state)
{
	struct throttle *t;
	pthread_t th[20];
	pthread_barrier_t start;
	pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
	int checks = 0;
	struct burst b = { NULL, &start, &count_lock, &checks };
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	b.t = t;
	for (int i = 0; i < 3; i++)
		assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0), 0);
	pthread_barrier_init(&start, NULL, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(pthread_create(&th[i], NULL, burst_one, &b), 0);
	for (int i = 0; i < 20; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	assert_int_equal(checks, 1);
	throttle_free(&t);
}

static void test_resume_per_minute(void **state)
{
	struct throttle *t;
	(void)state;
	assert_int_equal(throttle_new(&t, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(throttle_resume(t, 5, "192.0.2.1", T0), 0);
	assert_int_equal(throttle_resume(t, 5, "192.0.2.1", T0 + 10), 50);
	assert_int_equal(throttle_resume(t, 5, "192.0.2.2", T0 + 10), 0);
	assert_int_equal(throttle_resume(t, 5, "2001:db8::1", T0 + 10), 0);
	assert_int_equal(throttle_resume(t, 1, "2001:db8::2", T0 + 10), 60);
	assert_int_equal(throttle_resume(t, 5, "192.0.2.1", T0 + 60), 0);
	throttle_free(&t);
}

/* A new throttle on the same store (a restart) goes on where the old one was. */
static void test_counts_outlive_a_restart(void **state)
{
	struct tmpdir dir;
	struct session_store *st;
	struct throttle *t;
	struct err e = { "" };
	(void)state;
	tmpdir_enter(&dir);
	if (session_store_sqlite_open("webmsg-sessions.db", &st, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(throttle_new(&t, st), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0 + 10 * i), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(throttle_resume(t, 5, "192.0.2.1", T0 + 30), 0);
	throttle_free(&t);
	session_store_close(&st);

	if (session_store_sqlite_open("webmsg-sessions.db", &st, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(throttle_new(&t, st), 0);
	/* Four failures with three free: 2 s from the last. */
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 31), 1);
	assert_int_equal(throttle_resume(t, 5, "192.0.2.1", T0 + 40), 50);
	/* The next failure doubles it, as if nothing had happened. */
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0 + 32), 0);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 32), 4);
	/* An hour without a failure: the counts start again. */
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 0, T0 + 32 + 3601), 0);
	assert_int_equal(attempt(t, "192.0.2.1", "ann@example.org", 1, T0 + 32 + 3601), 0);
	throttle_free(&t);
	session_store_close(&st);
	tmpdir_leave(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_delay_grows_and_success_resets),
		cmocka_unit_test(test_delay_capped),
		cmocka_unit_test(test_attacked_user_logs_on_from_clean_address),
		cmocka_unit_test(test_address_threshold_over_users),
		cmocka_unit_test(test_ipv6_by_64),
		cmocka_unit_test(test_open_attempts_count),
		cmocka_unit_test(test_parallel_burst_one_check),
		cmocka_unit_test(test_resume_per_minute),
		cmocka_unit_test(test_counts_outlive_a_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
