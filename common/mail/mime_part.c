/* mime_part.c - the leaves of a parsed message: walking them, choosing the
 * bodies, their sizes, bytes and text, and attachments' safe file names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/mime.h"
#include "mime_private.h"

struct leaf_walk {
	int count;
	void (*fn)(GMimeObject *leaf, int index, void *arg);
	void *arg;
};

static void walk(GMimeObject *o, int depth, struct leaf_walk *w)
{
	if (!o || depth > DEPTH_MAX)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk(g_mime_multipart_get_part(mp, i), depth + 1, w);
		return;
	}
	w->fn(o, ++w->count, w->arg);
}

void mime_part_walk_message(GMimeMessage *m, void (*fn)(GMimeObject *, int, void *), void *arg)
{
	struct leaf_walk w = { 0, fn, arg };
	walk(g_mime_message_get_mime_part(m), 0, &w);
}

static int is_attachment(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
	return d && g_mime_content_disposition_is_attachment(d);
}

static const char *object_filename(GMimeObject *o)
{
	const char *f = g_mime_object_get_content_disposition_parameter(o, "filename");
	return f ? f : g_mime_object_get_content_type_parameter(o, "name");
}

/* A parameter of a Content-Disposition or Content-Type header, decoded
 * again when GMime's decoding would lose text (see mime_text_b_words_as_q). */
static char *param_decoded(GMimeObject *o, GMimeParserOptions *options, const char *header,
			   const char *param)
{
	const char *raw = mime_text_raw_header(o, header);
	char *fixed = raw ? mime_text_b_words_as_q(raw) : NULL, *value = NULL;
	if (!fixed) {
		value = g_strdup(strcmp(header, "Content-Type") == 0
			? g_mime_object_get_content_type_parameter(o, param)
			: g_mime_object_get_content_disposition_parameter(o, param));
	} else if (strcmp(header, "Content-Type") == 0) {
		GMimeContentType *ct = g_mime_content_type_parse(options, fixed);
		if (ct) {
			value = g_strdup(g_mime_content_type_get_parameter(ct, param));
			g_object_unref(ct);
		}
	} else {
		GMimeContentDisposition *d = g_mime_content_disposition_parse(options, fixed);
		if (d) {
			value = g_strdup(g_mime_content_disposition_get_parameter(d, param));
			g_object_unref(d);
		}
	}
	free(fixed);
	return value;
}

/* The file name a leaf was sent with (for g_free), or NULL. */
char *mime_part_filename(GMimeObject *o, GMimeParserOptions *options)
{
	char *f = param_decoded(o, options, "Content-Disposition", "filename");
	return f ? f : param_decoded(o, options, "Content-Type", "name");
}

void mime_part_choose_body(GMimeObject *o, int index, void *arg)
{
	struct bodies *c = arg;
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	if (!GMIME_IS_PART(o) || is_attachment(o) || object_filename(o))
		return;
	if (!c->text && g_mime_content_type_is_type(ct, "text", "plain")) {
		c->text = o;
		c->text_index = index;
	} else if (!c->html && g_mime_content_type_is_type(ct, "text", "html")) {
		c->html = o;
		c->html_index = index;
	}
}

/* Writes a leaf's content to a stream: a part decoded (base64, quoted-printable,
 * uuencode undone), an attached message as it is. -1 when it cannot be read. */
static ssize_t write_leaf(GMimeObject *o, GMimeFormatOptions *format, GMimeStream *to)
{
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		return inner ? g_mime_object_write_to_stream(GMIME_OBJECT(inner), format, to) : 0;
	}
	if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
		return w ? g_mime_data_wrapper_write_to_stream(w, to) : 0;
	}
	return 0;
}

ssize_t mime_part_leaf_size(GMimeObject *o, GMimeFormatOptions *format)
{
	GMimeStream *null = g_mime_stream_null_new();
	ssize_t rc = write_leaf(o, format, null);
	if (rc >= 0)
		rc = (ssize_t)GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return rc;
}

/* The content of a leaf, decoded, for g_byte_array_free(); NULL when unreadable. */
GByteArray *mime_part_leaf_bytes(GMimeObject *o, GMimeFormatOptions *format)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	ssize_t rc = write_leaf(o, format, mem);
	GByteArray *a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	if (rc < 0) {
		g_byte_array_free(a, TRUE);
		return NULL;
	}
	return a;
}

/* A text part's content in UTF-8, CRLF made LF; NULL when out of memory. */
char *mime_part_leaf_text(GMimeObject *o, GMimeFormatOptions *format)
{
	struct buf b;
	GByteArray *a = mime_part_leaf_bytes(o, format);
	buf_init(&b, TEXT_MAX);
	if (a && a->len > 0) /* an empty GByteArray has no data at all */
		mime_text_put(&b, (const char *)a->data, a->len,
			 g_mime_object_get_content_type_parameter(o, "charset"));
	if (a)
		g_byte_array_free(a, TRUE);
	char *t = mime_text_finish(&b);
	if (t)
		mime_text_drop_cr(t);
	return t;
}

int mime_part_is_token(const char *s)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&-^_.+";
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 64 && strspn(s, chars) == n;
}

/* "type/subtype" in lower case; application/octet-stream when it is not one. */
static char *content_type_text(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	if (!mime_part_is_token(type) || !mime_part_is_token(sub))
		return strdup("application/octet-stream");
	size_t n = strlen(type) + 1 + strlen(sub) + 1;
	char *s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s/%s", type, sub);
	for (char *p = s; *p; p++)
		*p = g_ascii_tolower(*p);
	return s;
}

/* Characters that change what a name shows: controls, direction overrides. */
static int hidden_char(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

/* A name safe to offer for saving: the last part of any path, no control or
 * direction-changing characters, no leading or trailing dots and spaces, at
 * most FILENAME_BYTES_MAX bytes. "" when nothing is left; NULL when out of memory. */
char *mime_part_safe_filename(const char *name)
{
	struct buf raw, b;
	const char *base = name ? name : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	buf_init(&raw, TEXT_MAX);
	buf_init(&b, TEXT_MAX);
	mime_text_put_repaired(&raw, base, strlen(base));
	char *s = mime_text_finish(&raw);
	if (!s)
		return NULL;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		if (!hidden_char(g_utf8_get_char(p)))
			buf_append(&b, p, (size_t)(g_utf8_next_char(p) - p));
	free(s);
	s = mime_text_finish(&b);
	if (!s)
		return NULL;
	char *start = s;
	while (*start == '.' || *start == ' ')
		start++;
	size_t n = strlen(start);
	while (n > 0 && (start[n - 1] == '.' || start[n - 1] == ' '))
		n--;
	start[n] = '\0';
	memmove(s, start, n + 1);
	if (n > FILENAME_BYTES_MAX) {
		const char *ext = strrchr(s, '.');
		size_t extlen = ext ? strlen(ext) : 0;
		if (extlen > EXTENSION_BYTES_MAX)
			extlen = 0;
		size_t keep = FILENAME_BYTES_MAX - extlen;
		while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
			keep--;
		memmove(s + keep, s + n - extlen, extlen + 1);
	}
	return s;
}

/* Fills in everything about a leaf but its size. -1 when out of memory. */
int mime_part_describe(GMimeObject *o, int index, GMimeParserOptions *options,
		       struct mime_attachment *a)
{
	memset(a, 0, sizeof(*a));
	char *sent = mime_part_filename(o, options);
	a->index = index;
	a->content_type = content_type_text(o);
	a->filename = mime_part_safe_filename(sent);
	g_free(sent);
	if (!a->content_type || !a->filename)
		return -1;
	if (!a->filename[0]) {
		free(a->filename);
		if (GMIME_IS_MESSAGE_PART(o)) {
			a->filename = strdup("forwarded-message.eml");
		} else {
			a->filename = malloc(32);
			if (a->filename)
				snprintf(a->filename, 32, "attachment-%d", index);
		}
		if (!a->filename)
			return -1;
	}
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
	a->disposition_inline = d && !g_mime_content_disposition_is_attachment(d);
	const char *cid = g_mime_object_get_content_id(o);
	if (cid) {
		char *c = mime_text_clean_line(cid);
		if (!c)
			return -1;
		c[strcspn(c, "<> ")] = '\0';
		if (c[0]) {
			a->content_id = c;
			a->inline_image = strncmp(a->content_type, "image/", 6) == 0;
		} else {
			free(c);
		}
	}
	return 0;
}

void mime_part_attachment_clear(struct mime_attachment *a)
{
	free(a->filename);
	free(a->content_type);
	free(a->content_id);
	memset(a, 0, sizeof(*a));
}

void mime_part_list_attachment(GMimeObject *o, int index, void *arg)
{
	struct listing *l = arg;
	struct mime_message *m = l->m;
	if (l->failed || index == l->bodies->text_index || index == l->bodies->html_index)
		return;
	if (m->nattachments == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct mime_attachment *grown = realloc(m->attachments, cap * sizeof(*grown));
		if (!grown) {
			l->failed = 1;
			return;
		}
		m->attachments = grown;
		l->cap = cap;
	}
	struct mime_attachment *a = &m->attachments[m->nattachments];
	if (mime_part_describe(o, index, l->options, a) < 0) {
		mime_part_attachment_clear(a);
		l->failed = 1;
		return;
	}
	ssize_t size = mime_part_leaf_size(o, l->format);
	a->size = size > 0 ? (size_t)size : 0;
	if (GMIME_IS_MESSAGE_PART(o))
		m->nested = 1;
	m->nattachments++;
}

/* The first mailbox of a list, looking into groups; NULL when there is none. */
