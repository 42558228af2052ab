/* remember.c - remembered logons in the configuration database. */
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	char hash[65], norm[USER_ADDRESS_MAX];
	sqlite3_stmt *st;
	time_t now = time(NULL);

	if (user_address_normalize(address, norm, sizeof(norm), e) < 0 ||
	    token_random(selector, sizeof(selector), REMEMBER_SELECTOR_BYTES, e) < 0 ||
	    token_random(validator, sizeof(validator), REMEMBER_VALIDATOR_BYTES, e) < 0)
		return -1;
	token_sha256_hex(validator, hash);
	char *at = strrchr(norm, '@');
	*at = '\0';
	if (db_prepare(db, "INSERT INTO remember_tokens (selector, validator_hash, domain, name, "
			   "created, expires) VALUES (?, ?, ?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, selector, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at + 1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, norm, -1, SQLITE_STATIC);
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

int remember_take(struct db *db, const char *cookie, int days, char *user, size_t userlen,
		  char *fresh, size_t freshlen, int *ok, struct err *e)
{
	char selector[64], hash[65], stored[65] = "", domain[254] = "", name[65] = "";
	char validator_new[TOKEN_LEN(REMEMBER_VALIDATOR_BYTES)];
	const char *validator;
	sqlite3_stmt *st;
	long expires = 0;
	time_t now = time(NULL);

	*ok = 0;
	if (split(cookie, selector, sizeof(selector), &validator) < 0)
		return 0;
	if (db_begin(db, e) < 0)
		return -1;
	if (db_prepare(db, "SELECT validator_hash, domain, name, expires FROM remember_tokens "
			   "WHERE selector = ?", &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, selector, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(stored, sizeof(stored), "%s", sqlite3_column_text(st, 0));
		snprintf(domain, sizeof(domain), "%s", sqlite3_column_text(st, 1));
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 2));
		expires = (long)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(db, e, "cannot read remembered logons");
		goto fail;
	}
	if (rc == SQLITE_ROW) {
		token_sha256_hex(validator, hash);
		if (!token_equal(hash, stored)) {
			if (delete_where(db, "DELETE FROM remember_tokens WHERE domain = ? AND name = ?",
					 domain, name, e) < 0)
				goto fail;
		} else if (expires < (long)now) {
			if (delete_where(db, "DELETE FROM remember_tokens WHERE selector = ?", selector,
					 NULL, e) < 0)
				goto fail;
		} else {
			if (token_random(validator_new, sizeof(validator_new), REMEMBER_VALIDATOR_BYTES,
					 e) < 0)
				goto fail;
			token_sha256_hex(validator_new, hash);
			if (db_prepare(db, "UPDATE remember_tokens SET validator_hash = ?, expires = ? "
					   "WHERE selector = ?", &st, e) < 0)
				goto fail;
			sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now + (time_t)days * 86400);
			sqlite3_bind_text(st, 3, selector, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE) {
				db_error(db, e, "cannot update remembered logons");
				goto fail;
			}
			snprintf(user, userlen, "%s@%s", name, domain);
			snprintf(fresh, freshlen, "%s:%s", selector, validator_new);
			explicit_bzero(validator_new, sizeof(validator_new));
			*ok = 1;
		}
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
