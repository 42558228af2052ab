/* cipher_profile.h - the named TLS profiles and the GnuTLS priority strings
 * behind them. The daemon always hands GnuTLS a full priority string: the
 * library's default still allows TLS 1.0. */
#ifndef WEBMSG_CIPHER_PROFILE_H
#define WEBMSG_CIPHER_PROFILE_H

#include <stddef.h>

struct err;

struct cipher_profile {
	const char *name;        /* the value of ssl.cipher_profile */
	const char *priority;    /* NULL for "custom": ssl.priority gives it */
	const char *description;
	const char *warning;     /* NULL, or why to think twice */
};

const struct cipher_profile *cipher_profile_find(const char *name);
const struct cipher_profile *cipher_profile_at(size_t i); /* NULL past the end */

/* The priority string for a profile; custom takes the given string. */
int cipher_profile_priority(const char *profile, const char *custom, const char **out,
			    struct err *e);

/* Checks a priority string with GnuTLS; the message shows where it goes wrong:
 * "invalid priority string at position 8: 'BOGUS:...'". */
int cipher_profile_check(const char *priority, struct err *e);

/* What a priority string allows, as GnuTLS computes it. */
typedef void (*cipher_profile_fn)(const char *what, void *arg);
/* Calls version for each protocol version ("TLS1.3"), then suite for each
 * cipher suite ("TLS_AES_128_GCM_SHA256"). */
int cipher_profile_describe(const char *priority, cipher_profile_fn version,
			    cipher_profile_fn suite, void *arg, struct err *e);

#endif
