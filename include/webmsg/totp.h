/* totp.h - time-based one-time passwords (RFC 6238, HMAC-SHA1), base32
 * (RFC 4648), otpauth:// URIs, the sealing of a secret for the database
 * (AES-256-GCM) and one-time recovery codes kept only as salted hashes. */
#ifndef WEBMSG_TOTP_H
#define WEBMSG_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct err;

#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends for SHA-1 */
#define TOTP_DIGITS 6
#define TOTP_PERIOD 30
/* Steps of clock skew accepted either side of now. */
#define TOTP_SKEW 1
/* A secret in base32 (no padding), and room for it. */
#define TOTP_B32_LEN 64
/* A sealed secret as stored: "v1:" and hex of nonce, ciphertext and tag. */
#define TOTP_SEALED_LEN 160
#define TOTP_KEY_BYTES 32
#define TOTP_RECOVERY_COUNT 10
/* "xxxxx-xxxxx": ten base32 characters (50 bits) in two groups. */
#define TOTP_RECOVERY_LEN 12
/* A recovery code as stored: salt hex ":" SHA-256 hex. */
#define TOTP_RECOVERY_HASH_LEN (32 + 1 + 64 + 1)

/* The time step of t (RFC 6238's T). */
int64_t totp_step(time_t t);
/* HOTP of counter with an HMAC-SHA1 key (RFC 4226), digits 6..8. */
uint32_t totp_hotp(const unsigned char *key, size_t keylen, uint64_t counter, int digits);
/* The code of step as digits decimal characters into out (digits + 1 bytes). */
int totp_code(const unsigned char *key, size_t keylen, int64_t step, int digits, char *out,
	      size_t outlen);
/* 1 when code is right for a step within TOTP_SKEW of now's and later than
 * last_step (a step already used is refused); *step_out gets that step.
 * Spaces in code are ignored; codes are compared in constant time. */
int totp_verify(const unsigned char *key, size_t keylen, const char *code, time_t now,
		int64_t last_step, int64_t *step_out);

/* RFC 4648 base32, upper case, without padding; -1 when out is too small. */
int totp_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
/* Upper or lower case, spaces and '=' padding ignored; -1 for another
 * character or when out is too small. *n gets the bytes written. */
int totp_base32_decode(const char *in, unsigned char *out, size_t outlen, size_t *n);

/* otpauth://totp/ISSUER:ACCOUNT?secret=..&issuer=..&algorithm=SHA1&digits=6&period=30 */
int totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
	     size_t outlen, struct err *e);

/* A new random secret (OpenSSL's generator). */
int totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES], struct err *e);

/* The sealing key from the configuration's secret (HMAC-SHA256 with a label). */
void totp_key_derive(const char *config_secret, unsigned char key[TOTP_KEY_BYTES]);
/* AES-256-GCM with a random nonce; who (the user) is authenticated with it,
 * so a sealed secret copied to another user's row does not open. */
int totp_seal(const unsigned char key[TOTP_KEY_BYTES], const char *who,
	      const unsigned char *plain, size_t n, char *out, size_t outlen, struct err *e);
int totp_unseal(const unsigned char key[TOTP_KEY_BYTES], const char *who, const char *sealed,
		unsigned char *plain, size_t cap, size_t *n, struct err *e);

/* TOTP_RECOVERY_COUNT new codes, and each one's stored form. */
int totp_recovery_new(char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN],
		      char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN], struct err *e);
/* 1 when code (case, spaces and '-' ignored) is the one stored as hash; in
 * time that does not depend on where they differ. */
int totp_recovery_check(const char *code, const char *hash);
struct buf;
/* The QR code of text (an otpauth URI) as an inline <svg> appended to out;
 * label, already HTML-escaped, becomes its aria-label. */
int totp_qr_svg(const char *text, const char *label, struct buf *out, struct err *e);

/* Whether typed looks like a recovery code rather than a TOTP code. */
int totp_is_recovery(const char *typed);

#endif
