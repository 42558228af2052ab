/* remember.h - "Remember me on this computer" without the password: a
 * selector to find the token and a validator whose SHA-256 alone is stored.
 * Every use replaces the token; a validator that does not match its selector
 * (a stolen, already used token) ends all of the user's remembered logons. */
#ifndef WEBMSG_REMEMBER_H
#define WEBMSG_REMEMBER_H

#include <stddef.h>

#include "token.h"
#include "users.h"

struct db;
struct err;

#define REMEMBER_SELECTOR_BYTES 12
#define REMEMBER_VALIDATOR_BYTES 32
/* The cookie value: "selector:validator". */
#define REMEMBER_COOKIE_LEN (TOKEN_LEN(REMEMBER_SELECTOR_BYTES) + TOKEN_LEN(REMEMBER_VALIDATOR_BYTES))

/* A new token for address, valid for days; cookie gets "selector:validator". */
int remember_create(struct db *db, const char *address, int days, char *cookie, size_t len,
		    struct err *e);
/* Checks a cookie value. When it is good, *ok is 1, *user gets the address,
 * and the token gets a new validator (same selector) and a new lifetime of
 * days: fresh gets the new cookie value. An old validator of a live selector
 * means the cookie was copied: every remembered logon of the user ends. */
int remember_take(struct db *db, const char *cookie, int days, char *user, size_t userlen,
		  char *fresh, size_t freshlen, int *ok, struct err *e);
/* Ends the token of this cookie (logoff). */
int remember_forget(struct db *db, const char *cookie, struct err *e);

#endif
