/* imap_pool.c - IMAP connections kept per session between requests.
 *
 * An entry is a connection with the session it belongs to (the session
 * store's key for it: the SHA-256 of the cookie, never the cookie) and the
 * configuration it was opened under. A request takes its session's idle
 * connection, or opens one and adopts it; mailstore_close hands it back.
 * Connections are logged out when idle too long, when the pool needs room
 * (the least recently used), when the session logs off, when a call on
 * them failed (a broken connection is never kept), and under a newer
 * configuration (another server, perhaps). Logging out talks to the server,
 * so it is done outside the lock. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imap_pool.h"
#include "webmsg/mailstore.h"
#include "webmsg/session_store.h"

struct entry {
	struct mailstore *ms; /* NULL: a free slot */
	char key[SESSION_KEY_LEN];
	const void *gen;
	time_t used;
	int busy;   /* taken by a request */
	int forget; /* its session logged off while it was taken */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry pool[IMAP_POOL_SIZE];

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Under the lock: idle entries past their time or of an older
 * configuration than gen move to out (at most IMAP_POOL_SIZE). */
static size_t sweep(const void *gen, time_t t, struct mailstore **out, size_t n)
{
	for (size_t i = 0; i < IMAP_POOL_SIZE; i++) {
		struct entry *x = &pool[i];
		if (x->ms && !x->busy &&
		    (t - x->used > IMAP_POOL_IDLE_SECONDS || (gen && x->gen != gen))) {
			out[n++] = x->ms;
			memset(x, 0, sizeof(*x));
		}
	}
	return n;
}

static void close_all(struct mailstore **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mailstore_close_now(&v[i]);
}

/* mailstore_close's release: back to the pool, or logged out. */
static void give_back(struct mailstore *ms, void *arg)
{
	struct mailstore *done[IMAP_POOL_SIZE + 1];
	size_t n = 0;
	int kept = 0;
	(void)arg;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < IMAP_POOL_SIZE; i++) {
		struct entry *x = &pool[i];
		if (x->ms != ms || !x->busy)
			continue;
		if (!x->forget && !mailstore_broken(ms)) {
			x->busy = 0;
			x->used = now();
			kept = 1;
		} else {
			memset(x, 0, sizeof(*x));
		}
		break;
	}
	n = sweep(NULL, now(), done, n);
	pthread_mutex_unlock(&lock);
	if (!kept)
		done[n++] = ms;
	close_all(done, n);
}

struct mailstore *imap_pool_take(const char *key, const void *gen)
{
	struct mailstore *done[IMAP_POOL_SIZE], *ms = NULL;
	size_t n;
	time_t t = now();
	pthread_mutex_lock(&lock);
	n = sweep(gen, t, done, 0);
	struct entry *best = NULL;
	for (size_t i = 0; i < IMAP_POOL_SIZE; i++) {
		struct entry *x = &pool[i];
		if (x->ms && !x->busy && x->gen == gen && strcmp(x->key, key) == 0 &&
		    (!best || x->used > best->used))
			best = x;
	}
	if (best) {
		best->busy = 1;
		ms = best->ms;
	}
	pthread_mutex_unlock(&lock);
	close_all(done, n);
	return ms;
}

void imap_pool_adopt(struct mailstore *ms, const char *key, const void *gen)
{
	struct mailstore *evicted = NULL;
	pthread_mutex_lock(&lock);
	struct entry *slot = NULL;
	for (size_t i = 0; i < IMAP_POOL_SIZE && (!slot || slot->ms); i++) {
		struct entry *x = &pool[i];
		if (!x->ms)
			slot = x;
		else if (!x->busy && (!slot || x->used < slot->used))
			slot = x; /* the least recently used idle one, unless a free slot turns up */
	}
	if (slot) {
		evicted = slot->ms;
		memset(slot, 0, sizeof(*slot));
		slot->ms = ms;
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		slot->gen = gen;
		slot->busy = 1;
		mailstore_set_release(ms, give_back, NULL);
	}
	pthread_mutex_unlock(&lock);
	/* No slot (every one in use): ms is closed at its mailstore_close. */
	mailstore_close_now(&evicted);
}

void imap_pool_forget(const char *key)
{
	struct mailstore *done[IMAP_POOL_SIZE];
	size_t n = 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < IMAP_POOL_SIZE; i++) {
		struct entry *x = &pool[i];
		if (!x->ms || strcmp(x->key, key) != 0)
			continue;
		if (x->busy) {
			x->forget = 1;
		} else {
			done[n++] = x->ms;
			memset(x, 0, sizeof(*x));
		}
	}
	pthread_mutex_unlock(&lock);
	close_all(done, n);
}
