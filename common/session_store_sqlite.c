/* session_store_sqlite.c - the embedded session store: an SQLite file beside
 * the configuration database (never inside it: sessions are written far more
 * often than settings, and the file holds nothing an operator restores).
 *
 * What is on disk: the SHA-256 of each session id and of each transfer token,
 * the user, the user's session stamp, times and two flags. A copy of the file
 * lets nobody in: the cookie value cannot be had from its hash.
 *
 * Threads: one connection and one mutex around every operation. Each
 * operation is a few indexed statements, so request threads wait for each
 * other only as long as that; a connection per thread would buy nothing but
 * more file handles. Other processes (the admin tool ending a user's
 * sessions) meet the daemon through SQLite's own locking, WAL and a busy
 * timeout.
 *
 * Writes: a request that finds its session writes last_seen only when the
 * stored value is older than TOUCH_MAX seconds (at most a quarter of the idle
 * timeout), so reading mail is not a write per request. Expired rows go on
 * lookup and in a sweep at most every SWEEP_SECONDS. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/remember.h"
#include "webmsg/session_store.h"

/* 1: sessions and transfers; 2: keys with an expiry (remembered logons,
 * throttle counters); 3: sessions that ended. Every statement of SCHEMA is IF
 * NOT EXISTS, so running it again brings any older file up to date. */
#define SCHEMA_VERSION 3
/* "wmss": marks the file as a webmsg session store. */
#define APPLICATION_ID 0x776d7373
#define TOUCH_MAX 60
#define SWEEP_SECONDS 60
#define DRAWS 8 /* new ids tried when one is taken (never, with 256 bits) */

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS sessions ("
	" serial INTEGER PRIMARY KEY AUTOINCREMENT," /* order of creation: the oldest is the lowest */
	" key TEXT NOT NULL UNIQUE,"                  /* SHA-256 of the id */
	" user TEXT NOT NULL,"
	" stamp TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" expire_pages INTEGER NOT NULL,"
	" secure INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);"
	"CREATE TABLE IF NOT EXISTS transfers ("
	" token TEXT PRIMARY KEY," /* SHA-256 of the token */
	" key TEXT NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS kv ("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL,"
	" expires INTEGER NOT NULL);" /* 0: never */
	"CREATE INDEX IF NOT EXISTS kv_expires ON kv(expires) WHERE expires > 0;"
	/* Sessions that ended by logoff or expiry, for SESSION_ENDED_SECONDS: a
	 * form posted after the end can still be tied to its user (and kept as a
	 * draft). Sessions ended because their account changed are not here. */
	"CREATE TABLE IF NOT EXISTS ended ("
	" key TEXT PRIMARY KEY,"
	" user TEXT NOT NULL,"
	" stamp TEXT NOT NULL,"
	" ended INTEGER NOT NULL);";

struct sqlite_store {
	struct session_store base; /* first: the operations see a session_store */
	sqlite3 *sql;
	pthread_mutex_t lock;
	char path[4096];
	time_t swept;
};

static struct sqlite_store *of(struct session_store *st)
{
	return (struct sqlite_store *)st;
}

static int fail(struct sqlite_store *s, struct err *e, const char *what)
{
	return err_set(e, "session store %s: %s: %s", s->path, what, sqlite3_errmsg(s->sql));
}

static int exec(struct sqlite_store *s, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->sql, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	err_set(e, "session store %s: %s", s->path, msg ? msg : sqlite3_errmsg(s->sql));
	sqlite3_free(msg);
	return -1;
}

static int prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
	if (sqlite3_prepare_v2(s->sql, sql, -1, stmt, NULL) != SQLITE_OK)
		return fail(s, e, "cannot prepare a statement");
	return 0;
}

/* Runs a statement that returns no rows; text parameters only, and ints. */
static int run(struct sqlite_store *s, const char *sql, const char *t1, const char *t2,
	       long long n1, long *changes, struct err *e)
{
	sqlite3_stmt *stmt;
	if (prepare(s, sql, &stmt, e) < 0)
		return -1;
	int i = 1;
	if (t1)
		sqlite3_bind_text(stmt, i++, t1, -1, SQLITE_STATIC);
	if (t2)
		sqlite3_bind_text(stmt, i++, t2, -1, SQLITE_STATIC);
	if (i <= sqlite3_bind_parameter_count(stmt))
		sqlite3_bind_int64(stmt, i, n1);
	int rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return fail(s, e, "cannot write");
	if (changes)
		*changes = (long)sqlite3_changes(s->sql);
	return 0;
}

void session_csrf_of(const char *id, char out[SESSION_KEY_LEN])
{
	static const char label[] = "webmsg csrf";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char hex[] = "0123456789abcdef";
	if (!HMAC(EVP_sha256(), id, (int)strlen(id), (const unsigned char *)label,
		  sizeof(label) - 1, mac, &n) || n != 32) {
		/* Never matches a submitted form: a form with it is refused. */
		out[0] = '\0';
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * n] = '\0';
	explicit_bzero(mac, sizeof(mac));
}

static int expired(const struct session *x, const struct session_limits *lim, time_t now)
{
	return now - x->last_seen > lim->idle || now - x->created > lim->lifetime;
}

static long touch_max(const struct session_limits *lim)
{
	long t = lim->idle / 4;
	return t < TOUCH_MAX ? t : TOUCH_MAX;
}

#define COLUMNS "key, user, stamp, created, last_seen, expire_pages, secure"

/* Reads one row of COLUMNS into out. */
static void row(sqlite3_stmt *stmt, struct session *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->key, sizeof(out->key), "%s", (const char *)sqlite3_column_text(stmt, 0));
	snprintf(out->user, sizeof(out->user), "%s", (const char *)sqlite3_column_text(stmt, 1));
	snprintf(out->stamp, sizeof(out->stamp), "%s", (const char *)sqlite3_column_text(stmt, 2));
	out->created = (time_t)sqlite3_column_int64(stmt, 3);
	out->last_seen = (time_t)sqlite3_column_int64(stmt, 4);
	out->expire_pages = sqlite3_column_int(stmt, 5);
	out->secure = sqlite3_column_int(stmt, 6);
}

/* Locked. The session stored under key: 0, SESSION_STORE_NONE, -1. */
static int load(struct sqlite_store *s, const char *key, struct session *out, struct err *e)
{
	sqlite3_stmt *stmt;
	if (prepare(s, "SELECT " COLUMNS " FROM sessions WHERE key = ?", &stmt, e) < 0)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		row(stmt, out);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? SESSION_STORE_NONE : fail(s, e, "cannot read");
}

static int begin(struct sqlite_store *s, struct err *e)
{
	return exec(s, "BEGIN IMMEDIATE", e);
}

static int commit(struct sqlite_store *s, struct err *e)
{
	if (exec(s, "COMMIT", e) < 0) {
		sqlite3_exec(s->sql, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static void rollback(struct sqlite_store *s)
{
	sqlite3_exec(s->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* Locked, in a transaction. Removes expired sessions and tokens. */
static int sweep_locked(struct sqlite_store *s, const struct session_limits *lim, time_t now,
			struct err *e)
{
	static const char *const sql[] = {
		"INSERT OR REPLACE INTO ended SELECT key, user, stamp, ?3 FROM sessions"
		" WHERE last_seen < ?1 OR created < ?2",
		"DELETE FROM sessions WHERE last_seen < ?1 OR created < ?2",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *stmt;
		if (prepare(s, sql[i], &stmt, e) < 0)
			return -1;
		sqlite3_bind_int64(stmt, 1, (long long)(now - lim->idle));
		sqlite3_bind_int64(stmt, 2, (long long)(now - lim->lifetime));
		if (sqlite3_bind_parameter_count(stmt) >= 3)
			sqlite3_bind_int64(stmt, 3, (long long)now);
		int rc = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (rc != SQLITE_DONE)
			return fail(s, e, "cannot remove expired sessions");
	}
	if (run(s, "DELETE FROM ended WHERE ended < ?", NULL, NULL,
		(long long)(now - SESSION_ENDED_SECONDS), NULL, e) < 0)
		return -1;
	if (run(s, "DELETE FROM transfers WHERE expires < ?", NULL, NULL, (long long)now, NULL,
		e) < 0 ||
	    run(s, "DELETE FROM transfers WHERE key NOT IN (SELECT key FROM sessions)", NULL, NULL,
		0, NULL, e) < 0 ||
	    run(s, "DELETE FROM kv WHERE expires > 0 AND expires < ?", NULL, NULL, (long long)now,
		NULL, e) < 0)
		return -1;
	s->swept = now;
	return 0;
}

/* Locked, in a transaction. Gives x a new id (and key and CSRF token). */
static int new_id(struct sqlite_store *s, struct session *x, struct err *e)
{
	for (int i = 0; i < DRAWS; i++) {
		if (token_random(x->id, sizeof(x->id), SESSION_ID_BYTES, e) < 0)
			return -1;
		token_sha256_hex(x->id, x->key);
		struct session other;
		int rc = load(s, x->key, &other, e);
		if (rc < 0)
			return -1;
		if (rc == SESSION_STORE_NONE) {
			session_csrf_of(x->id, x->csrf);
			return 0;
		}
	}
	return err_set(e, "no unused session id could be drawn");
}

static int count_where(struct sqlite_store *s, const char *sql, const char *user, long *n,
		       struct err *e)
{
	sqlite3_stmt *stmt;
	if (prepare(s, sql, &stmt, e) < 0)
		return -1;
	if (user)
		sqlite3_bind_text(stmt, 1, user, -1, SQLITE_STATIC);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : fail(s, e, "cannot count sessions");
}

static int insert(struct sqlite_store *s, const struct session *x, struct err *e)
{
	sqlite3_stmt *stmt;
	if (prepare(s, "INSERT INTO sessions (" COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?)", &stmt,
		    e) < 0)
		return -1;
	sqlite3_bind_text(stmt, 1, x->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, x->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, x->stamp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (long long)x->created);
	sqlite3_bind_int64(stmt, 5, (long long)x->last_seen);
	sqlite3_bind_int(stmt, 6, x->expire_pages);
	sqlite3_bind_int(stmt, 7, x->secure);
	int rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : fail(s, e, "cannot store the session");
}

static int op_create(struct session_store *st, const char *user, const char *stamp,
		     int expire_pages, int secure, const struct session_limits *lim,
		     struct session *out, struct err *e)
{
	struct sqlite_store *s = of(st);
	struct session x = { 0 };
	time_t now = time(NULL);
	long live = 0, mine = 0;
	int rc = -1;
	snprintf(x.user, sizeof(x.user), "%s", user);
	snprintf(x.stamp, sizeof(x.stamp), "%s", stamp);
	x.created = x.last_seen = now;
	x.expire_pages = expire_pages;
	x.secure = secure;
	pthread_mutex_lock(&s->lock);
	if (begin(s, e) < 0)
		goto out;
	/* The user's own oldest sessions make room for the new one; nobody else's. */
	if (sweep_locked(s, lim, now, e) < 0 ||
	    count_where(s, "SELECT count(*) FROM sessions WHERE user = ?", user, &mine, e) < 0)
		goto undo;
	if (lim->max_per_user > 0 && mine >= lim->max_per_user) {
		sqlite3_stmt *stmt;
		if (prepare(s, "DELETE FROM sessions WHERE serial IN (SELECT serial FROM sessions "
			       "WHERE user = ? ORDER BY serial LIMIT ?)", &stmt, e) < 0)
			goto undo;
		sqlite3_bind_text(stmt, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, mine - lim->max_per_user + 1);
		int step = sqlite3_step(stmt);
		sqlite3_finalize(stmt);
		if (step != SQLITE_DONE) {
			fail(s, e, "cannot end the user's oldest session");
			goto undo;
		}
	}
	if (count_where(s, "SELECT count(*) FROM sessions", NULL, &live, e) < 0)
		goto undo;
	if (lim->max_sessions > 0 && live >= lim->max_sessions) {
		rollback(s);
		rc = SESSION_FULL;
		goto out;
	}
	if (new_id(s, &x, e) < 0 || insert(s, &x, e) < 0)
		goto undo;
	if (commit(s, e) < 0)
		goto out;
	*out = x;
	rc = 0;
	goto out;
undo:
	rollback(s);
out:
	pthread_mutex_unlock(&s->lock);
	explicit_bzero(&x, sizeof(x));
	return rc;
}

/* Locked. Sweeps when the last sweep is SWEEP_SECONDS old; a sweep that
 * fails is only tried again later: the lookup itself checks expiry. */
static void sweep_now_and_then(struct sqlite_store *s, const struct session_limits *lim,
			       time_t now)
{
	struct err ignored;
	if (now - s->swept < SWEEP_SECONDS || begin(s, &ignored) < 0)
		return;
	if (sweep_locked(s, lim, now, &ignored) < 0 || commit(s, &ignored) < 0)
		rollback(s);
}

/* Locked. The session of key ends now, by logoff or expiry: its user is
 * known by its key for SESSION_ENDED_SECONDS more. */
static int note_ended(struct sqlite_store *s, const char *key, time_t now, struct err *e)
{
	return run(s, "INSERT OR REPLACE INTO ended SELECT key, user, stamp, ?2 FROM sessions"
		      " WHERE key = ?1",
		   key, NULL, (long long)now, NULL, e);
}

static int op_find(struct session_store *st, const char *id, int https,
		   const struct session_limits *lim, struct session *out, struct err *e)
{
	struct sqlite_store *s = of(st);
	struct session x;
	char key[SESSION_KEY_LEN];
	time_t now = time(NULL);
	if (!token_well_formed(id, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(id, key);
	pthread_mutex_lock(&s->lock);
	sweep_now_and_then(s, lim, now);
	int rc = load(s, key, &x, e);
	if (rc == 0 && expired(&x, lim, now)) {
		rc = note_ended(s, key, now, e);
		if (rc == 0)
			rc = run(s, "DELETE FROM sessions WHERE key = ?", key, NULL, 0, NULL, e);
		if (rc == 0)
			rc = SESSION_STORE_NONE;
	} else if (rc == 0 && !https && x.secure) {
		rc = SESSION_STORE_NONE; /* kept: it goes on over HTTPS */
	} else if (rc == 0 && now - x.last_seen >= touch_max(lim)) {
		/* A store that cannot record the use keeps the session: it is
		 * only the idle clock that runs on. */
		struct err ignored;
		if (run(s, "UPDATE sessions SET last_seen = ?2 WHERE key = ?1", key, NULL,
			(long long)now, NULL, &ignored) == 0)
			x.last_seen = now;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc == 0) {
		snprintf(x.id, sizeof(x.id), "%s", id);
		session_csrf_of(id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

static int op_rotate(struct session_store *st, const char *key, int secure, struct session *out,
		     struct err *e)
{
	struct sqlite_store *s = of(st);
	struct session x;
	char old[SESSION_KEY_LEN];
	int rc;
	snprintf(old, sizeof(old), "%s", key);
	pthread_mutex_lock(&s->lock);
	if ((rc = begin(s, e)) < 0)
		goto out;
	rc = load(s, old, &x, e);
	if (rc != 0) {
		rollback(s);
		goto out;
	}
	x.secure |= secure;
	sqlite3_stmt *stmt;
	if (new_id(s, &x, e) < 0 ||
	    prepare(s, "UPDATE sessions SET key = ?, secure = ? WHERE key = ?", &stmt, e) < 0) {
		rollback(s);
		rc = -1;
		goto out;
	}
	sqlite3_bind_text(stmt, 1, x.key, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, x.secure);
	sqlite3_bind_text(stmt, 3, old, -1, SQLITE_STATIC);
	int step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	/* Tokens made for the old id die with it. */
	if (step != SQLITE_DONE ||
	    run(s, "DELETE FROM transfers WHERE key = ?", old, NULL, 0, NULL, e) < 0) {
		if (step != SQLITE_DONE)
			fail(s, e, "cannot give the session a new id");
		rollback(s);
		rc = -1;
		goto out;
	}
	rc = commit(s, e);
	if (rc == 0)
		*out = x;
out:
	pthread_mutex_unlock(&s->lock);
	explicit_bzero(&x, sizeof(x));
	return rc;
}

static int op_destroy(struct session_store *st, const char *key, struct err *e)
{
	struct sqlite_store *s = of(st);
	pthread_mutex_lock(&s->lock);
	int rc = note_ended(s, key, time(NULL), e);
	if (rc == 0)
		rc = run(s, "DELETE FROM sessions WHERE key = ?", key, NULL, 0, NULL, e);
	if (rc == 0)
		rc = run(s, "DELETE FROM transfers WHERE key = ?", key, NULL, 0, NULL, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int op_ended(struct session_store *st, const char *id, struct session *out, struct err *e)
{
	struct sqlite_store *s = of(st);
	struct session x;
	sqlite3_stmt *stmt;
	memset(&x, 0, sizeof(x));
	if (!token_well_formed(id, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(id, x.key);
	pthread_mutex_lock(&s->lock);
	int rc = prepare(s, "SELECT user, stamp FROM ended WHERE key = ? AND ended >= ?", &stmt, e);
	if (rc == 0) {
		sqlite3_bind_text(stmt, 1, x.key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (long long)(time(NULL) - SESSION_ENDED_SECONDS));
		int step = sqlite3_step(stmt);
		if (step == SQLITE_ROW) {
			snprintf(x.user, sizeof(x.user), "%s",
				 (const char *)sqlite3_column_text(stmt, 0));
			snprintf(x.stamp, sizeof(x.stamp), "%s",
				 (const char *)sqlite3_column_text(stmt, 1));
		}
		sqlite3_finalize(stmt);
		rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? SESSION_STORE_NONE
								   : fail(s, e, "cannot read");
	}
	pthread_mutex_unlock(&s->lock);
	if (rc == 0) {
		snprintf(x.id, sizeof(x.id), "%s", id);
		session_csrf_of(id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

static int op_destroy_user(struct session_store *st, const char *user, long *count,
			   struct err *e)
{
	struct sqlite_store *s = of(st);
	long n = 0;
	pthread_mutex_lock(&s->lock);
	int rc = run(s, "DELETE FROM sessions WHERE user = ?", user, NULL, 0, &n, e);
	/* Ended for the account's sake: no form of them is kept either. */
	if (rc == 0)
		rc = run(s, "DELETE FROM ended WHERE user = ?", user, NULL, 0, NULL, e);
	if (rc == 0)
		rc = run(s, "DELETE FROM transfers WHERE key NOT IN (SELECT key FROM sessions)",
			 NULL, NULL, 0, NULL, e);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && count)
		*count = n;
	return rc;
}

static int op_count(struct session_store *st, const struct session_limits *lim, long *n,
		    struct err *e)
{
	struct sqlite_store *s = of(st);
	sqlite3_stmt *stmt;
	time_t now = time(NULL);
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (prepare(s, "SELECT count(*) FROM sessions WHERE last_seen >= ?1 AND created >= ?2",
		    &stmt, e) == 0) {
		sqlite3_bind_int64(stmt, 1, (long long)(now - lim->idle));
		sqlite3_bind_int64(stmt, 2, (long long)(now - lim->lifetime));
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			*n = (long)sqlite3_column_int64(stmt, 0);
			rc = 0;
		} else {
			fail(s, e, "cannot count sessions");
		}
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int op_transfer_new(struct session_store *st, const char *key, char *token, size_t len,
			   struct err *e)
{
	struct sqlite_store *s = of(st);
	char value[SESSION_ID_LEN], hash[SESSION_KEY_LEN];
	time_t now = time(NULL);
	if (token_random(value, sizeof(value), SESSION_ID_BYTES, e) < 0)
		return -1;
	if (strlen(value) >= len) {
		explicit_bzero(value, sizeof(value));
		return err_set(e, "transfer token buffer too small");
	}
	token_sha256_hex(value, hash);
	pthread_mutex_lock(&s->lock);
	int rc = run(s, "INSERT INTO transfers (token, key, expires) VALUES (?, ?, ?)", hash, key,
		     (long long)(now + SESSION_TRANSFER_SECONDS), NULL, e);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0)
		snprintf(token, len, "%s", value);
	explicit_bzero(value, sizeof(value));
	return rc;
}

static int op_transfer_take(struct session_store *st, const char *token,
			    const struct session_limits *lim, struct session *out, struct err *e)
{
	struct sqlite_store *s = of(st);
	char hash[SESSION_KEY_LEN], key[SESSION_KEY_LEN] = "";
	struct session x;
	sqlite3_stmt *stmt;
	long long expires = 0;
	time_t now = time(NULL);
	int rc = -1;
	if (!token_well_formed(token, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(token, hash);
	pthread_mutex_lock(&s->lock);
	if (begin(s, e) < 0)
		goto out;
	if (prepare(s, "SELECT key, expires FROM transfers WHERE token = ?", &stmt, e) < 0)
		goto undo;
	sqlite3_bind_text(stmt, 1, hash, -1, SQLITE_STATIC);
	int step = sqlite3_step(stmt);
	if (step == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%s", (const char *)sqlite3_column_text(stmt, 0));
		expires = sqlite3_column_int64(stmt, 1);
	}
	sqlite3_finalize(stmt);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		fail(s, e, "cannot read transfer tokens");
		goto undo;
	}
	/* Used up, whatever comes next. */
	if (run(s, "DELETE FROM transfers WHERE token = ?", hash, NULL, 0, NULL, e) < 0)
		goto undo;
	rc = SESSION_STORE_NONE;
	if (step == SQLITE_ROW && expires >= (long long)now) {
		int found = load(s, key, &x, e);
		if (found < 0) {
			rc = -1;
			goto undo;
		}
		if (found == 0 && !expired(&x, lim, now)) {
			*out = x;
			rc = 0;
		}
	}
	if (commit(s, e) < 0)
		rc = -1;
	goto out;
undo:
	rollback(s);
out:
	pthread_mutex_unlock(&s->lock);
	explicit_bzero(&x, sizeof(x));
	return rc;
}

static int op_sweep(struct session_store *st, const struct session_limits *lim, struct err *e)
{
	struct sqlite_store *s = of(st);
	int rc;
	pthread_mutex_lock(&s->lock);
	rc = begin(s, e);
	if (rc == 0 && (rc = sweep_locked(s, lim, time(NULL), e)) == 0)
		rc = commit(s, e);
	else if (rc == 0)
		rollback(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Keys with an expiry. A row whose time is past is treated as absent by
 * every operation, and removed by the sweep; "expires" 0 is never. */

static long long expiry_of(long ttl, time_t now)
{
	return ttl > 0 ? (long long)now + ttl : 0;
}

#define LIVE "(expires = 0 OR expires >= ?2)"

static int op_kv_set(struct session_store *st, const char *key, const char *value, long ttl,
		     struct err *e)
{
	struct sqlite_store *s = of(st);
	sqlite3_stmt *stmt;
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (prepare(s, "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)", &stmt,
		    e) == 0) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 3, expiry_of(ttl, time(NULL)));
		rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : fail(s, e, "cannot write");
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int op_kv_get(struct session_store *st, const char *key, char *value, size_t len,
		     struct err *e)
{
	struct sqlite_store *s = of(st);
	sqlite3_stmt *stmt;
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (prepare(s, "SELECT value FROM kv WHERE key = ?1 AND " LIVE, &stmt, e) == 0) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (long long)time(NULL));
		int step = sqlite3_step(stmt);
		if (step == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(stmt, 0);
			int n = snprintf(value, len, "%s", v ? v : "");
			rc = n >= 0 && (size_t)n < len ? 0 : err_set(e, "a stored value is too long");
		} else {
			rc = step == SQLITE_DONE ? SESSION_STORE_NONE : fail(s, e, "cannot read");
		}
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int op_kv_del(struct session_store *st, const char *key, long *deleted, struct err *e)
{
	struct sqlite_store *s = of(st);
	long live = 0;
	pthread_mutex_lock(&s->lock);
	/* Counted like Redis: a key past its time was no longer there. */
	int rc = run(s, "DELETE FROM kv WHERE key = ?1 AND " LIVE, key, NULL, (long long)time(NULL),
		     &live, e);
	if (rc == 0)
		rc = run(s, "DELETE FROM kv WHERE key = ?", key, NULL, 0, NULL, e);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && deleted)
		*deleted = live;
	return rc;
}

static int op_kv_incr(struct session_store *st, const char *key, long ttl, long long *value,
		      struct err *e)
{
	struct sqlite_store *s = of(st);
	sqlite3_stmt *stmt;
	time_t now = time(NULL);
	long long v = 0;
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (begin(s, e) < 0)
		goto out;
	if (prepare(s, "SELECT value FROM kv WHERE key = ?1 AND " LIVE, &stmt, e) < 0)
		goto undo;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (long long)now);
	int step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		fail(s, e, "cannot read");
		goto undo;
	}
	if (step == SQLITE_ROW) {
		rc = run(s, "UPDATE kv SET value = value + 1 WHERE key = ?", key, NULL, 0, NULL, e);
	} else {
		/* A new key: it starts at 1 and gets its expiry in the same step. */
		if (prepare(s, "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, '1', ?)",
			    &stmt, e) < 0)
			goto undo;
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, expiry_of(ttl, now));
		rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : fail(s, e, "cannot write");
		sqlite3_finalize(stmt);
	}
	if (rc < 0)
		goto undo;
	if ((rc = commit(s, e)) == 0)
		*value = v + 1;
	goto out;
undo:
	rollback(s);
	rc = -1;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int op_kv_expire(struct session_store *st, const char *key, long ttl, struct err *e)
{
	struct sqlite_store *s = of(st);
	sqlite3_stmt *stmt;
	time_t now = time(NULL);
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	if (prepare(s, "UPDATE kv SET expires = ?3 WHERE key = ?1 AND " LIVE, &stmt, e) == 0) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (long long)now);
		sqlite3_bind_int64(stmt, 3, expiry_of(ttl, now));
		rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : fail(s, e, "cannot write");
		sqlite3_finalize(stmt);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void op_close(struct session_store *st)
{
	struct sqlite_store *s = of(st);
	sqlite3_close(s->sql);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct session_store_ops sqlite_ops = {
	.name = "sqlite",
	.create = op_create,
	.find = op_find,
	.rotate = op_rotate,
	.destroy = op_destroy,
	.ended = op_ended,
	.destroy_user = op_destroy_user,
	.count = op_count,
	.transfer_new = op_transfer_new,
	.transfer_take = op_transfer_take,
	.sweep = op_sweep,
	.kv_set = op_kv_set,
	.kv_get = op_kv_get,
	.kv_del = op_kv_del,
	.kv_incr = op_kv_incr,
	.kv_expire = op_kv_expire,
	.close = op_close,
};

/* Creates the file 0600 when there is none; an existing one must be a
 * regular file. */
static int prepare_file(const char *path, struct err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "cannot open the session store %s", path);
	struct stat sb;
	int regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	close(fd);
	if (!regular)
		return err_set(e, "the session store %s is not a regular file", path);
	return 0;
}

/* Once the file is known to be ours: nobody else reads it. SQLite gives its
 * -wal and -shm files the same mode. */
static int make_private(const char *path, struct err *e)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return err_sys(e, "cannot look at the session store %s", path);
	if ((sb.st_mode & 077) && chmod(path, 0600) < 0)
		return err_sys(e, "cannot make the session store %s private", path);
	return 0;
}

/* Checks what the file is and brings its schema up to date. */
static int setup(struct sqlite_store *s, int memory, struct err *e)
{
	sqlite3_stmt *stmt;
	long long app = 0, version = 0;
	if (prepare(s, "PRAGMA application_id", &stmt, e) < 0)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		app = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (prepare(s, "PRAGMA user_version", &stmt, e) < 0)
		return -1;
	int step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		version = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (step != SQLITE_ROW)
		return fail(s, e, "cannot read the schema (a corrupt file?)");
	if (app != 0 && app != APPLICATION_ID)
		return err_set(e, "%s is not a webmsg session store; it was left untouched", s->path);
	if (app == 0) {
		/* A new file has no tables; anything else is not ours. */
		long n = 0;
		if (count_where(s, "SELECT count(*) FROM sqlite_master", NULL, &n, e) < 0)
			return -1;
		if (n > 0)
			return err_set(e, "%s is not a webmsg session store; it was left untouched",
				       s->path);
	}
	if (version > SCHEMA_VERSION)
		return err_set(e, "the session store %s was written by a newer webmsg (schema %lld)",
			       s->path, version);
	if (!memory && (make_private(s->path, e) < 0 || exec(s, "PRAGMA journal_mode = WAL", e) < 0))
		return -1;
	if (version < SCHEMA_VERSION) {
		char sql[sizeof(SCHEMA) + 128];
		int n = snprintf(sql, sizeof(sql),
				 "BEGIN IMMEDIATE; %s PRAGMA application_id = %d; "
				 "PRAGMA user_version = %d; COMMIT;",
				 SCHEMA, APPLICATION_ID, SCHEMA_VERSION);
		if (n < 0 || (size_t)n >= sizeof(sql))
			return err_set(e, "session store schema too long");
		if (exec(s, sql, e) < 0) {
			rollback(s);
			return -1;
		}
	}
	/* A quick check: a damaged file is said at start, not at the first logon. */
	if (prepare(s, "SELECT count(*) FROM sessions", &stmt, e) < 0)
		return -1;
	step = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return step == SQLITE_ROW ? 0 : fail(s, e, "cannot read sessions (a corrupt file?)");
}

int session_store_sqlite_open(const char *path, struct session_store **out, struct err *e)
{
	int memory = strcmp(path, ":memory:") == 0;
	struct sqlite_store *s;
	*out = NULL;
	if (!memory && prepare_file(path, e) < 0)
		return -1;
	if (!(s = calloc(1, sizeof(*s))))
		return err_set(e, "out of memory");
	s->base.ops = &sqlite_ops;
	if (snprintf(s->path, sizeof(s->path), "%s", path) >= (int)sizeof(s->path)) {
		free(s);
		return err_set(e, "session store path too long");
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &s->sql, flags, NULL) != SQLITE_OK) {
		err_set(e, "cannot open the session store %s: %s", path,
			s->sql ? sqlite3_errmsg(s->sql) : "out of memory");
		sqlite3_close(s->sql);
		free(s);
		return -1;
	}
	sqlite3_busy_timeout(s->sql, 5000);
	pthread_mutex_init(&s->lock, NULL);
	if (setup(s, memory, e) < 0) {
		op_close(&s->base);
		return -1;
	}
	*out = &s->base;
	return 0;
}

void session_store_close(struct session_store **st)
{
	if (!st || !*st)
		return;
	(*st)->ops->close(*st);
	*st = NULL;
}

int session_store_default_path(const char *dbpath, char *out, size_t len, struct err *e)
{
	size_t n = strlen(dbpath);
	int w;
	if (n > 3 && strcmp(dbpath + n - 3, ".db") == 0)
		w = snprintf(out, len, "%.*s-sessions.db", (int)(n - 3), dbpath);
	else
		w = snprintf(out, len, "%s-sessions.db", dbpath);
	if (w < 0 || (size_t)w >= len)
		return err_set(e, "session store path too long");
	return 0;
}

int session_store_end_user(const struct config_snapshot *cfg, const char *dbpath,
			   const char *user, long *count, long *remembered, struct err *e)
{
	char path[4096];
	struct session_store *st;
	if (count)
		*count = 0;
	if (remembered)
		*remembered = 0;
	if (session_store_default_path(dbpath, path, sizeof(path), e) < 0)
		return -1;
	/* No local store yet: no session to end, and no file made for nothing. */
	if (!session_store_is_redis(cfg) && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (session_store_open(cfg, dbpath, &st, e) < 0)
		return -1;
	int rc = session_store_destroy_user(st, user, count, e);
	if (rc == 0)
		rc = remember_end_user(st, user, remembered, e);
	session_store_close(&st);
	return rc;
}
