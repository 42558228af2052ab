/* session_store_redis.c - the shared session store: the same operations as
 * the embedded one, on a Redis that several webmsgd front ends use, so any
 * of them serves any request.
 *
 * What Redis holds, under the prefix "webmsg:": the SHA-256 of each session
 * id and transfer token (never an id or a token), the user, the user's
 * session stamp, times and two flags, as the SQLite store does.
 *   s:KEY    hash: user stamp created last_seen expire_pages secure; Redis
 *            expires it at the idle or lifetime end, whichever comes first
 *   e:KEY    hash: user stamp; lives SESSION_ENDED_SECONDS past the session,
 *            so a session that Redis expired is still known as ended
 *   u:USER   sorted set of the user's session keys by order of creation
 *            (max_per_user ends the oldest; destroy_user)
 *   ue:USER  set of the keys of e: records of the user (destroy_user)
 *   live     sorted set of session keys by the time they end (max_sessions,
 *            count); cleaned of what is past when used
 *   t:HASH   a transfer token's session key, 30 s, taken once
 *   k:KEY    the kv operations' keys
 * Steps that read and write several keys are Lua scripts (EVAL): Redis runs
 * each alone, so two front ends never interleave inside a logon.
 *
 * Threads: one connection and a mutex around every operation, like the
 * SQLite store; every operation is one round trip. Every connect and every
 * command has a timeout (a stalled Redis never hangs a request); after a
 * failure the connection is dropped and the next operation connects again.
 *
 * hiredis 0.14 (Debian 12) has no TLS: reach Redis over a unix socket or a
 * private network. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "webmsg/err.h"
#include "webmsg/session_store.h"

#define PREFIX "webmsg:"
#define TIMEOUT_MS 2000
#define TOUCH_MAX 60
#define DRAWS 8 /* new ids tried when one is taken (never, with 256 bits) */
#define STR_(x) #x
#define STR(x) STR_(x)

struct redis_store {
	struct session_store base; /* first: the operations see a session_store */
	pthread_mutex_t lock;
	redisContext *c; /* NULL: connect at the next operation */
	struct session_store_redis_address addr;
	char where[300]; /* the address as said in messages */
	char password[256];
};

static struct redis_store *of(struct session_store *st)
{
	return (struct redis_store *)st;
}

int session_store_redis_parse(const char *url, struct session_store_redis_address *out,
			      struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (strncmp(url, "unix:", 5) == 0) {
		const char *path = url + 5;
		const char *q = strchr(path, '?');
		size_t n = q ? (size_t)(q - path) : strlen(path);
		if (path[0] != '/' || n >= sizeof(out->host))
			return err_set(e, "'%s': a unix socket is unix:/absolute/path", url);
		memcpy(out->host, path, n);
		out->host[n] = '\0';
		out->unix_socket = 1;
		if (q) {
			char *end;
			errno = 0;
			long db = strncmp(q, "?db=", 4) == 0 ? strtol(q + 4, &end, 10) : -1;
			if (db < 0 || db > 15 || errno || end == q + 4 || *end)
				return err_set(e, "'%s': the database is ?db=0..15", url);
			out->db = (int)db;
		}
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return err_set(e, "'%s' is not redis://host:port/db or unix:/path", url);
	const char *host = url + 8, *end = host;
	if (*host == '[') { /* an IPv6 address */
		end = strchr(host, ']');
		if (!end)
			return err_set(e, "'%s': no ']' after the IPv6 address", url);
		host++;
	} else {
		end = host + strcspn(host, ":/");
	}
	size_t n = (size_t)(end - host);
	if (n == 0 || n >= sizeof(out->host) || memchr(host, '@', n))
		return err_set(e, "'%s': no host (the password goes in session.redis_password)",
			       url);
	memcpy(out->host, host, n);
	out->host[n] = '\0';
	const char *p = *end == ']' ? end + 1 : end;
	char *stop;
	if (*p == ':') {
		errno = 0;
		long port = strtol(p + 1, &stop, 10);
		if (errno || stop == p + 1 || port < 1 || port > 65535)
			return err_set(e, "'%s': the port is 1..65535", url);
		out->port = (int)port;
		p = stop;
	}
	if (*p == '/' && p[1]) {
		errno = 0;
		long db = strtol(p + 1, &stop, 10);
		if (errno || stop == p + 1 || *stop || db < 0 || db > 15)
			return err_set(e, "'%s': the database is /0../15", url);
		out->db = (int)db;
	} else if (*p && strcmp(p, "/") != 0) {
		return err_set(e, "'%s' is not redis://host:port/db", url);
	}
	return 0;
}

static void drop(struct redis_store *s)
{
	redisFree(s->c);
	s->c = NULL;
}

static struct timeval timeout(void)
{
	struct timeval tv = { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
	return tv;
}

/* Locked, connected. A reply to argv, or NULL with e filled (the connection
 * dropped when it failed, so the next call connects again). The caller
 * frees the reply. */
static redisReply *call_once(struct redis_store *s, int argc, const char **argv,
			     struct err *e);

/* Locked. Connects, authenticates and selects the database. */
static int connect_locked(struct redis_store *s, struct err *e)
{
	if (s->c)
		return 0;
	struct timeval tv = timeout();
	s->c = s->addr.unix_socket ? redisConnectUnixWithTimeout(s->addr.host, tv)
				   : redisConnectWithTimeout(s->addr.host, s->addr.port, tv);
	if (!s->c)
		return err_set(e, "Redis at %s is unreachable: out of memory", s->where);
	if (s->c->err) {
		err_set(e, "Redis at %s is unreachable: %s", s->where, s->c->errstr);
		drop(s);
		return -1;
	}
	if (redisSetTimeout(s->c, tv) != REDIS_OK) {
		drop(s);
		return err_set(e, "Redis at %s: cannot set a timeout", s->where);
	}
	char db[16];
	snprintf(db, sizeof(db), "%d", s->addr.db);
	if (s->password[0]) {
		const char *argv[] = { "AUTH", s->password };
		redisReply *r = call_once(s, 2, argv, e);
		if (!r)
			return -1;
		freeReplyObject(r);
	}
	if (s->addr.db != 0) {
		const char *argv[] = { "SELECT", db };
		redisReply *r = call_once(s, 2, argv, e);
		if (!r)
			return -1;
		freeReplyObject(r);
	}
	return 0;
}

/* Locked. What a command gave, as call_once returns it. */
static redisReply *answer(struct redis_store *s, redisReply *r, const char **argv, struct err *e)
{
	if (!r) {
		err_set(e, "Redis at %s is unreachable: %s", s->where,
			s->c->errstr[0] ? s->c->errstr : "no answer");
		drop(s);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* A wrong password reads "WRONGPASS ...": said as it is, never the password. */
		err_set(e, "Redis at %s: %.*s", s->where, (int)r->len, r->str);
		freeReplyObject(r);
		if (strcmp(argv[0], "AUTH") == 0 || strcmp(argv[0], "SELECT") == 0)
			drop(s);
		return NULL;
	}
	return r;
}

static redisReply *call_once(struct redis_store *s, int argc, const char **argv,
			     struct err *e)
{
	return answer(s, redisCommandArgv(s->c, argc, argv, NULL), argv, e);
}

/* Locked. Connects when there is no connection. A connection Redis closed
 * while it sat idle (Redis restarted, a timeout on its side) shows only at
 * the next command: that one is sent once more on a new connection, so the
 * first request after Redis is back does not fail. Only for a closed
 * connection, never after a timeout (the command may have run). */
static redisReply *call_argv(struct redis_store *s, int argc, const char **argv, struct err *e)
{
	int reused = s->c != NULL;
	if (connect_locked(s, e) < 0)
		return NULL;
	redisReply *r = redisCommandArgv(s->c, argc, argv, NULL);
	if (!r && reused &&
	    (s->c->err == REDIS_ERR_EOF ||
	     (s->c->err == REDIS_ERR_IO && (errno == EPIPE || errno == ECONNRESET)))) {
		drop(s);
		if (connect_locked(s, e) < 0)
			return NULL;
		r = redisCommandArgv(s->c, argc, argv, NULL);
	}
	return answer(s, r, argv, e);
}

/* Runs a command of NUL-terminated strings under the lock. */
static redisReply *run(struct redis_store *s, int argc, const char **argv, struct err *e)
{
	pthread_mutex_lock(&s->lock);
	redisReply *r = call_argv(s, argc, argv, e);
	pthread_mutex_unlock(&s->lock);
	return r;
}

#define MAX_ARGS 16

/* EVAL script 0 args...: the script reads the prefix as ARGV[1]. */
static redisReply *eval(struct redis_store *s, const char *script, int argc, const char **args,
			struct err *e)
{
	const char *argv[MAX_ARGS + 4] = { "EVAL", script, "0", PREFIX };
	if (argc > MAX_ARGS) {
		err_set(e, "too many arguments");
		return NULL;
	}
	for (int i = 0; i < argc; i++)
		argv[4 + i] = args[i];
	return run(s, argc + 4, argv, e);
}

static int bad_reply(struct redis_store *s, redisReply *r, struct err *e)
{
	int type = r ? r->type : -1;
	freeReplyObject(r);
	return err_set(e, "Redis at %s: an answer of an unexpected kind (%d)", s->where, type);
}

static void num(char *out, size_t len, long long v)
{
	snprintf(out, len, "%lld", v);
}

static long touch_max(const struct session_limits *lim)
{
	long t = lim->idle / 4;
	return t < TOUCH_MAX ? t : TOUCH_MAX;
}

static int expired(const struct session *x, const struct session_limits *lim, time_t now)
{
	return now - x->last_seen > lim->idle || now - x->created > lim->lifetime;
}

/* The six fields of a session hash (HMGET order of FIELDS) into out. 0, or
 * SESSION_STORE_NONE when the array is not a whole session. */
#define FIELDS "'user', 'stamp', 'created', 'last_seen', 'expire_pages', 'secure'"

static int fields(const redisReply *r, size_t at, struct session *out)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements < at + 6)
		return SESSION_STORE_NONE;
	for (size_t i = at; i < at + 6; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return SESSION_STORE_NONE;
	redisReply *const *f = r->element + at;
	snprintf(out->user, sizeof(out->user), "%s", f[0]->str);
	snprintf(out->stamp, sizeof(out->stamp), "%s", f[1]->str);
	out->created = (time_t)strtoll(f[2]->str, NULL, 10);
	out->last_seen = (time_t)strtoll(f[3]->str, NULL, 10);
	out->expire_pages = strcmp(f[4]->str, "1") == 0;
	out->secure = strcmp(f[5]->str, "1") == 0;
	return 0;
}

/* ARGV: prefix key user stamp now expire_pages secure idle lifetime
 * max_sessions max_per_user. 0 made, 1 the key is taken, -2 full. The user's
 * oldest sessions make room for the new one; a refused logon ends nothing. */
static const char CREATE[] =
	"local p, key, user, stamp = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
	"local now, idle, life = tonumber(ARGV[5]), tonumber(ARGV[8]), tonumber(ARGV[9])\n"
	"local maxs, maxu = tonumber(ARGV[10]), tonumber(ARGV[11])\n"
	"local live, ukey = p .. 'live', p .. 'u:' .. user\n"
	"redis.call('ZREMRANGEBYSCORE', live, '-inf', '(' .. now)\n"
	"for _, k in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do\n"
	"  if redis.call('EXISTS', p .. 's:' .. k) == 0 then\n"
	"    redis.call('ZREM', ukey, k); redis.call('ZREM', live, k)\n"
	"  end\n"
	"end\n"
	"local gone = {}\n"
	"local mine = redis.call('ZCARD', ukey)\n"
	"if maxu > 0 and mine >= maxu then gone = redis.call('ZRANGE', ukey, 0, mine - maxu) end\n"
	"if maxs > 0 and redis.call('ZCARD', live) - #gone >= maxs then return -2 end\n"
	"if redis.call('EXISTS', p .. 's:' .. key) == 1 then return 1 end\n"
	"for _, k in ipairs(gone) do\n"
	"  redis.call('DEL', p .. 's:' .. k, p .. 'e:' .. k)\n"
	"  redis.call('ZREM', ukey, k); redis.call('ZREM', live, k)\n"
	"end\n"
	"local ttl = math.min(idle, life)\n"
	"local s, ended = p .. 's:' .. key, p .. 'e:' .. key\n"
	"redis.call('HSET', s, 'user', user, 'stamp', stamp, 'created', now, 'last_seen', now,\n"
	"           'expire_pages', ARGV[6], 'secure', ARGV[7])\n"
	"redis.call('EXPIRE', s, ttl)\n"
	"redis.call('HSET', ended, 'user', user, 'stamp', stamp)\n"
	"redis.call('EXPIRE', ended, ttl + " STR(SESSION_ENDED_SECONDS) ")\n"
	"redis.call('ZADD', live, now + ttl, key)\n"
	"redis.call('ZADD', ukey, redis.call('INCR', p .. 'serial'), key)\n"
	"redis.call('EXPIRE', ukey, life)\n"
	"redis.call('SADD', p .. 'ue:' .. user, key)\n"
	"redis.call('EXPIRE', p .. 'ue:' .. user, life + " STR(SESSION_ENDED_SECONDS) ")\n"
	"return 0\n";

static int op_create(struct session_store *st, const char *user, const char *stamp,
		     int expire_pages, int secure, const struct session_limits *lim,
		     struct session *out, struct err *e)
{
	struct redis_store *s = of(st);
	struct session x = { 0 };
	char now[24], idle[24], life[24], maxs[24], maxu[24];
	time_t t = time(NULL);
	int rc = -1, drawn = 1;
	snprintf(x.user, sizeof(x.user), "%s", user);
	snprintf(x.stamp, sizeof(x.stamp), "%s", stamp);
	x.created = x.last_seen = t;
	x.expire_pages = expire_pages;
	x.secure = secure;
	num(now, sizeof(now), (long long)t);
	num(idle, sizeof(idle), lim->idle);
	num(life, sizeof(life), lim->lifetime);
	num(maxs, sizeof(maxs), lim->max_sessions);
	num(maxu, sizeof(maxu), lim->max_per_user);
	for (int i = 0; i < DRAWS; i++) {
		drawn = 1;
		if (token_random(x.id, sizeof(x.id), SESSION_ID_BYTES, e) < 0)
			break;
		token_sha256_hex(x.id, x.key);
		const char *args[] = { x.key, user, stamp, now, expire_pages ? "1" : "0",
				       secure ? "1" : "0", idle, life, maxs, maxu };
		redisReply *r = eval(s, CREATE, 10, args, e);
		if (!r)
			break;
		if (r->type != REDIS_REPLY_INTEGER) {
			bad_reply(s, r, e);
			break;
		}
		long long v = r->integer;
		freeReplyObject(r);
		if (v == 1) {
			drawn = 0;
			continue;
		}
		rc = v == 0 ? 0 : SESSION_FULL;
		break;
	}
	if (!drawn)
		err_set(e, "no unused session id could be drawn");
	if (rc == 0) {
		session_csrf_of(x.id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

/* ARGV: prefix key now idle lifetime touch_max https. The session's fields,
 * nil when there is none or it is past its time (then it ended: its e:
 * record lives SESSION_ENDED_SECONDS from now), or when it is secure and
 * this is plain HTTP (kept, untouched: it goes on over HTTPS). Its last use is written when older
 * than touch_max, and its expiry moves with it. */
static const char FIND[] =
	"local p, key, now = ARGV[1], ARGV[2], tonumber(ARGV[3])\n"
	"local idle, life, touch = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])\n"
	"local s = p .. 's:' .. key\n"
	"local v = redis.call('HMGET', s, " FIELDS ")\n"
	"if not v[1] or not v[3] or not v[4] then return nil end\n"
	"local created, last = tonumber(v[3]), tonumber(v[4])\n"
	"if now - last > idle or now - created > life then\n"
	"  redis.call('DEL', s); redis.call('ZREM', p .. 'live', key)\n"
	"  redis.call('EXPIRE', p .. 'e:' .. key, " STR(SESSION_ENDED_SECONDS) ")\n"
	"  return nil\n"
	"end\n"
	"if ARGV[7] == '0' and v[6] == '1' then return nil end\n"
	"if now - last >= touch then\n"
	"  local ttl = math.max(1, math.min(idle, life - (now - created)))\n"
	"  redis.call('HSET', s, 'last_seen', now); redis.call('EXPIRE', s, ttl)\n"
	"  redis.call('EXPIRE', p .. 'e:' .. key, ttl + " STR(SESSION_ENDED_SECONDS) ")\n"
	"  redis.call('ZADD', p .. 'live', now + ttl, key)\n"
	"  v[4] = tostring(now)\n"
	"end\n"
	"return v\n";

static int op_find(struct session_store *st, const char *id, int https,
		   const struct session_limits *lim, struct session *out, struct err *e)
{
	struct redis_store *s = of(st);
	struct session x = { 0 };
	char now[24], idle[24], life[24], touch[24];
	time_t t = time(NULL);
	if (!token_well_formed(id, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(id, x.key);
	num(now, sizeof(now), (long long)t);
	num(idle, sizeof(idle), lim->idle);
	num(life, sizeof(life), lim->lifetime);
	num(touch, sizeof(touch), touch_max(lim));
	const char *args[] = { x.key, now, idle, life, touch, https ? "1" : "0" };
	redisReply *r = eval(s, FIND, 6, args, e);
	if (!r)
		return -1;
	int rc = r->type == REDIS_REPLY_NIL ? SESSION_STORE_NONE : fields(r, 0, &x);
	freeReplyObject(r);
	/* A secure session is kept: it goes on over HTTPS. */
	if (rc == 0 && !https && x.secure)
		rc = SESSION_STORE_NONE;
	if (rc == 0) {
		snprintf(x.id, sizeof(x.id), "%s", id);
		session_csrf_of(id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

/* ARGV: prefix old new secure. 1: no such session, 2: new is taken, else
 * the session's fields under its new key. Its TTLs go with it (RENAME);
 * transfer tokens of the old key find nothing any more. */
static const char ROTATE[] =
	"local p, old, new = ARGV[1], ARGV[2], ARGV[3]\n"
	"local s, n = p .. 's:' .. old, p .. 's:' .. new\n"
	"if redis.call('EXISTS', s) == 0 then return 1 end\n"
	"if redis.call('EXISTS', n) == 1 then return 2 end\n"
	"if ARGV[4] == '1' then redis.call('HSET', s, 'secure', '1') end\n"
	"redis.call('RENAME', s, n)\n"
	"if redis.call('EXISTS', p .. 'e:' .. old) == 1 then\n"
	"  redis.call('RENAME', p .. 'e:' .. old, p .. 'e:' .. new)\n"
	"end\n"
	"local user = redis.call('HGET', n, 'user')\n"
	"local ukey, live = p .. 'u:' .. user, p .. 'live'\n"
	"local serial = redis.call('ZSCORE', ukey, old) or redis.call('INCR', p .. 'serial')\n"
	"redis.call('ZREM', ukey, old); redis.call('ZADD', ukey, serial, new)\n"
	"local ends = redis.call('ZSCORE', live, old)\n"
	"if ends then redis.call('ZREM', live, old); redis.call('ZADD', live, ends, new) end\n"
	"redis.call('SREM', p .. 'ue:' .. user, old); redis.call('SADD', p .. 'ue:' .. user, new)\n"
	"return redis.call('HMGET', n, " FIELDS ")\n";

static int op_rotate(struct session_store *st, const char *key, int secure, struct session *out,
		     struct err *e)
{
	struct redis_store *s = of(st);
	struct session x = { 0 };
	int rc = -1;
	for (int i = 0; i < DRAWS; i++) {
		if (token_random(x.id, sizeof(x.id), SESSION_ID_BYTES, e) < 0)
			break;
		token_sha256_hex(x.id, x.key);
		const char *args[] = { key, x.key, secure ? "1" : "0" };
		redisReply *r = eval(s, ROTATE, 3, args, e);
		if (!r)
			break;
		if (r->type == REDIS_REPLY_INTEGER) {
			long long v = r->integer;
			freeReplyObject(r);
			if (v == 2)
				continue;
			rc = SESSION_STORE_NONE;
			break;
		}
		rc = fields(r, 0, &x);
		freeReplyObject(r);
		if (rc != 0)
			rc = err_set(e, "Redis at %s: a session without its fields", s->where);
		break;
	}
	if (rc == 0) {
		session_csrf_of(x.id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

/* ARGV: prefix key. Logoff: the session goes, its e: record stays for
 * SESSION_ENDED_SECONDS. */
static const char DESTROY[] =
	"local p, key = ARGV[1], ARGV[2]\n"
	"local s = p .. 's:' .. key\n"
	"local user = redis.call('HGET', s, 'user')\n"
	"if not user then return 0 end\n"
	"redis.call('DEL', s)\n"
	"redis.call('EXPIRE', p .. 'e:' .. key, " STR(SESSION_ENDED_SECONDS) ")\n"
	"redis.call('ZREM', p .. 'live', key); redis.call('ZREM', p .. 'u:' .. user, key)\n"
	"return 1\n";

static int op_destroy(struct session_store *st, const char *key, struct err *e)
{
	const char *args[] = { key };
	redisReply *r = eval(of(st), DESTROY, 1, args, e);
	if (!r)
		return -1;
	freeReplyObject(r);
	return 0;
}

/* ARGV: prefix key. The ended session's user and stamp; nil while it lives. */
static const char ENDED[] =
	"local p, key = ARGV[1], ARGV[2]\n"
	"if redis.call('EXISTS', p .. 's:' .. key) == 1 then return nil end\n"
	"local v = redis.call('HMGET', p .. 'e:' .. key, 'user', 'stamp')\n"
	"if not v[1] or not v[2] then return nil end\n"
	"return v\n";

static int op_ended(struct session_store *st, const char *id, struct session *out, struct err *e)
{
	struct session x = { 0 };
	if (!token_well_formed(id, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(id, x.key);
	const char *args[] = { x.key };
	redisReply *r = eval(of(st), ENDED, 1, args, e);
	if (!r)
		return -1;
	int rc = SESSION_STORE_NONE;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(x.user, sizeof(x.user), "%s", r->element[0]->str);
		snprintf(x.stamp, sizeof(x.stamp), "%s", r->element[1]->str);
		rc = 0;
	}
	freeReplyObject(r);
	if (rc == 0) {
		snprintf(x.id, sizeof(x.id), "%s", id);
		session_csrf_of(id, x.csrf);
		*out = x;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

/* ARGV: prefix user. How many live sessions ended; their e: records go too
 * (ended for the account's sake: no form of them is kept). */
static const char DESTROY_USER[] =
	"local p, user = ARGV[1], ARGV[2]\n"
	"local ukey, ue, live = p .. 'u:' .. user, p .. 'ue:' .. user, p .. 'live'\n"
	"local n = 0\n"
	"for _, k in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do\n"
	"  n = n + redis.call('DEL', p .. 's:' .. k); redis.call('ZREM', live, k)\n"
	"end\n"
	"for _, k in ipairs(redis.call('SMEMBERS', ue)) do redis.call('DEL', p .. 'e:' .. k) end\n"
	"redis.call('DEL', ukey, ue)\n"
	"return n\n";

static int op_destroy_user(struct session_store *st, const char *user, long *count,
			   struct err *e)
{
	struct redis_store *s = of(st);
	const char *args[] = { user };
	redisReply *r = eval(s, DESTROY_USER, 1, args, e);
	if (!r)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return bad_reply(s, r, e);
	if (count)
		*count = (long)r->integer;
	freeReplyObject(r);
	return 0;
}

static int op_count(struct session_store *st, const struct session_limits *lim, long *n,
		    struct err *e)
{
	struct redis_store *s = of(st);
	char now[24];
	(void)lim; /* the live set holds each session's end */
	num(now, sizeof(now), (long long)time(NULL));
	const char *argv[] = { "ZCOUNT", PREFIX "live", now, "+inf" };
	redisReply *r = run(s, 4, argv, e);
	if (!r)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return bad_reply(s, r, e);
	*n = (long)r->integer;
	freeReplyObject(r);
	return 0;
}

static int op_transfer_new(struct session_store *st, const char *key, char *token, size_t len,
			   struct err *e)
{
	struct redis_store *s = of(st);
	char value[SESSION_ID_LEN], hash[SESSION_KEY_LEN], name[sizeof(PREFIX) + 2 + SESSION_KEY_LEN];
	if (token_random(value, sizeof(value), SESSION_ID_BYTES, e) < 0)
		return -1;
	if (strlen(value) >= len) {
		explicit_bzero(value, sizeof(value));
		return err_set(e, "transfer token buffer too small");
	}
	token_sha256_hex(value, hash);
	snprintf(name, sizeof(name), PREFIX "t:%s", hash);
	const char *argv[] = { "SET", name, key, "EX", STR(SESSION_TRANSFER_SECONDS) };
	redisReply *r = run(s, 5, argv, e);
	int rc = r ? 0 : -1;
	freeReplyObject(r);
	if (rc == 0)
		snprintf(token, len, "%s", value);
	explicit_bzero(value, sizeof(value));
	return rc;
}

/* ARGV: prefix hash. The token is used up, whatever comes next; then the
 * session's key and fields, or nil. */
static const char TRANSFER_TAKE[] =
	"local name = ARGV[1] .. 't:' .. ARGV[2]\n"
	"local key = redis.call('GET', name)\n"
	"redis.call('DEL', name)\n"
	"if not key then return nil end\n"
	"local v = redis.call('HMGET', ARGV[1] .. 's:' .. key, " FIELDS ")\n"
	"if not v[1] then return nil end\n"
	"table.insert(v, 1, key)\n"
	"return v\n";

static int op_transfer_take(struct session_store *st, const char *token,
			    const struct session_limits *lim, struct session *out, struct err *e)
{
	struct redis_store *s = of(st);
	struct session x = { 0 };
	char hash[SESSION_KEY_LEN];
	if (!token_well_formed(token, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return SESSION_STORE_NONE;
	token_sha256_hex(token, hash);
	const char *args[] = { hash };
	redisReply *r = eval(s, TRANSFER_TAKE, 1, args, e);
	if (!r)
		return -1;
	int rc = SESSION_STORE_NONE;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 7 &&
	    r->element[0]->type == REDIS_REPLY_STRING && fields(r, 1, &x) == 0) {
		snprintf(x.key, sizeof(x.key), "%s", r->element[0]->str);
		rc = expired(&x, lim, time(NULL)) ? SESSION_STORE_NONE : 0;
	}
	freeReplyObject(r);
	if (rc == 0)
		*out = x;
	explicit_bzero(&x, sizeof(x));
	return rc;
}

static int op_sweep(struct session_store *st, const struct session_limits *lim, struct err *e)
{
	struct redis_store *s = of(st);
	char before[24];
	(void)lim;
	/* Redis expires the rest itself; the live set is cleaned here. */
	num(before, sizeof(before), (long long)time(NULL));
	char range[32];
	snprintf(range, sizeof(range), "(%s", before);
	const char *argv[] = { "ZREMRANGEBYSCORE", PREFIX "live", "-inf", range };
	redisReply *r = run(s, 4, argv, e);
	freeReplyObject(r);
	return r ? 0 : -1;
}

/* The kv operations' keys: k:KEY. */
static int kv_name(const char *key, char *out, size_t len, struct err *e)
{
	int n = snprintf(out, len, PREFIX "k:%s", key);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, "a key is too long");
	return 0;
}

#define KV_NAME_MAX 512

static int op_kv_set(struct session_store *st, const char *key, const char *value, long ttl,
		     struct err *e)
{
	char name[KV_NAME_MAX], secs[24];
	if (kv_name(key, name, sizeof(name), e) < 0)
		return -1;
	num(secs, sizeof(secs), ttl);
	const char *argv[] = { "SET", name, value, "EX", secs };
	redisReply *r = run(of(st), ttl > 0 ? 5 : 3, argv, e);
	freeReplyObject(r);
	return r ? 0 : -1;
}

static int op_kv_get(struct session_store *st, const char *key, char *value, size_t len,
		     struct err *e)
{
	struct redis_store *s = of(st);
	char name[KV_NAME_MAX];
	if (kv_name(key, name, sizeof(name), e) < 0)
		return -1;
	const char *argv[] = { "GET", name };
	redisReply *r = run(s, 2, argv, e);
	if (!r)
		return -1;
	int rc;
	if (r->type == REDIS_REPLY_NIL)
		rc = SESSION_STORE_NONE;
	else if (r->type != REDIS_REPLY_STRING)
		return bad_reply(s, r, e);
	else if (r->len >= len)
		rc = err_set(e, "a stored value is too long");
	else {
		memcpy(value, r->str, r->len);
		value[r->len] = '\0';
		rc = 0;
	}
	freeReplyObject(r);
	return rc;
}

static int op_kv_del(struct session_store *st, const char *key, long *deleted, struct err *e)
{
	struct redis_store *s = of(st);
	char name[KV_NAME_MAX];
	if (kv_name(key, name, sizeof(name), e) < 0)
		return -1;
	const char *argv[] = { "DEL", name };
	redisReply *r = run(s, 2, argv, e);
	if (!r)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return bad_reply(s, r, e);
	if (deleted)
		*deleted = (long)r->integer;
	freeReplyObject(r);
	return 0;
}

/* ARGV: prefix name ttl. INCR, and EXPIRE when it made the key: one script
 * rather than a MULTI, which cannot make the EXPIRE depend on the INCR. */
static const char INCR[] =
	"local v = redis.call('INCR', ARGV[2])\n"
	"if v == 1 and tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', ARGV[2], ARGV[3]) end\n"
	"return v\n";

static int op_kv_incr(struct session_store *st, const char *key, long ttl, long long *value,
		      struct err *e)
{
	struct redis_store *s = of(st);
	char name[KV_NAME_MAX], secs[24];
	if (kv_name(key, name, sizeof(name), e) < 0)
		return -1;
	num(secs, sizeof(secs), ttl);
	const char *args[] = { name, secs };
	redisReply *r = eval(s, INCR, 2, args, e);
	if (!r)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER)
		return bad_reply(s, r, e);
	*value = r->integer;
	freeReplyObject(r);
	return 0;
}

static int op_kv_expire(struct session_store *st, const char *key, long ttl, struct err *e)
{
	char name[KV_NAME_MAX], secs[24];
	if (kv_name(key, name, sizeof(name), e) < 0)
		return -1;
	num(secs, sizeof(secs), ttl);
	const char *expire[] = { "EXPIRE", name, secs };
	const char *persist[] = { "PERSIST", name };
	redisReply *r = ttl > 0 ? run(of(st), 3, expire, e) : run(of(st), 2, persist, e);
	freeReplyObject(r);
	return r ? 0 : -1;
}

static void op_close(struct session_store *st)
{
	struct redis_store *s = of(st);
	if (s->c)
		redisFree(s->c);
	explicit_bzero(s->password, sizeof(s->password));
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct session_store_ops redis_ops = {
	.name = "redis",
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

int session_store_redis_open(const char *url, const char *password,
			     struct session_store **out, struct err *e)
{
	struct redis_store *s;
	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return err_set(e, "out of memory");
	s->base.ops = &redis_ops;
	if (session_store_redis_parse(url, &s->addr, e) < 0) {
		free(s);
		return -1;
	}
	if (password && snprintf(s->password, sizeof(s->password), "%s", password) >=
				(int)sizeof(s->password)) {
		free(s);
		return err_set(e, "session.redis_password is too long");
	}
	if (s->addr.unix_socket)
		snprintf(s->where, sizeof(s->where), "unix:%s", s->addr.host);
	else
		snprintf(s->where, sizeof(s->where), "%s port %d", s->addr.host, s->addr.port);
	pthread_mutex_init(&s->lock, NULL);
	/* Connected now when it can be; if not, at the first operation. */
	struct err ignored;
	pthread_mutex_lock(&s->lock);
	connect_locked(s, &ignored);
	pthread_mutex_unlock(&s->lock);
	*out = &s->base;
	return 0;
}
