/* outbox.h - mail for other hosts: spooled durably when the user sends it,
 * then delivered through smtp.relay by the outbox's own threads, so that no
 * request thread ever waits for a relay. Temporary failures are tried again
 * with growing delays; a refusal, or the last failed try, goes back to the
 * sender as a report: into the sender's Inbox, or with mail.store imap
 * through the relay from the null sender <>. The outbox outlives reloads (it belongs to the
 * server, not to a generation) and picks up what waits in its folder when the
 * daemon starts. */
#ifndef WEBMSGD_OUTBOX_H
#define WEBMSGD_OUTBOX_H

#include <stddef.h>

struct config_snapshot;
struct err;
struct outbox;

/* Opens (or makes, mode 0700) the spool folder, loads the mail waiting in it
 * and starts the delivery threads. Call with the signals the main thread
 * takes already blocked, and outbox_configure before the first message. */
int outbox_start(const char *dir, struct outbox **out, struct err *e);
/* Takes the relay, its timeout, the retry policy, mail.root and mail.store
 * from cfg (a copy: cfg may go with its generation). At start and after
 * every reload. */
int outbox_configure(struct outbox *ob, const struct config_snapshot *cfg, struct err *e);
/* Spools one message for rcpts (bare addresses) from sender, and returns only
 * once it is on disk (written, fsynced, renamed): the answer "queued" is true
 * even if the daemon stops the next moment. Sender "" is the null sender <>:
 * a report, which is never returned when it fails in turn. */
int outbox_enqueue(struct outbox *ob, const char *sender, const char *const *rcpts, size_t n,
		   const void *msg, size_t len, struct err *e);
/* A spool only, for a process that does not deliver (the worker): the
 * folder must exist; each message written is handed to kick by its queue id. */
int outbox_spool_open(const char *dir, int (*kick)(void *arg, const char *id, struct err *e),
		      void *arg, struct outbox **out, struct err *e);
/* The message spooled under id by a spool (outbox_spool_open) is delivered
 * from now on; an id already waiting is not taken twice. */
int outbox_kick(struct outbox *ob, const char *id, struct err *e);
/* Messages waiting (for the status and tests). */
size_t outbox_count(struct outbox *ob);
/* Ends a delivery in progress (it is tried again after the next start),
 * stops the threads and frees the outbox; what waits stays on disk. */
void outbox_stop(struct outbox **ob);

#endif
