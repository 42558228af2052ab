/* test_buf.c - the growable buffer every response and page is built in: it
 * never passes its maximum, stays failed once it hit it, and is always a
 * NUL-terminated string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/buf.h"

static void test_append_up_to_max(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_append(&b, "world", 5), 0); /* exactly the maximum */
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "helloworld");
	assert_int_equal(b.failed, 0);

	assert_int_equal(buf_puts(&b, "!"), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "helloworld");
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 10);
	assert_int_equal(b.failed, 0);
}

/* Once failed, nothing more is added: a page is never sent cut in the middle
 * with something else appended after the cut. */
static void test_failed_is_sticky(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "123456789"), -1);
	assert_int_equal(b.failed, 1);
	assert_int_equal(buf_puts(&b, "a"), -1);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);

	/* A huge length is refused without wrapping around. */
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "x"), 0);
	assert_int_equal(buf_append(&b, "y", SIZE_MAX), -1);
	assert_int_equal(b.len, 1);
	buf_free(&b);
}

static void test_growth(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_printf(&b, "%04d,", i % 10000), 0);
	assert_int_equal(b.len, 50000);
	assert_int_equal(strlen(b.data), 50000);
	assert_memory_equal(b.data + 49995, "9999,", 5);
	assert_true(b.cap > b.len);
	buf_free(&b);
}

static void test_printf(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 16);
	assert_int_equal(buf_printf(&b, "%s=%d", "port", 8383), 0);
	assert_string_equal(b.data, "port=8383");
	assert_int_equal(b.len, 9);
	assert_int_equal(buf_printf(&b, "%s", "-toolong!"), -1); /* 18 > 16 */
	assert_int_equal(b.failed, 1);
	assert_string_equal(b.data, "port=8383");
	buf_free(&b);
}

static void test_steal(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 0;
	buf_init(&b, 100);
	buf_puts(&b, "body");
	char *p = buf_steal(&b, &len);
	assert_string_equal(p, "body");
	assert_int_equal(len, 4);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	/* The buffer is usable again. */
	assert_int_equal(buf_puts(&b, "more"), 0);
	assert_string_equal(b.data, "more");
	buf_free(&b);
}

/* An empty buffer is stolen as "" (a page with an empty body). Dirty the heap
 * first so that an unterminated allocation shows. */
static void test_steal_empty(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		char *dirty = malloc(256);
		assert_non_null(dirty);
		memset(dirty, 'x', 256);
		free(dirty);

		struct buf b;
		size_t len = 99;
		buf_init(&b, 100);
		char *p = buf_steal(&b, &len);
		assert_non_null(p);
		assert_int_equal(len, 0);
		if (p[0] != '\0')
			fail_msg("buf_steal of an empty buffer is not terminated");
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_up_to_max),
		cmocka_unit_test(test_failed_is_sticky),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_steal),
		cmocka_unit_test(test_steal_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
