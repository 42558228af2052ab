/* test_list_state.c - where a user is in a message list: pages asked for by
 * hand or by old links land on a page that exists, each column's first
 * click sorts its own way, the state survives in the addresses built from
 * it, and a message is found again in a window of the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "list_state.h"
#include "webmsg/buf.h"

static void test_page_argument(void **state)
{
	static const struct {
		const char *text;
		long page;
	} cases[] = {
		{ "", 0 },	  { "0", 0 },	  { "3", 3 },	  { "-1", 0 },	  { "-500", 0 },
		{ "abc", 0 },	  { "3x", 0 },	  { " 3", 0 },	  { "+3", 0 },	  { "0x10", 0 },
		{ "500", 500 },	  { "99999999999999999999999", LIST_PAGE_ARG_MAX },
		{ "1000000000", LIST_PAGE_ARG_MAX },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct list_state st;
		list_state_parse(&st, "", "", "", "", "", cases[i].text);
		if (st.page != cases[i].page)
			fail_msg("p=%s: page %ld, want %ld", cases[i].text, st.page, cases[i].page);
	}
}

/* The page a list of total messages shows for page, with size a page. */
static long clamp(long page, long total, long size)
{
	struct list_state st;
	list_state_parse(&st, "", "", "", "", "", "");
	st.page = page;
	st.page_size = size;
	return list_state_clamp(&st, total);
}

static long page_of(size_t pos, long size)
{
	struct list_state st;
	list_state_parse(&st, "", "", "", "", "", "");
	st.page_size = size;
	return list_state_page_of(&st, pos);
}

static void test_clamp(void **state)
{
	(void)state;
	/* 5000 messages are pages 0..99: page 500 is the last, 4951-5000. */
	assert_int_equal(clamp(500, 5000, 50), 99);
	assert_int_equal(clamp(99, 5000, 50) * 50 + 1, 4951);
	assert_int_equal(clamp(98, 5000, 50), 98);
	assert_int_equal(clamp(100, 5001, 50), 100);
	assert_int_equal(clamp(101, 5001, 50), 100);
	assert_int_equal(clamp(1, 50, 50), 0);
	assert_int_equal(clamp(1, 51, 50), 1);
	assert_int_equal(clamp(7, 0, 50), 0);
	assert_int_equal(clamp(-3, 100, 50), 0);
	assert_int_equal(clamp(LIST_PAGE_ARG_MAX, 1, 50), 0);
	assert_int_equal(page_of(0, 50), 0);
	assert_int_equal(page_of(49, 50), 0);
	assert_int_equal(page_of(50, 50), 1);
	/* A user's own page size. */
	assert_int_equal(clamp(500, 5000, 200), 24);
	assert_int_equal(page_of(199, 200), 0);
	assert_int_equal(page_of(200, 200), 1);
	/* The default when nothing sets it. */
	struct list_state st;
	list_state_parse(&st, "", "", "", "", "", "");
	assert_int_equal(st.page_size, LIST_PAGE_SIZE);
}

static void test_sort_and_direction(void **state)
{
	struct list_state st;
	(void)state;
	/* No direction given: the column's own first one. */
	list_state_parse(&st, "Work", "", "", "from", "", "");
	assert_int_equal(st.sort, MAIL_SORT_FROM);
	assert_int_equal(st.ascending, 1);
	list_state_parse(&st, "Work", "", "", "subject", "", "");
	assert_int_equal(st.ascending, 1);
	list_state_parse(&st, "Work", "", "", "date", "", "");
	assert_int_equal(st.sort, MAIL_SORT_DATE);
	assert_int_equal(st.ascending, 0);
	list_state_parse(&st, "", "", "", "size; drop", "yes", "");
	assert_int_equal(st.sort, MAIL_SORT_DATE);
	assert_int_equal(st.ascending, 0);
	assert_string_equal(st.folder, MAIL_INBOX);
	list_state_parse(&st, "", "", "", "subject", "0", "");
	assert_int_equal(st.ascending, 0);
	assert_int_equal(list_state_first_ascending(MAIL_SORT_DATE), 0);
	assert_int_equal(list_state_first_ascending(MAIL_SORT_FROM), 1);
	assert_int_equal(list_state_first_ascending(MAIL_SORT_SUBJECT), 1);
	assert_int_equal(list_state_first_ascending(MAIL_SORT_TO), 1);
	list_state_parse(&st, "Sent", "", "", "to", "", "");
	assert_int_equal(st.sort, MAIL_SORT_TO);
	assert_string_equal(list_state_sort_name(st.sort), "to");
	/* Spaces are no search, and "all" needs a search. */
	list_state_parse(&st, "Work", "  \t", "1", "", "", "");
	assert_string_equal(st.query, "");
	assert_int_equal(st.all, 0);
}

static void test_addresses_keep_the_state(void **state)
{
	struct list_state st;
	struct buf b;
	(void)state;
	list_state_parse(&st, "Rück & Co", "café au lait", "1", "subject", "0", "4");
	buf_init(&b, 4096);
	list_state_url(&b, &st, st.sort, st.ascending, st.page);
	assert_string_equal(b.data, "/mail?f=R%C3%BCck%20%26%20Co&q=caf%C3%A9%20au%20lait&all=1"
				    "&s=subject&a=0&p=4");
	buf_free(&b);
	/* A message in another folder than the list's names the list's. */
	buf_init(&b, 4096);
	list_state_args(&b, &st, "Sent", 5);
	assert_string_equal(b.data, "&lf=R%C3%BCck%20%26%20Co&q=caf%C3%A9%20au%20lait&all=1"
				    "&s=subject&a=0&p=5");
	buf_free(&b);
	list_state_parse(&st, "INBOX", "", "", "from", "1", "2");
	buf_init(&b, 4096);
	list_state_args(&b, &st, "INBOX", 2);
	assert_string_equal(b.data, "&s=from&a=1&p=2");
	buf_free(&b);
}

/* The conversation switch: from the address, else the user's setting; kept
 * in the addresses; never for a search; a conversation only by its number. */
static void test_conversations(void **state)
{
	static const struct {
		const char *query, *c, *t;
		int def, conv, threads;
		long long thread;
		const char *url;
	} cases[] = {
		{ "", "", "", 0, 0, 0, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=0" },
		{ "", "", "", 1, 1, 1, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=1" },
		{ "", "0", "", 1, 0, 0, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=0" },
		{ "", "1", "42", 0, 1, 1, 42, "/mail?f=INBOX&s=date&a=0&p=2&c=1&t=42" },
		{ "", "1", "0", 0, 1, 1, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=1" },
		{ "", "1", "-4", 0, 1, 1, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=1" },
		{ "", "1", "4x", 0, 1, 1, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=1" },
		{ "", "1", "99999999999999999999", 0, 1, 1, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=1" },
		{ "", "0", "42", 0, 0, 0, 0, "/mail?f=INBOX&s=date&a=0&p=2&c=0" },
		{ "word", "1", "42", 0, 1, 0, 0, "/mail?f=INBOX&q=word&s=date&a=0&p=2&c=1" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct list_state st;
		struct buf b;
		list_state_parse(&st, "", cases[i].query, "", "", "", "2");
		list_state_view(&st, cases[i].c, cases[i].t, cases[i].def);
		assert_int_equal(st.conv, cases[i].conv);
		assert_int_equal(list_state_threads(&st), cases[i].threads);
		assert_int_equal(st.thread, cases[i].thread);
		buf_init(&b, 4096);
		list_state_url(&b, &st, st.sort, st.ascending, st.page);
		assert_string_equal(b.data, cases[i].url);
		buf_free(&b);
	}
}

static void test_find_in_window(void **state)
{
	struct mail_summary v[4];
	(void)state;
	memset(v, 0, sizeof(v));
	snprintf(v[0].id, sizeof(v[0].id), "a");
	snprintf(v[1].id, sizeof(v[1].id), "b");
	snprintf(v[1].folder, sizeof(v[1].folder), "Work");
	snprintf(v[2].id, sizeof(v[2].id), "b");
	snprintf(v[2].folder, sizeof(v[2].folder), "INBOX");
	snprintf(v[3].id, sizeof(v[3].id), "c");
	assert_int_equal(list_state_find(v, 4, "INBOX", "a", 0), 0);
	assert_int_equal(list_state_find(v, 4, "INBOX", "b", 0), 1);
	assert_int_equal(list_state_find(v, 4, "INBOX", "b", 1), 2);
	assert_int_equal(list_state_find(v, 4, "Work", "b", 1), 1);
	assert_int_equal(list_state_find(v, 4, "INBOX", "z", 0), -1);
	assert_int_equal(list_state_find(v, 0, "INBOX", "a", 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_argument),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_sort_and_direction),
		cmocka_unit_test(test_addresses_keep_the_state),
		cmocka_unit_test(test_find_in_window),
		cmocka_unit_test(test_conversations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
