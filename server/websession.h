/* websession.h - what pages do with sessions: begin one at logon, find the
 * request's (its cookie, else a remembered logon), carry it across a mode
 * switch, end it at logoff. Sessions live in the session store
 * (webmsg/session_store.h) beside the configuration database, so a reload, a
 * restart or a crash of the daemon logs nobody off.
 *
 * Sessions follow accounts: a session carries its user's session stamp from
 * when it began, and ends once the account's stamp differs (a new password,
 * `webmsg-admin user revoke`) or the account is gone. The admin tool also
 * removes the user's sessions from the store itself. */
#ifndef WEBMSGD_WEBSESSION_H
#define WEBMSGD_WEBSESSION_H

#include <stddef.h>

#include "webmsg/session_store.h"
#include "webmsg/token.h"
#include "webmsg/users.h"

struct config_snapshot;
struct err;
struct request;
struct websession;

/* The daemon's sessions, in the store the settings choose
 * (session_store_open): beside the database at dbpath, or Redis. A local
 * store that cannot be opened is logged and tried again at the next logon;
 * a Redis that does not answer is logged and reached again by each
 * operation. Only out of memory is -1. */
int websession_new(struct websession **out, const struct config_snapshot *cfg,
		   const char *dbpath);
/* A store built by the caller (the worker's, through the parent; tests, the
 * fuzzer); taken over. cfg (may be NULL) names the store behind it, for what
 * a refused logon says. */
int websession_new_with(struct websession **out, struct session_store *store,
			const struct config_snapshot *cfg);
void websession_free(struct websession **ws);
/* The store when it is open, else NULL; borrowed until websession_free. */
struct session_store *websession_store(struct websession *ws);
/* The store, opened again when it could not be before. */
struct session_store *websession_store_reopen(struct websession *ws);
/* A store operation failed: said in the log and in websession_problem. */
void websession_store_failed(struct websession *ws, const char *what, const struct err *e);
/* Why sessions cannot be kept just now, for the status row; "" when they can. */
void websession_problem(struct websession *ws, char *out, size_t len);
/* What the logon page says when the store refuses a logon. */
const char *websession_refusal(struct websession *ws);
/* Live sessions, -1 when the store cannot say. */
long websession_count(struct websession *ws, const struct config_snapshot *cfg);

/* A new session for a user who just gave the right password (and a new
 * remembered logon when remember is not WEBSESSION_FORGET), with its
 * cookies. 0; SESSION_FULL when session.max_sessions are open; -1 when the
 * store cannot be used (logged). */
enum websession_remember {
	WEBSESSION_FORGET,
	WEBSESSION_REMEMBER,	  /* the logon had the password */
	WEBSESSION_REMEMBER_TOTP, /* and the second factor: resuming may skip it */
};
int websession_begin(struct request *r, const char *user, int expire_pages, int remember);

/* A remembered logon that must pass the second factor before it becomes a
 * session (websession_find leaves it in r->resume): the parent's pending
 * logon, as after a right password. */
struct websession_resume {
	char token[TOKEN_LEN(32)]; /* "" when there is none */
	int enrol;		   /* the user must set one up first */
	char user[USER_ADDRESS_MAX];
};
/* The request's session into r->sess (r->has_session): its cookie, else a
 * remembered logon. A session whose account changed ends here. A remembered
 * logon that needs the second factor now (the user's policy, or
 * login.remember_totp) ends, and r->resume holds the pending logon that
 * takes its place. */
void websession_find(struct request *r);
/* No live session: the session the cookie had, when it ended by logoff or
 * expiry within SESSION_ENDED_SECONDS and its account is unchanged, into
 * r->sess (r->session_ended). 0, or -1 when there is none. The caller must
 * still check the form's CSRF token against r->sess.csrf. */
int websession_find_ended(struct request *r);
/* Logoff: the session and the remembered logon end, and their cookies. */
void websession_end(struct request *r);

/* The address the session's user sends from: the user itself when it has an
 * @; under mail.store imap a bare logon name ("ann") with
 * mail.imap_sender_domain added ("ann@example.org"). 0, or -1 when no
 * address is known (e says so in words for the user, naming the setting). */
int websession_sender(const struct request *r, char *out, size_t len, struct err *e);

/* Mode switch, leaving: a one-time token for the request's session. */
int websession_switch_out(struct request *r, char *token, size_t len);
/* Mode switch, arriving: the session the token was made for into *from (used
 * up). 0, or -1 when it is not good. */
int websession_switch_take(struct request *r, const char *token, struct session *from);
/* Mode switch, arriving: the browser gets the session of from here, under a
 * new id and secure over HTTPS; over HTTP a new session of its own (a secure
 * session never goes back to HTTP). Any other session of the browser here ends. */
int websession_switch_in(struct request *r, struct session *from, int secure);

#endif
