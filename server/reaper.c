/* reaper.c - retired generations drain here, off the main thread, so a reload
 * answers at once and the next one need not wait for slow clients. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "server.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

/* Requests in flight get this long to finish; idle keep-alive connections
 * are closed once none is left (browsers retry on a fresh connection). */
#define DRAIN_SECONDS 20
#define POLL_MS 50
#define QUEUE_MAX 16

struct reaper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct generation *queue[QUEUE_MAX];
	int count;
	int stopping;
};

static void drain(struct generation *g)
{
	struct timespec start, now, pause = { 0, POLL_MS * 1000000L };
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (generation_idle(g))
			break;
		if (now.tv_sec - start.tv_sec >= DRAIN_SECONDS) {
			log_warnx("cutting %d request%s still running %d s after a reload",
				  atomic_load(&g->active), atomic_load(&g->active) == 1 ? "" : "s",
				  DRAIN_SECONDS);
			break;
		}
		nanosleep(&pause, NULL);
	}
	generation_free(&g);
}

static void *run(void *arg)
{
	struct reaper *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->count == 0 && !r->stopping)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->count == 0)
			break;
		struct generation *g = r->queue[0];
		for (int i = 1; i < r->count; i++)
			r->queue[i - 1] = r->queue[i];
		r->count--;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		drain(g);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int reaper_start(struct reaper **out, struct err *e)
{
	struct reaper *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return err_set(e, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	int rc = pthread_create(&r->thread, NULL, run, r);
	if (rc != 0) {
		free(r);
		errno = rc;
		return err_sys(e, "cannot start a thread");
	}
	*out = r;
	return 0;
}

void reaper_add(struct reaper *r, struct generation *g)
{
	pthread_mutex_lock(&r->lock);
	/* Many reloads in a row: wait for a place rather than hold unbounded state. */
	while (r->count == QUEUE_MAX)
		pthread_cond_wait(&r->cond, &r->lock);
	r->queue[r->count++] = g;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void reaper_stop(struct reaper **rp)
{
	struct reaper *r = *rp;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
	*rp = NULL;
}
