/* reaper.c - retired generations drain here, off the main thread, so a reload
 * answers at once and the next one need not wait for slow clients. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "server.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

/* After a reload a retired generation is freed when its last connection is
 * gone: each ends with the answer to its next request or, idle, by the idle
 * timeout. Past that (and a margin for a busy machine) only connections with a
 * request on the way are left, bounded by the guard's header and body limits;
 * a request still running after DRAIN_MAX_SECONDS is cut. */
#define IDLE_SECONDS (GENERATION_IDLE_TIMEOUT + 5)
#define DRAIN_MAX_SECONDS 600
/* When the daemon stops nobody will be served again: idle connections are
 * closed at once, requests in flight get this long to finish. */
#define STOP_SECONDS 20
#define POLL_MS 50
/* Reloads in a row faster than generations drain wait for a place rather
 * than hold unbounded threads and memory. */
#define DRAINING_MAX 32

struct draining {
	struct generation *gen;
	struct timespec since;
};

struct reaper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct draining list[DRAINING_MAX];
	int count;
	int stopping;
	struct timespec stop_at;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* 1 when d's generation may be stopped now. Called with the lock held. */
static int drained(const struct reaper *r, const struct draining *d)
{
	struct generation_load l;
	double age = seconds_since(&d->since);
	generation_load(d->gen, &l);
	int waiting = l.active > 0 || l.fresh > 0;
	/* With nothing on the way only idle connections are left: nothing is cut. */
	if (l.connections == 0 || (!waiting && (r->stopping || age >= IDLE_SECONDS))) {
		if (!r->stopping)
			log_info("the generation of configuration version %ld drained %.1f s "
				 "after the reload", d->gen->cfg->version, age);
		return 1;
	}
	if (age < DRAIN_MAX_SECONDS && !(r->stopping && seconds_since(&r->stop_at) >= STOP_SECONDS))
		return 0;
	log_warnx("cutting %u connection%s (%d request%s running) %.0f s after %s", l.connections,
		  l.connections == 1 ? "" : "s", l.active, l.active == 1 ? "" : "s",
		  r->stopping ? seconds_since(&r->stop_at) : age,
		  r->stopping ? "the stop" : "a reload");
	return 1;
}

static void *run(void *arg)
{
	struct reaper *r = arg;
	struct generation *done[DRAINING_MAX];
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->count == 0 && !r->stopping)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->count == 0)
			break;
		int ndone = 0, kept = 0;
		for (int i = 0; i < r->count; i++) {
			if (drained(r, &r->list[i]))
				done[ndone++] = r->list[i].gen;
			else
				r->list[kept++] = r->list[i];
		}
		r->count = kept;
		if (ndone > 0)
			pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		/* Stopping a daemon joins its threads: never under the lock. */
		for (int i = 0; i < ndone; i++)
			generation_free(&done[i]);
		pthread_mutex_lock(&r->lock);
		if (ndone == 0 && r->count > 0) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += POLL_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			/* A new generation or the stop wakes it early. */
			pthread_cond_timedwait(&r->cond, &r->lock, &until);
		}
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
	pthread_condattr_t attr;
	pthread_mutex_init(&r->lock, NULL);
	/* Deadlines on the monotonic clock: setting the date moves none. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_condattr_destroy(&attr);
	int rc = pthread_create(&r->thread, NULL, run, r);
	if (rc != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
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
	while (r->count == DRAINING_MAX)
		pthread_cond_wait(&r->cond, &r->lock);
	r->list[r->count].gen = g;
	clock_gettime(CLOCK_MONOTONIC, &r->list[r->count].since);
	r->count++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void reaper_drain(struct reaper *r)
{
	pthread_mutex_lock(&r->lock);
	while (r->count > 0)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

void reaper_stop(struct reaper **rp)
{
	struct reaper *r = *rp;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	clock_gettime(CLOCK_MONOTONIC, &r->stop_at);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
	*rp = NULL;
}
