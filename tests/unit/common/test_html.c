/* test_html.c - escaping text for HTML: markup in a mail never becomes markup
 * on the page, broken UTF-8 becomes U+FFFD, and the output stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/html.h"

#define FFFD "\xef\xbf\xbd"

static const struct {
	const char *in, *out;
} escape_cases[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "a & b", "a &amp; b" },
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\"quoted\" 'single'", "&quot;quoted&quot; &#39;single&#39;" },
	{ "&amp;", "&amp;amp;" },
	{ "x onmouseover='y'", "x onmouseover=&#39;y&#39;" },
	/* valid UTF-8 of every length is kept */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "\xe2\x82\xac 5", "\xe2\x82\xac 5" },
	{ "\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87" },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" }, /* U+10FFFF */
	{ "\xef\xbf\xbd", FFFD },
	/* invalid UTF-8: one U+FFFD per bad byte */
	{ "\xff", FFFD },
	{ "a\xfe" "b", "a" FFFD "b" },
	{ "\x80", FFFD },                              /* lone continuation byte */
	{ "caf\xc3", "caf" FFFD },                     /* cut at the end */
	{ "\xc3(", FFFD "(" },                         /* cut before ASCII */
	{ "\xe2\x82<b>", FFFD FFFD "&lt;b&gt;" },      /* a cut sequence never swallows '<' */
	{ "\xc0\xaf", FFFD FFFD },                     /* overlong '/' */
	{ "\xe0\x80\xaf", FFFD FFFD FFFD },            /* overlong '/' */
	{ "\xed\xa0\x80", FFFD FFFD FFFD },            /* UTF-16 surrogate */
	{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },   /* above U+10FFFF */
	{ "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD },
};

static void test_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		struct buf b;
		buf_init(&b, 4096);
		assert_int_equal(html_escape(&b, escape_cases[i].in), 0);
		if (strcmp(b.data ? b.data : "", escape_cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" became \"%s\", not \"%s\"", i, escape_cases[i].in,
				 b.data ? b.data : "", escape_cases[i].out);
		buf_free(&b);
	}
}

/* Appends to what is there. */
static void test_escape_appends(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	buf_puts(&b, "<p>");
	assert_int_equal(html_escape(&b, "1 < 2"), 0);
	buf_puts(&b, "</p>");
	assert_string_equal(b.data, "<p>1 &lt; 2</p>");
	buf_free(&b);
}

/* The maximum counts the escaped bytes: text that only fits unescaped fails. */
static void test_escape_max(void **state)
{
	(void)state;
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(html_escape(&b, "<>"), 0); /* "&lt;&gt;": exactly 8 */
	assert_string_equal(b.data, "&lt;&gt;");
	buf_free(&b);

	buf_init(&b, 10);
	assert_int_equal(html_escape(&b, "<<<"), -1); /* 12 bytes escaped */
	assert_int_equal(b.failed, 1);
	assert_true(b.len <= 10);
	buf_free(&b);

	buf_init(&b, 5);
	assert_int_equal(html_escape(&b, "\xff\xff"), -1); /* 6 bytes of U+FFFD */
	assert_int_equal(b.failed, 1);
	assert_true(b.len <= 5);
	buf_free(&b);

	/* A megabyte of hostile text against a 64 KiB page. */
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '<', n);
	big[n] = '\0';
	buf_init(&b, 64 * 1024);
	assert_int_equal(html_escape(&b, big), -1);
	assert_int_equal(b.failed, 1);
	assert_true(b.len <= 64 * 1024);
	buf_free(&b);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_appends),
		cmocka_unit_test(test_escape_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
