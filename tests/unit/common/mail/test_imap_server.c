/* test_imap_server.c - mail.imap_server and mail.imap_tls as they parse:
 * host:port, IPv6 in brackets, default ports per TLS mode, what is refused,
 * which hosts count as this machine (where no TLS is allowed), and which
 * the workers find without DNS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

static void test_found_without_dns(void **state)
{
	struct tmpdir d;
	char hosts[PATH_MAX];
	(void)state;
	tmpdir_enter(&d);
	tmpdir_file(&d, "hosts", hosts, sizeof(hosts));
	FILE *f = fopen(hosts, "w");
	assert_non_null(f);
	fputs("127.0.0.1\tlocalhost\n# 10.0.0.9 commented.example.org\n"
	      "10.0.0.5  imap.example.org mail # the mail server\n::1 ip6-localhost\n",
	      f);
	fclose(f);
	assert_true(imap_server_found_without_dns("10.1.2.3", hosts));
	assert_true(imap_server_found_without_dns("2001:db8::1", hosts));
	assert_true(imap_server_found_without_dns("imap.example.org", hosts));
	assert_true(imap_server_found_without_dns("MAIL", hosts));
	assert_true(imap_server_found_without_dns("localhost", hosts));
	assert_false(imap_server_found_without_dns("commented.example.org", hosts));
	assert_false(imap_server_found_without_dns("the", hosts));
	assert_true(imap_server_found_without_dns("10.0.0.5", hosts));
	assert_false(imap_server_found_without_dns("other.example.org", hosts));
	assert_false(imap_server_found_without_dns("imap.example.org", "/nonexistent/hosts"));
	tmpdir_leave(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_long_host),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_found_without_dns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
