/* test_imap_utf7.c - IMAP's modified UTF-7 for folder names: names round
 * trip (RFC 3501's own example among them), and what is not UTF-8 or not
 * modified UTF-7 is refused, control characters above all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "../../../../common/mail/imap_utf7.h"

static const struct {
	const char *utf8, *utf7;
} pairs[] = {
	{ "INBOX", "INBOX" },
	{ "Entwürfe", "Entw&APw-rfe" },
	{ "&", "&-" },
	{ "A&B", "A&-B" },
	{ "&&", "&-&-" },
	{ "日本語", "&ZeVnLIqe-" },
	{ "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" }, /* RFC 3501 5.1.3 */
	{ "Gesendete Objekte", "Gesendete Objekte" },
	{ "😀", "&2D3eAA-" }, /* beyond the BMP: a surrogate pair */
	{ "Ünd & Ö", "&ANw-nd &- &ANY-" },
	{ "Привет", "&BB8EQAQ4BDIENQRC-" },
	{ "", "" },
};

static void test_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char out[256];
		struct err e = { "" };
		if (imap_utf7_encode(pairs[i].utf8, out, sizeof(out), &e) != 0)
			fail_msg("encode %s: %s", pairs[i].utf8, e.msg);
		assert_string_equal(out, pairs[i].utf7);
		if (imap_utf7_decode(pairs[i].utf7, out, sizeof(out), &e) != 0)
			fail_msg("decode %s: %s", pairs[i].utf7, e.msg);
		assert_string_equal(out, pairs[i].utf8);
	}
}

static void test_encode_refuses(void **state)
{
	static const char *const bad[] = {
		"a\rb", "a\nb", "Work\r\nA1 DELETE INBOX", "tab\there", "del\x7f",
		"\xff", "caf\xc3", "\xc0\xaf", /* overlong '/' */
		"\xed\xa0\x80", /* a surrogate in UTF-8 */
		"\xc2\x85", /* NEL, a C1 control */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[64];
		struct err e = { "" };
		if (imap_utf7_encode(bad[i], out, sizeof(out), &e) != -1)
			fail_msg("encoded %zu: %s", i, out);
		assert_true(e.msg[0] != '\0');
	}
	/* No room: refused, never cut. */
	char small[8];
	struct err e;
	assert_int_equal(imap_utf7_encode("Entwürfe", small, sizeof(small), &e), -1);
	assert_int_equal(imap_utf7_encode("12345678", small, sizeof(small), &e), -1);
	assert_int_equal(imap_utf7_encode("1234567", small, sizeof(small), &e), 0);
}

static void test_decode_refuses(void **state)
{
	static const char *const bad[] = {
		"&",           /* never closed */
		"&APw",        /* never closed */
		"&-&APw",      /* never closed after a good one */
		"&AGE-",       /* 'a', which stands for itself */
		"&AA0-",       /* CR, encoded */
		"&AAA-",       /* NUL, encoded */
		"&2D0-",       /* a high surrogate alone */
		"&3gA-",       /* a low surrogate alone */
		"&AP-",        /* not a whole unit */
		"&APx-",       /* bits left over that are not zero */
		"&Z-",         /* six bits */
		"caf\xc3\xa9", /* raw 8-bit */
		"a\rb",        /* a raw control character */
		"&AP!-",       /* not base64 */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[64];
		struct err e = { "" };
		if (imap_utf7_decode(bad[i], out, sizeof(out), &e) != -1)
			fail_msg("decoded %s: %s", bad[i], out);
		assert_true(e.msg[0] != '\0');
	}
	char small[8];
	struct err e;
	assert_int_equal(imap_utf7_decode("Entw&APw-rfe", small, sizeof(small), &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
