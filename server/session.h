/* session.h - webmail sessions, held by the daemon across reloads. A session
 * id is 256 random bits that live only in the HttpOnly cookie; callers get a
 * copy of a session, never a pointer into the table. */
#ifndef WEBMSGD_SESSION_H
#define WEBMSGD_SESSION_H

#include <stddef.h>
#include <time.h>

#include "webmsg/token.h"
#include "webmsg/users.h"

#define SESSION_ID_BYTES 32
#define SESSION_ID_LEN TOKEN_LEN(SESSION_ID_BYTES)

struct session {
	char id[SESSION_ID_LEN];
	char csrf[SESSION_ID_LEN]; /* the token every form of this session carries */
	char user[USER_ADDRESS_MAX];
	char stamp[USER_STAMP_LEN]; /* the user's session stamp when it began (account.h) */
	time_t created, last_seen;
	unsigned long long serial; /* order of creation in the table: the oldest is the lowest */
	int expire_pages; /* "Expire page views": nothing of it cached */
	int secure;       /* entered secure mode: never again over plain HTTP */
};

struct session_limits {
	long idle;         /* seconds */
	long lifetime;     /* seconds */
	long max_per_user; /* sessions of one user; 0: as many as the table holds */
};

/* session_create's answer when max_sessions are open: nobody else's session
 * is ended to make room. */
#define SESSION_FULL (-2)

struct session_table;

/* A table for at most max_sessions live sessions. */
int session_table_new(struct session_table **out, long max_sessions);
void session_table_free(struct session_table **t);
/* The limits session_create applies (the daemon sets them at every reload). */
void session_table_set_limits(struct session_table *t, const struct session_limits *lim);

/* A new session for user; *out gets it (with its new id). A user with
 * max_per_user sessions loses the oldest of them; when the table is full of
 * live sessions, SESSION_FULL (-2); -1 when no random id could be made. */
int session_create(struct session_table *t, const char *user, const char *stamp,
		   int expire_pages, int secure, struct session *out);
/* The session with this id when it is alive and may be used over this kind of
 * connection; touches it. Expired ones are removed on the way. */
int session_find(struct session_table *t, const char *id, int https,
		 const struct session_limits *lim, struct session *out);
/* Gives the session a new id (and CSRF token) and marks it secure when asked;
 * the old id stops working at once. */
int session_rotate(struct session_table *t, const char *id, int secure, struct session *out);
void session_destroy(struct session_table *t, const char *id);
/* Ends every session of a user. */
void session_destroy_user(struct session_table *t, const char *user);
long session_count(struct session_table *t, const struct session_limits *lim);

/* One-time tokens that carry a session from HTTP to HTTPS and back: usable
 * once, for a few seconds, and never the session id itself. */
int session_transfer_new(struct session_table *t, const char *id, char *token, size_t len);
/* The session the token was made for; the token is used up. */
int session_transfer_take(struct session_table *t, const char *token, struct session *out);

#endif
