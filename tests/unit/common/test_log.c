/* test_log.c - the log's defences against forged lines: a client's field is
 * quoted, escaped and bounded, and a line cut at the limit says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

static const struct {
	const char *in;
	size_t width;
	const char *out;
} quote_cases[] = {
	{ "ann@example.org", 200, "\"ann@example.org\"" },
	{ "", 200, "\"\"" },
	{ "a\"b", 200, "\"a\\x22b\"" },
	{ "a\\b", 200, "\"a\\x5cb\"" },
	{ "x\nlogon failed", 200, "\"x\\x0alogon failed\"" },
	{ "tab\there\r", 200, "\"tab\\x09here\\x0d\"" },
	{ "caf\xc3\xa9", 200, "\"caf\\xc3\\xa9\"" },
	{ "del\x7f", 200, "\"del\\x7f\"" },
	{ "abcdef", 3, "\"abc\"..." },
	{ "abc", 3, "\"abc\"" },
	{ "\n\n", 1, "\"\\x0a\"..." },
};

static void test_quote_table(void **state)
{
	char buf[LOG_QUOTED_SIZE(LOG_FIELD_WIDTH)];
	(void)state;
	for (size_t i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++)
		assert_string_equal(log_quote(buf, sizeof(buf), quote_cases[i].in,
					      quote_cases[i].width),
				    quote_cases[i].out);
	assert_string_equal(log_quote(buf, sizeof(buf), NULL, 10), "-");
}

/* A long hostile value stays within its width and the buffer, whatever it holds. */
static void test_quote_bounded(void **state)
{
	char in[3001], small[40];
	(void)state;
	memset(in, '\n', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	const char *q = log_q(in);
	assert_true(strlen(q) < LOG_QUOTED_SIZE(LOG_FIELD_WIDTH));
	assert_int_equal(strlen(q), 2 + 4 * LOG_FIELD_WIDTH + 3);
	assert_null(strchr(q, '\n'));
	assert_string_equal(q + strlen(q) - 4, "\"...");
	/* A buffer smaller than the width: cut at the buffer, still marked. */
	log_quote(small, sizeof(small), in, 1000);
	assert_true(strlen(small) < sizeof(small));
	assert_string_equal(small + strlen(small) - 4, "\"...");
}

static char *log_to_file(struct tmpdir *dir, char *path, size_t len)
{
	struct err e;
	tmpdir_enter(dir);
	tmpdir_file(dir, "test.log", path, len);
	log_init("webmsgd", 0);
	assert_int_equal(log_open(path, LOG_LEVEL_DEBUG, &e), 0);
	return path;
}

/* A line cut at the limit ends with the marker, so nothing a client put at
 * the end of a long line can pass for the line's end. */
static void test_truncated_line_marked(void **state)
{
	struct tmpdir dir;
	char path[PATH_MAX], big[3000];
	size_t len;
	(void)state;
	log_to_file(&dir, path, sizeof(path));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_warnx("%s logon failed for user x from 6.6.6.6", big);
	log_info("short line");
	log_close();
	char *text = file_read(path, &len);
	assert_non_null(text);
	char *second = strchr(text, '\n');
	assert_non_null(second);
	*second++ = '\0';
	assert_true(strlen(text) < LOG_LINE_MAX + 100);
	assert_string_equal(text + strlen(text) - strlen(LOG_TRUNCATED), LOG_TRUNCATED);
	assert_null(strstr(text, "6.6.6.6"));
	assert_non_null(strstr(second, "webmsgd["));
	assert_non_null(strstr(second, "] info: short line\n"));
	free(text);
	tmpdir_leave(&dir);
}

/* The prefix is the program's: time, ident[pid], level. */
static void test_line_prefix(void **state)
{
	struct tmpdir dir;
	char path[PATH_MAX], want[64];
	size_t len;
	(void)state;
	log_to_file(&dir, path, sizeof(path));
	log_warnx("logon failed for user %s from %s", log_q("x\" from 6.6.6.6\n"), "127.0.0.1");
	log_close();
	char *text = file_read(path, &len);
	assert_non_null(text);
	snprintf(want, sizeof(want), " webmsgd[%ld] warn: ", (long)getpid());
	assert_non_null(strstr(text, want));
	assert_true(text[4] == '-' && text[10] == 'T');
	assert_non_null(strstr(text, "user \"x\\x22 from 6.6.6.6\\x0a\" from 127.0.0.1\n"));
	assert_int_equal(strchr(text, '\n') - text, (long)len - 1);
	free(text);
	tmpdir_leave(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_table),
		cmocka_unit_test(test_quote_bounded),
		cmocka_unit_test(test_truncated_line_marked),
		cmocka_unit_test(test_line_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
