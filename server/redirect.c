/* redirect.c - where a browser may be sent when the place comes from the
 * request. The target is parsed as RFC 3986 path-absolute and query, byte by
 * byte, and accepted only when every byte has its place in that grammar: a
 * trick nobody thought of is refused like the known ones. */
#include <string.h>

#include "redirect.h"

/* Routes that do something rather than show a page (routes.c): never a place
 * to come back to. Matched against the whole first segment of the path. */
static const char *const actions[] = { "logon", "logoff", "mode" };

/* RFC 3986 pchar less pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int is_pchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL);
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte "%XX" at s stands for, or -1 when it is not two hex digits (a NUL
 * stops the look before the end of the string). */
static int percent_value(const unsigned char *s)
{
	int hi = hex_value(s[1]);
	int lo = hi < 0 ? -1 : hex_value(s[2]);
	return lo < 0 ? -1 : hi * 16 + lo;
}

/* Checks the bytes that percent escapes stand for as UTF-8 in its shortest
 * form: an overlong "/" (%C0%AF) or a surrogate is what a lenient decoder
 * further on might turn into something we refused. */
struct utf8_check {
	unsigned need;          /* continuation bytes still to come */
	unsigned char lo, hi;   /* the range the next one must be in */
	unsigned char lead;     /* the lead byte, until its first continuation */
};

static int utf8_feed(struct utf8_check *u, unsigned char b)
{
	if (u->need == 0) {
		u->lo = 0x80;
		u->hi = 0xBF;
		u->lead = b;
		if (b < 0x80)
			return 0;
		if (b >= 0xC2 && b <= 0xDF)
			u->need = 1;
		else if (b >= 0xE0 && b <= 0xEF)
			u->need = 2;
		else if (b >= 0xF0 && b <= 0xF4)
			u->need = 3;
		else
			return -1;
		if (b == 0xE0)
			u->lo = 0xA0; /* below: overlong */
		else if (b == 0xED)
			u->hi = 0x9F; /* above: surrogates */
		else if (b == 0xF0)
			u->lo = 0x90; /* below: overlong */
		else if (b == 0xF4)
			u->hi = 0x8F; /* above: past U+10FFFF */
		return 0;
	}
	if (b < u->lo || b > u->hi)
		return -1;
	if (u->lead == 0xC2 && b <= 0x9F)
		return -1; /* U+0080..U+009F: the C1 control characters */
	u->lo = 0x80;
	u->hi = 0xBF;
	u->lead = 0;
	u->need--;
	return 0;
}

int redirect_target_ok(const char *target)
{
	const unsigned char *s = (const unsigned char *)target;
	struct utf8_check u = { 0 };
	int in_query = 0, only_dots = 1;
	size_t seg_len = 0;
	if (!target || s[0] != '/' || strnlen(target, REDIRECT_TARGET_MAX + 1) > REDIRECT_TARGET_MAX)
		return 0;
	for (size_t i = 1;; i++) {
		unsigned char c = s[i];
		if (u.need && c != '%')
			return 0; /* a UTF-8 sequence cut short */
		if (!in_query && (c == '/' || c == '?' || c == '\0')) {
			/* A segment ends. Empty, it makes "//" (only the last one,
			 * "/" or "/mail/", may be empty); "." and ".." are steps a
			 * browser takes, and "/.//host" becomes "//host". */
			if (seg_len == 0 && c == '/')
				return 0;
			if (seg_len > 0 && seg_len <= 2 && only_dots)
				return 0;
			if (c == '\0')
				return 1;
			in_query = c == '?';
			seg_len = 0;
			only_dots = 1;
			continue;
		}
		if (c == '\0')
			return 1;
		if (c == '%') {
			int v = percent_value(s + i);
			if (v < 0x20 || v == 0x7F || v == '\\')
				return 0; /* malformed (-1), or a character refused raw too */
			/* In the path an escaped slash, dot or percent sign is a
			 * second spelling of "//", ".." or another escape. */
			if (!in_query && (v == '/' || v == '.' || v == '%'))
				return 0;
			if (utf8_feed(&u, (unsigned char)v) < 0)
				return 0;
			i += 2;
			seg_len++;
			only_dots = 0;
			continue;
		}
		if (!is_pchar(c) && !(in_query && (c == '/' || c == '?')))
			return 0;
		seg_len++;
		if (c != '.')
			only_dots = 0;
	}
}

const char *redirect_target(const char *target, const char *fallback)
{
	return redirect_target_ok(target) ? target : fallback;
}

const char *redirect_back(const char *back, const char *fallback)
{
	if (!redirect_target_ok(back))
		return fallback;
	size_t len = strcspn(back + 1, "/?");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strlen(actions[i]) == len && strncmp(back + 1, actions[i], len) == 0)
			return fallback;
	return back;
}
