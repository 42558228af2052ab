/* test_guard.c - the connection guard: addresses are grouped (IPv4 alone,
 * IPv6 by /64, mapped IPv4 as IPv4), the last quarter of the slots stays for
 * new addresses, and a socket past its header deadline or under the body
 * rate is shut down while one that keeps up is not. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "guard.h"
#include "webmsg/err.h"

static struct sockaddr_in6 v6(const char *text)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
	return a;
}

static struct sockaddr_in v4(const char *text)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, text, &a.sin_addr), 1);
	return a;
}

#define SA(a) ((const struct sockaddr *)&(a)), (socklen_t)sizeof(a)

static void test_ipv6_grouped_by_64(void **state)
{
	struct guard *g;
	struct err e;
	struct guard_limits lim = { 100, 2 };
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	struct sockaddr_in6 a = v6("2001:db8:1:2::1"), b = v6("2001:db8:1:2:ffff::9"),
			    c = v6("2001:db8:1:2:abcd::5"), other = v6("2001:db8:1:3::1");
	struct guard_conn *ca = guard_open_socket(g, -1, SA(a), 60);
	assert_true(guard_admit(g, SA(b), &lim));
	struct guard_conn *cb = guard_open_socket(g, -1, SA(b), 60);
	/* The /64 holds two: a third address in it is refused, the next /64 is not. */
	assert_false(guard_admit(g, SA(c), &lim));
	assert_true(guard_admit(g, SA(other), &lim));
	guard_close(&cb);
	assert_null(cb);
	assert_true(guard_admit(g, SA(c), &lim));
	guard_close(&ca);
	guard_stop(&g);
}

static void test_mapped_ipv4_is_ipv4(void **state)
{
	struct guard *g;
	struct err e;
	struct guard_limits lim = { 100, 1 };
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	struct sockaddr_in a = v4("192.0.2.7");
	struct sockaddr_in6 mapped = v6("::ffff:192.0.2.7"), near = v6("::ffff:192.0.2.8");
	struct guard_conn *ca = guard_open_socket(g, -1, SA(a), 60);
	assert_false(guard_admit(g, SA(mapped), &lim));
	assert_true(guard_admit(g, SA(near), &lim));
	guard_close(&ca);
	guard_stop(&g);
}

static void test_room_kept_for_new_addresses(void **state)
{
	struct guard *g;
	struct err e;
	struct guard_limits lim = { 8, 8 };
	struct guard_conn *held[8];
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	struct sockaddr_in busy = v4("198.51.100.1"), fresh = v4("198.51.100.2");
	int n = 0;
	while (n < 8 && guard_admit(g, SA(busy), &lim))
		held[n++] = guard_open_socket(g, -1, SA(busy), 60);
	/* Three quarters of 8: six, then a busy address gets no more. */
	assert_int_equal(n, 6);
	assert_true(guard_admit(g, SA(fresh), &lim));
	for (int i = 0; i < n; i++)
		guard_close(&held[i]);
	guard_stop(&g);
}

/* 1 when the peer of s sees the end of the stream within ms. */
static int cut_within(int s, int ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char c;
	return poll(&p, 1, ms) == 1 && read(s, &c, 1) == 0;
}

static void test_header_deadline(void **state)
{
	struct guard *g;
	struct err e;
	int sp[2];
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	struct guard_conn *gc = guard_open_socket(g, sp[0], NULL, 0, 1);
	assert_non_null(gc);
	assert_false(cut_within(sp[1], 300));
	assert_true(cut_within(sp[1], 5000));
	guard_close(&gc);
	close(sp[0]);
	close(sp[1]);
	guard_stop(&g);
}

static void test_answering_has_no_deadline(void **state)
{
	struct guard *g;
	struct err e;
	int sp[2];
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	struct guard_conn *gc = guard_open_socket(g, sp[0], NULL, 0, 1);
	guard_answering(gc);
	assert_false(cut_within(sp[1], 1600));
	guard_close(&gc);
	close(sp[0]);
	close(sp[1]);
	guard_stop(&g);
}

static void test_body_rate(void **state)
{
	struct guard *g;
	struct err e;
	int sp[2];
	(void)state;
	assert_int_equal(guard_start(&g, &e), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	struct guard_conn *gc = guard_open_socket(g, sp[0], NULL, 0, 60);
	guard_body_begin(gc, 1000);
	guard_body_bytes(gc, 10);
	assert_true(cut_within(sp[1], (GUARD_RATE_WINDOW + 5) * 1000));
	guard_close(&gc);
	close(sp[0]);
	close(sp[1]);
	guard_stop(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_grouped_by_64),
		cmocka_unit_test(test_mapped_ipv4_is_ipv4),
		cmocka_unit_test(test_room_kept_for_new_addresses),
		cmocka_unit_test(test_header_deadline),
		cmocka_unit_test(test_answering_has_no_deadline),
		cmocka_unit_test(test_body_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
