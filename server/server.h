/* server.h - the daemon's state, shared by its modules: the listening sockets
 * it owns, the generation serving now, and the ones draining. */
#ifndef WEBMSGD_SERVER_H
#define WEBMSGD_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include <microhttpd.h>

#include "parent.h"
#include "tls_client.h"
#include "webmsg/config_check.h"
#include "webmsg/imap_server.h"
#include "webmsg/netmask.h"
#include "webmsg/status.h"

struct config_snapshot;
struct db;
struct err;
struct guard;
struct MHD_Daemon;
struct outbox;
struct parent_services;
struct worker;
struct privsep_client;
struct request;
struct reaper;
struct site;

#define SERVER_MAX_SOCKETS 4
#define LISTENER_KINDS_MAX 2
#define WORKER_DEATHS_KEPT 5

/* A listening socket the process owns; MHD daemons get dup()s of it, so a
 * reload can hand the same socket to the next generation. */
struct listen_socket {
	char bind[64];
	int port;
	int fd; /* -1: free slot */
};

struct server {
	const char *dbpath;
	struct db *db; /* the main thread's connection */
	/* The request threads' connection: one at a time, for short statements only. */
	struct db *req_db;
	pthread_mutex_t req_db_lock;
	/* The parent's: the session store (outlives workers and restarts), the
	 * throttle, and what it decides requests by. */
	struct websession *store;
	struct throttle *throttle;
	pthread_mutex_t rules_lock;
	struct parent_rules rules;
	/* The worker's: its requests to the parent, sessions through them, and
	 * the outbox's folder it spools to. */
	struct privsep_client *ps;
	struct websession *sessions;
	struct outbox *spool;
	/* The worker's: mail.imap_server's addresses as the parent resolved
	 * them for its configuration ("": none handed over). */
	char imap_addrs[IMAP_ADDRS_LEN];
	/* The worker's confinement, run by generation_build once the site's
	 * files are read and before its listeners start; NULL: none. */
	int (*confine)(struct server *srv, struct err *e);
	struct parent_services *services; /* in-process channels (tests) */
	/* The parent's workers: the one serving, and those still draining. */
	struct worker *workers;
	struct worker *worker;
	struct config_snapshot *served; /* the configuration the worker serves */
	struct config_check_tls served_tls; /* its TLS material, for a worker started again */
	int serving[LISTENER_KINDS_MAX]; /* the sockets it listens on, or -1 */
	char listeners[256];
	/* A worker that died unexpectedly: when the next one starts (CLOCK_MONOTONIC
	 * seconds, 0: none pending), and the recent deaths for the back-off. */
	double restart_at;
	double deaths[WORKER_DEATHS_KEPT];
	int ndeaths;
	long backoff;
	int handed; /* a worker: only sockets its parent handed over listen */
	int worker_quiet; /* workers get /dev/null for standard input and output */
	char share_dir[PATH_MAX];
	long started_at;
	struct generation *current;
	struct listen_socket sockets[SERVER_MAX_SOCKETS];
	struct reaper *reaper;
	struct outbox *outbox; /* mail for other hosts; outlives generations too */
	struct guard *guard; /* connection limits and deadlines, for every generation */
	struct service_status status; /* the last row written */
};

enum listener_kind { LISTENER_HTTP, LISTENER_HTTPS, LISTENER_KINDS };
_Static_assert(LISTENER_KINDS == LISTENER_KINDS_MAX, "one serving socket per listener");

/* What MHD hands the access handler: which generation, which listener. */
struct listener_ctx {
	struct generation *gen;
	enum listener_kind kind;
};

/* Everything one configuration version serves with. Built whole beside the
 * running one; freed only after its daemons stopped, so handlers may borrow
 * from it for as long as their connection lives. */
struct generation {
	struct server *srv; /* borrowed */
	struct config_snapshot *cfg;
	struct site *site;
	struct MHD_Daemon *daemons[LISTENER_KINDS];
	struct listener_ctx ctx[LISTENER_KINDS];
	struct config_check_tls tls; /* what the decision checked; HTTPS serves it */
	int sockets[LISTENER_KINDS]; /* the server's sockets they listen on (borrowed), or -1 */
	struct netmask_list proxies; /* web.trusted_proxies */
	char listeners[256];
	atomic_int retiring;
	atomic_int active; /* requests being answered */
	atomic_int fresh;  /* connections accepted that have not sent a request yet */
};

/* Seconds a connection may sit idle before MHD closes it. A retired
 * generation's connections that are idle when it retires are gone this long
 * after; the others end with the answer to their next request. */
#define GENERATION_IDLE_TIMEOUT 15
/* What MHD may hold of one connection: a request's headers fit in it. */
#define GENERATION_CONNECTION_MEMORY (32 * 1024)

/* What a retired generation still holds. */
struct generation_load {
	unsigned connections; /* open, whatever they are doing */
	int active;	      /* requests being received or answered */
	int fresh;	      /* connections that have not sent a request yet */
};

/* generation.c */
/* Starts serving cfg (taken over) with the TLS material the parent checked
 * (tls taken over and left zero; NULL when SSL is off). */
int generation_build(struct server *srv, struct config_snapshot *cfg,
		     struct config_check_tls *tls, struct generation **out, struct err *e);
/* Stops accepting: new connections, those waiting in the listening socket's
 * backlog included, go to the generation serving now. Connections already
 * open go on, and every answer they get from now on ends them
 * ("Connection: close"), so a keep-alive client sends once more and then
 * comes back on a fresh connection. */
void generation_retire(struct generation *g);
void generation_load(struct generation *g, struct generation_load *out);
void generation_free(struct generation **g);

/* sockets.c */
/* An owned socket listening on bind:port, opened when there is none yet. */
int sockets_get(struct server *srv, const char *bind, int port, int *fd, struct err *e);
/* Closes the sockets the serving worker does not listen on (srv->serving). */
void sockets_prune(struct server *srv);
void sockets_close_all(struct server *srv);

/* reaper.c: a thread that lets retired generations drain, all at once, and
 * frees each when its last connection is gone. */
int reaper_start(struct reaper **out, struct err *e);
void reaper_add(struct reaper *r, struct generation *g);
/* Returns when every generation has drained as after a reload. */
void reaper_drain(struct reaper *r);
/* The daemon stops: idle connections are closed now, requests in flight get
 * a short deadline; returns when every generation is freed. */
void reaper_stop(struct reaper **r);

/* main.c: the parent's request threads' database connection. */
struct db *server_db_lock(struct server *srv);
void server_db_unlock(struct server *srv);

/* check.c: the configuration checks shared by `webmsgd -n` and every reload.
 * Calls report for each problem; returns the number found. */
int check_config(struct server *srv, const struct config_snapshot *cfg,
		 void (*report)(const char *problem, void *arg), void *arg);
/* The same, and when tls is not NULL, hands over the TLS material it checked
 * (filled only when SSL is on and nothing was found); when imap_addrs is not
 * NULL (IMAP_ADDRS_LEN bytes), mail.imap_server's addresses as it resolved
 * them ("" when mail.store is not imap). */
int check_config_load(struct server *srv, const struct config_snapshot *cfg,
		      void (*report)(const char *problem, void *arg), void *arg,
		      struct config_check_tls *tls, char *imap_addrs);

#endif
