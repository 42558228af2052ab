/* test_redirect.c - the one check on where the server sends a browser: every
 * spelling of another host is refused (the tricks browsers and decoders play
 * with TAB, backslashes, escapes and dot segments), the addresses of our own
 * pages pass as they are, and "back" never names an action. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redirect.h"

/* Each of these, put in Location or a meta refresh, leaves this server in
 * some browser, or is a spelling a decoder further on could turn into one. */
static const char *const hostile[] = {
	"",
	"mail",
	"evil.example",
	"http://evil.example/",
	"https:evil.example",
	"javascript:alert(1)",
	"//evil.example",
	"///evil.example",
	"//evil.example/mail",
	"/\\evil.example",
	"\\/evil.example",
	"\\\\evil.example",
	"/\t/evil.example",   /* browsers drop TAB: //evil.example */
	"/\n/evil.example",
	"/\r/evil.example",
	"\t//evil.example",
	" //evil.example",
	"/ /evil.example",
	"/\r\nSet-Cookie: x=1",
	"/mail\r\nLocation: //evil.example",
	"/%09/evil.example",
	"/%0a/evil.example",
	"/%0d%0aSet-Cookie:%20x=1",
	"/%2f%2fevil.example",
	"/%2F/evil.example",
	"/%2fevil.example",
	"/%5cevil.example",
	"/%5C%5Cevil.example",
	"/%252f%252fevil.example", /* decoded twice: //evil.example */
	"/%25",
	"/.//evil.example",   /* dot segments: //evil.example */
	"/./evil.example",
	"/..//evil.example",
	"/../evil.example",
	"/mail/../..//evil.example",
	"/mail/./",
	"/.",
	"/..",
	"/%2e/evil.example",
	"/%2e%2e/evil.example",
	"/.%2e/evil.example",
	"/mail//read",
	"/%c0%af%c0%afevil.example", /* overlong "/" */
	"/%e0%80%afevil.example",
	"/%c1%9c",                   /* overlong "\" */
	"/%ed%a0%80",                /* a surrogate */
	"/%f4%90%80%80",             /* past U+10FFFF */
	"/%f8%88%80%80%80",
	"/%ff",
	"/%80",
	"/%c3",                      /* cut short */
	"/%c3x",
	"/%c2%85",                   /* NEL, a C1 control */
	"/%c2%9b",
	"/%zz",
	"/%4",
	"/%",
	"/%%30",
	"/%00",
	"/%7f",
	"/\x01",
	"/\x7f",
	"/\x1b[31m",
	"/\xc3\xbc",                 /* raw bytes above 0x7f */
	"/\xe2\x80\xa8",
	"/mail#top",
	"/mail?f=INBOX#x",
	"/mail?f=%",
	"/mail?f=%0",
	"/mail?f=%0a",
	"/mail?f=%09",
	"/mail?f=%0D",
	"/mail?f=%5c",
	"/mail?f=%c3",
	"/mail?f=%c0%af",
	"/mail?f=a b",
	"/mail?f=a\tb",
	"/mail?f=a\\b",
	"/mail?f=\"><script>",
	"/mail?f=<x>",
	"/mail?f=`x`",
	"/mail?f={x}",
	"/mail?f=a|b",
	"/mail?f=a^b",
};

/* Addresses of our own pages that must come through unchanged. */
static const char *const good[] = {
	"/",
	"/mail",
	"/mail/",
	"/mail?f=Sent&p=2",
	"/mail?f=INBOX",
	"/mail/read?f=INBOX&id=1700000000.M123P456.mail.example.org%2CS%3D2048",
	"/mail/read?f=INBOX&id=1700000000.M1P2.host",
	"/mail/part?f=INBOX&id=abc&part=1.2",
	"/mail?f=My%20Folder",
	"/mail?f=%C3%9Cbersicht",
	"/mail?f=%E2%82%AC&p=3",
	"/mail?f=%F0%9F%93%A7",
	"/mail?f=100%25",
	"/mail?f=a+b",
	"/mail?q=a/b?c",
	"/mail?back=%2Fmail%3Ff%3DSent",
	"/mail?s=subject&d=1",
	"/mail/compose?to=ann%40example.org",
	"/static/style.css",
	"/mail?f=.hidden",
	"/...",
	"/mail/...x",
	"/a:b@c",
	"/mail?f=it's&x=(1)*!$,;=:@~",
	"/?",
	"/mail?",
};

static void test_hostile_targets_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		if (redirect_target_ok(hostile[i]))
			fail_msg("accepted: \"%s\" (case %zu)", hostile[i], i);
		assert_string_equal(redirect_target(hostile[i], "/fallback"), "/fallback");
		assert_string_equal(redirect_back(hostile[i], "/fallback"), "/fallback");
	}
	assert_false(redirect_target_ok(NULL));
}

static void test_own_pages_pass_unchanged(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!redirect_target_ok(good[i]))
			fail_msg("refused: \"%s\" (case %zu)", good[i], i);
		/* The very string comes back: nothing is decoded or rewritten. */
		assert_ptr_equal(redirect_target(good[i], "/x"), good[i]);
		assert_ptr_equal(redirect_back(good[i], "/x"), good[i]);
	}
}

/* Every byte in every place: a good address with one raw byte put in, or one
 * escape, passes only when that byte is one RFC 3986 allows there. */
static void test_every_byte_everywhere(void **state)
{
	static const char base[] = "/mail/read?f=INBOX&id=1";
	char t[64];
	(void)state;
	for (size_t pos = 1; pos < sizeof(base) - 1; pos++) {
		int in_query = pos > (size_t)(strchr(base, '?') - base);
		for (int c = 1; c < 256; c++) {
			snprintf(t, sizeof(t), "%.*s%c%s", (int)pos, base, c, base + pos);
			int printable_safe = c > 0x20 && c < 0x7F && !strchr("\\\"<>^`{|}#%", c);
			if (!printable_safe)
				assert_false(redirect_target_ok(t));
			snprintf(t, sizeof(t), "%.*s%%%02X%s", (int)pos, base, c, base + pos);
			int escaped_ok = c >= 0x20 && c != 0x7F && c != '\\' && c < 0x80 &&
					 (in_query || (c != '/' && c != '.' && c != '%'));
			if (redirect_target_ok(t) != escaped_ok)
				fail_msg("%%%02X at %zu: %s", c, pos,
					 escaped_ok ? "refused" : "accepted");
		}
	}
}

static void test_too_long_refused(void **state)
{
	static char t[REDIRECT_TARGET_MAX + 2];
	(void)state;
	t[0] = '/';
	memset(t + 1, 'a', REDIRECT_TARGET_MAX - 1);
	t[REDIRECT_TARGET_MAX] = '\0';
	assert_true(redirect_target_ok(t));
	t[REDIRECT_TARGET_MAX] = 'a';
	t[REDIRECT_TARGET_MAX + 1] = '\0';
	assert_false(redirect_target_ok(t));
}

static void test_back_never_an_action(void **state)
{
	static const char *const actions[] = {
		"/logon", "/logon?back=/mail", "/logoff", "/mode/secure?back=/mail",
		"/mode/enter", "/mode/leave?back=/", "/mode", "/mode/",
	};
	static const char *const pages[] = { "/logons", "/mail/logon", "/modest", "/mail?x=/logoff" };
	(void)state;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		assert_string_equal(redirect_back(actions[i], "/mail"), "/mail");
		/* An address rebuilt from the request line may name one (Force SSL). */
		assert_ptr_equal(redirect_target(actions[i], "/"), actions[i]);
	}
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		assert_ptr_equal(redirect_back(pages[i], "/"), pages[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_targets_refused),
		cmocka_unit_test(test_own_pages_pass_unchanged),
		cmocka_unit_test(test_every_byte_everywhere),
		cmocka_unit_test(test_too_long_refused),
		cmocka_unit_test(test_back_never_an_action),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
