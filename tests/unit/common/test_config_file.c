/* test_config_file.c - the exported configuration file: hostile values come
 * back byte for byte, a changed or cut file is refused, and strict parsing
 * names the line (duplicate key, unknown keys, bad escapes, secrets where the
 * header says there are none); the comparison with a snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/config.h"
#include "webmsg/config_file.h"
#include "webmsg/err.h"

static const struct config_file_meta meta_plain = { "0.1.0", 7, "2026-11-30T21:00:00Z",
						    "a.example", 0 };
static const struct config_file_meta meta_secrets = { "0.1.0", 7, "2026-11-30T21:00:00Z",
						      "a.example", 1 };

/* Values a user could store that a careless format would break: quotes,
 * backslashes, escapes spelled out, newlines, control bytes, UTF-8. */
static const char *const hostile[] = {
	"plain",
	"with \"quotes\" and \\backslashes\\",
	"line one\nline two\r\nthree",
	"tab\there \\n not a newline \\x41",
	"\x01\x02\x1b[31mred\x7f",
	"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xa7",
	"= \"fake\"\n@sha256 = \"00\"",
	"trailing backslash\\",
	" leading and trailing spaces ",
};

static struct config_snapshot *snapshot(void)
{
	struct config_snapshot *s;
	struct err e;
	if (config_snapshot_new(1, "/tmp", &s, &e) < 0)
		fail_msg("%s", e.msg);
	return s;
}

/* Stores v as it is, bypassing validation: the format carries any byte,
 * whatever the settings of this version accept (a file may come from
 * another version). */
static void set_raw(struct config_snapshot *s, enum setting_id id, const char *v)
{
	free(s->values[id]);
	assert_non_null(s->values[id] = strdup(v));
}

static void set(struct config_snapshot *s, enum setting_id id, const char *v)
{
	struct err e;
	if (config_snapshot_override(s, id, v, &e) < 0)
		fail_msg("%s", e.msg);
}

static char *format(const struct config_snapshot *s, const struct config_file_meta *m,
		    size_t *len)
{
	struct err e;
	char *text;
	if (config_file_format(s, m, &text, len, &e) < 0)
		fail_msg("%s", e.msg);
	return text;
}

/* body + a correct checksum line: a file that passes the checksum, so the
 * parser's own checks are what the test reaches. */
static char *signed_file(const char *body)
{
	unsigned char md[32];
	unsigned int mdlen;
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, body);
	assert_true(EVP_Digest(body, strlen(body), md, &mdlen, EVP_sha256(), NULL));
	buf_puts(&b, "@sha256 = \"");
	for (unsigned i = 0; i < mdlen; i++)
		buf_printf(&b, "%02x", md[i]);
	buf_puts(&b, "\"\n");
	assert_false(b.failed);
	return buf_steal(&b, NULL);
}

#define HEADER                                                                                 \
	"@format = \"webmsg-config 1\"\n@product = \"webmsg\"\n@secrets = \"excluded\"\n"

static void expect_refused(const char *text, const char *message)
{
	struct config_file *f = NULL;
	struct err e = { "" };
	assert_int_equal(config_file_parse(text, strlen(text), &f, &e), -1);
	assert_null(f);
	if (!strstr(e.msg, message))
		fail_msg("expected \"%s\" in \"%s\"", message, e.msg);
}

static void test_hostile_values_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct config_snapshot *s = snapshot();
		struct config_file *f;
		struct err e;
		size_t len;
		set_raw(s, SET_SMTP_USER, hostile[i]);
		set_raw(s, SET_SMTP_PASSWORD, hostile[i]);
		char *text = format(s, &meta_secrets, &len);
		/* One setting a line, whatever the value holds. */
		for (size_t j = 0; j < len; j++)
			assert_true(text[j] == '\n' || (unsigned char)text[j] >= 0x20);
		if (config_file_parse(text, len, &f, &e) < 0)
			fail_msg("value %zu: %s", i, e.msg);
		assert_string_equal(f->values[SET_SMTP_USER], hostile[i]);
		assert_string_equal(f->values[SET_SMTP_PASSWORD], hostile[i]);
		assert_true(f->secrets);
		assert_string_equal(f->host, "a.example");
		assert_int_equal(f->schema, 7);
		struct config_file_diff d[SET_COUNT];
		assert_int_equal(config_file_diff(s, f, 1, d), 0);
		config_file_free(&f);
		free(text);
		config_snapshot_free(&s);
	}
}

static void test_only_changed_settings_and_no_secrets(void **state)
{
	struct config_snapshot *s = snapshot();
	size_t len;
	(void)state;
	set(s, SET_WEB_HTTP_PORT, "8080");
	set(s, SET_SMTP_PASSWORD, "hunter2-secret");
	set(s, SET_SSL_KEY_PASSWORD, "key-secret");
	char *text = format(s, &meta_plain, &len);
	assert_non_null(strstr(text, "web.http_port = \"8080\"\n"));
	assert_null(strstr(text, "hunter2-secret"));
	assert_null(strstr(text, "key-secret"));
	assert_null(strstr(text, "smtp.password"));
	/* A default is not written: the https port was never changed. */
	assert_null(strstr(text, "web.https_port"));
	assert_non_null(strstr(text, "@secrets = \"excluded\""));
	assert_non_null(strstr(text, "Users, domains"));
	free(text);
	config_snapshot_free(&s);
}

/* Any byte changed anywhere before the trailer is noticed. */
static void test_edited_file_refused(void **state)
{
	struct config_snapshot *s = snapshot();
	size_t len;
	(void)state;
	set(s, SET_WEB_HTTP_PORT, "8080");
	char *text = format(s, &meta_plain, &len);
	char *port = strstr(text, "8080");
	port[0] = '9';
	expect_refused(text, "checksum does not match");
	port[0] = '8';
	text[0] = ' '; /* even a comment */
	expect_refused(text, "checksum does not match");
	free(text);
	config_snapshot_free(&s);
}

/* A file cut at any byte is refused: no prefix of an export is accepted. */
static void test_truncated_file_refused(void **state)
{
	struct config_snapshot *s = snapshot();
	size_t len;
	(void)state;
	set(s, SET_WEB_HTTP_PORT, "8080");
	set(s, SET_SMTP_USER, "someone");
	char *text = format(s, &meta_plain, &len);
	for (size_t cut = 0; cut < len; cut++) {
		struct config_file *f = NULL;
		struct err e = { "" };
		char *copy = strndup(text, cut);
		assert_int_equal(config_file_parse(copy, cut, &f, &e), -1);
		assert_null(f);
		assert_true(strstr(e.msg, "checksum") || strstr(e.msg, "empty"));
		free(copy);
	}
	free(text);
	config_snapshot_free(&s);
}

static void test_strict_parse_names_the_line(void **state)
{
	static const struct {
		const char *body, *message;
	} cases[] = {
		{ HEADER "web.http_port = \"8080\"\nweb.http_port = \"8081\"\n",
		  "line 5: web.http_port is already set on line 4" },
		{ HEADER "web.http_prot = \"1\"\nsmtp.user = \"x\"\nno.such = \"2\"\n",
		  "2 unknown settings (line 4: 'web.http_prot', line 6: 'no.such')" },
		{ HEADER "smtp.user = \"a\\qb\"\n", "line 4: smtp.user: unknown escape" },
		{ HEADER "smtp.user = \"abc\n", "line 4: smtp.user: the value has no closing quote" },
		{ HEADER "smtp.user = \"abc\" x\n", "line 4: smtp.user: text after the closing quote" },
		{ HEADER "smtp.user=\"abc\"\n", "line 4: expected NAME = \"VALUE\"" },
		{ HEADER "smtp.user = \"a\tb\"\n", "line 4: smtp.user: a control character" },
		{ HEADER "smtp.user = \"\\x00\"\n", "line 4: smtp.user: \\x needs two hex digits" },
		{ HEADER "smtp.password = \"s\"\n", "line 4: smtp.password is a secret, but the header" },
		{ "smtp.user = \"x\"\n", "line 1: a setting before the header" },
		{ "@product = \"webmsg\"\n", "line 1: the first field must be @format" },
		{ "@format = \"webmsg-config 9\"\n", "line 1: format 'webmsg-config 9'" },
		{ "@format = \"webmsg-config 1\"\n@product = \"other\"\n", "line 2: the file is from" },
		{ "@format = \"webmsg-config 1\"\n@product = \"webmsg\"\n",
		  "the header is incomplete" },
		{ HEADER "@colour = \"red\"\n", "line 4: unknown header field '@colour'" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = signed_file(cases[i].body);
		expect_refused(text, cases[i].message);
		free(text);
	}
	expect_refused("", "empty");
	expect_refused(HEADER, "does not end with its checksum line");
}

/* What differs: a setting the file leaves out stands for its default; the
 * secrets of a file without them are not compared. */
static void test_diff(void **state)
{
	struct config_snapshot *here = snapshot();
	struct config_file *f;
	struct config_file_diff d[SET_COUNT];
	struct err e;
	(void)state;
	char *text = signed_file(HEADER "web.http_port = \"08080\"\nsmtp.user = \"b\"\n");
	if (config_file_parse(text, strlen(text), &f, &e) < 0)
		fail_msg("%s", e.msg);
	set(here, SET_WEB_HTTP_PORT, "8080");
	set(here, SET_SMTP_USER, "a");
	set(here, SET_LOG_LEVEL, "debug");
	set(here, SET_SMTP_PASSWORD, "kept");
	size_t n = config_file_diff(here, f, 1, d);
	/* 08080 is 8080 in its canonical spelling; smtp.password is not compared. */
	assert_int_equal(n, 2);
	assert_int_equal(d[0].id, SET_SMTP_USER);
	assert_string_equal(d[0].here, "a");
	assert_string_equal(d[0].file, "b");
	assert_true(d[0].in_file);
	assert_int_equal(d[1].id, SET_LOG_LEVEL);
	assert_string_equal(d[1].file, settings_get(SET_LOG_LEVEL)->def);
	assert_false(d[1].in_file);
	config_file_free(&f);
	free(text);

	/* With secrets in the file, a secret it leaves out stands for "not set". */
	text = signed_file("@format = \"webmsg-config 1\"\n@product = \"webmsg\"\n"
			   "@secrets = \"included\"\n");
	if (config_file_parse(text, strlen(text), &f, &e) < 0)
		fail_msg("%s", e.msg);
	n = config_file_diff(here, f, 1, d);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found |= d[i].id == SET_SMTP_PASSWORD;
	assert_true(found);
	config_file_free(&f);
	free(text);
	config_snapshot_free(&here);
}

/* session.secret: a file with secrets and another value keeps this one while
 * something here is sealed with it, and replaces it when nothing is (a new
 * front end taking its model's, which the shared session store needs). */
static void test_session_secret_kept_only_when_sealed(void **state)
{
	struct config_snapshot *here = snapshot();
	struct config_file *f;
	struct config_file_diff d[SET_COUNT];
	struct err e;
	(void)state;
	char *text = signed_file("@format = \"webmsg-config 1\"\n@product = \"webmsg\"\n"
				 "@secrets = \"included\"\n"
				 "session.secret = \"ffffffffffffffffffffffffffffffff\"\n");
	if (config_file_parse(text, strlen(text), &f, &e) < 0)
		fail_msg("%s", e.msg);
	set(here, SET_SESSION_SECRET, "00000000000000000000000000000000");
	int listed = 0;
	size_t n = config_file_diff(here, f, 1, d);
	for (size_t i = 0; i < n; i++)
		listed |= d[i].id == SET_SESSION_SECRET;
	assert_false(listed);
	assert_true(config_file_keeps(here, f, SET_SESSION_SECRET, 1));

	n = config_file_diff(here, f, 0, d);
	for (size_t i = 0; i < n; i++)
		if (d[i].id == SET_SESSION_SECRET) {
			listed = 1;
			assert_string_equal(d[i].file, "ffffffffffffffffffffffffffffffff");
		}
	assert_true(listed);
	assert_false(config_file_keeps(here, f, SET_SESSION_SECRET, 0));
	/* Other settings are never kept, sealed or not. */
	assert_false(config_file_keeps(here, f, SET_SMTP_PASSWORD, 1));
	config_file_free(&f);
	free(text);
	config_snapshot_free(&here);
}

static void test_quote(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(config_file_quote("a\"b\n\x1b", out, sizeof(out)), 0);
	assert_string_equal(out, "\"a\\\"b\\n\\x1b\"");
	assert_int_equal(config_file_quote("0123456789", out, 8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_values_round_trip),
		cmocka_unit_test(test_only_changed_settings_and_no_secrets),
		cmocka_unit_test(test_edited_file_refused),
		cmocka_unit_test(test_truncated_file_refused),
		cmocka_unit_test(test_strict_parse_names_the_line),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_session_secret_kept_only_when_sealed),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
