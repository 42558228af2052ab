/* fuzz_redirect.c - libFuzzer harness for the redirect-target check: no
 * input crashes it, and whatever it accepts is a path a browser keeps on this
 * server (what the check promises, stated again independently of how it is
 * written). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "redirect.h"

#define HEX "0123456789abcdefABCDEF"

/* The promise, byte by byte: "/" first, no second "/" or "\" after it, only
 * printable ASCII without space, backslash or "#", every "%" followed by two
 * hex digits, and no "." or ".." path segment. */
static int looks_local(const char *t)
{
	size_t n = strlen(t), q = strcspn(t, "?");
	if (n == 0 || t[0] != '/' || t[1] == '/' || t[1] == '\\')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c >= 0x7F || c == '\\' || c == '#')
			return 0;
		if (c == '%' && (!t[i + 1] || !strchr(HEX, t[i + 1]) || !t[i + 2] ||
				 !strchr(HEX, t[i + 2])))
			return 0;
		if (i < q && c == '/' && t[i + 1] == '/')
			return 0;
	}
	for (size_t i = 0; i < q; i++) {
		if (t[i] != '/')
			continue;
		size_t len = strcspn(t + i + 1, "/?");
		if ((len == 1 && t[i + 1] == '.') || (len == 2 && t[i + 1] == '.' && t[i + 2] == '.'))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fallback[] = "/";
	char *t = malloc(size + 1);
	if (!t)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0'; /* the check takes C strings: a NUL ends the input early */
	int ok = redirect_target_ok(t);
	if (ok && !looks_local(t))
		abort();
	if (redirect_target(t, fallback) != (ok ? t : fallback))
		abort();
	const char *back = redirect_back(t, fallback);
	if (back != t && back != fallback)
		abort();
	if (back == t && !ok)
		abort();
	free(t);
	return 0;
}
