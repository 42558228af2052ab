/* parent_totp.c - the parent's side of the second factor: the pending logon
 * between password and code (in the session store, bound to the client, a
 * few minutes), checking codes and recovery codes under the logon throttle
 * with each time step used once, and enrolment and turning off for the user
 * of a live session. Secrets are opened only here and never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "throttle.h"
#include "websession.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/password.h"
#include "webmsg/remember.h"
#include "webmsg/token.h"
#include "webmsg/totp.h"
#include "webmsg/totp_store.h"
#include "webmsg/users.h"

/* Seconds between a right password and the code it waits for. */
#define PENDING_SECONDS 300
#define PENDING_PREFIX "totp-logon:"
#define CLIENT_MAX 64
#define CODE_MAX PRIVSEP_TOTP_CODE_MAX

static const char *const policy_names[] = { [TOTP_POLICY_OFF] = "off",
					     [TOTP_POLICY_OPTIONAL] = "optional",
					     [TOTP_POLICY_REQUIRED] = "required" };

static int policy_of_name(const char *v)
{
	return strcmp(v, "off") == 0	     ? TOTP_POLICY_OFF
	       : strcmp(v, "required") == 0 ? TOTP_POLICY_REQUIRED
					     : TOTP_POLICY_OPTIONAL;
}

int parent_totp_policy(const struct config_snapshot *cfg)
{
	return policy_of_name(config_str(cfg, SET_LOGIN_TOTP));
}

int parent_totp_user_policy(struct server *srv, const struct parent_rules *rules,
			    const char *user)
{
	char policy[DOMAIN_TOTP_MAX];
	struct err e;
	struct db *db = server_db_lock(srv);
	int rc = user_totp_policy(db, user, policy_names[rules->totp_policy], policy,
				  sizeof(policy), &e);
	server_db_unlock(srv);
	if (rc < 0) {
		log_error("second factor policy of user %s: %s", log_q(user), log_q(e.msg));
		return -1;
	}
	return policy_of_name(policy);
}

/* The store's key of a pending logon: its token hashed, so the store never
 * holds what the browser shows. */
static void pending_key(const char *token, char *key, size_t len)
{
	char hex[65];
	token_sha256_hex(token, hex);
	snprintf(key, len, PENDING_PREFIX "%s", hex);
}

static int user_state(struct server *srv, const char *user, struct totp_state *s)
{
	struct err e;
	struct db *db = server_db_lock(srv);
	int rc = totp_store_get(db, user, s, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
	return rc;
}

int parent_totp_after_password(struct server *srv, const struct parent_rules *rules,
			       const char *user, const char *client, char *token, size_t len)
{
	struct totp_state s;
	char key[128], value[USER_ADDRESS_MAX + CLIENT_MAX + 2];
	struct err e;
	token[0] = '\0';
	int policy = parent_totp_user_policy(srv, rules, user);
	if (policy < 0)
		return -1;
	/* off (the setting or the user's domain): the operator chose the
	 * password alone, also for users who set up a key (it is kept). */
	if (policy == TOTP_POLICY_OFF)
		return 0;
	if (user_state(srv, user, &s) < 0)
		return -1;
	int on = s.secret[0] != '\0';
	OPENSSL_cleanse(&s, sizeof(s));
	if (!on && policy != TOTP_POLICY_REQUIRED)
		return 0;
	struct session_store *st = websession_store_reopen(srv->store);
	if (!st || token_random(token, len, 32, &e) < 0)
		return -1;
	pending_key(token, key, sizeof(key));
	snprintf(value, sizeof(value), "%s\n%s", client, user);
	if (session_store_kv_set(st, key, value, PENDING_SECONDS, &e) < 0) {
		websession_store_failed(srv->store, "cannot keep a pending logon", &e);
		token[0] = '\0';
		return -1;
	}
	return on ? 1 : 2;
}

/* Opens the user's secret (state s) into key; -1 logged. */
static int open_secret(const struct parent_rules *rules, const char *user, const char *sealed,
		       unsigned char *secret, size_t cap, size_t *n)
{
	struct err e;
	if (!rules->totp_has_key) {
		log_error("second factor of user %s: session.secret is empty", log_q(user));
		return -1;
	}
	if (totp_unseal(rules->totp_key, user, sealed, secret, cap, n, &e) < 0) {
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
		return -1;
	}
	return 0;
}

/* 1 when typed is a right code of user (used up now), 0 when not, -1 when it
 * cannot be checked. */
static int check_code(struct server *srv, const struct parent_rules *rules, const char *user,
		      const char *typed, int *recovery)
{
	struct totp_state s;
	unsigned char secret[64];
	size_t n = 0;
	struct err e;
	int ok = 0, rc;
	*recovery = 0;
	if (user_state(srv, user, &s) < 0)
		return -1;
	if (!s.secret[0])
		return 0; /* turned off meanwhile (reset): no code is right */
	if (totp_is_recovery(typed)) {
		*recovery = 1;
		struct db *db = server_db_lock(srv);
		rc = totp_store_use_recovery(db, user, typed, &ok, &e);
		server_db_unlock(srv);
	} else {
		int64_t step = 0;
		if (open_secret(rules, user, s.secret, secret, sizeof(secret), &n) < 0) {
			OPENSSL_cleanse(&s, sizeof(s));
			return -1;
		}
		rc = 0;
		if (totp_verify(secret, n, typed, time(NULL), s.last_step, &step)) {
			struct db *db = server_db_lock(srv);
			rc = totp_store_use_step(db, user, step, &ok, &e);
			server_db_unlock(srv);
		}
		OPENSSL_cleanse(secret, sizeof(secret));
	}
	OPENSSL_cleanse(&s, sizeof(s));
	if (rc < 0) {
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
		return -1;
	}
	return ok;
}

static int do_logon(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char token[PRIVSEP_TOTP_TOKEN_LEN], code[CODE_MAX], client[CLIENT_MAX];
	char key[128], value[USER_ADDRESS_MAX + CLIENT_MAX + 2];
	struct throttle_attempt attempt;
	struct err e;
	if (privsep_get_str(q, token, sizeof(token)) < 0 ||
	    privsep_get_str(q, code, sizeof(code)) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	int rc = -1, recovery = 0;
	long wait = 0;
	const char *user = "";
	char *nl = NULL;
	if (!token_well_formed(token, TOKEN_CHARS(32), TOKEN_CHARS(32))) {
		rc = PRIVSEP_AUTH_EXPIRED;
		goto answer;
	}
	if (!st)
		goto answer;
	pending_key(token, key, sizeof(key));
	int got = session_store_kv_get(st, key, value, sizeof(value), &e);
	if (got < 0) {
		websession_store_failed(srv->store, "pending logons", &e);
		goto answer;
	}
	/* Gone, or made for another client: this browser starts again. */
	if (got != 0 || !(nl = strchr(value, '\n')) ||
	    strncmp(value, client, (size_t)(nl - value)) != 0 || strlen(client) != (size_t)(nl - value)) {
		rc = PRIVSEP_AUTH_EXPIRED;
		goto answer;
	}
	user = nl + 1;
	wait = throttle_begin(srv->throttle, &rules.throttle, client, user, time(NULL), &attempt);
	if (wait > 0) {
		rc = PRIVSEP_AUTH_WAIT;
		goto answer;
	}
	int ok = check_code(srv, &rules, user, code, &recovery);
	if (ok == 1) {
		/* The pending logon is used once: of two racing requests one wins. */
		long deleted = 0;
		if (session_store_kv_del(st, key, &deleted, &e) < 0 || deleted != 1)
			ok = 0;
	}
	throttle_end(srv->throttle, &rules.throttle, &attempt, ok < 0 ? THROTTLE_UNDECIDED : ok,
		     time(NULL));
	rc = ok < 0 ? -1 : ok ? PRIVSEP_AUTH_OK : PRIVSEP_AUTH_WRONG;
	if (ok == 1 && recovery)
		log_info("user %s used a recovery code from %s", log_q(user), client);
answer:
	privsep_put_long(a, rc);
	privsep_put_long(a, wait);
	/* The worker holding the token had the user's right password: a wrong
	 * code is logged with the user, for fail2ban, like a wrong password. */
	privsep_put_str(a, rc == PRIVSEP_AUTH_OK || rc == PRIVSEP_AUTH_WRONG ? user : "");
	OPENSSL_cleanse(code, sizeof(code));
	return 0;
}

/* The user of a pending logon's token, when it was made for client; key
 * gets the store's key. 0 and "" when there is none. */
static int pending_user(struct server *srv, struct session_store *st, const char *token,
			const char *client, char *key, size_t keylen, char *user, size_t len)
{
	char value[USER_ADDRESS_MAX + CLIENT_MAX + 2], *nl;
	struct err e;
	user[0] = '\0';
	if (!token_well_formed(token, TOKEN_CHARS(32), TOKEN_CHARS(32)))
		return 0;
	pending_key(token, key, keylen);
	int got = session_store_kv_get(st, key, value, sizeof(value), &e);
	if (got < 0) {
		websession_store_failed(srv->store, "pending logons", &e);
		return -1;
	}
	if (got == 0 && (nl = strchr(value, '\n')) && strlen(client) == (size_t)(nl - value) &&
	    strncmp(value, client, (size_t)(nl - value)) == 0)
		snprintf(user, len, "%s", nl + 1);
	return 0;
}

/* The user of the live session id names (the worker's word is not taken),
 * or of a pending logon that must set up TOTP ("logon:TOKEN:CLIENT"; *pending
 * then gets 1 and pkey its store key). */
static int session_user_of(struct server *srv, struct privsep_msg *q, char *user, size_t len,
			   int *pending, char *pkey, size_t pkeylen)
{
	char id[SESSION_ID_LEN + PRIVSEP_TOTP_TOKEN_LEN + CLIENT_MAX + 16];
	long long https;
	struct session s;
	struct err e;
	if (privsep_get_str(q, id, sizeof(id)) < 0 || privsep_get_long(q, &https) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	user[0] = '\0';
	if (pending)
		*pending = 0;
	if (!st)
		return 0;
	if (strncmp(id, "logon:", 6) == 0) {
		char token[PRIVSEP_TOTP_TOKEN_LEN];
		const char *colon = strchr(id + 6, ':');
		if (!pending || !colon || (size_t)(colon - id - 6) >= sizeof(token))
			return 0;
		snprintf(token, sizeof(token), "%.*s", (int)(colon - id - 6), id + 6);
		*pending = 1;
		pending_user(srv, st, token, colon + 1, pkey, pkeylen, user, len);
		/* Only a user whose policy requires it enrols before logging on. */
		if (user[0] && parent_totp_user_policy(srv, &rules, user) != TOTP_POLICY_REQUIRED)
			user[0] = '\0';
		return 0;
	}
	int rc = session_store_find(st, id, https != 0, &rules.sessions, &s, &e);
	if (rc == 0)
		snprintf(user, len, "%s", s.user);
	else if (rc < 0)
		websession_store_failed(srv->store, "sessions", &e);
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(id, sizeof(id));
	return 0;
}

static int session_user(struct server *srv, struct privsep_msg *q, char *user, size_t len)
{
	return session_user_of(srv, q, user, len, NULL, NULL, 0);
}

static int do_state(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX];
	struct totp_state s = { 0 };
	if (session_user(srv, q, user, sizeof(user)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	int rc = user[0] ? user_state(srv, user, &s) : -1;
	int policy = user[0] ? parent_totp_user_policy(srv, &rules, user) : -1;
	privsep_put_long(a, rc < 0 || !s.exists || policy < 0 ? -1 : 0);
	privsep_put_long(a, s.secret[0] != '\0');
	privsep_put_long(a, s.recovery_left);
	privsep_put_long(a, policy != TOTP_POLICY_OFF); /* offered to the user */
	/* Kept: set up, but not asked for under the domain's `off`; the user
	 * may still remove it. */
	privsep_put_long(a, policy == TOTP_POLICY_OFF && s.secret[0] != '\0');
	OPENSSL_cleanse(&s, sizeof(s));
	return 0;
}

/* Checks the password without holding the database while Argon2 runs. */
static int password_right(struct server *srv, const char *user, const char *password)
{
	char hash[PASSWORD_HASH_MAX];
	struct err e;
	int exists = 0;
	struct db *db = server_db_lock(srv);
	int rc = user_password_hash(db, user, hash, sizeof(hash), &exists, &e);
	server_db_unlock(srv);
	if (rc < 0 || !exists) {
		password_verify_dummy(password);
		return 0;
	}
	rc = password_verify(hash, password) == 1;
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

/* Whether proof (the password, or a current code or a recovery code of a
 * user who has a second factor) shows that the one asking is user, under
 * the logon throttle: 1 yes, 0 no (a failure counted), PRIVSEP_TOTP_WAIT
 * with *wait, -1 when it cannot be checked. A session alone never changes
 * the second factor: it may be stolen. */
static int proof_right(struct server *srv, const struct parent_rules *rules, const char *user,
		       const char *proof, const char *client, long *wait)
{
	struct throttle_attempt attempt;
	int recovery = 0;
	if ((*wait = throttle_begin(srv->throttle, &rules->throttle, client, user, time(NULL),
				    &attempt)) > 0)
		return PRIVSEP_TOTP_WAIT;
	int ok = proof[0] ? password_right(srv, user, proof) : 0;
	if (!ok && proof[0] && strlen(proof) < CODE_MAX)
		ok = check_code(srv, rules, user, proof, &recovery);
	throttle_end(srv->throttle, &rules->throttle, &attempt, ok < 0 ? THROTTLE_UNDECIDED : ok,
		      time(NULL));
	return ok;
}

static int do_begin(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], b32[TOTP_B32_LEN] = "", sealed[TOTP_SEALED_LEN];
	char uri[PRIVSEP_TOTP_URI_MAX] = "", proof[PASSWORD_MAX + 1], client[CLIENT_MAX];
	unsigned char secret[TOTP_SECRET_BYTES];
	char pkey[128];
	struct err e = { "" };
	struct totp_state s;
	long wait = 0;
	int rc = -1, pending = 0;
	if (session_user_of(srv, q, user, sizeof(user), &pending, pkey, sizeof(pkey)) < 0 ||
	    privsep_get_str(q, proof, sizeof(proof)) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	if (!user[0] || parent_totp_user_policy(srv, &rules, user) <= TOTP_POLICY_OFF)
		goto answer;
	if (user_state(srv, user, &s) < 0)
		goto answer;
	int on = s.secret[0] != '\0';
	OPENSSL_cleanse(&s, sizeof(s));
	/* Only a user who has none yet enrols before logging on; one who has
	 * one replaces it only with proof beyond the session. */
	if (on && pending)
		goto answer;
	if (on) {
		int ok = proof_right(srv, &rules, user, proof, client, &wait);
		if (ok != 1) {
			rc = ok < 0 ? -1 : ok == 0 ? PRIVSEP_TOTP_WRONG : PRIVSEP_TOTP_WAIT;
			goto answer;
		}
	}
	if (!rules.totp_has_key) {
		log_error("second factor: session.secret is empty ('webmsg-admin config set "
			  "session.secret' or a new database)");
		goto answer;
	}
	if (totp_secret_new(secret, &e) < 0 ||
	    totp_seal(rules.totp_key, user, secret, sizeof(secret), sealed, sizeof(sealed), &e) < 0 ||
	    totp_base32_encode(secret, sizeof(secret), b32, sizeof(b32)) < 0 ||
	    totp_uri(rules.totp_issuer, user, b32, uri, sizeof(uri), &e) < 0) {
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
		goto answer;
	}
	struct db *db = server_db_lock(srv);
	rc = totp_store_set_pending(db, user, sealed, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
	else
		rc = PRIVSEP_TOTP_OK;
answer:
	privsep_put_long(a, rc);
	privsep_put_long(a, wait);
	privsep_put_str(a, rc == PRIVSEP_TOTP_OK ? b32 : "");
	privsep_put_str(a, rc == PRIVSEP_TOTP_OK ? uri : "");
	explicit_bzero(proof, sizeof(proof));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(uri, sizeof(uri));
	return 0;
}

static int do_confirm(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], code[CODE_MAX], client[CLIENT_MAX];
	char codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN];
	char hashes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_HASH_LEN];
	char all[TOTP_RECOVERY_COUNT * TOTP_RECOVERY_LEN + 1] = "";
	unsigned char secret[64];
	struct throttle_attempt attempt;
	struct totp_state s = { 0 };
	struct err e = { "" };
	char pkey[128];
	size_t n = 0;
	long wait = 0;
	int rc = -1, pending = 0;
	if (session_user_of(srv, q, user, sizeof(user), &pending, pkey, sizeof(pkey)) < 0 ||
	    privsep_get_str(q, code, sizeof(code)) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	if (!user[0] || user_state(srv, user, &s) < 0)
		goto answer;
	if (!s.pending[0] || (pending && s.secret[0])) {
		rc = PRIVSEP_TOTP_NONE;
		goto answer;
	}
	if ((wait = throttle_begin(srv->throttle, &rules.throttle, client, user, time(NULL),
				   &attempt)) > 0) {
		rc = PRIVSEP_TOTP_WAIT;
		goto answer;
	}
	int64_t step = 0;
	int ok = open_secret(&rules, user, s.pending, secret, sizeof(secret), &n) < 0 ? -1
		 : totp_verify(secret, n, code, time(NULL), 0, &step);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (ok == 1 && pending) {
		/* The pending logon is used once, as with a code. */
		struct session_store *pst = websession_store_reopen(srv->store);
		long deleted = 0;
		if (!pst || session_store_kv_del(pst, pkey, &deleted, &e) < 0 || deleted != 1)
			ok = 0;
	}
	if (ok == 1) {
		struct db *db = server_db_lock(srv);
		if (totp_recovery_new(codes, hashes, &e) < 0 ||
		    totp_store_enable(db, user, s.pending, step, hashes, &e) < 0) {
			log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
			ok = -1;
		}
		server_db_unlock(srv);
	}
	throttle_end(srv->throttle, &rules.throttle, &attempt, ok < 0 ? THROTTLE_UNDECIDED : ok,
		     time(NULL));
	if (ok == 1) {
		/* One field: the codes separated by spaces. */
		size_t o = 0;
		for (int i = 0; i < TOTP_RECOVERY_COUNT; i++)
			o += (size_t)snprintf(all + o, sizeof(all) - o, "%s%s", i ? " " : "",
					      codes[i]);
		log_info("user %s turned on two-step verification from %s", log_q(user), client);
		/* Logons remembered before would skip the code the user now has. */
		struct session_store *st = websession_store_reopen(srv->store);
		if (!rules.remember_totp && st && remember_end_user(st, user, NULL, &e) < 0)
			log_warnx("remembered logons of user %s: %s", log_q(user), log_q(e.msg));
	}
	rc = ok < 0 ? -1 : ok ? PRIVSEP_TOTP_OK : PRIVSEP_TOTP_WRONG;
answer:
	privsep_put_long(a, rc);
	privsep_put_long(a, wait);
	privsep_put_str(a, rc == PRIVSEP_TOTP_OK ? all : "");
	/* A wrong code is logged with the user the parent knows (for fail2ban),
	 * never with a name the form carried. */
	privsep_put_str(a, rc == PRIVSEP_TOTP_OK || rc == PRIVSEP_TOTP_WRONG ? user : "");
	OPENSSL_cleanse(codes, sizeof(codes));
	OPENSSL_cleanse(all, sizeof(all));
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(&s, sizeof(s));
	return 0;
}

static int do_disable(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], password[PASSWORD_MAX + 1], client[CLIENT_MAX];
	struct err e;
	long wait = 0;
	int rc = -1;
	if (session_user(srv, q, user, sizeof(user)) < 0 ||
	    privsep_get_str(q, password, sizeof(password)) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	if (!user[0])
		goto answer;
	int ok = proof_right(srv, &rules, user, password, client, &wait);
	if (ok != 1) {
		rc = ok < 0 ? -1 : ok == 0 ? PRIVSEP_TOTP_WRONG : PRIVSEP_TOTP_WAIT;
		goto answer;
	}
	struct db *db = server_db_lock(srv);
	rc = totp_store_clear(db, user, NULL, &e);
	server_db_unlock(srv);
	if (rc < 0)
		log_error("second factor of user %s: %s", log_q(user), log_q(e.msg));
	else
		log_info("user %s turned off two-step verification from %s", log_q(user), client);
answer:
	privsep_put_long(a, rc);
	privsep_put_long(a, wait);
	explicit_bzero(password, sizeof(password));
	return 0;
}

/* A remembered logon resumes without a code only when the user's policy
 * asks for none, or it was made after the code and login.remember_totp
 * (still) allows skipping it; otherwise it becomes a pending logon, as after
 * the password: the code, or the set-up when the policy requires one. */
static int do_resume(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char user[USER_ADDRESS_MAX], client[CLIENT_MAX], token[PRIVSEP_TOTP_TOKEN_LEN] = "";
	struct totp_state s;
	long long second_factor;
	int rc = -1;
	if (privsep_get_str(q, user, sizeof(user)) < 0 ||
	    privsep_get_long(q, &second_factor) < 0 ||
	    privsep_get_str(q, client, sizeof(client)) < 0)
		return -1;
	struct parent_rules rules = parent_rules_get(srv);
	int policy = parent_totp_user_policy(srv, &rules, user);
	if (policy < 0 || user_state(srv, user, &s) < 0)
		goto answer;
	int on = s.secret[0] != '\0';
	OPENSSL_cleanse(&s, sizeof(s));
	if (policy == TOTP_POLICY_OFF || (!on && policy != TOTP_POLICY_REQUIRED) ||
	    (on && second_factor && rules.remember_totp)) {
		rc = PRIVSEP_AUTH_OK;
		goto answer;
	}
	int second = parent_totp_after_password(srv, &rules, user, client, token, sizeof(token));
	rc = second == 1   ? PRIVSEP_AUTH_TOTP
	     : second == 2 ? PRIVSEP_AUTH_ENROL
	     : second == 0 ? PRIVSEP_AUTH_OK
			   : -1;
	if (second > 0)
		log_info("remembered logon of user %s from %s: %s first", log_q(user), client,
			 second == 2 ? "the second factor is set up" : "a code is asked for");
answer:
	privsep_put_long(a, rc);
	privsep_put_str(a, rc == PRIVSEP_AUTH_TOTP || rc == PRIVSEP_AUTH_ENROL ? token : "");
	explicit_bzero(token, sizeof(token));
	return 0;
}

int parent_totp_dispatch(struct server *srv, uint32_t type, struct privsep_msg *q,
			 struct privsep_msg *a)
{
	switch (type) {
	case PRIVSEP_TOTP_LOGON: return do_logon(srv, q, a);
	case PRIVSEP_TOTP_STATE: return do_state(srv, q, a);
	case PRIVSEP_TOTP_BEGIN: return do_begin(srv, q, a);
	case PRIVSEP_TOTP_CONFIRM: return do_confirm(srv, q, a);
	case PRIVSEP_TOTP_DISABLE: return do_disable(srv, q, a);
	case PRIVSEP_TOTP_RESUME: return do_resume(srv, q, a);
	default: return -1;
	}
}
