/* parent_imap.c - the parent's side of mail.store imap: the IMAP server
 * checks logon passwords, and the password a session logged on with is kept
 * in the session store only, sealed (seal.h) under a key from session.secret,
 * under the session's key (the hash of its id), for as long as the session
 * may live. A worker gets it back only for the live session whose cookie
 * value it presents, never by naming a user. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/password.h"
#include "webmsg/seal.h"
#include "webmsg/token.h"

/* HKDF's label: a key for nothing but these passwords. */
#define SEAL_LABEL "webmsg imap password sealing v1"
/* From a right password to the session it begins: the second factor's
 * page may come between (its pending logon lasts 300 s). */
#define PENDING_SECONDS 600
/* And one for messages kept after a session ended (parent_imap_kept.c). */
#define KEPT_LABEL "webmsg kept message sealing v1"
#define PENDING_PREFIX "imap-logon:"
#define SESSION_PREFIX "imap-session:"

void parent_imap_rules(const struct config_snapshot *cfg, const char *addrs,
		       struct parent_imap_rules *out)
{
	struct err e;
	memset(out, 0, sizeof(*out));
	out->on = strcmp(config_str(cfg, SET_MAIL_STORE), "imap") == 0;
	if (!out->on)
		return;
	snprintf(out->server, sizeof(out->server), "%s", config_str(cfg, SET_MAIL_IMAP_SERVER));
	snprintf(out->tls, sizeof(out->tls), "%s", config_str(cfg, SET_MAIL_IMAP_TLS));
	if (config_path(cfg, SET_MAIL_IMAP_CA_FILE, out->ca_file, sizeof(out->ca_file), &e) < 0)
		out->ca_file[0] = '\0';
	out->timeout = (int)config_int(cfg, SET_MAIL_IMAP_TIMEOUT);
	snprintf(out->addrs, sizeof(out->addrs), "%s", addrs ? addrs : "");
	out->has_key = seal_key_derive(config_str(cfg, SET_SESSION_SECRET), SEAL_LABEL, out->key,
				       &e) == 0 &&
		       seal_key_derive(config_str(cfg, SET_SESSION_SECRET), KEPT_LABEL,
				       out->kept_key, &e) == 0;
	/* As the compose form builds it: attachments in base64 take more room
	 * than the files (mail_send.c). */
	out->kept_max = (size_t)config_int(cfg, SET_MAIL_MAX_MESSAGE_MB) * 2 << 20;
	if (!out->has_key)
		log_error("mail.store imap: passwords cannot be kept for sessions: %s", e.msg);
}

int parent_imap_check(const struct parent_imap_rules *r, const char *user,
		      const char *password, struct err *e)
{
	const struct mailstore_imap server = { r->server, r->tls, r->ca_file, r->timeout, 0,
					       r->addrs };
	struct mailstore *ms = NULL;
	if (!user[0] || !password[0]) {
		err_set(e, "no user name or password");
		return 0;
	}
	int rc = mailstore_open_imap(&server, user, password, &ms, e);
	mailstore_close(&ms);
	return rc == 0 ? 1 : rc == -2 ? 0 : -1;
}

static void pending_key(const char *user, char *key, size_t len)
{
	char hex[65];
	token_sha256_hex(user, hex);
	snprintf(key, len, PENDING_PREFIX "%s", hex);
}

/* What a sealed password is bound to: the user, so a value moved to
 * another user's session does not open. */
static void seal_ad(const char *user, char *out, size_t len)
{
	snprintf(out, len, "imap password of %s", user);
}

void parent_imap_pending(struct server *srv, const struct parent_imap_rules *r,
			 const char *user, const char *password)
{
	char key[128], ad[USER_ADDRESS_MAX + 32], sealed[SEAL_TEXT_MAX];
	struct err e;
	struct session_store *st = websession_store_reopen(srv->store);
	if (!r->has_key || !st)
		return; /* the pages will say the mail cannot be reached; logged at load */
	pending_key(user, key, sizeof(key));
	seal_ad(user, ad, sizeof(ad));
	if (seal_text(r->key, ad, password, strlen(password), sealed, sizeof(sealed), &e) < 0 ||
	    session_store_kv_set(st, key, sealed, PENDING_SECONDS, &e) < 0)
		log_error("logon user %s: the mail server password cannot be kept: %s",
			  log_q(user), log_q(e.msg));
	OPENSSL_cleanse(sealed, sizeof(sealed));
}

void parent_imap_session_begun(struct server *srv, const struct parent_rules *rules,
			       const char *user, const char *key)
{
	char pkey[128], skey[128], sealed[SEAL_TEXT_MAX];
	struct err e;
	struct session_store *st = websession_store(srv->store);
	if (!rules->imap.on || !st)
		return;
	pending_key(user, pkey, sizeof(pkey));
	int rc = session_store_kv_get(st, pkey, sealed, sizeof(sealed), &e);
	if (rc == SESSION_STORE_NONE)
		return; /* a remembered logon, or a switch of mode: no password came */
	snprintf(skey, sizeof(skey), SESSION_PREFIX "%s", key);
	/* As long as the session may live at most; its end deletes it sooner. */
	if (rc < 0 || session_store_kv_set(st, skey, sealed, rules->sessions.lifetime, &e) < 0 ||
	    session_store_kv_del(st, pkey, NULL, &e) < 0)
		log_error("session of user %s: the mail server password cannot be kept: %s",
			  log_q(user), log_q(e.msg));
	OPENSSL_cleanse(sealed, sizeof(sealed));
}

void parent_imap_session_moved(struct server *srv, const char *old_key, const char *new_key)
{
	char okey[128], nkey[128], sealed[SEAL_TEXT_MAX];
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store(srv->store);
	struct err e;
	if (!rules.imap.on || !st || strcmp(old_key, new_key) == 0)
		return;
	snprintf(okey, sizeof(okey), SESSION_PREFIX "%s", old_key);
	snprintf(nkey, sizeof(nkey), SESSION_PREFIX "%s", new_key);
	int rc = session_store_kv_get(st, okey, sealed, sizeof(sealed), &e);
	if (rc == 0 && (session_store_kv_set(st, nkey, sealed, rules.sessions.lifetime, &e) < 0 ||
			session_store_kv_del(st, okey, NULL, &e) < 0))
		rc = -1;
	if (rc < 0)
		log_error("a session's mail server password cannot follow its new id: %s",
			  log_q(e.msg));
	OPENSSL_cleanse(sealed, sizeof(sealed));
}

void parent_imap_session_handover(struct server *srv, const char *user, const char *key)
{
	char skey[128], pkey[128], sealed[SEAL_TEXT_MAX];
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store(srv->store);
	struct err e;
	if (!rules.imap.on || !st)
		return;
	snprintf(skey, sizeof(skey), SESSION_PREFIX "%s", key);
	pending_key(user, pkey, sizeof(pkey));
	int rc = session_store_kv_get(st, skey, sealed, sizeof(sealed), &e);
	if (rc == 0 && session_store_kv_set(st, pkey, sealed, SESSION_TRANSFER_SECONDS, &e) < 0)
		rc = -1;
	if (rc < 0)
		log_error("session of user %s: the mail server password cannot follow a switch "
			  "of mode: %s", log_q(user), log_q(e.msg));
	OPENSSL_cleanse(sealed, sizeof(sealed));
}

void parent_imap_session_ended(struct server *srv, const char *key)
{
	char skey[128];
	struct session_store *st = websession_store(srv->store);
	struct err e;
	if (!st)
		return;
	snprintf(skey, sizeof(skey), SESSION_PREFIX "%s", key);
	if (session_store_kv_del(st, skey, NULL, &e) < 0)
		log_error("a session's mail server password cannot be deleted: %s", log_q(e.msg));
}

int parent_imap_session_password(struct server *srv, const struct parent_rules *rules,
				 const struct session *s, char *password, size_t len,
				 struct err *e)
{
	char skey[128], ad[USER_ADDRESS_MAX + 32], sealed[SEAL_TEXT_MAX];
	struct session_store *st = websession_store(srv->store);
	size_t n = 0;
	if (!rules->imap.on || !rules->imap.has_key || !st)
		return err_set(e, "no mail server password can be kept");
	snprintf(skey, sizeof(skey), SESSION_PREFIX "%s", s->key);
	seal_ad(s->user, ad, sizeof(ad));
	int rc = session_store_kv_get(st, skey, sealed, sizeof(sealed), e);
	if (rc == 0 && seal_open(rules->imap.key, ad, sealed, password, len, &n, e) < 0) {
		log_error("session of user %s: %s", log_q(s->user), log_q(e->msg));
		rc = 1; /* as if none: the user logs on again */
	}
	OPENSSL_cleanse(sealed, sizeof(sealed));
	return rc;
}

int parent_imap_creds(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char id[SESSION_ID_LEN + 1];
	char password[PASSWORD_MAX + 1];
	long long https;
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	struct session s;
	struct err e;
	int rc, gone = 0;
	if (privsep_get_str(q, id, sizeof(id)) < 0 || privsep_get_long(q, &https) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	if (!rules.imap.on || !rules.imap.has_key || !st) {
		rc = rules.imap.on && !st ? -1 : 1;
	} else if ((rc = session_store_find(st, id, https != 0, &rules.sessions, &s, &e)) != 0) {
		/* Not live for this kind of connection may still be a secure one. */
		gone = rc == SESSION_STORE_NONE &&
		       (https || session_store_find(st, id, 1, &rules.sessions, &s, &e) ==
					 SESSION_STORE_NONE);
	} else {
		rc = parent_imap_session_password(srv, &rules, &s, password, sizeof(password), &e);
	}
	if (rc < 0)
		log_error("a session's mail server password: %s", log_q(e.msg));
	/* A session that ended by itself (idle, lifetime): its password goes
	 * now rather than when its expiry comes. The key is the id's hash. */
	if (gone) {
		char key[SESSION_KEY_LEN];
		token_sha256_hex(id, key);
		parent_imap_session_ended(srv, key);
	}
	privsep_put_long(a, rc < 0 ? -1 : rc == 0 ? 0 : 1);
	privsep_put_str(a, rc == 0 ? s.user : "");
	privsep_put_str(a, rc == 0 ? password : "");
	OPENSSL_cleanse(password, sizeof(password));
	explicit_bzero(&s, sizeof(s));
	return 0;
}
