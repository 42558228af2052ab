/* totp.c - RFC 6238 codes (HMAC-SHA1 through OpenSSL), base32, otpauth://
 * URIs, secrets sealed with AES-256-GCM and recovery codes kept as salted
 * SHA-256 hashes. Nothing here prints or logs: secrets pass through only. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "webmsg/err.h"
#include "webmsg/seal.h"
#include "webmsg/totp.h"

static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
_Static_assert(TOTP_KEY_BYTES == SEAL_KEY_BYTES, "TOTP secrets are sealed with seal.c");
#define RECOVERY_SALT 16

int64_t totp_step(time_t t)
{
	return t < 0 ? 0 : (int64_t)t / TOTP_PERIOD;
}

uint32_t totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits)
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	static const uint32_t mod[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					100000000 };
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)(counter & 0xff);
	if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac, &maclen) || maclen < 20)
		return UINT32_MAX; /* never a valid code: longer than any digits */
	/* Dynamic truncation (RFC 4226 section 5.3). */
	unsigned off = mac[maclen - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	OPENSSL_cleanse(mac, sizeof(mac));
	if (digits < 6 || digits > 8)
		digits = 6;
	return bin % mod[digits];
}

int totp_code(const unsigned char *key, size_t keylen, int64_t step, int digits, char *out,
	      size_t outlen)
{
	if (step < 0 || digits < 6 || digits > 8 || outlen < (size_t)digits + 1)
		return -1;
	uint32_t v = totp_hotp(key, keylen, (uint64_t)step, digits);
	if (v == UINT32_MAX)
		return -1;
	snprintf(out, outlen, "%0*u", digits, (unsigned)v);
	return 0;
}

/* Equal strings of equal length, without an early exit. */
static int same(const char *a, const char *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int totp_verify(const unsigned char *key, size_t keylen, const char *code, time_t now,
		int64_t last_step, int64_t *step_out)
{
	char typed[16], want[16];
	size_t n = 0;
	for (const char *p = code; *p; p++) {
		if (*p == ' ')
			continue;
		if (!isdigit((unsigned char)*p) || n + 1 >= sizeof(typed))
			return 0;
		typed[n++] = *p;
	}
	typed[n] = '\0';
	if (n != TOTP_DIGITS)
		return 0;
	int64_t now_step = totp_step(now), found = -1;
	/* Every candidate is computed and compared, matched or not. */
	for (int64_t s = now_step - TOTP_SKEW; s <= now_step + TOTP_SKEW; s++) {
		if (s < 0 || totp_code(key, keylen, s, TOTP_DIGITS, want, sizeof(want)) < 0)
			continue;
		if (same(typed, want, TOTP_DIGITS) && s > last_step && found < 0)
			found = s;
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(typed, sizeof(typed));
	if (found < 0)
		return 0;
	if (step_out)
		*step_out = found;
	return 1;
}

int totp_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t need = (n * 8 + 4) / 5, o = 0;
	uint32_t acc = 0;
	int bits = 0;
	if (outlen < need + 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = B32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = B32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return 0;
}

int totp_base32_decode(const char *in, unsigned char *out, size_t outlen, size_t *n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		if (*p == ' ' || *p == '=')
			continue;
		const char *at = strchr(B32, toupper((unsigned char)*p));
		if (!at || !*at)
			return -1;
		acc = (acc << 5) | (uint32_t)(at - B32);
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	*n = o;
	return 0;
}

/* Percent-encodes s for a URI's path or query (RFC 3986 unreserved kept). */
static int uri_put(char *out, size_t outlen, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			if (*o + 1 >= outlen)
				return -1;
			out[(*o)++] = (char)*p;
		} else {
			if (*o + 3 >= outlen)
				return -1;
			out[(*o)++] = '%';
			out[(*o)++] = hex[*p >> 4];
			out[(*o)++] = hex[*p & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

static int uri_lit(char *out, size_t outlen, size_t *o, const char *s)
{
	size_t len = strlen(s);
	if (*o + len >= outlen)
		return -1;
	memcpy(out + *o, s, len + 1);
	*o += len;
	return 0;
}

int totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
	     size_t outlen, struct err *e)
{
	size_t o = 0;
	if (outlen == 0 || uri_lit(out, outlen, &o, "otpauth://totp/") < 0 ||
	    uri_put(out, outlen, &o, issuer) < 0 || uri_lit(out, outlen, &o, ":") < 0 ||
	    uri_put(out, outlen, &o, account) < 0 || uri_lit(out, outlen, &o, "?secret=") < 0 ||
	    uri_put(out, outlen, &o, secret_b32) < 0 || uri_lit(out, outlen, &o, "&issuer=") < 0 ||
	    uri_put(out, outlen, &o, issuer) < 0 ||
	    uri_lit(out, outlen, &o, "&algorithm=SHA1&digits=6&period=30") < 0)
		return err_set(e, "the otpauth URI is too long");
	return 0;
}

int totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES], struct err *e)
{
	if (RAND_bytes(secret, TOTP_SECRET_BYTES) != 1)
		return err_ssl(e, "cannot make a random secret");
	return 0;
}

void totp_key_derive(const char *config_secret, unsigned char key[TOTP_KEY_BYTES])
{
	static const char label[] = "webmsg totp secret sealing v1";
	unsigned int len = TOTP_KEY_BYTES;
	HMAC(EVP_sha256(), config_secret, (int)strlen(config_secret),
	     (const unsigned char *)label, sizeof(label) - 1, key, &len);
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

static int hex_get(const char *in, size_t chars, unsigned char *out)
{
	for (size_t i = 0; i < chars / 2; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = in[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* Sealed as the session store's secrets are (common/seal.c), under the
 * prefix of the users table's TOTP column. */
int totp_seal(const unsigned char key[TOTP_KEY_BYTES], const char *who,
	      const unsigned char *plain, size_t n, char *out, size_t outlen, struct err *e)
{
	return seal_text_as(key, "v1:", who, plain, n, out, outlen, e);
}

int totp_unseal(const unsigned char key[TOTP_KEY_BYTES], const char *who, const char *sealed,
		unsigned char *plain, size_t cap, size_t *n, struct err *e)
{
	if (seal_open_as(key, "v1:", who, sealed, plain, cap, n, e) == 0 && *n > 0)
		return 0;
	OPENSSL_cleanse(plain, cap);
	return err_set(e, "the stored TOTP secret does not open with this configuration's "
			  "session.secret (changed, or the row was altered)");
}

/* A recovery code as compared: lower case, without spaces and dashes. */
static int recovery_norm(const char *code, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *p = code; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (o + 1 >= outlen || !isalnum((unsigned char)*p))
			return -1;
		out[o++] = (char)tolower((unsigned char)*p);
	}
	out[o] = '\0';
	return o == TOTP_RECOVERY_LEN - 2 ? 0 : -1;
}

static void recovery_digest(const unsigned char salt[RECOVERY_SALT], const char *norm,
			    unsigned char out[SHA256_DIGEST_LENGTH])
{
	unsigned char in[RECOVERY_SALT + TOTP_RECOVERY_LEN];
	size_t len = strlen(norm);
	memcpy(in, salt, RECOVERY_SALT);
	memcpy(in + RECOVERY_SALT, norm, len);
	SHA256(in, RECOVERY_SALT + len, out);
	OPENSSL_cleanse(in, sizeof(in));
}

int totp_recovery_new(char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN],
		      char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN], struct err *e)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	for (int i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		unsigned char rnd[10], salt[RECOVERY_SALT], digest[SHA256_DIGEST_LENGTH];
		char norm[TOTP_RECOVERY_LEN];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1 || RAND_bytes(salt, sizeof(salt)) != 1)
			return err_ssl(e, "cannot make recovery codes");
		for (int k = 0; k < 10; k++)
			norm[k] = alphabet[rnd[k] & 31]; /* 32 divides 256: no bias */
		norm[10] = '\0';
		snprintf(codes[i], TOTP_RECOVERY_LEN, "%.5s-%.5s", norm, norm + 5);
		recovery_digest(salt, norm, digest);
		hex_put(salt, sizeof(salt), hashes[i]);
		hashes[i][2 * RECOVERY_SALT] = ':';
		hex_put(digest, sizeof(digest), hashes[i] + 2 * RECOVERY_SALT + 1);
		OPENSSL_cleanse(rnd, sizeof(rnd));
		OPENSSL_cleanse(norm, sizeof(norm));
	}
	return 0;
}

int totp_recovery_check(const char *code, const char *hash)
{
	unsigned char salt[RECOVERY_SALT], want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];
	char norm[TOTP_RECOVERY_LEN + 8];
	if (strlen(hash) != TOTP_RECOVERY_HASH_LEN - 1 || hash[2 * RECOVERY_SALT] != ':' ||
	    hex_get(hash, 2 * RECOVERY_SALT, salt) < 0 ||
	    hex_get(hash + 2 * RECOVERY_SALT + 1, 2 * SHA256_DIGEST_LENGTH, want) < 0 ||
	    recovery_norm(code, norm, sizeof(norm)) < 0)
		return 0;
	recovery_digest(salt, norm, got);
	int ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(norm, sizeof(norm));
	return ok;
}

int totp_is_recovery(const char *typed)
{
	char norm[TOTP_RECOVERY_LEN + 8];
	return recovery_norm(typed, norm, sizeof(norm)) == 0;
}
