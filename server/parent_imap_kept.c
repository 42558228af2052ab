/* parent_imap_kept.c - mail.store imap: a compose form posted after its
 * session ended. The user's IMAP password ended with the session, so the
 * message cannot go into Drafts now: the parent keeps it sealed (seal.h,
 * under a key of its own from session.secret, bound to the user) in the
 * session store, local or Redis, so that any front end finds it, for
 * SESSION_ENDED_SECONDS (a day, as long as the ended session's cookie ties a
 * form to its user). At the next logon of that user in the same browser,
 * with the password known again, it is APPENDed to Drafts and deleted.
 *
 * The browser is named by a random token of its own in a cookie (never the
 * session's id, which a logon replaces); the store knows its hash only. So
 * another person who logs on as the same user elsewhere finds nothing, and
 * another user who logs on in this browser cannot open it (the seal's user).
 * One message of the browser per draft: a form posted again (autosave.js
 * tries every 30 s) replaces its earlier version, as a draft is replaced in
 * place. The worker is hostile here as everywhere: the user is the one the ended
 * session had (found by the cookie value it presents, with that session's
 * form token), or the live session's at restore; sizes are the parent's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/password.h"
#include "webmsg/seal.h"
#include "webmsg/token.h"

#define KEPT_PREFIX "imap-kept:"
/* Messages one browser may have kept at a time (one per draft). */
#define KEPT_MAX 8
/* New messages one user may have kept in a day, all browsers together: what
 * a worker that lies about browsers can make the store hold is bounded too. */
#define KEPT_USER_MAX 32
#define USER_PREFIX "imap-kept-user:"
#define KEPT_TOKEN_CHARS (PRIVSEP_KEPT_TOKEN_LEN - 1)
/* A message's slot: 16 hex digits of the hash of the token and its draft. */
#define SLOT_CHARS 16
#define LIST_MAX (KEPT_MAX * (SLOT_CHARS + 1) + 1)
/* What is sealed: the replaced draft's id, a newline and the message. */
#define SEALED_MAX(rules) ((rules)->imap.kept_max + MAIL_ID_MAX + 1)

/* The store's key of a browser token (its list of slots), or of one slot. */
static void kept_key(const char *token, const char *slot, char *out, size_t len)
{
	char hex[65];
	token_sha256_hex(token, hex);
	if (slot)
		snprintf(out, len, KEPT_PREFIX "%s:%s", hex, slot);
	else
		snprintf(out, len, KEPT_PREFIX "%s", hex);
}

static void slot_of(const char *token, const char *draft, char out[SLOT_CHARS + 1])
{
	char both[PRIVSEP_KEPT_TOKEN_LEN + MAIL_ID_MAX + 2], hex[65];
	snprintf(both, sizeof(both), "%s\n%s", token, draft);
	token_sha256_hex(both, hex);
	snprintf(out, SLOT_CHARS + 1, "%s", hex);
}

/* The n-th slot of a list ("a1b2... c3d4..."), 0 when there is none. */
static int slot_nth(const char *list, int n, char out[SLOT_CHARS + 1])
{
	size_t len = strlen(list);
	size_t at = (size_t)n * (SLOT_CHARS + 1);
	if (at + SLOT_CHARS > len)
		return 0;
	for (size_t i = 0; i < SLOT_CHARS; i++)
		if (!list[at + i] || !strchr("0123456789abcdef", list[at + i]))
			return 0;
	memcpy(out, list + at, SLOT_CHARS);
	out[SLOT_CHARS] = '\0';
	return 1;
}

static int slot_count(const char *list)
{
	char slot[SLOT_CHARS + 1];
	int n = 0;
	while (n < KEPT_MAX && slot_nth(list, n, slot))
		n++;
	return n;
}

static void kept_ad(const char *user, char *out, size_t len)
{
	snprintf(out, len, "message kept for %s", user);
}

/* The whole file fd, at most max bytes, into a new allocation. */
static int read_message(int fd, size_t max, unsigned char **out, size_t *n, struct err *e)
{
	struct stat sb;
	*out = NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return err_set(e, "the message is not in a file");
	if (sb.st_size <= 0 || (unsigned long long)sb.st_size > max)
		return err_set(e, "the message is larger than mail.max_message_mb allows");
	size_t size = (size_t)sb.st_size, got = 0;
	unsigned char *data = malloc(size);
	if (!data)
		return err_set(e, "out of memory");
	while (got < size) {
		ssize_t r = pread(fd, data + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(data);
			return r < 0 ? err_sys(e, "reading the message")
				     : err_set(e, "the message was cut short");
		}
		got += (size_t)r;
	}
	*out = data;
	*n = size;
	return 0;
}

/* Seals data for user into the slot of (token, draft) and lists the slot. */
static int keep(struct session_store *st, const struct parent_rules *rules, const char *user,
		const char *token, const char *draft, const unsigned char *data, size_t n,
		struct err *e)
{
	char key[128], slot_key[160], ad[USER_ADDRESS_MAX + 32], list[LIST_MAX] = "";
	char slot[SLOT_CHARS + 1], *sealed = NULL;
	kept_key(token, NULL, key, sizeof(key));
	slot_of(token, draft, slot);
	kept_key(token, slot, slot_key, sizeof(slot_key));
	kept_ad(user, ad, sizeof(ad));
	int rc = session_store_kv_get(st, key, list, sizeof(list), e);
	if (rc == SESSION_STORE_NONE)
		list[0] = '\0';
	else if (rc < 0)
		return -1;
	int count = slot_count(list);
	list[count ? count * (SLOT_CHARS + 1) - 1 : 0] = '\0';
	if (!strstr(list, slot)) {
		char ukey[128], hex[65];
		long long made = 0;
		if (count == KEPT_MAX)
			return err_set(e, "this browser has %d messages kept already: log on to "
					  "find them in Drafts", KEPT_MAX);
		token_sha256_hex(user, hex);
		snprintf(ukey, sizeof(ukey), USER_PREFIX "%s", hex);
		if (session_store_kv_incr(st, ukey, SESSION_ENDED_SECONDS, &made, e) < 0)
			return -1;
		if (made > KEPT_USER_MAX)
			return err_set(e, "%d messages were kept for this user today already",
				       KEPT_USER_MAX);
		size_t at = strlen(list);
		snprintf(list + at, sizeof(list) - at, "%s%s", at ? " " : "", slot);
	}
	/* Sealed with the message: the draft the form replaces, which goes
	 * when this one is in Drafts (as a draft saved in a session replaces
	 * its earlier version). */
	size_t dl = strlen(draft);
	unsigned char *both = malloc(dl + 1 + n);
	if (!both)
		return err_set(e, "out of memory");
	memcpy(both, draft, dl);
	both[dl] = '\n';
	memcpy(both + dl + 1, data, n);
	rc = seal_blob(rules->imap.kept_key, ad, both, dl + 1 + n, &sealed, e);
	OPENSSL_cleanse(both, dl + 1 + n);
	free(both);
	/* The list lives as long as its newest message. */
	if (rc == 0)
		rc = session_store_kv_set(st, slot_key, sealed, SESSION_ENDED_SECONDS, e);
	if (rc == 0)
		rc = session_store_kv_set(st, key, list, SESSION_ENDED_SECONDS, e);
	free(sealed);
	return rc;
}

int parent_imap_kept_put(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char id[SESSION_ID_LEN + 1], csrf[SESSION_KEY_LEN], token[PRIVSEP_KEPT_TOKEN_LEN];
	char draft[MAIL_ID_MAX];
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	struct session s;
	struct err e = { "" };
	unsigned char *data = NULL;
	size_t n = 0;
	int rc;
	if (privsep_get_str(q, id, sizeof(id)) < 0 || privsep_get_str(q, csrf, sizeof(csrf)) < 0 ||
	    privsep_get_str(q, token, sizeof(token)) < 0 ||
	    privsep_get_str(q, draft, sizeof(draft)) < 0 || q->nfds != 1)
		return -1;
	if (strchr(draft, '\n'))
		draft[0] = '\0'; /* not an id: it would split the sealed message */
	memset(&s, 0, sizeof(s));
	if (!rules.imap.on || !rules.imap.has_key || !st) {
		rc = err_set(&e, "a message cannot be kept just now");
	} else if ((rc = session_store_ended(st, id, &s, &e)) != 0 ||
		   !token_equal(csrf, s.csrf)) {
		/* Not a session that ended, or not its form: nothing of a user to keep. */
		rc = rc < 0 ? -1 : 1;
	} else if (!token_well_formed(token, KEPT_TOKEN_CHARS, KEPT_TOKEN_CHARS) &&
		   token_random(token, sizeof(token), 32, &e) < 0) {
		rc = -1;
	} else if ((rc = read_message(q->fds[0], rules.imap.kept_max, &data, &n, &e)) == 0) {
		rc = keep(st, &rules, s.user, token, draft, data, n, &e);
	}
	if (rc == 0)
		log_info("user %s: a message posted after the session ended is kept (%zu bytes) "
			 "until the next logon", log_q(s.user), n);
	else if (rc < 0)
		log_warnx("a message posted after a session ended is not kept: %s", log_q(e.msg));
	if (data)
		OPENSSL_cleanse(data, n);
	free(data);
	privsep_put_long(a, rc < 0 ? -1 : rc);
	if (rc < 0)
		privsep_put_str(a, e.msg);
	else
		privsep_put_str(a, rc == 0 ? token : "");
	explicit_bzero(&s, sizeof(s));
	return 0;
}

/* A slot of the browser's token into the user's Drafts through ms: 1 done
 * (deleted from the store), 0 not there, 2 there but not this user's (it
 * stays), -1 e filled. */
static int restore_one(struct session_store *st, const struct parent_rules *rules,
		       const char *user, const char *token, const char *slot, char *value,
		       size_t cap, struct mailstore *ms, char *draft_id, size_t len,
		       struct err *e)
{
	char key[160], ad[USER_ADDRESS_MAX + 32];
	unsigned char *plain = NULL;
	size_t n = 0;
	struct err why;
	kept_key(token, slot, key, sizeof(key));
	int rc = session_store_kv_get(st, key, value, cap, e);
	if (rc == SESSION_STORE_NONE)
		return 0;
	if (rc < 0)
		return -1;
	kept_ad(user, ad, sizeof(ad));
	/* Another user's (logged on in this browser since), or under a
	 * session.secret since changed: it stays for its own user or expires. */
	if (seal_blob_open(rules->imap.kept_key, ad, value, SEALED_MAX(rules), &plain, &n,
			   &why) < 0)
		return 2;
	/* The draft the form replaced, then the message. */
	char old[MAIL_ID_MAX] = "";
	const unsigned char *nl = memchr(plain, '\n', n < sizeof(old) ? n : sizeof(old));
	size_t skip = nl ? (size_t)(nl - plain) + 1 : 0;
	if (nl)
		memcpy(old, plain, skip - 1);
	rc = mailstore_deliver(ms, MAIL_DRAFTS, plain + skip, n - skip, MAIL_SEEN | MAIL_DRAFT,
			       draft_id, len, e);
	OPENSSL_cleanse(plain, n);
	free(plain);
	if (rc < 0)
		return -1;
	if (old[0] && strcmp(old, draft_id) != 0 && mailstore_delete(ms, MAIL_DRAFTS, old, &why) < 0 &&
	    !mailstore_refused(ms))
		log_warnx("user %s: the previous version of a kept draft stays: %s", log_q(user),
			  log_q(why.msg));
	if (session_store_kv_del(st, key, NULL, &why) < 0)
		log_error("user %s: a kept message is in Drafts but stays in the session store: "
			  "%s", log_q(user), log_q(why.msg));
	return 1;
}

int parent_imap_kept_restore(struct server *srv, struct privsep_msg *q, struct privsep_msg *a)
{
	char id[SESSION_ID_LEN + 1], token[PRIVSEP_KEPT_TOKEN_LEN], key[128], list[LIST_MAX];
	char stays[LIST_MAX] = "", slot[SLOT_CHARS + 1];
	char password[PASSWORD_MAX + 1], draft[MAIL_ID_MAX] = "", last[MAIL_ID_MAX] = "";
	long long https;
	struct parent_rules rules = parent_rules_get(srv);
	struct session_store *st = websession_store_reopen(srv->store);
	struct session s;
	struct mailstore *ms = NULL;
	struct err e = { "" };
	long left = 0, done = 0;
	int rc;
	if (privsep_get_str(q, id, sizeof(id)) < 0 || privsep_get_long(q, &https) < 0 ||
	    privsep_get_str(q, token, sizeof(token)) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	kept_key(token, NULL, key, sizeof(key));
	if (!rules.imap.on || !rules.imap.has_key || !st ||
	    !token_well_formed(token, KEPT_TOKEN_CHARS, KEPT_TOKEN_CHARS)) {
		rc = 1;
	} else if ((rc = session_store_find(st, id, https != 0, &rules.sessions, &s, &e)) != 0 ||
		   (rc = session_store_kv_get(st, key, list, sizeof(list), &e)) != 0) {
		rc = rc < 0 ? -1 : 1;
	} else {
		size_t cap = SEAL_BLOB_TEXT_LEN(SEALED_MAX(&rules)) + 1;
		char *value = malloc(cap);
		const struct mailstore_imap server = { rules.imap.server, rules.imap.tls,
						       rules.imap.ca_file, rules.imap.timeout, 0,
						       rules.imap.addrs };
		int slots = slot_count(list);
		if (!value)
			rc = err_set(&e, "out of memory");
		else if ((rc = parent_imap_session_password(srv, &rules, &s, password,
							     sizeof(password), &e)) == 0)
			rc = mailstore_open_imap(&server, s.user, password, &ms, &e) < 0 ? -1 : 0;
		else if (rc == 1)
			rc = err_set(&e, "the session has no mail server password");
		OPENSSL_cleanse(password, sizeof(password));
		for (int i = 0; i < slots; i++) {
			slot_nth(list, i, slot);
			int one = rc < 0 ? 2
					 : restore_one(st, &rules, s.user, token, slot, value, cap,
						       ms, draft, sizeof(draft), &e);
			if (one < 0) {
				rc = -1;
				one = 2; /* it stays for a later logon */
			}
			if (one == 2) {
				size_t at = strlen(stays);
				snprintf(stays + at, sizeof(stays) - at, "%s%s", at ? " " : "", slot);
				left++;
			} else if (one == 1) {
				done++;
				snprintf(last, sizeof(last), "%s", draft);
			}
		}
		mailstore_close(&ms);
		free(value);
		struct err why;
		if ((left ? session_store_kv_set(st, key, stays, SESSION_ENDED_SECONDS, &why)
			  : session_store_kv_del(st, key, NULL, &why)) < 0)
			log_warnx("user %s: kept messages: %s", log_q(s.user), log_q(why.msg));
		if (rc == 0 && !done)
			rc = 1;
	}
	if (rc < 0)
		log_error("user %s: messages kept after the session ended cannot be put in "
			  "Drafts now: %s", log_q(s.user), log_q(e.msg));
	else if (done)
		log_info("user %s: %ld message%s kept after the session ended put in Drafts",
			 log_q(s.user), done, done == 1 ? "" : "s");
	privsep_put_long(a, rc < 0 ? -1 : rc);
	privsep_put_str(a, rc == 0 ? last : "");
	privsep_put_long(a, left);
	explicit_bzero(&s, sizeof(s));
	return 0;
}
