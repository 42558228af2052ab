/* test_imap_meta.c - IMAP METADATA on a libetpan session whose server is
 * this test (the other end of a socketpair, answers written in advance):
 * values as literals, quoted strings and NIL are read; what a hostile or
 * broken server sends (a huge length, a cut literal, garbage, too many
 * entries) is an error before anything is allocated or waited for past the
 * timeout; SETMETADATA sends its value as a literal, with LITERAL+ or after
 * the server's go-ahead, and nothing that is not an atom as a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "unit.h"
#include "../../../../common/mail/mailstore_imap_meta.h"

#define PREFS IMAP_META_PREFIX "prefs"

struct conn {
	struct mailimap *imap;
	int server; /* the test's end */
};

static void server_says(struct conn *c, const char *bytes, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(c->server, bytes + done, len - done, MSG_NOSIGNAL);
		assert_true(n > 0);
		done += (size_t)n;
	}
}

/* A session past its greeting, answers timing out after 2 s. */
static void conn_open(struct conn *c)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c->server = sv[1];
	static const char greeting[] = "* OK [CAPABILITY IMAP4rev1 METADATA] test\r\n";
	server_says(c, greeting, sizeof(greeting) - 1);
	c->imap = mailimap_new(0, NULL);
	assert_non_null(c->imap);
	mailimap_set_timeout(c->imap, 2);
	mailstream *s = mailstream_socket_open_timeout(sv[0], 2);
	assert_non_null(s);
	int r = mailimap_connect(c->imap, s);
	assert_true(r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED);
	imap_meta_register();
}

static void conn_close(struct conn *c)
{
	/* No LOGOUT to a server that is gone: the stream closed first. */
	mailstream_close(c->imap->imap_stream);
	c->imap->imap_stream = NULL;
	mailimap_free(c->imap);
	close(c->server);
}

/* What the client has sent so far (it flushes before it reads). */
static void client_sent(struct conn *c, char *out, size_t outlen)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = recv(c->server, out + n, outlen - 1 - n, MSG_DONTWAIT);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
}

static const struct get_case {
	const char *what, *answer;
	size_t max;
	int shut; /* the server closes after its answer */
	int rc;
	const char *value; /* NULL: none */
	size_t len;
	size_t alen; /* the answer's length when it holds a NUL; 0: strlen */
} get_cases[] = {
	{ "a literal", "* METADATA \"\" (" PREFS " {11}\r\nhello\nworld)\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_NO_ERROR, "hello\nworld", 11 },
	{ "a literal of CR LF and quotes", "* METADATA \"\" (" PREFS " {6}\r\n\"a\r\n)b)\r\n1 OK done\r\n",
	  100, 0, MAILIMAP_NO_ERROR, "\"a\r\n)b", 6 },
	{ "an empty literal", "* METADATA \"\" (" PREFS " {0}\r\n)\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_NO_ERROR, "", 0 },
	{ "a literal8", "* METADATA \"\" (" PREFS " ~{3}\r\nabc)\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_NO_ERROR, "abc", 3 },
	{ "a quoted string with escapes", "* METADATA \"\" (" PREFS " \"a\\\"b\\\\c\")\r\n1 OK done\r\n",
	  100, 0, MAILIMAP_NO_ERROR, "a\"b\\c", 5 },
	{ "the entry's name in another case, quoted",
	  "* METADATA \"\" (\"/PRIVATE/vendor/webmsg/PREFS\" \"x\")\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_NO_ERROR, "x", 1 },
	{ "NIL: none", "* METADATA \"\" (" PREFS " NIL)\r\n1 OK done\r\n", 100, 0, MAILIMAP_NO_ERROR,
	  NULL, 0 },
	{ "no answer for the entry: none", "1 OK nothing\r\n", 100, 0, MAILIMAP_NO_ERROR, NULL, 0 },
	{ "news around the answer",
	  "* OK [ALERT] hello\r\n* METADATA \"\" (" PREFS " \"v\")\r\n* OK still here\r\n1 OK done\r\n",
	  100, 0, MAILIMAP_NO_ERROR, "v", 1 },
	{ "another mailbox's entry is not the server's",
	  "* METADATA \"INBOX\" (" PREFS " \"mailbox\")\r\n1 OK done\r\n", 100, 0, MAILIMAP_NO_ERROR,
	  NULL, 0 },
	{ "an unasked change (names alone) is skipped",
	  "* METADATA \"\" " PREFS " /shared/comment\r\n* METADATA \"\" (" PREFS
	  " \"after\")\r\n1 OK done\r\n",
	  100, 0, MAILIMAP_NO_ERROR, "after", 5 },
	{ "longer than MAXSIZE", "1 OK [METADATA LONGENTRIES 5000] done\r\n", 100, 0,
	  IMAP_META_TOO_LARGE, NULL, 0 },
	{ "a server that sends more than MAXSIZE all the same",
	  "* METADATA \"\" (" PREFS " {12}\r\n0123456789ab)\r\n1 OK done\r\n", 10, 0, IMAP_META_TOO_LARGE,
	  NULL, 0 },
	{ "a NO", "1 NO [NOPERM] not yours\r\n", 100, 0, MAILIMAP_ERROR_EXTENSION, NULL, 0 },
	/* Hostile or broken servers. */
	{ "a literal of 4 GB: refused unread",
	  "* METADATA \"\" (" PREFS " {4294967295}\r\n", 100, 0, MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "a length of more digits than any 32-bit number",
	  "* METADATA \"\" (" PREFS " {99999999999999999999}\r\n", 100, 0, MAILIMAP_ERROR_PARSE,
	  NULL, 0 },
	{ "one byte over the largest value: refused unread",
	  "* METADATA \"\" (" PREFS " {131073}\r\n", 100, 0, MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "a literal cut short", "* METADATA \"\" (" PREFS " {50}\r\nshort", 100, 1,
	  MAILIMAP_ERROR_STREAM, NULL, 0 },
	{ "a literal and then nothing", "* METADATA \"\" (" PREFS " {5}\r\nhello", 100, 1,
	  MAILIMAP_ERROR_STREAM, NULL, 0 },
	{ "a quoted string never closed", "* METADATA \"\" (" PREFS " \"open\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "a quoted string with a bad escape", "* METADATA \"\" (" PREFS " \"a\\nb\")\r\n1 OK done\r\n",
	  100, 0, MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "an atom where a value belongs", "* METADATA \"\" (" PREFS " bare)\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
#define GARBAGE "* METADATA \x00\xff\xfe garbage\r\n1 OK done\r\n"
	{ "garbage", GARBAGE, 100, 0, MAILIMAP_ERROR_PARSE, NULL, 0, sizeof(GARBAGE) - 1 },
	{ "a list never closed", "* METADATA \"\" (" PREFS " \"v\"\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "an entry without a value", "* METADATA \"\" (" PREFS ")\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "more entries than ever asked for",
	  "* METADATA \"\" (/a \"1\" /b \"2\" /c \"3\" /d \"4\" /e \"5\")\r\n1 OK done\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
	{ "an answer that is not IMAP", "HTTP/1.1 400 Bad Request\r\n\r\n", 100, 0,
	  MAILIMAP_ERROR_PARSE, NULL, 0 },
};

static void test_get(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		const struct get_case *k = &get_cases[i];
		struct conn c;
		char *value = (char *)"unset", sent[512];
		size_t len = 99;
		conn_open(&c);
		server_says(&c, k->answer, k->alen ? k->alen : strlen(k->answer));
		if (k->shut)
			shutdown(c.server, SHUT_WR);
		time_t start = time(NULL);
		int rc = imap_meta_get(c.imap, PREFS, k->max, &value, &len);
		if (rc != k->rc)
			fail_msg("%s: %d, not %d", k->what, rc, k->rc);
		/* Never a wait for what will not come: the timeout is 2 s. */
		if (time(NULL) - start > 1)
			fail_msg("%s: waited %ld s", k->what, (long)(time(NULL) - start));
		if (k->value) {
			if (!value || len != k->len || memcmp(value, k->value, len) != 0)
				fail_msg("%s: not the value", k->what);
			assert_int_equal(value[len], '\0');
		} else if (value) {
			fail_msg("%s: a value where none is", k->what);
		}
		free(value);
		client_sent(&c, sent, sizeof(sent));
		char want[128];
		snprintf(want, sizeof(want), "1 GETMETADATA (MAXSIZE %zu) \"\" (" PREFS ")\r\n", k->max);
		if (strcmp(sent, want) != 0)
			fail_msg("%s: sent '%s'", k->what, sent);
		conn_close(&c);
	}
}

static void test_get_refuses_names(void **state)
{
	static const char *const bad[] = { "", "/a b", "/a\r\n2 LOGOUT", "/a\"", "/a(", "/a{5}",
					   "/a]", "/caf\xc3\xa9" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conn c;
		char *value = NULL, sent[64];
		size_t len;
		conn_open(&c);
		assert_int_equal(imap_meta_get(c.imap, bad[i], 100, &value, &len), MAILIMAP_ERROR_INVAL);
		assert_null(value);
		client_sent(&c, sent, sizeof(sent));
		assert_string_equal(sent, ""); /* nothing reached the wire */
		conn_close(&c);
	}
}

static const struct set_case {
	const char *what, *answer, *value;
	int literal_plus;
	int rc, untagged;
	const char *sent;
} set_cases[] = {
	{ "LITERAL+: the value at once", "1 OK done\r\n", "a=1\nb=2\n", 1, MAILIMAP_NO_ERROR, 0,
	  "1 SETMETADATA \"\" (" PREFS " {8+}\r\na=1\nb=2\n)\r\n" },
	{ "without: after the go-ahead", "+ go ahead\r\n1 OK done\r\n", "hello", 0, MAILIMAP_NO_ERROR,
	  0, "1 SETMETADATA \"\" (" PREFS " {5}\r\nhello)\r\n" },
	{ "news before the go-ahead: said", "* 4 EXISTS\r\n* 1 RECENT\r\n+ OK\r\n1 OK done\r\n", "x", 0,
	  MAILIMAP_NO_ERROR, 1, "1 SETMETADATA \"\" (" PREFS " {1}\r\nx)\r\n" },
	{ "an empty value", "1 OK done\r\n", "", 1, MAILIMAP_NO_ERROR, 0,
	  "1 SETMETADATA \"\" (" PREFS " {0+}\r\n)\r\n" },
	{ "refused before the value: not sent", "1 NO [METADATA MAXSIZE 10] too large\r\n",
	  "0123456789abc", 0, MAILIMAP_ERROR_EXTENSION, 0, "1 SETMETADATA \"\" (" PREFS " {13}\r\n" },
	{ "refused after it", "1 NO [METADATA TOOMANY] too many\r\n", "v", 1,
	  MAILIMAP_ERROR_EXTENSION, 0, "1 SETMETADATA \"\" (" PREFS " {1+}\r\nv)\r\n" },
	{ "a BAD", "1 BAD what\r\n", "v", 1, MAILIMAP_ERROR_PROTOCOL, 0,
	  "1 SETMETADATA \"\" (" PREFS " {1+}\r\nv)\r\n" },
	{ "a server gone before its go-ahead", "", "v", 0, MAILIMAP_ERROR_STREAM, 0,
	  "1 SETMETADATA \"\" (" PREFS " {1}\r\n" },
};

static void test_set(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *k = &set_cases[i];
		struct conn c;
		char sent[512];
		int untagged = -1;
		conn_open(&c);
		server_says(&c, k->answer, strlen(k->answer));
		if (!k->answer[0])
			shutdown(c.server, SHUT_WR);
		int rc = imap_meta_set(c.imap, k->literal_plus, PREFS, k->value, strlen(k->value),
				       &untagged);
		if (rc != k->rc)
			fail_msg("%s: %d, not %d", k->what, rc, k->rc);
		if (untagged != k->untagged)
			fail_msg("%s: untagged %d", k->what, untagged);
		client_sent(&c, sent, sizeof(sent));
		if (strcmp(sent, k->sent) != 0)
			fail_msg("%s: sent '%s'", k->what, sent);
		conn_close(&c);
	}
}

static void test_set_refuses(void **state)
{
	struct conn c;
	char sent[64];
	int untagged;
	(void)state;
	conn_open(&c);
	/* A NUL would end the value early on most servers: not text. */
	assert_int_equal(imap_meta_set(c.imap, 1, PREFS, "a\0b", 3, &untagged), MAILIMAP_ERROR_INVAL);
	assert_int_equal(imap_meta_set(c.imap, 1, "/a b", "v", 1, &untagged), MAILIMAP_ERROR_INVAL);
	assert_int_equal(imap_meta_set(c.imap, 1, "/a)\r\n2 LOGOUT", "v", 1, &untagged),
			 MAILIMAP_ERROR_INVAL);
	char *big = calloc(1, IMAP_META_VALUE_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', IMAP_META_VALUE_MAX + 1);
	assert_int_equal(imap_meta_set(c.imap, 1, PREFS, big, IMAP_META_VALUE_MAX + 1, &untagged),
			 MAILIMAP_ERROR_INVAL);
	free(big);
	client_sent(&c, sent, sizeof(sent));
	assert_string_equal(sent, "");
	conn_close(&c);
}

/* A value written and read back on the same session, whatever its bytes. */
static void test_round_trip(void **state)
{
	struct conn c;
	char value[256], answer[600], sent[600], *got = NULL;
	size_t len;
	int untagged;
	(void)state;
	for (int i = 0; i < 255; i++)
		value[i] = (char)(i + 1); /* every byte but NUL */
	conn_open(&c);
	server_says(&c, "1 OK done\r\n", 11);
	assert_int_equal(imap_meta_set(c.imap, 1, PREFS, value, 255, &untagged), MAILIMAP_NO_ERROR);
	client_sent(&c, sent, sizeof(sent));
	const char *lit = strstr(sent, "{255+}\r\n");
	assert_non_null(lit);
	/* The server answers with the bytes it was given. */
	int n = snprintf(answer, sizeof(answer), "* METADATA \"\" (" PREFS " {255}\r\n");
	memcpy(answer + n, lit + 8, 255);
	static const char end[] = ")\r\n2 OK done\r\n";
	memcpy(answer + n + 255, end, sizeof(end) - 1);
	server_says(&c, answer, (size_t)n + 255 + sizeof(end) - 1);
	assert_int_equal(imap_meta_get(c.imap, PREFS, 1000, &got, &len), MAILIMAP_NO_ERROR);
	assert_int_equal(len, 255);
	assert_memory_equal(got, value, 255);
	free(got);
	conn_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_get_refuses_names),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_refuses),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
