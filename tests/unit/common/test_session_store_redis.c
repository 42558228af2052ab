/* test_session_store_redis.c - the shared session store against a real
 * redis-server that the test starts on a unix socket in its own folder: what
 * every store does (session_store_tests.h, "opened again" being another
 * front end with its own connection), and what is Redis's own: addresses,
 * Redis ending sessions, tokens and keys by its expiry with no one asking,
 * the expiry following use, Redis holding no id or token, a password, and a
 * Redis that stops or stalls: a clear error within the timeout, and the store
 * works again once Redis is back. */
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

/* One redis-server for the whole file; every test starts on an empty one. */
static struct tmpdir dir;
static char sock[PATH_MAX + 16], url[PATH_MAX + 32];
static pid_t redis_pid;

struct fixture {
	struct session_store *st;
	redisContext *c; /* the test's own connection, to look and to age */
};

#include "session_store_tests.h"

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

/* Another front end beside this one. */
static void another(struct fixture *f, struct session_store **st)
{
	struct err e;
	(void)f;
	ok(session_store_redis_open(url, NULL, st, &e), &e);
}

static long long integer(struct fixture *f, const char *fmt, const char *arg)
{
	redisReply *r = cmd(f, fmt, arg);
	long long n = r->integer;
	freeReplyObject(r);
	return n;
}

/* Redis's expiry of the session moves back with its last use. */
static void age_session(struct fixture *f, const struct session *s, long idle, long old)
{
	char by[32];
	snprintf(by, sizeof(by), "%ld", -idle);
	freeReplyObject(cmd(f, "HINCRBY webmsg:s:%s last_seen %s", s->key, by));
	snprintf(by, sizeof(by), "%ld", -old);
	freeReplyObject(cmd(f, "HINCRBY webmsg:s:%s created %s", s->key, by));
	long long ttl = integer(f, "TTL webmsg:s:%s", s->key);
	if (idle && ttl > idle) {
		snprintf(by, sizeof(by), "%lld", ttl - idle);
		freeReplyObject(cmd(f, "EXPIRE webmsg:s:%s %s", s->key, by));
	} else if (idle) {
		poke(f, "DEL webmsg:s:%s", s->key);
	}
}

static void expire_transfers(struct fixture *f)
{
	redisReply *r = cmd(f, "KEYS webmsg:t:*");
	for (size_t i = 0; i < r->elements; i++) {
		assert_true(integer(f, "TTL %s", r->element[i]->str) > 0);
		poke(f, "DEL %s", r->element[i]->str);
	}
	freeReplyObject(r);
}

static void expire_ended(struct fixture *f, const struct session *s)
{
	/* Kept a day, not more. */
	long long ttl = integer(f, "TTL webmsg:e:%s", s->key);
	assert_true(ttl > 86000 && ttl <= 86400);
	poke(f, "DEL webmsg:e:%s", s->key);
}

/* Redis's own expiry: a key at its end is absent soon after. */
static void expire_key(struct fixture *f, const char *key)
{
	struct err e;
	char v[64];
	poke(f, "PEXPIRE webmsg:k:%s 1", key);
	for (int i = 0; i < 500; i++) {
		if (session_store_kv_get(f->st, key, v, sizeof(v), &e) == SESSION_STORE_NONE)
			return;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	fail_msg("Redis did not expire %s", key);
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

/* Redis ends a session no one asks for (its expiry is the idle timeout,
 * moved on as it is used), and the session is still known as ended. */
static void test_expired_by_redis(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim);
	struct session gone = make(f, "dee@example.org", &lim), found;
	long long ttl = integer(f, "TTL webmsg:s:%s", s.key);
	assert_true(ttl > lim.idle - 100 && ttl <= lim.idle);
	age_session(f, &s, 100, 0);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(integer(f, "TTL webmsg:s:%s", s.key) > lim.idle - 100);
	poke(f, "DEL webmsg:s:%s", gone.key);
	assert_int_equal(find(f, gone.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(ended(f, gone.id, &found), 0);
	assert_string_equal(found.user, "dee@example.org");
}

/* A counter's expiry comes with its first INCR and a later one keeps it;
 * EXPIRE 0 takes a key's expiry away. */
static void test_key_expiry_in_redis(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	long long n;
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	ok(session_store_kv_incr(f->st, "c", 60, &n, &e), &e);
	assert_true(integer(f, "TTL webmsg:k:%s", "c") > 3000);
	ok(session_store_kv_set(f->st, "forever", "x", 0, &e), &e);
	assert_int_equal(integer(f, "TTL webmsg:k:%s", "forever"), -1);
	ok(session_store_kv_expire(f->st, "forever", 60, &e), &e);
	n = integer(f, "TTL webmsg:k:%s", "forever");
	assert_true(n > 0 && n <= 60);
	ok(session_store_kv_expire(f->st, "forever", 0, &e), &e);
	assert_int_equal(integer(f, "TTL webmsg:k:%s", "forever"), -1);
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
		SESSION_STORE_TESTS(setup, teardown),
		T(test_expired_by_redis),
		T(test_hashes_only_in_redis),
		T(test_key_expiry_in_redis),
		T(test_redis_down_and_back),
		T(test_password),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
