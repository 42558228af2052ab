/* test_session_store_redis.c - the shared session store against a real
 * redis-server that the test starts on a unix socket in its own folder: the
 * behaviours of the embedded store's test (sessions found by their cookie
 * value from a second connection, new ids, secure never over HTTP, transfer
 * tokens once, expiry and limits, ended sessions, the kv operations), Redis
 * holding no id or token, and a Redis that stops or stalls: a clear error
 * within the timeout, and the store works again once Redis is back. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/session_store.h"

static const struct session_limits lim = { 1800, 43200, 4096, 20 };

/* One redis-server for the whole file; every test starts on an empty one. */
static struct tmpdir dir;
static char sock[PATH_MAX + 16], url[PATH_MAX + 32];
static pid_t redis_pid;

struct fixture {
	struct session_store *st;
	redisContext *c; /* the test's own connection, to look and to age */
};

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

static void start_redis(void)
{
	redis_pid = fork();
	assert_true(redis_pid >= 0);
	if (redis_pid == 0) {
		/* A test killed by its timeout leaves no Redis behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", dir.path, (char *)NULL);
		_exit(127);
	}
	/* Up when it answers PING: at most 10 s. */
	struct timeval tv = { 1, 0 };
	for (int i = 0; i < 200; i++) {
		redisContext *c = redisConnectUnixWithTimeout(sock, tv);
		if (c && !c->err) {
			redisReply *r = redisCommand(c, "PING");
			int up = r && r->type == REDIS_REPLY_STATUS;
			freeReplyObject(r);
			redisFree(c);
			if (up)
				return;
		} else if (c) {
			redisFree(c);
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("redis-server did not answer on %s", sock);
}

static void stop_redis(void)
{
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
}

static int group_setup(void **state)
{
	(void)state;
	/* As in the programs: a write to a Redis that went away is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	tmpdir_enter(&dir);
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir.path);
	snprintf(url, sizeof(url), "unix:%s", sock);
	start_redis();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_redis();
	tmpdir_leave(&dir);
	return 0;
}

static redisReply *cmd(struct fixture *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(f->c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	return r;
}

static void poke(struct fixture *f, const char *fmt, const char *arg)
{
	freeReplyObject(cmd(f, fmt, arg));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	struct timeval tv = { 5, 0 };
	assert_non_null(f);
	if (!redis_pid)
		start_redis();
	f->c = redisConnectUnixWithTimeout(sock, tv);
	assert_true(f->c && !f->c->err);
	freeReplyObject(cmd(f, "FLUSHALL"));
	ok(session_store_redis_open(url, NULL, &f->st, &e), &e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session_store_close(&f->st);
	redisFree(f->c);
	free(f);
	return 0;
}

/* Another front end: a store with its own connection. */
static void reopen(struct fixture *f)
{
	struct err e;
	session_store_close(&f->st);
	ok(session_store_redis_open(url, NULL, &f->st, &e), &e);
}

static struct session make(struct fixture *f, const char *user, const struct session_limits *l)
{
	struct session s;
	struct err e;
	ok(session_store_create(f->st, user, "stamp-1", 0, 0, l, &s, &e), &e);
	return s;
}

static int find(struct fixture *f, const char *id, int https, struct session *out)
{
	struct err e = { "" };
	int rc = session_store_find(f->st, id, https, &lim, out, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	return rc;
}

static int ended(struct fixture *f, const char *id, struct session *out)
{
	struct err e = { "" };
	int rc = session_store_ended(f->st, id, out, &e);
	if (rc < 0)
		fail_msg("%s", e.msg);
	return rc;
}

static void test_addresses(void **state)
{
	struct session_store_redis_address a;
	struct err e;
	(void)state;
	ok(session_store_redis_parse("redis://10.0.0.5:6380/2", &a, &e), &e);
	assert_string_equal(a.host, "10.0.0.5");
	assert_int_equal(a.port, 6380);
	assert_int_equal(a.db, 2);
	ok(session_store_redis_parse("redis://[::1]", &a, &e), &e);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6379);
	ok(session_store_redis_parse("unix:/run/redis/redis.sock?db=3", &a, &e), &e);
	assert_true(a.unix_socket);
	assert_string_equal(a.host, "/run/redis/redis.sock");
	assert_int_equal(a.db, 3);
	assert_int_equal(session_store_redis_parse("redis://:pw@host", &a, &e), -1);
	assert_non_null(strstr(e.msg, "session.redis_password"));
	assert_int_equal(session_store_redis_parse("http://host", &a, &e), -1);
	assert_int_equal(session_store_redis_parse("redis://host:99999", &a, &e), -1);
	assert_int_equal(session_store_redis_parse("unix:relative.sock", &a, &e), -1);
}

static void test_create_find_destroy(void **state)
{
	struct fixture *f = *state;
	struct session s, found;
	struct err e;
	long n;
	ok(session_store_create(f->st, "ann@example.org", "stamp-1", 1, 0, &lim, &s, &e), &e);
	assert_int_equal(strlen(s.id), 43);
	assert_int_equal(strlen(s.csrf), 64);
	/* Another front end: the same cookie works there. */
	reopen(f);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_string_equal(found.csrf, s.csrf);
	assert_string_equal(found.key, s.key);
	assert_int_equal(found.expire_pages, 1);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 1);
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(find(f, s.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, "not-an-id", 0, &found), SESSION_STORE_NONE);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 0);
}

static void test_secure_never_over_http(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), rotated, found;
	struct err e;
	ok(session_store_rotate(f->st, s.key, 1, &rotated, &e), &e);
	assert_string_not_equal(rotated.id, s.id);
	assert_string_not_equal(rotated.csrf, s.csrf);
	assert_int_equal(find(f, s.id, 1, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, rotated.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, rotated.id, 1, &found), 0);
	assert_int_equal(found.secure, 1);
	assert_int_equal(session_store_rotate(f->st, s.key, 0, &rotated, &e), SESSION_STORE_NONE);
}

static void test_transfer_once(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	char token[SESSION_ID_LEN];
	struct err e;
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	reopen(f);
	ok(session_store_transfer_take(f->st, token, &lim, &found, &e), &e);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.key, s.key);
	assert_string_equal(found.id, "");
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	/* A token outlives neither its time (Redis expires it) nor its session. */
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	redisReply *r = cmd(f, "KEYS webmsg:t:*");
	assert_int_equal(r->elements, 1);
	poke(f, "TTL %s", r->element[0]->str);
	poke(f, "DEL %s", r->element[0]->str);
	freeReplyObject(r);
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
}

static void test_expiry(void **state)
{
	struct fixture *f = *state;
	struct session idle = make(f, "ann@example.org", &lim);
	struct session old = make(f, "bob@example.org", &lim);
	struct session fresh = make(f, "cy@example.org", &lim), found;
	struct err e;
	long long ttl;
	poke(f, "HINCRBY webmsg:s:%s last_seen -1801", idle.key);
	poke(f, "HINCRBY webmsg:s:%s created -43201", old.key);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, old.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, fresh.id, 0, &found), 0);
	/* Redis ends a session no one asks for: its expiry is the idle timeout. */
	redisReply *r = cmd(f, "TTL webmsg:s:%s", fresh.key);
	ttl = r->integer;
	freeReplyObject(r);
	assert_true(ttl > 1700 && ttl <= 1800);
	ok(session_store_sweep(f->st, &lim, &e), &e);
}

static void test_last_seen_not_every_request(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	poke(f, "HINCRBY webmsg:s:%s last_seen -10", s.key);
	poke(f, "EXPIRE webmsg:s:%s 1000", s.key);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_int_equal(found.last_seen, s.last_seen - 10);
	/* Older than a minute: written, and Redis's expiry moves with it. */
	poke(f, "HINCRBY webmsg:s:%s last_seen -100", s.key);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(found.last_seen >= s.last_seen);
	redisReply *r = cmd(f, "TTL webmsg:s:%s", s.key);
	assert_true(r->integer > 1700);
	freeReplyObject(r);
	reopen(f);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(found.last_seen >= s.last_seen);
}

static void test_destroy_user(void **state)
{
	struct fixture *f = *state;
	struct session a1 = make(f, "ann@example.org", &lim), a2 = make(f, "ann@example.org", &lim);
	struct session b = make(f, "bob@example.org", &lim), found;
	struct err e;
	long n = 0;
	char token[SESSION_ID_LEN];
	ok(session_store_transfer_new(f->st, a1.key, token, sizeof(token), &e), &e);
	ok(session_store_destroy_user(f->st, "ann@example.org", &n, &e), &e);
	assert_int_equal(n, 2);
	assert_int_equal(find(f, a1.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, a2.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	assert_int_equal(find(f, b.id, 0, &found), 0);
	ok(session_store_count(f->st, &lim, &n, &e), &e);
	assert_int_equal(n, 1);
}

static void test_ended_known_for_a_while(void **state)
{
	struct fixture *f = *state;
	struct session off = make(f, "ann@example.org", &lim);
	struct session idle = make(f, "bob@example.org", &lim);
	struct session gone = make(f, "dee@example.org", &lim);
	struct session live = make(f, "cy@example.org", &lim), found;
	struct err e;
	assert_int_equal(ended(f, live.id, &found), SESSION_STORE_NONE);
	ok(session_store_destroy(f->st, off.key, &e), &e);
	reopen(f);
	assert_int_equal(ended(f, off.id, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_string_equal(found.csrf, off.csrf);
	assert_int_equal(find(f, off.id, 0, &found), SESSION_STORE_NONE);
	/* Expired, found at lookup ... */
	poke(f, "HINCRBY webmsg:s:%s last_seen -1801", idle.key);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(ended(f, idle.id, &found), 0);
	assert_string_equal(found.user, "bob@example.org");
	/* ... or expired by Redis with no one asking. */
	poke(f, "DEL webmsg:s:%s", gone.key);
	assert_int_equal(ended(f, gone.id, &found), 0);
	assert_string_equal(found.user, "dee@example.org");
	/* Kept a day, not more. */
	redisReply *r = cmd(f, "TTL webmsg:e:%s", off.key);
	assert_true(r->integer > 86000 && r->integer <= 86400);
	freeReplyObject(r);
	assert_int_equal(ended(f, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &found),
			 SESSION_STORE_NONE);
	poke(f, "DEL webmsg:e:%s", off.key);
	assert_int_equal(ended(f, off.id, &found), SESSION_STORE_NONE);
}

static void test_ended_not_for_an_ended_account(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	struct err e;
	long n;
	ok(session_store_destroy(f->st, s.key, &e), &e);
	assert_int_equal(ended(f, s.id, &found), 0);
	ok(session_store_destroy_user(f->st, "ann@example.org", &n, &e), &e);
	assert_int_equal(ended(f, s.id, &found), SESSION_STORE_NONE);
}

static void test_cap_per_user(void **state)
{
	struct fixture *f = *state;
	struct session_limits l = lim;
	struct session s[4], other, found;
	l.max_per_user = 3;
	other = make(f, "bob@example.org", &l);
	for (int i = 0; i < 4; i++)
		s[i] = make(f, "ann@example.org", &l);
	assert_int_equal(find(f, s[0].id, 0, &found), SESSION_STORE_NONE);
	for (int i = 1; i < 4; i++)
		assert_int_equal(find(f, s[i].id, 0, &found), 0);
	assert_int_equal(find(f, other.id, 0, &found), 0);
}

static void test_full_store_refuses(void **state)
{
	struct fixture *f = *state;
	struct session_limits l = lim;
	struct session s[3], found, extra;
	struct err e;
	l.max_sessions = 3;
	s[0] = make(f, "ann@example.org", &l);
	s[1] = make(f, "bob@example.org", &l);
	s[2] = make(f, "cy@example.org", &l);
	assert_int_equal(session_store_create(f->st, "dan@example.org", "x", 0, 0, &l, &extra, &e),
			 SESSION_FULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(find(f, s[i].id, 0, &found), 0);
	l.max_per_user = 1;
	ok(session_store_create(f->st, "ann@example.org", "x", 0, 0, &l, &extra, &e), &e);
	assert_int_equal(find(f, s[0].id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, extra.id, 0, &found), 0);
	/* A session that ended makes room (the live set is cleaned on use). */
	ok(session_store_destroy(f->st, s[1].key, &e), &e);
	ok(session_store_create(f->st, "dan@example.org", "x", 0, 0, &l, &extra, &e), &e);
}

/* Every key and every value Redis holds, looked through for needle. */
static int in_redis(struct fixture *f, const char *needle)
{
	redisReply *keys = cmd(f, "KEYS *");
	int seen = 0;
	for (size_t i = 0; i < keys->elements && !seen; i++) {
		const char *k = keys->element[i]->str;
		seen = strstr(k, needle) != NULL;
		redisReply *t = cmd(f, "TYPE %s", k);
		redisReply *v = strcmp(t->str, "hash") == 0   ? cmd(f, "HGETALL %s", k)
				: strcmp(t->str, "zset") == 0 ? cmd(f, "ZRANGE %s 0 -1", k)
				: strcmp(t->str, "set") == 0  ? cmd(f, "SMEMBERS %s", k)
							      : cmd(f, "GET %s", k);
		if (v->type == REDIS_REPLY_STRING)
			seen |= strstr(v->str, needle) != NULL;
		for (size_t j = 0; v->type == REDIS_REPLY_ARRAY && j < v->elements; j++)
			seen |= strstr(v->element[j]->str, needle) != NULL;
		freeReplyObject(v);
		freeReplyObject(t);
	}
	freeReplyObject(keys);
	return seen;
}

static void test_hashes_only_in_redis(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), rotated;
	char token[SESSION_ID_LEN];
	struct err e;
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	ok(session_store_rotate(f->st, s.key, 1, &rotated, &e), &e);
	ok(session_store_transfer_new(f->st, rotated.key, token, sizeof(token), &e), &e);
	assert_true(in_redis(f, "ann@example.org")); /* the scan does see values */
	assert_true(in_redis(f, rotated.key));
	assert_false(in_redis(f, s.id));
	assert_false(in_redis(f, rotated.id));
	assert_false(in_redis(f, rotated.csrf));
	assert_false(in_redis(f, token));
}

static void test_keys_with_expiry(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char v[32], small[2];
	long long n = 0;
	long gone = -1;
	assert_int_equal(session_store_kv_get(f->st, "k", v, sizeof(v), &e), SESSION_STORE_NONE);
	ok(session_store_kv_set(f->st, "k", "one", 0, &e), &e);
	ok(session_store_kv_set(f->st, "k", "two", 3600, &e), &e);
	ok(session_store_kv_get(f->st, "k", v, sizeof(v), &e), &e);
	assert_string_equal(v, "two");
	assert_int_equal(session_store_kv_get(f->st, "k", small, sizeof(small), &e), -1);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 1);
	ok(session_store_kv_incr(f->st, "c", 60, &n, &e), &e);
	assert_int_equal(n, 2);
	/* The expiry came with the first INCR, and a later one kept it. */
	redisReply *r = cmd(f, "TTL webmsg:k:c");
	assert_true(r->integer > 3000);
	freeReplyObject(r);
	reopen(f);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 3);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 1);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 0);
	ok(session_store_kv_set(f->st, "forever", "x", 0, &e), &e);
	ok(session_store_kv_expire(f->st, "forever", 60, &e), &e);
	r = cmd(f, "TTL webmsg:k:forever");
	assert_true(r->integer > 0 && r->integer <= 60);
	freeReplyObject(r);
	ok(session_store_kv_expire(f->st, "forever", 0, &e), &e);
	r = cmd(f, "TTL webmsg:k:forever");
	assert_int_equal(r->integer, -1);
	freeReplyObject(r);
	ok(session_store_kv_expire(f->st, "absent", 60, &e), &e);
	assert_int_equal(session_store_kv_get(f->st, "absent", v, sizeof(v), &e),
			 SESSION_STORE_NONE);
	/* Redis's own expiry: past it the key is absent. */
	poke(f, "PEXPIRE webmsg:k:%s 1", "c");
	for (int i = 0; i < 100; i++) {
		if (session_store_kv_get(f->st, "c", v, sizeof(v), &e) == SESSION_STORE_NONE)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(session_store_kv_get(f->st, "c", v, sizeof(v), &e), SESSION_STORE_NONE);
}

struct incr_arg {
	struct session_store *st;
	int failed;
};

static void *incr_many(void *p)
{
	struct incr_arg *a = p;
	struct err e;
	long long n;
	for (int i = 0; i < 100; i++)
		if (session_store_kv_incr(a->st, "shared", 60, &n, &e) < 0)
			a->failed = 1;
	return NULL;
}

/* Two front ends, two threads each: every INCR counts once. */
static void test_incr_atomic(void **state)
{
	struct fixture *f = *state;
	struct session_store *other;
	struct incr_arg a[4];
	pthread_t th[4];
	struct err e = { "" };
	char v[32];
	ok(session_store_redis_open(url, NULL, &other, &e), &e);
	for (int i = 0; i < 4; i++) {
		a[i].st = i % 2 ? other : f->st;
		a[i].failed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, incr_many, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].failed, 0);
	}
	session_store_close(&other);
	ok(session_store_kv_get(f->st, "shared", v, sizeof(v), &e), &e);
	assert_string_equal(v, "400");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Redis stopped: a clear error at once; started again: the same store works
 * (it connects again by itself). Stalled: an error within the timeout. */
static void test_redis_down_and_back(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	struct err e = { "" };
	char v[8];
	/* Stalled (stopped by a signal): the command gives up after its timeout. */
	kill(redis_pid, SIGSTOP);
	double t0 = now_s();
	assert_int_equal(session_store_find(f->st, s.id, 0, &lim, &found, &e), -1);
	double took = now_s() - t0;
	kill(redis_pid, SIGCONT);
	assert_non_null(strstr(e.msg, "Redis at unix:"));
	assert_true(took < 10);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	/* Stopped: unreachable, said so. */
	redisFree(f->c);
	f->c = NULL;
	stop_redis();
	assert_int_equal(session_store_kv_get(f->st, "k", v, sizeof(v), &e), -1);
	assert_non_null(strstr(e.msg, "unreachable"));
	assert_int_equal(session_store_ping(f->st, &e), -1);
	/* Back (empty: it kept nothing on disk): the store works again. */
	start_redis();
	struct timeval tv = { 5, 0 };
	f->c = redisConnectUnixWithTimeout(sock, tv);
	ok(session_store_ping(f->st, &e), &e);
	s = make(f, "ann@example.org", &lim);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	/* Restarted while the store held a connection: the first operation after
	 * it works (the closed connection is replaced, the command sent again). */
	redisFree(f->c);
	f->c = NULL;
	stop_redis();
	start_redis();
	f->c = redisConnectUnixWithTimeout(sock, tv);
	ok(session_store_ping(f->st, &e), &e);
}

/* A password Redis wants: AUTH with it; a wrong one is said, and never shown. */
static void test_password(void **state)
{
	struct fixture *f = *state;
	struct session_store *st;
	struct err e = { "" };
	poke(f, "CONFIG SET requirepass %s", "s3cret-pw");
	ok(session_store_redis_open(url, "s3cret-pw", &st, &e), &e);
	ok(session_store_ping(st, &e), &e);
	session_store_close(&st);
	ok(session_store_redis_open(url, "wrong-pw", &st, &e), &e);
	assert_int_equal(session_store_ping(st, &e), -1);
	assert_null(strstr(e.msg, "wrong-pw"));
	session_store_close(&st);
	poke(f, "AUTH %s", "s3cret-pw");
	poke(f, "CONFIG SET requirepass %s", "");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		T(test_create_find_destroy),
		T(test_secure_never_over_http),
		T(test_transfer_once),
		T(test_expiry),
		T(test_last_seen_not_every_request),
		T(test_destroy_user),
		T(test_ended_known_for_a_while),
		T(test_ended_not_for_an_ended_account),
		T(test_cap_per_user),
		T(test_full_store_refuses),
		T(test_hashes_only_in_redis),
		T(test_keys_with_expiry),
		T(test_incr_atomic),
		T(test_redis_down_and_back),
		T(test_password),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
