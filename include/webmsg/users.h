/* users.h - mail domains and their users (name@domain), with Argon2id
 * password hashes. */
#ifndef WEBMSG_USERS_H
#define WEBMSG_USERS_H

#include <stddef.h>

#include "webmsg/token.h"

struct db;
struct err;

#define USER_ADDRESS_MAX 320
/* A user's session stamp: random, renewed whenever the user's sessions must end. */
#define USER_STAMP_BYTES 16
#define USER_STAMP_LEN TOKEN_LEN(USER_STAMP_BYTES)

int domain_add(struct db *db, const char *name, struct err *e);
/* Refuses a domain that still has users unless force is set, then removes them too. */
int domain_del(struct db *db, const char *name, int force, struct err *e);
typedef int (*domain_list_fn)(const char *name, long users, void *arg);
int domain_list(struct db *db, domain_list_fn fn, void *arg, struct err *e);
int domain_exists(struct db *db, const char *name, int *exists, struct err *e);

/* A domain's second-factor policy: "inherit" (login.totp decides), "off",
 * "optional" or "required", as stored. */
#define DOMAIN_TOTP_MAX 16
extern const char *const domain_totp_choices[]; /* NULL-terminated */
int domain_totp_get(struct db *db, const char *domain, char *policy, size_t len, struct err *e);
int domain_totp_set(struct db *db, const char *domain, const char *policy, struct err *e);
/* How many users of domain have a second factor turned on. */
int domain_totp_enrolled(struct db *db, const char *domain, long *count, struct err *e);
/* The policy that applies to user (name@domain): the domain's own, or
 * global (login.totp's value) when the domain inherits it or is unknown. */
int user_totp_policy(struct db *db, const char *address, const char *global, char *policy,
		     size_t len, struct err *e);

/* *exists is 1 when name@domain is a user here (an address that is not
 * well formed is no user). */
int user_exists(struct db *db, const char *address, int *exists, struct err *e);

/* address is name@domain; the domain must exist. Names are stored in lower case. */
int user_add(struct db *db, const char *address, const char *password, struct err *e);
/* The user's sessions end with the user (their stamp is gone). */
int user_del(struct db *db, const char *address, struct err *e);
/* Also ends the user's remembered logons and sessions (a new stamp). */
int user_set_password(struct db *db, const char *address, const char *password, struct err *e);
typedef int (*user_list_fn)(const char *address, const char *created, void *arg);
/* domain NULL: all users. */
int user_list(struct db *db, const char *domain, user_list_fn fn, void *arg, struct err *e);
/* *ok is 1 only for an existing user with that password. Takes as long for an
 * unknown user as for a wrong password. */
int user_verify(struct db *db, const char *address, const char *password, int *ok,
		struct err *e);

/* Ends every session of the user (a new stamp); *count gets 0. Remembered
 * logons live in the session store: session_store_end_user ends them. */
int user_revoke(struct db *db, const char *address, long *count, struct err *e);

/* The stamp the user's sessions must carry to stay valid; *exists is 0 (and
 * stamp "") for no such user. */
int user_session_stamp(struct db *db, const char *address, char *stamp, size_t len, int *exists,
		       struct err *e);

/* The stored hash of a user's password; *exists is 0 (and hash "") for no such
 * user. For checking a password without holding the database meanwhile. */
int user_password_hash(struct db *db, const char *address, char *hash, size_t len, int *exists,
		       struct err *e);

/* Checks and lower-cases "name@domain" into out. */
int user_address_normalize(const char *address, char *out, size_t outlen, struct err *e);
int domain_name_normalize(const char *name, char *out, size_t outlen, struct err *e);

#endif
