/* mime.c - what a user sees of a message (headers, text, HTML, attachments),
 * an attachment's bytes, and new messages to send, all with GMime 3.2.
 * GMime objects are not thread-safe: every call makes and frees its own. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime.h"
#include "webmsg/mime_scan.h"

#define DEPTH_MAX MIME_DEPTH_MAX /* deeper nesting is refused before parsing; never followed */
#define FILENAME_BYTES_MAX 200  /* fits every file system once the browser adds its own suffix */
#define EXTENSION_BYTES_MAX 16  /* kept when a long file name is shortened */
#define CHARSET_NAME_MAX 64
/* Text converted to UTF-8 takes at most 3 bytes per byte of the message (U+FFFD). */
#define TEXT_MAX ((size_t)MIME_MESSAGE_MAX * 4)

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Windows-1252 at 0x80-0x9f; U+FFFD where it defines nothing. */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

/* ---- UTF-8 ---- */

static void put_unichar(struct buf *b, gunichar c)
{
	char u[8];
	buf_append(b, u, (size_t)g_unichar_to_utf8(c, u));
}

/* Appends s as valid UTF-8: every invalid byte and every NUL becomes U+FFFD. */
static void put_repaired(struct buf *b, const char *s, size_t len)
{
	const gchar *end;
	while (len > 0 && !b->failed) {
		if (g_utf8_validate(s, (gssize)len, &end)) {
			buf_append(b, s, len);
			return;
		}
		size_t good = (size_t)(end - s);
		buf_append(b, s, good);
		buf_append(b, REPLACEMENT, 3);
		s += good + 1;
		len -= good + 1;
	}
}

/* Appends Windows-1252 (and so ISO-8859-1) bytes as UTF-8. */
static void put_cp1252(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && !b->failed) {
		size_t run = i;
		while (run < len && (unsigned char)s[run] - 1u < 0x7fu) /* 0x01-0x7f */
			run++;
		buf_append(b, s + i, run - i);
		if (run == len)
			break;
		unsigned char c = (unsigned char)s[run];
		if (c == 0)
			buf_append(b, REPLACEMENT, 3);
		else if (c < 0xa0)
			put_unichar(b, cp1252_c1[c - 0x80]);
		else
			put_unichar(b, c);
		i = run + 1;
	}
}

/* Appends text in a charset iconv knows; undecodable bytes become U+FFFD. */
static void put_iconv(struct buf *b, iconv_t cd, const char *s, size_t len)
{
	char out[4096], *in = (char *)s, *o;
	size_t inleft = len, oleft;
	while (inleft > 0 && !b->failed) {
		o = out;
		oleft = sizeof(out);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int saved = errno;
		put_repaired(b, out, sizeof(out) - oleft);
		if (r != (size_t)-1 || saved == E2BIG)
			continue;
		buf_append(b, REPLACEMENT, 3);
		if (saved == EINVAL) /* a sequence cut short by the end of the text */
			break;
		in++;
		inleft--;
	}
	o = out;
	oleft = sizeof(out);
	iconv(cd, NULL, NULL, &o, &oleft);
	put_repaired(b, out, sizeof(out) - oleft);
}

static int name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (g_ascii_strcasecmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const utf8_names[] = { "utf-8", "utf8", NULL };
/* names that say no more than "ASCII, perhaps" */
static const char *const vague_names[] = { "us-ascii", "ascii", "ansi_x3.4-1968", "us",
					   "iso646-us", "x-unknown", "unknown-8bit", NULL };
static const char *const western_names[] = { "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
					     "l1", "cp819", "cp1252", "windows-1252", NULL };

/* Appends text declared in charset (or NULL) as UTF-8. Undeclared, ASCII and
 * unknown charsets are read as UTF-8 when the bytes are valid UTF-8 and as
 * Windows-1252 otherwise. ISO-8859-1 is read as Windows-1252, as browsers do,
 * because senders label one as the other. */
static void put_text(struct buf *b, const char *s, size_t len, const char *charset)
{
	const char *name = NULL;
	iconv_t cd = (iconv_t)-1;
	if (charset && *charset && strlen(charset) <= CHARSET_NAME_MAX &&
	    strspn(charset, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+()")
		    == strlen(charset))
		name = g_mime_charset_iconv_name(charset);
	if (name && name_in(name, utf8_names)) {
		put_repaired(b, s, len);
		return;
	}
	if (name && name_in(name, western_names)) {
		put_cp1252(b, s, len);
		return;
	}
	/* iconv_open itself, not g_mime_iconv_open: GMime quietly swaps an
	 * unknown charset for the locale's. */
	if (name && !name_in(name, vague_names))
		cd = iconv_open("UTF-8", name);
	if (cd != (iconv_t)-1) {
		put_iconv(b, cd, s, len);
		iconv_close(cd);
	} else if (g_utf8_validate(s, (gssize)len, NULL)) {
		buf_append(b, s, len);
	} else {
		put_cp1252(b, s, len);
	}
}

/* Removes the CR of every CRLF, in place. */
static void drop_cr(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
}

/* The buffer's text for the caller to free(), or NULL when it failed. */
static char *finish(struct buf *b)
{
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	return buf_steal(b, NULL);
}

/* A header's decoded text made fit to show: valid UTF-8, on one line, trimmed. */
static char *clean_line(const char *s)
{
	struct buf b;
	buf_init(&b, TEXT_MAX);
	if (s)
		put_repaired(&b, s, strlen(s));
	char *t = finish(&b);
	if (!t)
		return NULL;
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(t);
	return t;
}

/* Copies a UTF-8 string into dst, shortened at a character boundary. */
static void copy_utf8(char *dst, size_t dstlen, const char *src)
{
	if (!dst || dstlen == 0)
		return;
	size_t n = strlen(src);
	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- HTML ---- */

/* HTML's Latin-1 entities, U+00A0 to U+00FF in order. */
static const char latin1_entities[] =
	" nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg"
	" plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34"
	" iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml"
	" Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash"
	" Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring"
	" aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve"
	" oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml ";

struct entity {
	const char *name;
	gunichar c;
};

static const struct entity entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "sbquo", 0x201a }, { "ldquo", 0x201c }, { "rdquo", 0x201d }, { "bdquo", 0x201e },
	{ "bull", 0x2022 }, { "hellip", 0x2026 }, { "euro", 0x20ac }, { "trade", 0x2122 },
	{ "zwnj", 0x200c }, { "zwj", 0x200d }, { "thinsp", 0x2009 }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 },
};

/* Decodes the character reference at s (on '&'): returns the bytes it
 * takes, 0 when it is not one we know. */
static size_t entity_decode(const char *s, gunichar *c)
{
	if (s[1] == '#') {
		const char *p = s + 2;
		int hex = (*p == 'x' || *p == 'X');
		unsigned long v = 0;
		size_t digits = 0;
		if (hex)
			p++;
		for (; hex ? g_ascii_isxdigit(*p) : g_ascii_isdigit(*p); p++, digits++)
			if (v <= 0x10ffff) /* stays bounded whatever the digits */
				v = v * (hex ? 16 : 10) +
				    (unsigned long)(hex ? g_ascii_xdigit_value(*p) : *p - '0');
		if (digits == 0)
			return 0;
		if (*p == ';')
			p++;
		if (v >= 0x80 && v < 0xa0)
			v = cp1252_c1[v - 0x80]; /* what browsers do with these */
		else if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
			 (v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7f)
			v = 0xfffd;
		*c = (gunichar)v;
		return (size_t)(p - s);
	}
	size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	if (n == 0 || n > 8 || s[1 + n] != ';')
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(entities); i++) {
		if (strlen(entities[i].name) == n && strncmp(s + 1, entities[i].name, n) == 0) {
			*c = entities[i].c;
			return n + 2;
		}
	}
	char key[12];
	snprintf(key, sizeof(key), " %.*s ", (int)n, s + 1);
	const char *at = strstr(latin1_entities, key);
	if (!at)
		return 0;
	gunichar code = 0xa0; /* plus one for each name before this one */
	for (const char *p = latin1_entities + 1; p <= at; p++)
		code += *p == ' ';
	*c = code;
	return n + 2;
}

/* The plain text being made from HTML: whitespace collapses as a browser
 * collapses it, block elements start new lines. */
struct text_out {
	struct buf *b;
	int newlines; /* newlines the text ends with; 2 at the start so none lead */
	int space;    /* whitespace seen since the last text */
	int pre;      /* within <pre>: whitespace is kept */
};

static void out_break(struct text_out *t, int want)
{
	while (t->newlines < want) {
		buf_append(t->b, "\n", 1);
		t->newlines++;
	}
	t->space = 0;
}

static void out_text(struct text_out *t, const char *s, size_t n)
{
	if (t->space && t->newlines == 0)
		buf_append(t->b, " ", 1);
	t->space = 0;
	buf_append(t->b, s, n);
	t->newlines = 0;
}

static int is_html_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void out_space(struct text_out *t, char c)
{
	if (!t->pre) {
		t->space = 1;
	} else if (c == '\n') {
		buf_append(t->b, "\n", 1);
		t->newlines++;
	} else if (c != '\r') {
		out_text(t, " ", 1);
	}
}

/* After the tag that starts at p (on '<'): quotes count only in attribute values. */
static const char *skip_tag(const char *p)
{
	char quote = 0, prev = 0;
	for (p++; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if ((*p == '"' || *p == '\'') && prev == '=') {
			quote = *p;
		} else if (*p == '>') {
			return p + 1;
		}
		if (!is_html_space(*p))
			prev = *p;
	}
	return p;
}

/* The first "</name" at or after p, case-insensitive, or NULL. */
static const char *find_end_tag(const char *p, const char *name)
{
	size_t n = strlen(name);
	for (; (p = strchr(p, '<')) != NULL; p++)
		if (p[1] == '/' && g_ascii_strncasecmp(p + 2, name, n) == 0 &&
		    !g_ascii_isalnum(p[2 + n]))
			return p;
	return NULL;
}

static void tag_effect(struct text_out *t, const char *name, int closing)
{
	static const char *const paragraphs[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6",
						  "blockquote", "table", "ul", "ol", "pre", NULL };
	static const char *const lines[] = { "div", "tr", "dd", "dt", "dl", "section",
					     "article", "header", "footer", "address", "hr",
					     "form", "center", NULL };
	if (strcmp(name, "br") == 0) {
		if (t->newlines < 2) {
			buf_append(t->b, "\n", 1);
			t->newlines++;
		}
		t->space = 0;
	} else if (strcmp(name, "li") == 0) {
		out_break(t, 1);
		if (!closing) {
			out_text(t, "-", 1);
			t->space = 1;
		}
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		t->space = 1;
	} else if (name_in(name, paragraphs)) {
		out_break(t, 2);
	} else if (name_in(name, lines)) {
		out_break(t, 1);
	}
	if (strcmp(name, "pre") == 0)
		t->pre = closing ? 0 : 1;
}

/* The text of an HTML document: no tags, no script or style, entities decoded. */
static void html_to_text(const char *h, struct buf *b)
{
	static const char *const hidden[] = { "script", "style", "title", "template", NULL };
	struct text_out t = { b, 2, 0, 0 };
	const char *p = h;
	while (*p && !b->failed) {
		if (*p == '<') {
			if (strncmp(p, "<!--", 4) == 0) {
				const char *end = strstr(p + 4, "-->");
				p = end ? end + 3 : p + strlen(p);
				continue;
			}
			int closing = p[1] == '/';
			const char *n = p + 1 + closing;
			if (!g_ascii_isalpha(*n) && *n != '!' && *n != '?') {
				out_text(&t, "<", 1); /* "a < b" */
				p++;
				continue;
			}
			char name[16];
			size_t len = 0;
			while (g_ascii_isalnum(n[len]) && len < sizeof(name) - 1) {
				name[len] = g_ascii_tolower(n[len]);
				len++;
			}
			name[len] = '\0';
			p = skip_tag(p);
			tag_effect(&t, name, closing);
			if (!closing && name_in(name, hidden)) {
				const char *end = find_end_tag(p, name);
				p = end ? skip_tag(end) : p + strlen(p);
			}
		} else if (*p == '&') {
			gunichar c;
			size_t n = entity_decode(p, &c);
			if (n == 0) {
				out_text(&t, "&", 1);
				p++;
				continue;
			}
			p += n;
			if (c < 0x80 && is_html_space((char)c)) {
				out_space(&t, (char)c);
			} else if (c == 0xa0) { /* &nbsp;: a space that does not collapse */
				out_text(&t, " ", 1);
			} else {
				char u[8];
				out_text(&t, u, (size_t)g_unichar_to_utf8(c, u));
			}
		} else if (is_html_space(*p)) {
			out_space(&t, *p);
			p++;
		} else {
			size_t n = strcspn(p, "<& \t\n\r\f");
			out_text(&t, p, n);
			p += n;
		}
	}
	while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
}

/* Whether the value at p (after "src=", "url(", ...) is a remote address. */
static int remote_value(const char *p)
{
	while (is_html_space(*p) || *p == '"' || *p == '\'')
		p++;
	return g_ascii_strncasecmp(p, "http:", 5) == 0 ||
	       g_ascii_strncasecmp(p, "https:", 6) == 0 ||
	       ((p[0] == '/' || p[0] == '\\') && (p[1] == '/' || p[1] == '\\')) ||
	       strncmp(p, "&#", 2) == 0; /* an entity-encoded address hides its scheme */
}

/* Whether the HTML would load something from elsewhere when shown: images,
 * backgrounds, styles. A simple scan that errs towards saying yes. */
static int html_refers_remote(const char *h)
{
	static const char *const attributes[] = { "srcset", "src", "background", "poster", NULL };
	for (const char *p = h; *p; p++) {
		const char *v = NULL;
		if (g_ascii_strncasecmp(p, "url(", 4) == 0) {
			v = p + 4;
		} else if (g_ascii_strncasecmp(p, "@import", 7) == 0) {
			v = p + 7;
		} else {
			for (const char *const *a = attributes; *a && !v; a++) {
				size_t n = strlen(*a);
				if (g_ascii_strncasecmp(p, *a, n) != 0)
					continue;
				const char *q = p + n;
				while (is_html_space(*q))
					q++;
				if (*q == '=')
					v = q + 1;
			}
		}
		if (v && remote_value(v))
			return 1;
	}
	return 0;
}

/* ---- Encoded words ---- */

/* GMime 3.2.13 (Debian 12) loses the text of base64 encoded-words that
 * follow a padded one: "=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=" decodes
 * as "Hello" (GMime issue 133, fixed in a later release). Mailers split long
 * subjects and names like that. The same bytes as Q encoded-words decode
 * right, also when a character is split between two words, so such words are
 * rewritten before GMime decodes them. Returns NULL when there are none. */
static char *b_words_as_q(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char base64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	struct buf b;
	const char *copied = s, *p = s;
	buf_init(&b, TEXT_MAX);
	while ((p = strstr(p, "=?")) != NULL) {
		const char *cs = p + 2;
		size_t cslen = strcspn(cs, "? \t\r\n\""), len = 0;
		const char *q = cs + cslen, *data = q + 3;
		if (cslen == 0 || q[0] != '?' || (q[1] != 'b' && q[1] != 'B') || q[2] != '?' ||
		    strncmp(data + (len = strspn(data, base64)), "?=", 2) != 0) {
			p += 2;
			continue;
		}
		/* the characters before any padding, padded again as base64 wants */
		size_t bits = strcspn(data, "=");
		if (bits > len)
			bits = len;
		if (bits % 4 == 1)
			bits--;
		GString *b64 = g_string_new_len(data, (gssize)bits);
		while (b64->len % 4 != 0)
			g_string_append_c(b64, '=');
		gsize n = 0;
		guchar *bytes = b64->len ? g_base64_decode(b64->str, &n) : NULL;
		g_string_free(b64, TRUE);
		buf_append(&b, copied, (size_t)(p - copied));
		buf_puts(&b, "=?");
		buf_append(&b, cs, cslen);
		buf_puts(&b, "?Q?");
		for (gsize i = 0; i < n; i++) {
			if (g_ascii_isalnum(bytes[i])) {
				buf_append(&b, &bytes[i], 1);
			} else {
				char esc[3] = { '=', hex[bytes[i] >> 4], hex[bytes[i] & 15] };
				buf_append(&b, esc, 3);
			}
		}
		buf_puts(&b, "?=");
		g_free(bytes);
		copied = p = data + len + 2;
	}
	if (copied == s) {
		buf_free(&b);
		return NULL;
	}
	buf_puts(&b, copied);
	return finish(&b);
}

/* The raw (undecoded, folded) value of o's first header called name, or NULL. */
static const char *raw_header(GMimeObject *o, const char *name)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(o);
	GMimeHeader *h = list ? g_mime_header_list_get_header(list, name) : NULL;
	return h ? g_mime_header_get_raw_value(h) : NULL;
}

/* ---- Reading messages ---- */

static GMimeParserOptions *parser_options_new(void)
{
	const char *fallback[] = { "utf-8", "windows-1252", NULL };
	GMimeParserOptions *o = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(o, fallback);
	return o;
}

/* A parsed message and what it was parsed and is formatted with. The options
 * live as long as the message: its headers decode with them. */
struct parsed {
	GMimeParserOptions *options;
	GMimeFormatOptions *format;
	GMimeMessage *message;
};

static void parsed_close(struct parsed *p)
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

static int parsed_open(const char *path, struct parsed *p, struct err *e)
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
	p->options = parser_options_new();
	p->message = g_mime_parser_construct_message(parser, p->options);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!p->message) {
		parsed_close(p);
		return err_set(e, "%s is not a mail message", path);
	}
	p->format = g_mime_format_options_new();
	return 0;
}

/* Calls fn for every leaf part (anything not a multipart) in depth-first
 * order with its index, counted from 1: the numbering of attachments. */
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

static void walk_message(GMimeMessage *m, void (*fn)(GMimeObject *, int, void *), void *arg)
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
 * again when GMime's decoding would lose text (see b_words_as_q). */
static char *param_decoded(GMimeObject *o, GMimeParserOptions *options, const char *header,
			   const char *param)
{
	const char *raw = raw_header(o, header);
	char *fixed = raw ? b_words_as_q(raw) : NULL, *value = NULL;
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
static char *leaf_filename(GMimeObject *o, GMimeParserOptions *options)
{
	char *f = param_decoded(o, options, "Content-Disposition", "filename");
	return f ? f : param_decoded(o, options, "Content-Type", "name");
}

/* The parts shown as the message: the first plain text and the first HTML
 * that are neither marked as attachments nor named like files. */
struct bodies {
	GMimeObject *text, *html;
	int text_index, html_index;
};

static void choose_body(GMimeObject *o, int index, void *arg)
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

static ssize_t leaf_size(GMimeObject *o, GMimeFormatOptions *format)
{
	GMimeStream *null = g_mime_stream_null_new();
	ssize_t rc = write_leaf(o, format, null);
	if (rc >= 0)
		rc = (ssize_t)GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return rc;
}

/* The content of a leaf, decoded, for g_byte_array_free(); NULL when unreadable. */
static GByteArray *leaf_bytes(GMimeObject *o, GMimeFormatOptions *format)
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
static char *leaf_text(GMimeObject *o, GMimeFormatOptions *format)
{
	struct buf b;
	GByteArray *a = leaf_bytes(o, format);
	buf_init(&b, TEXT_MAX);
	if (a && a->len > 0) /* an empty GByteArray has no data at all */
		put_text(&b, (const char *)a->data, a->len,
			 g_mime_object_get_content_type_parameter(o, "charset"));
	if (a)
		g_byte_array_free(a, TRUE);
	char *t = finish(&b);
	if (t)
		drop_cr(t);
	return t;
}

static int is_token(const char *s)
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
	if (!is_token(type) || !is_token(sub))
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
static char *safe_filename(const char *name)
{
	struct buf raw, b;
	const char *base = name ? name : "";
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	buf_init(&raw, TEXT_MAX);
	buf_init(&b, TEXT_MAX);
	put_repaired(&raw, base, strlen(base));
	char *s = finish(&raw);
	if (!s)
		return NULL;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		if (!hidden_char(g_utf8_get_char(p)))
			buf_append(&b, p, (size_t)(g_utf8_next_char(p) - p));
	free(s);
	s = finish(&b);
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
static int describe_leaf(GMimeObject *o, int index, GMimeParserOptions *options,
			 struct mime_attachment *a)
{
	memset(a, 0, sizeof(*a));
	char *sent = leaf_filename(o, options);
	a->index = index;
	a->content_type = content_type_text(o);
	a->filename = safe_filename(sent);
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
	const char *cid = g_mime_object_get_content_id(o);
	if (cid) {
		char *c = clean_line(cid);
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

static void attachment_clear(struct mime_attachment *a)
{
	free(a->filename);
	free(a->content_type);
	free(a->content_id);
	memset(a, 0, sizeof(*a));
}

struct listing {
	struct mime_message *m;
	const struct bodies *bodies;
	GMimeParserOptions *options;
	GMimeFormatOptions *format;
	size_t cap;
	int failed;
};

static void list_attachment(GMimeObject *o, int index, void *arg)
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
	if (describe_leaf(o, index, l->options, a) < 0) {
		attachment_clear(a);
		l->failed = 1;
		return;
	}
	ssize_t size = leaf_size(o, l->format);
	a->size = size > 0 ? (size_t)size : 0;
	if (GMIME_IS_MESSAGE_PART(o))
		m->nested = 1;
	m->nattachments++;
}

/* The first mailbox of a list, looking into groups; NULL when there is none. */
static InternetAddressMailbox *first_mailbox(InternetAddressList *l, int depth)
{
	int n = l && depth < 2 ? internet_address_list_length(l) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		InternetAddressMailbox *mb = first_mailbox(
			internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1);
		if (mb)
			return mb;
	}
	return NULL;
}

/* The addresses of a message header, as GMime parsed them unless its
 * encoded-words need rewriting (see b_words_as_q). A new reference. */
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
		char *fixed = b_words_as_q(raw);
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
		return clean_line("");
	char *s = internet_address_list_to_string(l, format, FALSE);
	char *t = clean_line(s);
	g_free(s);
	return t;
}

/* A message ID fit for a header: printable ASCII, no <>, no space. */
static int is_message_id(const char *id)
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
		if (is_message_id(id))
			buf_printf(&b, "%s<%s>", b.len ? " " : "", id);
	}
	if (refs)
		g_mime_references_free(refs);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return finish(&b);
}

static int fill_headers(struct mime_message *m, struct parsed *p)
{
	GMimeMessage *msg = p->message;
	InternetAddressList *l = address_header(p, "From", g_mime_message_get_from(msg));
	InternetAddressMailbox *first = first_mailbox(l, 0);
	m->from = addresses_text(l, p->format);
	m->from_addr = clean_line(first ? internet_address_mailbox_get_addr(first) : NULL);
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
	const char *raw = raw_header(GMIME_OBJECT(msg), "Subject");
	char *fixed = raw ? b_words_as_q(raw) : NULL;
	if (fixed) {
		char *unfolded = g_mime_utils_header_unfold(fixed);
		char *decoded = g_mime_utils_header_decode_text(p->options, unfolded);
		m->subject = clean_line(decoded);
		g_free(decoded);
		g_free(unfolded);
		free(fixed);
	} else {
		m->subject = clean_line(g_mime_message_get_subject(msg));
	}
	if (!m->from || !m->to || !m->cc || !m->reply_to || !m->from_addr || !m->subject)
		return -1;
	const char *id = g_mime_message_get_message_id(msg);
	if (is_message_id(id) && !(m->message_id = strdup(id)))
		return -1;
	m->references = references_text(GMIME_OBJECT(msg), p->options);
	GDateTime *date = g_mime_message_get_date(msg); /* borrowed */
	m->date = date ? (time_t)g_date_time_to_unix(date) : 0;
	return 0;
}

static int fill_bodies(struct mime_message *m, struct parsed *p)
{
	struct bodies bodies = { NULL, NULL, 0, 0 };
	walk_message(p->message, choose_body, &bodies);
	if (bodies.text && !(m->text = leaf_text(bodies.text, p->format)))
		return -1;
	if (bodies.html) {
		if (!(m->html = leaf_text(bodies.html, p->format)))
			return -1;
		m->html_remote = html_refers_remote(m->html);
		if (m->text && m->text[strspn(m->text, " \t\n")] == '\0') {
			/* some mailers send an empty plain text beside the HTML */
			free(m->text);
			m->text = NULL;
		}
		if (!m->text) {
			struct buf b;
			buf_init(&b, TEXT_MAX);
			html_to_text(m->html, &b);
			if (!(m->text = finish(&b)))
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
			put_text(&b, prologue, strlen(prologue), NULL);
		if (!(m->text = finish(&b)))
			return -1;
		drop_cr(m->text);
	}
	if (!m->text && !(m->text = strdup("")))
		return -1;
	struct listing l = { m, &bodies, p->options, p->format, 0, 0 };
	walk_message(p->message, list_attachment, &l);
	return l.failed ? -1 : 0;
}

int mime_parse_file(const char *path, struct mime_message **out, struct err *e)
{
	struct parsed p;
	*out = NULL;
	int opened = parsed_open(path, &p, e);
	if (opened < 0)
		return opened;
	struct mime_message *m = calloc(1, sizeof(*m));
	int rc = m ? fill_headers(m, &p) : -1;
	if (rc == 0)
		rc = fill_bodies(m, &p);
	parsed_close(&p);
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
	free(m->text);
	free(m->html);
	for (size_t i = 0; i < m->nattachments; i++)
		attachment_clear(&m->attachments[i]);
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
	int rc = parsed_open(path, &p, e);
	if (rc < 0)
		return rc;
	rc = -1;
	walk_message(p.message, find_leaf, &f);
	if (!f.found) {
		err_set(e, "%s has no attachment number %d", path, index);
		goto out;
	}
	size_t room = out->max > out->len ? out->max - out->len : 0;
	ssize_t size = leaf_size(f.found, p.format);
	if (size < 0) {
		err_set(e, "cannot read attachment %d of %s", index, path);
		goto out;
	}
	if ((size_t)size > room) {
		err_set(e, "attachment %d of %s is too large: %zd bytes, at most %zu", index, path,
			size, room);
		goto out;
	}
	GByteArray *bytes = leaf_bytes(f.found, p.format);
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
	if (describe_leaf(f.found, index, p.options, &a) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	copy_utf8(content_type, ctlen, a.content_type);
	copy_utf8(filename, fnlen, a.filename);
	rc = 0;
out:
	attachment_clear(&a);
	parsed_close(&p);
	return rc;
}

/* ---- Addresses ---- */

static int mailbox_ok(InternetAddressMailbox *mb)
{
	const char *addr = internet_address_mailbox_get_addr(mb);
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1])
		return 0;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Whether every mailbox of a list (and of its groups) has a full address. */
static int list_ok(InternetAddressList *l, int depth)
{
	int n = internet_address_list_length(l);
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			if (!mailbox_ok(INTERNET_ADDRESS_MAILBOX(a)))
				return 0;
		} else if (depth > 0 ||
			   !list_ok(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
				    depth + 1)) {
			return 0;
		}
	}
	return 1;
}

struct list_parse {
	GMimeParserOptions *options;
	InternetAddressList *into;
	struct err *e;
};

/* Parses one address (or group) as typed into the list. */
static int parse_one(const char *one, struct list_parse *lp)
{
	InternetAddressList *l = internet_address_list_parse(lp->options, one);
	if (!l || internet_address_list_length(l) == 0 || !list_ok(l, 0)) {
		if (l)
			g_object_unref(l);
		return err_set(lp->e, "'%s' is not an e-mail address", one);
	}
	internet_address_list_append(lp->into, l);
	g_object_unref(l);
	return 0;
}

/* Parses a list as typed, one address at a time: GMime skips what it cannot
 * parse within a list, and a recipient must never be dropped silently. The
 * list is split at the commas and semicolons that separate addresses, not
 * those within quotes, <>, comments or a group ("Team: a@x.org, b@y.org;"). */
static int split_list(const char *typed, struct list_parse *lp)
{
	const char *start = typed;
	int quote = 0, angle = 0, comment = 0, group = 0;
	for (const char *p = start;; p++) {
		char ch = *p;
		int cut = 0;
		if (ch == '\0') {
			cut = 1;
		} else if (quote || comment) {
			if (ch == '\\' && p[1])
				p++;
			else if (quote && ch == '"')
				quote = 0;
			else if (comment && ch == '(')
				comment++;
			else if (comment && ch == ')')
				comment--;
		} else if (ch == '"') {
			quote = 1;
		} else if (ch == '(') {
			comment = 1;
		} else if (ch == '<') {
			angle = 1;
		} else if (ch == '>') {
			angle = 0;
		} else if (angle) {
			continue;
		} else if (ch == ':') {
			group = 1;
		} else if (ch == ';') {
			cut = group ? 2 : 1; /* 2: the ';' ends a group and belongs to it */
			group = 0;
		} else if (ch == ',' && !group) {
			cut = 1;
		}
		if (!cut)
			continue;
		const char *end = cut == 2 ? p + 1 : p;
		while (start < end && g_ascii_isspace(*start))
			start++;
		while (end > start && g_ascii_isspace(end[-1]))
			end--;
		if (end > start) {
			char *one = g_strndup(start, (gsize)(end - start));
			int rc = parse_one(one, lp);
			g_free(one);
			if (rc < 0)
				return -1;
		}
		if (ch == '\0')
			return 0;
		start = p + 1;
	}
}

/* Parses a list as the user typed it (or NULL) into lp->into. */
static int parse_list(const char *list, struct list_parse *lp)
{
	/* line breaks typed or pasted into a field are spaces, never new headers */
	char *typed = clean_line(list);
	if (!typed)
		return err_set(lp->e, "out of memory");
	int rc = split_list(typed, lp);
	free(typed);
	return rc;
}

static int each_mailbox(InternetAddressList *l, void (*fn)(const char *, void *), void *arg)
{
	int n = internet_address_list_length(l), count = 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			count += each_mailbox(internet_address_group_get_members(
						      INTERNET_ADDRESS_GROUP(a)),
					      fn, arg);
			continue;
		}
		if (fn)
			fn(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), arg);
		count++;
	}
	return count;
}

int mime_addresses(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		   struct err *e)
{
	struct list_parse lp = { parser_options_new(), internet_address_list_new(), e };
	int rc = parse_list(list, &lp);
	if (rc == 0)
		rc = each_mailbox(lp.into, fn, arg);
	g_object_unref(lp.into);
	g_mime_parser_options_free(lp.options);
	return rc;
}

/* ---- Writing messages ---- */

/* Text typed by the user, valid UTF-8 with LF line ends and a final LF. */
static char *body_text(const char *s)
{
	struct buf raw, b;
	buf_init(&raw, TEXT_MAX);
	buf_init(&b, TEXT_MAX);
	put_repaired(&raw, s ? s : "", s ? strlen(s) : 0);
	char *t = finish(&raw);
	if (!t)
		return NULL;
	for (const char *p = t; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		buf_append(&b, *p == '\r' ? "\n" : p, 1);
	}
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_append(&b, "\n", 1);
	free(t);
	return finish(&b);
}

/* "<a@x> <b@y>" from message IDs as the caller has them, with or without <>,
 * separated by spaces or commas; IDs that could break the header are left out. */
static char *message_ids(const char *s)
{
	struct buf b;
	buf_init(&b, TEXT_MAX);
	char **tokens = g_strsplit_set(s, " \t\r\n,<>", -1);
	for (char **t = tokens; *t; t++)
		if (is_message_id(*t))
			buf_printf(&b, "%s<%s>", b.len ? " " : "", *t);
	g_strfreev(tokens);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return finish(&b);
}

static int add_addresses(GMimeParserOptions *o, const char *typed, InternetAddressList *into,
			 const char *header, struct err *e)
{
	struct list_parse lp = { o, into, e };
	if (parse_list(typed, &lp) < 0)
		return err_prefix(e, "%s", header);
	return 0;
}

static GMimeObject *text_part(const char *body)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	GMimeDataWrapper *w =
		g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	/* not g_mime_text_part_set_text: it labels Latin-1-only text iso-8859-1 */
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content(GMIME_PART(tp), w);
	g_mime_part_set_content_encoding(GMIME_PART(tp),
		g_mime_part_get_best_content_encoding(GMIME_PART(tp),
						      GMIME_ENCODING_CONSTRAINT_7BIT));
	g_object_unref(w);
	g_object_unref(s);
	return GMIME_OBJECT(tp);
}

/* Whether serialised MIME is what SMTP wants: 7-bit, no NUL, lines of at
 * most 998 bytes. */
static int smtp_safe(const GByteArray *a)
{
	size_t line = 0;
	for (guint i = 0; i < a->len; i++) {
		unsigned char c = a->data[i];
		if (c == 0 || c >= 0x80)
			return 0;
		line = c == '\n' ? 0 : line + 1;
		if (line > 998)
			return 0;
	}
	return 1;
}

/* A message forwarded as message/rfc822, so that it opens as a message. Its
 * parts are re-encoded for 7-bit transport; NULL when the data is not a
 * message, is beyond the limits of mime_scan.h or still not 7-bit (raw 8-bit
 * headers): it then goes as a file. */
static GMimeObject *forwarded_part(const struct mime_upload *u, GMimeParserOptions *o,
				   const char *filename)
{
	struct err ignored;
	if (mime_scan_buffer(u->data, u->len, &ignored) < 0)
		return NULL;
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(u->data, u->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *inner = g_mime_parser_construct_message(parser, o);
	g_object_unref(parser);
	g_object_unref(s);
	if (!inner)
		return NULL;
	g_mime_object_encode(GMIME_OBJECT(inner), GMIME_ENCODING_CONSTRAINT_7BIT);
	GMimeStream *mem = g_mime_stream_mem_new();
	ssize_t written = g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	int safe = written >= 0 && smtp_safe(bytes);
	g_object_unref(mem);
	if (!safe) {
		g_object_unref(inner);
		return NULL;
	}
	GMimeMessagePart *part = g_mime_message_part_new_with_message("rfc822", inner);
	g_object_unref(inner);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_object_set_content_disposition_parameter(GMIME_OBJECT(part), "filename", filename);
	return GMIME_OBJECT(part);
}

/* An uploaded file as a base64 part. A message/rfc822 upload goes as an
 * attached message when it can; other composite types (message/, multipart/)
 * cannot be base64-encoded, so they go as application/octet-stream. */
static GMimeObject *upload_part(const struct mime_upload *u, size_t n, GMimeParserOptions *o)
{
	char type[65] = "application", sub[65] = "octet-stream";
	const char *ct = u->content_type ? u->content_type : "";
	size_t tlen = strcspn(ct, "/"), slen = ct[tlen] ? strcspn(ct + tlen + 1, "; \t") : 0;
	if (tlen > 0 && tlen < sizeof(type) && slen > 0 && slen < sizeof(sub)) {
		char t[65], s[65];
		memcpy(t, ct, tlen);
		t[tlen] = '\0';
		memcpy(s, ct + tlen + 1, slen);
		s[slen] = '\0';
		if (is_token(t) && is_token(s) && g_ascii_strcasecmp(t, "message") != 0 &&
		    g_ascii_strcasecmp(t, "multipart") != 0) {
			for (size_t i = 0; i <= tlen; i++)
				type[i] = g_ascii_tolower(t[i]);
			for (size_t i = 0; i <= slen; i++)
				sub[i] = g_ascii_tolower(s[i]);
		}
	}
	char *name = safe_filename(u->filename), fallback[32];
	snprintf(fallback, sizeof(fallback), "attachment-%zu", n);
	const char *filename = name && name[0] ? name : fallback;
	GMimeObject *forwarded = NULL;
	if (u->content_type && g_ascii_strncasecmp(u->content_type, "message/rfc822", 14) == 0 &&
	    u->data && u->len > 0)
		forwarded = forwarded_part(u, o, filename);
	if (forwarded) {
		free(name);
		return forwarded;
	}
	GMimePart *part = g_mime_part_new_with_type(type, sub);
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(u->data ? u->data : "",
							   u->data ? u->len : 0);
	GMimeDataWrapper *w =
		g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(s);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, filename);
	free(name);
	return GMIME_OBJECT(part);
}

int mime_build(const struct mime_compose *c, const char *domain, struct buf *out,
	       char *message_id, size_t idlen, struct err *e)
{
	GMimeParserOptions *o = parser_options_new();
	GMimeFormatOptions *format = g_mime_format_options_new();
	GMimeMessage *msg = g_mime_message_new(TRUE);
	InternetAddressList *bcc = internet_address_list_new();
	char *subject = NULL, *body = NULL, *ids = NULL, *id = NULL;
	int rc = -1;

	if (add_addresses(o, c->from, g_mime_message_get_from(msg), "From", e) < 0 ||
	    add_addresses(o, c->to, g_mime_message_get_to(msg), "To", e) < 0 ||
	    add_addresses(o, c->cc, g_mime_message_get_cc(msg), "Cc", e) < 0 ||
	    add_addresses(o, c->bcc, bcc, "Bcc", e) < 0) /* checked, never written */
		goto out;
	InternetAddressMailbox *sender = first_mailbox(g_mime_message_get_from(msg), 0);
	if (!sender) {
		err_set(e, "the message has no sender address");
		goto out;
	}
	if (!domain || !*domain) /* the Message-ID's right side: the sender's domain */
		domain = strrchr(internet_address_mailbox_get_addr(sender), '@') + 1;
	if (!(subject = clean_line(c->subject)) || !(body = body_text(c->body))) {
		err_set(e, "out of memory");
		goto out;
	}
	if (subject[0])
		g_mime_message_set_subject(msg, subject, "utf-8");
	GDateTime *now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	id = g_mime_utils_generate_message_id(domain);
	if (!is_message_id(id) || strlen(id) >= idlen) {
		err_set(e, "cannot make a Message-ID for domain '%s'", domain);
		goto out;
	}
	g_mime_message_set_message_id(msg, id);
	if (c->in_reply_to && (ids = message_ids(c->in_reply_to))) {
		ids[strcspn(ids, " ")] = '\0'; /* a reply answers one message */
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", ids, NULL);
		free(ids);
		ids = NULL;
	}
	if (c->references && (ids = message_ids(c->references)))
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", ids, NULL);

	GMimeObject *text = text_part(body);
	if (c->nattachments == 0) {
		g_mime_message_set_mime_part(msg, text);
	} else {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, text);
		for (size_t i = 0; i < c->nattachments; i++) {
			GMimeObject *part = upload_part(&c->attachments[i], i + 1, o);
			g_mime_multipart_add(mixed, part);
			g_object_unref(part);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	}
	g_object_unref(text);

	/* 7-bit: the relay may not speak 8BITMIME; CRLF: what SMTP carries */
	g_mime_object_encode(GMIME_OBJECT(msg), GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
	GMimeStream *mem = g_mime_stream_mem_new();
	ssize_t written = g_mime_object_write_to_stream(GMIME_OBJECT(msg), format, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (written < 0)
		err_set(e, "cannot write the message");
	else if (buf_append(out, bytes->data, bytes->len) < 0)
		err_set(e, "the message is too large: %u bytes, at most %zu", bytes->len, out->max);
	else
		rc = 0;
	g_object_unref(mem);
	if (rc == 0)
		copy_utf8(message_id, idlen, id);
out:
	g_free(id);
	free(ids);
	free(subject);
	free(body);
	g_object_unref(bcc);
	g_object_unref(msg);
	g_mime_format_options_free(format);
	g_mime_parser_options_free(o);
	return rc;
}

/* ---- Replies ---- */

char *mime_quote_reply(const struct mime_message *m)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct buf b;
	struct tm tm;
	if (!m)
		return NULL;
	const char *who = m->from && *m->from ? m->from
			  : m->from_addr && *m->from_addr ? m->from_addr : "the sender";
	buf_init(&b, TEXT_MAX);
	if (m->date && localtime_r(&m->date, &tm)) {
		long off = tm.tm_gmtoff / 60;
		buf_printf(&b, "On %s, %d %s %d %02d:%02d %c%02ld%02ld, %s wrote:\n",
			   days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
			   tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+', labs(off) / 60,
			   labs(off) % 60, who);
	} else {
		buf_printf(&b, "%s wrote:\n", who);
	}
	const char *text = m->text ? m->text : "";
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* an already quoted line gets ">" alone, so quotes read ">>" */
		buf_puts(&b, n == 0 ? ">" : p[0] == '>' ? ">" : "> ");
		buf_append(&b, p, n);
		buf_append(&b, "\n", 1);
		p = nl ? nl + 1 : text + len;
	}
	return finish(&b);
}
