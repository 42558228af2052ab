/* test_session.c - webmail sessions: ids change when they must, a secure
 * session never works over HTTP, a transfer token works once, limits end
 * sessions, and a full table never ends another user's session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "session.h"

static const struct session_limits lim = { 1800, 43200, 20 };

static void test_create_find_destroy(void **state)
{
	struct session_table *t;
	struct session s, found;
	(void)state;
	assert_int_equal(session_table_new(&t, 4096), 0);
	assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 1, 0, &s), 0);
	assert_int_equal(strlen(s.id), 43);
	assert_string_not_equal(s.id, s.csrf);
	assert_int_equal(session_find(t, s.id, 0, &lim, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_int_equal(found.expire_pages, 1);
	assert_int_equal(session_count(t, &lim), 1);
	session_destroy(t, s.id);
	assert_int_equal(session_find(t, s.id, 0, &lim, &found), -1);
	assert_int_equal(session_find(t, "not-an-id", 0, &lim, &found), -1);
	session_table_free(&t);
}

static void test_secure_never_over_http(void **state)
{
	struct session_table *t;
	struct session s, rotated, found;
	(void)state;
	assert_int_equal(session_table_new(&t, 4096), 0);
	assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 0, 0, &s), 0);
	assert_int_equal(session_rotate(t, s.id, 1, &rotated), 0);
	assert_string_not_equal(rotated.id, s.id);
	assert_string_not_equal(rotated.csrf, s.csrf);
	assert_int_equal(session_find(t, s.id, 1, &lim, &found), -1);
	assert_int_equal(session_find(t, rotated.id, 1, &lim, &found), 0);
	assert_string_equal(found.stamp, "stamp-1"); /* a new id, the same account */
	assert_int_equal(session_find(t, rotated.id, 0, &lim, &found), -1);
	session_table_free(&t);
}

static void test_transfer_once(void **state)
{
	struct session_table *t;
	struct session s, moved;
	char token[SESSION_ID_LEN];
	(void)state;
	assert_int_equal(session_table_new(&t, 4096), 0);
	assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 0, 0, &s), 0);
	assert_int_equal(session_transfer_new(t, s.id, token, sizeof(token)), 0);
	assert_string_not_equal(token, s.id);
	assert_int_equal(session_transfer_take(t, token, &moved), 0);
	assert_string_equal(moved.id, s.id);
	assert_int_equal(session_transfer_take(t, token, &moved), -1);
	session_table_free(&t);
}

static void test_limits(void **state)
{
	struct session_table *t;
	struct session s, found;
	const struct session_limits none = { -1, -1 };
	(void)state;
	assert_int_equal(session_table_new(&t, 4096), 0);
	assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 0, 0, &s), 0);
	assert_int_equal(session_find(t, s.id, 0, &none, &found), -1);
	assert_int_equal(session_find(t, s.id, 0, &lim, &found), -1); /* removed on the way */
	session_table_free(&t);
}

static void test_many_sessions(void **state)
{
	struct session_table *t;
	struct session s[200], found;
	(void)state;
	const struct session_limits many = { 1800, 43200, 0 };
	assert_int_equal(session_table_new(&t, 4096), 0);
	session_table_set_limits(t, &many);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 0, 0, &s[i]), 0);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(session_find(t, s[i].id, 0, &lim, &found), 0);
	session_destroy_user(t, "ann@example.org");
	assert_int_equal(session_count(t, &lim), 0);
	session_table_free(&t);
}

/* A user at the cap loses the oldest of his own sessions, nobody else's. */
static void test_cap_per_user(void **state)
{
	struct session_table *t;
	struct session ann[4], bob, found;
	const struct session_limits three = { 1800, 43200, 3 };
	(void)state;
	assert_int_equal(session_table_new(&t, 4096), 0);
	session_table_set_limits(t, &three);
	assert_int_equal(session_create(t, "bob@example.org", "stamp-1", 0, 0, &bob), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(session_create(t, "ann@example.org", "stamp-1", 0, 0, &ann[i]), 0);
	assert_int_equal(session_find(t, ann[0].id, 0, &three, &found), -1);
	for (int i = 1; i < 4; i++)
		assert_int_equal(session_find(t, ann[i].id, 0, &three, &found), 0);
	assert_int_equal(session_find(t, bob.id, 0, &three, &found), 0);
	assert_int_equal(session_count(t, &three), 4);
	session_table_free(&t);
}

/* A full table refuses a new user and keeps every live session; a user who
 * has sessions already may still replace his own oldest. */
static void test_full_table_refuses(void **state)
{
	struct session_table *t;
	struct session s[16], extra, found;
	char user[32];
	const struct session_limits two = { 1800, 43200, 2 };
	(void)state;
	assert_int_equal(session_table_new(&t, 16), 0);
	session_table_set_limits(t, &two);
	for (int i = 0; i < 16; i++) {
		snprintf(user, sizeof(user), "u%d@example.org", i / 2);
		assert_int_equal(session_create(t, user, "stamp-1", 0, 0, &s[i]), 0);
	}
	assert_int_equal(session_create(t, "new@example.org", "stamp-1", 0, 0, &extra), SESSION_FULL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(session_find(t, s[i].id, 0, &two, &found), 0);
	assert_int_equal(session_create(t, "u0@example.org", "stamp-1", 0, 0, &extra), 0);
	assert_int_equal(session_find(t, s[0].id, 0, &two, &found), -1);
	for (int i = 1; i < 16; i++)
		assert_int_equal(session_find(t, s[i].id, 0, &two, &found), 0);
	/* Sessions that ended make room again. */
	session_destroy(t, s[5].id);
	assert_int_equal(session_create(t, "new@example.org", "stamp-1", 0, 0, &extra), 0);
	session_table_free(&t);
}

/* Finding 5: one user making session after session (remembered logons cost
 * no password) never ends another user's. */
static void test_storm_keeps_other_users(void **state)
{
	struct session_table *t;
	struct session others[40], mine, found;
	char user[32];
	(void)state;
	assert_int_equal(session_table_new(&t, 64), 0);
	session_table_set_limits(t, &lim);
	for (int i = 0; i < 40; i++) {
		snprintf(user, sizeof(user), "u%d@example.org", i);
		assert_int_equal(session_create(t, user, "stamp-1", 0, 0, &others[i]), 0);
	}
	for (int i = 0; i < 8000; i++)
		assert_int_equal(session_create(t, "eve@example.org", "stamp-1", 0, 0, &mine), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(session_find(t, others[i].id, 0, &lim, &found), 0);
	assert_int_equal(session_count(t, &lim), 40 + 20);
	session_table_free(&t);
}

/* A new id for a session never takes another session's slot, however full. */
static void test_rotate_full_table(void **state)
{
	struct session_table *t;
	struct session s[16], found;
	char user[32];
	(void)state;
	assert_int_equal(session_table_new(&t, 16), 0);
	session_table_set_limits(t, &lim);
	for (int i = 0; i < 16; i++) {
		snprintf(user, sizeof(user), "u%d@example.org", i);
		assert_int_equal(session_create(t, user, "stamp-1", 0, 0, &s[i]), 0);
	}
	for (int round = 0; round < 200; round++)
		for (int i = 0; i < 16; i++)
			assert_int_equal(session_rotate(t, s[i].id, round & 1, &s[i]), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(session_find(t, s[i].id, 1, &lim, &found), 0);
	assert_int_equal(session_count(t, &lim), 16);
	session_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_find_destroy),
		cmocka_unit_test(test_secure_never_over_http),
		cmocka_unit_test(test_transfer_once),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_many_sessions),
		cmocka_unit_test(test_cap_per_user),
		cmocka_unit_test(test_full_table_refuses),
		cmocka_unit_test(test_storm_keeps_other_users),
		cmocka_unit_test(test_rotate_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
