/* term_safe.c - text from outside escaped before it reaches a terminal
 * (the CLI's messages, the console's dialogs): one rule for both. */
#include <string.h>

#include "webmsg/term_safe.h"

/* The length of the UTF-8 sequence at s (1..4) when it is well-formed,
 * shortest and not a surrogate; 0 when it is not. */
static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
	size_t n;
	unsigned c = s[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

const char *term_safe(const char *in, char *out, size_t outlen, int flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t o = 0;

	if (outlen == 0)
		return out;
	while (*s) {
		unsigned cp = 0;
		size_t n = utf8_len(s, &cp);
		char esc[4];
		const char *put;
		size_t plen;
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			if (n == 1 && cp == '\n' && (flags & TERM_SAFE_NEWLINES)) {
				put = "\n";
				plen = 1;
			} else if (n == 1 && cp == '\t') {
				put = " ";
				plen = 1;
			} else {
				/* One byte at a time, so a C1 character shows both. */
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[s[0] >> 4];
				esc[3] = hex[s[0] & 15];
				put = esc;
				plen = 4;
				n = 1;
			}
		} else {
			put = (const char *)s;
			plen = n;
		}
		if (o + plen + 1 > outlen) {
			/* Cut: "..." at the end, never half a character. */
			while (o > 0 && outlen > 4 && o + 4 > outlen) {
				o--;
				while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
					o--;
			}
			if (outlen > 4) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, put, plen);
		o += plen;
		s += n;
	}
	out[o] = '\0';
	return out;
}
