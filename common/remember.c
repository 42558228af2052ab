/* remember.c - remembered logons in the configuration database. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "webmsg/address.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/remember.h"

/* Splits "selector:validator" after checking both halves' form. */
static int split(const char *cookie, char *selector, size_t sellen, const char **validator)
{
	const char *colon = strchr(cookie, ':');
	size_t n = colon ? (size_t)(colon - cookie) : 0;
	if (!colon || n == 0 || n >= sellen)
		return -1;
	memcpy(selector, cookie, n);
	selector[n] = '\0';
	*validator = colon + 1;
	if (!token_well_formed(selector, n, n) ||
	    !token_well_formed(*validator, TOKEN_CHARS(REMEMBER_VALIDATOR_BYTES),
			       TOKEN_CHARS(REMEMBER_VALIDATOR_BYTES)))
		return -1;
	return 0;
}

int remember_create(struct db *db, const char *address, int days, char *cookie, size_t len,
		    struct err *e)
{
	char selector[TOKEN_LEN(REMEMBER_SELECTOR_BYTES)], validator[TOKEN_LEN(REMEMBER_VALIDATOR_BYTES)];
	char hash[65], norm[USER_ADDRESS_MAX], name[USER_ADDRESS_MAX], domain[USER_ADDRESS_MAX];
	sqlite3_stmt *st;
	time_t now = time(NULL);

	if (user_address_normalize(address, norm, sizeof(norm), e) < 0 ||
	    address_split(norm, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    token_random(selector, sizeof(selector), REMEMBER_SELECTOR_BYTES, e) < 0 ||
	    token_random(validator, sizeof(validator), REMEMBER_VALIDATOR_BYTES, e) < 0)
		return -1;
	token_sha256_hex(validator, hash);
	if (db_prepare(db, "INSERT INTO remember_tokens (selector, validator_hash, domain, name, "
			   "created, expires) VALUES (?, ?, ?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, selector, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now + (time_t)days * 86400);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot remember the logon");
	snprintf(cookie, len, "%s:%s", selector, validator);
	explicit_bzero(validator, sizeof(validator));
	return 0;
}

static int delete_where(struct db *db, const char *sql, const char *a, const char *b,
			struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(db, e, "cannot update remembered logons");
}

/* Gives the token a new validator and lifetime; the one it replaces stays
 * usable for REMEMBER_GRACE_SECONDS. fresh gets the new cookie value. */
static int rotate(struct db *db, const char *selector, const char *replaced, int days, time_t now,
		  char *fresh, size_t freshlen, struct err *e)
{
	char validator[TOKEN_LEN(REMEMBER_VALIDATOR_BYTES)], hash[65];
	sqlite3_stmt *st;
	if (token_random(validator, sizeof(validator), REMEMBER_VALIDATOR_BYTES, e) < 0)
		return -1;
	token_sha256_hex(validator, hash);
	if (db_prepare(db, "UPDATE remember_tokens SET validator_hash = ?, previous_hash = ?, "
			   "rotated_at = ?, expires = ? WHERE selector = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, replaced, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + (time_t)days * 86400);
	sqlite3_bind_text(st, 5, selector, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot update remembered logons");
	snprintf(fresh, freshlen, "%s:%s", selector, validator);
	explicit_bzero(validator, sizeof(validator));
	return 0;
}

int remember_take(struct db *db, const char *cookie, int days, char *user, size_t userlen,
		  char *fresh, size_t freshlen, enum remember_result *result, struct err *e)
{
	char selector[64], hash[65], stored[65] = "", previous[65] = "", domain[254] = "",
							   name[65] = "";
	const char *validator;
	sqlite3_stmt *st;
	long expires = 0, rotated_at = 0;
	time_t now = time(NULL);

	*result = REMEMBER_UNKNOWN;
	if (split(cookie, selector, sizeof(selector), &validator) < 0)
		return 0;
	if (db_begin(db, e) < 0)
		return -1;
	if (db_prepare(db, "SELECT validator_hash, previous_hash, rotated_at, domain, name, expires "
			   "FROM remember_tokens WHERE selector = ?", &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, selector, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(stored, sizeof(stored), "%s", sqlite3_column_text(st, 0));
		snprintf(previous, sizeof(previous), "%s", sqlite3_column_text(st, 1));
		rotated_at = (long)sqlite3_column_int64(st, 2);
		snprintf(domain, sizeof(domain), "%s", sqlite3_column_text(st, 3));
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 4));
		expires = (long)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(db, e, "cannot read remembered logons");
		goto fail;
	}
	if (rc == SQLITE_DONE)
		return db_commit(db, e);
	snprintf(user, userlen, "%s@%s", name, domain);
	token_sha256_hex(validator, hash);
	int current = token_equal(hash, stored);
	int recent = previous[0] && token_equal(hash, previous) &&
		     (long)now - rotated_at <= REMEMBER_GRACE_SECONDS;
	if (expires < (long)now) {
		*result = REMEMBER_EXPIRED;
		if (delete_where(db, "DELETE FROM remember_tokens WHERE selector = ?", selector, NULL,
				 e) < 0)
			goto fail;
	} else if (current || recent) {
		/* A validator just replaced (a second tab resuming at the same time)
		 * gets a new one too; the one before it is no longer accepted. */
		if (rotate(db, selector, stored, days, now, fresh, freshlen, e) < 0)
			goto fail;
		*result = REMEMBER_OK;
	} else {
		*result = REMEMBER_COPIED;
		if (delete_where(db, "DELETE FROM remember_tokens WHERE domain = ? AND name = ?",
				 domain, name, e) < 0)
			goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int remember_forget(struct db *db, const char *cookie, struct err *e)
{
	char selector[64];
	const char *validator;
	if (split(cookie, selector, sizeof(selector), &validator) < 0)
		return 0;
	return delete_where(db, "DELETE FROM remember_tokens WHERE selector = ?", selector, NULL, e);
}
