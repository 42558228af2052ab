/* test_address.c - e-mail addresses as users type them and as the server
 * splits them: display names, quotes, comments, groups, UTF-8, and hostile
 * input that must neither add a recipient nor lose one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/address.h"
#include "webmsg/err.h"

#define GOT_MAX 2048

static void join_address(const char *addr, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	/* Every address handed out is one line with no blanks: a header or an
	 * SMTP command built from it cannot be split or extended. */
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			fail_msg("address '%s' holds a blank or control character", addr);
	snprintf(out + len, GOT_MAX - len, "%s%s", len ? " " : "", addr);
}

static void test_list_parse(void **state)
{
	static const struct {
		const char *typed;
		int count;
		const char *result; /* the addresses, or the error */
	} cases[] = {
		/* display names, quotes and comments */
		{ "Ann <a@x.org>, b@y.org", 2, "a@x.org b@y.org" },
		{ "\"Doe, John\" <j@x.org>; k@y.org", 2, "j@x.org k@y.org" },
		{ "\"Semi; colon\" <s@x.org>", 1, "s@x.org" },
		{ "\"a \\\" quote, inside\" <q@x.org>, r@x.org", 2, "q@x.org r@x.org" },
		{ "c@x.org (Carl, the (nested) comment), d@x.org", 2, "c@x.org d@x.org" },
		{ "<a@x.org>", 1, "a@x.org" },
		{ "Ann <a@x.org>\r\n, b@y.org", 2, "a@x.org b@y.org" },
		/* groups: their members count, an empty group adds nobody */
		{ "Team: a@x.org, b@y.org;, c@z.org", 3, "a@x.org b@y.org c@z.org" },
		{ "Team: \"X, Y\" <xy@x.org>, b@y.org; c@z.org", 3, "xy@x.org b@y.org c@z.org" },
		{ "undisclosed-recipients:;", 0, "" },
		/* UTF-8 names and addresses pass through unchanged */
		{ "Zoë Müller <zoe@example.net>", 1, "zoe@example.net" },
		{ "=?UTF-8?Q?Zo=C3=AB?= <zoe@example.net>", 1, "zoe@example.net" },
		{ "Jörg <jörg@bücher.example>", 1, "jörg@bücher.example" },
		{ "用户@例子.广告", 1, "用户@例子.广告" },
		/* nothing typed */
		{ NULL, 0, "" },
		{ "", 0, "" },
		{ " , ;, ", 0, "" },
		/* not addresses: an error naming the one at fault, nothing dropped */
		{ "not an address", -1, "'not an address' is not an e-mail address" },
		{ "a@x.org, foo, c@z.org", -1, "'foo' is not an e-mail address" },
		{ "b@", -1, "'b@' is not an e-mail address" },
		{ "@x.org", -1, "'@x.org' is not an e-mail address" },
		{ "<@example.org>", -1, "'<@example.org>' is not an e-mail address" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[GOT_MAX] = "";
		struct err e = { "" };
		int n = address_list_parse(cases[i].typed, join_address, got, &e);
		if (n != cases[i].count)
			fail_msg("\"%s\": %d addresses (%s%s), not %d",
				 cases[i].typed ? cases[i].typed : "(null)", n, got, e.msg,
				 cases[i].count);
		assert_string_equal(n < 0 ? e.msg : got, cases[i].result);
	}
}

/* What an attacker types into To or Cc, or pastes into a victim's: never a
 * recipient more than the mailboxes written, never an address with a line
 * break or a blank (join_address checks each), so no header or SMTP command
 * can be added through a field. */
static void test_list_hostile(void **state)
{
	static const struct {
		const char *typed;
		int max; /* the most recipients it may give; -1: must be refused */
	} cases[] = {
		{ "a@x.org\r\nBcc: b@y.example", 2 },
		{ "a@x.org\nRCPT TO:<b@y.example>", 2 },
		{ "a@x.org\r\n.\r\nQUIT", 1 },
		{ "\"unterminated <a@x.org>, b@y.org", 2 },
		{ "(unterminated comment a@x.org, b@y.org", 2 },
		{ "<a@x.org, b@y.org", 2 },
		{ "a@x.org>, b@y.org", 2 },
		{ "Outer: Inner: a@x.org;;", -1 }, /* groups do not nest */
		{ "a\x01@x.org", 1 }, /* control characters are dropped as typed */
		{ "a@x.org\x7f", 1 },
		{ "a b@x.org", -1 },
		{ "\"a b\"@x.org", -1 },
		{ "a@@x.org", 1 },
		{ ";;;;;;,,,,,:::::", 0 },
		{ "\\", -1 },
		{ "\"\\", -1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[GOT_MAX] = "";
		struct err e = { "" };
		int n = address_list_parse(cases[i].typed, join_address, got, &e);
		if (cases[i].max < 0 ? n >= 0 : n > cases[i].max)
			fail_msg("\"%s\": %d addresses (%s), expected %s %d", cases[i].typed, n, got,
				 cases[i].max < 0 ? "refusal, not" : "at most", cases[i].max);
		if (n < 0)
			assert_true(e.msg[0] != '\0');
	}
}

/* A long list typed or pasted: every address comes out, in order, and a
 * very long single item is refused rather than cut. */
static void test_list_long(void **state)
{
	(void)state;
	enum { N = 2000 };
	size_t cap = N * 24 + 1, len = 0;
	char *typed = malloc(cap);
	assert_non_null(typed);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(typed + len, cap - len, "u%d@x.org, ", i);
	struct err e = { "" };
	assert_int_equal(address_list_parse(typed, NULL, NULL, &e), N);
	free(typed);

	char *huge = malloc(200001);
	assert_non_null(huge);
	memset(huge, 'a', 200000);
	huge[200000] = '\0';
	assert_int_equal(address_list_parse(huge, NULL, NULL, &e), -1);
	memset(huge, '(', 200000); /* deep comment nesting: no recursion to blow */
	assert_int_equal(address_list_parse(huge, NULL, NULL, &e), -1);
	free(huge);
}

static void test_split(void **state)
{
	(void)state;
	struct err e = { "" };
	char local[16], domain[16];

	assert_int_equal(address_split("ann@x.org", local, sizeof(local), domain, sizeof(domain),
				       &e), 0);
	assert_string_equal(local, "ann");
	assert_string_equal(domain, "x.org");
	/* a quoted local part may hold an '@': the domain is after the last one */
	assert_int_equal(address_split("\"a@b\"@x.org", local, sizeof(local), domain,
				       sizeof(domain), &e), 0);
	assert_string_equal(local, "\"a@b\"");
	assert_string_equal(domain, "x.org");
	assert_int_equal(address_split("zoë@bücher.de", local, sizeof(local), domain,
				       sizeof(domain), &e), 0);
	assert_string_equal(domain, "bücher.de");

	static const char *const bad[] = { "", "ann", "@x.org", "ann@", "@" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(local, "unchanged");
		if (address_split(bad[i], local, sizeof(local), domain, sizeof(domain), &e) != -1)
			fail_msg("'%s' was split", bad[i]);
		assert_string_equal(local, "unchanged");
		assert_non_null(strstr(e.msg, "is not an e-mail address"));
	}
	assert_int_equal(address_split(NULL, local, sizeof(local), domain, sizeof(domain), &e), -1);

	/* exactly fitting, and one byte too long on either side: refused, not cut */
	assert_int_equal(address_split("fifteen-chars-a@fifteen-chars-d", local, sizeof(local),
				       domain, sizeof(domain), &e), 0);
	assert_string_equal(local, "fifteen-chars-a");
	assert_string_equal(domain, "fifteen-chars-d");
	assert_int_equal(address_split("sixteen-chars-ab@x.org", local, sizeof(local), domain,
				       sizeof(domain), &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(address_split("a@sixteen-chars-de", local, sizeof(local), domain,
				       sizeof(domain), &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
}

static void test_domain_and_ok(void **state)
{
	(void)state;
	assert_string_equal(address_domain("ann@x.org"), "x.org");
	assert_string_equal(address_domain("\"a@b\"@y.org"), "y.org");
	assert_null(address_domain("ann"));
	assert_null(address_domain("ann@"));
	assert_null(address_domain(NULL));

	assert_true(address_ok("ann@x.org"));
	assert_true(address_ok("jörg@bücher.example"));
	assert_false(address_ok("ann"));
	assert_false(address_ok("@x.org"));
	assert_false(address_ok("ann@"));
	assert_false(address_ok("ann @x.org"));
	assert_false(address_ok("ann@x.org\r\n"));
	assert_false(address_ok("ann@x.org\x7f"));
	assert_false(address_ok("a\tb@x.org"));
	assert_false(address_ok(NULL));

	assert_true(address_sender_ok("ann@x.org"));
	assert_true(address_sender_ok("ann.o'neil+news@mail.x-y.org"));
	assert_true(address_sender_ok("jörg@bücher.example"));
	assert_false(address_sender_ok("ann"));
	assert_false(address_sender_ok("ann@b@x.org"));
	assert_false(address_sender_ok("ann,eve@x.org"));
	assert_false(address_sender_ok("Eve <eve@x.org>"));
	assert_false(address_sender_ok("\"a b\"@x.org"));
	assert_false(address_sender_ok(".ann@x.org"));
	assert_false(address_sender_ok("ann.@x.org"));
	assert_false(address_sender_ok("a..nn@x.org"));
	assert_false(address_sender_ok("ann@x..org"));
	assert_false(address_sender_ok("ann@.x.org"));
	assert_false(address_sender_ok("ann@x.org."));
	assert_false(address_sender_ok("ann@x_y.org"));
	assert_false(address_sender_ok("ann@x.org\r\nBcc: eve@x.org"));
	assert_false(address_sender_ok("@x.org"));
	assert_false(address_sender_ok("ann@"));
	assert_false(address_sender_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_list_hostile),
		cmocka_unit_test(test_list_long),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_domain_and_ok),
	};
	g_mime_init();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return failed;
}
