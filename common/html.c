/* html.c - HTML escaping. */
#include <string.h>

#include "webmsg/html.h"
#include "webmsg/utf8.h"

int html_escape(struct buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		const char *rep = NULL;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep) {
			buf_puts(b, rep);
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_decode((const char *)p, &cp);
		if (n == 0) {
			buf_puts(b, "\xef\xbf\xbd");
			p++;
		} else {
			buf_append(b, p, n);
			p += n;
		}
	}
	return b->failed ? -1 : 0;
}
