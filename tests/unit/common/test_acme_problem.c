/* test_acme_problem.c - the CA's error documents in words an operator can
 * act on: what failed, the CA's own detail, and the hint that fits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/acme.h"

#define E "urn:ietf:params:acme:error:"
#define URL "http://mail.example.org/.well-known/acme-challenge/abc"

static const struct {
	const char *type, *detail, *url;
	long port;
	const char *expected;
} cases[] = {
	{ E "connection", "127.0.0.1: Connection refused", URL, 8383,
	  "the CA could not reach " URL ": 127.0.0.1: Connection refused - is port 80 forwarded "
	  "to webmsgd's HTTP port 8383?" },
	{ E "unauthorized", "Invalid response from " URL ": 404", URL, 80,
	  "the CA did not get the expected answer from " URL ": Invalid response from " URL
	  ": 404 - is port 80 forwarded to webmsgd's HTTP port 80?" },
	{ E "dns", "NXDOMAIN looking up A for mail.example.org", URL, 8383,
	  "the CA could not look up the name of " URL ": NXDOMAIN looking up A for "
	  "mail.example.org (check the DNS records)" },
	{ E "rateLimited", "too many certificates already issued", NULL, 8383,
	  "the CA's rate limit is reached (too many certificates already issued); try again "
	  "later" },
	{ E "agreementRequired", NULL, NULL, 0,
	  "the CA's terms of service must be agreed to (no details given); give --agree-tos" },
	{ E "rejectedIdentifier", "localhost is forbidden", NULL, 8383,
	  "the CA will not issue a certificate for these names (localhost is forbidden)" },
	{ E "connection", "timeout", NULL, 0,
	  "the CA could not reach the challenge's address: timeout - is port 80 forwarded to "
	  "webmsgd's HTTP port?" },
	/* Types we do not know, and no type: the CA's words, as they are. */
	{ E "somethingNew", "it broke", NULL, 8383,
	  "the CA refused: it broke (" E "somethingNew)" },
	{ NULL, "it broke", NULL, 8383, "the CA refused: it broke" },
	/* The CA's text cannot drive the terminal nor forge a line. */
	{ E "rateLimited", "slow\x1b]0;owned\x07\ndown\xc2\x9b" "2J", NULL, 8383,
	  "the CA's rate limit is reached (slow\\x1b]0;owned\\x07\\x0adown\\xc2\\x9b2J); try "
	  "again later" },
	{ E "new\x1b[2J", "x", NULL, 8383, "the CA refused: x (" E "new\\x1b[2J)" },
};

static void test_problem_words(void **state)
{
	char out[512];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		acme_problem_text(cases[i].type, cases[i].detail, cases[i].url, cases[i].port, out,
				  sizeof(out));
		assert_string_equal(out, cases[i].expected);
	}
}

static void test_problem_cut_to_fit(void **state)
{
	char out[40];
	(void)state;
	acme_problem_text(E "connection", "refused", URL, 8383, out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_memory_equal(out, "the CA could not reach http://", 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_problem_words),
		cmocka_unit_test(test_problem_cut_to_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
