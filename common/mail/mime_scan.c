/* mime_scan.c - the pass over a message that decides whether GMime may parse
 * it. It follows the structure the way GMime 3.2's parser does (header blocks
 * end at an empty line or a boundary; a boundary line matches the innermost
 * open multipart first; multipart/digest parts default to message/rfc822), so
 * that the depth it counts is never less than the depth GMime would reach:
 * where it cannot tell (a boundary or Content-Type longer than it keeps),
 * the message is refused rather than guessed about. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime_scan.h"

/* The longest line start kept for boundary checks: more than GMime's own
 * read buffer, so a long line GMime judges by its start is judged the same. */
#define LINE_KEEP 8192
#define CTYPE_MAX 16384 /* one Content-Type header, folded lines included */

struct frame {
	char *boundary; /* "--" and the boundary; NULL: an attached message */
	size_t len;
	int digest; /* multipart/digest: parts without Content-Type are messages */
};

enum scan_state { SCAN_HEADERS, SCAN_CONTENT };

struct mime_scan {
	GMimeParserOptions *options;
	enum scan_state state;
	struct frame frames[MIME_DEPTH_MAX + 1];
	size_t depth;
	size_t parts, header_lines, header_bytes;
	/* The header block being read. */
	struct buf ctype; /* the value of its Content-Type header */
	int nctype;
	int in_ctype; /* the header line before was Content-Type (for folding) */
	int parent_digest;
	/* The line being assembled: its first LINE_KEEP bytes and its length. */
	char line[LINE_KEEP];
	size_t kept, len;
	int failed;
};

static void frames_pop(struct mime_scan *s, size_t depth)
{
	while (s->depth > depth) {
		s->depth--;
		free(s->frames[s->depth].boundary);
		s->frames[s->depth].boundary = NULL;
	}
}

/* Every later call fails too: the scan stopped in the middle of a line. */
static int stop(struct mime_scan *s, int rc)
{
	s->failed = 1;
	return rc;
}

static int push(struct mime_scan *s, const char *boundary, int digest, struct err *e)
{
	if (s->depth == MIME_DEPTH_MAX)
		return stop(s, err_set(e, "its parts are nested more than %d levels deep",
				       MIME_DEPTH_MAX));
	struct frame *f = &s->frames[s->depth];
	f->boundary = NULL;
	f->len = 0;
	f->digest = digest;
	if (boundary) {
		size_t n = strlen(boundary);
		if (n > MIME_BOUNDARY_MAX)
			return stop(s, err_set(e, "a multipart boundary is longer than %d "
					       "characters", MIME_BOUNDARY_MAX));
		if (!(f->boundary = malloc(n + 3)))
			return stop(s, err_set(e, "out of memory"));
		f->boundary[0] = f->boundary[1] = '-';
		memcpy(f->boundary + 2, boundary, n + 1);
		f->len = n + 2;
	}
	s->depth++;
	return 0;
}

static int only_lwsp(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return 0;
	return 1;
}

/* The frame whose boundary the kept line is, innermost first (as GMime
 * checks), and whether it is the closing one; -1 when it is none. */
static long boundary_of(const struct mime_scan *s, int *end)
{
	const char *text = s->line, *stop = s->line + s->kept;
	if (s->kept < 2 || text[0] != '-' || text[1] != '-')
		return -1;
	for (size_t i = s->depth; i-- > 0;) {
		const struct frame *f = &s->frames[i];
		if (!f->boundary || s->kept < f->len || memcmp(text, f->boundary, f->len) != 0)
			continue;
		if (s->kept >= f->len + 2 && text[f->len] == '-' && text[f->len + 1] == '-' &&
		    only_lwsp(text + f->len + 2, stop)) {
			*end = 1;
			return (long)i;
		}
		if (only_lwsp(text + f->len, stop)) {
			*end = 0;
			return (long)i;
		}
	}
	return -1;
}

static void block_reset(struct mime_scan *s, int parent_digest)
{
	s->state = SCAN_HEADERS;
	s->ctype.len = 0;
	if (s->ctype.data)
		s->ctype.data[0] = '\0';
	s->ctype.failed = 0;
	s->nctype = 0;
	s->in_ctype = 0;
	s->parent_digest = parent_digest;
}

static int new_part(struct mime_scan *s, struct err *e)
{
	if (++s->parts > MIME_PARTS_MAX)
		return stop(s, err_set(e, "it has more than %d parts", MIME_PARTS_MAX));
	return 0;
}

static int is_message_subtype(const char *sub)
{
	return strcasecmp(sub, "rfc822") == 0 || strcasecmp(sub, "rfc2822") == 0 ||
	       strcasecmp(sub, "global") == 0 || strcasecmp(sub, "news") == 0;
}

/* The header block ended: at an empty line, or at a boundary (cut_short),
 * after which GMime reads no content of the part. */
static int headers_done(struct mime_scan *s, int cut_short, struct err *e)
{
	int multipart = 0, message = 0, digest = 0;
	char *boundary = NULL;
	if (s->nctype > 1)
		return stop(s, err_set(e, "a part has %d Content-Type headers", s->nctype));
	if (s->nctype == 0) {
		message = s->parent_digest;
	} else {
		GMimeContentType *ct =
			g_mime_content_type_parse(s->options, s->ctype.data ? s->ctype.data : "");
		if (ct) {
			const char *type = g_mime_content_type_get_media_type(ct);
			const char *sub = g_mime_content_type_get_media_subtype(ct);
			const char *b = g_mime_content_type_get_parameter(ct, "boundary");
			multipart = type && strcasecmp(type, "multipart") == 0;
			message = type && sub && strcasecmp(type, "message") == 0 &&
				  is_message_subtype(sub);
			digest = multipart && sub && strcasecmp(sub, "digest") == 0;
			if (multipart && b && !(boundary = strdup(b))) {
				g_object_unref(ct);
				return stop(s, err_set(e, "out of memory"));
			}
			g_object_unref(ct);
		}
	}
	int rc = 0;
	s->state = SCAN_CONTENT;
	if (boundary) {
		rc = push(s, boundary, digest, e);
	} else if (message && !cut_short) {
		/* The attached message's own headers follow. */
		rc = push(s, NULL, 0, e);
		if (rc == 0 && (rc = new_part(s, e)) == 0)
			block_reset(s, 0);
	}
	free(boundary);
	return rc;
}

static int content_line(struct mime_scan *s, struct err *e)
{
	int end;
	long i = boundary_of(s, &end);
	if (i < 0)
		return 0;
	if (end) {
		/* That multipart ends, and all it held; its epilogue follows. */
		frames_pop(s, (size_t)i);
		s->state = SCAN_CONTENT;
		return 0;
	}
	frames_pop(s, (size_t)i + 1);
	if (new_part(s, e) < 0)
		return -1;
	block_reset(s, s->frames[i].digest);
	return 0;
}

static int header_line(struct mime_scan *s, struct err *e)
{
	const char *p = s->line;
	if ((s->kept == 1 && p[0] == '\n') || (s->kept == 2 && p[0] == '\r' && p[1] == '\n'))
		return headers_done(s, 0, e);
	int end;
	if (boundary_of(s, &end) >= 0) {
		if (headers_done(s, 1, e) < 0)
			return -1;
		return content_line(s, e);
	}
	if (++s->header_lines > MIME_HEADER_LINES_MAX)
		return stop(s, err_set(e, "it has more than %d header lines",
				       MIME_HEADER_LINES_MAX));
	s->header_bytes += s->len;
	if (s->header_bytes > MIME_HEADER_BYTES_MAX)
		return stop(s, err_set(e, "its headers take more than %d MiB",
				       MIME_HEADER_BYTES_MAX >> 20));
	if (p[0] == ' ' || p[0] == '\t') {
		if (!s->in_ctype)
			return 0;
	} else {
		const char *colon = memchr(p, ':', s->kept);
		size_t n = colon ? (size_t)(colon - p) : 0;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		s->in_ctype = colon && n == 12 && strncasecmp(p, "Content-Type", 12) == 0;
		if (!s->in_ctype)
			return 0;
		s->nctype++;
		p = colon + 1;
	}
	/* A Content-Type line longer than what is kept cannot be read whole. */
	if (s->kept < s->len || buf_append(&s->ctype, p, s->kept - (size_t)(p - s->line)) < 0)
		return stop(s, err_set(e, "a Content-Type header is longer than %d KiB",
				       CTYPE_MAX >> 10));
	return 0;
}

static int line_done(struct mime_scan *s, struct err *e)
{
	int rc = s->state == SCAN_HEADERS ? header_line(s, e) : content_line(s, e);
	s->kept = s->len = 0;
	return rc;
}

int mime_scan_new(struct mime_scan **out, struct err *e)
{
	const char *fallback[] = { "utf-8", "windows-1252", NULL };
	struct mime_scan *s = calloc(1, sizeof(*s));
	if (!s || !(s->options = g_mime_parser_options_new())) {
		free(s);
		return err_set(e, "out of memory");
	}
	g_mime_parser_options_set_parameter_compliance_mode(s->options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(s->options, fallback);
	buf_init(&s->ctype, CTYPE_MAX);
	/* The message itself is the first part; its headers come first. */
	s->parts = 1;
	block_reset(s, 0);
	*out = s;
	return 0;
}

void mime_scan_free(struct mime_scan **sp)
{
	struct mime_scan *s = sp ? *sp : NULL;
	if (!s)
		return;
	frames_pop(s, 0);
	buf_free(&s->ctype);
	g_mime_parser_options_free(s->options);
	free(s);
	*sp = NULL;
}

int mime_scan_feed(struct mime_scan *s, const void *data, size_t len, struct err *e)
{
	const char *p = data, *end = p + len;
	if (s->failed)
		return err_set(e, "the message is beyond the limits");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		size_t room = LINE_KEEP - s->kept;
		memcpy(s->line + s->kept, p, n < room ? n : room);
		s->kept += n < room ? n : room;
		s->len += n;
		p += n;
		if (nl && line_done(s, e) < 0)
			return -1;
	}
	return 0;
}

int mime_scan_end(struct mime_scan *s, struct err *e)
{
	if (s->failed)
		return err_set(e, "the message is beyond the limits");
	return s->len > 0 ? line_done(s, e) : 0;
}

int mime_scan_buffer(const void *data, size_t len, struct err *e)
{
	struct mime_scan *s;
	if (mime_scan_new(&s, e) < 0)
		return -1;
	int rc = mime_scan_feed(s, data, len, e) < 0 || mime_scan_end(s, e) < 0 ? -1 : 0;
	mime_scan_free(&s);
	return rc;
}
