/* test_mailstore_imap_thread.c - reading an IMAP server's THREAD answer
 * (RFC 5256): its thread lists flattened into conversations of UIDs, dummy
 * parents left out; nesting a million deep read without recursion; and
 * whatever is not the grammar (garbage, lists never closed, empty lists,
 * numbers 0 or past 32 bits, more numbers than believable) refused with a
 * reason, nothing read past the line's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "webmsg/err.h"
#include "../../../../common/mail/mailstore_imap_private.h"

/* The answer as text: "1 2|3" for two conversations, [1 2] and [3]. */
static void flat(const struct imap_thread_answer *a, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t t = 0; t < a->nthreads; t++) {
		size_t end = t + 1 < a->nthreads ? a->starts[t + 1] : a->n;
		for (size_t i = a->starts[t]; i < end; i++)
			o += (size_t)snprintf(out + o, outlen - o, "%s%u",
					      i == a->starts[t] ? (t ? "|" : "") : " ", a->uids[i]);
	}
}

static const struct {
	const char *in, *threads;
} good[] = {
	{ "", "" },                         /* an empty folder: "* THREAD" */
	{ " (1)(2 3)", "1|2 3" },
	{ " (2)(3 6 (4 23)(44 7 96))", "2|3 6 4 23 44 7 96" }, /* RFC 5256's example */
	{ " ((3)(5))(7)", "3 5|7" },       /* a dummy parent: the conversation stays */
	{ " (4294967295 1)", "4294967295 1" },
	{ " (1) (2)", "1|2" },              /* a space between lists is tolerated */
	{ " (10 20)\r\nA1 OK done\r\n", "10 20" }, /* stops at the line's end */
};

static void test_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct imap_thread_answer a;
		struct err e = { "" };
		char out[256];
		size_t used;
		const char *in = good[i].in;
		if (imap_thread_parse(in, strlen(in), &used, &a, &e) != 0)
			fail_msg("%s: %s", in, e.msg);
		flat(&a, out, sizeof(out));
		assert_string_equal(out, good[i].threads);
		assert_int_equal(used, strcspn(in, "\r\n"));
		imap_thread_answer_free(&a);
	}
}

static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
} bad[] = {
	{ " (1 2", 0 }, /* never closed */
	{ " (1))", 0 }, /* closed once too often */
	{ " (0)", 0 }, /* UIDs start at 1 */
	{ " (01)", 0 },
	{ " (4294967296)", 0 }, /* past 32 bits */
	{ " (99999999999999999999)", 0 },
	{ " (1)()", 0 }, /* an empty list */
	{ " (1)( )", 0 },
	{ " 1", 0 }, /* a number outside of a list */
	{ " (1 x)", 0 },
	{ " (1(2))", 0 }, /* a list right after a number */
	{ " (1  2)", 0 }, /* two spaces */
	{ " ( 1)", 0 },
	{ " (1 2)\x00(3)", 10 }, /* a NUL in the line */
	{ " (1 2)(3 \xff {5}", 0 },
	{ "  (1)", 0 },
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct imap_thread_answer a;
		struct err e = { "" };
		size_t used = 99, len = bad[i].len ? bad[i].len : strlen(bad[i].in);
		if (imap_thread_parse(bad[i].in, len, &used, &a, &e) != -1)
			fail_msg("taken: %s", bad[i].in);
		assert_non_null(strstr(e.msg, "THREAD answer is not valid"));
		assert_null(a.uids);
		assert_null(a.starts);
		assert_int_equal(used, 0);
	}
}

/* A million levels of parentheses: read with a counter, no stack. */
static void test_deep(void **state)
{
	size_t depth = 1000000, len = 2 * depth + 8, used;
	char *s = malloc(len);
	struct imap_thread_answer a;
	struct err e = { "" };
	char out[64];
	(void)state;
	assert_non_null(s);
	s[0] = ' ';
	memset(s + 1, '(', depth);
	memcpy(s + 1 + depth, "7", 1);
	memset(s + 2 + depth, ')', depth);
	len = 2 + 2 * depth;
	assert_int_equal(imap_thread_parse(s, len, &used, &a, &e), 0);
	flat(&a, out, sizeof(out));
	assert_string_equal(out, "7");
	imap_thread_answer_free(&a);
	/* The same never closed: refused. */
	assert_int_equal(imap_thread_parse(s, 2 + depth, &used, &a, &e), -1);
	assert_non_null(strstr(e.msg, "not closed"));
	free(s);
}

/* More numbers than any folder a server would thread: not believed. */
static void test_too_many(void **state)
{
	size_t count = IMAP_THREAD_MSGS_MAX + 1, len = 2 + 2 * count + 1, o = 0, used;
	char *s = malloc(len);
	struct imap_thread_answer a;
	struct err e = { "" };
	(void)state;
	assert_non_null(s);
	s[o++] = ' ';
	s[o++] = '(';
	for (size_t i = 0; i < count; i++) {
		s[o++] = '1';
		s[o++] = ' ';
	}
	s[o - 1] = ')';
	assert_int_equal(imap_thread_parse(s, o, &used, &a, &e), -1);
	assert_non_null(strstr(e.msg, "more than"));
	assert_null(a.uids);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
