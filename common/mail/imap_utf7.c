/* imap_utf7.c - IMAP's modified UTF-7 (RFC 3501 5.1.3): printable ASCII
 * stands for itself except '&', written "&-"; anything else is UTF-16 in
 * base64 with ',' for '/', between '&' and '-'. */
#include <stdint.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/utf8.h"
#include "imap_utf7.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* A bounded writer: fails once out is full. */
struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 >= o->cap) {
		o->full = 1;
		return;
	}
	o->p[o->len++] = c;
	o->p[o->len] = '\0';
}

static void put_utf8(struct out *o, uint32_t cp)
{
	if (cp < 0x80) {
		put(o, (char)cp);
	} else if (cp < 0x800) {
		put(o, (char)(0xc0 | (cp >> 6)));
		put(o, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put(o, (char)(0xe0 | (cp >> 12)));
		put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		put(o, (char)(0x80 | (cp & 0x3f)));
	} else {
		put(o, (char)(0xf0 | (cp >> 18)));
		put(o, (char)(0x80 | ((cp >> 12) & 0x3f)));
		put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		put(o, (char)(0x80 | (cp & 0x3f)));
	}
}

int imap_utf7_encode(const char *utf8, char *out, size_t outlen, struct err *e)
{
	struct out o = { out, 0, outlen, 0 };
	const unsigned char *s = (const unsigned char *)utf8;
	uint32_t bits = 0;
	int nbits = 0, open = 0;
	if (outlen == 0)
		return err_set(e, "no room for a folder name");
	out[0] = '\0';
	while (*s) {
		uint32_t cp;
		size_t len = utf8_decode((const char *)s, &cp);
		if (!len)
			return err_set(e, "the folder name is not valid UTF-8");
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return err_set(e, "a folder name may not hold control characters");
		s += len;
		if (cp >= 0x20 && cp < 0x7f) {
			if (open) {
				if (nbits)
					put(&o, B64[(bits << (6 - nbits)) & 0x3f]);
				put(&o, '-');
				open = 0, nbits = 0, bits = 0;
			}
			put(&o, (char)cp);
			if (cp == '&')
				put(&o, '-');
			continue;
		}
		if (!open) {
			put(&o, '&');
			open = 1;
		}
		uint16_t units[2];
		int n = 0;
		if (cp >= 0x10000) {
			units[n++] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			units[n++] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
		} else {
			units[n++] = (uint16_t)cp;
		}
		for (int i = 0; i < n; i++) {
			bits = (bits << 16) | units[i];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				put(&o, B64[(bits >> nbits) & 0x3f]);
			}
			bits &= (1u << nbits) - 1;
		}
	}
	if (open) {
		if (nbits)
			put(&o, B64[(bits << (6 - nbits)) & 0x3f]);
		put(&o, '-');
	}
	if (o.full)
		return err_set(e, "the folder name is too long");
	return 0;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(B64, c) : NULL;
	return p ? (int)(p - B64) : -1;
}

int imap_utf7_decode(const char *utf7, char *out, size_t outlen, struct err *e)
{
	struct out o = { out, 0, outlen, 0 };
	const unsigned char *s = (const unsigned char *)utf7;
	if (outlen == 0)
		return err_set(e, "no room for a folder name");
	out[0] = '\0';
	while (*s) {
		if (*s < 0x20 || *s >= 0x7f)
			return err_set(e, "the server's folder name is not modified UTF-7");
		if (*s != '&') {
			put(&o, (char)*s++);
			continue;
		}
		s++;
		if (*s == '-') {
			put(&o, '&');
			s++;
			continue;
		}
		uint32_t bits = 0, high = 0;
		int nbits = 0, units = 0, v;
		while ((v = b64_value((char)*s)) >= 0) {
			bits = ((bits << 6) | (uint32_t)v) & 0xffffff;
			nbits += 6;
			s++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			uint32_t u = (bits >> nbits) & 0xffff;
			units++;
			if (high) {
				if (u < 0xdc00 || u > 0xdfff)
					return err_set(e, "the server's folder name has a lone surrogate");
				put_utf8(&o, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
				high = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				high = u;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				return err_set(e, "the server's folder name has a lone surrogate");
			} else if (u < 0xa0) {
				/* printable ASCII stands for itself, never encoded; control
				 * characters have no place in a name */
				return err_set(e, "the server's folder name is not modified UTF-7");
			} else {
				put_utf8(&o, u);
			}
		}
		if (*s != '-' || units == 0 || high || nbits >= 6 ||
		    (bits & ((1u << nbits) - 1)) != 0)
			return err_set(e, "the server's folder name is not modified UTF-7");
		s++;
	}
	if (o.full)
		return err_set(e, "the server's folder name is too long");
	return 0;
}
