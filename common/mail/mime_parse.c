/* mime_parse.c - what a user sees of a message (headers, text, HTML,
 * attachments) and an attachment's bytes, read with GMime 3.2 after
 * mime_scan.c has bounded the structure. GMime objects are not thread-safe:
 * every call makes and frees its own. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime.h"
#include "webmsg/mime_scan.h"
#include "mime_private.h"

/* ---- Reading messages ---- */

GMimeParserOptions *mime_parse_options_new(void)
{
	const char *fallback[] = { "utf-8", "windows-1252", NULL };
	GMimeParserOptions *o = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(o, fallback);
	return o;
}

void mime_parse_close(struct parsed *p)
{
	if (p->message)
		g_object_unref(p->message);
	if (p->format)
		g_mime_format_options_free(p->format);
	if (p->options)
		g_mime_parser_options_free(p->options);
	memset(p, 0, sizeof(*p));
}

/* The limits of mime_scan.h over an open file, which is left at its start. */
static int scan_file(int fd, struct err *e)
{
	struct mime_scan *s;
	char chunk[65536];
	ssize_t n;
	int rc = 0;
	if (mime_scan_new(&s, e) < 0)
		return -1;
	while (rc == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mime_scan_free(&s);
			return err_sys(e, "cannot read the message");
		}
		if (mime_scan_feed(s, chunk, (size_t)n, e) < 0)
			rc = MIME_TOO_COMPLEX;
	}
	if (rc == 0 && mime_scan_end(s, e) < 0)
		rc = MIME_TOO_COMPLEX;
	mime_scan_free(&s);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(e, "cannot read the message");
	return rc;
}

int mime_parse_open(const char *path, struct parsed *p, struct err *e)
{
	struct stat st;
	memset(p, 0, sizeof(*p));
	/* open and fstat ourselves: a FIFO or device would block or never end */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return err_sys(e, "cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		err_sys(e, "cannot read %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "%s is not a file", path);
	}
	if (st.st_size > MIME_MESSAGE_MAX) {
		close(fd);
		return err_set(e, "%s is larger than %d MiB, the most a message may have", path,
			       MIME_MESSAGE_MAX >> 20);
	}
	/* Bounded before GMime starts: a hostile structure costs one read of the file. */
	int rc = scan_file(fd, e);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	GMimeStream *stream = g_mime_stream_fs_new(fd); /* owns fd from here */
	/* a file that grows while we read it is read only as far as it was */
	g_mime_stream_set_bounds(stream, 0, st.st_size);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	p->options = mime_parse_options_new();
	p->message = g_mime_parser_construct_message(parser, p->options);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!p->message) {
		mime_parse_close(p);
		return err_set(e, "%s is not a mail message", path);
	}
	p->format = g_mime_format_options_new();
	return 0;
}

int mime_parse_open_data(const char *data, size_t len, struct parsed *p, struct err *e)
{
	struct mime_scan *scan;
	int rc = 0;
	memset(p, 0, sizeof(*p));
	if (len > MIME_MESSAGE_MAX)
		return err_set(e, "the message is larger than %d MiB, the most a message may have",
			       MIME_MESSAGE_MAX >> 20);
	if (mime_scan_new(&scan, e) < 0)
		return -1;
	if (mime_scan_feed(scan, data, len, e) < 0 || mime_scan_end(scan, e) < 0)
		rc = MIME_TOO_COMPLEX;
	mime_scan_free(&scan);
	if (rc < 0)
		return rc;
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	p->options = mime_parse_options_new();
	p->message = g_mime_parser_construct_message(parser, p->options);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!p->message) {
		mime_parse_close(p);
		return err_set(e, "not a mail message");
	}
	p->format = g_mime_format_options_new();
	return 0;
}

/* Calls fn for every leaf part (anything not a multipart) in depth-first
 * order with its index, counted from 1: the numbering of attachments. */

InternetAddressMailbox *mime_parse_first_mailbox(InternetAddressList *l, int depth)
{
	int n = l && depth < 2 ? internet_address_list_length(l) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		InternetAddressMailbox *mb = mime_parse_first_mailbox(
			internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1);
		if (mb)
			return mb;
	}
	return NULL;
}

/* The addresses of a message header, as GMime parsed them unless its
 * encoded-words need rewriting (see mime_text_b_words_as_q). A new reference. */
static InternetAddressList *address_header(struct parsed *p, const char *name,
					   InternetAddressList *parsed)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(p->message));
	int n = g_mime_header_list_get_count(list), rewritten = 0;
	char **values = g_new0(char *, (gsize)n + 1);
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *raw = g_mime_header_get_raw_value(h);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0 || !raw)
			continue;
		char *fixed = mime_text_b_words_as_q(raw);
		values[i] = g_strdup(fixed ? fixed : raw);
		rewritten |= fixed != NULL;
		free(fixed);
	}
	InternetAddressList *l = rewritten ? internet_address_list_new() : g_object_ref(parsed);
	for (int i = 0; i < n; i++) {
		InternetAddressList *one = rewritten && values[i]
			? internet_address_list_parse(p->options, values[i]) : NULL;
		if (one) {
			internet_address_list_append(l, one);
			g_object_unref(one);
		}
		g_free(values[i]); /* not g_strfreev: the array has holes */
	}
	g_free(values);
	return l;
}

static char *addresses_text(InternetAddressList *l, GMimeFormatOptions *format)
{
	if (!l || internet_address_list_length(l) == 0)
		return mime_text_clean_line("");
	char *s = internet_address_list_to_string(l, format, FALSE);
	char *t = mime_text_clean_line(s);
	g_free(s);
	return t;
}

/* A message ID fit for a header: printable ASCII, no <>, no space. */
int mime_parse_is_message_id(const char *id)
{
	if (!id || !*id || strlen(id) > 900)
		return 0;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* References as "<a@x> <b@y>", or NULL when there are none or out of memory. */
static char *references_text(GMimeObject *o, GMimeParserOptions *options)
{
	const char *raw = g_mime_object_get_header(o, "References");
	GMimeReferences *refs = raw ? g_mime_references_parse(options, raw) : NULL;
	int n = refs ? g_mime_references_length(refs) : 0;
	struct buf b;
	buf_init(&b, TEXT_MAX);
	for (int i = 0; i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		if (mime_parse_is_message_id(id))
			buf_printf(&b, "%s<%s>", b.len ? " " : "", id);
	}
	if (refs)
		g_mime_references_free(refs);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return mime_text_finish(&b);
}

int mime_parse_headers(struct mime_message *m, struct parsed *p)
{
	GMimeMessage *msg = p->message;
	InternetAddressList *l = address_header(p, "From", g_mime_message_get_from(msg));
	InternetAddressMailbox *first = mime_parse_first_mailbox(l, 0);
	m->from = addresses_text(l, p->format);
	m->from_addr =
		mime_text_clean_line(first ? internet_address_mailbox_get_addr(first) : NULL);
	g_object_unref(l);
	l = address_header(p, "To", g_mime_message_get_to(msg));
	m->to = addresses_text(l, p->format);
	g_object_unref(l);
	l = address_header(p, "Cc", g_mime_message_get_cc(msg));
	m->cc = addresses_text(l, p->format);
	g_object_unref(l);
	l = address_header(p, "Reply-To", g_mime_message_get_reply_to(msg));
	m->reply_to = addresses_text(l, p->format);
	g_object_unref(l);
	const char *raw = mime_text_raw_header(GMIME_OBJECT(msg), "Subject");
	char *fixed = raw ? mime_text_b_words_as_q(raw) : NULL;
	if (fixed) {
		char *unfolded = g_mime_utils_header_unfold(fixed);
		char *decoded = g_mime_utils_header_decode_text(p->options, unfolded);
		m->subject = mime_text_clean_line(decoded);
		g_free(decoded);
		g_free(unfolded);
		free(fixed);
	} else {
		m->subject = mime_text_clean_line(g_mime_message_get_subject(msg));
	}
	if (!m->from || !m->to || !m->cc || !m->reply_to || !m->from_addr || !m->subject)
		return -1;
	const char *id = g_mime_message_get_message_id(msg);
	if (mime_parse_is_message_id(id) && !(m->message_id = strdup(id)))
		return -1;
	m->references = references_text(GMIME_OBJECT(msg), p->options);
	const char *origin = g_mime_object_get_header(GMIME_OBJECT(msg), "X-Webmsg-Origin");
	if (origin && !(m->origin = strdup(origin)))
		return -1;
	GDateTime *date = g_mime_message_get_date(msg); /* borrowed */
	m->date = date ? (time_t)g_date_time_to_unix(date) : 0;
	return 0;
}

static int fill_bodies(struct mime_message *m, struct parsed *p)
{
	struct bodies bodies = { NULL, NULL, 0, 0 };
	mime_part_walk_message(p->message, mime_part_choose_body, &bodies);
	if (bodies.text && !(m->text = mime_part_leaf_text(bodies.text, p->format)))
		return -1;
	if (bodies.html) {
		if (!(m->html = mime_part_leaf_text(bodies.html, p->format)))
			return -1;
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
				return -1;
		}
	}
	GMimeObject *top = g_mime_message_get_mime_part(p->message);
	GMimeMultipart *mp = GMIME_IS_MULTIPART(top) ? GMIME_MULTIPART(top) : NULL;
	if (!m->text && mp && g_mime_multipart_get_count(mp) == 0) {
		/* a multipart whose boundary never comes: its text is all there is */
		const char *prologue = g_mime_multipart_get_prologue(mp);
		struct buf b;
		buf_init(&b, TEXT_MAX);
		if (prologue)
			mime_text_put(&b, prologue, strlen(prologue), NULL);
		if (!(m->text = mime_text_finish(&b)))
			return -1;
		mime_text_drop_cr(m->text);
	}
	if (!m->text && !(m->text = strdup("")))
		return -1;
	struct listing l = { m, &bodies, p->options, p->format, 0, 0 };
	mime_part_walk_message(p->message, mime_part_list_attachment, &l);
	return l.failed ? -1 : 0;
}

int mime_parse_file(const char *path, struct mime_message **out, struct err *e)
{
	struct parsed p;
	*out = NULL;
	int opened = mime_parse_open(path, &p, e);
	if (opened < 0)
		return opened;
	struct mime_message *m = calloc(1, sizeof(*m));
	int rc = m ? mime_parse_headers(m, &p) : -1;
	if (rc == 0)
		rc = fill_bodies(m, &p);
	mime_parse_close(&p);
	if (rc < 0) {
		mime_message_free(&m);
		return err_set(e, "%s: out of memory", path);
	}
	*out = m;
	return 0;
}

void mime_message_free(struct mime_message **mp)
{
	struct mime_message *m = mp ? *mp : NULL;
	if (!m)
		return;
	free(m->from);
	free(m->to);
	free(m->cc);
	free(m->reply_to);
	free(m->from_addr);
	free(m->subject);
	free(m->message_id);
	free(m->references);
	free(m->origin);
	free(m->text);
	free(m->html);
	for (size_t i = 0; i < m->nattachments; i++)
		mime_part_attachment_clear(&m->attachments[i]);
	free(m->attachments);
	free(m);
	*mp = NULL;
}

struct find_leaf {
	int index;
	GMimeObject *found; /* borrowed from the message */
};

static void find_leaf(GMimeObject *o, int index, void *arg)
{
	struct find_leaf *f = arg;
	if (index == f->index)
		f->found = o;
}

int mime_attachment_data(const char *path, int index, struct buf *out, char *content_type,
			 size_t ctlen, char *filename, size_t fnlen, struct err *e)
{
	struct parsed p;
	struct find_leaf f = { index, NULL };
	struct mime_attachment a = { 0 };
	int rc = mime_parse_open(path, &p, e);
	if (rc < 0)
		return rc;
	rc = -1;
	mime_part_walk_message(p.message, find_leaf, &f);
	if (!f.found) {
		err_set(e, "%s has no attachment number %d", path, index);
		goto out;
	}
	size_t room = out->max > out->len ? out->max - out->len : 0;
	ssize_t size = mime_part_leaf_size(f.found, p.format);
	if (size < 0) {
		err_set(e, "cannot read attachment %d of %s", index, path);
		goto out;
	}
	if ((size_t)size > room) {
		err_set(e, "attachment %d of %s is too large: %zd bytes, at most %zu", index, path,
			size, room);
		goto out;
	}
	GByteArray *bytes = mime_part_leaf_bytes(f.found, p.format);
	if (!bytes) {
		err_set(e, "cannot read attachment %d of %s", index, path);
		goto out;
	}
	int appended = bytes->len ? buf_append(out, bytes->data, bytes->len) : 0;
	g_byte_array_free(bytes, TRUE);
	if (appended < 0) {
		err_set(e, "attachment %d of %s is too large for its buffer", index, path);
		goto out;
	}
	if (mime_part_describe(f.found, index, p.options, &a) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	mime_text_copy_utf8(content_type, ctlen, a.content_type);
	mime_text_copy_utf8(filename, fnlen, a.filename);
	rc = 0;
out:
	mime_part_attachment_clear(&a);
	mime_parse_close(&p);
	return rc;
}
