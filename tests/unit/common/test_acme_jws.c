/* test_acme_jws.c - what ACME requests are signed with: base64url against
 * RFC 4648's vectors, the JWK and thumbprint of a known key (worked out
 * apart, from OpenSSL's public key), and JWS signatures that OpenSSL
 * verifies with the public key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit.h"
#include "webmsg/acme.h"
#include "webmsg/err.h"

static const char key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgleOuWldqSGZePpVc\n"
	"VE0qz6w4ZbqKFjoUgICSpSMH2q6hRANCAASkDHdb/UY6JTHvw57BOmEgA3JoKxv6\n"
	"ezPKiEV9sP8A5n9RiKeNdCRfUKiaXI1H4vyq9DFkklF+liqqkETfwr/8\n"
	"-----END PRIVATE KEY-----\n";
static const char key_jwk[] =
	"{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"pAx3W_1GOiUx78OewTphIANyaCsb-nszyohFfbD_AOY\","
	"\"y\":\"f1GIp410JF9QqJpcjUfi_Kr0MWSSUX6WKqqQRN_Cv_w\"}";
static const char key_thumbprint[] = "KwEo88zsBhfrD6NKv7Jmiz7cHPYXVkiCYaAslBu7UsA";

static EVP_PKEY *known_key(void)
{
	BIO *bio = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(k);
	return k;
}

static void test_b64url_vectors(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} v[] = {
		{ "", 0, "" },	       { "f", 1, "Zg" },	   { "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },  { "foob", 4, "Zm9vYg" },   { "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" },
		/* the two characters that differ from base64: '-' and '_' */
		{ "\xfb\xff", 2, "-_8" },
		{ "\xff\xff\xfe", 3, "___-" },
	};
	char out[32];
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(acme_b64url((const unsigned char *)v[i].in, v[i].len, out,
					     sizeof(out)),
				 (int)strlen(v[i].out));
		assert_string_equal(out, v[i].out);
	}
	/* No room for the text and its NUL: refused, not cut. */
	assert_int_equal(acme_b64url((const unsigned char *)"foobar", 6, out, 8), -1);
}

static void test_jwk_and_thumbprint(void **state)
{
	EVP_PKEY *k = known_key();
	char out[256];
	struct err e;
	(void)state;
	assert_int_equal(acme_jwk(k, out, sizeof(out), &e), 0);
	assert_string_equal(out, key_jwk);
	assert_int_equal(acme_jwk_thumbprint(k, out, sizeof(out), &e), 0);
	assert_string_equal(out, key_thumbprint);
	EVP_PKEY_free(k);

	/* An RSA account key is not what ES256 signs with: said, not signed. */
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_int_equal(acme_jwk(rsa, out, sizeof(out), &e), -1);
	assert_non_null(strstr(e.msg, "P-256"));
	EVP_PKEY_free(rsa);
}

/* base64url back to bytes (the test's own decoder, through OpenSSL's base64). */
static unsigned char *unb64url(const char *in, size_t *len)
{
	size_t n = strlen(in), padded = (n + 3) / 4 * 4;
	char *s = calloc(1, padded + 1);
	unsigned char *out = calloc(1, padded + 1);
	assert_non_null(s);
	assert_non_null(out);
	for (size_t i = 0; i < padded; i++)
		s[i] = i < n ? (in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i]) : '=';
	int got = EVP_DecodeBlock(out, (unsigned char *)s, (int)padded);
	assert_true(got >= 0);
	*len = (size_t)got - (padded - n);
	out[*len] = '\0';
	free(s);
	return out;
}

/* Checks the JWS's signature with OpenSSL and returns its protected header. */
static json_t *verify(EVP_PKEY *k, const char *jws, const char *payload)
{
	json_t *doc = json_loads(jws, 0, NULL);
	assert_non_null(doc);
	const char *p = json_string_value(json_object_get(doc, "protected"));
	const char *pl = json_string_value(json_object_get(doc, "payload"));
	const char *sg = json_string_value(json_object_get(doc, "signature"));
	assert_non_null(p);
	assert_non_null(pl);
	assert_non_null(sg);
	size_t len;
	unsigned char *raw = unb64url(pl, &len);
	assert_int_equal(len, strlen(payload));
	assert_memory_equal(raw, payload, len);
	free(raw);

	unsigned char *sig = unb64url(sg, &len);
	assert_int_equal(len, 64);
	ECDSA_SIG *es = ECDSA_SIG_new();
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)),
			 1);
	unsigned char *der = NULL;
	int derlen = i2d_ECDSA_SIG(es, &der);
	assert_true(derlen > 0);
	char input[8192];
	snprintf(input, sizeof(input), "%s.%s", p, pl);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestVerify(md, der, (size_t)derlen, (unsigned char *)input,
					  strlen(input)),
			 1);
	/* One bit changed in what was signed: refused. */
	input[0] ^= 1;
	assert_int_not_equal(EVP_DigestVerify(md, der, (size_t)derlen, (unsigned char *)input,
					      strlen(input)),
			     1);
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	free(sig);

	unsigned char *header = unb64url(p, &len);
	json_t *h = json_loads((const char *)header, 0, NULL);
	assert_non_null(h);
	free(header);
	json_decref(doc);
	return h;
}

static void test_jws_new_account(void **state)
{
	EVP_PKEY *k = known_key();
	const char *payload = "{\"termsOfServiceAgreed\":true}";
	char *jws = NULL;
	struct err e;
	(void)state;
	assert_int_equal(acme_jws(k, NULL, "nonce-1", "https://ca.example/acme/new-acct", payload,
				  &jws, &e),
			 0);
	json_t *h = verify(k, jws, payload);
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
	assert_string_equal(json_string_value(json_object_get(h, "nonce")), "nonce-1");
	assert_string_equal(json_string_value(json_object_get(h, "url")),
			    "https://ca.example/acme/new-acct");
	assert_null(json_object_get(h, "kid"));
	char *jwk = json_dumps(json_object_get(h, "jwk"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(jwk, key_jwk);
	free(jwk);
	json_decref(h);
	free(jws);
	EVP_PKEY_free(k);
}

static void test_jws_kid_and_post_as_get(void **state)
{
	EVP_PKEY *k = known_key();
	char *jws = NULL;
	struct err e;
	(void)state;
	assert_int_equal(acme_jws(k, "https://ca.example/acme/acct/7", "n2",
				  "https://ca.example/acme/order/1", NULL, &jws, &e),
			 0);
	json_t *h = verify(k, jws, "");
	assert_string_equal(json_string_value(json_object_get(h, "kid")),
			    "https://ca.example/acme/acct/7");
	assert_null(json_object_get(h, "jwk"));
	json_decref(h);
	free(jws);
	/* What the CA sends goes into the header escaped, never spliced: a
	 * nonce and an address with quotes, a backslash and a line break come
	 * back unchanged from the signed header, and nothing is added to it. */
	const char *nonce = "a\"b\\c\n", *url = "https://ca.example/x\",\"kid\":\"evil";
	assert_int_equal(acme_jws(k, NULL, nonce, url, NULL, &jws, &e), 0);
	h = verify(k, jws, "");
	assert_string_equal(json_string_value(json_object_get(h, "nonce")), nonce);
	assert_string_equal(json_string_value(json_object_get(h, "url")), url);
	assert_null(json_object_get(h, "kid"));
	assert_int_equal(json_object_size(h), 4);
	json_decref(h);
	free(jws);
	/* Text that is not UTF-8 cannot be put in JSON: refused, never signed. */
	jws = NULL;
	assert_int_equal(acme_jws(k, NULL, "\xff\xfe", "https://ca.example/x", NULL, &jws, &e), -1);
	assert_null(jws);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_jwk_and_thumbprint),
		cmocka_unit_test(test_jws_new_account),
		cmocka_unit_test(test_jws_kid_and_post_as_get),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
