/* json.c - JSON strings for the small JSON answers of the daemon. */
#include <string.h>

#include "webmsg/json.h"

/* Length of the valid UTF-8 sequence at s, or 0 (as html.c judges it). */
static size_t utf8_len(const unsigned char *s, unsigned *cp_out)
{
	size_t n;
	unsigned c = s[0], min;
	if (c < 0x80) {
		*cp_out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	unsigned cp = c & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return n;
}

int json_string(struct buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	buf_puts(b, "\"");
	while (*p) {
		unsigned cp;
		size_t n = utf8_len(p, &cp);
		if (n == 0) {
			buf_puts(b, "\\ufffd");
			p++;
			continue;
		}
		if (cp == '"')
			buf_puts(b, "\\\"");
		else if (cp == '\\')
			buf_puts(b, "\\\\");
		else if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>' || cp == '&' ||
			 cp == '\'' || cp == 0x2028 || cp == 0x2029)
			buf_printf(b, "\\u%04x", cp);
		else
			buf_append(b, p, n);
		p += n;
	}
	buf_puts(b, "\"");
	return b->failed ? -1 : 0;
}
