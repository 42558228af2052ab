/* totp_store.h - a user's second factor in the configuration database: the
 * sealed secret (totp.h seals and opens it), the one being enrolled, the last
 * time step used, and the hashed recovery codes. */
#ifndef WEBMSG_TOTP_STORE_H
#define WEBMSG_TOTP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "webmsg/totp.h"

struct db;
struct err;

struct totp_state {
	int exists;                        /* the user exists */
	char secret[TOTP_SEALED_LEN];      /* sealed; "" when TOTP is off */
	char pending[TOTP_SEALED_LEN];     /* sealed; "" when no enrolment is under way */
	int64_t last_step;
	long recovery_left;
};

int totp_store_get(struct db *db, const char *address, struct totp_state *s, struct err *e);
/* A new enrolment (replacing one under way); TOTP already on stays on. */
int totp_store_set_pending(struct db *db, const char *address, const char *sealed,
			   struct err *e);
/* The pending secret becomes the user's, step counts as used, and the
 * recovery codes are replaced by hashes, in one transaction; -1 when no
 * enrolment is under way (or it changed: the pending value differs). */
int totp_store_enable(struct db *db, const char *address, const char *pending, int64_t step,
		      char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN], struct err *e);
/* *ok is 1 when step is later than the last one used, which it becomes (a
 * single statement: two logons with the same code cannot both pass). */
int totp_store_use_step(struct db *db, const char *address, int64_t step, int *ok,
			struct err *e);
/* *ok is 1 when code is one of the user's unused recovery codes, which is
 * then used up. */
int totp_store_use_recovery(struct db *db, const char *address, const char *code, int *ok,
			    struct err *e);
/* *any is 1 when some user's second factor (a key, one being enrolled, or
 * recovery codes) is kept in this database: session.secret seals it. */
int totp_store_sealed(struct db *db, int *any, struct err *e);
/* TOTP off: secret, enrolment, last step and recovery codes gone; *was_on
 * (when not NULL) says whether it was on. */
int totp_store_clear(struct db *db, const char *address, int *was_on, struct err *e);

#endif
