/* imap_pool.h - IMAP connections kept open between a session's requests,
 * a bounded number per worker, so that a page costs a NOOP and its own
 * commands rather than a TLS handshake and a logon. */
#ifndef WEBMSGD_IMAP_POOL_H
#define WEBMSGD_IMAP_POOL_H

struct mailstore;

#define IMAP_POOL_SIZE 32	   /* connections one worker keeps */
#define IMAP_POOL_IDLE_SECONDS 300 /* unused this long, a connection is logged out */

/* A connection kept for the session whose store key is key, opened under
 * the configuration gen (a connection of an older one is not reused), now
 * the caller's until mailstore_close, which gives it back; NULL when there
 * is none. Check it with mailstore_alive: the server may have ended it. */
struct mailstore *imap_pool_take(const char *key, const void *gen);
/* Makes ms, just opened for that session, go back to the pool at
 * mailstore_close instead of being logged out (when there is room). */
void imap_pool_adopt(struct mailstore *ms, const char *key, const void *gen);
/* The session logged off: its connections are logged out, now or, when in
 * use, as they are given back. */
void imap_pool_forget(const char *key);

#endif
