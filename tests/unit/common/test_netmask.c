/* test_netmask.c - address lists (web.trusted_proxies) and the client
 * address read from X-Forwarded-For behind them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "webmsg/err.h"
#include "webmsg/netmask.h"

static struct netmask_list list_of(const char *text)
{
	struct netmask_list l;
	struct err e;
	if (netmask_list_parse(text, &l, &e) < 0)
		fail_msg("%s: %s", text, e.msg);
	return l;
}

static void test_parse(void **state)
{
	static const char *const bad[] = {
		"192.0.2.300", "example.org", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1",
		"10.0.0.0/8x", "2001:db8::/129", "::ffff:10.0.0.0/95", "10.0.0.0/8/8",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	struct netmask_list l;
	struct err e;
	(void)state;
	assert_int_equal(netmask_list_parse("", &l, &e), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(netmask_list_parse(" 192.0.2.1, 10.0.0.0/8\t2001:db8::/32,,", &l, &e), 0);
	assert_int_equal(l.n, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (netmask_list_parse(bad[i], &l, &e) == 0)
			fail_msg("'%s' was taken", bad[i]);
		if (!strstr(e.msg, "not an IP") && !strstr(e.msg, "prefix"))
			fail_msg("'%s': %s", bad[i], e.msg);
	}
	/* Thirty-two at most. */
	char many[33 * 12];
	size_t used = 0;
	for (int i = 0; i < 33; i++)
		used += (size_t)snprintf(many + used, sizeof(many) - used, "10.0.0.%d,", i);
	assert_int_equal(netmask_list_parse(many, &l, &e), -1);
	assert_non_null(strstr(e.msg, "at most 32"));
}

static void test_has(void **state)
{
	struct netmask_list l = list_of("192.0.2.10, 10.0.0.0/8, 172.16.0.0/12, 2001:db8:1::/48, "
					"::ffff:198.51.100.0/120");
	(void)state;
	static const struct {
		const char *ip;
		int in;
	} cases[] = {
		{ "192.0.2.10", 1 },	    { "192.0.2.11", 0 },       { "10.255.1.2", 1 },
		{ "11.0.0.1", 0 },	    { "172.31.255.255", 1 },   { "172.32.0.0", 0 },
		{ "2001:db8:1:ffff::1", 1 }, { "2001:db8:2::1", 0 },	{ "::ffff:10.1.2.3", 1 },
		{ "198.51.100.77", 1 },	    { "198.51.101.1", 0 },     { "unknown", 0 },
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (netmask_list_has_text(&l, cases[i].ip) != cases[i].in)
			fail_msg("%s: want %d", cases[i].ip, cases[i].in);

	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:10.9.8.7", &v6.sin6_addr); /* a dual-stack socket's peer */
	assert_true(netmask_list_has(&l, (struct sockaddr *)&v6));
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	inet_pton(AF_INET, "192.0.2.9", &v4.sin_addr);
	assert_false(netmask_list_has(&l, (struct sockaddr *)&v4));
	assert_false(netmask_list_has(NULL, (struct sockaddr *)&v4));
	struct netmask_list all = list_of("0.0.0.0/0");
	assert_true(netmask_list_has(&all, (struct sockaddr *)&v4));
}

static void test_forwarded(void **state)
{
	struct netmask_list proxies = list_of("127.0.0.1, 10.0.0.0/8");
	(void)state;
	static const struct {
		const char *peer, *forwarded, *client;
	} cases[] = {
		/* Not from a proxy: what the client says is not read. */
		{ "192.0.2.7", "203.0.113.9", "192.0.2.7" },
		/* One proxy. */
		{ "127.0.0.1", "203.0.113.9", "203.0.113.9" },
		{ "127.0.0.1", " 203.0.113.9 ", "203.0.113.9" },
		/* A client that forges the header: only the entry the proxy added counts. */
		{ "127.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9" },
		/* Two proxies (the inner one in 10/8). */
		{ "127.0.0.1", "203.0.113.9, 10.1.1.1", "203.0.113.9" },
		{ "127.0.0.1", "8.8.8.8,203.0.113.9,10.1.1.1", "203.0.113.9" },
		/* IPv6 clients, and IPv4 written as IPv6. */
		{ "127.0.0.1", "2001:db8::5", "2001:db8::5" },
		{ "127.0.0.1", "::ffff:203.0.113.9", "203.0.113.9" },
		/* No header, or nothing usable: the last proxy known. */
		{ "127.0.0.1", NULL, "127.0.0.1" },
		{ "127.0.0.1", "", "127.0.0.1" },
		{ "127.0.0.1", "unknown", "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.9, <script>", "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.9, 10.1.1.1, garbage", "127.0.0.1" },
		{ "127.0.0.1", "garbage, 10.1.1.1", "10.1.1.1" },
		{ "127.0.0.1", "203.0.113.9,,", "127.0.0.1" },
		/* Only proxies: the first of them. */
		{ "127.0.0.1", "10.0.0.2, 10.0.0.1", "10.0.0.2" },
		/* A port, as some proxies add, is not an address. */
		{ "127.0.0.1", "203.0.113.9:4711", "127.0.0.1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		netmask_forwarded_client(&proxies, cases[i].peer, cases[i].forwarded, out,
					 sizeof(out));
		if (strcmp(out, cases[i].client) != 0)
			fail_msg("%s via %s: gave %s, want %s", cases[i].forwarded ? cases[i].forwarded : "(none)",
				 cases[i].peer, out, cases[i].client);
	}
	struct netmask_list none = list_of("");
	char out[64];
	netmask_forwarded_client(&none, "127.0.0.1", "203.0.113.9", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	/* A header longer than any address is read as none. */
	char longest[300];
	memset(longest, '1', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	netmask_forwarded_client(&proxies, "127.0.0.1", longest, out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_forwarded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
