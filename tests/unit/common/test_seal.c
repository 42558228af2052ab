/* test_seal.c - sealing secrets for the session store: a round trip, the
 * RFC 5869 HKDF vector the key derivation follows, and every way a sealed
 * value must fail to open (another key, another owner, altered, cut, foreign). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/seal.h"

static void key_of(const char *secret, const char *label, unsigned char key[SEAL_KEY_BYTES])
{
	struct err e = { "" };
	if (seal_key_derive(secret, label, key, &e) < 0)
		fail_msg("derive: %s", e.msg);
}

static void test_round_trip(void **state)
{
	unsigned char key[SEAL_KEY_BYTES];
	char sealed[SEAL_TEXT_MAX], again[SEAL_TEXT_MAX], plain[SEAL_PLAIN_MAX + 1];
	struct err e = { "" };
	size_t n = 0;
	(void)state;
	key_of("the configuration's secret", "webmsg imap password v1", key);
	assert_int_equal(seal_text(key, "alice", "secret pass", 11, sealed, sizeof(sealed), &e), 0);
	assert_int_equal(strncmp(sealed, "s1:", 3), 0);
	assert_null(strstr(sealed, "secret pass"));
	assert_int_equal(seal_open(key, "alice", sealed, plain, sizeof(plain), &n, &e), 0);
	assert_int_equal(n, 11);
	assert_string_equal(plain, "secret pass");
	/* A new nonce every time: the same secret never looks the same twice. */
	assert_int_equal(seal_text(key, "alice", "secret pass", 11, again, sizeof(again), &e), 0);
	assert_string_not_equal(sealed, again);
	/* The longest secret allowed fits the longest text. */
	char big[SEAL_PLAIN_MAX];
	memset(big, 'x', sizeof(big));
	assert_int_equal(seal_text(key, "a", big, sizeof(big), sealed, sizeof(sealed), &e), 0);
	assert_int_equal(seal_open(key, "a", sealed, plain, sizeof(plain), &n, &e), 0);
	assert_int_equal(n, SEAL_PLAIN_MAX);
	assert_int_equal(seal_text(key, "a", big, sizeof(big) + 0, sealed, SEAL_TEXT_MAX - 1, &e),
			 -1);
}

static void test_refusals(void **state)
{
	unsigned char key[SEAL_KEY_BYTES], other_label[SEAL_KEY_BYTES], other_secret[SEAL_KEY_BYTES];
	char sealed[SEAL_TEXT_MAX], bad[SEAL_TEXT_MAX], plain[64];
	struct err e = { "" };
	size_t n = 0;
	(void)state;
	key_of("s", "webmsg imap password v1", key);
	key_of("s", "webmsg totp secret v1", other_label);
	key_of("t", "webmsg imap password v1", other_secret);
	assert_memory_not_equal(key, other_label, SEAL_KEY_BYTES);
	assert_memory_not_equal(key, other_secret, SEAL_KEY_BYTES);
	assert_int_equal(seal_text(key, "alice", "pw", 2, sealed, sizeof(sealed), &e), 0);
	assert_int_equal(seal_open(other_label, "alice", sealed, plain, sizeof(plain), &n, &e), -1);
	assert_int_equal(seal_open(other_secret, "alice", sealed, plain, sizeof(plain), &n, &e), -1);
	assert_int_equal(seal_open(key, "bob", sealed, plain, sizeof(plain), &n, &e), -1);
	assert_non_null(strstr(e.msg, "session.secret"));
	/* One bit changed anywhere: nonce, ciphertext or tag. */
	for (size_t i = 3; sealed[i]; i++) {
		snprintf(bad, sizeof(bad), "%s", sealed);
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_int_equal(seal_open(key, "alice", bad, plain, sizeof(plain), &n, &e), -1);
	}
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(sealed) - 2, sealed);
	assert_int_equal(seal_open(key, "alice", bad, plain, sizeof(plain), &n, &e), -1);
	assert_int_equal(seal_open(key, "alice", "v1:00", plain, sizeof(plain), &n, &e), -1);
	assert_int_equal(seal_open(key, "alice", "s1:zz", plain, sizeof(plain), &n, &e), -1);
	assert_int_equal(seal_open(key, "alice", "", plain, sizeof(plain), &n, &e), -1);
	/* Too small a buffer for what is inside: refused, not cut. */
	assert_int_equal(seal_open(key, "alice", sealed, plain, 1, &n, &e), -1);
	/* No key from an empty secret (a configuration never initialised). */
	assert_int_equal(seal_key_derive("", "x", key, &e), -1);
	assert_non_null(strstr(e.msg, "session.secret"));
}

/* A message-sized value: every length round-trips (the base64 padding of
 * each remainder), and a value altered, opened for another owner or larger
 * than the caller takes is refused. */
static void test_blob(void **state)
{
	unsigned char key[SEAL_KEY_BYTES], *opened = NULL;
	struct err e = { "" };
	size_t n = 0, big = 3 * 1024 * 1024 + 1;
	char *sealed = NULL;
	unsigned char *data = malloc(big);
	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	key_of("s", "webmsg kept message v1", key);
	for (size_t len = 0; len < 5; len++) {
		assert_int_equal(seal_blob(key, "ann", data, len, &sealed, &e), 0);
		assert_int_equal(strncmp(sealed, "b1:", 3), 0);
		assert_true(strlen(sealed) + 1 <= SEAL_BLOB_TEXT_LEN(len));
		assert_int_equal(seal_blob_open(key, "ann", sealed, big, &opened, &n, &e), 0);
		assert_int_equal(n, len);
		assert_memory_equal(opened, data, len);
		free(opened);
		free(sealed);
	}
	assert_int_equal(seal_blob(key, "ann", data, big, &sealed, &e), 0);
	assert_int_equal(seal_blob_open(key, "ann", sealed, big, &opened, &n, &e), 0);
	assert_int_equal(n, big);
	assert_memory_equal(opened, data, big);
	free(opened);
	assert_int_equal(seal_blob_open(key, "bob", sealed, big, &opened, &n, &e), -1);
	assert_null(opened);
	assert_int_equal(seal_blob_open(key, "ann", sealed, big - 1, &opened, &n, &e), -1);
	sealed[100] = sealed[100] == 'A' ? 'B' : 'A';
	assert_int_equal(seal_blob_open(key, "ann", sealed, big, &opened, &n, &e), -1);
	assert_int_equal(seal_blob_open(key, "ann", "s1:00", big, &opened, &n, &e), -1);
	assert_int_equal(seal_blob_open(key, "ann", "b1:AAA", big, &opened, &n, &e), -1);
	free(sealed);
	free(data);
}

/* RFC 5869 test case 3 (no salt, no info) pins the derivation to HKDF-SHA256:
 * the same key can be made by any other implementation. */
static void test_hkdf_vector(void **state)
{
	static const unsigned char okm[32] = {
		0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f, 0x80,
		0x2a, 0x06, 0x3c, 0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1,
		0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f, 0x3c, 0x73, 0x8d, 0x2d,
	};
	char ikm[23];
	unsigned char key[SEAL_KEY_BYTES];
	(void)state;
	memset(ikm, 0x0b, 22);
	ikm[22] = '\0';
	key_of(ikm, "", key);
	assert_memory_equal(key, okm, sizeof(okm));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_hkdf_vector),
		cmocka_unit_test(test_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
