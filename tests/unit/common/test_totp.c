/* test_totp.c - RFC 6238 Appendix B (SHA-1) and RFC 4648 base32 vectors, the
 * skew window and replay refusal, the otpauth URI, sealing and recovery codes. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/totp.h"

static const unsigned char RFC_KEY[] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {
		{ 59, "94287082" },	    { 1111111109, "07081804" }, { 1111111111, "14050471" },
		{ 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[16];
		assert_int_equal(totp_code(RFC_KEY, 20, totp_step(v[i].t), 8, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].code);
		/* Six digits are the last six of the same value. */
		assert_int_equal(totp_code(RFC_KEY, 20, totp_step(v[i].t), 6, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].code + 2);
	}
	char small[6];
	assert_int_equal(totp_code(RFC_KEY, 20, 1, 6, small, sizeof(small)), -1);
}

static void test_verify_window_and_replay(void **state)
{
	(void)state;
	time_t now = 1111111111;
	int64_t step = totp_step(now), got = 0;
	char code[8];
	for (int d = -1; d <= 1; d++) {
		assert_int_equal(totp_code(RFC_KEY, 20, step + d, 6, code, sizeof(code)), 0);
		assert_int_equal(totp_verify(RFC_KEY, 20, code, now, 0, &got), 1);
		assert_true(got == step + d);
		/* Used once: refused for its step and any earlier one. */
		assert_int_equal(totp_verify(RFC_KEY, 20, code, now, step + d, &got), 0);
	}
	/* Two steps off: outside the window. */
	assert_int_equal(totp_code(RFC_KEY, 20, step + 2, 6, code, sizeof(code)), 0);
	assert_int_equal(totp_verify(RFC_KEY, 20, code, now, 0, &got), 0);
	assert_int_equal(totp_code(RFC_KEY, 20, step - 2, 6, code, sizeof(code)), 0);
	assert_int_equal(totp_verify(RFC_KEY, 20, code, now, 0, &got), 0);
	/* Spaces are fine, other characters and lengths are not. */
	assert_int_equal(totp_code(RFC_KEY, 20, step, 6, code, sizeof(code)), 0);
	char spaced[12];
	snprintf(spaced, sizeof(spaced), "%.3s %.3s", code, code + 3);
	assert_int_equal(totp_verify(RFC_KEY, 20, spaced, now, 0, &got), 1);
	assert_int_equal(totp_verify(RFC_KEY, 20, "", now, 0, &got), 0);
	assert_int_equal(totp_verify(RFC_KEY, 20, "12345a", now, 0, &got), 0);
	assert_int_equal(totp_verify(RFC_KEY, 20, "1234567", now, 0, &got), 0);
}

static void test_base32_vectors(void **state)
{
	static const struct {
		const char *plain, *b32;
	} v[] = { { "", "" },	       { "f", "MY" },	       { "fo", "MZXQ" },
		  { "foo", "MZXW6" },  { "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		  { "foobar", "MZXW6YTBOI" } };
	static const char *const padded[] = { "", "MY======", "MZXQ====", "MZXW6===",
					      "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======" };
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[32];
		unsigned char back[32];
		size_t n = 0;
		assert_int_equal(totp_base32_encode((const unsigned char *)v[i].plain,
						    strlen(v[i].plain), out, sizeof(out)), 0);
		assert_string_equal(out, v[i].b32);
		assert_int_equal(totp_base32_decode(padded[i], back, sizeof(back), &n), 0);
		assert_int_equal(n, strlen(v[i].plain));
		assert_memory_equal(back, v[i].plain, n);
	}
	unsigned char b[8];
	size_t n;
	assert_int_equal(totp_base32_decode("mzxw 6ytb", b, sizeof(b), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "fooba", 5);
	assert_int_equal(totp_base32_decode("MZX1", b, sizeof(b), &n), -1); /* 1 is not base32 */
	assert_int_equal(totp_base32_decode("MZXW6YTBOI", b, 3, &n), -1);   /* too small */
	char tiny[4];
	assert_int_equal(totp_base32_encode((const unsigned char *)"foo", 3, tiny, sizeof(tiny)),
			 -1);
}

static void test_uri(void **state)
{
	char uri[512];
	struct err e = { "" };
	(void)state;
	assert_int_equal(totp_uri("webmsg mail.example.org", "anna@example.org", "MZXW6YTBOI", uri,
				  sizeof(uri), &e), 0);
	assert_string_equal(uri, "otpauth://totp/webmsg%20mail.example.org:anna%40example.org"
				 "?secret=MZXW6YTBOI&issuer=webmsg%20mail.example.org"
				 "&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(totp_uri("x", "y", "Z", uri, 20, &e), -1);
}

static void test_seal(void **state)
{
	unsigned char key[TOTP_KEY_BYTES], other[TOTP_KEY_BYTES], secret[TOTP_SECRET_BYTES];
	unsigned char back[64];
	char sealed[TOTP_SEALED_LEN], again[TOTP_SEALED_LEN];
	struct err e = { "" };
	size_t n = 0;
	(void)state;
	totp_key_derive("configuration secret", key);
	totp_key_derive("another secret", other);
	assert_int_equal(totp_secret_new(secret, &e), 0);
	assert_int_equal(totp_seal(key, "anna@example.org", secret, sizeof(secret), sealed,
				   sizeof(sealed), &e), 0);
	assert_int_equal(totp_seal(key, "anna@example.org", secret, sizeof(secret), again,
				   sizeof(again), &e), 0);
	assert_string_not_equal(sealed, again); /* a fresh nonce each time */
	assert_int_equal(totp_unseal(key, "anna@example.org", sealed, back, sizeof(back), &n, &e),
			 0);
	assert_int_equal(n, sizeof(secret));
	assert_memory_equal(back, secret, n);
	/* Another key, another user, or one changed digit: refused. */
	assert_int_equal(totp_unseal(other, "anna@example.org", sealed, back, sizeof(back), &n, &e),
			 -1);
	assert_int_equal(totp_unseal(key, "bob@example.org", sealed, back, sizeof(back), &n, &e),
			 -1);
	sealed[10] = sealed[10] == '0' ? '1' : '0';
	assert_int_equal(totp_unseal(key, "anna@example.org", sealed, back, sizeof(back), &n, &e),
			 -1);
	assert_int_equal(totp_unseal(key, "anna@example.org", "v1:zz", back, sizeof(back), &n, &e),
			 -1);
	/* The secret never shows in clear in what is stored. */
	char b32[TOTP_B32_LEN];
	assert_int_equal(totp_base32_encode(secret, sizeof(secret), b32, sizeof(b32)), 0);
	assert_null(strstr(again, b32));
}

static void test_recovery_codes(void **state)
{
	char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN];
	char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN];
	struct err e = { "" };
	(void)state;
	assert_int_equal(totp_recovery_new(codes, hashes, &e), 0);
	for (int i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		assert_int_equal(strlen(codes[i]), TOTP_RECOVERY_LEN - 1);
		assert_true(totp_is_recovery(codes[i]));
		assert_null(strstr(hashes[i], codes[i]));
		assert_int_equal(totp_recovery_check(codes[i], hashes[i]), 1);
		for (int k = 0; k < TOTP_RECOVERY_COUNT; k++)
			if (k != i)
				assert_int_equal(totp_recovery_check(codes[i], hashes[k]), 0);
	}
	/* Typed in upper case without the dash: the same code. */
	char typed[TOTP_RECOVERY_LEN];
	for (size_t i = 0, o = 0; codes[0][i]; i++)
		if (codes[0][i] != '-')
			typed[o++] = (char)toupper((unsigned char)codes[0][i]), typed[o] = '\0';
	assert_int_equal(totp_recovery_check(typed, hashes[0]), 1);
	assert_false(totp_is_recovery("123456"));
	assert_int_equal(totp_recovery_check("", hashes[0]), 0);
	assert_int_equal(totp_recovery_check(codes[0], "nothex"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_verify_window_and_replay),
		cmocka_unit_test(test_base32_vectors),	cmocka_unit_test(test_uri),
		cmocka_unit_test(test_seal),		cmocka_unit_test(test_recovery_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
