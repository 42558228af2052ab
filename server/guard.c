/* guard.c - the connection guard: per-address connection counts for the
 * accept policy, and a thread that shuts down connections past their header
 * deadline or under the minimum body rate.
 *
 * The socket is safe to shut down: every connection is in the registry from
 * MHD's NOTIFY_STARTED to its NOTIFY_CLOSED, MHD 0.9.75 calls NOTIFY_CLOSED
 * before it closes the socket (MHD_cleanup_connections, and the failure path
 * of new_connection_process_), and the thread calls shutdown(2) only under
 * the lock that guard_close takes: a descriptor it shuts down is still this
 * connection's, never one the kernel has handed to someone else. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/netmask.h"

#define GUARD_BUCKETS 1024
#define GUARD_TICK_MS 200
#define KEY_LEN 9 /* a family byte, then 4 bytes of IPv4 or the 8 of an IPv6 /64 */
/* Past three quarters of the slots, an address holding this many gets no more. */
#define CROWDED_GROUP 2

struct addr_count {
	struct addr_count *next;
	unsigned char key[KEY_LEN];
	long n;
};

enum guard_phase { PHASE_HEADERS, PHASE_BODY, PHASE_ANSWERING, PHASE_CUT };

struct guard_conn {
	struct guard_conn *prev, *next;
	struct guard *g;
	int fd;
	unsigned char key[KEY_LEN];
	int counted;
	char client[64];
	enum guard_phase phase;
	long long deadline;     /* PHASE_HEADERS: monotonic ms */
	long header_timeout;
	long min_rate;          /* PHASE_BODY: bytes per second, 0: none */
	long long window_start; /* PHASE_BODY: monotonic ms */
	unsigned long long window_bytes;
};

struct guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int stop;
	struct guard_conn *head;
	long total;
	struct addr_count *buckets[GUARD_BUCKETS];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The group an address belongs to: IPv4 addresses (mapped ones too) alone,
 * IPv6 by /64, since one client usually holds a whole /64. */
static int address_key(const struct sockaddr *sa, socklen_t len, unsigned char key[KEY_LEN],
		       char *text, size_t textlen)
{
	memset(key, 0, KEY_LEN);
	if (text)
		snprintf(text, textlen, "unknown");
	if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		key[0] = 4;
		memcpy(key + 1, &in->sin_addr, 4);
		if (text)
			inet_ntop(AF_INET, &in->sin_addr, text, (socklen_t)textlen);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (text)
			inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)textlen);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			key[0] = 4;
			memcpy(key + 1, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, in6->sin6_addr.s6_addr, 8);
		}
		return 0;
	}
	return -1;
}

static unsigned bucket_of(const unsigned char key[KEY_LEN])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < KEY_LEN; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % GUARD_BUCKETS;
}

/* Locked: the count of an address group, created at 0 when create is set. */
static struct addr_count *group(struct guard *g, const unsigned char key[KEY_LEN], int create)
{
	unsigned b = bucket_of(key);
	for (struct addr_count *a = g->buckets[b]; a; a = a->next)
		if (memcmp(a->key, key, KEY_LEN) == 0)
			return a;
	if (!create)
		return NULL;
	struct addr_count *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	memcpy(a->key, key, KEY_LEN);
	a->next = g->buckets[b];
	g->buckets[b] = a;
	return a;
}

static void group_release(struct guard *g, const unsigned char key[KEY_LEN])
{
	unsigned b = bucket_of(key);
	for (struct addr_count **p = &g->buckets[b]; *p; p = &(*p)->next) {
		if (memcmp((*p)->key, key, KEY_LEN) != 0)
			continue;
		if (--(*p)->n <= 0) {
			struct addr_count *gone = *p;
			*p = gone->next;
			free(gone);
		}
		return;
	}
}

int guard_admit(struct guard *g, const struct sockaddr *sa, socklen_t len,
		const struct guard_limits *lim)
{
	unsigned char key[KEY_LEN];
	char client[64];
	int ok = 1;
	if (address_key(sa, len, key, client, sizeof(client)) < 0)
		return 1; /* not an IP connection: nothing to group by */
	int proxy = netmask_list_has(lim->unlimited, sa);
	pthread_mutex_lock(&g->lock);
	struct addr_count *a = group(g, key, 0);
	long held = a ? a->n : 0;
	long crowded = lim->max_connections - lim->max_connections / 4;
	if (g->total >= lim->max_connections ||
	    (!proxy && (held >= lim->per_address || (g->total >= crowded && held >= CROWDED_GROUP))))
		ok = 0;
	long total = g->total;
	pthread_mutex_unlock(&g->lock);
	if (!ok)
		log_debug("connection from %s refused: it holds %ld of %ld connections", client,
			  held, total);
	return ok;
}

struct guard_conn *guard_open_socket(struct guard *g, int fd, const struct sockaddr *sa,
				     socklen_t len, long header_timeout)
{
	struct guard_conn *gc = calloc(1, sizeof(*gc));
	if (!gc)
		return NULL;
	gc->g = g;
	gc->fd = fd;
	gc->phase = PHASE_HEADERS;
	gc->header_timeout = header_timeout;
	gc->deadline = now_ms() + header_timeout * 1000;
	int keyed = address_key(sa, len, gc->key, gc->client, sizeof(gc->client)) == 0;
	pthread_mutex_lock(&g->lock);
	struct addr_count *a = keyed ? group(g, gc->key, 1) : NULL;
	if (a) {
		a->n++;
		gc->counted = 1;
	}
	g->total++;
	gc->next = g->head;
	if (g->head)
		g->head->prev = gc;
	g->head = gc;
	pthread_mutex_unlock(&g->lock);
	return gc;
}

struct guard_conn *guard_open(struct guard *g, struct MHD_Connection *c, long header_timeout)
{
	const union MHD_ConnectionInfo *fdi =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ai =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!fdi)
		return NULL;
	const struct sockaddr *sa = ai ? ai->client_addr : NULL;
	/* MHD keeps the address as accept() gave it: its family says its size. */
	socklen_t len = sa && sa->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
							: (socklen_t)sizeof(struct sockaddr_in);
	return guard_open_socket(g, fdi->connect_fd, sa, len, header_timeout);
}

void guard_close(struct guard_conn **gcp)
{
	struct guard_conn *gc = gcp ? *gcp : NULL;
	if (!gc)
		return;
	struct guard *g = gc->g;
	pthread_mutex_lock(&g->lock);
	if (gc->prev)
		gc->prev->next = gc->next;
	else
		g->head = gc->next;
	if (gc->next)
		gc->next->prev = gc->prev;
	if (gc->counted)
		group_release(g, gc->key);
	g->total--;
	pthread_mutex_unlock(&g->lock);
	free(gc);
	*gcp = NULL;
}

static void set_phase(struct guard_conn *gc, enum guard_phase phase, long value)
{
	if (!gc)
		return;
	pthread_mutex_lock(&gc->g->lock);
	if (gc->phase != PHASE_CUT) {
		gc->phase = phase;
		if (phase == PHASE_BODY) {
			gc->min_rate = value;
			gc->window_start = now_ms();
			gc->window_bytes = 0;
		} else if (phase == PHASE_HEADERS) {
			gc->header_timeout = value;
			gc->deadline = now_ms() + value * 1000;
		}
	}
	pthread_mutex_unlock(&gc->g->lock);
}

void guard_body_begin(struct guard_conn *gc, long min_rate)
{
	set_phase(gc, PHASE_BODY, min_rate);
}

void guard_answering(struct guard_conn *gc)
{
	set_phase(gc, PHASE_ANSWERING, 0);
}

void guard_next_request(struct guard_conn *gc, long header_timeout)
{
	set_phase(gc, PHASE_HEADERS, header_timeout);
}

void guard_body_bytes(struct guard_conn *gc, size_t n)
{
	if (!gc)
		return;
	pthread_mutex_lock(&gc->g->lock);
	gc->window_bytes += n;
	pthread_mutex_unlock(&gc->g->lock);
}

/* Locked: whether the connection is past its deadline or under its rate. */
static const char *overdue(struct guard_conn *gc, long long now)
{
	if (gc->phase == PHASE_HEADERS && now >= gc->deadline)
		return "request headers not complete in time";
	if (gc->phase != PHASE_BODY || gc->min_rate <= 0 ||
	    now - gc->window_start < GUARD_RATE_WINDOW * 1000)
		return NULL;
	unsigned long long due = (unsigned long long)gc->min_rate *
				 (unsigned long long)(now - gc->window_start) / 1000;
	if (gc->window_bytes < due)
		return "request body slower than the minimum rate";
	gc->window_start = now;
	gc->window_bytes = 0;
	return NULL;
}

static void *guard_main(void *arg)
{
	struct guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		long long now = now_ms();
		for (struct guard_conn *gc = g->head; gc; gc = gc->next) {
			const char *why = gc->phase == PHASE_CUT ? NULL : overdue(gc, now);
			if (!why)
				continue;
			/* MHD sees the end of the stream and closes the connection itself. */
			if (shutdown(gc->fd, SHUT_RDWR) < 0 && errno != ENOTCONN)
				log_warn("connection from %s: shutdown", gc->client);
			gc->phase = PHASE_CUT;
			log_info("connection from %s closed: %s", gc->client, why);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int guard_start(struct guard **out, struct err *e)
{
	struct guard *g = calloc(1, sizeof(*g));
	*out = NULL;
	if (!g)
		return err_set(e, "out of memory");
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	int rc = pthread_create(&g->thread, NULL, guard_main, g);
	if (rc != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		errno = rc;
		return err_sys(e, "cannot start the connection guard");
	}
	*out = g;
	return 0;
}

void guard_stop(struct guard **gp)
{
	struct guard *g = gp ? *gp : NULL;
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	for (int b = 0; b < GUARD_BUCKETS; b++)
		while (g->buckets[b]) {
			struct addr_count *a = g->buckets[b];
			g->buckets[b] = a->next;
			free(a);
		}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
	*gp = NULL;
}
