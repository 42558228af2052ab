/* test_json.c - JSON strings: hostile names stay one inert string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/json.h"

static const struct {
	const char *in, *out;
} cases[] = {
	{ "ann@example.org", "\"ann@example.org\"" },
	{ "\"Ann\" <a@x>", "\"\\\"Ann\\\" \\u003ca@x\\u003e\"" },
	{ "</script><script>alert(1)</script>",
	  "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"" },
	{ "a\\\"}, {\"x\":1", "\"a\\\\\\\"}, {\\\"x\\\":1\"" },
	{ "line\nbreak\r\t\x01\x7f", "\"line\\u000abreak\\u000d\\u0009\\u0001\\u007f\"" },
	{ "J\xc3\xbcrgen & 'Co'", "\"J\xc3\xbcrgen \\u0026 \\u0027Co\\u0027\"" },
	{ "sep\xe2\x80\xa8\xe2\x80\xa9", "\"sep\\u2028\\u2029\"" },
	{ "bad\xff\xc0\xaf", "\"bad\\ufffd\\ufffd\\ufffd\"" },
	{ "", "\"\"" },
};

static void test_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		buf_init(&b, 4096);
		assert_int_equal(json_string(&b, cases[i].in), 0);
		assert_string_equal(b.data, cases[i].out);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_strings) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
