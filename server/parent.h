/* parent.h - the privileged parent's answers to a worker's requests: one
 * thread per request channel, each reading a request, deciding it with what
 * only the parent holds (the database, the session store, the throttle, the
 * outbox) and answering. */
#ifndef WEBMSGD_PARENT_H
#define WEBMSGD_PARENT_H

#include <stdint.h>
#include <sys/types.h>

#include "throttle.h"
#include "webmsg/imap_server.h"
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
	/* mail.store imap (parent_imap.c): the IMAP server checks passwords,
	 * and the one a session logged on with is kept sealed in the store. */
	struct parent_imap_rules {
		int on;
		char server[512];
		char tls[16];
		char ca_file[4096];
		int timeout;
		int has_key; /* session.secret set: a password can be sealed */
		unsigned char key[32];
		/* A message posted after its session ended (parent_imap_kept.c):
		 * sealed under a key of its own, at most kept_max bytes. */
		unsigned char kept_key[32];
		size_t kept_max;
		/* The server's addresses, resolved when the configuration was
		 * loaded: the parent's logon checks and the workers connect
		 * to them ("": the name is looked up). */
		char addrs[IMAP_ADDRS_LEN];
	} imap;
};

enum { TOTP_POLICY_OFF, TOTP_POLICY_OPTIONAL, TOTP_POLICY_REQUIRED };
/* login.totp of cfg as TOTP_POLICY_*. */
int parent_totp_policy(const struct config_snapshot *cfg);
/* The policy for user: the user's domain's own (domain set NAME totp), else
 * rules->totp_policy; -1 (logged) when the database cannot say. */
int parent_totp_user_policy(struct server *srv, const struct parent_rules *rules,
			    const char *user);

/* parent_imap.c: mail.store imap. */
/* addrs: mail.imap_server's addresses as the configuration's check resolved them. */
void parent_imap_rules(const struct config_snapshot *cfg, const char *addrs,
		       struct parent_imap_rules *out);
/* The password checked by the IMAP server (LOGIN or AUTHENTICATE PLAIN):
 * 1 right, 0 refused, -1 when the server cannot be asked (e says why, in
 * words for the log). */
int parent_imap_check(const struct parent_imap_rules *r, const char *user,
		      const char *password, struct err *e);
/* After a right password: kept sealed for the session about to begin for
 * user (its next SS_CREATE takes it), a few minutes at most. */
void parent_imap_pending(struct server *srv, const struct parent_imap_rules *r,
			 const char *user, const char *password);
/* The session store's changes that the kept password follows: a new
 * session of user (key) takes the pending one; a new id moves it; an end
 * deletes it. */
void parent_imap_session_begun(struct server *srv, const struct parent_rules *rules,
			       const char *user, const char *key);
void parent_imap_session_moved(struct server *srv, const char *old_key, const char *new_key);
void parent_imap_session_ended(struct server *srv, const char *key);
/* A switch of mode took the transfer token of the session of key: the
 * password is pending again for a moment, for the session that the switch
 * makes in the other mode (a secure session's id only rotates). */
void parent_imap_session_handover(struct server *srv, const char *user, const char *key);
/* PRIVSEP_IMAP_CREDS: the live session's user and password. */
int parent_imap_creds(struct server *srv, struct privsep_msg *q, struct privsep_msg *a);
/* The password the live session s logged on with, into password (len
 * bytes): 0, 1 when there is none, -1 e filled. */
int parent_imap_session_password(struct server *srv, const struct parent_rules *rules,
				 const struct session *s, char *password, size_t len,
				 struct err *e);
/* parent_imap_kept.c: PRIVSEP_KEPT_PUT and PRIVSEP_KEPT_RESTORE; -1 for a
 * request that is not well formed. */
int parent_imap_kept_put(struct server *srv, struct privsep_msg *q, struct privsep_msg *a);
int parent_imap_kept_restore(struct server *srv, struct privsep_msg *q, struct privsep_msg *a);

/* After every start and reload: the rules from cfg, and mail.imap_server's
 * addresses as its check resolved them (NULL or "": none). */
void parent_rules_set(struct server *srv, const struct config_snapshot *cfg,
		      const char *imap_addrs);
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
