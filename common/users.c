/* users.c - mail domains and users in the configuration database. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "webmsg/address.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/password.h"
#include "webmsg/token.h"
#include "webmsg/users.h"

static void now_iso(char *out, size_t outlen)
{
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int domain_name_normalize(const char *name, char *out, size_t outlen, struct err *e)
{
	size_t len = strlen(name), label = 0;
	if (len == 0 || len > 253 || len >= outlen)
		return err_set(e, "'%s' is not a domain name", name);
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				return err_set(e, "'%s' is not a domain name", name);
			label = 0;
		} else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
			label++;
		} else {
			return err_set(e, "'%s' is not a domain name (letters, digits, '-' and '.')",
				       name);
		}
		out[i] = (char)tolower((unsigned char)c);
	}
	return 0;
}

/* Splits and checks name@domain into lower-case parts. */
static int split_address(const char *address, char *name, size_t namelen, char *domain,
			 size_t domainlen, struct err *e)
{
	char local[65], raw_domain[256];
	if (namelen < sizeof(local) ||
	    address_split(address, local, sizeof(local), raw_domain, sizeof(raw_domain), NULL) < 0)
		return err_set(e, "'%s' is not a user ID of the form name@domain", address);
	size_t n = strlen(local);
	for (size_t i = 0; i < n; i++) {
		char c = local[i];
		if (!isalnum((unsigned char)c) && !strchr("._-+", c))
			return err_set(e, "'%s': a user name has letters, digits and . _ - + only",
				       address);
		name[i] = (char)tolower((unsigned char)c);
	}
	name[n] = '\0';
	if (name[0] == '.' || name[n - 1] == '.')
		return err_set(e, "'%s': a user name neither starts nor ends with a dot", address);
	return domain_name_normalize(raw_domain, domain, domainlen, e);
}

int user_address_normalize(const char *address, char *out, size_t outlen, struct err *e)
{
	char name[65], domain[254];
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return -1;
	if (snprintf(out, outlen, "%s@%s", name, domain) >= (int)outlen)
		return err_set(e, "user ID too long");
	return 0;
}

/* Runs one statement with text parameters; *changes gets the rows it changed. */
static int run(struct db *db, const char *sql, const char *const *params, int nparams,
	       int *changes, const char *what, struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	for (int i = 0; i < nparams; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(db, e, what);
	if (changes)
		*changes = sqlite3_changes(db_sqlite(db));
	return 0;
}

int domain_exists(struct db *db, const char *name, int *exists, struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, "SELECT 1 FROM domains WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read domains");
	*exists = rc == SQLITE_ROW;
	return 0;
}

const char *const domain_totp_choices[] = { "inherit", "off", "optional", "required", NULL };

int domain_totp_get(struct db *db, const char *domain, char *policy, size_t len,
		    struct err *e)
{
	char norm[254];
	sqlite3_stmt *st;
	if (domain_name_normalize(domain, norm, sizeof(norm), e) < 0 ||
	    db_prepare(db, "SELECT totp_policy FROM domains WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(policy, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return err_set(e, "there is no domain %s", norm);
	if (rc != SQLITE_ROW)
		return db_error(db, e, "cannot read domains");
	return 0;
}

int domain_totp_set(struct db *db, const char *domain, const char *policy, struct err *e)
{
	char norm[254];
	int changes = 0, known = 0;
	for (int i = 0; domain_totp_choices[i]; i++)
		known |= strcmp(policy, domain_totp_choices[i]) == 0;
	if (!known)
		return err_set(e, "'%s' is not a TOTP policy (inherit, off, optional or required)",
			       policy);
	if (domain_name_normalize(domain, norm, sizeof(norm), e) < 0)
		return -1;
	const char *p[] = { policy, norm };
	if (run(db, "UPDATE domains SET totp_policy = ? WHERE name = ?", p, 2, &changes,
		"cannot change the domain", e) < 0)
		return -1;
	if (changes == 0)
		return err_set(e, "there is no domain %s", norm);
	return 0;
}

int domain_totp_enrolled(struct db *db, const char *domain, long *count, struct err *e)
{
	char norm[254];
	sqlite3_stmt *st;
	if (domain_name_normalize(domain, norm, sizeof(norm), e) < 0 ||
	    db_prepare(db, "SELECT count(*) FROM users WHERE domain = ? AND totp_secret != ''", &st,
		       e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, e, "cannot read users");
	return 0;
}

int user_totp_policy(struct db *db, const char *address, const char *global, char *policy,
		     size_t len, struct err *e)
{
	char name[65], domain[254], own[DOMAIN_TOTP_MAX] = "inherit";
	sqlite3_stmt *st;
	snprintf(policy, len, "%s", global);
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), NULL) < 0)
		return 0; /* no such user: the global policy, as for anyone unknown */
	if (db_prepare(db, "SELECT totp_policy FROM domains WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(own, sizeof(own), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read domains");
	if (strcmp(own, "inherit") != 0)
		snprintf(policy, len, "%s", own);
	return 0;
}

int domain_add(struct db *db, const char *name, struct err *e)
{
	char domain[254], at[32];
	int changes;
	if (domain_name_normalize(name, domain, sizeof(domain), e) < 0)
		return -1;
	now_iso(at, sizeof(at));
	const char *p[] = { domain, at };
	if (run(db, "INSERT INTO domains (name, created) VALUES (?, ?) ON CONFLICT DO NOTHING", p,
		2, &changes, "cannot add the domain", e) < 0)
		return -1;
	if (changes == 0)
		return err_set(e, "domain %s already exists", domain);
	return 0;
}

int domain_del(struct db *db, const char *name, int force, struct err *e)
{
	char domain[254];
	sqlite3_stmt *st;
	int changes;
	long users = 0;

	if (domain_name_normalize(name, domain, sizeof(domain), e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	if (db_prepare(db, "SELECT count(*) FROM users WHERE domain = ?", &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		users = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (users > 0 && !force) {
		err_set(e, "domain %s still has %ld user%s; delete them first or use --force",
			domain, users, users == 1 ? "" : "s");
		goto fail;
	}
	const char *p[] = { domain };
	if (run(db, "DELETE FROM domains WHERE name = ?", p, 1, &changes, "cannot delete the domain",
		e) < 0)
		goto fail;
	if (changes == 0) {
		err_set(e, "there is no domain %s", domain);
		goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int domain_list(struct db *db, domain_list_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	int rc;
	if (db_prepare(db, "SELECT d.name, (SELECT count(*) FROM users u WHERE u.domain = d.name) "
			   "FROM domains d ORDER BY d.name", &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), arg)) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot read domains");
	return 0;
}

int user_add(struct db *db, const char *address, const char *password, struct err *e)
{
	char name[65], domain[254], hash[PASSWORD_HASH_MAX], at[32], stamp[USER_STAMP_LEN];
	int exists, changes;

	if (split_address(address, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    password_acceptable(password, e) < 0 || domain_exists(db, domain, &exists, e) < 0)
		return -1;
	if (!exists)
		return err_set(e, "there is no domain %s; add it first (webmsg-admin domain add %s)",
			       domain, domain);
	if (password_hash(password, hash, sizeof(hash), e) < 0 ||
	    token_random(stamp, sizeof(stamp), USER_STAMP_BYTES, e) < 0)
		return -1;
	now_iso(at, sizeof(at));
	/* A new stamp: sessions of an earlier user of the same name never come back. */
	const char *p[] = { domain, name, hash, at, stamp };
	if (run(db, "INSERT INTO users (domain, name, password_hash, created, password_changed, "
		    "session_stamp) VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT DO NOTHING",
		p, 5, &changes, "cannot add the user", e) < 0)
		return -1;
	if (changes == 0)
		return err_set(e, "user %s@%s already exists", name, domain);
	return 0;
}

int user_del(struct db *db, const char *address, struct err *e)
{
	char name[65], domain[254];
	int changes;
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), e) < 0)
		return -1;
	const char *p[] = { domain, name };
	if (run(db, "DELETE FROM users WHERE domain = ? AND name = ?", p, 2, &changes,
		"cannot delete the user", e) < 0)
		return -1;
	if (changes == 0)
		return err_set(e, "there is no user %s@%s", name, domain);
	return 0;
}

/* Runs update on the user's row. Remembered logons are not here: they live
 * in the session store, ended there by the caller (session_store_end_user);
 * *forgotten (when asked) gets 0. */
static int update_and_forget(struct db *db, const char *update, const char *const *params,
			     int nparams, const char *domain, const char *name, const char *what,
			     long *forgotten, struct err *e)
{
	int found;
	if (db_begin(db, e) < 0)
		return -1;
	if (run(db, update, params, nparams, &found, what, e) < 0)
		goto fail;
	if (found == 0) {
		err_set(e, "there is no user %s@%s", name, domain);
		goto fail;
	}
	if (forgotten)
		*forgotten = 0;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int user_set_password(struct db *db, const char *address, const char *password, struct err *e)
{
	char name[65], domain[254], hash[PASSWORD_HASH_MAX], at[32], stamp[USER_STAMP_LEN];
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    password_acceptable(password, e) < 0 ||
	    password_hash(password, hash, sizeof(hash), e) < 0 ||
	    token_random(stamp, sizeof(stamp), USER_STAMP_BYTES, e) < 0)
		return -1;
	now_iso(at, sizeof(at));
	const char *p[] = { hash, at, stamp, domain, name };
	/* A new password ends every session (the stamp); remembered logons end in the
	 * session store. */
	return update_and_forget(db, "UPDATE users SET password_hash = ?, password_changed = ?, "
				     "session_stamp = ? WHERE domain = ? AND name = ?",
				 p, 5, domain, name, "cannot change the password", NULL, e);
}

int user_revoke(struct db *db, const char *address, long *count, struct err *e)
{
	char name[65], domain[254], stamp[USER_STAMP_LEN];
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), e) < 0 ||
	    token_random(stamp, sizeof(stamp), USER_STAMP_BYTES, e) < 0)
		return -1;
	const char *p[] = { stamp, domain, name };
	return update_and_forget(db, "UPDATE users SET session_stamp = ? WHERE domain = ? AND name = ?",
				 p, 3, domain, name, "cannot end the user's sessions", count, e);
}

int user_list(struct db *db, const char *domain, user_list_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	char dom[254], address[USER_ADDRESS_MAX];
	int rc;
	if (domain && domain_name_normalize(domain, dom, sizeof(dom), e) < 0)
		return -1;
	if (db_prepare(db, "SELECT name, domain, created FROM users WHERE ?1 IS NULL OR domain = ?1 "
			   "ORDER BY domain, name", &st, e) < 0)
		return -1;
	if (domain)
		sqlite3_bind_text(st, 1, dom, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(address, sizeof(address), "%s@%s", sqlite3_column_text(st, 0),
			 sqlite3_column_text(st, 1));
		if (fn(address, (const char *)sqlite3_column_text(st, 2), arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot read users");
	return 0;
}

int user_exists(struct db *db, const char *address, int *exists, struct err *e)
{
	char name[65], domain[254];
	sqlite3_stmt *st;
	*exists = 0;
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), NULL) < 0)
		return 0;
	if (db_prepare(db, "SELECT 1 FROM users WHERE domain = ? AND name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read users");
	*exists = rc == SQLITE_ROW;
	return 0;
}

/* One text column of a user's row; *exists is 0 (and out "") for no such user. */
static int user_column(struct db *db, const char *sql, const char *address, char *out, size_t len,
		       int *exists, struct err *e)
{
	char name[65], domain[254];
	sqlite3_stmt *st;
	*exists = 0;
	out[0] = '\0';
	if (split_address(address, name, sizeof(name), domain, sizeof(domain), NULL) < 0)
		return 0;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
		*exists = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read users");
	return 0;
}

int user_password_hash(struct db *db, const char *address, char *hash, size_t len, int *exists,
		       struct err *e)
{
	return user_column(db, "SELECT password_hash FROM users WHERE domain = ? AND name = ?",
			   address, hash, len, exists, e);
}

int user_session_stamp(struct db *db, const char *address, char *stamp, size_t len, int *exists,
		       struct err *e)
{
	return user_column(db, "SELECT session_stamp FROM users WHERE domain = ? AND name = ?",
			   address, stamp, len, exists, e);
}

int user_verify(struct db *db, const char *address, const char *password, int *ok, struct err *e)
{
	char hash[PASSWORD_HASH_MAX];
	int exists;
	*ok = 0;
	if (user_password_hash(db, address, hash, sizeof(hash), &exists, e) < 0)
		return -1;
	if (!exists) {
		password_verify_dummy(password);
		return 0;
	}
	*ok = password_verify(hash, password) == 1;
	return 0;
}
