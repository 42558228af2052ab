/* test_utf8.c - the one UTF-8 decoder: every length, and what RFC 3629
 * refuses (overlong forms, surrogates, past U+10FFFF, stray and missing
 * continuation bytes), without reading past a string's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/utf8.h"

static void test_decodes(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 'A' },
		{ "", 1, 0 }, /* the terminator reads as U+0000 */
		{ "\xc3\xbc", 2, 0xfc },
		{ "\xe2\x82\xac", 3, 0x20ac },
		{ "\xef\xbf\xbd", 3, 0xfffd },
		{ "\xf0\x9f\x93\xa8", 4, 0x1f4e8 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0xdead;
		size_t n = utf8_decode(cases[i].in, &cp);
		if (n != cases[i].len || cp != cases[i].cp)
			fail_msg("case %zu: length %zu, U+%04X", i, n, (unsigned)cp);
	}
}

static void test_refuses(void **state)
{
	static const char *const bad[] = {
		"\x80",		    /* a continuation byte first */
		"\xbf",
		"\xc0\xaf",	    /* overlong '/' */
		"\xc1\xbf",
		"\xe0\x80\xaf",	    /* overlong, three bytes */
		"\xf0\x80\x80\xaf", /* overlong, four bytes */
		"\xed\xa0\x80",	    /* a surrogate */
		"\xed\xbf\xbf",
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xff",
		"\xc3",		    /* cut short by the end of the string */
		"\xe2\x82",
		"\xf0\x9f\x93",
		"\xc3(",	    /* a continuation missing */
		"\xe2\x28\xa1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t cp;
		if (utf8_decode(bad[i], &cp) != 0)
			fail_msg("case %zu was taken", i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes),
		cmocka_unit_test(test_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
