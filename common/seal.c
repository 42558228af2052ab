/* seal.c - AES-256-GCM sealing of secrets kept in the session store, under
 * keys derived with HKDF-SHA256 from session.secret and a label per use. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "webmsg/err.h"
#include "webmsg/seal.h"

#define NONCE 12
#define TAG 16
#define PREFIX "s1:" /* the session store's; TOTP secrets are "v1:" */

int seal_key_derive(const char *config_secret, const char *label,
		    unsigned char key[SEAL_KEY_BYTES], struct err *e)
{
	size_t len = SEAL_KEY_BYTES;
	int ok = 0;
	if (!config_secret || !config_secret[0])
		return err_set(e, "session.secret is empty: run webmsg-admin init");
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(c, (const unsigned char *)config_secret,
				       (int)strlen(config_secret)) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)label, (int)strlen(label)) == 1 &&
	    EVP_PKEY_derive(c, key, &len) == 1 && len == SEAL_KEY_BYTES)
		ok = 1;
	EVP_PKEY_CTX_free(c);
	if (!ok) {
		OPENSSL_cleanse(key, SEAL_KEY_BYTES);
		return err_ssl(e, "cannot derive a sealing key");
	}
	return 0;
}

static void hex_put(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int seal_text_as(const unsigned char key[SEAL_KEY_BYTES], const char *prefix, const char *ad,
		 const void *plain, size_t n, char *out, size_t outlen, struct err *e)
{
	unsigned char buf[NONCE + SEAL_PLAIN_MAX + TAG];
	int len = 0, rc = -1;
	if (n > SEAL_PLAIN_MAX || outlen < SEAL_TEXT_LEN(n))
		return err_set(e, "a secret of %zu bytes is too long to seal", n);
	if (RAND_bytes(buf, NONCE) != 1)
		return err_ssl(e, "cannot make a nonce");
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)ad, (int)strlen(ad)) == 1 &&
	    EVP_EncryptUpdate(c, buf + NONCE, &len, plain, (int)n) == 1 &&
	    EVP_EncryptFinal_ex(c, buf + NONCE + len, &len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, buf + NONCE + n) == 1) {
		memcpy(out, prefix, 3);
		hex_put(buf, NONCE + n + TAG, out + 3);
		rc = 0;
	} else {
		err_ssl(e, "cannot seal a secret");
	}
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int seal_open_as(const unsigned char key[SEAL_KEY_BYTES], const char *prefix, const char *ad,
		 const char *sealed, void *plain, size_t cap, size_t *n, struct err *e)
{
	unsigned char buf[NONCE + SEAL_PLAIN_MAX + TAG];
	size_t chars = strlen(sealed), bytes;
	int len = 0, rc = -1;
	*n = 0;
	if (strncmp(sealed, prefix, 3) != 0 || (chars - 3) % 2 != 0)
		return err_set(e, "a sealed secret is not in a known form");
	bytes = (chars - 3) / 2;
	if (bytes < NONCE + TAG || bytes > sizeof(buf) || bytes - NONCE - TAG > cap)
		return err_set(e, "a sealed secret is not in a known form");
	for (size_t i = 0; i < bytes; i++) {
		int hi = hex_digit(sealed[3 + 2 * i]), lo = hex_digit(sealed[4 + 2 * i]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(buf, sizeof(buf));
			return err_set(e, "a sealed secret is not in a known form");
		}
		buf[i] = (unsigned char)(hi * 16 + lo);
	}
	size_t clen = bytes - NONCE - TAG;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)ad, (int)strlen(ad)) == 1 &&
	    EVP_DecryptUpdate(c, plain, &len, buf + NONCE, (int)clen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, buf + NONCE + clen) == 1 &&
	    EVP_DecryptFinal_ex(c, (unsigned char *)plain + len, &len) == 1) {
		*n = clen;
		if (clen < cap)
			((unsigned char *)plain)[clen] = '\0';
		rc = 0;
	} else {
		OPENSSL_cleanse(plain, cap);
		err_set(e, "a sealed secret does not open with this configuration's session.secret "
			   "(changed, or the value was altered or moved)");
	}
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int seal_text(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const void *plain,
	      size_t n, char *out, size_t outlen, struct err *e)
{
	return seal_text_as(key, PREFIX, ad, plain, n, out, outlen, e);
}

int seal_open(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const char *sealed,
	      void *plain, size_t cap, size_t *n, struct err *e)
{
	return seal_open_as(key, PREFIX, ad, sealed, plain, cap, n, e);
}

#define BLOB_PREFIX "b1:"

/* One AES-256-GCM pass: nonce (given), then out gets n bytes and the tag
 * follows them. */
static int gcm(int enc, const unsigned char key[SEAL_KEY_BYTES], const char *ad,
	       const unsigned char *nonce, const unsigned char *in, size_t n, unsigned char *out,
	       unsigned char *tag)
{
	int len = 0, ok;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)ad, (int)strlen(ad)) == 1 &&
	     EVP_CipherUpdate(c, out, &len, in, (int)n) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1) &&
	     EVP_CipherFinal_ex(c, out + len, &len) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int seal_blob(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const void *plain,
	      size_t n, char **out, struct err *e)
{
	*out = NULL;
	/* EVP takes int lengths. */
	if (n > INT_MAX / 2)
		return err_set(e, "%zu bytes are too many to seal", n);
	size_t raw = NONCE + n + TAG;
	unsigned char *buf = malloc(raw);
	char *text = malloc(SEAL_BLOB_TEXT_LEN(n));
	if (!buf || !text) {
		free(buf);
		free(text);
		return err_set(e, "out of memory");
	}
	int rc = -1;
	if (RAND_bytes(buf, NONCE) != 1)
		err_ssl(e, "cannot make a nonce");
	else if (gcm(1, key, ad, buf, plain, n, buf + NONCE, buf + NONCE + n) < 0)
		err_ssl(e, "cannot seal");
	else {
		memcpy(text, BLOB_PREFIX, 3);
		EVP_EncodeBlock((unsigned char *)text + 3, buf, (int)raw);
		*out = text;
		rc = 0;
	}
	OPENSSL_cleanse(buf, raw);
	free(buf);
	if (rc < 0)
		free(text);
	return rc;
}

int seal_blob_open(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const char *sealed,
		   size_t max, unsigned char **plain, size_t *n, struct err *e)
{
	size_t chars = strlen(sealed), pad = 0;
	*plain = NULL;
	*n = 0;
	if (strncmp(sealed, BLOB_PREFIX, 3) != 0 || (chars - 3) % 4 != 0 || chars - 3 > INT_MAX)
		return err_set(e, "a sealed value is not in a known form");
	chars -= 3;
	if (chars && sealed[3 + chars - 1] == '=')
		pad = chars > 1 && sealed[3 + chars - 2] == '=' ? 2 : 1;
	size_t raw = chars / 4 * 3 - pad;
	if (raw < NONCE + TAG || raw - NONCE - TAG > max)
		return err_set(e, "a sealed value is not in a known form");
	unsigned char *buf = malloc(chars / 4 * 3 + 1), *out = malloc(raw - NONCE - TAG + 1);
	if (!buf || !out) {
		free(buf);
		free(out);
		return err_set(e, "out of memory");
	}
	size_t clen = raw - NONCE - TAG;
	int rc = -1;
	/* EVP_DecodeBlock counts the padding's zero bytes too: raw says how many are real. */
	if (EVP_DecodeBlock(buf, (const unsigned char *)sealed + 3, (int)chars) < 0)
		err_set(e, "a sealed value is not in a known form");
	else if (gcm(0, key, ad, buf, buf + NONCE, clen, out, buf + NONCE + clen) < 0)
		err_set(e, "a sealed value does not open with this configuration's session.secret "
			   "(changed, or the value was altered or moved)");
	else {
		out[clen] = '\0';
		*plain = out;
		*n = clen;
		rc = 0;
	}
	OPENSSL_cleanse(buf, chars / 4 * 3 + 1);
	free(buf);
	if (rc < 0) {
		OPENSSL_cleanse(out, clen + 1);
		free(out);
	}
	return rc;
}
