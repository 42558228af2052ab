/* accounts.h - what the user and domain commands and the console's Domains
 * and Users screens share beyond users.h: the checks made before a password
 * is asked for, and the words for what was done. */
#ifndef WEBMSG_ADMIN_ACCOUNTS_H
#define WEBMSG_ADMIN_ACCOUNTS_H

#include <stddef.h>

struct db;
struct err;

/* Normalizes arg into address and checks, before any password is asked for,
 * that its domain exists and that the user exists (want 1) or not (want 0). */
int accounts_user_check(struct db *db, const char *arg, int want, char *address, size_t len,
			struct err *e);

/* Deletes a domain (with its users when force is set): text gets "deleted
 * domain example.org and its 2 users". */
int accounts_domain_del(struct db *db, const char *arg, int force, char *text, size_t len,
			struct err *e);

/* Ends the user's sessions and remembered logons: text gets "ended the
 * sessions and 2 remembered logon(s) of name@example.org". */
int accounts_user_revoke(struct db *db, const char *arg, char *text, size_t len,
			 struct err *e);

/* Turns the user's second factor (TOTP) off, with its recovery codes, and
 * ends the user's sessions and remembered logons; recorded in the system
 * log (auth facility) with who did it. text gets what was done. */
int accounts_user_totp_reset(struct db *db, const char *arg, char *text, size_t len,
			     struct err *e);

/* Removes the user's sessions from the session store beside the database,
 * so that nothing of them stays on disk (a new stamp or a deleted account has
 * already ended them on the running daemon). */
int accounts_end_sessions(struct db *db, const char *address, struct err *e);

#endif
