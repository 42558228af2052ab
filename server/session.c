/* session.c - the session table: slots found by a seeded hash of the id and
 * a short probe window, all under one lock. Ids are compared in constant time
 * and every slot of the window is looked at; nothing here is ever logged.
 * The table has twice the slots of the sessions it may hold, and a new id is
 * drawn again when its window is taken: a full window never ends a session. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "session.h"
#include "webmsg/err.h"

#define PROBE 16
#define DRAWS 64 /* ids tried for a window with a free slot, at most half the table in use */
#define TRANSFER_MAX 256
#define TRANSFER_SECONDS 30

struct transfer {
	char token[SESSION_ID_LEN];
	char session_id[SESSION_ID_LEN];
	time_t expires;
};

struct session_table {
	pthread_mutex_t lock;
	struct session *slots; /* id[0] == '\0': free */
	size_t nslots;
	long max_sessions;
	struct session_limits lim;
	unsigned long long serial; /* the last one given */
	unsigned long seed; /* random: where an id lands says nothing about it */
	struct transfer transfers[TRANSFER_MAX];
};

int session_table_new(struct session_table **out, long max_sessions)
{
	struct session_table *t = calloc(1, sizeof(*t));
	if (max_sessions < 1)
		max_sessions = 1;
	size_t nslots = (size_t)max_sessions * 2 < 4 * PROBE ? 4 * PROBE : (size_t)max_sessions * 2;
	if (!t || !(t->slots = calloc(nslots, sizeof(*t->slots)))) {
		free(t);
		return -1;
	}
	if (RAND_bytes((unsigned char *)&t->seed, sizeof(t->seed)) != 1) {
		free(t->slots);
		free(t);
		return -1;
	}
	t->nslots = nslots;
	t->max_sessions = max_sessions;
	t->lim = (struct session_limits){ 1800, 43200, 20 };
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void session_table_set_limits(struct session_table *t, const struct session_limits *lim)
{
	pthread_mutex_lock(&t->lock);
	t->lim = *lim;
	pthread_mutex_unlock(&t->lock);
}

void session_table_free(struct session_table **t)
{
	if (!t || !*t)
		return;
	explicit_bzero((*t)->slots, (*t)->nslots * sizeof(*(*t)->slots));
	free((*t)->slots);
	pthread_mutex_destroy(&(*t)->lock);
	free(*t);
	*t = NULL;
}

static int expired(const struct session *s, const struct session_limits *lim, time_t now)
{
	return now - s->last_seen > lim->idle || now - s->created > lim->lifetime;
}

static void clear(struct session *s)
{
	explicit_bzero(s, sizeof(*s));
}

/* FNV-1a, started from the table's random seed. */
static size_t home(const struct session_table *t, const char *id)
{
	unsigned long h = t->seed ^ 1469598103934665603UL;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211UL;
	return (size_t)(h % t->nslots);
}

static struct session *slot_at(struct session_table *t, size_t start, size_t k)
{
	return &t->slots[(start + k) % t->nslots];
}

/* Locked. The whole window is looked at, found or not. */
static struct session *lookup(struct session_table *t, const char *id)
{
	struct session *found = NULL;
	size_t start = home(t, id);
	for (size_t k = 0; k < PROBE; k++) {
		struct session *s = slot_at(t, start, k);
		if (s->id[0] && token_equal(s->id, id))
			found = s;
	}
	return found;
}

/* Locked. A free slot in the id's window, or NULL. */
static struct session *free_slot(struct session_table *t, const char *id)
{
	size_t start = home(t, id);
	for (size_t k = 0; k < PROBE; k++) {
		struct session *s = slot_at(t, start, k);
		if (!s->id[0])
			return s;
	}
	return NULL;
}

static int new_tokens(struct session *s)
{
	return token_random(s->id, sizeof(s->id), SESSION_ID_BYTES, NULL) < 0 ||
			       token_random(s->csrf, sizeof(s->csrf), SESSION_ID_BYTES, NULL) < 0
		       ? -1
		       : 0;
}

/* Locked. Gives s new ids whose window has a free slot and puts it there.
 * -1: no randomness; SESSION_FULL: no free window found. */
static int place(struct session_table *t, struct session *s)
{
	for (int i = 0; i < DRAWS; i++) {
		if (new_tokens(s) < 0)
			return -1;
		struct session *slot = free_slot(t, s->id);
		if (slot) {
			*slot = *s;
			return 0;
		}
	}
	return SESSION_FULL;
}

/* Locked. Frees expired slots; counts the live sessions and user's; the
 * oldest of user's, or NULL. */
static struct session *survey(struct session_table *t, const char *user, time_t now, long *live,
			      long *mine)
{
	struct session *oldest = NULL;
	*live = *mine = 0;
	for (size_t i = 0; i < t->nslots; i++) {
		struct session *s = &t->slots[i];
		if (!s->id[0])
			continue;
		if (expired(s, &t->lim, now)) {
			clear(s);
			continue;
		}
		(*live)++;
		if (strcmp(s->user, user) == 0) {
			(*mine)++;
			if (!oldest || s->serial < oldest->serial)
				oldest = s;
		}
	}
	return oldest;
}

int session_create(struct session_table *t, const char *user, const char *stamp,
		   int expire_pages, int secure, struct session *out)
{
	struct session s = { 0 };
	time_t now = time(NULL);
	long live, mine;
	int rc;
	snprintf(s.user, sizeof(s.user), "%s", user);
	snprintf(s.stamp, sizeof(s.stamp), "%s", stamp);
	s.created = s.last_seen = now;
	s.expire_pages = expire_pages;
	s.secure = secure;
	pthread_mutex_lock(&t->lock);
	/* The user's own oldest sessions make room for the new one; nobody else's. */
	struct session *oldest = survey(t, user, now, &live, &mine);
	while (oldest && t->lim.max_per_user > 0 && mine >= t->lim.max_per_user) {
		clear(oldest);
		oldest = survey(t, user, now, &live, &mine);
	}
	s.serial = ++t->serial;
	rc = live >= t->max_sessions ? SESSION_FULL : place(t, &s);
	if (rc == 0)
		*out = s;
	pthread_mutex_unlock(&t->lock);
	clear(&s);
	return rc;
}

int session_find(struct session_table *t, const char *id, int https,
		 const struct session_limits *lim, struct session *out)
{
	time_t now = time(NULL);
	int rc = -1;
	if (!token_well_formed(id, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return -1;
	pthread_mutex_lock(&t->lock);
	struct session *s = lookup(t, id);
	if (s && expired(s, lim, now)) {
		clear(s);
		s = NULL;
	}
	if (s && (https || !s->secure)) {
		s->last_seen = now;
		*out = *s;
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int session_rotate(struct session_table *t, const char *id, int secure, struct session *out)
{
	int rc = -1;
	pthread_mutex_lock(&t->lock);
	struct session *s = lookup(t, id);
	if (s) {
		/* The new id lives in another window: move the session there. Its
		 * own slot is free first, so there is room when nothing else is. */
		struct session moved = *s;
		clear(s);
		moved.secure |= secure;
		if (place(t, &moved) == 0) {
			*out = moved;
			rc = 0;
		}
		clear(&moved);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void session_destroy(struct session_table *t, const char *id)
{
	pthread_mutex_lock(&t->lock);
	struct session *s = lookup(t, id);
	if (s)
		clear(s);
	pthread_mutex_unlock(&t->lock);
}

void session_destroy_user(struct session_table *t, const char *user)
{
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].id[0] && strcmp(t->slots[i].user, user) == 0)
			clear(&t->slots[i]);
	pthread_mutex_unlock(&t->lock);
}

long session_count(struct session_table *t, const struct session_limits *lim)
{
	long n = 0;
	time_t now = time(NULL);
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nslots; i++)
		if (t->slots[i].id[0] && !expired(&t->slots[i], lim, now))
			n++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int session_transfer_new(struct session_table *t, const char *id, char *token, size_t len)
{
	struct transfer tr = { 0 };
	time_t now = time(NULL);
	if (token_random(tr.token, sizeof(tr.token), SESSION_ID_BYTES, NULL) < 0 ||
	    snprintf(token, len, "%s", tr.token) >= (int)len)
		return -1;
	snprintf(tr.session_id, sizeof(tr.session_id), "%s", id);
	tr.expires = now + TRANSFER_SECONDS;
	pthread_mutex_lock(&t->lock);
	struct transfer *slot = &t->transfers[0];
	for (size_t i = 0; i < TRANSFER_MAX; i++)
		if (t->transfers[i].expires < slot->expires)
			slot = &t->transfers[i];
	*slot = tr;
	pthread_mutex_unlock(&t->lock);
	explicit_bzero(&tr, sizeof(tr));
	return 0;
}

int session_transfer_take(struct session_table *t, const char *token, struct session *out)
{
	time_t now = time(NULL);
	int rc = -1;
	if (!token_well_formed(token, TOKEN_CHARS(SESSION_ID_BYTES), TOKEN_CHARS(SESSION_ID_BYTES)))
		return -1;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < TRANSFER_MAX; i++) {
		struct transfer *tr = &t->transfers[i];
		if (!tr->token[0] || !token_equal(tr->token, token))
			continue;
		if (tr->expires >= now) {
			struct session *s = lookup(t, tr->session_id);
			if (s) {
				*out = *s;
				rc = 0;
			}
		}
		explicit_bzero(tr, sizeof(*tr));
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}
