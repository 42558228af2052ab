/* mail_send.c - sending what a user wrote: local recipients at once, the
 * others through the outbox, and the Sent copy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "form.h"
#include "http.h"
#include "incident.h"
#include "mail_send.h"
#include "mailbox.h"
#include "outbox.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

#define MAX_RECIPIENTS 100
/* Names the draft kept after a session ended, until the next logon. */
#define KEPT_COOKIE "webmsg_kept"
/* mail.store imap: names this browser's messages kept sealed by the parent
 * after a session ended (a random token; the store knows its hash). */
#define SEALED_COOKIE "webmsg_keep"

struct recipients {
	char addr[MAX_RECIPIENTS][USER_ADDRESS_MAX];
	int local[MAX_RECIPIENTS];
	size_t n;
	int overflow;
};

static void add_recipient(const char *addr, void *arg)
{
	struct recipients *rc = arg;
	for (size_t i = 0; i < rc->n; i++)
		if (strcasecmp(rc->addr[i], addr) == 0)
			return;
	if (rc->n == MAX_RECIPIENTS) {
		rc->overflow = 1;
		return;
	}
	snprintf(rc->addr[rc->n++], sizeof(rc->addr[0]), "%s", addr);
}

/* Sorts recipients into local users and others; a local domain's unknown user
 * is an error now rather than a bounce later. With mail.store imap, the
 * mailboxes are the IMAP site's, and its mail server (smtp.relay) delivers
 * into them: every recipient is another host's. */
static int classify(struct request *r, struct recipients *rc, int *external, struct err *e)
{
	struct server *srv = r->gen->srv;
	*external = 0;
	if (mailbox_is_imap(r->gen->cfg)) {
		*external = rc->n > 0;
		return 0;
	}
	for (size_t i = 0; i < rc->n; i++) {
		char norm[USER_ADDRESS_MAX];
		int domain = 0, user = 0;
		if (user_address_normalize(rc->addr[i], norm, sizeof(norm), NULL) < 0) {
			*external = 1;
			continue;
		}
		if (privsep_domain_exists(srv->ps, address_domain(norm), &domain, e) < 0 ||
		    (domain && privsep_user_exists(srv->ps, norm, &user, e) < 0))
			return -1;
		if (domain && !user)
			return err_set(e, "there is no user %s here", norm);
		rc->local[i] = domain;
		if (domain)
			snprintf(rc->addr[i], sizeof(rc->addr[0]), "%s", norm);
		*external |= !domain;
	}
	return 0;
}

/* A full mailbox is the sender's to know; a store that failed (its paths and
 * causes) is the log's, under an incident id the page shows. */
static int deliver_local(struct request *r, const char *addr, const struct buf *msg, struct err *e)
{
	struct mailstore *ms = NULL;
	char domain[256], user[80], id[INCIDENT_ID_LEN];
	int rc = address_split(addr, user, sizeof(user), domain, sizeof(domain), e);
	if (rc == 0)
		rc = mailbox_open_for(r, domain, user, &ms, e);
	if (rc == 0)
		rc = mailstore_deliver(ms, MAIL_INBOX, msg->data, msg->len, 0, NULL, 0, e);
	if (rc < 0 && !(ms && mailstore_refused(ms))) {
		incident_log(r, "local delivery failed", e->msg, id);
		err_set(e, "the message could not be delivered to %s just now (incident number %s)",
			addr, id);
	}
	mailstore_close(&ms);
	return rc;
}

static int build(struct request *r, const struct mime_compose *c, struct buf *msg, struct err *e)
{
	char id[256];
	const char *domain = address_domain(c->from ? c->from : r->sess.user);
	buf_init(msg, (size_t)config_int(r->gen->cfg, SET_MAIL_MAX_MESSAGE_MB) * 2 << 20);
	if (mime_build(c, domain ? domain : "localhost", msg, id, sizeof(id), e) < 0) {
		buf_free(msg);
		return -1;
	}
	return 0;
}

/* Spools the message for the recipients on other hosts. */
static int queue_external(struct request *r, const char *sender, const struct recipients *rc,
			  const struct buf *msg, struct err *e)
{
	const char *rcpts[MAX_RECIPIENTS];
	size_t n = 0;
	struct err why;
	for (size_t i = 0; i < rc->n; i++)
		if (!rc->local[i])
			rcpts[n++] = rc->addr[i];
	if (outbox_enqueue(r->gen->srv->spool, sender, rcpts, n, msg->data, msg->len,
			   &why) == 0)
		return 0;
	/* The reason names server paths: it is for the log, not for the user. */
	log_error("%s: cannot queue a message for other hosts: %s", r->sess.user, why.msg);
	return err_set(e, "mail to other hosts cannot be queued just now; please try again later. "
			  "Your message is kept in Drafts");
}

int mail_send(struct request *r, const struct mime_compose *c, int *queued, struct err *e)
{
	struct server *srv = r->gen->srv;
	const struct config_snapshot *cfg = r->gen->cfg;
	struct recipients *rc;
	struct buf msg;
	char sender[USER_ADDRESS_MAX];
	int external, status = -1;

	*queued = 0;
	/* A bare IMAP logon name without mail.imap_sender_domain: nothing goes
	 * out, and the reason names the setting. */
	if (websession_sender(r, sender, sizeof(sender), e) < 0)
		return -1;
	if (!(rc = calloc(1, sizeof(*rc))))
		return err_set(e, "out of memory");
	const char *lists[] = { c->to, c->cc, c->bcc };
	for (size_t i = 0; i < 3; i++)
		if (lists[i] && address_list_parse(lists[i], add_recipient, rc, e) < 0)
			goto out;
	if (rc->n == 0) {
		err_set(e, "the message has no recipient: fill in To");
		goto out;
	}
	if (rc->overflow) {
		err_set(e, "at most %d recipients at a time", MAX_RECIPIENTS);
		goto out;
	}
	if (classify(r, rc, &external, e) < 0)
		goto out;
	if (external && (!config_str(cfg, SET_SMTP_RELAY)[0] || !srv->spool)) {
		err_set(e, "mail %scannot be sent from here: no mail server for it is configured "
			   "(smtp.relay). Your message is kept in Drafts",
			mailbox_is_imap(cfg) ? "" : "to other hosts ");
		goto out;
	}
	struct mime_compose as_sent = *c;
	as_sent.from = sender;
	if (build(r, &as_sent, &msg, e) < 0)
		goto out;
	/* Queued first: when the spool refuses it, no local copy has gone out
	 * either. The relay itself is the outbox threads' business. */
	if (external && queue_external(r, sender, rc, &msg, e) < 0)
		goto out_msg;
	for (size_t i = 0; i < rc->n; i++)
		if (rc->local[i] && deliver_local(r, rc->addr[i], &msg, e) < 0) {
			log_error("delivery to %s failed: %s", log_q(rc->addr[i]), log_q(e->msg));
			goto out_msg;
		}
	struct mailstore *ms;
	struct err sent_err;
	if (mailbox_open(r, &ms, &sent_err) == 0) {
		if (mailstore_deliver(ms, MAIL_SENT, msg.data, msg.len, MAIL_SEEN, NULL, 0,
				      &sent_err) < 0)
			log_warnx("%s: no copy in Sent: %s", log_q(r->sess.user), log_q(sent_err.msg));
		/* Remembered for address completion in the compose form. */
		const char *sent_to[MAX_RECIPIENTS];
		for (size_t i = 0; i < rc->n; i++)
			sent_to[i] = rc->addr[i];
		if (mailstore_recent_add(ms, sent_to, rc->n, &sent_err) < 0)
			log_warnx("%s: recent recipients: %s", log_q(r->sess.user),
				  log_q(sent_err.msg));
		mailstore_close(&ms);
	}
	log_info("user %s sent a message to %zu recipient%s%s", log_q(r->sess.user), rc->n,
		 rc->n == 1 ? "" : "s", external ? " (queued for other hosts)" : "");
	*queued = external;
	status = 0;
out_msg:
	buf_free(&msg);
out:
	free(rc);
	return status;
}

int mail_send_keep_draft(struct request *r, const struct mime_compose *c, const char *replaces,
			 char *id_out, size_t idlen, struct err *e)
{
	struct mailstore *ms;
	struct buf msg;
	struct mime_compose draft = *c;
	/* A draft keeps what was typed even when an address does not parse yet. */
	if (build(r, &draft, &msg, e) < 0) {
		draft.to = draft.cc = draft.bcc = "";
		if (build(r, &draft, &msg, e) < 0)
			return -1;
	}
	int rc = mailbox_open(r, &ms, e);
	if (rc == 0) {
		rc = mailstore_deliver(ms, MAIL_DRAFTS, msg.data, msg.len, MAIL_SEEN | MAIL_DRAFT,
				       id_out, idlen, e);
		/* The old version goes only when the new one is on disk: a failure
		 * leaves one of them, never neither. */
		struct err old;
		if (rc == 0 && replaces && replaces[0] &&
		    mailstore_delete(ms, MAIL_DRAFTS, replaces, &old) < 0 && !mailstore_refused(ms))
			log_warnx("%s: the previous version of a draft stays: %s",
				  log_q(r->sess.user), log_q(old.msg));
		mailstore_close(&ms);
	}
	buf_free(&msg);
	return rc;
}

/* The whole of b into fd. */
static int write_all(int fd, const struct buf *b)
{
	size_t done = 0;
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int mail_send_keep_sealed(struct request *r, const struct mime_compose *c, struct err *e)
{
	struct buf msg;
	struct mime_compose draft = *c;
	char token[PRIVSEP_KEPT_TOKEN_LEN];
	const char *have = http_cookie(r, SEALED_COOKIE);
	/* A cookie that cannot be a token is none: a new one replaces it. */
	if (have && strlen(have) >= PRIVSEP_KEPT_TOKEN_LEN)
		have = NULL;
	if (build(r, &draft, &msg, e) < 0) {
		draft.to = draft.cc = draft.bcc = "";
		if (build(r, &draft, &msg, e) < 0)
			return -1;
	}
	/* Handed over as a file: a message may be far larger than a request. */
	int fd = r->state->spool[0] ? form_spool_file(r->state->spool) : -1;
	if (fd < 0 || write_all(fd, &msg) < 0) {
		log_warn("%s: cannot write a message to keep in %s", log_q(r->sess.user),
			 r->state->spool);
		if (fd >= 0)
			close(fd);
		buf_free(&msg);
		return err_set(e, "the message could not be kept");
	}
	buf_free(&msg);
	/* A draft id that does not fit is no draft: the message gets a slot of its own. */
	const char *draft_id = form_get(r->form, "draft");
	int rc = privsep_kept_put(r->gen->srv->ps, r->sess.id, form_get(r->form, "csrf"),
				  have ? have : "", strlen(draft_id) < MAIL_ID_MAX ? draft_id : "",
				  fd, token, e);
	close(fd);
	if (rc == 1)
		rc = err_set(e, "the session that wrote it is not known");
	if (rc == 0)
		http_add_cookie(r, SEALED_COOKIE, token, SESSION_ENDED_SECONDS);
	return rc;
}

void mail_send_drop_draft(struct request *r, const char *id)
{
	struct mailstore *ms;
	struct err e;
	if (!id || !id[0] || mailbox_open(r, &ms, &e) < 0)
		return;
	if (mailstore_delete(ms, MAIL_DRAFTS, id, &e) < 0 && !mailstore_refused(ms))
		log_warnx("%s: a sent message's draft stays in Drafts: %s", log_q(r->sess.user),
			  log_q(e.msg));
	mailstore_close(&ms);
}

/* Maildir unique names ("1701.M5P9Q1.host,S=1234") are made of these; a
 * cookie value takes them with ',' (not a cookie character) as '~'. */
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-="

static int cookie_of_id(const char *id, char *out, size_t len)
{
	size_t n = strlen(id);
	if (!n || n >= len)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (id[i] && id[i] != ',' && !strchr(ID_CHARS, id[i]))
			return -1;
		out[i] = id[i] == ',' ? '~' : id[i];
	}
	return 0;
}

static int id_of_cookie(const char *cookie, char *out, size_t len)
{
	size_t n = strlen(cookie);
	if (!n || n >= len)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (cookie[i] && cookie[i] != '~' && !strchr(ID_CHARS, cookie[i]))
			return -1;
		out[i] = cookie[i] == '~' ? ',' : cookie[i];
	}
	return 0;
}

void mail_send_note_kept(struct request *r, const char *id)
{
	char value[MAIL_ID_MAX];
	/* An id a cookie cannot hold: the logon page still says where the text is. */
	if (cookie_of_id(id, value, sizeof(value)) < 0)
		snprintf(value, sizeof(value), "-");
	http_add_cookie(r, KEPT_COOKIE, value, SESSION_ENDED_SECONDS);
}

int mail_send_has_kept(struct request *r)
{
	return http_cookie(r, KEPT_COOKIE) != NULL || http_cookie(r, SEALED_COOKIE) != NULL;
}

/* mail.store imap: the browser's sealed messages into Drafts; 1 with the
 * last one's id. The cookie goes once nothing of it stays kept. */
static int take_sealed(struct request *r, char *id, size_t len)
{
	const char *token = http_cookie(r, SEALED_COOKIE);
	struct err e;
	long left = 0;
	if (!token || !mailbox_is_imap(r->gen->cfg))
		return 0;
	if (strlen(token) >= PRIVSEP_KEPT_TOKEN_LEN) {
		http_add_cookie(r, SEALED_COOKIE, "", 0);
		return 0;
	}
	int rc = privsep_kept_restore(r->gen->srv->ps, r->sess.id, r->https, token, id, len,
				      &left, &e);
	if (rc < 0)
		log_warnx("%s: %s", log_q(r->sess.user), log_q(e.msg));
	if (rc >= 0 && !left)
		http_add_cookie(r, SEALED_COOKIE, "", 0);
	return rc == 0 && id[0];
}

int mail_send_take_kept(struct request *r, char *id, size_t len)
{
	const char *kept = http_cookie(r, KEPT_COOKIE);
	struct mailstore *ms;
	struct mail_summary there;
	struct err e;
	if (take_sealed(r, id, len))
		return 1;
	if (!kept)
		return 0;
	http_add_cookie(r, KEPT_COOKIE, "", 0);
	if (id_of_cookie(kept, id, len) < 0 || mailbox_open(r, &ms, &e) < 0)
		return 0;
	int rc = mailstore_summary(ms, MAIL_DRAFTS, id, &there, &e);
	mailstore_close(&ms);
	return rc == 0;
}

void mail_send_mark_original(struct request *r, const char *folder, const char *id,
			     unsigned flag)
{
	struct mailstore *ms;
	struct err e;
	if (!id || !id[0] || mailbox_open(r, &ms, &e) < 0)
		return;
	if (mailstore_set_flags(ms, folder && folder[0] ? folder : MAIL_INBOX, id, flag, 0, &e) < 0)
		log_warnx("%s: the original of a message sent is not flagged: %s",
			  log_q(r->sess.user), log_q(e.msg));
	mailstore_close(&ms);
}
