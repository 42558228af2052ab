/* page_compose.c - writing a message: new, reply, reply to all, forward, and
 * sending it. When it cannot be sent, the form comes back with what was typed
 * and the reason, and a copy is kept in Drafts. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "http.h"
#include "mail_send.h"
#include "mailbox.h"
#include "pages.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/fileio.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

#define MAX_ATTACHMENTS 32

/* What the form shows. */
struct draft {
	const char *heading, *to, *cc, *bcc, *subject, *body, *in_reply_to, *references;
	const char *fwd_f, *fwd_id, *error;
};

static enum MHD_Result show(struct request *r, unsigned status, const struct draft *d)
{
	char max[16];
	snprintf(max, sizeof(max), "%ld", config_int(r->gen->cfg, SET_MAIL_MAX_MESSAGE_MB));
	const struct tvar vars[] = {
		{ "heading", d->heading },
		{ "error", d->error ? d->error : "" },
		{ "csrf", r->sess.csrf },
		{ "in_reply_to", d->in_reply_to ? d->in_reply_to : "" },
		{ "references", d->references ? d->references : "" },
		{ "fwd_f", d->fwd_f ? d->fwd_f : "" },
		{ "fwd_id", d->fwd_id ? d->fwd_id : "" },
		{ "forwarding", d->fwd_id && d->fwd_id[0] ? "1" : "" },
		{ "from", r->sess.user },
		{ "to", d->to ? d->to : "" },
		{ "cc", d->cc ? d->cc : "" },
		{ "bcc", d->bcc ? d->bcc : "" },
		{ "subject", d->subject ? d->subject : "" },
		{ "body", d->body ? d->body : "" },
		{ "max_mb", max },
	};
	return http_send_framed(r, status, TPL_COMPOSE, vars, sizeof(vars) / sizeof(vars[0]),
				d->heading);
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
	struct draft d = { .heading = "New message", .to = http_arg(r, "to") };
	struct mime_message *m = NULL;
	struct mailstore *ms;
	char path[4096];
	struct err e;
	(void)rest;
	if (!mode[0])
		return show(r, MHD_HTTP_OK, &d);
	if (mailbox_open(r, &ms, &e) < 0)
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Your mailbox cannot be read.");
	int rc = mailstore_path(ms, folder, id, path, sizeof(path), &e);
	mailstore_close(&ms);
	if (rc == 0 && (rc = mime_parse_file(path, &m, &e)) == MIME_TOO_COMPLEX)
		return http_send_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
				       "That message is too complex to answer or forward here.");
	if (rc < 0)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "That message is not there any more.");
	char *subject = NULL, *references = NULL, *quoted = mime_quote_reply(m);
	struct others cc = { r->sess.user, { 0 } };
	buf_init(&cc.list, 64 * 1024);
	if (strcmp(mode, "forward") == 0) {
		d.heading = "Forward";
		subject = prefixed("Fwd:", m->subject);
		d.fwd_f = folder;
		d.fwd_id = id;
	} else {
		d.heading = strcmp(mode, "all") == 0 ? "Reply to all" : "Reply";
		subject = prefixed("Re:", m->subject);
		d.to = m->reply_to && m->reply_to[0] ? m->reply_to : m->from;
		d.in_reply_to = m->message_id;
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
	enum MHD_Result res = show(r, MHD_HTTP_OK, &d);
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
	char path[4096];
	const char *folder = form_get(r->form, "fwd_f"), *id = form_get(r->form, "fwd_id");
	if (!id[0])
		return 0;
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	int rc = mailstore_path(ms, folder, id, path, sizeof(path), e);
	mailstore_close(&ms);
	if (rc == 0)
		rc = fileio_append_path(path, O_NONBLOCK, data, e);
	if (rc < 0 && data->failed)
		return err_set(e, "the message to forward is too large");
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

enum MHD_Result page_compose_send(struct request *r, const char *rest)
{
	struct mime_upload ups[MAX_ATTACHMENTS + 1];
	size_t nups = 0;
	struct buf fwd;
	struct err e;
	const struct form_field *f;
	(void)rest;

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
			return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					       "The files sent could not be read.");
		}
		ups[nups++] = (struct mime_upload){ f->filename,
						    f->content_type ? f->content_type
								    : "application/octet-stream",
						    maps[nmaps].data, maps[nmaps].len };
		nmaps++;
	}
	buf_init(&fwd, MIME_MESSAGE_MAX);
	int has_fwd = forwarded(r, &ups[nups], &fwd, &e);
	if (has_fwd > 0)
		nups++;
	struct mime_compose c = {
		.from = r->sess.user,
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
	if (has_fwd >= 0 && mail_send(r, &c, &queued, &e) == 0) {
		buf_free(&fwd);
		upload_unmap_all(maps, nmaps);
		return http_see_other(r, queued ? "/mail?f=INBOX&n=queued" : "/mail?f=INBOX&n=sent");
	}
	/* Nothing is lost: the draft is kept, and the form comes back as it was. */
	struct err de;
	if (mail_send_keep_draft(r, &c, &de) < 0)
		log_warnx("%s: cannot keep the draft: %s", log_q(r->sess.user), log_q(de.msg));
	buf_free(&fwd);
	upload_unmap_all(maps, nmaps);
	struct draft d = {
		.heading = "New message", .to = c.to, .cc = c.cc, .bcc = c.bcc, .subject = c.subject,
		.body = c.body, .in_reply_to = form_get(r->form, "in_reply_to"),
		.references = form_get(r->form, "references"), .fwd_f = form_get(r->form, "fwd_f"),
		.fwd_id = form_get(r->form, "fwd_id"), .error = e.msg,
	};
	return show(r, MHD_HTTP_UNPROCESSABLE_CONTENT, &d);
}
