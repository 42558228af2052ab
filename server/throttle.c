/* throttle.c - a fixed table of recent failures; the oldest entry makes room,
 * so a flood of addresses cannot grow it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

#define ENTRIES 4096
#define FREE_FAILURES 3    /* failures before any delay */
#define MAX_DELAY 300      /* seconds */
#define FORGET_AFTER 3600  /* seconds without a failure */

struct entry {
	char key[336];
	int failures;
	time_t last, until;
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

/* Locked. The entry for key, or NULL. */
static struct entry *find(struct throttle *t, const char *key, time_t now)
{
	for (size_t i = 0; i < ENTRIES; i++) {
		struct entry *en = &t->entries[i];
		if (en->key[0] && now - en->last > FORGET_AFTER)
			en->key[0] = '\0';
		else if (en->key[0] && strcmp(en->key, key) == 0)
			return en;
	}
	return NULL;
}

long throttle_wait(struct throttle *t, const char *key, time_t now)
{
	long wait = 0;
	pthread_mutex_lock(&t->lock);
	struct entry *en = find(t, key, now);
	if (en && en->until > now)
		wait = (long)(en->until - now);
	pthread_mutex_unlock(&t->lock);
	return wait;
}

void throttle_fail(struct throttle *t, const char *key, time_t now)
{
	pthread_mutex_lock(&t->lock);
	struct entry *en = find(t, key, now);
	if (!en) {
		en = &t->entries[0];
		for (size_t i = 1; i < ENTRIES && en->key[0]; i++)
			if (!t->entries[i].key[0] || t->entries[i].last < en->last)
				en = &t->entries[i];
		memset(en, 0, sizeof(*en));
		snprintf(en->key, sizeof(en->key), "%s", key);
	}
	en->failures++;
	en->last = now;
	if (en->failures >= FREE_FAILURES) {
		int shift = en->failures - FREE_FAILURES;
		long delay = shift >= 9 ? MAX_DELAY : 1L << shift;
		en->until = now + (delay > MAX_DELAY ? MAX_DELAY : delay);
	}
	pthread_mutex_unlock(&t->lock);
}

void throttle_reset(struct throttle *t, const char *key)
{
	pthread_mutex_lock(&t->lock);
	struct entry *en = find(t, key, time(NULL));
	if (en)
		memset(en, 0, sizeof(*en));
	pthread_mutex_unlock(&t->lock);
}
