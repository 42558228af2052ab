/* mime_html.c - HTML mail as plain text (entities, block structure, hidden
 * parts dropped), whether it refers to remote content, and the HTML made fit
 * for the sandboxed frame (links, cid: images). */
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/html.h"
#include "webmsg/mime.h"
#include "mime_private.h"

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
			v = mime_text_cp1252_c1[v - 0x80]; /* what browsers do with these */
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
	} else if (mime_text_name_in(name, paragraphs)) {
		out_break(t, 2);
	} else if (mime_text_name_in(name, lines)) {
		out_break(t, 1);
	}
	if (strcmp(name, "pre") == 0)
		t->pre = closing ? 0 : 1;
}

/* The text of an HTML document: no tags, no script or style, entities decoded. */
void mime_html_to_text(const char *h, struct buf *b)
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
			if (!closing && mime_text_name_in(name, hidden)) {
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
int mime_html_refers_remote(const char *h)
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

/* ---- HTML for the frame ---- */

/* An attribute of a tag as the browser's tokenizer splits it: the name,
 * and the value as written (quotes removed, entities not yet decoded). */
struct attribute {
	const char *name, *value;
	size_t name_len, value_len;
};

/* The attribute at p (past any separators), or 0 at the end of the tag.
 * Returns where the next one may start. */
static const char *next_attribute(const char *p, struct attribute *a, int *end)
{
	*end = 0;
	while (is_html_space(*p) || *p == '/')
		p++;
	if (*p == '>' || *p == '\0') {
		*end = 1;
		return *p ? p + 1 : p;
	}
	a->name = p;
	/* The first character may be '=' ("<a =x>"), as the tokenizer allows. */
	p++;
	while (*p && !is_html_space(*p) && *p != '/' && *p != '>' && *p != '=')
		p++;
	a->name_len = (size_t)(p - a->name);
	a->value = NULL;
	a->value_len = 0;
	const char *q = p;
	while (is_html_space(*q))
		q++;
	if (*q != '=')
		return p;
	q++;
	while (is_html_space(*q))
		q++;
	if (*q == '"' || *q == '\'') {
		const char *close = strchr(q + 1, *q);
		a->value = q + 1;
		a->value_len = close ? (size_t)(close - q - 1) : strlen(q + 1);
		return close ? close + 1 : q + 1 + a->value_len;
	}
	a->value = q;
	while (*q && !is_html_space(*q) && *q != '>')
		q++;
	a->value_len = (size_t)(q - a->value);
	return q;
}

static int attribute_is(const struct attribute *a, const char *name)
{
	return a->name_len == strlen(name) && g_ascii_strncasecmp(a->name, name, a->name_len) == 0;
}

/* An attribute's value as the browser reads an address from it: entities
 * decoded, tabs and newlines removed, leading and trailing spaces and
 * controls trimmed. For g_free. */
static char *address_value(const struct attribute *a)
{
	char *raw = g_strndup(a->value ? a->value : "", a->value_len);
	GString *s = g_string_sized_new(a->value_len + 1);
	for (const char *p = raw; *p;) {
		gunichar c;
		size_t n;
		char tmp[8];
		if (*p == '&' && (n = entity_decode(p, &c)) > 0) {
			g_string_append_len(s, tmp, g_unichar_to_utf8(c, tmp));
			p += n;
			continue;
		}
		if (*p != '\t' && *p != '\n' && *p != '\r')
			g_string_append_c(s, *p);
		p++;
	}
	g_free(raw);
	size_t start = 0, len = s->len;
	while (start < len && (unsigned char)s->str[start] <= 0x20)
		start++;
	while (len > start && (unsigned char)s->str[len - 1] <= 0x20)
		len--;
	char *out = g_strndup(s->str + start, len - start);
	g_string_free(s, TRUE);
	return out;
}

/* Whether a link may stay: only addresses that leave for the web or a mail
 * program. Everything else (javascript:, data:, relative addresses that
 * would open our own pages) goes. */
static int link_allowed(const char *v)
{
	return g_ascii_strncasecmp(v, "http://", 7) == 0 ||
	       g_ascii_strncasecmp(v, "https://", 8) == 0 ||
	       g_ascii_strncasecmp(v, "mailto:", 7) == 0;
}

static void put_attribute(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, " %s=\"", name);
	html_escape(b, value);
	buf_puts(b, "\"");
}

/* The Content-Id a "cid:" address names (RFC 2392: percent-encoded), or NULL. */
static char *cid_of(const char *v)
{
	if (g_ascii_strncasecmp(v, "cid:", 4) != 0)
		return NULL;
	char *id = g_uri_unescape_string(v + 4, NULL);
	return id;
}

/* Whether the text of the link whose tag ends at p, up to its "</a", shows
 * href itself (tags left out, blanks around trimmed; "mailto:" need not be
 * written): then a title would only repeat it. */
static int text_is_address(const char *p, const char *href)
{
	GString *s = g_string_new(NULL);
	int in_tag = 0;
	for (size_t n = 0; *p && n < 4096; p++, n++) {
		if (*p == '<' && g_ascii_strncasecmp(p, "</a", 3) == 0 &&
		    (p[3] == '>' || is_html_space(p[3])))
			break;
		if (*p == '<')
			in_tag = 1;
		else if (*p == '>')
			in_tag = 0;
		else if (!in_tag)
			g_string_append_c(s, *p);
	}
	const char *text = s->str;
	size_t len = s->len;
	while (len && is_html_space(*text))
		text++, len--;
	while (len && is_html_space(text[len - 1]))
		len--;
	if (g_ascii_strncasecmp(href, "mailto:", 7) == 0 && g_ascii_strncasecmp(text, "mailto:", 7))
		href += 7;
	int same = len && strlen(href) == len && strncmp(text, href, len) == 0;
	g_string_free(s, TRUE);
	return same;
}

/* Copies the tag at p (on '<', named name) to b with its links made safe
 * and cid: images resolved; returns where the tag ends. */
static const char *rewrite_tag(const char *p, const char *name, struct buf *b,
			       const struct mime_frame_image *images, size_t nimages)
{
	int link = strcmp(name, "a") == 0 || strcmp(name, "area") == 0;
	int image = strcmp(name, "img") == 0;
	int seen_href = 0, end;
	char *href = NULL; /* the address the link leads to, as kept */
	struct attribute a;
	const char *q = p + 1 + strlen(name);
	buf_printf(b, "<%s", name);
	for (;;) {
		q = next_attribute(q, &a, &end);
		if (end)
			break;
		/* The mail's own title could name another address than the real
		 * one: the link's title is ours, its real address. */
		if (link && (attribute_is(&a, "target") || attribute_is(&a, "rel") ||
			     attribute_is(&a, "title")))
			continue;
		if (link && (attribute_is(&a, "href") || attribute_is(&a, "xlink:href"))) {
			/* The first one is what the browser follows; the rest go. */
			char *v = address_value(&a);
			if (!seen_href && link_allowed(v)) {
				put_attribute(b, "href", v);
				href = v;
				v = NULL;
			}
			seen_href = 1;
			g_free(v);
			continue;
		}
		if (image && attribute_is(&a, "src") && a.value) {
			char *v = address_value(&a), *cid = cid_of(v);
			int done = 0;
			for (size_t i = 0; cid && i < nimages && !done; i++) {
				if (strcmp(images[i].content_id, cid) == 0) {
					put_attribute(b, "src", images[i].url);
					done = 1;
				}
			}
			g_free(cid);
			g_free(v);
			if (done)
				continue;
		}
		buf_append(b, " ", 1);
		buf_append(b, a.name, a.name_len);
		if (a.value) {
			char *v = g_strndup(a.value, a.value_len);
			/* As written: entities stay as they were, only quotes are ours. */
			buf_puts(b, "=\"");
			for (const char *c = v; *c; c++)
				if (*c == '"')
					buf_puts(b, "&quot;");
				else
					buf_append(b, c, 1);
			buf_puts(b, "\"");
			g_free(v);
		}
	}
	if (link && href) {
		/* Shown on hover, where the link's text says something else. */
		if (strcmp(name, "area") == 0 || !text_is_address(q, href))
			put_attribute(b, "title", href);
		buf_puts(b, " target=\"_blank\" rel=\"noopener noreferrer\"");
	}
	g_free(href);
	buf_puts(b, ">");
	return q;
}

/* Tags the frame never gets, though the sandbox runs no script in it: the
 * message's own <base> would undo ours; <meta> can refresh the frame to
 * another address of ours, and with <link> ask for DNS look-ups that tell
 * the sender the mail was read; SVG animation can change a link's address
 * after it was checked here. */
static int tag_dropped(const char *name)
{
	static const char *const dropped[] = {
		"base", "meta", "link", "animate", "animatemotion", "animatetransform", "set",
		"discard", NULL,
	};
	for (const char *const *d = dropped; *d; d++)
		if (strcmp(name, *d) == 0)
			return 1;
	return 0;
}

char *mime_html_for_frame(const char *h, const struct mime_frame_image *images, size_t nimages)
{
	struct buf b;
	const char *p = h;
	buf_init(&b, TEXT_MAX);
	/* Links the rewriting below would miss open in a new tab all the same;
	 * after a leading doctype, which must come first to keep the page's mode. */
	const char *start = p;
	while (is_html_space(*start))
		start++;
	if (g_ascii_strncasecmp(start, "<!doctype", 9) == 0) {
		const char *end = strchr(start, '>');
		p = end ? end + 1 : start + strlen(start);
		buf_append(&b, h, (size_t)(p - h));
	}
	buf_puts(&b, "<base target=\"_blank\">");
	while (*p && !b.failed) {
		const char *lt = strchr(p, '<');
		if (!lt) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(lt - p));
		p = lt;
		if (strncmp(p, "<!--", 4) == 0) {
			/* Where the browser ends it: "<!-->" and "--!>" count too. */
			const char *end = strstr(p + 2, "-->"), *bang = strstr(p + 4, "--!>");
			size_t n = end ? (size_t)(end + 3 - p) : strlen(p);
			if (bang && (!end || bang < end))
				n = (size_t)(bang + 4 - p);
			buf_append(&b, p, n);
			p += n;
			continue;
		}
		char name[24]; /* a longer name is none of the tags looked at below */
		size_t len = 0;
		while (g_ascii_isalnum(p[1 + len]) && len < sizeof(name) - 1) {
			name[len] = g_ascii_tolower(p[1 + len]);
			len++;
		}
		name[len] = '\0';
		const char *after = p + 1 + len;
		int whole = len > 0 && (is_html_space(*after) || *after == '/' || *after == '>' ||
					*after == '\0');
		if (whole && tag_dropped(name)) {
			p = skip_tag(p);
		} else if (whole && (!strcmp(name, "a") || !strcmp(name, "area") ||
				     !strcmp(name, "img"))) {
			p = rewrite_tag(p, name, &b, images, nimages);
		} else {
			buf_append(&b, p, 1);
			p++;
		}
	}
	size_t n;
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, &n);
}
