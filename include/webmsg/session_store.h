/* session_store.h - where webmail sessions live: a small operations table
 * that the embedded SQLite store implements (session_store_sqlite.c) and a
 * shared store for several machines (session_store_redis.c) implement.
 *
 * A session id is 256 random bits that live only in the browser's cookie and
 * in the caller's copy of a session. A store keeps the SHA-256 of the id (the
 * session's key) and never the id itself; the same goes for the one-time
 * transfer tokens of a mode switch. The CSRF token is not kept either: it is
 * an HMAC of the id, so it follows the id through every rotation, a store
 * file read by someone else yields none, and it reveals nothing of the id.
 *
 * Besides sessions, a store keeps keys with an expiry: remembered logons
 * (remember.c) and throttle counters (server/throttle.c) are built on them,
 * so they outlive a restart and a shared store shares them. These five
 * operations are Redis's SET key value EX ttl, GET, DEL, INCR and EXPIRE, and
 * nothing more, so a Redis back-end is a line each. Keys and values are
 * printable text without NUL; a key past its expiry is absent to every
 * operation. The store's own clock (time(2)) runs the expiries: callers that
 * test on a fake clock keep the times that decide in the values.
 *
 * Return values: 0 done, SESSION_STORE_NONE when there is no such (live)
 * session or token, SESSION_FULL when session.max_sessions are open, -1 with
 * e filled when the store cannot be used (never fatal for the caller). */
#ifndef WEBMSG_SESSION_STORE_H
#define WEBMSG_SESSION_STORE_H

#include <stddef.h>
#include <time.h>

#include "token.h"
#include "users.h"

struct config_snapshot;
struct err;

#define SESSION_ID_BYTES 32
#define SESSION_ID_LEN TOKEN_LEN(SESSION_ID_BYTES)
/* Hex SHA-256: a session's key in a store, and its CSRF token. */
#define SESSION_KEY_LEN 65

#define SESSION_STORE_NONE 1
#define SESSION_FULL (-2)
/* How long the user of a session that ended (logoff, idle or lifetime) is
 * still known by its cookie: a form posted after the end is kept as a draft. */
#define SESSION_ENDED_SECONDS (24 * 3600)
/* How long a transfer token of a mode switch can be taken. */
#define SESSION_TRANSFER_SECONDS 30

struct session {
	char id[SESSION_ID_LEN];    /* the cookie value: "" in a session found by transfer */
	char key[SESSION_KEY_LEN];  /* SHA-256 of the id: what the store knows it by */
	char csrf[SESSION_KEY_LEN]; /* the token every form of this session carries */
	char user[USER_ADDRESS_MAX];
	char stamp[USER_STAMP_LEN]; /* the user's session stamp when it began (users.h) */
	time_t created, last_seen;
	int expire_pages; /* "Expire page views": nothing of it cached */
	int secure;       /* entered secure mode: never again over plain HTTP */
};

struct session_limits {
	long idle;         /* seconds without a request */
	long lifetime;     /* seconds after it began */
	long max_sessions; /* live sessions in all; 0: no limit */
	long max_per_user; /* sessions of one user, the oldest ends; 0: no limit */
};

struct session_store;

struct session_store_ops {
	const char *name;
	/* A new session with a new id; the user's oldest end to keep max_per_user. */
	int (*create)(struct session_store *st, const char *user, const char *stamp,
		      int expire_pages, int secure, const struct session_limits *lim,
		      struct session *out, struct err *e);
	/* The live session of this cookie value, usable over this kind of
	 * connection; its last use is recorded (not necessarily written). */
	int (*find)(struct session_store *st, const char *id, int https,
		    const struct session_limits *lim, struct session *out, struct err *e);
	/* The session of key under a new id (secure added when asked); the old id
	 * stops working at once. */
	int (*rotate)(struct session_store *st, const char *key, int secure, struct session *out,
		      struct err *e);
	int (*destroy)(struct session_store *st, const char *key, struct err *e);
	/* The session this cookie value belonged to, when it ended by logoff or
	 * expiry within SESSION_ENDED_SECONDS (never one ended because its
	 * account changed): key, user, stamp, and csrf, the token its forms
	 * carried. It does not live again. */
	int (*ended)(struct session_store *st, const char *id, struct session *out, struct err *e);
	/* Ends every session of user; *count (may be NULL) gets how many. */
	int (*destroy_user)(struct session_store *st, const char *user, long *count,
			    struct err *e);
	int (*count)(struct session_store *st, const struct session_limits *lim, long *n,
		     struct err *e);
	/* A one-time token for the session of key; token gets its value. */
	int (*transfer_new)(struct session_store *st, const char *key, char *token, size_t len,
			    struct err *e);
	/* The live session the token was made for (out->id is ""); used up. */
	int (*transfer_take)(struct session_store *st, const char *token,
			     const struct session_limits *lim, struct session *out,
			     struct err *e);
	/* Removes expired sessions, tokens and keys. */
	int (*sweep)(struct session_store *st, const struct session_limits *lim, struct err *e);
	/* SET key value EX ttl: replaces any value; ttl seconds, 0 for none. */
	int (*kv_set)(struct session_store *st, const char *key, const char *value, long ttl,
		      struct err *e);
	/* GET: 0 and the value, SESSION_STORE_NONE, or -1 (also for a value that
	 * does not fit in len). */
	int (*kv_get)(struct session_store *st, const char *key, char *value, size_t len,
		      struct err *e);
	/* DEL: *deleted (may be NULL) gets 1 when the key was there, else 0. */
	int (*kv_del)(struct session_store *st, const char *key, long *deleted, struct err *e);
	/* INCR, atomic: *value gets the count after it. A key that was not there
	 * starts at 1 with expiry ttl (0: none) in the same step (Redis: INCR and,
	 * when it returned 1, EXPIRE, in one MULTI); an existing key keeps its
	 * expiry. Used as a counter and, with ttl, as a lock: who gets 1 holds it. */
	int (*kv_incr)(struct session_store *st, const char *key, long ttl, long long *value,
		       struct err *e);
	/* EXPIRE: the key, when there, ends ttl seconds from now (0: never). */
	int (*kv_expire)(struct session_store *st, const char *key, long ttl, struct err *e);
	void (*close)(struct session_store *st);
};

struct session_store {
	const struct session_store_ops *ops;
};

/* The embedded store: an SQLite file, created (mode 0600) on first use.
 * ":memory:" keeps it in memory (tests). Safe to use from several threads:
 * one connection, one mutex around every operation. */
int session_store_sqlite_open(const char *path, struct session_store **out, struct err *e);
/* Where a Redis is: redis://host[:port][/db] or unix:/path[?db=N]. */
struct session_store_redis_address {
	int unix_socket;
	char host[256]; /* host name or address; the socket's path when unix_socket */
	int port;       /* 6379 unless said */
	int db;         /* SELECT db; 0 unless said */
};

int session_store_redis_parse(const char *url, struct session_store_redis_address *out,
			      struct err *e);
/* The shared store on the Redis at url (session_store_redis_parse), with
 * AUTH password when not "" or NULL. A Redis that cannot be reached now is
 * no error here: every operation connects when it has no connection, with a
 * timeout, so the store recovers by itself when Redis is back. -1 only for a
 * bad url or out of memory. Safe to use from several threads. */
int session_store_redis_open(const char *url, const char *password,
			     struct session_store **out, struct err *e);
/* The store the settings choose (session.store): the file beside the
 * configuration database at dbpath, or Redis (session.redis). Every program
 * opens its store here. cfg NULL: the local file. */
int session_store_open(const struct config_snapshot *cfg, const char *dbpath,
		       struct session_store **out, struct err *e);
/* 1 when the settings choose Redis. */
int session_store_is_redis(const struct config_snapshot *cfg);
/* Whether the store answers now: 0, or -1 with e saying why (a Redis that
 * cannot be reached, a damaged file). */
int session_store_ping(struct session_store *st, struct err *e);
/* For the admin tool: where the store of cfg is (where, "Redis at URL" or the
 * file), and whether it answers now: 0, or -1 with e saying why. A local
 * store not made yet is no problem and is not made here. */
int session_store_probe(const struct config_snapshot *cfg, const char *dbpath, char *where,
			size_t len, struct err *e);
/* The store beside the configuration database: "dir/webmsg.db" gives
 * "dir/webmsg-sessions.db". */
int session_store_default_path(const char *dbpath, char *out, size_t len, struct err *e);
void session_store_close(struct session_store **st);

/* The CSRF token of a session id (hex HMAC-SHA256 keyed with the id). */
void session_csrf_of(const char *id, char out[SESSION_KEY_LEN]);

/* Ends user's sessions and remembered logons in the store the settings cfg
 * choose (session_store_open; a local one only when it exists) for the
 * configuration database at dbpath (the admin tool: `user del`, `passwd`,
 * `revoke`). *count (may be NULL) gets how many
 * sessions, *remembered (may be NULL) how many remembered logons. */
int session_store_end_user(const struct config_snapshot *cfg, const char *dbpath,
			   const char *user, long *count, long *remembered, struct err *e);

/* The operations, through the table. */
static inline int session_store_create(struct session_store *st, const char *user,
				       const char *stamp, int expire_pages, int secure,
				       const struct session_limits *lim, struct session *out,
				       struct err *e)
{
	return st->ops->create(st, user, stamp, expire_pages, secure, lim, out, e);
}

static inline int session_store_find(struct session_store *st, const char *id, int https,
				     const struct session_limits *lim, struct session *out,
				     struct err *e)
{
	return st->ops->find(st, id, https, lim, out, e);
}

static inline int session_store_rotate(struct session_store *st, const char *key, int secure,
				       struct session *out, struct err *e)
{
	return st->ops->rotate(st, key, secure, out, e);
}

static inline int session_store_destroy(struct session_store *st, const char *key,
					struct err *e)
{
	return st->ops->destroy(st, key, e);
}

static inline int session_store_ended(struct session_store *st, const char *id,
				      struct session *out, struct err *e)
{
	return st->ops->ended(st, id, out, e);
}

static inline int session_store_destroy_user(struct session_store *st, const char *user,
					     long *count, struct err *e)
{
	return st->ops->destroy_user(st, user, count, e);
}

static inline int session_store_count(struct session_store *st,
				      const struct session_limits *lim, long *n, struct err *e)
{
	return st->ops->count(st, lim, n, e);
}

static inline int session_store_transfer_new(struct session_store *st, const char *key,
					     char *token, size_t len, struct err *e)
{
	return st->ops->transfer_new(st, key, token, len, e);
}

static inline int session_store_transfer_take(struct session_store *st, const char *token,
					      const struct session_limits *lim,
					      struct session *out, struct err *e)
{
	return st->ops->transfer_take(st, token, lim, out, e);
}

static inline int session_store_sweep(struct session_store *st,
				      const struct session_limits *lim, struct err *e)
{
	return st->ops->sweep(st, lim, e);
}

static inline int session_store_kv_set(struct session_store *st, const char *key,
				       const char *value, long ttl, struct err *e)
{
	return st->ops->kv_set(st, key, value, ttl, e);
}

static inline int session_store_kv_get(struct session_store *st, const char *key, char *value,
				       size_t len, struct err *e)
{
	return st->ops->kv_get(st, key, value, len, e);
}

static inline int session_store_kv_del(struct session_store *st, const char *key, long *deleted,
				       struct err *e)
{
	return st->ops->kv_del(st, key, deleted, e);
}

static inline int session_store_kv_incr(struct session_store *st, const char *key, long ttl,
					long long *value, struct err *e)
{
	return st->ops->kv_incr(st, key, ttl, value, e);
}

static inline int session_store_kv_expire(struct session_store *st, const char *key, long ttl,
					  struct err *e)
{
	return st->ops->kv_expire(st, key, ttl, e);
}

#endif
