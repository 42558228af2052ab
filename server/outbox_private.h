/* outbox_private.h - what the outbox's modules share: the queue and its
 * settings (outbox.c), the files of a message (outbox_envelope.c) and a try
 * through the relay (outbox_relay.c). Not for use outside them. */
#ifndef WEBMSGD_OUTBOX_PRIVATE_H
#define WEBMSGD_OUTBOX_PRIVATE_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "webmsg/users.h"

struct err;

#define OUTBOX_THREADS 2 /* one relay that hangs still leaves one thread going */
#define ID_MAX 64
#define RCPT_MAX 100     /* as many as a user may send to at once */
#define ENV_MAX (64 * 1024)
#define BACKOFF_CAP 3600 /* the longest wait between tries, unless retry_delay is longer */
#define SETTING_MAX 4096

struct item {
	char id[ID_MAX];
	time_t next;
	int busy; /* a thread is trying it */
	struct item *link;
};

/* What a try needs from the configuration: copied, because a configuration
 * snapshot goes away with its generation. */
struct relay_settings {
	char relay[SETTING_MAX];
	char user[SETTING_MAX];
	char password[SETTING_MAX];
	int tls_required;
	long timeout, retry_delay, max_attempts;
	char mail_root[PATH_MAX];
	int imap; /* mail.store imap: the mailboxes are the IMAP site's, behind the relay */
};

struct envelope {
	char sender[USER_ADDRESS_MAX]; /* "": the null sender <>, a report never returned */
	char rcpt[RCPT_MAX][USER_ADDRESS_MAX];
	size_t nrcpt;
	long queued, attempts, next;
	char error[256];
};

struct outbox {
	char dir[PATH_MAX];
	pthread_mutex_t lock; /* guards items, count, set and configured */
	pthread_cond_t wake;
	struct item *items;
	size_t count;
	struct relay_settings set;
	int configured;
	atomic_int stopping;
	pthread_t threads[OUTBOX_THREADS];
	int nthreads;
	/* A spool only (a worker's): who delivers what it wrote, instead of the threads. */
	int (*kick)(void *arg, const char *id, struct err *e);
	void *kick_arg;
};

enum outcome { SENT, TRY_AGAIN, RETURNED, ABORTED, BROKEN };

/* ---- outbox_envelope.c ---- */

/* ob->dir/SUB ID EXT into out. */
int outbox_envelope_path(const struct outbox *ob, const char *sub, const char *id,
			 const char *ext, char *out, size_t outlen, struct err *e);
/* Writes ID.ext durably: in tmp/, fsynced, renamed, the folder fsynced. */
int outbox_envelope_write_file(const struct outbox *ob, const char *id, const char *ext,
			       const void *data, size_t len, struct err *e);
int outbox_envelope_write(const struct outbox *ob, const char *id, const struct envelope *env,
			  struct err *e);
int outbox_envelope_read(const struct outbox *ob, const char *id, struct envelope *env,
			 struct err *e);
/* Removes ID.env, then ID.eml. */
void outbox_envelope_remove(const struct outbox *ob, const char *id);

/* ---- outbox_relay.c ---- */

/* A try and what follows from it, outside the lock. *next gets when to try
 * again (TRY_AGAIN only). */
enum outcome outbox_relay_attempt(struct outbox *ob, const struct relay_settings *set,
				  const char *id, time_t *next);

#endif
