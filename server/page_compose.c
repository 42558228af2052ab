/* page_compose.c - writing a message: new, reply, reply to all, forward, a
 * draft opened again, and sending or saving it. One message has one draft in
 * Drafts, replaced in place each time it is saved (its id travels in the
 * form); when it cannot be sent, the form comes back with what was typed and
 * the reason, and that same draft holds it. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "http.h"
#include "mail_send.h"
#include "mail_view.h"
#include "mailbox.h"
#include "pages.h"
#include "server.h"
#include "websession.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/html.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

#define MAX_ATTACHMENTS 32

/* What the form is for: its heading, carried through the form so that a
 * reply that failed to send still says "Reply". */
static const struct {
	const char *kind, *heading;
} kinds[] = {
	{ "new", "New message" }, { "reply", "Reply" },	    { "all", "Reply to all" },
	{ "forward", "Forward" }, { "draft", "Draft" },
};

static const char *kind_known(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return kinds[i].kind;
	return "new";
}

static const char *kind_heading(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return kinds[i].heading;
	return kinds[0].heading;
}

/* What the form shows. */
struct draft {
	const char *kind, *to, *cc, *bcc, *subject, *body, *in_reply_to, *references;
	const char *fwd_f, *fwd_id, *error, *notice;
	const char *re_f, *re_id; /* the message a reply answers, flagged Answered once sent */
	int fwd_in;		 /* the forwarded original is among the draft's attachments */
	const char *draft_id;	 /* the message's draft in Drafts, or "" */
	const char *attachments; /* the draft's attachments as HTML list items (escaped) */
};

/* The other mode's name when the page can switch to it (as the frame's link
 * can), else NULL. */
static const char *switch_to(struct request *r)
{
	if (!r->gen->daemons[LISTENER_HTTPS] ||
	    (r->https && config_bool(r->gen->cfg, SET_SSL_FORCE)))
		return NULL;
	return r->https ? "regular" : "secure";
}

/* The address the message goes from (websession_sender), or the logon name
 * when none is known (a draft can still be kept). 1 when it is known. */
static int sender_of(struct request *r, char *out, size_t len, struct err *e)
{
	if (websession_sender(r, out, len, e) == 0)
		return 1;
	snprintf(out, len, "%s", r->sess.user);
	return 0;
}

/* "Ann Example <ann@example.com>" as the form shows the sender. */
static void from_label(struct request *r, char *out, size_t len)
{
	struct mail_prefs p;
	char addr[USER_ADDRESS_MAX];
	struct err e;
	sender_of(r, addr, sizeof(addr), &e);
	mail_view_prefs(r, NULL, &p);
	if (!p.display_name[0] || snprintf(out, len, "%s <%s>", p.display_name, addr) >= (int)len)
		snprintf(out, len, "%s", addr);
}

/* body, then the user's signature after "-- " (the separator mail programs
 * know); NULL when there is no signature. */
static char *signed_body(struct request *r, const char *body)
{
	struct mail_prefs p;
	char *out;
	mail_view_prefs(r, NULL, &p);
	if (!p.signature[0] || asprintf(&out, "%s\n\n-- \n%s", body ? body : "", p.signature) < 0)
		return NULL;
	return out;
}

static enum MHD_Result show(struct request *r, unsigned status, const struct draft *d)
{
	const char *other = switch_to(r);
	char max[16], from[MAIL_PREFS_NAME_MAX + USER_ADDRESS_MAX + 4];
	const char *kind = kind_known(d->kind ? d->kind : "new");
	char addr[USER_ADDRESS_MAX];
	struct err no_sender = { 0 };
	/* Said before anything is typed: without an address nothing can be sent. */
	const char *error = d->error && d->error[0] ? d->error
			    : sender_of(r, addr, sizeof(addr), &no_sender) ? ""
									: no_sender.msg;
	snprintf(max, sizeof(max), "%ld", config_int(r->gen->cfg, SET_MAIL_MAX_MESSAGE_MB));
	from_label(r, from, sizeof(from));
	const struct tvar vars[] = {
		{ "heading", kind_heading(kind) },
		{ "kind", kind },
		{ "error", error },
		{ "notice", d->notice ? d->notice : "" },
		{ "csrf", r->sess.csrf },
		{ "draft", d->draft_id ? d->draft_id : "" },
		{ "in_reply_to", d->in_reply_to ? d->in_reply_to : "" },
		{ "references", d->references ? d->references : "" },
		{ "fwd_f", d->fwd_f ? d->fwd_f : "" },
		{ "fwd_id", d->fwd_id ? d->fwd_id : "" },
		{ "re_f", d->re_f ? d->re_f : "" },
		{ "re_id", d->re_id ? d->re_id : "" },
		{ "fwd_in", d->fwd_in ? "1" : "" },
		{ "forwarding", d->fwd_id && d->fwd_id[0] && !d->fwd_in ? "1" : "" },
		{ "from", from },
		{ "to", d->to ? d->to : "" },
		{ "cc", d->cc ? d->cc : "" },
		{ "bcc", d->bcc ? d->bcc : "" },
		{ "subject", d->subject ? d->subject : "" },
		{ "body", d->body ? d->body : "" },
		{ "kept", d->attachments ? d->attachments : "" },
		{ "max_mb", max },
		/* The frame's switch link would leave what was typed behind: this
		 * button saves the draft first and reopens it on the other side. */
		{ "switch_label", !other ? ""
				  : strcmp(other, "secure") == 0 ? "Save and enter Secure Mode"
								 : "Save and return to regular mode" },
	};
	return http_send_framed(r, status, TPL_COMPOSE, vars, sizeof(vars) / sizeof(vars[0]),
				kind_heading(kind));
}

static void size_text(size_t n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%zu bytes", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%zu KiB", (n + 1023) / 1024);
	else
		snprintf(out, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
}

/* The draft's attachments, each a ticked box: unticked, it is left out when
 * the draft is saved or sent. Everything from the message is escaped. */
static void kept_items(const struct mime_message *m, struct buf *out)
{
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		char size[32];
		size_text(a->size, size, sizeof(size));
		buf_printf(out,
			   "<li><label><input type=\"checkbox\" name=\"keep\" value=\"%d\" "
			   "checked> ",
			   a->index);
		html_escape(out, a->filename);
		buf_puts(out, "</label> <span class=\"hint\">");
		html_escape(out, a->content_type);
		buf_printf(out, ", %s</span></li>\n", size);
	}
}

/* The user's draft id as a page shows it, or -1 when it is not there. */
static int draft_view(struct request *r, const char *id, struct mime_message **m, struct err *e)
{
	struct mailstore *ms;
	*m = NULL;
	if (!id || !id[0])
		return err_set(e, "no draft");
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	int rc = mailstore_view(ms, MAIL_DRAFTS, id, m, e);
	mailstore_close(&ms);
	return rc < 0 ? -1 : 0;
}

/* The message a reply answers: the last id of its References. */
static char *last_reference(const char *refs)
{
	const char *open = refs ? strrchr(refs, '<') : NULL;
	const char *close = open ? strchr(open, '>') : NULL;
	if (!close)
		return NULL;
	return strndup(open + 1, (size_t)(close - open - 1));
}

/* The %XX of an address's part (http_url_encode) decoded into out; -1 when
 * it is not that or does not fit. */
static int origin_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned int c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			char hex[3] = { s[i + 1], s[i + 2], '\0' };
			char *end;
			if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
				return -1;
			c = (unsigned int)strtoul(hex, &end, 16);
			i += 2;
		}
		if (c < 0x20 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o ? 0 : -1;
}

/* "answered f=<folder> id=<id>" (or "forwarded"): what a draft notes of
 * the message it answers or forwards, so that the flag is set when it is
 * sent, however often it was saved and opened again. */
static char *origin_make(const char *how, const char *folder, const char *id)
{
	struct buf b;
	char *out;
	buf_init(&b, 4096);
	buf_printf(&b, "%s f=", how);
	http_url_encode(&b, folder[0] ? folder : MAIL_INBOX, NULL);
	buf_puts(&b, " id=");
	http_url_encode(&b, id, NULL);
	out = b.failed || !b.data ? NULL : strdup(b.data);
	buf_free(&b);
	return out;
}

/* The message a draft's origin names, when it is still there: the draft
 * is a file like any other (another program, an old version may have
 * written it), so the folder and id are checked as any that come in. */
static int origin_parse(struct request *r, const char *origin, int *forwarded, char *folder,
			size_t flen, char *id, size_t idlen)
{
	const char *f = origin ? strstr(origin, " f=") : NULL;
	const char *i = f ? strstr(f + 3, " id=") : NULL;
	struct mailstore *ms;
	struct mail_summary there;
	struct err e;
	if (!i)
		return -1;
	if (strncmp(origin, "answered ", 9) == 0)
		*forwarded = 0;
	else if (strncmp(origin, "forwarded ", 10) == 0)
		*forwarded = 1;
	else
		return -1;
	if (origin_decode(f + 3, (size_t)(i - f - 3), folder, flen) < 0 ||
	    origin_decode(i + 4, strcspn(i + 4, " \t\r\n"), id, idlen) < 0 ||
	    mailbox_open(r, &ms, &e) < 0)
		return -1;
	int rc = mailstore_summary(ms, folder, id, &there, &e);
	mailstore_close(&ms);
	return rc < 0 ? -1 : 0;
}

/* A draft opened again: the form as it was saved, attachments included. */
static enum MHD_Result open_draft(struct request *r, const char *id)
{
	struct mime_message *m = NULL;
	struct err e;
	if (draft_view(r, id, &m, &e) < 0)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "That draft is not there any more.");
	struct buf kept;
	buf_init(&kept, 256 * 1024);
	kept_items(m, &kept);
	char *irt = last_reference(m->references);
	/* The message ends its text with a line end the form never had. */
	size_t tl = m->text ? strlen(m->text) : 0;
	if (tl && m->text[tl - 1] == '\n')
		m->text[--tl] = '\0';
	if (tl && m->text[tl - 1] == '\r')
		m->text[--tl] = '\0';
	struct draft d = {
		.kind = "draft", .to = m->to, .cc = m->cc, .subject = m->subject, .body = m->text,
		.in_reply_to = irt, .references = m->references, .draft_id = id,
		.attachments = kept.data,
		.notice = strcmp(http_arg(r, "n"), "saved") == 0 ? "Draft saved." : NULL,
	};
	char of[MAIL_FOLDER_MAX * 4], oid[MAIL_ID_MAX];
	int forwarded;
	if (origin_parse(r, m->origin, &forwarded, of, sizeof(of), oid, sizeof(oid)) == 0) {
		if (forwarded) {
			d.fwd_f = of;
			d.fwd_id = oid;
			d.fwd_in = 1;
		} else {
			d.re_f = of;
			d.re_id = oid;
		}
	}
	enum MHD_Result res = show(r, MHD_HTTP_OK, &d);
	free(irt);
	buf_free(&kept);
	mime_message_free(&m);
	return res;
}

/* "Re: x" stays "Re: x"; "x" becomes "Re: x". */
static char *prefixed(const char *prefix, const char *subject)
{
	char *out;
	size_t n = strlen(prefix);
	if (!subject)
		subject = "";
	if (strncasecmp(subject, prefix, n) == 0)
		return strdup(subject);
	if (asprintf(&out, "%s %s", prefix, subject) < 0)
		return NULL;
	return out;
}

/* Everyone the original went to but us, for "Reply to all". */
struct others {
	const char *self;
	struct buf list;
};

static void add_other(const char *addr, void *arg)
{
	struct others *o = arg;
	if (strcasecmp(addr, o->self) == 0 || (o->list.data && strstr(o->list.data, addr)))
		return;
	buf_printf(&o->list, "%s%s", o->list.len ? ", " : "", addr);
}

enum MHD_Result page_compose(struct request *r, const char *rest)
{
	const char *mode = http_arg(r, "mode"), *folder = http_arg(r, "f"), *id = http_arg(r, "id");
	/* "to" fills in the recipient: an address clicked in a message. */
	struct draft d = { .kind = "new", .to = http_arg(r, "to") };
	struct mime_message *m = NULL;
	struct mailstore *ms;
	struct err e;
	(void)rest;
	if (strcmp(mode, "draft") == 0)
		return open_draft(r, id);
	if (!mode[0]) {
		char *body = signed_body(r, "");
		d.body = body;
		enum MHD_Result res = show(r, MHD_HTTP_OK, &d);
		free(body);
		return res;
	}
	if (mailbox_open(r, &ms, &e) < 0)
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Your mailbox cannot be read.");
	int rc = mailstore_view(ms, folder, id, &m, &e);
	mailstore_close(&ms);
	if (rc == MAILSTORE_TOO_COMPLEX)
		return http_send_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
				       "That message is too complex to answer or forward here.");
	if (rc < 0)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "That message is not there any more.");
	char *subject = NULL, *references = NULL, *quoted = mime_quote_reply(m);
	struct others cc = { r->sess.user, { 0 } };
	buf_init(&cc.list, 64 * 1024);
	if (strcmp(mode, "forward") == 0) {
		d.kind = "forward";
		subject = prefixed("Fwd:", m->subject);
		d.fwd_f = folder;
		d.fwd_id = id;
	} else {
		d.kind = strcmp(mode, "all") == 0 ? "all" : "reply";
		subject = prefixed("Re:", m->subject);
		d.to = m->reply_to && m->reply_to[0] ? m->reply_to : m->from;
		d.in_reply_to = m->message_id;
		d.re_f = folder;
		d.re_id = id;
		/* The thread so far, then the message answered. */
		if (m->message_id && asprintf(&references, "%s%s<%s>", m->references ? m->references : "",
					      m->references && m->references[0] ? " " : "",
					      m->message_id) < 0)
			references = NULL;
		d.references = references;
		d.body = quoted;
		if (strcmp(mode, "all") == 0) {
			/* One address that does not parse must not lose the others: then
			 * the lists come as they were, for the user to mend. */
			if (mime_addresses(m->to, add_other, &cc, NULL) < 0 ||
			    mime_addresses(m->cc, add_other, &cc, NULL) < 0) {
				buf_free(&cc.list);
				buf_printf(&cc.list, "%s%s%s", m->to, m->cc[0] ? ", " : "", m->cc);
			}
			d.cc = cc.list.data;
		}
	}
	d.subject = subject;
	char *body = signed_body(r, d.body);
	if (body)
		d.body = body;
	enum MHD_Result res = show(r, MHD_HTTP_OK, &d);
	free(body);
	free(subject);
	free(references);
	free(quoted);
	buf_free(&cc.list);
	mime_message_free(&m);
	return res;
}

/* The forwarded original, as an attachment. */
static int forwarded(struct request *r, struct mime_upload *up, struct buf *data, struct err *e)
{
	struct mailstore *ms;
	struct mail_summary there;
	const char *folder = form_get(r->form, "fwd_f"), *id = form_get(r->form, "fwd_id");
	/* A draft holds it already, among its attachments. */
	if (!id[0] || form_get(r->form, "fwd_in")[0])
		return 0;
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	/* The whole original, as it is: what forwarding as an attachment needs. */
	int rc = mailstore_summary(ms, folder, id, &there, e);
	if (rc == 0 && mailstore_raw(ms, folder, id, data->max, data, e) < 0) {
		int refused = mailstore_refused(ms);
		mailstore_close(&ms);
		return refused ? err_set(e, "the message to forward is too large") : -1;
	}
	mailstore_close(&ms);
	if (rc < 0)
		return err_set(e, "the message to forward is not there any more");
	*up = (struct mime_upload){ "forwarded-message.eml", "message/rfc822", data->data, data->len };
	return 1;
}

/* An uploaded file, mapped from its spool file: the page cache holds it, not
 * the heap, and only while the message is built. */
struct upload_map {
	void *data;
	size_t len;
};

static int upload_map(const struct form_field *f, struct upload_map *m)
{
	m->len = f->size;
	m->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
	return m->data == MAP_FAILED ? -1 : 0;
}

static void upload_unmap_all(struct upload_map *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		munmap(maps[i].data, maps[i].len);
}

/* The attachments of the previous version of the draft that stay (the boxes
 * still ticked), read into memory before that version is replaced. */
struct kept {
	struct buf data[MAX_ATTACHMENTS];
	char type[MAX_ATTACHMENTS][128];
	char name[MAX_ATTACHMENTS][256];
	size_t n;
};

static int kept_read(struct request *r, const char *draft_id, struct kept *k,
		     struct mime_upload *ups, size_t *nups, struct err *e)
{
	const struct form_field *f;
	struct mailstore *ms;
	struct mail_summary there;
	if (!form_nth(r->form, "keep", 0))
		return 0;
	if (!draft_id || !draft_id[0] || mailbox_open(r, &ms, e) < 0)
		return err_set(e, "the draft's attachments are not there any more");
	if (mailstore_summary(ms, MAIL_DRAFTS, draft_id, &there, e) < 0) {
		mailstore_close(&ms);
		return err_set(e, "the draft's attachments are not there any more");
	}
	for (size_t i = 0; (f = form_nth(r->form, "keep", i)) && *nups < MAX_ATTACHMENTS; i++) {
		char *end;
		long idx = strtol(f->value.data ? f->value.data : "", &end, 10);
		if (end == f->value.data || *end || idx < 0 || idx > 100000)
			continue;
		struct buf *b = &k->data[k->n];
		buf_init(b, MIME_MESSAGE_MAX);
		if (mailstore_attachment(ms, MAIL_DRAFTS, draft_id, (int)idx, MIME_MESSAGE_MAX, b,
					 k->type[k->n], sizeof(k->type[0]), k->name[k->n],
					 sizeof(k->name[0]), e) < 0) {
			buf_free(b);
			mailstore_close(&ms);
			return err_set(e, "an attachment of the draft cannot be read");
		}
		ups[(*nups)++] = (struct mime_upload){ k->name[k->n], k->type[k->n], b->data, b->len };
		k->n++;
	}
	mailstore_close(&ms);
	return 0;
}

static void kept_free(struct kept *k)
{
	for (size_t i = 0; i < k->n; i++)
		buf_free(&k->data[i]);
	free(k);
}

/* The form again after a failed send or save, with the draft that now holds it. */
static enum MHD_Result show_again(struct request *r, unsigned status, const struct mime_compose *c,
				  const char *draft_id, int draft_new, const char *error)
{
	struct mime_message *m = NULL;
	struct err e;
	struct buf kept;
	buf_init(&kept, 256 * 1024);
	if (draft_id[0] && draft_view(r, draft_id, &m, &e) == 0)
		kept_items(m, &kept);
	/* A new draft holds the forwarded original as an attachment already. */
	struct draft d = {
		.kind = form_get(r->form, "kind"), .to = c->to, .cc = c->cc, .bcc = c->bcc,
		.subject = c->subject, .body = c->body, .in_reply_to = form_get(r->form, "in_reply_to"),
		.references = form_get(r->form, "references"),
		.fwd_f = form_get(r->form, "fwd_f"), .fwd_id = form_get(r->form, "fwd_id"),
		.fwd_in = draft_new || form_get(r->form, "fwd_in")[0], .error = error,
		.re_f = form_get(r->form, "re_f"), .re_id = form_get(r->form, "re_id"),
		.draft_id = draft_id, .attachments = kept.data,
	};
	enum MHD_Result res = show(r, status, &d);
	buf_free(&kept);
	mime_message_free(&m);
	return res;
}

/* The session had ended: the draft is kept (in Drafts as new_id, or under
 * mail.store imap sealed until the next logon: sealed), and the logon page
 * says so and leads to it. The browser's session cookie is spent. */
static enum MHD_Result kept_after_end(struct request *r, const char *new_id, int sealed,
				      int autosave)
{
	if (!new_id[0] && !sealed)
		return page_logon_required(r);
	if (!sealed) {
		log_info("user %s: a message posted after the session ended was kept in Drafts",
			 log_q(r->sess.user));
		mail_send_note_kept(r, new_id);
	}
	if (autosave) {
		/* autosave.js takes the kept draft's id into the form (the next
		 * post replaces that draft, not the one the form named before) and
		 * stops: a tab left open would otherwise keep a copy each turn. */
		char *text = strdup(new_id);
		if (!text)
			return MHD_NO;
		return http_send_bytes(r, MHD_HTTP_UNAUTHORIZED, "text/plain; charset=utf-8", text,
				       strlen(text), NULL);
	}
	return http_see_other(r, "/");
}

enum MHD_Result page_compose_send(struct request *r, const char *rest)
{
	struct mime_upload ups[MAX_ATTACHMENTS + 1];
	size_t nups = 0;
	struct buf fwd;
	struct err e = { 0 };
	const struct form_field *f;
	const char *draft_id = form_get(r->form, "draft");
	/* After the session ended, what was typed is kept and never sent. */
	const char *op = form_get(r->form, "op");
	int to_other = strcmp(op, "switch") == 0 && switch_to(r);
	/* autosave.js: the form without its files, every 30 s while typing. */
	int autosave = strcmp(op, "autosave") == 0;
	int save = r->session_ended || to_other || autosave || strcmp(op, "save") == 0;
	(void)rest;

	/* Files over the limit were dropped as they came: the form comes back
	 * with the reason and the text (its fields come before the files). */
	if (r->form->files_refused && !r->session_ended) {
		char why[200];
		snprintf(why, sizeof(why),
			 "The attached files were not taken: together they are larger than %ld MiB, "
			 "the most one message may carry. Your text is kept below; attach smaller "
			 "files or send them in several messages.",
			 config_int(r->gen->cfg, SET_MAIL_MAX_MESSAGE_MB));
		struct mime_compose c = {
			.to = form_get(r->form, "to"), .cc = form_get(r->form, "cc"),
			.bcc = form_get(r->form, "bcc"), .subject = form_get(r->form, "subject"),
			.body = form_get(r->form, "body"),
		};
		return show_again(r, MHD_HTTP_CONTENT_TOO_LARGE, &c, draft_id, 0, why);
	}
	struct kept *kept = calloc(1, sizeof(*kept));
	if (!kept)
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.");
	struct upload_map maps[MAX_ATTACHMENTS];
	size_t nmaps = 0;
	for (size_t i = 0; (f = form_nth(r->form, "attachment", i)); i++) {
		/* A file input left empty still sends a part with no name and no data. */
		if (!f->filename || !f->filename[0] || f->fd < 0 || f->size == 0)
			continue;
		if (nups == MAX_ATTACHMENTS)
			break;
		if (upload_map(f, &maps[nmaps]) < 0) {
			log_warn("%s: cannot read an uploaded file", r->sess.user);
			upload_unmap_all(maps, nmaps);
			kept_free(kept);
			return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					       "The files sent could not be read.");
		}
		ups[nups++] = (struct mime_upload){ f->filename,
						    f->content_type ? f->content_type
								    : "application/octet-stream",
						    maps[nmaps].data, maps[nmaps].len };
		nmaps++;
	}
	/* mail.store imap after the session ended: no password, so no mail
	 * store; the previous draft and its attachments stay as they were. */
	int keep_sealed = r->session_ended && mailbox_is_imap(r->gen->cfg);
	int ok = keep_sealed || kept_read(r, draft_id, kept, ups, &nups, &e) == 0;
	buf_init(&fwd, MIME_MESSAGE_MAX);
	int has_fwd = ok && !keep_sealed ? forwarded(r, &ups[nups], &fwd, &e) : -1;
	if (has_fwd > 0)
		nups++;
	struct mail_prefs prefs;
	char from[USER_ADDRESS_MAX];
	struct err no_sender;
	sender_of(r, from, sizeof(from), &no_sender);
	mail_view_prefs(r, NULL, &prefs);
	struct mime_compose c = {
		.from = from,
		.from_name = prefs.display_name,
		.to = form_get(r->form, "to"),
		.cc = form_get(r->form, "cc"),
		.bcc = form_get(r->form, "bcc"),
		.subject = form_get(r->form, "subject"),
		.body = form_get(r->form, "body"),
		.in_reply_to = form_get(r->form, "in_reply_to")[0] ? form_get(r->form, "in_reply_to") : NULL,
		.references = form_get(r->form, "references")[0] ? form_get(r->form, "references") : NULL,
		.attachments = ups,
		.nattachments = nups,
	};
	int queued;
	if (!save && has_fwd >= 0 && mail_send(r, &c, &queued, &e) == 0) {
		buf_free(&fwd);
		upload_unmap_all(maps, nmaps);
		kept_free(kept);
		mail_send_drop_draft(r, draft_id);
		mail_send_mark_original(r, form_get(r->form, "re_f"), form_get(r->form, "re_id"),
					MAIL_ANSWERED);
		mail_send_mark_original(r, form_get(r->form, "fwd_f"), form_get(r->form, "fwd_id"),
					MAIL_FORWARDED);
		return http_see_other(r, queued ? "/mail?f=INBOX&n=queued" : "/mail?f=INBOX&n=sent");
	}
	/* Nothing is lost: the message's one draft holds it now (unless its
	 * attachments could not be read: then the old draft stays as it was). */
	char new_id[MAIL_ID_MAX] = "";
	struct err de;
	const char *re_id = form_get(r->form, "re_id"), *fwd_id = form_get(r->form, "fwd_id");
	char *origin = re_id[0]	   ? origin_make("answered", form_get(r->form, "re_f"), re_id)
		       : fwd_id[0] ? origin_make("forwarded", form_get(r->form, "fwd_f"), fwd_id)
				   : NULL;
	c.origin = origin;
	int sealed = 0;
	if (ok && keep_sealed) {
		sealed = mail_send_keep_sealed(r, &c, &de) == 0;
		if (!sealed)
			log_warnx("%s: cannot keep a message posted after the session ended: %s",
				  log_q(r->sess.user), log_q(de.msg));
	} else if (ok && mail_send_keep_draft(r, &c, draft_id, new_id, sizeof(new_id), &de) < 0) {
		log_warnx("%s: cannot keep the draft: %s", log_q(r->sess.user), log_q(de.msg));
		if (save)
			e = de;
		new_id[0] = '\0';
	}
	free(origin);
	c.origin = NULL;
	buf_free(&fwd);
	upload_unmap_all(maps, nmaps);
	kept_free(kept);
	if (r->session_ended)
		return kept_after_end(r, new_id, sealed, autosave);
	if (autosave) {
		/* The script takes the new draft's id into the form. */
		char *text = strdup(new_id[0] ? new_id : "");
		if (!text)
			return MHD_NO;
		return http_send_bytes(r, new_id[0] ? MHD_HTTP_OK : MHD_HTTP_UNPROCESSABLE_CONTENT,
				       "text/plain; charset=utf-8", text, strlen(text), NULL);
	}
	if (save && new_id[0]) {
		struct buf url, draft;
		buf_init(&url, 4096);
		buf_init(&draft, 1024);
		buf_puts(&draft, "/mail/compose?mode=draft&n=saved&id=");
		http_url_encode(&draft, new_id, NULL);
		enum MHD_Result res;
		if (to_other) {
			/* The switch comes back to the draft on the other listener. Not
			 * a redirect: CSP form-action 'self' would stop the form's
			 * navigation at the other origin; a page that moves on is a
			 * navigation of its own. */
			buf_printf(&url, "/mode/%s?back=", switch_to(r));
			http_url_encode(&url, draft.data, "/");
			const struct tvar vars[] = { { "url", url.data }, { "mode", "Draft saved" } };
			res = http_send_page(r, MHD_HTTP_OK, TPL_SWITCH, vars, 2);
		} else {
			res = http_see_other(r, draft.data);
		}
		buf_free(&url);
		buf_free(&draft);
		return res;
	}
	if (save && !e.msg[0])
		err_set(&e, "the draft could not be saved");
	return show_again(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &c, new_id[0] ? new_id : draft_id,
			  new_id[0] != 0, e.msg);
}
