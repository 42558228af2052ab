/* parent_services.c - the parent answers a worker's requests: password checks
 * with the throttle, account lookups, the session store and the outbox. The
 * worker is taken for hostile: every field is bounded, a request acts only on
 * what it names, no path or SQL comes from it, the throttle's counters are
 * not its to touch, and the limits are the parent's own. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "outbox.h"
#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "throttle.h"
#include "websession.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/password.h"
#include "webmsg/status.h"
#include "webmsg/totp.h"
#include "webmsg/users.h"

/* The only keys a worker may reach with the key-value operations: the
 * remembered logons (remember.c). The throttle's stay with the parent. */
#define WORKER_KV_PREFIX "remember:"
#define KV_KEY_MAX 512

struct channel {
	struct server *srv;
	int fd;
	pthread_t thread;
	int started;
};

struct parent_services {
	struct channel ch[PRIVSEP_CHANNELS];
	int n;
};

void parent_rules_set(struct server *srv, const struct config_snapshot *cfg,
		      const char *imap_addrs)
{
	struct parent_rules r = {
		.throttle = throttle_logon_rules(cfg),
		.sessions = { config_int(cfg, SET_SESSION_IDLE_TIMEOUT),
			      config_int(cfg, SET_SESSION_MAX_LIFETIME),
			      config_int(cfg, SET_SESSION_MAX_SESSIONS),
			      config_int(cfg, SET_SESSION_MAX_PER_USER) },
		.resume_per_minute = config_int(cfg, SET_LOGIN_RESUME_PER_MINUTE),
		.totp_policy = parent_totp_policy(cfg),
		.remember_totp = config_bool(cfg, SET_LOGIN_REMEMBER_TOTP),
		.totp_has_key = config_str(cfg, SET_SESSION_SECRET)[0] != '\0',
	};
	if (r.totp_has_key)
		totp_key_derive(config_str(cfg, SET_SESSION_SECRET), r.totp_key);
	config_hostname(cfg, r.totp_issuer, sizeof(r.totp_issuer));
	parent_imap_rules(cfg, imap_addrs, &r.imap);
	pthread_mutex_lock(&srv->rules_lock);
	srv->rules = r;
	pthread_mutex_unlock(&srv->rules_lock);
}

struct parent_rules parent_rules_get(struct server *srv)
{
	pthread_mutex_lock(&srv->rules_lock);
	struct parent_rules r = srv->rules;
	pthread_mutex_unlock(&srv->rules_lock);
	return r;
}

void parent_note_sessions(struct server *srv)
{
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store(srv->store);
	struct err e;
	long n;
	if (!st)
		return;
	if (session_store_count(st, &rules.sessions, &n, &e) < 0) {
		websession_store_failed(srv->store, "cannot count sessions", &e);
		return;
	}
	struct db *db = server_db_lock(srv);
	int rc = status_note_sessions(db, n, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_warnx("%s", e.msg);
}

/* ---- Accounts ---- */

/* Checks the password without holding the database while Argon2 runs. */
static int password_ok(struct server *srv, const char *user, const char *password)
{
	char hash[PASSWORD_HASH_MAX];
	struct err e;
	int exists = 0;
	struct db *db = server_db_lock(srv);
	int rc = user_password_hash(db, user, hash, sizeof(hash), &exists, &e);
	server_db_unlock(srv);
	if (rc < 0) {
		log_error("logon: %s", log_q(e.msg));
		return 0;
	}
	if (!exists) {
		password_verify_dummy(password);
		return 0;
	}
	rc = password_verify(hash, password) == 1;
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* do_auth with mail.store imap: the IMAP server says whether the password
 * is right, and the user name is what it accepted. A server that cannot be
 * asked decides nothing for the throttle; a right password is kept sealed
 * for the session that follows. The second factor applies to users that
 * also have an account here (TOTP's state lives in the users table). */
static void auth_imap(struct server *srv, const struct parent_rules *rules,
		      const struct throttle_attempt *attempt, const char *user,
		      const char *password, const char *client, struct privsep_msg *a)
{
	char token[TOKEN_LEN(32)] = "";
	struct err e;
	int exists = 0, second = 0;
	int ok = parent_imap_check(&rules->imap, user, password, &e);
	if (ok < 0) {
		throttle_end(srv->throttle, &rules->throttle, attempt, THROTTLE_UNDECIDED,
			     time(NULL));
		log_error("logon user %s from %s: %s", log_q(user), client, log_q(e.msg));
		privsep_put_long(a, PRIVSEP_AUTH_UNREACHABLE);
		privsep_put_long(a, 60);
		privsep_put_str(a, "");
		privsep_put_str(a, "");
		return;
	}
	if (ok) {
		struct db *db = server_db_lock(srv);
		if (user_exists(db, user, &exists, &e) < 0)
			exists = 0;
		server_db_unlock(srv);
		if (exists)
			second = parent_totp_after_password(srv, rules, user, client, token,
							    sizeof(token));
		if (second >= 0)
			parent_imap_pending(srv, &rules->imap, user, password);
	}
	throttle_end(srv->throttle, &rules->throttle, attempt,
		     !ok ? 0 : second ? THROTTLE_UNDECIDED : 1, time(NULL));
	if (second < 0) {
		privsep_put_long(a, -1);
		privsep_put_str(a, "the second factor cannot be checked just now");
		return;
	}
	privsep_put_long(a, !ok		 ? PRIVSEP_AUTH_WRONG
			    : second == 2 ? PRIVSEP_AUTH_ENROL
			    : second	 ? PRIVSEP_AUTH_TOTP
					 : PRIVSEP_AUTH_OK);
	privsep_put_long(a, 0);
	privsep_put_str(a, ok ? user : "");
	privsep_put_str(a, token);
	explicit_bzero(token, sizeof(token));
}

static int do_auth(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], password[PASSWORD_MAX + 1], client[64], canon[USER_ADDRESS_MAX];
	struct throttle_attempt attempt;
	if (privsep_get_str(q, user, sizeof(user)) < 0 ||
	    privsep_get_str(q, password, sizeof(password)) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	/* Decided and counted under the throttle's lock: parallel attempts see
	 * this one before its password is checked. */
	long wait = throttle_begin(srv->throttle, &rules.throttle, client, user, time(NULL),
				   &attempt);
	if (wait > 0) {
		privsep_put_long(a, PRIVSEP_AUTH_WAIT);
		privsep_put_long(a, wait);
		privsep_put_str(a, "");
		privsep_put_str(a, "");
	} else if (rules.imap.on) {
		auth_imap(srv, &rules, &attempt, user, password, client, a);
	} else {
		int ok = password_ok(srv, user, password), second = 0;
		char token[TOKEN_LEN(32)] = "";
		if (!ok || user_address_normalize(user, canon, sizeof(canon), NULL) < 0)
			snprintf(canon, sizeof(canon), "%s", ok ? user : "");
		/* A right password of a user with a second factor is not a logon
		 * yet: it forgives no failures, and says so only now. */
		if (ok)
			second = parent_totp_after_password(srv, &rules, canon, client, token,
							    sizeof(token));
		throttle_end(srv->throttle, &rules.throttle, &attempt,
			     !ok ? 0 : second ? THROTTLE_UNDECIDED : 1, time(NULL));
		if (second < 0) {
			privsep_put_long(a, -1);
			privsep_put_str(a, "the second factor cannot be checked just now");
			explicit_bzero(password, sizeof(password));
			return 0;
		}
		privsep_put_long(a, !ok		 ? PRIVSEP_AUTH_WRONG
				    : second == 2 ? PRIVSEP_AUTH_ENROL
				    : second	 ? PRIVSEP_AUTH_TOTP
						 : PRIVSEP_AUTH_OK);
		privsep_put_long(a, 0);
		privsep_put_str(a, canon);
		privsep_put_str(a, token);
		explicit_bzero(token, sizeof(token));
	}
	explicit_bzero(password, sizeof(password));
	return 0;
}

static int do_user_stamp(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], stamp[USER_STAMP_LEN] = "";
	struct err e;
	int exists = 0;
	if (privsep_get_str(q, user, sizeof(user)) < 0)
		return -1;
	struct db *db = server_db_lock(srv);
	int rc = user_session_stamp(db, user, stamp, sizeof(stamp), &exists, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_warnx("session stamp of user %s: %s", log_q(user), log_q(e.msg));
	/* mail.store imap: users live on the IMAP server, which has no stamp
	 * to give; only a user with an account here has one. */
	if (rc == 0 && !exists && parent_rules_get(srv).imap.on)
		exists = 1;
	privsep_put_long(a, rc < 0 ? -1 : exists);
	privsep_put_str(a, rc < 0 ? "" : stamp);
	return 0;
}

static int do_exists(struct server *srv, uint32_t type, struct privsep_msg *q,
		     struct privsep_msg *a)
{
	char name[USER_ADDRESS_MAX];
	struct err e;
	int exists = 0;
	if (privsep_get_str(q, name, sizeof(name)) < 0)
		return -1;
	struct db *db = server_db_lock(srv);
	int rc = type == PRIVSEP_USER_EXISTS ? user_exists(db, name, &exists, &e)
					     : domain_exists(db, name, &exists, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_warnx("%s", log_q(e.msg));
	privsep_put_long(a, rc < 0 ? -1 : 0);
	privsep_put_long(a, exists);
	return 0;
}

static int do_resume(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char client[64];
	if (privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	privsep_put_long(a, throttle_resume(srv->throttle, rules.resume_per_minute, client,
					    time(NULL)));
	return 0;
}

static int do_kick(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char id[128];
	struct err e;
	if (privsep_get_str(q, id, sizeof(id)) < 0)
		return -1;
	int rc = srv->outbox ? outbox_kick(srv->outbox, id, &e) : err_set(&e, "no outbox");
	if (rc < 0)
		log_error("outbox: %s", e.msg);
	privsep_put_long(a, rc);
	return 0;
}

/* ---- The session store ---- */

/* The answer of a store operation: its code and, when -1, why. */
static void store_rc(struct server *srv, struct privsep_msg *a, int rc, const struct err *e)
{
	if (rc == -1)
		websession_store_failed(srv->store, "sessions", e);
	privsep_put_long(a, rc);
	privsep_put_str(a, rc == -1 ? e->msg : "");
}

static int kv_key(struct privsep_msg *q, char *key, size_t len)
{
	if (privsep_get_str(q, key, len) < 0)
		return -1;
	/* Not a protocol error: the worker asked for what is not its own. */
	return strncmp(key, WORKER_KV_PREFIX, strlen(WORKER_KV_PREFIX)) == 0 ? 0 : 1;
}

static int do_store(struct server *srv, uint32_t type, struct privsep_msg *q,
		    struct privsep_msg *a)
{
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	struct session s;
	struct err e;
	char id[SESSION_ID_LEN + 1], key[KV_KEY_MAX], value[PRIVSEP_MSG_MAX / 2];
	char user[USER_ADDRESS_MAX], stamp[USER_STAMP_LEN];
	long long x = 0, y = 0;
	long n = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	if (!st) {
		err_set(&e, "sessions cannot be kept just now");
		store_rc(srv, a, -1, &e);
		return 0;
	}
	switch (type) {
	case PRIVSEP_SS_CREATE:
		if (privsep_get_str(q, user, sizeof(user)) < 0 ||
		    privsep_get_str(q, stamp, sizeof(stamp)) < 0 || privsep_get_long(q, &x) < 0 ||
		    privsep_get_long(q, &y) < 0)
			return -1;
		rc = session_store_create(st, user, stamp, x != 0, y != 0, &rules.sessions, &s, &e);
		if (rc == 0)
			parent_imap_session_begun(srv, &rules, s.user, s.key);
		store_rc(srv, a, rc, &e);
		break;
	case PRIVSEP_SS_FIND:
		if (privsep_get_str(q, id, sizeof(id)) < 0 || privsep_get_long(q, &x) < 0)
			return -1;
		rc = session_store_find(st, id, x != 0, &rules.sessions, &s, &e);
		store_rc(srv, a, rc, &e);
		break;
	case PRIVSEP_SS_ROTATE:
		if (privsep_get_str(q, key, sizeof(key)) < 0 || privsep_get_long(q, &x) < 0)
			return -1;
		rc = session_store_rotate(st, key, x != 0, &s, &e);
		if (rc == 0)
			parent_imap_session_moved(srv, key, s.key);
		store_rc(srv, a, rc, &e);
		break;
	case PRIVSEP_SS_DESTROY:
		if (privsep_get_str(q, key, sizeof(key)) < 0)
			return -1;
		rc = session_store_destroy(st, key, &e);
		if (rc >= 0)
			parent_imap_session_ended(srv, key);
		store_rc(srv, a, rc, &e);
		return 0;
	case PRIVSEP_SS_ENDED:
		if (privsep_get_str(q, id, sizeof(id)) < 0)
			return -1;
		rc = session_store_ended(st, id, &s, &e);
		store_rc(srv, a, rc, &e);
		break;
	case PRIVSEP_SS_DESTROY_USER:
		if (privsep_get_str(q, user, sizeof(user)) < 0)
			return -1;
		rc = session_store_destroy_user(st, user, &n, &e);
		store_rc(srv, a, rc, &e);
		privsep_put_long(a, n);
		return 0;
	case PRIVSEP_SS_COUNT:
		rc = session_store_count(st, &rules.sessions, &n, &e);
		store_rc(srv, a, rc, &e);
		privsep_put_long(a, n);
		return 0;
	case PRIVSEP_SS_TRANSFER_NEW:
		if (privsep_get_str(q, key, sizeof(key)) < 0)
			return -1;
		rc = session_store_transfer_new(st, key, value, sizeof(value), &e);
		store_rc(srv, a, rc, &e);
		privsep_put_str(a, rc == 0 ? value : "");
		explicit_bzero(value, sizeof(value));
		return 0;
	case PRIVSEP_SS_TRANSFER_TAKE:
		if (privsep_get_str(q, value, sizeof(value)) < 0)
			return -1;
		rc = session_store_transfer_take(st, value, &rules.sessions, &s, &e);
		if (rc == 0)
			parent_imap_session_handover(srv, s.user, s.key);
		store_rc(srv, a, rc, &e);
		break;
	case PRIVSEP_SS_SWEEP:
		store_rc(srv, a, session_store_sweep(st, &rules.sessions, &e), &e);
		return 0;
	case PRIVSEP_KV_SET:
		if ((rc = kv_key(q, key, sizeof(key))) < 0 ||
		    privsep_get_str(q, value, sizeof(value)) < 0 || privsep_get_long(q, &x) < 0 ||
		    x < 0 || x > 10L * 365 * 86400)
			return -1;
		rc = rc ? err_set(&e, "not a worker's key") : session_store_kv_set(st, key, value,
										  (long)x, &e);
		store_rc(srv, a, rc, &e);
		return 0;
	case PRIVSEP_KV_GET:
		if ((rc = kv_key(q, key, sizeof(key))) < 0 || privsep_get_long(q, &x) < 0 || x < 1)
			return -1;
		if ((size_t)x > sizeof(value))
			x = sizeof(value);
		rc = rc ? err_set(&e, "not a worker's key") : session_store_kv_get(st, key, value,
										  (size_t)x, &e);
		store_rc(srv, a, rc, &e);
		privsep_put_str(a, rc == 0 ? value : "");
		return 0;
	case PRIVSEP_KV_DEL:
		if ((rc = kv_key(q, key, sizeof(key))) < 0)
			return -1;
		rc = rc ? err_set(&e, "not a worker's key") : session_store_kv_del(st, key, &n, &e);
		store_rc(srv, a, rc, &e);
		privsep_put_long(a, n);
		return 0;
	case PRIVSEP_KV_INCR:
		if ((rc = kv_key(q, key, sizeof(key))) < 0 || privsep_get_long(q, &x) < 0 || x < 0 ||
		    x > 10L * 365 * 86400)
			return -1;
		rc = rc ? err_set(&e, "not a worker's key")
			: session_store_kv_incr(st, key, (long)x, &y, &e);
		store_rc(srv, a, rc, &e);
		privsep_put_long(a, y);
		return 0;
	case PRIVSEP_KV_EXPIRE:
		if ((rc = kv_key(q, key, sizeof(key))) < 0 || privsep_get_long(q, &x) < 0 || x < 0 ||
		    x > 10L * 365 * 86400)
			return -1;
		rc = rc ? err_set(&e, "not a worker's key") : session_store_kv_expire(st, key, (long)x,
										     &e);
		store_rc(srv, a, rc, &e);
		return 0;
	default:
		return -1;
	}
	if (rc == 0)
		privsep_put_session(a, &s);
	explicit_bzero(&s, sizeof(s));
	return 0;
}

static int do_passwd(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], old[PASSWORD_MAX + 1], new_password[PASSWORD_MAX + 1],
		client[64];
	struct err e = { "" };
	long wait = 0;
	int rc = -1;
	if (privsep_get_str(q, user, sizeof(user)) == 0 &&
	    privsep_get_str(q, old, sizeof(old)) == 0 &&
	    privsep_get_str(q, new_password, sizeof(new_password)) == 0 &&
	    privsep_get_str(q, client, sizeof(client)) == 0) {
		struct parent_rules rules = parent_rules_get(srv);
		rc = account_change_password(srv, &rules.throttle, client, user, old, new_password,
					     &wait, &e);
		if (rc == -1)
			log_error("password change of user %s: %s", log_q(user), log_q(e.msg));
		privsep_put_long(a, rc);
		privsep_put_long(a, wait);
		privsep_put_str(a, rc == ACCOUNT_REFUSED ? e.msg : "");
		rc = 0;
	}
	explicit_bzero(old, sizeof(old));
	explicit_bzero(new_password, sizeof(new_password));
	return rc;
}

struct users_answer {
	char copies[PRIVSEP_DOMAIN_USERS_MAX][USER_ADDRESS_MAX];
	size_t n;
};

static void users_answer_add(const char *address, void *arg)
{
	struct users_answer *u = arg;
	if (u->n < PRIVSEP_DOMAIN_USERS_MAX)
		snprintf(u->copies[u->n++], USER_ADDRESS_MAX, "%s", address);
}

static int do_domain_users(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char domain[USER_ADDRESS_MAX], prefix[USER_ADDRESS_MAX];
	long long max;
	struct err e;
	if (privsep_get_str(q, domain, sizeof(domain)) < 0 ||
	    privsep_get_str(q, prefix, sizeof(prefix)) < 0 || privsep_get_long(q, &max) < 0 ||
	    max < 0)
		return -1;
	struct users_answer *u = calloc(1, sizeof(*u));
	if (!u) {
		privsep_put_long(a, -1);
		return 0;
	}
	size_t limit = max < PRIVSEP_DOMAIN_USERS_MAX ? (size_t)max : PRIVSEP_DOMAIN_USERS_MAX;
	int rc = account_domain_users(srv, domain, prefix, limit, users_answer_add, u, &e);
	if (rc < 0)
		log_warnx("users of domain %s: %s", log_q(domain), log_q(e.msg));
	privsep_put_long(a, rc < 0 ? -1 : 0);
	if (rc == 0) {
		privsep_put_long(a, (long long)u->n);
		for (size_t i = 0; i < u->n; i++)
			privsep_put_str(a, u->copies[i]);
	}
	free(u);
	return 0;
}

/* One request into its answer; -1 for a request that is not well formed. */
static int dispatch(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	long long type;
	if (privsep_get_long(q, &type) < 0)
		return -1;
	switch (type) {
	case PRIVSEP_AUTH: return do_auth(srv, q, a);
	case PRIVSEP_USER_STAMP: return do_user_stamp(srv, q, a);
	case PRIVSEP_USER_EXISTS:
	case PRIVSEP_DOMAIN_EXISTS: return do_exists(srv, (uint32_t)type, q, a);
	case PRIVSEP_NOTE_SESSIONS:
		parent_note_sessions(srv);
		privsep_put_long(a, 0);
		return 0;
	case PRIVSEP_RESUME: return do_resume(srv, q, a);
	case PRIVSEP_KICK: return do_kick(srv, q, a);
	case PRIVSEP_PASSWD: return do_passwd(srv, q, a);
	case PRIVSEP_DOMAIN_USERS: return do_domain_users(srv, q, a);
	case PRIVSEP_IMAP_CREDS: return parent_imap_creds(srv, q, a);
	case PRIVSEP_KEPT_PUT: return parent_imap_kept_put(srv, q, a);
	case PRIVSEP_KEPT_RESTORE: return parent_imap_kept_restore(srv, q, a);
	case PRIVSEP_TOTP_LOGON:
	case PRIVSEP_TOTP_STATE:
	case PRIVSEP_TOTP_BEGIN:
	case PRIVSEP_TOTP_CONFIRM:
	case PRIVSEP_TOTP_DISABLE:
	case PRIVSEP_TOTP_RESUME: return parent_totp_dispatch(srv, (uint32_t)type, q, a);
	default:
		if (type >= PRIVSEP_SS_CREATE && type <= PRIVSEP_KV_EXPIRE)
			return do_store(srv, (uint32_t)type, q, a);
		return -1;
	}
}

static void *serve(void *arg)
{
	struct channel *ch = arg;
	unsigned char *qbuf = malloc(PRIVSEP_MSG_MAX), *abuf = malloc(PRIVSEP_MSG_MAX);
	struct privsep_msg q, a;
	struct err e;
	while (qbuf && abuf) {
		privsep_msg_init(&q, qbuf, PRIVSEP_MSG_MAX, 0);
		if (privsep_recv(ch->fd, &q, &e) < 0)
			break; /* the worker is gone (or sent what no worker sends) */
		uint32_t type = privsep_msg_type(&q);
		privsep_msg_init(&a, abuf, PRIVSEP_MSG_MAX, type);
		/* A request that carries a file (PRIVSEP_KEPT_PUT) reads it here;
		 * whatever came with any other is closed unread. */
		int rc = dispatch(ch->srv, &q, &a);
		for (int i = 0; i < q.nfds; i++)
			close(q.fds[i]);
		q.nfds = 0;
		explicit_bzero(qbuf, q.len);
		if (rc < 0 && q.too_long) {
			/* A field longer than the parent takes (a password of 8 kB
			 * typed into the logon form): refused, and the channel
			 * stays. Every answer starts with its return code; -1 with
			 * a reason is a failure the worker reports. */
			privsep_msg_init(&a, abuf, PRIVSEP_MSG_MAX, type);
			privsep_put_long(&a, -1);
			privsep_put_str(&a, "a field of the request is too long");
			rc = 0;
			q.pos = q.len;
		}
		if (rc < 0 || q.pos != q.len || a.bad) {
			log_error("a worker sent a malformed request (type %u); its channel is closed",
				  type);
			break;
		}
		if (privsep_send(ch->fd, &a, &e) < 0)
			break;
		explicit_bzero(abuf, a.len);
	}
	free(qbuf);
	free(abuf);
	/* Whoever waits on this channel learns at once that nobody answers. */
	shutdown(ch->fd, SHUT_RDWR);
	return NULL;
}

int parent_services_start(struct server *srv, const int *fds, int n,
			  struct parent_services **out, struct err *e)
{
	struct parent_services *ps = calloc(1, sizeof(*ps));
	*out = NULL;
	if (!ps) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return err_set(e, "out of memory");
	}
	for (int i = 0; i < n && i < PRIVSEP_CHANNELS; i++) {
		ps->ch[i].srv = srv;
		ps->ch[i].fd = fds[i];
		ps->n++;
	}
	for (int i = 0; i < ps->n; i++) {
		int rc = pthread_create(&ps->ch[i].thread, NULL, serve, &ps->ch[i]);
		if (rc != 0) {
			errno = rc;
			err_sys(e, "cannot start a thread");
			parent_services_stop(&ps);
			return -1;
		}
		ps->ch[i].started = 1;
	}
	*out = ps;
	return 0;
}

void parent_services_stop(struct parent_services **psp)
{
	struct parent_services *ps = psp ? *psp : NULL;
	if (!ps)
		return;
	for (int i = 0; i < ps->n; i++)
		shutdown(ps->ch[i].fd, SHUT_RDWR);
	for (int i = 0; i < ps->n; i++) {
		if (ps->ch[i].started)
			pthread_join(ps->ch[i].thread, NULL);
		close(ps->ch[i].fd);
	}
	free(ps);
	*psp = NULL;
}

int parent_services_pair(struct server *srv, struct parent_services **ps,
			 struct privsep_client **client, struct err *e)
{
	int ours[PRIVSEP_CHANNELS], theirs[PRIVSEP_CHANNELS], n = 0;
	*ps = NULL;
	*client = NULL;
	for (; n < PRIVSEP_CHANNELS; n++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			err_sys(e, "socketpair");
			goto fail;
		}
		ours[n] = sv[0];
		theirs[n] = sv[1];
	}
	if (privsep_client_new(theirs, n, client, e) < 0)
		goto fail;
	if (parent_services_start(srv, ours, n, ps, e) < 0) {
		privsep_client_free(client);
		return -1;
	}
	return 0;
fail:
	for (int i = 0; i < n; i++) {
		close(ours[i]);
		close(theirs[i]);
	}
	return -1;
}
