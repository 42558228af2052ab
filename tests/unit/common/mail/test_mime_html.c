/* test_mime_html.c - HTML mail made fit for the sandboxed frame: which links
 * stay and how they open, the message's own <base>, and cid: pictures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/mime.h"

static const struct mime_frame_image images[] = {
	{ "logo@x", "data:image/png;base64,AAAA" },
};

/* What the frame gets for html, without the <base> put first. */
static char *frame(const char *html)
{
	char *out = mime_html_for_frame(html, images, 1);
	assert_non_null(out);
	return out;
}

static void test_links(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<a href=\"https://x.org/?a=1&amp;b=2\">x</a>",
		  "<base target=\"_blank\"><a href=\"https://x.org/?a=1&amp;b=2\" "
		  "title=\"https://x.org/?a=1&amp;b=2\" target=\"_blank\" "
		  "rel=\"noopener noreferrer\">x</a>" },
		/* The message's own target and rel give way to ours. */
		{ "<A TARGET=_self Rel=opener HREF='http://x.org/'>x</A>",
		  "<base target=\"_blank\"><a href=\"http://x.org/\" title=\"http://x.org/\" "
		  "target=\"_blank\" rel=\"noopener noreferrer\">x</A>" },
		/* The real address shows on hover where the text says another; the
		 * message's own title (which could name any) gives way. */
		{ "<a href=\"https://evil.example/\" title=\"https://bank.example/\"><b>"
		  "https://bank.example/</b></a>",
		  "<base target=\"_blank\"><a href=\"https://evil.example/\" "
		  "title=\"https://evil.example/\" target=\"_blank\" rel=\"noopener noreferrer\"><b>"
		  "https://bank.example/</b></a>" },
		/* A text that is the address itself needs no title. */
		{ "<a href=\"https://x.org/\" title=\"https://bank.example/\"> https://x.org/ </a>",
		  "<base target=\"_blank\"><a href=\"https://x.org/\" target=\"_blank\" "
		  "rel=\"noopener noreferrer\"> https://x.org/ </a>" },
		{ "<a href=\"mailto:ann@x.org\">ann@x.org</a>",
		  "<base target=\"_blank\"><a href=\"mailto:ann@x.org\" target=\"_blank\" "
		  "rel=\"noopener noreferrer\">ann@x.org</a>" },
		{ "<a href=\"mailto:ann@x.org\">", "<base target=\"_blank\"><a href=\"mailto:ann@x.org\" "
		  "title=\"mailto:ann@x.org\" target=\"_blank\" rel=\"noopener noreferrer\">" },
		/* Every other scheme, however written, loses its address. */
		{ "<a href=\"javascript:alert(1)\">", "<base target=\"_blank\"><a>" },
		{ "<a href=\" java&#115;cript:alert(1)\">", "<base target=\"_blank\"><a>" },
		{ "<a href=\"jav&#x09;ascript:alert(1)\">", "<base target=\"_blank\"><a>" },
		{ "<a href=\"data:text/html,<script>\">", "<base target=\"_blank\"><a>" },
		{ "<a href=\"/logoff\">", "<base target=\"_blank\"><a>" },
		{ "<a href=//evil.org/>", "<base target=\"_blank\"><a>" },
		{ "<a/href=javascript:x>", "<base target=\"_blank\"><a>" },
		/* The first href is the one a browser uses. */
		{ "<a href=\"javascript:x\" href=\"https://x.org/\">",
		  "<base target=\"_blank\"><a>" },
		{ "<area href=\"https://x.org/\">", "<base target=\"_blank\"><area href=\"https://x.org/\" "
		  "title=\"https://x.org/\" target=\"_blank\" rel=\"noopener noreferrer\">" },
		/* Tags that only start like <a are left alone. */
		{ "<abbr href=\"javascript:x\">", "<base target=\"_blank\"><abbr href=\"javascript:x\">" },
		/* A link a browser sees after "<!-->" is rewritten too. */
		{ "<!--><a href=\"javascript:x\">", "<base target=\"_blank\"><!--><a>" },
		/* The message's own base goes; a doctype stays first. */
		{ "<!DOCTYPE html><base href=\"https://evil.org/\" target=\"_self\"><p>",
		  "<!DOCTYPE html><base target=\"_blank\"><p>" },
		/* Quotes in a value cannot close the attribute early. */
		{ "<a href='https://x.org/\"onmouseover=\"x'>",
		  "<base target=\"_blank\"><a href=\"https://x.org/&quot;onmouseover=&quot;x\" "
		  "title=\"https://x.org/&quot;onmouseover=&quot;x\" target=\"_blank\" "
		  "rel=\"noopener noreferrer\">" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = frame(cases[i].in);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("%s\n  gave %s\n  want %s", cases[i].in, out, cases[i].out);
		free(out);
	}
}

/* Tags that act without a script: a refresh, DNS look-ups, SVG animation
 * that changes a link after it was checked. Their text and end tags may stay. */
static void test_dropped_tags(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<meta http-equiv=\"refresh\" content=\"0; url=/logoff\"><p>x",
		  "<base target=\"_blank\"><p>x" },
		{ "<META/http-equiv=refresh content='0;url=/'>", "<base target=\"_blank\">" },
		{ "<link rel=\"dns-prefetch\" href=\"//tracker.example\">", "<base target=\"_blank\">" },
		{ "<svg><a href=\"https://x.org/\"><set attributeName=\"href\" to=\"/logoff\"/>"
		  "<text>t</text></a></svg>",
		  "<base target=\"_blank\"><svg><a href=\"https://x.org/\" title=\"https://x.org/\" "
		  "target=\"_blank\" rel=\"noopener noreferrer\"><text>t</text></a></svg>" },
		{ "<animate attributeName=href values='javascript:x'></animate>",
		  "<base target=\"_blank\"></animate>" },
		{ "<animateTransform type='rotate'><animateMotion path='M0'><discard>",
		  "<base target=\"_blank\">" },
		/* Only whole names: these are other tags. */
		{ "<metadata><settings><linkage>", "<base target=\"_blank\"><metadata><settings><linkage>" },
		/* A quoted '>' does not end the dropped tag early. */
		{ "<meta content=\"a>b\" http-equiv=refresh>z", "<base target=\"_blank\">z" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = frame(cases[i].in);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("%s\n  gave %s\n  want %s", cases[i].in, out, cases[i].out);
		free(out);
	}
}

static void test_cid_images(void **state)
{
	(void)state;
	char *out = frame("<img alt=\"l\" src=\"cid:logo%40x\"><img src=\"cid:other@x\">");
	assert_string_equal(out, "<base target=\"_blank\"><img alt=\"l\" "
			    "src=\"data:image/png;base64,AAAA\"><img src=\"cid:other@x\">");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_dropped_tags),
		cmocka_unit_test(test_cid_images),
	};
	g_mime_init();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return failed;
}
