/* privsep.h - the channel between the worker, which serves HTTP, and the
 * parent, which holds the database, the session store, the throttle and the
 * SMTP password: framed messages over SOCK_SEQPACKET socket pairs, the request
 * table, and the worker's side of every request.
 *
 * A message is a type and a sequence of fields (a 32-bit length, then that
 * many bytes); SOCK_SEQPACKET keeps message boundaries, so a message is one
 * send and one receive. Every field is checked for its length on both sides:
 * the parent treats whatever comes from a worker as hostile. */
#ifndef WEBMSGD_PRIVSEP_H
#define WEBMSGD_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "webmsg/session_store.h"

struct err;
struct session_store;

/* A request or its answer; the handover of TLS material uses PRIVSEP_BLOB_MAX. */
#define PRIVSEP_MSG_MAX (16 * 1024)
#define PRIVSEP_BLOB_MAX (200 * 1024)
/* Request channels per worker: as many logons may check a password at once. */
#define PRIVSEP_CHANNELS 8
/* File descriptors one message may carry. */
#define PRIVSEP_MAX_FDS 16

enum privsep_type {
	/* Worker -> parent requests; each gets one answer of the same type. */
	PRIVSEP_AUTH = 1,     /* user, password, client -> result, wait, user */
	PRIVSEP_USER_STAMP,   /* user -> rc (1 exists, 0 none, -1 unknown), stamp */
	PRIVSEP_USER_EXISTS,  /* address -> rc, exists */
	PRIVSEP_DOMAIN_EXISTS, /* domain -> rc, exists */
	PRIVSEP_NOTE_SESSIONS, /* -> rc */
	PRIVSEP_RESUME,       /* client -> seconds to wait (0: go) */
	PRIVSEP_KICK,         /* queue id -> rc */
	PRIVSEP_PASSWD,       /* user, old, new, client -> rc, wait, why */
	PRIVSEP_DOMAIN_USERS, /* domain, prefix, max -> rc, count, addresses */
	PRIVSEP_SS_CREATE,    /* the session store's operations, one type each */
	PRIVSEP_SS_FIND,
	PRIVSEP_SS_ROTATE,
	PRIVSEP_SS_DESTROY,
	PRIVSEP_SS_ENDED,
	PRIVSEP_SS_DESTROY_USER,
	PRIVSEP_SS_COUNT,
	PRIVSEP_SS_TRANSFER_NEW,
	PRIVSEP_SS_TRANSFER_TAKE,
	PRIVSEP_SS_SWEEP,
	PRIVSEP_KV_SET,
	PRIVSEP_KV_GET,
	PRIVSEP_KV_DEL,
	PRIVSEP_KV_INCR,
	PRIVSEP_KV_EXPIRE,
	/* The second factor (parent_totp.c); the settings ones act on the user
	 * of the session named, never on a user the worker names. */
	PRIVSEP_TOTP_LOGON,   /* token, code, client -> result, wait, user (OK, WRONG) */
	PRIVSEP_TOTP_STATE,   /* session id, https -> rc, on, recovery codes left, offered */
	PRIVSEP_TOTP_BEGIN,   /* session id, https, proof, client -> rc, wait, secret (base32), URI */
	PRIVSEP_TOTP_CONFIRM, /* session id, https, code, client -> rc, wait, 10 recovery codes, user */
	PRIVSEP_TOTP_DISABLE, /* session id, https, password or code, client -> rc, wait */
	PRIVSEP_TOTP_RESUME,  /* user, second factor, client -> result, pending token */
	/* mail.store imap: the IMAP user and password of the live session named
	 * (parent_imap.c); never another session's. */
	PRIVSEP_IMAP_CREDS,   /* session id, https -> rc (0, 1 none), user, password */
	/* mail.store imap: a message posted after its session ended, kept
	 * sealed in the session store for the next logon of its user in the
	 * same browser (parent_imap_kept.c). */
	PRIVSEP_KEPT_PUT,     /* ended session's cookie value, form token, browser token
			       * or "", draft id or ""; fd: the message -> rc (0, 1 no
			       * such session), browser token */
	PRIVSEP_KEPT_RESTORE, /* session id, https, browser token -> rc (0 in Drafts,
			       * 1 none), draft id, how many are left */
	PRIVSEP_REQUESTS_END,
	/* Parent <-> worker control, on the worker's first socket. */
	PRIVSEP_SETUP_CONFIG = 100, /* version, dbdir, then name/value pairs (no secret) */
	PRIVSEP_SETUP_TLS,     /* cert, key, trust, priority, client_auth */
	PRIVSEP_SETUP_FDS,     /* count, (bind, port) each; fds: sockets, log, channels */
	PRIVSEP_READY,         /* worker: serving */
	PRIVSEP_FAILED,        /* worker: why it cannot serve */
	PRIVSEP_RETIRE,        /* parent: stop accepting, finish what is in flight, exit;
				* stopping: 1 when the service stops (idle
				* connections close at once), 0 after a reload */
	PRIVSEP_LOG,           /* parent: the log file reopened (fd), or syslog (none) */
};

/* AUTH's and TOTP_LOGON's results: _TOTP, the password was right and a
 * code is asked for; _EXPIRED, the pending logon is gone (or another
 * client's); _ENROL, a pending logon that must set up TOTP first: the
 * BEGIN and CONFIRM requests take "logon:TOKEN:CLIENT" for the session id. */
enum privsep_auth {
	PRIVSEP_AUTH_OK,
	PRIVSEP_AUTH_WRONG,
	PRIVSEP_AUTH_WAIT,
	PRIVSEP_AUTH_TOTP,
	PRIVSEP_AUTH_EXPIRED,
	PRIVSEP_AUTH_ENROL, /* right password, login.totp required, none yet: set it up now */
	PRIVSEP_AUTH_UNREACHABLE /* mail.store imap: the IMAP server cannot be asked */
};
/* The settings requests' results. */
enum privsep_totp { PRIVSEP_TOTP_OK, PRIVSEP_TOTP_WRONG, PRIVSEP_TOTP_WAIT, PRIVSEP_TOTP_NONE };
#define PRIVSEP_TOTP_TOKEN_LEN 44 /* TOKEN_LEN(32) */
/* The longest code or recovery code the parent takes, with its NUL. */
#define PRIVSEP_TOTP_CODE_MAX 64
#define PRIVSEP_TOTP_URI_MAX 1024

struct privsep_msg {
	unsigned char *data; /* borrowed: cap bytes */
	size_t cap, len, pos;
	int bad; /* a put did not fit or a get found less than it needed */
	/* A get found a well-formed field longer than it takes: what a user
	 * typed, passed on, can be (a request to refuse, not a broken worker). */
	int too_long;
	int fds[PRIVSEP_MAX_FDS];
	int nfds;
};

void privsep_msg_init(struct privsep_msg *m, void *buf, size_t cap, uint32_t type);
/* The type of a received message (its first field). */
uint32_t privsep_msg_type(const struct privsep_msg *m);
void privsep_put_bytes(struct privsep_msg *m, const void *p, size_t len);
void privsep_put_str(struct privsep_msg *m, const char *s);
void privsep_put_long(struct privsep_msg *m, long long v);
/* A field of at most max bytes (borrowed, not NUL-terminated): -1 when absent or longer. */
int privsep_get_bytes(struct privsep_msg *m, const void **p, size_t *len, size_t max);
/* A text field into out (NUL-terminated): -1 when absent, longer than out or holding NUL. */
int privsep_get_str(struct privsep_msg *m, char *out, size_t len);
/* A text field in a new allocation of at most max bytes (freed by the caller). */
int privsep_get_strdup(struct privsep_msg *m, char **out, size_t max);
int privsep_get_long(struct privsep_msg *m, long long *v);

/* One message, with m->fds passed along (SCM_RIGHTS). */
int privsep_send(int fd, const struct privsep_msg *m, struct err *e);
/* One message into m (initialised by the caller with its buffer): 0, or -1
 * (the peer is gone, or the message was cut or malformed). Passed file
 * descriptors land in m->fds, close-on-exec. */
int privsep_recv(int fd, struct privsep_msg *m, struct err *e);

/* The worker's side: a pool of request channels, each used by one thread at a time. */
struct privsep_client;
/* Takes over the n (<= PRIVSEP_CHANNELS) channel sockets. */
int privsep_client_new(const int *fds, int n, struct privsep_client **out, struct err *e);
void privsep_client_free(struct privsep_client **c);
/* Sends req and receives its answer into reply (reply's buffer set by the
 * caller); the answer's type is checked against the request's. */
int privsep_call(struct privsep_client *c, const struct privsep_msg *req,
		 struct privsep_msg *reply, struct err *e);

/* The requests, as the pages use them. -1 (e filled) when the parent cannot be asked. */
/* The password check and the throttle: PRIVSEP_AUTH_OK with the canonical
 * user in user_out, _WRONG, or _WAIT with the seconds in *wait. */
int privsep_auth(struct privsep_client *c, const char *user, const char *password,
		 const char *client, enum privsep_auth *result, long *wait, char *user_out,
		 size_t len, char token[PRIVSEP_TOTP_TOKEN_LEN], struct err *e);
/* The second step of a logon with PRIVSEP_AUTH_TOTP: the pending logon's
 * token and a code (or a recovery code): _OK with the user, _WRONG, _WAIT
 * (*wait seconds) or _EXPIRED. */
int privsep_totp_logon(struct privsep_client *c, const char *token, const char *code,
		       const char *client, enum privsep_auth *result, long *wait, char *user_out,
		       size_t len, struct err *e);
/* A remembered logon of user about to resume (second_factor: it was made
 * after one): PRIVSEP_AUTH_OK, it may; _TOTP, a code is asked for first, or
 * _ENROL, the user must set one up (login.totp or the domain's policy
 * requires it): both with a pending logon's token for client, as after a
 * right password. -1 (e filled): it cannot be decided, no session. */
int privsep_totp_resume(struct privsep_client *c, const char *user, int second_factor,
			const char *client, enum privsep_auth *result,
			char token[PRIVSEP_TOTP_TOKEN_LEN], struct err *e);
/* The session's user's second factor: *on, the recovery codes left,
 * *offered, 0 when the user's policy (domain or login.totp) is off, and
 * *kept, 1 when it is off but the user's key is kept for later. */
int privsep_totp_state(struct privsep_client *c, const char *session_id, int https, int *on,
		       long *recovery_left, int *offered, int *kept, struct err *e);
/* A new secret to enrol (replacing one not yet confirmed): PRIVSEP_TOTP_OK
 * with its base32 and URI. A user who has a second factor on proves it is
 * them first: proof is the password or a current code (_WRONG, or _WAIT
 * with *wait seconds, counted in the logon throttle); -1 e filled. */
int privsep_totp_begin(struct privsep_client *c, const char *session_id, int https,
		       const char *proof, const char *client, long *wait, char *secret,
		       size_t secret_len, char *uri, size_t uri_len, struct err *e);
/* PRIVSEP_TOTP_OK and the recovery codes (TOTP_RECOVERY_COUNT of
 * TOTP_RECOVERY_LEN each, one after the other in codes), _WRONG, _WAIT or
 * _NONE (no enrolment under way); -1 e filled. */
int privsep_totp_confirm(struct privsep_client *c, const char *session_id, int https,
			 const char *code, const char *client, long *wait, char *codes,
			 size_t codes_len, char *user, size_t user_len, struct err *e);
/* TOTP off, with the user's password or a current code: _OK, _WRONG, _WAIT;
 * -1 e filled. */
int privsep_totp_disable(struct privsep_client *c, const char *session_id, int https,
			 const char *password, const char *client, long *wait, struct err *e);
/* 1 and the stamp, 0 for no such user, -1 when it cannot be read. */
int privsep_user_stamp(struct privsep_client *c, const char *user, char *stamp, size_t len,
		       struct err *e);
int privsep_user_exists(struct privsep_client *c, const char *address, int *exists,
			struct err *e);
int privsep_domain_exists(struct privsep_client *c, const char *domain, int *exists,
			  struct err *e);
/* The status row gets the number of open sessions (after a logon or logoff). */
void privsep_note_sessions(struct privsep_client *c);
/* Remembered-logon resumptions from client: 0 go, else seconds to wait (the
 * throttle's answer; -1 when the parent cannot be asked). */
long privsep_resume(struct privsep_client *c, const char *client);
/* A message spooled in the outbox's folder under id: the parent delivers it. */
int privsep_kick(struct privsep_client *c, const char *id, struct err *e);
/* account_change_password (account.h) in the parent: its codes, *wait for
 * ACCOUNT_WAIT, e says which rule for ACCOUNT_REFUSED. */
int privsep_passwd(struct privsep_client *c, const char *client, const char *user,
		   const char *old, const char *new_password, long *wait, struct err *e);
/* account_domain_users in the parent: at most PRIVSEP_DOMAIN_USERS_MAX. */
#define PRIVSEP_DOMAIN_USERS_MAX 40
int privsep_domain_users(struct privsep_client *c, const char *domain, const char *prefix,
			 size_t max, void (*fn)(const char *address, void *arg), void *arg,
			 struct err *e);

/* mail.store imap: the IMAP user and password the session of this cookie
 * value logged on with: 0, 1 when there is none (no such session, or one
 * without a password: a remembered logon), -1 e filled. */
#define PRIVSEP_IMAP_USER_MAX 320
int privsep_imap_creds(struct privsep_client *c, const char *session_id, int https,
		       char *user, size_t user_len, char *password, size_t password_len,
		       struct err *e);

/* mail.store imap: the message (the file fd, read from its start) posted
 * with the form token csrf after the session of the cookie value ended_id
 * ended, kept sealed for its user under the browser's token (have: the
 * browser's token from an earlier one, or ""; token gets the one to keep in
 * the browser). One per draft (the form's draft id, or ""): a form posted
 * again replaces its earlier version. 0, 1 when that session did not end
 * that way, -1 e filled (too large, or it cannot be kept). */
#define PRIVSEP_KEPT_TOKEN_LEN TOKEN_LEN(32)
int privsep_kept_put(struct privsep_client *c, const char *ended_id, const char *csrf,
		     const char *have, const char *draft, int fd,
		     char token[PRIVSEP_KEPT_TOKEN_LEN], struct err *e);
/* After a logon: the messages kept under the browser's token for the user
 * of the live session session_id go into that user's Drafts. 0 with the
 * last one's draft id, 1 when there was none of this user's, -1 e filled;
 * *left gets how many stay kept (another user's, or not put in Drafts). */
int privsep_kept_restore(struct privsep_client *c, const char *session_id, int https,
			 const char *token, char *draft_id, size_t len, long *left,
			 struct err *e);

/* The session store's operations through the parent (session_store_remote.c);
 * c is borrowed and must outlive the store. */
int session_store_remote_open(struct privsep_client *c, struct session_store **out,
			      struct err *e);

/* A session on the wire (both sides). */
void privsep_put_session(struct privsep_msg *m, const struct session *s);
int privsep_get_session(struct privsep_msg *m, struct session *s);

#endif
