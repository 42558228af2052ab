/* session_store_tests.h - what every session store does, whatever holds it:
 * the tests of each back-end (test_session_store.c, the embedded SQLite
 * store; test_session_store_redis.c, Redis) include this file and list
 * SESSION_STORE_TESTS among their own. Sessions are found by their cookie
 * value from a store opened again (a restart, another front end), ids change
 * when they must, the last use is written now and then, a secure session never works over HTTP, a transfer token
 * works once, idle and old sessions end, a session that ended is known by its
 * cookie for a while unless its account ended it, limits end the user's own
 * oldest and never another's, and the keys with an expiry behave as Redis's
 * SET EX, GET, DEL, INCR and EXPIRE, INCR atomic across stores.
 *
 * The including file defines, before including this one:
 *   struct fixture, with struct session_store *st;
 *   reopen(f): f->st closed and opened again on the same store;
 *   another(f, &st): a second store on the same data (another process);
 *   age_session(f, s, seconds_idle, seconds_old): s last seen and begun
 *     that much earlier, as the store's clock would have it;
 *   expire_transfers(f): every transfer token past its time;
 *   expire_ended(f, s): the record that s ended past its time;
 *   expire_key(f, key): the key past its time. */
#ifndef SESSION_STORE_TESTS_H
#define SESSION_STORE_TESTS_H

#include <pthread.h>

#include "webmsg/err.h"
#include "webmsg/session_store.h"

static const struct session_limits lim = { 1800, 43200, 4096, 20 };

static void reopen(struct fixture *f);
static void another(struct fixture *f, struct session_store **st);
static void age_session(struct fixture *f, const struct session *s, long idle, long old);
static void expire_transfers(struct fixture *f);
static void expire_ended(struct fixture *f, const struct session *s);
static void expire_key(struct fixture *f, const char *key);

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
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

static void test_create_find_destroy(void **state)
{
	struct fixture *f = *state;
	struct session s, found;
	struct err e;
	long n;
	ok(session_store_create(f->st, "ann@example.org", "stamp-1", 1, 0, &lim, &s, &e), &e);
	assert_int_equal(strlen(s.id), 43);
	assert_int_equal(strlen(s.csrf), 64);
	assert_string_not_equal(s.id, s.csrf);
	/* Opened again (a restart, another front end): the cookie still works. */
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
	assert_string_not_equal(token, s.id);
	reopen(f);
	ok(session_store_transfer_take(f->st, token, &lim, &found, &e), &e);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.key, s.key);
	assert_string_equal(found.id, "");
	assert_int_equal(session_store_transfer_take(f->st, token, &lim, &found, &e),
			 SESSION_STORE_NONE);
	/* A token outlives neither its time nor its session. */
	ok(session_store_transfer_new(f->st, s.key, token, sizeof(token), &e), &e);
	expire_transfers(f);
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
	age_session(f, &idle, lim.idle + 1, 0);
	age_session(f, &old, 0, lim.lifetime + 1);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, old.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, fresh.id, 0, &found), 0);
}

/* The last use is written when it is more than a minute old, not at
 * every request. */
static void test_last_seen_not_every_request(void **state)
{
	struct fixture *f = *state;
	struct session s = make(f, "ann@example.org", &lim), found;
	age_session(f, &s, 10, 0);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_int_equal(found.last_seen, s.last_seen - 10);
	age_session(f, &s, 100, 0);
	assert_int_equal(find(f, s.id, 0, &found), 0);
	assert_true(found.last_seen >= s.last_seen);
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
	struct session live = make(f, "cy@example.org", &lim), found;
	struct err e;
	/* Live: not ended. */
	assert_int_equal(ended(f, live.id, &found), SESSION_STORE_NONE);
	/* Logged off: known by its cookie, with the token its forms carried. */
	ok(session_store_destroy(f->st, off.key, &e), &e);
	reopen(f);
	assert_int_equal(ended(f, off.id, &found), 0);
	assert_string_equal(found.user, "ann@example.org");
	assert_string_equal(found.stamp, "stamp-1");
	assert_string_equal(found.csrf, off.csrf);
	assert_int_equal(find(f, off.id, 0, &found), SESSION_STORE_NONE);
	/* Expired, found so at lookup. */
	age_session(f, &idle, lim.idle + 1, 0);
	assert_int_equal(find(f, idle.id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(ended(f, idle.id, &found), 0);
	assert_string_equal(found.user, "bob@example.org");
	/* Never a cookie of no session, nor one ended too long ago. */
	assert_int_equal(ended(f, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &found),
			 SESSION_STORE_NONE);
	assert_int_equal(ended(f, "not-an-id", &found), SESSION_STORE_NONE);
	expire_ended(f, &off);
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
	/* The oldest of ann's ended; the others and bob's go on. */
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
	/* A user at the limit still logs on again: his own oldest makes room. */
	l.max_per_user = 1;
	ok(session_store_create(f->st, "ann@example.org", "x", 0, 0, &l, &extra, &e), &e);
	assert_int_equal(find(f, s[0].id, 0, &found), SESSION_STORE_NONE);
	assert_int_equal(find(f, extra.id, 0, &found), 0);
	/* A session that ended makes room. */
	ok(session_store_destroy(f->st, s[1].key, &e), &e);
	ok(session_store_create(f->st, "dan@example.org", "x", 0, 0, &l, &extra, &e), &e);
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
	ok(session_store_kv_set(f->st, "forever", "x", 0, &e), &e);
	/* Opened again (a restart, another front end): all there. */
	reopen(f);
	ok(session_store_kv_incr(f->st, "c", 3600, &n, &e), &e);
	assert_int_equal(n, 3);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 1);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 0);
	/* Past its time a key is absent, and a counter starts again. */
	ok(session_store_kv_set(f->st, "k", "three", 3600, &e), &e);
	expire_key(f, "k");
	assert_int_equal(session_store_kv_get(f->st, "k", v, sizeof(v), &e), SESSION_STORE_NONE);
	ok(session_store_kv_del(f->st, "k", &gone, &e), &e);
	assert_int_equal(gone, 0);
	expire_key(f, "c");
	ok(session_store_kv_incr(f->st, "c", 0, &n, &e), &e);
	assert_int_equal(n, 1);
	/* EXPIRE gives a key without one an expiry, and an absent key none. */
	ok(session_store_kv_get(f->st, "forever", v, sizeof(v), &e), &e);
	ok(session_store_kv_expire(f->st, "forever", 60, &e), &e);
	ok(session_store_kv_expire(f->st, "absent", 60, &e), &e);
	assert_int_equal(session_store_kv_get(f->st, "absent", v, sizeof(v), &e),
			 SESSION_STORE_NONE);
	expire_key(f, "forever");
	assert_int_equal(session_store_kv_get(f->st, "forever", v, sizeof(v), &e),
			 SESSION_STORE_NONE);
	ok(session_store_sweep(f->st, &lim, &e), &e);
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

/* Two stores on the same data, two threads each: every INCR counts once,
 * so a lock built on it is held by one at a time. */
static void test_incr_atomic(void **state)
{
	struct fixture *f = *state;
	struct session_store *other;
	struct incr_arg a[4];
	pthread_t th[4];
	struct err e = { "" };
	char v[32];
	another(f, &other);
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

/* The tests above, each with the back-end's setup and teardown. */
#define SESSION_STORE_TESTS(setup, teardown)                                                 \
	cmocka_unit_test_setup_teardown(test_create_find_destroy, setup, teardown),          \
		cmocka_unit_test_setup_teardown(test_secure_never_over_http, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_transfer_once, setup, teardown),          \
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),                 \
		cmocka_unit_test_setup_teardown(test_last_seen_not_every_request, setup,       \
						teardown),                                     \
		cmocka_unit_test_setup_teardown(test_destroy_user, setup, teardown),           \
		cmocka_unit_test_setup_teardown(test_ended_known_for_a_while, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_ended_not_for_an_ended_account, setup,    \
						teardown),                                     \
		cmocka_unit_test_setup_teardown(test_cap_per_user, setup, teardown),           \
		cmocka_unit_test_setup_teardown(test_full_store_refuses, setup, teardown),     \
		cmocka_unit_test_setup_teardown(test_keys_with_expiry, setup, teardown),       \
		cmocka_unit_test_setup_teardown(test_incr_atomic, setup, teardown)

#endif
