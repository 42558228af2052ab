/* token.h - random tokens for sessions, CSRF and remembered logons: bytes from
 * OpenSSL's generator, written in base64url; compared in constant time. */
#ifndef WEBMSG_TOKEN_H
#define WEBMSG_TOKEN_H

#include <stddef.h>

struct err;

/* base64url of nbytes, unpadded: this many characters, and a buffer for them. */
#define TOKEN_CHARS(nbytes) (((nbytes) * 4 + 2) / 3)
#define TOKEN_LEN(nbytes) (TOKEN_CHARS(nbytes) + 1)

int token_random(char *out, size_t outlen, size_t nbytes, struct err *e);
/* 1 when a and b are equal, in time that depends only on their lengths. */
int token_equal(const char *a, const char *b);
/* SHA-256 of s, as 64 hex digits. */
void token_sha256_hex(const char *s, char out[65]);
/* Only base64url characters, and between min and max of them. */
int token_well_formed(const char *s, size_t min, size_t max);

#endif
