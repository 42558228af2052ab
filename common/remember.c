/* remember.c - remembered logons on the session store's keys with an expiry
 * (the key layout is in remember.h). Every change of a user's tokens holds
 * the user's lock, so a check-and-rotate is one step for every process that
 * shares the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/remember.h"
#include "webmsg/session_store.h"

#define KEY_MAX (USER_ADDRESS_MAX + 32)
/* A token's value: three times, two hashes and the user. */
#define VALUE_MAX (3 * 24 + 2 * 65 + USER_ADDRESS_MAX + 8 + VALUE_WORDS_MAX)
/* The user's list of selectors. */
#define LIST_MAX (REMEMBER_PER_USER * TOKEN_LEN(REMEMBER_SELECTOR_BYTES) + 1)
/* The longest a token can live (login.remember_days at most 365): the list
 * of selectors outlives every token in it. */
#define LIST_TTL (366L * 86400)
#define LOCK_TTL 10          /* seconds: a holder that died frees the lock by then */
#define LOCK_TRIES 200       /* of LOCK_PAUSE_NS: two seconds */
#define LOCK_PAUSE_NS 10000000L

struct token {
	long long created, expires, rotated_at;
	char hash[65], previous[65];
	int second_factor; /* made after a second factor (stored as SECOND_FACTOR_WORD) */
	char user[USER_ADDRESS_MAX];
};

/* The word before the user in a token made after a second factor; never a
 * user (no '@'), and absent from tokens made before there was one. */
#define SECOND_FACTOR_WORD "totp "
#define VALUE_WORDS_MAX 8

static void key_of(char *out, size_t len, char kind, const char *what)
{
	snprintf(out, len, "remember:%c:%s", kind, what);
}

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

/* 0 and *t, SESSION_STORE_NONE (also for a value that is not a token), -1. */
static int token_load(struct session_store *st, const char *selector, struct token *t,
		      struct err *e)
{
	char key[KEY_MAX], value[VALUE_MAX];
	int used = 0;
	key_of(key, sizeof(key), 't', selector);
	int rc = session_store_kv_get(st, key, value, sizeof(value), e);
	if (rc != 0)
		return rc;
	memset(t, 0, sizeof(*t));
	if (sscanf(value, "%lld %lld %lld %64s %64s %n", &t->created, &t->expires, &t->rotated_at,
		   t->hash, t->previous, &used) != 5 ||
	    !value[used])
		return SESSION_STORE_NONE;
	if (strncmp(value + used, SECOND_FACTOR_WORD, strlen(SECOND_FACTOR_WORD)) == 0) {
		t->second_factor = 1;
		used += (int)strlen(SECOND_FACTOR_WORD);
	}
	if (!value[used] || strlen(value + used) >= sizeof(t->user))
		return SESSION_STORE_NONE;
	snprintf(t->user, sizeof(t->user), "%s", value + used);
	if (strcmp(t->previous, "-") == 0)
		t->previous[0] = '\0';
	return 0;
}

static int token_store(struct session_store *st, const char *selector, const struct token *t,
		       time_t now, struct err *e)
{
	char key[KEY_MAX], value[VALUE_MAX];
	int n = snprintf(value, sizeof(value), "%lld %lld %lld %s %s %s%s", t->created, t->expires,
			 t->rotated_at, t->hash, t->previous[0] ? t->previous : "-",
			 t->second_factor ? SECOND_FACTOR_WORD : "", t->user);
	if (n < 0 || (size_t)n >= sizeof(value))
		return err_set(e, "remembered logon too long to store");
	if (t->expires <= (long long)now)
		return 0; /* ended already: nothing to keep */
	key_of(key, sizeof(key), 't', selector);
	return session_store_kv_set(st, key, value, (long)(t->expires - (long long)now), e);
}

/* The user's lock: 0 when held, -1 when another holds it too long. */
static int lock_user(struct session_store *st, const char *user, struct err *e)
{
	char key[KEY_MAX];
	long long v = 0;
	key_of(key, sizeof(key), 'l', user);
	for (int i = 0; i < LOCK_TRIES; i++) {
		if (session_store_kv_incr(st, key, LOCK_TTL, &v, e) < 0)
			return -1;
		if (v == 1)
			return 0;
		struct timespec pause = { 0, LOCK_PAUSE_NS };
		nanosleep(&pause, NULL);
	}
	return err_set(e, "the remembered logons of %s are busy", user);
}

static void unlock_user(struct session_store *st, const char *user)
{
	char key[KEY_MAX];
	struct err ignored;
	key_of(key, sizeof(key), 'l', user);
	/* Left behind, it ends by itself after LOCK_TTL. */
	session_store_kv_del(st, key, NULL, &ignored);
}

/* Locked. Ends every token in the user's list; *count gets the live ones. */
static int end_user_locked(struct session_store *st, const char *user, long *count,
			   struct err *e)
{
	char key[KEY_MAX], list[LIST_MAX] = "";
	long n = 0;
	key_of(key, sizeof(key), 'u', user);
	int rc = session_store_kv_get(st, key, list, sizeof(list), e);
	if (rc < 0)
		return -1;
	for (char *sel = list, *next; rc == 0 && *sel; sel = next) {
		char tkey[KEY_MAX];
		long gone = 0;
		next = sel + strcspn(sel, " ");
		if (*next)
			*next++ = '\0';
		key_of(tkey, sizeof(tkey), 't', sel);
		if (session_store_kv_del(st, tkey, &gone, e) < 0)
			return -1;
		n += gone;
	}
	if (session_store_kv_del(st, key, NULL, e) < 0)
		return -1;
	if (count)
		*count = n;
	return 0;
}

/* Locked. Adds selector to the user's list, leaving out tokens that are
 * gone; past REMEMBER_PER_USER the oldest token ends. */
static int list_add_locked(struct session_store *st, const char *user, const char *selector,
			   struct err *e)
{
	char key[KEY_MAX], list[LIST_MAX] = "", kept[LIST_MAX] = "";
	const char *live[REMEMBER_PER_USER + 1];
	size_t nlive = 0, used = 0;
	key_of(key, sizeof(key), 'u', user);
	if (session_store_kv_get(st, key, list, sizeof(list), e) < 0)
		return -1;
	for (char *sel = list, *next; *sel; sel = next) {
		struct token t;
		next = sel + strcspn(sel, " ");
		if (*next)
			*next++ = '\0';
		if (strcmp(sel, selector) == 0)
			continue;
		int rc = token_load(st, sel, &t, e);
		if (rc < 0)
			return -1;
		if (rc == 0 && nlive < REMEMBER_PER_USER)
			live[nlive++] = sel;
	}
	live[nlive++] = selector;
	size_t first = nlive > REMEMBER_PER_USER ? nlive - REMEMBER_PER_USER : 0;
	for (size_t i = 0; i < first; i++) {
		char tkey[KEY_MAX];
		key_of(tkey, sizeof(tkey), 't', live[i]);
		if (session_store_kv_del(st, tkey, NULL, e) < 0)
			return -1;
	}
	for (size_t i = first; i < nlive; i++) {
		int n = snprintf(kept + used, sizeof(kept) - used, "%s%s", used ? " " : "", live[i]);
		if (n < 0 || (size_t)n >= sizeof(kept) - used)
			return err_set(e, "too many remembered logons of %s", user);
		used += (size_t)n;
	}
	return session_store_kv_set(st, key, kept, LIST_TTL, e);
}

/* Stores a token of t->user under selector and lists it, under the lock. */
static int token_add(struct session_store *st, const char *selector, const struct token *t,
		     time_t now, struct err *e)
{
	if (lock_user(st, t->user, e) < 0)
		return -1;
	int rc = list_add_locked(st, t->user, selector, e);
	if (rc == 0)
		rc = token_store(st, selector, t, now, e);
	unlock_user(st, t->user);
	return rc;
}

int remember_create(struct session_store *st, const char *address, int days,
		    int second_factor, char *cookie, size_t len, struct err *e)
{
	char selector[TOKEN_LEN(REMEMBER_SELECTOR_BYTES)], validator[TOKEN_LEN(REMEMBER_VALIDATOR_BYTES)];
	struct token t = { 0 };
	time_t now = time(NULL);

	if (user_address_normalize(address, t.user, sizeof(t.user), e) < 0 ||
	    token_random(selector, sizeof(selector), REMEMBER_SELECTOR_BYTES, e) < 0 ||
	    token_random(validator, sizeof(validator), REMEMBER_VALIDATOR_BYTES, e) < 0)
		return -1;
	if (strlen(selector) + strlen(validator) + 2 > len) {
		explicit_bzero(validator, sizeof(validator));
		return err_set(e, "remember cookie buffer too small");
	}
	token_sha256_hex(validator, t.hash);
	t.second_factor = second_factor != 0;
	t.created = now;
	t.expires = now + (time_t)days * 86400;
	if (token_add(st, selector, &t, now, e) < 0) {
		explicit_bzero(validator, sizeof(validator));
		return -1;
	}
	snprintf(cookie, len, "%s:%s", selector, validator);
	explicit_bzero(validator, sizeof(validator));
	return 0;
}

int remember_take(struct session_store *st, const char *cookie, int days, char *user,
		  size_t userlen, int *second_factor, char *fresh, size_t freshlen,
		  enum remember_result *result, struct err *e)
{
	char selector[64], hash[65], validator[TOKEN_LEN(REMEMBER_VALIDATOR_BYTES)];
	const char *presented;
	struct token t, again;
	time_t now = time(NULL);
	int rc;

	*result = REMEMBER_UNKNOWN;
	*second_factor = 0;
	if (split(cookie, selector, sizeof(selector), &presented) < 0)
		return 0;
	if ((rc = token_load(st, selector, &t, e)) != 0)
		return rc < 0 ? -1 : 0;
	if (lock_user(st, t.user, e) < 0)
		return -1;
	/* Again under the lock: another request may have rotated or ended it. */
	rc = token_load(st, selector, &again, e);
	if (rc != 0 || strcmp(again.user, t.user) != 0) {
		unlock_user(st, t.user);
		return rc < 0 ? -1 : 0;
	}
	t = again;
	snprintf(user, userlen, "%s", t.user);
	token_sha256_hex(presented, hash);
	int current = token_equal(hash, t.hash);
	int recent = t.previous[0] && token_equal(hash, t.previous) &&
		     (long long)now - t.rotated_at <= REMEMBER_GRACE_SECONDS;
	char key[KEY_MAX];
	key_of(key, sizeof(key), 't', selector);
	if (t.expires < (long long)now) {
		*result = REMEMBER_EXPIRED;
		rc = session_store_kv_del(st, key, NULL, e);
	} else if (current || recent) {
		/* A validator just replaced (a second tab resuming at the same time)
		 * gets a new one too; the one before it is no longer accepted. */
		rc = token_random(validator, sizeof(validator), REMEMBER_VALIDATOR_BYTES, e);
		if (rc == 0 && strlen(selector) + strlen(validator) + 2 > freshlen)
			rc = err_set(e, "remember cookie buffer too small");
		if (rc == 0) {
			snprintf(t.previous, sizeof(t.previous), "%s", t.hash);
			token_sha256_hex(validator, t.hash);
			t.rotated_at = now;
			t.expires = now + (time_t)days * 86400;
			rc = token_store(st, selector, &t, now, e);
		}
		if (rc == 0) {
			char lkey[KEY_MAX];
			key_of(lkey, sizeof(lkey), 'u', t.user);
			rc = session_store_kv_expire(st, lkey, LIST_TTL, e);
		}
		if (rc == 0) {
			snprintf(fresh, freshlen, "%s:%s", selector, validator);
			*second_factor = t.second_factor;
			*result = REMEMBER_OK;
		}
		explicit_bzero(validator, sizeof(validator));
	} else {
		*result = REMEMBER_COPIED;
		rc = end_user_locked(st, t.user, NULL, e);
		/* A token missing from its list (never, unless written by hand) ends too. */
		if (rc == 0)
			rc = session_store_kv_del(st, key, NULL, e);
	}
	unlock_user(st, t.user);
	if (rc < 0)
		*result = REMEMBER_UNKNOWN;
	return rc < 0 ? -1 : 0;
}

int remember_forget(struct session_store *st, const char *cookie, struct err *e)
{
	char selector[64], key[KEY_MAX];
	const char *validator;
	if (split(cookie, selector, sizeof(selector), &validator) < 0)
		return 0;
	/* The user's list loses it when next written. */
	key_of(key, sizeof(key), 't', selector);
	return session_store_kv_del(st, key, NULL, e);
}

int remember_end_user(struct session_store *st, const char *user, long *count, struct err *e)
{
	if (count)
		*count = 0;
	if (lock_user(st, user, e) < 0)
		return -1;
	int rc = end_user_locked(st, user, count, e);
	unlock_user(st, user);
	return rc;
}

/* 1 when the configuration database has the old table, 0 when not, -1. */
static int has_old_table(struct db *db, struct err *e)
{
	sqlite3_stmt *q;
	if (db_prepare(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
			   "name = 'remember_tokens'", &q, e) < 0)
		return -1;
	int rc = sqlite3_step(q);
	int n = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return db_error(db, e, "cannot read the schema");
	return n > 0;
}

int remember_move_from_db(struct db *db, struct err *e)
{
	char path[4096];
	struct session_store *st = NULL;
	sqlite3_stmt *q;
	time_t now = time(NULL);
	int rc = has_old_table(db, e);
	if (rc <= 0)
		return rc;
	/* Rows from before 005 have no previous validator: its columns are there
	 * by the time this runs (it runs before 006). */
	if (db_prepare(db, "SELECT selector, validator_hash, previous_hash, rotated_at, domain, "
			   "name, created, expires FROM remember_tokens WHERE expires >= ?",
		       &q, e) < 0)
		return -1;
	sqlite3_bind_int64(q, 1, (long long)now);
	rc = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct token t = { 0 };
		const char *selector = (const char *)sqlite3_column_text(q, 0);
		const char *hash = (const char *)sqlite3_column_text(q, 1);
		const char *previous = (const char *)sqlite3_column_text(q, 2);
		const char *domain = (const char *)sqlite3_column_text(q, 4);
		const char *name = (const char *)sqlite3_column_text(q, 5);
		if (!selector || !hash || !domain || !name || strlen(selector) > 48 ||
		    strcspn(selector, " ") != strlen(selector) || strlen(hash) != 64)
			continue; /* not a token this version ever wrote */
		if (!st) {
			if (session_store_default_path(db_path(db), path, sizeof(path), e) < 0 ||
			    session_store_sqlite_open(path, &st, e) < 0) {
				rc = -1;
				break;
			}
		}
		snprintf(t.hash, sizeof(t.hash), "%s", hash);
		if (previous && strlen(previous) == 64)
			snprintf(t.previous, sizeof(t.previous), "%s", previous);
		t.rotated_at = sqlite3_column_int64(q, 3);
		t.created = sqlite3_column_int64(q, 6);
		t.expires = sqlite3_column_int64(q, 7);
		int n = snprintf(t.user, sizeof(t.user), "%s@%s", name, domain);
		if (n < 0 || (size_t)n >= sizeof(t.user))
			continue;
		if (token_add(st, selector, &t, now, e) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_error(db, e, "cannot read remembered logons");
	sqlite3_finalize(q);
	session_store_close(&st);
	return rc;
}
