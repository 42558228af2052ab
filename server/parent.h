/* parent.h - the privileged parent's answers to a worker's requests: one
 * thread per request channel, each reading a request, deciding it with what
 * only the parent holds (the database, the session store, the throttle, the
 * outbox) and answering. */
#ifndef WEBMSGD_PARENT_H
#define WEBMSGD_PARENT_H

#include <stdint.h>
#include <sys/types.h>

#include "throttle.h"
#include "webmsg/session_store.h"

struct config_check_tls;
struct config_snapshot;
struct err;
struct parent_services;
struct privsep_client;
struct privsep_msg;
struct server;

/* What the parent decides requests by, taken from the configuration it
 * serves (never from the worker). */
struct parent_rules {
	struct throttle_rules throttle;
	struct session_limits sessions;
	long resume_per_minute;
	/* The second factor: login.totp (TOTP_POLICY_*), the key its secrets
	 * are sealed with (from session.secret; has_key 0 when that is empty)
	 * and the name authenticator apps show. */
	int totp_policy;
	int remember_totp; /* login.remember_totp */
	int totp_has_key;
	unsigned char totp_key[32];
	char totp_issuer[256];
};

enum { TOTP_POLICY_OFF, TOTP_POLICY_OPTIONAL, TOTP_POLICY_REQUIRED };
/* login.totp of cfg as TOTP_POLICY_*. */
int parent_totp_policy(const struct config_snapshot *cfg);
/* The policy for user: the user's domain's own (domain set NAME totp), else
 * rules->totp_policy; -1 (logged) when the database cannot say. */
int parent_totp_user_policy(struct server *srv, const struct parent_rules *rules,
			    const char *user);

/* After every start and reload: the rules from cfg. */
void parent_rules_set(struct server *srv, const struct config_snapshot *cfg);
struct parent_rules parent_rules_get(struct server *srv);

/* Starts answering on the n channel sockets (taken over). */
int parent_services_start(struct server *srv, const int *fds, int n,
			  struct parent_services **out, struct err *e);
/* Channels whose worker end stays in this process (the fuzzer, tests): the
 * pages ask through client as a worker would. */
int parent_services_pair(struct server *srv, struct parent_services **ps,
			 struct privsep_client **client, struct err *e);
/* Ends the channels (a worker still asking gets no answer) and their threads. */
void parent_services_stop(struct parent_services **ps);

/* parent_worker.c: a worker process, from its start until it is reaped. */
struct worker {
	pid_t pid;
	int ctl; /* the control socket */
	struct parent_services *services;
	int retiring;
	long started;
	struct worker *next;
};

/* Starts a worker serving cfg with tls (NULL: SSL off) on sockets (one per
 * listener kind, -1 for none; the server's own), and waits until it serves
 * (its listeners into listeners) or says why not (e). The worker is added to
 * srv->workers. */
int parent_worker_start(struct server *srv, const struct config_snapshot *cfg,
			const struct config_check_tls *tls, const int *sockets, char *listeners,
			size_t len, struct worker **out, struct err *e);
/* Tells a worker to stop accepting, finish what is in flight and exit:
 * stopping 1 when the service stops, 0 when a new worker took over. */
void parent_worker_retire(struct worker *w, int stopping);
/* Hands every worker the log file after the parent reopened it (SIGUSR1). */
void parent_worker_send_log(struct server *srv);
/* The worker of a reaped pid, taken off srv->workers (NULL: not one of ours). */
struct worker *parent_worker_take(struct server *srv, pid_t pid);
void parent_worker_free(struct worker **w);
/* Retires every worker and reaps them; those still running after seconds are killed. */
void parent_worker_stop_all(struct server *srv, int seconds);

/* parent_totp.c: after a right password, whether user must give a code:
 * 1 with a pending logon's token in token (bound to client, a few minutes),
 * 2 the same but the user must set up TOTP first (login.totp required),
 * 0 when not, -1 when it cannot be decided (the logon is refused). */
int parent_totp_after_password(struct server *srv, const struct parent_rules *rules,
			       const char *user, const char *client, char *token, size_t len);
/* The PRIVSEP_TOTP_* requests; -1 for one that is not well formed. */
int parent_totp_dispatch(struct server *srv, uint32_t type, struct privsep_msg *q,
			 struct privsep_msg *a);

/* The status row's count of open sessions, from the store the parent holds. */
void parent_note_sessions(struct server *srv);

#endif
