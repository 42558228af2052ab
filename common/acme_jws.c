/* acme_jws.c - what an ACME request is signed with: base64url, the account
 * key's JWK and thumbprint (RFC 7638), and flattened JWS with ES256 (RFC 7515,
 * RFC 7518 section 3.4: the signature is r || s, 32 bytes each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"

#define P256_BYTES 32
#define HEADER_MAX 2048

int acme_b64url(const unsigned char *in, size_t inlen, char *out, size_t outlen)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t need = (inlen / 3) * 4 + (inlen % 3 ? inlen % 3 + 1 : 0), o = 0;
	if (need >= outlen)
		return -1;
	for (size_t i = 0; i < inlen; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t left = inlen - i;
		if (left > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (left > 1)
			out[o++] = alphabet[(v >> 6) & 63];
		if (left > 2)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return (int)o;
}

/* The public point's coordinates, each left-padded to 32 bytes. */
static int ec_point(EVP_PKEY *key, unsigned char x[P256_BYTES], unsigned char y[P256_BYTES],
		    struct err *e)
{
	BIGNUM *bx = NULL, *by = NULL;
	char curve[32];
	int rc = -1;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
					    NULL) ||
	    strcmp(curve, "prime256v1") != 0) {
		ERR_clear_error();
		return err_set(e, "the ACME account key is not an EC P-256 key");
	}
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) ||
	    BN_bn2binpad(bx, x, P256_BYTES) != P256_BYTES ||
	    BN_bn2binpad(by, y, P256_BYTES) != P256_BYTES)
		err_ssl(e, "cannot read the ACME account key");
	else
		rc = 0;
	BN_free(bx);
	BN_free(by);
	return rc;
}

int acme_jwk(struct evp_pkey_st *key, char *out, size_t outlen, struct err *e)
{
	unsigned char x[P256_BYTES], y[P256_BYTES];
	char bx[64], by[64];
	if (ec_point(key, x, y, e) < 0)
		return -1;
	acme_b64url(x, sizeof(x), bx, sizeof(bx));
	acme_b64url(y, sizeof(y), by, sizeof(by));
	/* Members in lexicographic order, no blanks: the form RFC 7638 hashes. */
	int n = snprintf(out, outlen, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
			 bx, by);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the JWK does not fit");
	return 0;
}

int acme_jwk_thumbprint(struct evp_pkey_st *key, char *out, size_t outlen, struct err *e)
{
	char jwk[256];
	unsigned char md[SHA256_DIGEST_LENGTH];
	if (acme_jwk(key, jwk, sizeof(jwk), e) < 0)
		return -1;
	SHA256((const unsigned char *)jwk, strlen(jwk), md);
	if (acme_b64url(md, sizeof(md), out, outlen) < 0)
		return err_set(e, "the thumbprint does not fit");
	return 0;
}

/* ES256 over input: OpenSSL gives DER, JWS wants r || s. */
static int sign_es256(EVP_PKEY *key, const char *input, unsigned char sig[2 * P256_BYTES],
		      struct err *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	int rc = -1;
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &derlen, (const unsigned char *)input, strlen(input)) != 1 ||
	    !(es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, P256_BYTES) != P256_BYTES ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + P256_BYTES, P256_BYTES) != P256_BYTES)
		err_ssl(e, "cannot sign the ACME request");
	else
		rc = 0;
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

/* Puts a string in JSON quotes; ACME's URLs and nonces never need escapes,
 * so anything that would is refused rather than escaped. */
static int plain_json_string(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int acme_jws(struct evp_pkey_st *key, const char *kid, const char *nonce, const char *url,
	     const char *payload, char **out, struct err *e)
{
	char header[HEADER_MAX], who[HEADER_MAX / 2], h64[HEADER_MAX * 4 / 3 + 4], s64[100];
	unsigned char sig[2 * P256_BYTES];
	char *p64 = NULL, *input = NULL;
	size_t plen = payload ? strlen(payload) : 0;
	int n, rc = -1;

	*out = NULL;
	if (!plain_json_string(nonce) || !plain_json_string(url) ||
	    (kid && !plain_json_string(kid)))
		return err_set(e, "the CA sent a nonce or an address that cannot be signed");
	if (kid)
		n = snprintf(who, sizeof(who), "\"kid\":\"%s\"", kid);
	else {
		char jwk[256];
		if (acme_jwk(key, jwk, sizeof(jwk), e) < 0)
			return -1;
		n = snprintf(who, sizeof(who), "\"jwk\":%s", jwk);
	}
	if (n < 0 || (size_t)n >= sizeof(who))
		return err_set(e, "the account's address is too long");
	n = snprintf(header, sizeof(header), "{\"alg\":\"ES256\",%s,\"nonce\":\"%s\",\"url\":\"%s\"}",
		     who, nonce, url);
	if (n < 0 || (size_t)n >= sizeof(header) ||
	    acme_b64url((const unsigned char *)header, (size_t)n, h64, sizeof(h64)) < 0)
		return err_set(e, "the request's header is too long");
	size_t p64len = plen / 3 * 4 + 4 + 1;
	p64 = malloc(p64len);
	input = malloc(strlen(h64) + 1 + p64len);
	if (!p64 || !input) {
		err_set(e, "out of memory");
		goto done;
	}
	acme_b64url((const unsigned char *)(payload ? payload : ""), plen, p64, p64len);
	n = snprintf(input, strlen(h64) + 1 + p64len, "%s.%s", h64, p64);
	if (n < 0 || sign_es256(key, input, sig, e) < 0)
		goto done;
	acme_b64url(sig, sizeof(sig), s64, sizeof(s64));
	size_t total = strlen(h64) + strlen(p64) + strlen(s64) + 64;
	*out = malloc(total);
	if (!*out) {
		err_set(e, "out of memory");
		goto done;
	}
	snprintf(*out, total, "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":\"%s\"}", h64,
		 p64, s64);
	rc = 0;
done:
	free(p64);
	free(input);
	return rc;
}
