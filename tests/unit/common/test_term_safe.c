/* test_term_safe.c - text from outside printed on a terminal: escape
 * sequences, C1 controls, broken UTF-8 and forged lines come out as
 * visible \xNN; letters of any script come out as they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "webmsg/term_safe.h"

static const struct {
	const char *in;
	int flags;
	const char *expected;
} cases[] = {
	{ "plain text", 0, "plain text" },
	{ "Gr\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92", 0,
	  "Gr\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92" },
	/* ESC [ 2 J clears the screen; OSC 0 sets the window title. */
	{ "a\x1b[2Jb", 0, "a\\x1b[2Jb" },
	{ "\x1b]0;title\x07", 0, "\\x1b]0;title\\x07" },
	/* CSI as the one-character C1 control, in UTF-8. */
	{ "x\xc2\x9b" "31m", 0, "x\\xc2\\x9b31m" },
	{ "del\x7f", 0, "del\\x7f" },
	{ "cr\rlf\nok", 0, "cr\\x0dlf\\x0aok" },
	{ "two\nlines", TERM_SAFE_NEWLINES, "two\nlines" },
	{ "tab\there", 0, "tab here" },
	/* Bytes that do not decode: lone continuation, overlong, surrogate, cut. */
	{ "\x80\xc0\xaf\xed\xa0\x80\xe6\x97", 0,
	  "\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe6\\x97" },
	{ NULL, 0, "" },
};

static void test_term_safe_cases(void **state)
{
	char out[256];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(term_safe(cases[i].in, out, sizeof(out), cases[i].flags),
				    cases[i].expected);
}

static void test_term_safe_cut(void **state)
{
	char out[10];
	(void)state;
	term_safe("0123456789abcdef", out, sizeof(out), 0);
	assert_string_equal(out, "012345...");
	/* Never half a character. */
	term_safe("\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc", out, sizeof(out), 0);
	assert_string_equal(out, "\xc3\xbc\xc3\xbc\xc3\xbc...");
	char one[1];
	assert_string_equal(term_safe("abc", one, sizeof(one), 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term_safe_cases),
		cmocka_unit_test(test_term_safe_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
