/* websession.c - sessions, remembered logons and mode switches for the pages,
 * on the session store. Nothing here logs an id, a token or a cookie value. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "webmsg/address.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/remember.h"
#include "webmsg/users.h"

#define SESSION_COOKIE "webmsg_session"
#define REMEMBER_COOKIE "webmsg_remember"
/* After logoff, the id of the session that ended (it opens nothing): a form
 * of that session posted from another tab can still be kept as a draft. */
#define ENDED_COOKIE "webmsg_ended"

struct websession {
	pthread_mutex_t lock; /* guards store and problem; the store locks itself */
	struct session_store *store; /* NULL while it cannot be opened */
	char dbpath[4096]; /* the local store is beside it; "" for a store given */
	int redis;         /* the store is Redis: said so when logons are refused */
	char problem[300];
};

static void set_problem(struct websession *ws, const char *msg)
{
	pthread_mutex_lock(&ws->lock);
	snprintf(ws->problem, sizeof(ws->problem), "%s", msg);
	pthread_mutex_unlock(&ws->lock);
}

/* Locked. Opens the local store when it is not open yet (a Redis store is
 * opened once and connects again by itself). */
static void open_store(struct websession *ws)
{
	struct err e;
	if (ws->store || !ws->dbpath[0])
		return;
	if (session_store_open(NULL, ws->dbpath, &ws->store, &e) < 0) {
		log_error("sessions cannot be kept, logons are refused: %s", e.msg);
		snprintf(ws->problem, sizeof(ws->problem), "sessions cannot be kept: %s", e.msg);
		return;
	}
	ws->problem[0] = '\0';
}

/* The store, opened again when it could not be before (when asked). Once
 * open it stays open until websession_free. */
static struct session_store *store_of(struct websession *ws, int reopen)
{
	pthread_mutex_lock(&ws->lock);
	if (reopen)
		open_store(ws);
	struct session_store *st = ws->store;
	pthread_mutex_unlock(&ws->lock);
	return st;
}

/* An operation worked: a problem said before (Redis was unreachable) is over. */
static void store_worked(struct websession *ws)
{
	pthread_mutex_lock(&ws->lock);
	if (ws->problem[0] && ws->store) {
		log_info("sessions can be kept again");
		ws->problem[0] = '\0';
	}
	pthread_mutex_unlock(&ws->lock);
}

/* A store operation failed: said in the log and in the status row. */
static void store_failed(struct websession *ws, const char *what, const struct err *e)
{
	char msg[300];
	log_error("%s: %s", what, e->msg);
	snprintf(msg, sizeof(msg), "sessions: %s", e->msg);
	set_problem(ws, msg);
}

int websession_new_with(struct websession **out, struct session_store *store,
			const struct config_snapshot *cfg)
{
	struct websession *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -1;
	pthread_mutex_init(&ws->lock, NULL);
	ws->store = store;
	ws->redis = cfg && session_store_is_redis(cfg);
	*out = ws;
	return 0;
}

int websession_new(struct websession **out, const struct config_snapshot *cfg,
		   const char *dbpath)
{
	struct err e;
	struct websession *ws;
	if (websession_new_with(out, NULL, cfg) < 0)
		return -1;
	ws = *out;
	if (session_store_open(cfg, dbpath, &ws->store, &e) < 0) {
		log_error("sessions cannot be kept, logons are refused: %s", e.msg);
		snprintf(ws->problem, sizeof(ws->problem), "sessions cannot be kept: %s", e.msg);
		/* A local file is tried again at each logon; a Redis setting
		 * that cannot be used waits for a restart with a good one. */
		if (!session_store_is_redis(cfg))
			snprintf(ws->dbpath, sizeof(ws->dbpath), "%s", dbpath);
		return 0;
	}
	/* Said at start rather than at the first logon. */
	if (session_store_ping(ws->store, &e) < 0) {
		log_error("sessions cannot be kept, logons are refused until it answers: %s",
			  e.msg);
		snprintf(ws->problem, sizeof(ws->problem), "sessions cannot be kept: %s", e.msg);
	}
	return 0;
}

void websession_free(struct websession **ws)
{
	if (!ws || !*ws)
		return;
	session_store_close(&(*ws)->store);
	pthread_mutex_destroy(&(*ws)->lock);
	free(*ws);
	*ws = NULL;
}

struct session_store *websession_store(struct websession *ws)
{
	return store_of(ws, 0);
}

struct session_store *websession_store_reopen(struct websession *ws)
{
	return store_of(ws, 1);
}

void websession_store_failed(struct websession *ws, const char *what, const struct err *e)
{
	store_failed(ws, what, e);
}

void websession_problem(struct websession *ws, char *out, size_t len)
{
	pthread_mutex_lock(&ws->lock);
	snprintf(out, len, "%s", ws->problem);
	pthread_mutex_unlock(&ws->lock);
}

const char *websession_refusal(struct websession *ws)
{
	return ws->redis ? "Logons are not possible just now: the session store (Redis) is "
			   "unreachable. Please try again in a few minutes; the administrator "
			   "can see why in the log and the service status."
			 : "Logons are not possible just now: the server cannot keep sessions. "
			   "The administrator can see why in the log and the service status.";
}

static struct session_limits limits_of(const struct config_snapshot *cfg)
{
	struct session_limits lim = { config_int(cfg, SET_SESSION_IDLE_TIMEOUT),
				      config_int(cfg, SET_SESSION_MAX_LIFETIME),
				      config_int(cfg, SET_SESSION_MAX_SESSIONS),
				      config_int(cfg, SET_SESSION_MAX_PER_USER) };
	return lim;
}

long websession_count(struct websession *ws, const struct config_snapshot *cfg)
{
	struct session_store *st = store_of(ws, 0);
	struct session_limits lim = limits_of(cfg);
	struct err e;
	long n;
	if (!st)
		return -1;
	if (session_store_count(st, &lim, &n, &e) < 0) {
		store_failed(ws, "cannot count sessions", &e);
		return -1;
	}
	return n;
}

/* 1 and the stamp for an account, 0 for none, -1 when it cannot be read. */
static int read_stamp(struct server *srv, const char *user, char *out, size_t len)
{
	struct err e;
	int rc = privsep_user_stamp(srv->ps, user, out, len, &e);
	if (rc < 0)
		log_warnx("session stamp of user %s: %s", log_q(user), log_q(e.msg));
	return rc;
}

/* The stamp a new session of user gets; "" when it cannot be read (logged). */
static void account_stamp(struct server *srv, const char *user, char *out, size_t len)
{
	if (read_stamp(srv, user, out, len) < 0)
		out[0] = '\0';
}

/* 0 when the session's account still exists with the stamp the session was
 * made with, -1 when it must end. A database that cannot be read just now
 * keeps the session (logged): nobody is logged off by a passing lock. */
static int account_current(struct server *srv, const struct session *s)
{
	char stamp[USER_STAMP_LEN];
	int rc = read_stamp(srv, s->user, stamp, sizeof(stamp));
	if (rc < 0)
		return 0;
	return rc == 1 && token_equal(stamp, s->stamp) ? 0 : -1;
}

/* A new session for user into r->sess, with its cookie. */
static int create(struct request *r, const char *user, const char *stamp, int expire_pages,
		  int secure)
{
	struct websession *ws = r->gen->srv->sessions;
	struct session_store *st = store_of(ws, 1);
	struct session_limits lim = limits_of(r->gen->cfg);
	struct err e;
	if (!st)
		return -1;
	int rc = session_store_create(st, user, stamp, expire_pages, secure, &lim, &r->sess, &e);
	if (rc == -1) {
		store_failed(ws, "cannot begin a session", &e);
		return -1;
	}
	store_worked(ws);
	if (rc < 0)
		return rc;
	r->has_session = 1;
	http_add_cookie(r, SESSION_COOKIE, r->sess.id, -1);
	return 0;
}

static void destroy(struct request *r, const char *key)
{
	struct websession *ws = r->gen->srv->sessions;
	struct session_store *st = store_of(ws, 0);
	struct err e;
	if (st && session_store_destroy(st, key, &e) < 0)
		store_failed(ws, "cannot end a session", &e);
}

int websession_begin(struct request *r, const char *user, int expire_pages, int remember)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	char cookie[REMEMBER_COOKIE_LEN] = "", stamp[USER_STAMP_LEN];
	int days = (int)config_int(cfg, SET_LOGIN_REMEMBER_DAYS);
	/* A new id at every logon: an id planted before it is worth nothing. */
	account_stamp(srv, user, stamp, sizeof(stamp));
	int rc = create(r, user, stamp, expire_pages, r->https);
	if (rc < 0)
		return rc;
	if (remember && config_bool(cfg, SET_LOGIN_REMEMBER_ME)) {
		struct err e;
		struct session_store *st = store_of(srv->sessions, 0);
		if (st && remember_create(st, user, days, remember == WEBSESSION_REMEMBER_TOTP, cookie,
					  sizeof(cookie), &e) < 0) {
			log_warnx("logon user %s: cannot remember it: %s", log_q(user), log_q(e.msg));
			cookie[0] = '\0';
		}
		if (cookie[0])
			http_add_cookie(r, REMEMBER_COOKIE, cookie, days * 86400L);
		explicit_bzero(cookie, sizeof(cookie));
	}
	privsep_note_sessions(srv->ps);
	return 0;
}

/* 1 when the remembered logon of user (taken from cookie fresh) must pass
 * the second factor first: it ends, and r->resume gets the pending logon the
 * parent made instead; 0 when it may become a session; -1 when that cannot
 * be decided (no session: fail closed). */
static int resume_needs_code(struct request *r, struct session_store *st, const char *user,
			     int second_factor, const char *fresh)
{
	struct server *srv = r->gen->srv;
	enum privsep_auth result;
	struct err e;
	if (privsep_totp_resume(srv->ps, user, second_factor, r->client, &result, r->resume.token,
				&e) < 0) {
		log_warnx("remembered logon of user %s from %s refused: %s", log_q(user), r->client,
			  log_q(e.msg));
		r->resume.token[0] = '\0';
		return -1;
	}
	if (result == PRIVSEP_AUTH_OK)
		return 0;
	/* Its token ends: a logon with the code remembers again where allowed. */
	if (remember_forget(st, fresh, &e) < 0)
		log_warnx("remembered logon from %s: %s", r->client, log_q(e.msg));
	http_add_cookie(r, REMEMBER_COOKIE, "", 0);
	r->resume.enrol = result == PRIVSEP_AUTH_ENROL;
	snprintf(r->resume.user, sizeof(r->resume.user), "%s", user);
	return 1;
}

/* A remembered logon becomes a session; its token is replaced on the way.
 * It costs no password check, so resumptions are throttled per address, and
 * the session counts against the user's cap like any other. */
static void resume_remembered(struct request *r)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	const char *cookie = http_cookie(r, REMEMBER_COOKIE);
	char user[USER_ADDRESS_MAX], fresh[REMEMBER_COOKIE_LEN];
	long days = config_int(cfg, SET_LOGIN_REMEMBER_DAYS);
	struct err e;
	enum remember_result res;
	if (!cookie || !config_bool(cfg, SET_LOGIN_REMEMBER_ME))
		return;
	/* A store that cannot be used: the token is kept for when it can. */
	struct session_store *st = store_of(srv->sessions, 1);
	if (!st) {
		log_warnx("remembered logon from %s refused: sessions cannot be kept", r->client);
		return;
	}
	/* Refused before the token is used: it stays good for a later try. */
	long wait = privsep_resume(srv->ps, r->client);
	if (wait < 0)
		return;
	if (wait > 0) {
		log_warnx("remembered logon refused from %s: too many, %ld s to wait", r->client,
			  wait);
		return;
	}
	int second_factor = 0;
	int rc = remember_take(st, cookie, (int)days, user, sizeof(user), &second_factor, fresh,
			       sizeof(fresh), &res, &e);
	if (rc < 0) {
		log_warnx("remembered logon from %s: %s", r->client, log_q(e.msg));
		return;
	}
	if (res == REMEMBER_COPIED)
		log_warnx("remembered logons of user %s ended: a replaced token came from %s "
			  "(a copied cookie)", log_q(user), r->client);
	if (res != REMEMBER_OK) {
		http_add_cookie(r, REMEMBER_COOKIE, "", 0);
		return;
	}
	/* The old token is spent: the browser gets the new one even when no
	 * session can be made now, or its next try would look like a theft. */
	http_add_cookie(r, REMEMBER_COOKIE, fresh, days * 86400L);
	/* A token outlives nothing of its account: one whose user is gone (ended
	 * while the store could not be reached) ends here. */
	char stamp[USER_STAMP_LEN];
	int exists = read_stamp(srv, user, stamp, sizeof(stamp));
	if (exists == 0) {
		log_info("remembered logon of user %s from %s ended: no such account", log_q(user),
			 r->client);
		if (remember_forget(st, fresh, &e) < 0)
			log_warnx("remembered logon from %s: %s", r->client, log_q(e.msg));
		http_add_cookie(r, REMEMBER_COOKIE, "", 0);
		explicit_bzero(fresh, sizeof(fresh));
		return;
	}
	if (exists < 0)
		stamp[0] = '\0';
	/* The second factor, as the user's policy stands now. */
	if (resume_needs_code(r, st, user, second_factor, fresh) != 0) {
		explicit_bzero(fresh, sizeof(fresh));
		return;
	}
	explicit_bzero(fresh, sizeof(fresh));
	rc = create(r, user, stamp, 0, r->https);
	if (rc < 0) {
		log_warnx("remembered logon refused for user %s from %s: %s", log_q(user),
			  r->client, rc == SESSION_FULL ? "session.max_sessions are open"
						       : "sessions cannot be kept");
		return;
	}
	log_info("logon user %s from %s (remembered)", log_q(user), r->client);
	privsep_note_sessions(srv->ps);
}

void websession_find(struct request *r)
{
	struct server *srv = r->gen->srv;
	const char *id = http_cookie(r, SESSION_COOKIE);
	struct session_store *st = store_of(srv->sessions, 0);
	struct session_limits lim = limits_of(r->gen->cfg);
	struct err e;
	if (id && st) {
		int rc = session_store_find(st, id, r->https, &lim, &r->sess, &e);
		if (rc < 0)
			store_failed(srv->sessions, "cannot look up a session", &e);
		else
			store_worked(srv->sessions);
		if (rc == 0) {
			if (account_current(srv, &r->sess) == 0) {
				r->has_session = 1;
				return;
			}
			/* Deleted, a new password or revoked: the session ends at once. */
			log_info("session of user %s from %s ended: the account changed",
				 log_q(r->sess.user), r->client);
			destroy(r, r->sess.key);
			explicit_bzero(&r->sess, sizeof(r->sess));
			privsep_note_sessions(srv->ps);
		}
	}
	resume_remembered(r);
}

int websession_find_ended(struct request *r)
{
	struct server *srv = r->gen->srv;
	const char *id = http_cookie(r, SESSION_COOKIE);
	struct session_store *st = store_of(srv->sessions, 0);
	struct session x;
	if (!id)
		id = http_cookie(r, ENDED_COOKIE);
	char stamp[USER_STAMP_LEN];
	struct err e;
	if (r->has_session || !id || !st)
		return -1;
	int rc = session_store_ended(st, id, &x, &e);
	if (rc < 0)
		store_failed(srv->sessions, "cannot look up an ended session", &e);
	/* Unlike a live session, a database that cannot be read now ties nothing. */
	if (rc != 0 || read_stamp(srv, x.user, stamp, sizeof(stamp)) != 1 ||
	    !token_equal(stamp, x.stamp)) {
		explicit_bzero(&x, sizeof(x));
		return -1;
	}
	r->sess = x;
	r->session_ended = 1;
	explicit_bzero(&x, sizeof(x));
	return 0;
}

int websession_sender(const struct request *r, char *out, size_t len, struct err *e)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	const char *user = r->sess.user;
	const char *domain = config_str(cfg, SET_MAIL_IMAP_SENDER_DOMAIN);
	/* The logon name as typed goes into From and MAIL FROM: an address to
	 * send from as it is, never one that makes a second mailbox. */
	if (strchr(user, '@')) {
		if (!address_sender_ok(user))
			return err_set(e, "the logon name %s cannot be used as a sender address",
				       user);
		if (snprintf(out, len, "%s", user) >= (int)len)
			return err_set(e, "the sender address is too long");
		return 0;
	}
	/* IMAP accounts are often bare names, which are no address to send
	 * from and no sender the relay takes: the site says which domain
	 * they are at (as Roundcube's mail_domain does). */
	if (strcmp(config_str(cfg, SET_MAIL_STORE), "imap") != 0 || !domain[0])
		return err_set(e, "no sender address is known for %s: ask the administrator to "
				  "set mail.imap_sender_domain (the domain of logon names "
				  "without @)", user);
	if (snprintf(out, len, "%s@%s", user, domain) >= (int)len)
		return err_set(e, "the sender address is too long");
	/* The name becomes an address's local part as it is. */
	if (!address_sender_ok(out))
		return err_set(e, "the logon name %s cannot be made into a sender address", user);
	return 0;
}

void websession_end(struct request *r)
{
	struct server *srv = r->gen->srv;
	const char *remember = http_cookie(r, REMEMBER_COOKIE);
	if (r->has_session) {
		destroy(r, r->sess.key);
		http_add_cookie(r, ENDED_COOKIE, r->sess.id, SESSION_ENDED_SECONDS);
	}
	struct session_store *st = store_of(srv->sessions, 0);
	if (remember && st) {
		struct err e;
		if (remember_forget(st, remember, &e) < 0)
			log_warnx("logoff %s: %s", log_q(r->sess.user), log_q(e.msg));
	}
	r->has_session = 0;
	http_add_cookie(r, SESSION_COOKIE, "", 0);
	http_add_cookie(r, REMEMBER_COOKIE, "", 0);
	privsep_note_sessions(srv->ps);
}

int websession_switch_out(struct request *r, char *token, size_t len)
{
	struct websession *ws = r->gen->srv->sessions;
	struct session_store *st = store_of(ws, 0);
	struct err e;
	if (!r->has_session || !st)
		return -1;
	if (session_store_transfer_new(st, r->sess.key, token, len, &e) < 0) {
		store_failed(ws, "cannot make a mode switch token", &e);
		return -1;
	}
	return 0;
}

int websession_switch_take(struct request *r, const char *token, struct session *from)
{
	struct websession *ws = r->gen->srv->sessions;
	struct session_store *st = store_of(ws, 0);
	struct session_limits lim = limits_of(r->gen->cfg);
	struct err e;
	if (!st)
		return -1;
	int rc = session_store_transfer_take(st, token, &lim, from, &e);
	if (rc < 0)
		store_failed(ws, "cannot take a mode switch token", &e);
	return rc == 0 ? 0 : -1;
}

int websession_switch_in(struct request *r, struct session *from, int secure)
{
	struct websession *ws = r->gen->srv->sessions;
	struct session_store *st = store_of(ws, 0);
	struct err e;
	int rc = -1;
	/* The same user's older session on this listener is replaced by this one. */
	if (r->has_session && strcmp(r->sess.key, from->key) != 0)
		destroy(r, r->sess.key);
	r->has_session = 0;
	if (!st)
		return -1;
	if (secure) {
		rc = session_store_rotate(st, from->key, 1, &r->sess, &e);
		if (rc < 0)
			store_failed(ws, "cannot give a session a new id", &e);
		if (rc == 0) {
			r->has_session = 1;
			http_add_cookie(r, SESSION_COOKIE, r->sess.id, -1);
		}
	} else {
		/* The secure session stays secure: regular mode gets a session of its own. */
		destroy(r, from->key);
		rc = create(r, from->user, from->stamp, from->expire_pages, 0);
	}
	return rc == 0 ? 0 : -1;
}
