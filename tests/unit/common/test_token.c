/* test_token.c - random tokens: their length and alphabet for every size,
 * no repeats over many draws, refusals, and the constant-time comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/token.h"

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define DRAWS 4096

static void test_length_and_alphabet(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 64; n++) {
		char out[TOKEN_LEN(64)];
		struct err e = { "" };
		memset(out, 'x', sizeof(out));
		if (token_random(out, TOKEN_LEN(n), n, &e) < 0)
			fail_msg("%zu bytes: %s", n, e.msg);
		assert_int_equal(strlen(out), TOKEN_CHARS(n));
		assert_int_equal(strspn(out, B64URL), strlen(out));
		assert_true(token_well_formed(out, TOKEN_CHARS(n), TOKEN_CHARS(n)));
	}
	/* 32 bytes, as sessions use them: 43 characters, no padding. */
	assert_int_equal(TOKEN_CHARS(32), 43);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_unique_over_many_draws(void **state)
{
	/* 16 random bytes: a repeat in a few thousand draws means a broken generator. */
	static char seen[DRAWS][TOKEN_LEN(16)];
	int used[64] = { 0 };
	struct err e = { "" };
	(void)state;
	for (int i = 0; i < DRAWS; i++) {
		assert_int_equal(token_random(seen[i], sizeof(seen[i]), 16, &e), 0);
		for (const char *p = seen[i]; *p; p++)
			used[strchr(B64URL, *p) - B64URL]++;
	}
	qsort(seen, DRAWS, sizeof(seen[0]), cmp);
	for (int i = 1; i < DRAWS; i++)
		if (strcmp(seen[i - 1], seen[i]) == 0)
			fail_msg("token %s drawn twice", seen[i]);
	/* Every character of the alphabet turns up (each about 1,300 times). */
	for (int c = 0; c < 64; c++)
		if (used[c] < 500)
			fail_msg("'%c' drawn %d times", B64URL[c], used[c]);
}

static void test_refusals(void **state)
{
	char out[TOKEN_LEN(64) + 1];
	struct err e = { "" };
	(void)state;
	/* The buffer one character short, and more bytes than a token holds. */
	assert_int_equal(token_random(out, TOKEN_LEN(32) - 1, 32, &e), -1);
	assert_contains(e.msg, "too long");
	assert_int_equal(token_random(out, sizeof(out), 65, &e), -1);
}

static void test_equal(void **state)
{
	(void)state;
	assert_int_equal(token_equal("abcDEF-_", "abcDEF-_"), 1);
	assert_int_equal(token_equal("", ""), 1);
	assert_int_equal(token_equal("abcDEF-_", "abcDEF-a"), 0);
	assert_int_equal(token_equal("Abc", "abc"), 0);
	/* Different lengths, a prefix of the other included, are never equal. */
	assert_int_equal(token_equal("abc", "abcd"), 0);
	assert_int_equal(token_equal("abcd", "abc"), 0);
	assert_int_equal(token_equal("", "a"), 0);
}

static void test_well_formed(void **state)
{
	(void)state;
	assert_true(token_well_formed("abc-_", 1, 5));
	assert_false(token_well_formed("abc=", 1, 10));  /* padding is not base64url */
	assert_false(token_well_formed("ab+c", 1, 10));  /* nor is standard base64 */
	assert_false(token_well_formed("abcdef", 1, 5)); /* too long */
	assert_false(token_well_formed("", 1, 5));
}

static void test_sha256(void **state)
{
	char out[65];
	(void)state;
	token_sha256_hex("abc", out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_and_alphabet),
		cmocka_unit_test(test_unique_over_many_draws),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
