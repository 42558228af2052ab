/* token.c - random tokens and their comparison. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "webmsg/err.h"
#include "webmsg/token.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int token_random(char *out, size_t outlen, size_t nbytes, struct err *e)
{
	unsigned char raw[64];
	size_t o = 0;
	if (nbytes > sizeof(raw) || outlen < TOKEN_LEN(nbytes))
		return err_set(e, "token too long");
	if (RAND_bytes(raw, (int)nbytes) != 1)
		return err_ssl(e, "no random bytes");
	for (size_t i = 0; i < nbytes; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		size_t left = nbytes - i;
		if (left > 1)
			v |= (unsigned)raw[i + 1] << 8;
		if (left > 2)
			v |= raw[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

void token_sha256_hex(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

int token_well_formed(const char *s, size_t min, size_t max)
{
	size_t len = strspn(s, b64url);
	return s[len] == '\0' && len >= min && len <= max;
}
