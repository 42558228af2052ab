/* test_linkify.c - web and e-mail addresses in plain text made links:
 * what is found, where it ends, and that no crafted address adds markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/linkify.h"

#define WEB "\" target=\"_blank\" rel=\"noopener noreferrer\">"

static const struct {
	const char *in, *out;
} cases[] = {
	{ "plain text & <b>", "plain text &amp; &lt;b&gt;" },
	{ "see https://example.org/a?b=1&c=2 now",
	  "see <a href=\"https://example.org/a?b=1&amp;c=2" WEB "https://example.org/a?b=1&amp;c=2</a> now" },
	{ "HTTP://Example.org", "<a href=\"HTTP://Example.org" WEB "HTTP://Example.org</a>" },
	{ "www.example.org.", "<a href=\"http://www.example.org" WEB "www.example.org</a>." },
	/* Sentence punctuation stays outside. */
	{ "Go to http://x.org/a, then http://x.org/b! Or http://x.org/c?",
	  "Go to <a href=\"http://x.org/a" WEB "http://x.org/a</a>, then <a href=\"http://x.org/b" WEB
	  "http://x.org/b</a>! Or <a href=\"http://x.org/c" WEB "http://x.org/c</a>?" },
	/* A closing bracket is the address's only when it opened one. */
	{ "(see http://x.org/a)", "(see <a href=\"http://x.org/a" WEB "http://x.org/a</a>)" },
	{ "http://en.wikipedia.org/wiki/C_(language).",
	  "<a href=\"http://en.wikipedia.org/wiki/C_(language)" WEB
	  "http://en.wikipedia.org/wiki/C_(language)</a>." },
	/* Quotes and angle brackets end an address: nothing can close the attribute. */
	{ "http://x.org/\"onmouseover=\"alert(1)",
	  "<a href=\"http://x.org/" WEB "http://x.org/</a>&quot;onmouseover=&quot;alert(1)" },
	{ "<http://x.org/a>", "&lt;<a href=\"http://x.org/a" WEB "http://x.org/a</a>&gt;" },
	{ "http://x.org/<script>alert(1)</script>",
	  "<a href=\"http://x.org/" WEB "http://x.org/</a>&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "http://x.org/'x'", "<a href=\"http://x.org/" WEB "http://x.org/</a>&#39;x&#39;" },
	/* International names. */
	{ "https://bücher.example/straße",
	  "<a href=\"https://bücher.example/straße" WEB "https://bücher.example/straße</a>" },
	/* Not addresses: other schemes, no host, mid-word. */
	{ "javascript:alert(1) http:// http://. xhttp://x.org",
	  "javascript:alert(1) http:// http://. xhttp://x.org" },
	/* E-mail addresses open compose. */
	{ "Write to ann.lee+list@example.org.",
	  "Write to <a href=\"/mail/compose?to=ann.lee%2Blist%40example.org\">"
	  "ann.lee+list@example.org</a>." },
	{ "<bob@x.co>", "&lt;<a href=\"/mail/compose?to=bob%40x.co\">bob@x.co</a>&gt;" },
	{ "user@localhost a@b.c @x.org a@.org", "user@localhost a@b.c @x.org a@.org" },
	/* An international domain is an address; a local part beyond ASCII is
	 * left alone as a whole, never linked in part. */
	{ "ann@müller.de", "<a href=\"/mail/compose?to=ann%40m%C3%BCller.de\">ann@müller.de</a>" },
	{ "jürgen@müller.de", "jürgen@müller.de" },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		buf_init(&b, 1 << 16);
		assert_int_equal(linkify_html(&b, cases[i].in, "/mail/compose?to="), 0);
		if (strcmp(b.data ? b.data : "", cases[i].out) != 0)
			fail_msg("%s\n  gave %s\n  want %s", cases[i].in, b.data, cases[i].out);
		buf_free(&b);
	}
}

/* A full buffer is an error, never a cut-off tag. */
static void test_bounded(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 16);
	assert_int_equal(linkify_html(&b, "see http://example.org/long/path", "/c?to="), -1);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
