/* linkify.c - finding web and e-mail addresses in plain text and writing
 * the text as HTML with them as links. Every byte of the text goes through
 * html_escape, the addresses too: a crafted address can add no markup. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/buf.h"
#include "webmsg/html.h"
#include "webmsg/linkify.h"

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Bytes of UTF-8 beyond ASCII: international names (IDN) and paths. */
static int is_wide(unsigned char c)
{
	return c >= 0x80;
}

/* What may be in a web address as written in text: no blank, control,
 * quote or angle bracket (those end it, as mail programs agree). */
static int url_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && !strchr("<>\"'`", c);
}

static int starts_with(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Appends the n bytes at s, escaped. */
static void put_escaped(struct buf *out, const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	if (!copy) {
		out->failed = 1;
		return;
	}
	memcpy(copy, s, n);
	copy[n] = '\0';
	html_escape(out, copy);
	free(copy);
}

/* The length of the web address at s, 0 when none starts there. */
static size_t url_length(const char *s)
{
	size_t start;
	if (starts_with(s, "https://"))
		start = 8;
	else if (starts_with(s, "http://"))
		start = 7;
	else if (starts_with(s, "www."))
		start = 4;
	else
		return 0;
	/* A host must follow: a letter, digit or an international character. */
	if (!is_alnum((unsigned char)s[start]) && !is_wide((unsigned char)s[start]))
		return 0;
	size_t n = start;
	while (url_char((unsigned char)s[n]))
		n++;
	/* Punctuation that ends the sentence, and closing brackets that open
	 * nowhere in the address ("(see http://x.org/a)"), are not part of it. */
	for (;;) {
		char last = s[n - 1];
		if (strchr(".,;:!?", last)) {
			n--;
			continue;
		}
		if (last == ')' || last == ']' || last == '}') {
			char open = last == ')' ? '(' : last == ']' ? '[' : '{';
			long depth = 0;
			for (size_t i = 0; i < n; i++)
				depth += s[i] == open ? 1 : s[i] == last ? -1 : 0;
			if (depth < 0) {
				n--;
				continue;
			}
		}
		break;
	}
	return n > start ? n : 0;
}

static int local_char(unsigned char c)
{
	return is_alnum(c) || (c && strchr("._%+-", c));
}

static int domain_char(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || is_wide(c);
}

/* The length of the e-mail address at s, 0 when none starts there. */
static size_t address_length(const char *s)
{
	size_t n = 0;
	while (local_char((unsigned char)s[n]))
		n++;
	if (n == 0 || s[n] != '@' || s[0] == '.' || s[n - 1] == '.')
		return 0;
	size_t at = n++;
	while (domain_char((unsigned char)s[n]))
		n++;
	while (n > at + 1 && (s[n - 1] == '.' || s[n - 1] == '-'))
		n--;
	/* At least two labels, neither empty, and a top-level name of two or more. */
	const char *domain = s + at + 1, *end = s + n, *dot = NULL;
	for (const char *p = domain; p < end; p++) {
		if (*p == '.') {
			if (p == domain || p[-1] == '.')
				return 0;
			dot = p;
		}
	}
	if (!dot || end - dot - 1 < 2)
		return 0;
	return n;
}

/* The address percent-encoded for a query: only unreserved bytes stay. */
static void put_encoded(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_alnum(c) || strchr("-._~", c)) {
			buf_append(out, &s[i], 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(out, e, 3);
		}
	}
}

int linkify_html(struct buf *out, const char *text, const char *compose_url)
{
	const char *p = text, *plain = text;
	while (*p && !out->failed) {
		unsigned char prev = p > text ? (unsigned char)p[-1] : ' ';
		size_t n = 0;
		int web = 0;
		/* Addresses start a word: "xhttp://" and "a.b@c" mid-word are not links. */
		if (!is_alnum(prev) && !is_wide(prev) && (n = url_length(p)) > 0)
			web = 1;
		else if (!local_char(prev) && prev != '@' && !is_wide(prev))
			n = address_length(p);
		if (n == 0) {
			p++;
			continue;
		}
		put_escaped(out, plain, (size_t)(p - plain));
		if (web) {
			buf_puts(out, "<a href=\"");
			if (starts_with(p, "www."))
				buf_puts(out, "http://");
			put_escaped(out, p, n);
			buf_puts(out, "\" target=\"_blank\" rel=\"noopener noreferrer\">");
		} else {
			buf_puts(out, "<a href=\"");
			html_escape(out, compose_url);
			put_encoded(out, p, n);
			buf_puts(out, "\">");
		}
		put_escaped(out, p, n);
		buf_puts(out, "</a>");
		p += n;
		plain = p;
	}
	put_escaped(out, plain, strlen(plain));
	return out->failed ? -1 : 0;
}
