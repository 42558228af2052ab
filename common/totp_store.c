/* totp_store.c - a user's TOTP state in the configuration database (the
 * users row and totp_recovery). Only sealed secrets and hashes are stored. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/totp_store.h"
#include "webmsg/users.h"

/* The row's key: the lower-case name and domain of a well-formed address. */
static int user_key(const char *address, char *name, size_t namelen, char *domain,
		    size_t domainlen, struct err *e)
{
	char norm[USER_ADDRESS_MAX];
	if (user_address_normalize(address, norm, sizeof(norm), e) < 0)
		return -1;
	char *at = strrchr(norm, '@');
	if (!at || snprintf(name, namelen, "%.*s", (int)(at - norm), norm) >= (int)namelen ||
	    snprintf(domain, domainlen, "%s", at + 1) >= (int)domainlen)
		return err_set(e, "'%s' is not a user ID", address);
	return 0;
}

static int col_copy(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return snprintf(out, len, "%s", v ? (const char *)v : "") < (int)len ? 0 : -1;
}

int totp_store_get(struct db *db, const char *address, struct totp_state *s, struct err *e)
{
	char name[65], domain[254];
	sqlite3_stmt *st;
	memset(s, 0, sizeof(*s));
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return 0; /* no such user */
	if (db_prepare(db, "SELECT totp_secret, totp_pending, totp_last_step, "
			   "(SELECT count(*) FROM totp_recovery r WHERE r.domain = u.domain AND "
			   "r.name = u.name) FROM users u WHERE domain = ? AND name = ?",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->exists = 1;
		if (col_copy(st, 0, s->secret, sizeof(s->secret)) < 0 ||
		    col_copy(st, 1, s->pending, sizeof(s->pending)) < 0)
			rc = SQLITE_CORRUPT;
		s->last_step = sqlite3_column_int64(st, 2);
		s->recovery_left = (long)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		memset(s, 0, sizeof(*s));
		return db_error(db, e, "cannot read the user's second factor");
	}
	return 0;
}

int totp_store_sealed(struct db *db, int *any, struct err *e)
{
	sqlite3_stmt *st;
	*any = 1; /* when it cannot be read, as if: nothing is replaced */
	if (db_prepare(db, "SELECT EXISTS (SELECT 1 FROM users WHERE totp_secret != '' OR "
			   "totp_pending != '') OR EXISTS (SELECT 1 FROM totp_recovery)",
		       &st, e) < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*any = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, e, "cannot read the users' second factors");
	return 0;
}

/* One statement with text parameters then (optionally) an integer; *changes
 * gets the rows it changed. */
static int run(struct db *db, const char *sql, const char *const *p, int n, int64_t *num,
	       int *changes, struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_STATIC);
	if (num)
		sqlite3_bind_int64(st, n + 1, *num);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot change the user's second factor");
	if (changes)
		*changes = sqlite3_changes(db_sqlite(db));
	return 0;
}

int totp_store_set_pending(struct db *db, const char *address, const char *sealed,
			   struct err *e)
{
	char name[65], domain[254];
	int changes = 0;
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return -1;
	const char *p[] = { sealed, domain, name };
	if (run(db, "UPDATE users SET totp_pending = ? WHERE domain = ? AND name = ?", p, 3, NULL,
		&changes, e) < 0)
		return -1;
	return changes ? 0 : err_set(e, "there is no user %s", address);
}

int totp_store_enable(struct db *db, const char *address, const char *pending, int64_t step,
		      char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN], struct err *e)
{
	char name[65], domain[254];
	int changes = 0;
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    db_begin(db, e) < 0)
		return -1;
	const char *p[] = { domain, name, pending };
	if (run(db, "UPDATE users SET totp_secret = totp_pending, totp_pending = '', "
		    "totp_last_step = ?4 WHERE domain = ?1 AND name = ?2 AND totp_pending = ?3 AND "
		    "totp_pending != ''",
		p, 3, &step, &changes, e) < 0)
		goto fail;
	if (changes == 0) {
		err_set(e, "no enrolment is under way (it was started again elsewhere)");
		goto fail;
	}
	if (run(db, "DELETE FROM totp_recovery WHERE domain = ? AND name = ?", p, 2, NULL, NULL,
		e) < 0)
		goto fail;
	for (int i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		const char *q[] = { domain, name, hashes[i] };
		if (run(db, "INSERT INTO totp_recovery (domain, name, hash) VALUES (?, ?, ?)", q, 3,
			NULL, NULL, e) < 0)
			goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int totp_store_use_step(struct db *db, const char *address, int64_t step, int *ok,
			struct err *e)
{
	char name[65], domain[254];
	int changes = 0;
	*ok = 0;
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return -1;
	const char *p[] = { domain, name };
	if (run(db, "UPDATE users SET totp_last_step = ?3 WHERE domain = ?1 AND name = ?2 AND "
		    "totp_last_step < ?3",
		p, 2, &step, &changes, e) < 0)
		return -1;
	*ok = changes == 1;
	return 0;
}

int totp_store_use_recovery(struct db *db, const char *address, const char *code, int *ok,
			    struct err *e)
{
	char name[65], domain[254];
	sqlite3_stmt *st;
	int64_t found = -1;
	*ok = 0;
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return -1;
	if (db_prepare(db, "SELECT rowid, hash FROM totp_recovery WHERE domain = ? AND name = ?",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc;
	/* Every stored code is checked, so the time does not say which matched. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 1);
		if (h && totp_recovery_check(code, (const char *)h) && found < 0)
			found = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot read recovery codes");
	if (found < 0)
		return 0;
	int changes = 0;
	if (run(db, "DELETE FROM totp_recovery WHERE rowid = ?1", NULL, 0, &found, &changes, e) < 0)
		return -1;
	*ok = changes == 1; /* a parallel use of the same code deleted it first */
	return 0;
}

int totp_store_clear(struct db *db, const char *address, int *was_on, struct err *e)
{
	char name[65], domain[254];
	struct totp_state s;
	if (user_key(address, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    db_begin(db, e) < 0)
		return -1;
	if (totp_store_get(db, address, &s, e) < 0)
		goto fail;
	if (!s.exists) {
		err_set(e, "there is no user %s", address);
		goto fail;
	}
	const char *p[] = { domain, name };
	if (run(db, "UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0 "
		    "WHERE domain = ? AND name = ?",
		p, 2, NULL, NULL, e) < 0 ||
	    run(db, "DELETE FROM totp_recovery WHERE domain = ? AND name = ?", p, 2, NULL, NULL,
		e) < 0)
		goto fail;
	if (was_on)
		*was_on = s.secret[0] != '\0';
	OPENSSL_cleanse(&s, sizeof(s));
	return db_commit(db, e);
fail:
	OPENSSL_cleanse(&s, sizeof(s));
	db_rollback(db);
	return -1;
}
