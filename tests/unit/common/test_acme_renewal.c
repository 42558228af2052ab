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

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

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

/* RFC 9773 section 4.1's example: key identifier 69:88:5B:...:D4, serial
 * 0x87654321 (DER 00 87 65 43 21) make "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE". */
static void test_ari_cert_id(void **state)
{
	static const unsigned char keyid[] = { 0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40,
					       0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0,
					       0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4 };
	struct tmpdir t;
	struct err e;
	char id[128];
	(void)state;
	tmpdir_enter(&t);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	BIGNUM *bn = NULL;
	assert_non_null(k);
	assert_true(BN_hex2bn(&bn, "87654321") > 0);
	assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	akid->keyid = ASN1_OCTET_STRING_new();
	assert_int_equal(ASN1_OCTET_STRING_set(akid->keyid, keyid, sizeof(keyid)), 1);
	assert_int_equal(X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, 0), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	FILE *f = fopen("cert.pem", "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	assert_int_equal(acme_ari_cert_id("cert.pem", id, sizeof(id), &e), 0);
	assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	BN_free(bn);
	AUTHORITY_KEYID_free(akid);
	X509_free(x);
	EVP_PKEY_free(k);
	tmpdir_leave(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_back_off),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_ari_cert_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
