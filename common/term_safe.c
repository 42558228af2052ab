/* term_safe.c - text from outside escaped before it reaches a terminal
 * (the CLI's messages, the console's dialogs): one rule for both. */
#include <string.h>

#include "webmsg/term_safe.h"
#include "webmsg/utf8.h"

const char *term_safe(const char *in, char *out, size_t outlen, int flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t o = 0;

	if (outlen == 0)
		return out;
	while (*s) {
		uint32_t cp = 0;
		size_t n = utf8_decode((const char *)s, &cp);
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
