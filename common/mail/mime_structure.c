/* mime_structure.c - a message's structure as the mail store gives it
 * (mailstore.h's struct mail_structure), read with GMime: its headers, and
 * its leaves numbered as IMAP numbers sections ("1", "2.1"), in the order
 * of mime_part_walk_message so that leaf i + 1 is attachment number i + 1;
 * and one leaf's content by that number. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "mime_private.h"

/* The walk over the leaves with their section numbers. */
struct section_walk {
	void (*fn)(GMimeObject *leaf, const char *section, void *arg);
	void *arg;
};

static void walk(GMimeObject *o, const char *section, int depth, struct section_walk *w)
{
	if (!o || depth > DEPTH_MAX)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++) {
			char child[MAIL_PART_ID_MAX];
			int len = snprintf(child, sizeof(child), "%s%s%d", section,
					   section[0] ? "." : "", i + 1);
			if (len < 0 || (size_t)len >= sizeof(child))
				return; /* deeper than an id can say: never reached (DEPTH_MAX) */
			walk(g_mime_multipart_get_part(mp, i), child, depth + 1, w);
		}
		return;
	}
	w->fn(o, section[0] ? section : "1", w->arg);
}

static void walk_message(GMimeMessage *m, void (*fn)(GMimeObject *, const char *, void *),
			 void *arg)
{
	struct section_walk w = { fn, arg };
	walk(g_mime_message_get_mime_part(m), "", 0, &w);
}

/* Copies src lower-cased into dst (dstlen bytes), "" for NULL. */
static void copy_lower(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < dstlen; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

struct listing_parts {
	struct mail_structure *s;
	struct parsed *p;
	size_t cap;
	int failed;
};

static void list_part(GMimeObject *o, const char *section, void *arg)
{
	struct listing_parts *l = arg;
	struct mail_structure *s = l->s;
	if (l->failed)
		return;
	if (s->nparts == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct mail_part *grown = realloc(s->parts, cap * sizeof(*grown));
		if (!grown) {
			l->failed = 1;
			return;
		}
		s->parts = grown;
		l->cap = cap;
	}
	struct mail_part *part = &s->parts[s->nparts++];
	memset(part, 0, sizeof(*part));
	snprintf(part->id, sizeof(part->id), "%s", section);
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	copy_lower(part->type, sizeof(part->type), type ? type : "application/octet-stream");
	g_free(type);
	const char *charset = g_mime_object_get_content_type_parameter(o, "charset");
	if (charset)
		mime_text_copy_utf8(part->charset, sizeof(part->charset), charset);
	copy_lower(part->disposition, sizeof(part->disposition), g_mime_object_get_disposition(o));
	if (GMIME_IS_PART(o)) {
		GMimeContentEncoding enc = g_mime_part_get_content_encoding(GMIME_PART(o));
		if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
			copy_lower(part->encoding, sizeof(part->encoding),
				   g_mime_content_encoding_to_string(enc));
	}
	char *name = mime_part_filename(o, l->p->options);
	if (name) {
		part->filename = mime_text_clean_line(name);
		g_free(name);
		if (!part->filename)
			l->failed = 1;
	}
	const char *cid = g_mime_object_get_content_id(o);
	if (cid) {
		char *c = mime_text_clean_line(cid);
		if (!c) {
			l->failed = 1;
		} else {
			c[strcspn(c, "<> ")] = '\0';
			if (c[0])
				part->content_id = c;
			else
				free(c);
		}
	}
	ssize_t size = mime_part_leaf_size(o, l->p->format);
	part->size = size > 0 ? (long)size : 0;
}

/* The headers of parsed message p into s; -1 when out of memory. */
static int take_headers(struct mail_structure *s, struct parsed *p)
{
	struct mime_message m = { 0 };
	int rc = mime_parse_headers(&m, p);
	s->from = m.from;
	s->to = m.to;
	s->cc = m.cc;
	s->reply_to = m.reply_to;
	s->from_addr = m.from_addr;
	s->subject = m.subject;
	s->message_id = m.message_id;
	s->references = m.references;
	s->origin = m.origin;
	s->date = m.date;
	return rc;
}

int mime_structure_headers(const char *data, size_t len, struct mail_structure *s,
			   struct err *e)
{
	struct parsed p;
	int rc = mime_parse_open_data(data, len, &p, e);
	if (rc < 0)
		return rc;
	rc = take_headers(s, &p);
	mime_parse_close(&p);
	return rc < 0 ? err_set(e, "out of memory") : 0;
}

int mime_structure_file(const char *path, struct mail_structure **out, struct err *e)
{
	struct parsed p;
	struct stat st;
	*out = NULL;
	int rc = mime_parse_open(path, &p, e);
	if (rc < 0)
		return rc;
	struct mail_structure *s = calloc(1, sizeof(*s));
	struct listing_parts l = { s, &p, 0, 0 };
	if (s && take_headers(s, &p) == 0) {
		walk_message(p.message, list_part, &l);
		if (!l.failed) {
			s->size = stat(path, &st) == 0 ? (long)st.st_size : 0;
			mime_parse_close(&p);
			*out = s;
			return 0;
		}
	}
	mime_parse_close(&p);
	mailstore_structure_free(&s);
	return err_set(e, "%s: out of memory", path);
}

struct find_section {
	const char *section;
	GMimeObject *found; /* borrowed from the message */
};

static void find_section(GMimeObject *o, const char *section, void *arg)
{
	struct find_section *f = arg;
	if (!f->found && strcmp(section, f->section) == 0)
		f->found = o;
}

int mime_structure_part_file(const char *path, const char *part, size_t max, struct buf *out,
			     struct err *e)
{
	struct parsed p;
	struct find_section f = { part, NULL };
	int rc = mime_parse_open(path, &p, e);
	if (rc < 0)
		return rc;
	rc = -1;
	walk_message(p.message, find_section, &f);
	ssize_t size = f.found ? mime_part_leaf_size(f.found, p.format) : -1;
	if (!f.found) {
		err_set(e, "the message has no part %s", part);
		rc = MIME_NO_PART;
	} else if (size < 0) {
		err_set(e, "cannot read part %s of %s", part, path);
	} else if ((size_t)size > max) {
		err_set(e, "part %s of the message is larger than %zu bytes: %zd bytes", part, max,
			size);
		rc = MIME_TOO_LARGE;
	} else {
		GByteArray *bytes = mime_part_leaf_bytes(f.found, p.format);
		if (!bytes) {
			err_set(e, "cannot read part %s of %s", part, path);
		} else {
			rc = bytes->len && buf_append(out, bytes->data, bytes->len) < 0 ? -1 : 0;
			if (rc < 0)
				err_set(e, "part %s of the message is too large for its buffer", part);
			g_byte_array_free(bytes, TRUE);
		}
	}
	mime_parse_close(&p);
	return rc;
}
