/* remember.h - "Remember me on this computer" without the password: a
 * selector to find the token and a validator whose SHA-256 alone is stored.
 * Every use replaces the validator; one that does not match its selector (a
 * stolen, already used token) ends all of the user's remembered logons.
 *
 * The tokens live in the session store (session_store.h), on its keys with
 * an expiry, so a restart keeps them and a shared store shares them:
 *   remember:t:SELECTOR  "created expires rotated_at hash previous [totp ]user"
 *                        (previous "-" when none; "totp " when made after a
 *                        second factor), expiring with the token;
 *   remember:u:USER      the user's selectors, to end them all;
 *   remember:l:USER      a short lock (INCR): one change of a user's tokens
 *                        at a time, so two tabs resuming at once both rotate
 *                        and neither looks like a copied cookie. */
#ifndef WEBMSG_REMEMBER_H
#define WEBMSG_REMEMBER_H

#include <stddef.h>

#include "token.h"
#include "users.h"

struct db;
struct err;
struct session_store;

#define REMEMBER_SELECTOR_BYTES 12
#define REMEMBER_VALIDATOR_BYTES 32
/* The cookie value: "selector:validator". */
#define REMEMBER_COOKIE_LEN (TOKEN_LEN(REMEMBER_SELECTOR_BYTES) + TOKEN_LEN(REMEMBER_VALIDATOR_BYTES))
/* Remembered logons one user can have; a new one ends the oldest. */
#define REMEMBER_PER_USER 32

/* A new token for address, valid for days; cookie gets "selector:validator".
 * second_factor: the logon it remembers passed a second factor (TOTP), so
 * resuming it may skip the code where the policy allows (remember_take says). */
int remember_create(struct session_store *st, const char *address, int days,
		    int second_factor, char *cookie, size_t len, struct err *e);
/* How long the validator a token had before its last use still works: two
 * tabs of a browser that restarted resume at the same time with the same cookie. */
#define REMEMBER_GRACE_SECONDS 60

enum remember_result {
	REMEMBER_UNKNOWN, /* no such token (or not a token at all) */
	REMEMBER_EXPIRED, /* too old: ended */
	REMEMBER_OK,	  /* good: the user's logon, and fresh has the new cookie value */
	REMEMBER_COPIED,  /* an old validator: the cookie was copied, every remembered
			     logon of the user ended */
};

/* Checks a cookie value. When it is good, *user gets the address, the token
 * gets a new validator (same selector) and a new lifetime of days: fresh gets
 * the new cookie value, and *second_factor whether the token was made after
 * a second factor (0 for tokens from before there was one). *user is also
 * set for REMEMBER_EXPIRED and REMEMBER_COPIED, for the log. */
int remember_take(struct session_store *st, const char *cookie, int days, char *user,
		  size_t userlen, int *second_factor, char *fresh, size_t freshlen,
		  enum remember_result *result, struct err *e);
/* Ends the token of this cookie (logoff). */
int remember_forget(struct session_store *st, const char *cookie, struct err *e);
/* Ends every remembered logon of user (normalized address); *count (may be
 * NULL) gets how many were live. */
int remember_end_user(struct session_store *st, const char *user, long *count, struct err *e);

/* The upgrade from a version that kept the tokens in the configuration
 * database: copies the rows of its remember_tokens table (when there is one
 * with rows) into the session store beside it, tokens that are there already
 * replaced by the same values. Called inside the migration that drops the
 * table, before it: a failure fails the migration and nothing is lost. */
int remember_move_from_db(struct db *db, struct err *e);

#endif
