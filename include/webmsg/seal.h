/* seal.h - secrets kept where others may read the file they sit in (the
 * session store): AES-256-GCM under a key derived from the configuration's
 * session.secret with HKDF-SHA256 and a label per use, so that a key made for
 * one use opens nothing sealed for another. */
#ifndef WEBMSG_SEAL_H
#define WEBMSG_SEAL_H

#include <stddef.h>

struct err;

#define SEAL_KEY_BYTES 32
/* The most bytes one seal takes, and the text it gives: "s1:" and the hex
 * of a 12-byte nonce, the ciphertext and a 16-byte tag. */
#define SEAL_PLAIN_MAX 1024
#define SEAL_TEXT_LEN(n) (3 + 2 * (12 + (n) + 16) + 1)
#define SEAL_TEXT_MAX SEAL_TEXT_LEN(SEAL_PLAIN_MAX)

/* The key for label (a fixed text naming the use) from config_secret (the
 * value of session.secret); -1 when config_secret is empty or OpenSSL fails. */
int seal_key_derive(const char *config_secret, const char *label,
		    unsigned char key[SEAL_KEY_BYTES], struct err *e);
/* plain (n <= SEAL_PLAIN_MAX bytes) sealed into out, with a random nonce; ad
 * (what the secret belongs to, e.g. the user) is authenticated with it, so a
 * sealed value moved to another owner does not open. */
int seal_text(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const void *plain,
	      size_t n, char *out, size_t outlen, struct err *e);
/* Opens what seal_text made with the same key and ad into plain (cap bytes,
 * NUL added when room is left); *n gets its length. -1 for text altered,
 * another key or ad, or not in this form; plain is wiped then. */
int seal_open(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const char *sealed,
	      void *plain, size_t cap, size_t *n, struct err *e);
/* The same with another 3-character prefix naming the use ("v1:" for the
 * TOTP secrets in the users table), for values kept elsewhere. */
int seal_text_as(const unsigned char key[SEAL_KEY_BYTES], const char *prefix, const char *ad,
		 const void *plain, size_t n, char *out, size_t outlen, struct err *e);
int seal_open_as(const unsigned char key[SEAL_KEY_BYTES], const char *prefix, const char *ad,
		 const char *sealed, void *plain, size_t cap, size_t *n, struct err *e);

/* Sealing of any size, for what is too long for a seal_text (a message
 * kept in the session store): "b1:" and base64 of the nonce, the
 * ciphertext and the tag, in a new allocation (*out, freed by the caller).
 * SEAL_BLOB_TEXT_LEN(n) is its length with the NUL. */
#define SEAL_BLOB_TEXT_LEN(n) (3 + 4 * ((12 + (size_t)(n) + 16 + 2) / 3) + 1)
int seal_blob(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const void *plain,
	      size_t n, char **out, struct err *e);
/* Opens what seal_blob made with the same key and ad into a new allocation
 * (*plain, n bytes and a NUL, freed by the caller); -1 for a sealed text
 * altered, under another key or ad, not in this form, or of more than max
 * bytes when opened. */
int seal_blob_open(const unsigned char key[SEAL_KEY_BYTES], const char *ad, const char *sealed,
		   size_t max, unsigned char **plain, size_t *n, struct err *e);

#endif
