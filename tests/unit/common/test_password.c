/* test_password.c - Argon2id password hashes: the right password opens, any
 * other does not, and what is stored tells nothing about the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/password.h"

static void hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	struct err e = { "" };
	if (password_hash(password, out, PASSWORD_HASH_MAX, &e) < 0)
		fail_msg("%s", e.msg);
}

static void test_hash_and_verify(void **state)
{
	(void)state;
	static const char *const passwords[] = {
		"correct horse battery staple",
		"x",
		"pässwörd ☃",
	};
	for (size_t i = 0; i < sizeof(passwords) / sizeof(passwords[0]); i++) {
		char h[PASSWORD_HASH_MAX];
		hash(passwords[i], h);
		assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
		if (strlen(passwords[i]) >= 8) /* a short one may occur in base64 by chance */
			assert_null(strstr(h, passwords[i]));
		assert_int_equal(password_verify(h, passwords[i]), 1);
	}
}

static void test_wrong_password(void **state)
{
	(void)state;
	static const char *const wrong[] = {
		"Correct horse battery staple",
		"correct horse battery staple ",
		"correct horse battery stapl",
		"",
	};
	char h[PASSWORD_HASH_MAX];
	hash("correct horse battery staple", h);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		if (password_verify(h, wrong[i]) != 0)
			fail_msg("'%s' was accepted", wrong[i]);
}

/* Salted: the same password never gives the same hash. */
static void test_salt(void **state)
{
	(void)state;
	char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
	hash("hunter2", a);
	hash("hunter2", b);
	assert_string_not_equal(a, b);
	assert_int_equal(password_verify(a, "hunter2"), 1);
	assert_int_equal(password_verify(b, "hunter2"), 1);
}

/* A hash it cannot read is -1, not "wrong password" and not a match. */
static void test_unreadable_hash(void **state)
{
	(void)state;
	static const char *const hashes[] = {
		"",
		"garbage",
		"hunter2",
		"$argon2id$",
		"$argon2id$v=19$m=19456,t=2,p=1$garbage",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$2y$10$abcdefghijklmnopqrstuuJ3vKJd1m5b9K8o0cH7fN6hS1q2w3e4r",
	};
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (password_verify(hashes[i], "hunter2") != -1)
			fail_msg("hash '%s' was not refused as unreadable", hashes[i]);
}

static void test_too_small_output(void **state)
{
	(void)state;
	char out[16];
	struct err e = { "" };
	assert_int_equal(password_hash("hunter2", out, sizeof(out), &e), -1);
	assert_string_not_equal(e.msg, "");
}

static void test_acceptable(void **state)
{
	(void)state;
	char longest[PASSWORD_MAX + 1], too_long[PASSWORD_MAX + 2];
	memset(longest, 'a', PASSWORD_MAX);
	longest[PASSWORD_MAX] = '\0';
	memset(too_long, 'a', PASSWORD_MAX + 1);
	too_long[PASSWORD_MAX + 1] = '\0';

	const struct {
		const char *password;
		const char *message; /* NULL: acceptable */
	} cases[] = {
		{ "hunter22", NULL },
		{ "x", "the password must have at least 8 characters" },
		{ "hunter2", "the password must have at least 8 characters" },
		{ "with spaces and ümlauts", NULL },
		{ longest, NULL },
		{ "", "the password is empty" },
		{ too_long, "the password is longer than 1024 characters" },
		{ "tab\there", "the password contains a control character" },
		{ "new\nline", "the password contains a control character" },
		{ "\x1b[31m", "the password contains a control character" },
		{ "del\x7f", "the password contains a control character" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = { "" };
		int rc = password_acceptable(cases[i].password, &e);
		if (!cases[i].message) {
			if (rc != 0)
				fail_msg("case %zu refused: %s", i, e.msg);
		} else {
			if (rc != -1)
				fail_msg("case %zu accepted", i);
			assert_string_equal(e.msg, cases[i].message);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_salt),
		cmocka_unit_test(test_unreadable_hash),
		cmocka_unit_test(test_too_small_output),
		cmocka_unit_test(test_acceptable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
