/* test_session.c - webmail sessions: ids change when they must, a secure
 * session never works over HTTP, a transfer token works once, limits end
 * sessions, and a full table never ends another user's session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session.h"

static const struct session_limits lim = { 1800, 43200 };

static void test_create_find_destroy(void **state)
{
	struct session_table *t;
	struct session s, found;
	(void)state;
	assert_int_equal(session_table_new(&t), 0);
	assert_int_equal(session_create(t, "ann@example.org", 1, 0, &s), 0);
	assert_int_equal(strlen(s.id), 43);
	assert_string_not_equal(s.id, s.csrf);
	assert_int_equal(session_find(t, s.id, 0, &lim, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
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
	assert_int_equal(session_table_new(&t), 0);
	assert_int_equal(session_create(t, "ann@example.org", 0, 0, &s), 0);
	assert_int_equal(session_rotate(t, s.id, 1, &rotated), 0);
	assert_string_not_equal(rotated.id, s.id);
	assert_string_not_equal(rotated.csrf, s.csrf);
	assert_int_equal(session_find(t, s.id, 1, &lim, &found), -1);
	assert_int_equal(session_find(t, rotated.id, 1, &lim, &found), 0);
	assert_int_equal(session_find(t, rotated.id, 0, &lim, &found), -1);
	session_table_free(&t);
}

static void test_transfer_once(void **state)
{
	struct session_table *t;
	struct session s, moved;
	char token[SESSION_ID_LEN];
	(void)state;
	assert_int_equal(session_table_new(&t), 0);
	assert_int_equal(session_create(t, "ann@example.org", 0, 0, &s), 0);
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
	assert_int_equal(session_table_new(&t), 0);
	assert_int_equal(session_create(t, "ann@example.org", 0, 0, &s), 0);
	assert_int_equal(session_find(t, s.id, 0, &none, &found), -1);
	assert_int_equal(session_find(t, s.id, 0, &lim, &found), -1); /* removed on the way */
	session_table_free(&t);
}

static void test_many_sessions(void **state)
{
	struct session_table *t;
	struct session s[200], found;
	(void)state;
	assert_int_equal(session_table_new(&t), 0);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(session_create(t, "ann@example.org", 0, 0, &s[i]), 0);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(session_find(t, s[i].id, 0, &lim, &found), 0);
	session_destroy_user(t, "ann@example.org");
	assert_int_equal(session_count(t, &lim), 0);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
