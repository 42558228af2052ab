/* mailstore_view.c - what a page shows of a message, made from its
 * structure and the two parts it shows (the plain text and the HTML), for
 * back-ends that have no file to parse whole (IMAP): a 20 MB attachment is
 * never read to show the text beside it. The choices are mime_parse.c's:
 * the first plain text and the first HTML that are neither marked as
 * attachments nor named like files are the message, the rest attachments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "mailstore_backend.h"
#include "mime_private.h"

/* The most bytes of a text or HTML part shown (as mime_parse.c reads at most
 * a whole message). */
#define VIEW_PART_MAX ((size_t)MIME_MESSAGE_MAX)

/* A failed call of the interface as a back-end returns it. */
static int failed(struct mailstore *ms, int rc)
{
	if (rc == MAILSTORE_TOO_COMPLEX)
		return rc;
	return mailstore_refused(ms) ? MAILSTORE_REFUSED : -1;
}

void mailstore_structure_free(struct mail_structure **sp)
{
	struct mail_structure *s = sp ? *sp : NULL;
	if (!s)
		return;
	free(s->from);
	free(s->to);
	free(s->cc);
	free(s->reply_to);
	free(s->from_addr);
	free(s->subject);
	free(s->message_id);
	free(s->references);
	free(s->origin);
	for (size_t i = 0; i < s->nparts; i++) {
		free(s->parts[i].filename);
		free(s->parts[i].content_id);
	}
	free(s->parts);
	free(s);
	*sp = NULL;
}

static int is_message(const struct mail_part *p)
{
	return strcasecmp(p->type, "message/rfc822") == 0;
}

/* A part shown as the message's text rather than listed as an attachment. */
static int body_candidate(const struct mail_part *p)
{
	return !is_message(p) && strcasecmp(p->disposition, "attachment") != 0 && !p->filename;
}

/* A text part's content in UTF-8 with LF line ends; NULL on failure. */
static char *part_text(struct mailstore *ms, const char *folder, const char *id,
		       const struct mail_part *p, int *rc, struct err *e)
{
	struct buf raw, b;
	buf_init(&raw, VIEW_PART_MAX);
	if ((*rc = mailstore_part(ms, folder, id, p->id, VIEW_PART_MAX, &raw, e)) < 0) {
		*rc = failed(ms, *rc);
		buf_free(&raw);
		return NULL;
	}
	buf_init(&b, TEXT_MAX);
	if (raw.len > 0)
		mime_text_put(&b, raw.data, raw.len, p->charset[0] ? p->charset : NULL);
	buf_free(&raw);
	char *t = mime_text_finish(&b);
	if (!t) {
		*rc = err_set(e, "out of memory");
		return NULL;
	}
	mime_text_drop_cr(t);
	return t;
}

/* Fills attachment a from part p, number index. -1 when out of memory. */
static int describe(const struct mail_part *p, int index, struct mime_attachment *a)
{
	memset(a, 0, sizeof(*a));
	a->index = index;
	a->size = p->size > 0 ? (size_t)p->size : 0;
	a->content_type = strdup(p->type[0] ? p->type : "application/octet-stream");
	a->filename = mime_part_safe_filename(p->filename);
	if (!a->content_type || !a->filename)
		return -1;
	if (!a->filename[0]) {
		free(a->filename);
		a->filename = malloc(32);
		if (!a->filename)
			return -1;
		if (is_message(p))
			snprintf(a->filename, 32, "forwarded-message.eml");
		else
			snprintf(a->filename, 32, "attachment-%d", index);
	}
	a->disposition_inline = strcasecmp(p->disposition, "inline") == 0;
	if (p->content_id && p->content_id[0]) {
		if (!(a->content_id = strdup(p->content_id)))
			return -1;
		a->inline_image = strncmp(a->content_type, "image/", 6) == 0;
	}
	return 0;
}

/* The headers move from s to m. */
static void take_headers(struct mime_message *m, struct mail_structure *s)
{
	m->from = s->from, s->from = NULL;
	m->to = s->to, s->to = NULL;
	m->cc = s->cc, s->cc = NULL;
	m->reply_to = s->reply_to, s->reply_to = NULL;
	m->from_addr = s->from_addr, s->from_addr = NULL;
	m->subject = s->subject, s->subject = NULL;
	m->message_id = s->message_id, s->message_id = NULL;
	m->references = s->references, s->references = NULL;
	m->origin = s->origin, s->origin = NULL;
	m->date = s->date;
}

static int fill(struct mailstore *ms, const char *folder, const char *id, struct mail_structure *s,
		struct mime_message *m, struct err *e)
{
	int text = -1, html = -1, rc = 0;
	for (size_t i = 0; i < s->nparts; i++) {
		const struct mail_part *p = &s->parts[i];
		if (!body_candidate(p))
			continue;
		if (text < 0 && strcasecmp(p->type, "text/plain") == 0)
			text = (int)i;
		else if (html < 0 && strcasecmp(p->type, "text/html") == 0)
			html = (int)i;
	}
	if (text >= 0 && !(m->text = part_text(ms, folder, id, &s->parts[text], &rc, e)))
		return rc;
	if (html >= 0) {
		if (!(m->html = part_text(ms, folder, id, &s->parts[html], &rc, e)))
			return rc;
		m->html_remote = mime_html_refers_remote(m->html);
		if (m->text && m->text[strspn(m->text, " \t\n")] == '\0') {
			/* some mailers send an empty plain text beside the HTML */
			free(m->text);
			m->text = NULL;
		}
		if (!m->text) {
			struct buf b;
			buf_init(&b, TEXT_MAX);
			mime_html_to_text(m->html, &b);
			if (!(m->text = mime_text_finish(&b)))
				return err_set(e, "out of memory");
		}
	}
	if (!m->text && !(m->text = strdup("")))
		return err_set(e, "out of memory");
	if (s->nparts && !(m->attachments = calloc(s->nparts, sizeof(*m->attachments))))
		return err_set(e, "out of memory");
	for (size_t i = 0; i < s->nparts; i++) {
		if ((int)i == text || (int)i == html)
			continue;
		struct mime_attachment *a = &m->attachments[m->nattachments];
		if (describe(&s->parts[i], (int)i + 1, a) < 0) {
			mime_part_attachment_clear(a);
			return err_set(e, "out of memory");
		}
		m->nested |= is_message(&s->parts[i]);
		m->nattachments++;
	}
	return 0;
}

int mailstore_view_made(struct mailstore *ms, const char *folder, const char *id,
			struct mime_message **out, struct err *e)
{
	struct mail_structure *s;
	struct mime_message *m;
	int rc = mailstore_structure(ms, folder, id, &s, e);
	*out = NULL;
	if (rc < 0)
		return failed(ms, rc);
	if (!(m = calloc(1, sizeof(*m)))) {
		mailstore_structure_free(&s);
		return err_set(e, "out of memory");
	}
	take_headers(m, s);
	rc = fill(ms, folder, id, s, m, e);
	mailstore_structure_free(&s);
	if (rc < 0) {
		mime_message_free(&m);
		return rc;
	}
	*out = m;
	return 0;
}

int mailstore_attachment_made(struct mailstore *ms, const char *folder, const char *id,
			      int index, size_t max, struct buf *out, char *content_type,
			      size_t ctlen, char *filename, size_t fnlen, struct err *e)
{
	struct mail_structure *s;
	struct mime_attachment a;
	int rc = mailstore_structure(ms, folder, id, &s, e);
	if (rc < 0)
		return failed(ms, rc);
	if (index < 1 || (size_t)index > s->nparts) {
		mailstore_structure_free(&s);
		err_set(e, "the message has no attachment number %d", index);
		return MAILSTORE_REFUSED;
	}
	const struct mail_part *p = &s->parts[index - 1];
	if ((rc = mailstore_part(ms, folder, id, p->id, max, out, e)) < 0) {
		mailstore_structure_free(&s);
		return failed(ms, rc);
	}
	rc = describe(p, index, &a);
	if (rc == 0) {
		mime_text_copy_utf8(content_type, ctlen, a.content_type);
		mime_text_copy_utf8(filename, fnlen, a.filename);
	}
	mime_part_attachment_clear(&a);
	mailstore_structure_free(&s);
	return rc < 0 ? err_set(e, "out of memory") : 0;
}
