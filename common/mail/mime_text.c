/* mime_text.c - text as a user reads it: any declared (or wrong) charset
 * to valid UTF-8, header lines cleaned, and encoded words GMime would
 * decode badly rewritten first. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "mime_private.h"

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Windows-1252 at 0x80-0x9f; U+FFFD where it defines nothing. */
const uint16_t mime_text_cp1252_c1[32] = {
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
void mime_text_put_repaired(struct buf *b, const char *s, size_t len)
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
			put_unichar(b, mime_text_cp1252_c1[c - 0x80]);
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
		mime_text_put_repaired(b, out, sizeof(out) - oleft);
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
	mime_text_put_repaired(b, out, sizeof(out) - oleft);
}

int mime_text_name_in(const char *name, const char *const *list)
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
void mime_text_put(struct buf *b, const char *s, size_t len, const char *charset)
{
	const char *name = NULL;
	iconv_t cd = (iconv_t)-1;
	if (charset && *charset && strlen(charset) <= CHARSET_NAME_MAX &&
	    strspn(charset, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+()")
		    == strlen(charset))
		name = g_mime_charset_iconv_name(charset);
	if (name && mime_text_name_in(name, utf8_names)) {
		mime_text_put_repaired(b, s, len);
		return;
	}
	if (name && mime_text_name_in(name, western_names)) {
		put_cp1252(b, s, len);
		return;
	}
	/* iconv_open itself, not g_mime_iconv_open: GMime quietly swaps an
	 * unknown charset for the locale's. */
	if (name && !mime_text_name_in(name, vague_names))
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
void mime_text_drop_cr(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
}

/* The buffer's text for the caller to free(), or NULL when it failed. */
char *mime_text_finish(struct buf *b)
{
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	return buf_steal(b, NULL);
}

/* A header's decoded text made fit to show: valid UTF-8, on one line, trimmed. */
char *mime_text_clean_line(const char *s)
{
	struct buf b;
	buf_init(&b, TEXT_MAX);
	if (s)
		mime_text_put_repaired(&b, s, strlen(s));
	char *t = mime_text_finish(&b);
	if (!t)
		return NULL;
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(t);
	return t;
}

/* Copies a UTF-8 string into dst, shortened at a character boundary. */
void mime_text_copy_utf8(char *dst, size_t dstlen, const char *src)
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

/* ---- Encoded words ---- */

/* GMime 3.2.13 (Debian 12) loses the text of base64 encoded-words that
 * follow a padded one: "=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=" decodes
 * as "Hello" (GMime issue 133, fixed in a later release). Mailers split long
 * subjects and names like that. The same bytes as Q encoded-words decode
 * right, also when a character is split between two words, so such words are
 * rewritten before GMime decodes them. Returns NULL when there are none. */
char *mime_text_b_words_as_q(const char *s)
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
	return mime_text_finish(&b);
}

/* The raw (undecoded, folded) value of o's first header called name, or NULL. */
const char *mime_text_raw_header(GMimeObject *o, const char *name)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(o);
	GMimeHeader *h = list ? g_mime_header_list_get_header(list, name) : NULL;
	return h ? g_mime_header_get_raw_value(h) : NULL;
}
