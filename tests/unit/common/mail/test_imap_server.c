/* test_imap_server.c - mail.imap_server and mail.imap_tls as they parse:
 * host:port, IPv6 in brackets, default ports per TLS mode, what is refused,
 * which hosts count as this machine (where no TLS is allowed), and the
 * addresses a name resolves to, as the parent hands them to the workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/imap_server.h"

static void test_parse(void **state)
{
	static const struct {
		const char *in;
		enum imap_tls tls;
		const char *host; /* NULL: refused */
		unsigned port;
	} cases[] = {
		{ "imap.example.org:993", IMAP_TLS_IMPLICIT, "imap.example.org", 993 },
		{ "imap.example.org", IMAP_TLS_IMPLICIT, "imap.example.org", 993 },
		{ "imap.example.org", IMAP_TLS_STARTTLS, "imap.example.org", 143 },
		{ "127.0.0.1", IMAP_TLS_NONE, "127.0.0.1", 143 },
		{ "127.0.0.1:1143", IMAP_TLS_NONE, "127.0.0.1", 1143 },
		{ "[::1]:993", IMAP_TLS_IMPLICIT, "::1", 993 },
		{ "[2001:db8::1]", IMAP_TLS_STARTTLS, "2001:db8::1", 143 },
		{ "::1", IMAP_TLS_IMPLICIT, NULL, 0 },      /* IPv6 needs brackets */
		{ "[::1", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "[::1]x", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "host:0", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "host:65536", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "host:99x", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "host:", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ ":993", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "two words", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "user@host", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "imaps://host", IMAP_TLS_IMPLICIT, NULL, 0 },
		{ "host/x", IMAP_TLS_IMPLICIT, NULL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[IMAP_HOST_MAX] = "unchanged";
		unsigned port = 0;
		struct err e = { { 0 } };
		int rc = imap_server_parse(cases[i].in, cases[i].tls, host, &port, &e);
		if (!cases[i].host) {
			if (rc == 0)
				fail_msg("'%s' was taken as %s port %u", cases[i].in, host, port);
			assert_true(e.msg[0] != '\0');
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' refused: %s", cases[i].in, e.msg);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

static void test_long_host(void **state)
{
	char in[IMAP_HOST_MAX + 8], host[IMAP_HOST_MAX];
	unsigned port;
	struct err e;
	(void)state;
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(imap_server_parse(in, IMAP_TLS_IMPLICIT, host, &port, &e), -1);
}

static void test_tls(void **state)
{
	enum imap_tls t;
	struct err e;
	(void)state;
	assert_int_equal(imap_server_tls_parse("implicit", &t, &e), 0);
	assert_int_equal(t, IMAP_TLS_IMPLICIT);
	assert_int_equal(imap_server_tls_parse("starttls", &t, &e), 0);
	assert_int_equal(t, IMAP_TLS_STARTTLS);
	assert_int_equal(imap_server_tls_parse("none", &t, &e), 0);
	assert_int_equal(t, IMAP_TLS_NONE);
	assert_int_equal(imap_server_tls_parse("ssl", &t, &e), -1);
	assert_int_equal(imap_server_tls_parse("", &t, &e), -1);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(imap_server_loopback("localhost"));
	assert_true(imap_server_loopback("LOCALHOST"));
	assert_true(imap_server_loopback("127.0.0.1"));
	assert_true(imap_server_loopback("127.1.2.3"));
	assert_true(imap_server_loopback("::1"));
	assert_false(imap_server_loopback("128.0.0.1"));
	assert_false(imap_server_loopback("10.0.0.1"));
	assert_false(imap_server_loopback("::2"));
	assert_false(imap_server_loopback("localhost.example.org"));
	assert_false(imap_server_loopback("127.0.0.1.example.org"));
	assert_false(imap_server_loopback("imap.example.org"));
}

/* Each address of a resolve's answer: a number, and none twice. */
static void assert_numbers(const char *addrs, size_t *count)
{
	char seen[IMAP_ADDRS_MAX][64];
	*count = 0;
	for (const char *p = addrs; *p;) {
		size_t l = strcspn(p, " ");
		unsigned char a[sizeof(struct in6_addr)];
		assert_true(l > 0 && l < 64);
		assert_true(*count < IMAP_ADDRS_MAX);
		snprintf(seen[*count], sizeof(seen[0]), "%.*s", (int)l, p);
		assert_true(inet_pton(AF_INET, seen[*count], a) == 1 ||
			    inet_pton(AF_INET6, seen[*count], a) == 1);
		for (size_t i = 0; i < *count; i++)
			assert_string_not_equal(seen[i], seen[*count]);
		(*count)++;
		p += l;
		p += *p == ' ';
	}
}

static void test_resolve(void **state)
{
	char addrs[IMAP_ADDRS_LEN];
	size_t n;
	struct err e;
	(void)state;
	/* An address is its own answer, with no lookup to fail. */
	assert_int_equal(imap_server_resolve("192.0.2.7", addrs, &e), 0);
	assert_string_equal(addrs, "192.0.2.7");
	assert_int_equal(imap_server_resolve("2001:db8::7", addrs, &e), 0);
	assert_string_equal(addrs, "2001:db8::7");
	/* A name: its addresses as numbers, what a worker connects to. */
	assert_int_equal(imap_server_resolve("localhost", addrs, &e), 0);
	assert_numbers(addrs, &n);
	assert_true(n >= 1);
	for (const char *p = addrs; *p; p += strcspn(p, " "), p += *p == ' ') {
		char one[64];
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(p, " "), p);
		assert_true(imap_server_loopback(one));
	}
	/* A name nothing resolves: refused with the name and the reason. */
	assert_int_equal(imap_server_resolve("no-such-host.invalid", addrs, &e), -1);
	assert_non_null(strstr(e.msg, "no-such-host.invalid cannot be resolved"));
	assert_string_equal(addrs, "");
	assert_int_equal(imap_server_resolve("", addrs, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_long_host),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
