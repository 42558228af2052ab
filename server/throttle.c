/* throttle.c - a fixed table of counters keyed by kind and address group (and
 * user); the entry used longest ago with no attempt open makes room, so a
 * flood of addresses cannot grow it. One mutex guards every decision. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

#define ENTRIES 4096
#define KEY_MAX 400
#define FORGET_AFTER 3600 /* seconds without a failure: the counts start again */
#define RESUME_WINDOW 60  /* seconds */
#define BUSY_WAIT 1       /* seconds to wait while another attempt is open */

struct entry {
	char key[KEY_MAX]; /* "p ADDR USER", "u USER", "a ADDR", "r ADDR"; "" when free */
	long failures; /* recent failures; for "r": resumptions in this window */
	long open;     /* attempts begun and not ended */
	time_t last;   /* last failure, or the window's start for "r" */
	time_t until;  /* no attempt before this */
};

struct throttle {
	pthread_mutex_t lock;
	struct entry entries[ENTRIES];
};

int throttle_new(struct throttle **out)
{
	struct throttle *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void throttle_free(struct throttle **t)
{
	if (!t || !*t)
		return;
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

/* Locked. The entry for key, or NULL; stale ones are freed on the way. */
static struct entry *find(struct throttle *t, const char *key, time_t now)
{
	struct entry *found = NULL;
	for (size_t i = 0; i < ENTRIES; i++) {
		struct entry *en = &t->entries[i];
		if (!en->key[0])
			continue;
		if (en->open == 0 && en->until <= now && now - en->last > FORGET_AFTER)
			memset(en, 0, sizeof(*en));
		else if (!found && strcmp(en->key, key) == 0)
			found = en;
	}
	return found;
}

/* Locked. The entry for key, made when missing; NULL only when every entry
 * has an attempt open. */
static struct entry *get(struct throttle *t, const char *key, time_t now)
{
	struct entry *en = find(t, key, now), *victim = NULL;
	if (en)
		return en;
	for (size_t i = 0; i < ENTRIES; i++) {
		struct entry *c = &t->entries[i];
		if (!c->key[0]) {
			victim = c;
			break;
		}
		if (c->open == 0 && (!victim || c->last < victim->last))
			victim = c;
	}
	if (!victim)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->last = now;
	return victim;
}

static void keys(const struct throttle_attempt *a, char *pair, char *user, char *addr, size_t len)
{
	snprintf(pair, len, "p %s %s", a->addr, a->user);
	snprintf(user, len, "u %s", a->user);
	snprintf(addr, len, "a %s", a->addr);
}

/* Locked. Seconds before en's counter lets an attempt go, 0 when it may. */
static long wait_of(const struct entry *en, long free_failures, time_t now)
{
	if (!en)
		return 0;
	if (en->until > now)
		return (long)(en->until - now);
	if (en->open > 0 && en->failures + en->open >= free_failures)
		return BUSY_WAIT;
	return 0;
}

static void failed(struct entry *en, long free_failures, long max_delay, time_t now)
{
	en->failures++;
	en->last = now;
	if (en->failures >= free_failures) {
		long shift = en->failures - free_failures, delay = max_delay;
		if (shift < 30 && (1L << shift) < max_delay)
			delay = 1L << shift;
		en->until = now + delay;
	}
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
	struct entry *p = find(t, kp, now), *u = find(t, ku, now), *ad = find(t, ka, now);
	int clean = !ad || (ad->failures == 0 && ad->open == 0);
	if ((w = wait_of(p, rules->pair_failures, now)) > wait)
		wait = w;
	if ((w = wait_of(ad, rules->addr_failures, now)) > wait)
		wait = w;
	if (!clean && (w = wait_of(u, rules->user_failures, now)) > wait)
		wait = w;
	if (wait == 0) {
		/* Each entry is marked open as soon as it is had: making room for
		 * the next one never takes an entry with an attempt open. */
		const char *k[3] = { kp, ku, ka };
		struct entry *got[3];
		int n = 0;
		for (; n < 3 && (got[n] = get(t, k[n], now)); n++)
			got[n]->open++;
		if (n < 3) {
			while (n-- > 0)
				got[n]->open--;
			wait = BUSY_WAIT; /* every entry busy: a flood, not a user */
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
		struct entry *en = ok ? find(t, k[i], now) : get(t, k[i], now);
		if (!en)
			continue;
		if (en->open > 0)
			en->open--;
		if (!ok)
			failed(en, thresholds[i], rules->max_delay, now);
		else if (i == 0) {
			en->failures = 0;
			en->until = 0;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

long throttle_resume(struct throttle *t, long per_minute, const char *addr, time_t now)
{
	char group[64], key[KEY_MAX];
	long wait = 0;
	throttle_addr_group(addr, group, sizeof(group));
	snprintf(key, sizeof(key), "r %s", group);
	pthread_mutex_lock(&t->lock);
	struct entry *en = get(t, key, now);
	if (!en) {
		wait = BUSY_WAIT;
	} else {
		if (now >= en->until) {
			/* A new window. "last" keeps the entry from being forgotten early. */
			en->failures = 0;
			en->until = now + RESUME_WINDOW;
		}
		if (en->failures >= per_minute) {
			wait = (long)(en->until - now);
		} else {
			en->failures++;
			en->last = now;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return wait;
}
