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

#include <jansson.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"

#define P256_BYTES 32
#define HEADER_MAX 8192 /* alg, kid or jwk, nonce and url */

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

/* The key's JWK as a JSON object (the caller's reference). */
static json_t *jwk_object(EVP_PKEY *key, struct err *e)
{
	unsigned char x[P256_BYTES], y[P256_BYTES];
	char bx[64], by[64];
	json_t *jwk;
	if (ec_point(key, x, y, e) < 0)
		return NULL;
	acme_b64url(x, sizeof(x), bx, sizeof(bx));
	acme_b64url(y, sizeof(y), by, sizeof(by));
	jwk = json_pack("{s:s,s:s,s:s,s:s}", "crv", "P-256", "kty", "EC", "x", bx, "y", by);
	if (!jwk)
		err_set(e, "out of memory");
	return jwk;
}

int acme_jwk(struct evp_pkey_st *key, char *out, size_t outlen, struct err *e)
{
	json_t *jwk = jwk_object(key, e);
	char *text;
	if (!jwk)
		return -1;
	/* Members in lexicographic order, no blanks: the form RFC 7638 hashes. */
	text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(jwk);
	if (!text)
		return err_set(e, "out of memory");
	if (strlen(text) >= outlen) {
		free(text);
		return err_set(e, "the JWK does not fit");
	}
	memcpy(out, text, strlen(text) + 1);
	free(text);
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

/* base64url of a JSON document; *out is malloc'd. The document is made by
 * jansson, so whatever the CA sent (nonce, URLs) is escaped, never spliced. */
static int json_b64url(json_t *doc, char **out, struct err *e)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	size_t cap;
	*out = NULL;
	if (!text)
		return err_set(e, "out of memory");
	cap = strlen(text) / 3 * 4 + 4 + 1;
	if (strlen(text) > HEADER_MAX || !(*out = malloc(cap))) {
		free(text);
		return err_set(e, "the request's header is too long");
	}
	acme_b64url((const unsigned char *)text, strlen(text), *out, cap);
	free(text);
	return 0;
}

int acme_jws(struct evp_pkey_st *key, const char *kid, const char *nonce, const char *url,
	     const char *payload, char **out, struct err *e)
{
	unsigned char sig[2 * P256_BYTES];
	char s64[100], *h64 = NULL, *p64 = NULL, *input = NULL;
	size_t plen = payload ? strlen(payload) : 0, p64len = plen / 3 * 4 + 4 + 1;
	json_t *header, *jws = NULL;
	int rc = -1;

	*out = NULL;
	if (kid) {
		header = json_pack("{s:s,s:s,s:s,s:s}", "alg", "ES256", "kid", kid, "nonce", nonce,
				   "url", url);
	} else {
		json_t *jwk = jwk_object(key, e);
		if (!jwk)
			return -1;
		/* "o" takes the reference to jwk, also when packing fails. */
		header = json_pack("{s:s,s:o,s:s,s:s}", "alg", "ES256", "jwk", jwk, "nonce", nonce,
				   "url", url);
	}
	/* json_pack refuses text that is not UTF-8: nothing to sign then. */
	if (!header)
		return err_set(e, "the CA sent a nonce or an address that cannot be signed");
	if (json_b64url(header, &h64, e) < 0)
		goto done;
	p64 = malloc(p64len);
	input = malloc(strlen(h64) + 1 + p64len);
	if (!p64 || !input) {
		err_set(e, "out of memory");
		goto done;
	}
	acme_b64url((const unsigned char *)(payload ? payload : ""), plen, p64, p64len);
	int n = snprintf(input, strlen(h64) + 1 + p64len, "%s.%s", h64, p64);
	if (n < 0 || sign_es256(key, input, sig, e) < 0)
		goto done;
	acme_b64url(sig, sizeof(sig), s64, sizeof(s64));
	jws = json_pack("{s:s,s:s,s:s}", "protected", h64, "payload", p64, "signature", s64);
	*out = jws ? json_dumps(jws, JSON_COMPACT) : NULL;
	if (!*out) {
		err_set(e, "out of memory");
		goto done;
	}
	rc = 0;
done:
	json_decref(header);
	json_decref(jws);
	free(h64);
	free(p64);
	free(input);
	return rc;
}
