/* throttle.c - failure counters on the session store's keys with an expiry,
 * so a restart forgets nothing (an attacker cannot reset his delay by getting
 * the daemon restarted) and a shared store shares them. For each counted
 * thing K ("p ADDR USER", "u USER", "a ADDR"):
 *   throttle:n:K  failures, INCR;
 *   throttle:w:K  "UNTIL LAST": no attempt before UNTIL, the last failure
 *                 at LAST. FORGET_AFTER seconds after LAST (and past UNTIL,
 *                 with no attempt open) the counts start again.
 * Both expire then too, which only cleans up.
 * Resumptions from an address ("r GROUP") count in a window:
 *   throttle:s:r GROUP        the window's start, SET EX RESUME_WINDOW;
 *   throttle:c:r GROUP START  resumptions in it, INCR.
 * The times that decide are in the values, from the caller's clock; expiries
 * only clean up. Attempts open (begun, not ended) are counted in this
 * process, in a fixed table where a flood of addresses cannot grow anything.
 * One mutex guards every decision of this process. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/session_store.h"

#define OPEN_MAX 4096
#define KEY_MAX 420
#define FORGET_AFTER 3600 /* seconds without a failure: the counts start again */
#define RESUME_WINDOW 60  /* seconds */
#define BUSY_WAIT 1       /* seconds to wait while another attempt is open */

struct opened {
	char key[KEY_MAX]; /* "" when free */
	long n;
};

struct throttle {
	pthread_mutex_t lock;
	struct session_store *store; /* borrowed, or own */
	struct session_store *own;
	struct opened open[OPEN_MAX];
};

int throttle_new(struct throttle **out, struct session_store *store)
{
	struct throttle *t = calloc(1, sizeof(*t));
	struct err e;
	if (!t)
		return -1;
	if (!store) {
		if (session_store_sqlite_open(":memory:", &t->own, &e) < 0) {
			log_error("throttle: %s", e.msg);
			free(t);
			return -1;
		}
		store = t->own;
	}
	t->store = store;
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void throttle_free(struct throttle **t)
{
	if (!t || !*t)
		return;
	session_store_close(&(*t)->own);
	pthread_mutex_destroy(&(*t)->lock);
	free(*t);
	*t = NULL;
}

void throttle_addr_group(const char *addr, char *out, size_t len)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (inet_pton(AF_INET6, addr, a) != 1) {
		snprintf(out, len, "%s", addr);
		return;
	}
	if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
		inet_ntop(AF_INET, a + 12, text, sizeof(text));
		snprintf(out, len, "%s", text);
		return;
	}
	/* One customer, one /64: counting single IPv6 addresses counts nothing. */
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, text, sizeof(text));
	snprintf(out, len, "%s/64", text);
}

/* A store that cannot be used counts as no failures (said in the log): the
 * logon itself needs the same store for its session and is refused there. */
static void store_failed(const char *what, const struct err *e)
{
	log_warnx("throttle: %s: %s", what, e->msg);
}

static void store_key(char *out, size_t len, char kind, const char *k)
{
	snprintf(out, len, "throttle:%c:%s", kind, k);
}

/* A number kept under key, 0 when there is none. */
static long long get_number(struct throttle *t, const char *key)
{
	char value[32];
	struct err e;
	int rc = session_store_kv_get(t->store, key, value, sizeof(value), &e);
	if (rc < 0)
		store_failed("cannot read a counter", &e);
	if (rc != 0)
		return 0;
	char *end;
	long long n = strtoll(value, &end, 10);
	return end != value && *end == '\0' ? n : 0;
}

/* Locked. The open attempts counted for key; made when asked and missing
 * (NULL when every slot has an attempt open). */
static struct opened *opened_of(struct throttle *t, const char *key, int make)
{
	struct opened *spare = NULL;
	for (size_t i = 0; i < OPEN_MAX; i++) {
		struct opened *o = &t->open[i];
		if (o->n > 0 && strcmp(o->key, key) == 0)
			return o;
		if (o->n == 0 && !spare)
			spare = o;
	}
	if (!make || !spare)
		return NULL;
	snprintf(spare->key, sizeof(spare->key), "%s", key);
	spare->n = 0;
	return spare;
}

/* Locked. What the counters of k say; counts past FORGET_AFTER are stale
 * and read as none. */
struct state {
	long long failures, until, last;
	long open;
	int stale;
};

static struct state state_of(struct throttle *t, const char *k, time_t now)
{
	char key[KEY_MAX + 16], value[64];
	struct state s = { 0, 0, 0, 0, 0 };
	struct err e;
	store_key(key, sizeof(key), 'n', k);
	s.failures = get_number(t, key);
	store_key(key, sizeof(key), 'w', k);
	int rc = session_store_kv_get(t->store, key, value, sizeof(value), &e);
	if (rc < 0)
		store_failed("cannot read a delay", &e);
	if (rc != 0 || sscanf(value, "%lld %lld", &s.until, &s.last) != 2)
		s.until = s.last = 0;
	struct opened *o = opened_of(t, k, 0);
	s.open = o ? o->n : 0;
	if (s.open == 0 && s.until <= (long long)now && (long long)now - s.last > FORGET_AFTER) {
		s.stale = s.failures > 0;
		s.failures = s.until = 0;
	}
	return s;
}

/* Seconds before the counter lets an attempt go, 0 when it may. */
static long wait_of(const struct state *s, long free_failures, time_t now)
{
	if (s->until > (long long)now)
		return (long)(s->until - (long long)now);
	if (s->open > 0 && s->failures + s->open >= free_failures)
		return BUSY_WAIT;
	return 0;
}

/* Locked. One more failure of k; from free_failures on, a delay. */
static void failed(struct throttle *t, const char *k, long free_failures, long max_delay,
		   time_t now)
{
	char key[KEY_MAX + 16], wkey[KEY_MAX + 16], value[64];
	long long failures = 0, until = now;
	long delay = 0;
	struct err e;
	struct state s = state_of(t, k, now);
	store_key(key, sizeof(key), 'n', k);
	store_key(wkey, sizeof(wkey), 'w', k);
	if (s.stale && session_store_kv_del(t->store, key, NULL, &e) < 0)
		store_failed("cannot reset a counter", &e);
	if (session_store_kv_incr(t->store, key, FORGET_AFTER, &failures, &e) < 0) {
		store_failed("cannot count a failure", &e);
		return;
	}
	if (failures >= free_failures) {
		long long shift = failures - free_failures;
		delay = max_delay;
		if (shift < 30 && (1L << shift) < max_delay)
			delay = 1L << shift;
		until = (long long)now + delay;
	}
	snprintf(value, sizeof(value), "%lld %lld", until, (long long)now);
	if (session_store_kv_set(t->store, wkey, value, FORGET_AFTER + delay, &e) < 0 ||
	    session_store_kv_expire(t->store, key, FORGET_AFTER + delay, &e) < 0)
		store_failed("cannot store a delay", &e);
}

/* Locked. A success: the counters of k start again. */
static void forgive(struct throttle *t, const char *k)
{
	char key[KEY_MAX + 16];
	struct err e;
	store_key(key, sizeof(key), 'n', k);
	if (session_store_kv_del(t->store, key, NULL, &e) < 0)
		store_failed("cannot reset a counter", &e);
	store_key(key, sizeof(key), 'w', k);
	if (session_store_kv_del(t->store, key, NULL, &e) < 0)
		store_failed("cannot reset a counter", &e);
}

static void keys(const struct throttle_attempt *a, char *pair, char *user, char *addr, size_t len)
{
	snprintf(pair, len, "p %s %s", a->addr, a->user);
	snprintf(user, len, "u %s", a->user);
	snprintf(addr, len, "a %s", a->addr);
}

long throttle_begin(struct throttle *t, const struct throttle_rules *rules, const char *addr,
		    const char *user, time_t now, struct throttle_attempt *a)
{
	char kp[KEY_MAX], ku[sizeof(kp)], ka[sizeof(kp)];
	long wait = 0, w;
	throttle_addr_group(addr, a->addr, sizeof(a->addr));
	snprintf(a->user, sizeof(a->user), "%s", user);
	keys(a, kp, ku, ka, sizeof(kp));
	pthread_mutex_lock(&t->lock);
	struct state p = state_of(t, kp, now), u = state_of(t, ku, now), ad = state_of(t, ka, now);
	int clean = ad.failures == 0 && ad.open == 0;
	if ((w = wait_of(&p, rules->pair_failures, now)) > wait)
		wait = w;
	if ((w = wait_of(&ad, rules->addr_failures, now)) > wait)
		wait = w;
	if (!clean && (w = wait_of(&u, rules->user_failures, now)) > wait)
		wait = w;
	if (wait == 0) {
		/* Each slot is marked open as soon as it is had: making room for
		 * the next one never takes a slot with an attempt open. */
		const char *k[3] = { kp, ku, ka };
		struct opened *got[3];
		int n = 0;
		for (; n < 3 && (got[n] = opened_of(t, k[n], 1)); n++)
			got[n]->n++;
		if (n < 3) {
			while (n-- > 0)
				got[n]->n--;
			wait = BUSY_WAIT; /* every slot busy: a flood, not a user */
		}
	}
	pthread_mutex_unlock(&t->lock);
	return wait;
}

void throttle_end(struct throttle *t, const struct throttle_rules *rules,
		  const struct throttle_attempt *a, int ok, time_t now)
{
	char k[3][KEY_MAX];
	const long thresholds[3] = { rules->pair_failures, rules->user_failures,
				     rules->addr_failures };
	keys(a, k[0], k[1], k[2], sizeof(k[0]));
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < 3; i++) {
		struct opened *o = opened_of(t, k[i], 0);
		if (o && o->n > 0)
			o->n--;
		if (ok == 0)
			failed(t, k[i], thresholds[i], rules->max_delay, now);
		else if (ok > 0 && i == 0)
			forgive(t, k[i]);
	}
	pthread_mutex_unlock(&t->lock);
}

long throttle_resume(struct throttle *t, long per_minute, const char *addr, time_t now)
{
	char group[64], k[KEY_MAX], skey[KEY_MAX + 16], ckey[KEY_MAX + 48], value[32];
	long long start, count = 0;
	long wait = 0;
	struct err e;
	throttle_addr_group(addr, group, sizeof(group));
	snprintf(k, sizeof(k), "r %s", group);
	store_key(skey, sizeof(skey), 's', k);
	pthread_mutex_lock(&t->lock);
	start = get_number(t, skey);
	if (start == 0 || start + RESUME_WINDOW <= (long long)now || start > (long long)now) {
		/* A new window. */
		start = now;
		snprintf(value, sizeof(value), "%lld", start);
		if (session_store_kv_set(t->store, skey, value, RESUME_WINDOW, &e) < 0)
			store_failed("cannot start a window", &e);
	}
	snprintf(ckey, sizeof(ckey), "throttle:c:%s %lld", k, start);
	if (session_store_kv_incr(t->store, ckey, RESUME_WINDOW, &count, &e) < 0)
		store_failed("cannot count a resumption", &e);
	/* Refused ones count too: only whether the count is past per_minute matters. */
	if (count > per_minute)
		wait = (long)(start + RESUME_WINDOW - (long long)now);
	pthread_mutex_unlock(&t->lock);
	return wait;
}

struct throttle_rules throttle_logon_rules(const struct config_snapshot *cfg)
{
	struct throttle_rules rules = {
		config_int(cfg, SET_LOGIN_THROTTLE_PAIR_FAILURES),
		config_int(cfg, SET_LOGIN_THROTTLE_USER_FAILURES),
		config_int(cfg, SET_LOGIN_THROTTLE_ADDRESS_FAILURES),
		config_int(cfg, SET_LOGIN_THROTTLE_MAX_DELAY),
	};
	return rules;
}
