/* test_settings.c - the table of settings and validation against it: what an
 * operator sees when `config set` accepts, rewrites or refuses a value. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

/* Every id has a complete row whose default passes its own validation. */
static void test_table_complete(void **state)
{
	(void)state;
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		struct err e = { "" };
		char norm[4096];

		assert_non_null(s);
		if (!s->name || !s->name[0] || !s->def || !s->help || !s->help[0])
			fail_msg("setting %d has no name, default or help", i);
		if (settings_validate(s, s->def, &e) < 0)
			fail_msg("%s: its default '%s' is refused: %s", s->name, s->def, e.msg);
		/* Defaults are written the canonical way, so a new database reads the same. */
		assert_int_equal(settings_normalize(s, s->def, norm, sizeof(norm), &e), 0);
		assert_string_equal(norm, s->def);
		switch (s->type) {
		case SETTING_INT:
			assert_true(s->min <= s->max);
			break;
		case SETTING_ENUM:
			assert_non_null(s->choices);
			assert_non_null(s->choices[0]);
			break;
		default:
			break;
		}
	}
	assert_null(settings_get(SET_COUNT));
	assert_null(settings_get((enum setting_id)-1));
}

/* Names are unique and look like "section.key". */
static void test_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < SET_COUNT; i++) {
		const char *name = settings_get((enum setting_id)i)->name;
		assert_non_null(strchr(name, '.'));
		for (const char *p = name; *p; p++)
			if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
			    *p != '.')
				fail_msg("'%s' has the character '%c'", name, *p);
		for (int j = i + 1; j < SET_COUNT; j++)
			if (strcmp(name, settings_get((enum setting_id)j)->name) == 0)
				fail_msg("settings %d and %d are both called %s", i, j, name);
	}
}

static void test_find_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		enum setting_id id = SET_COUNT;
		assert_ptr_equal(settings_find(s->name, &id), s);
		assert_int_equal(id, i);
		assert_ptr_equal(settings_find(s->name, NULL), s);
	}
	static const char *const unknown[] = { "", "web", "web.", "web.http_port ", "web.nope",
					       "http_port" };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		enum setting_id id = SET_COUNT;
		assert_null(settings_find(unknown[i], &id));
		assert_int_equal(id, SET_COUNT);
	}
}

/* One value given to one setting: the canonical spelling it is stored as, or
 * the exact message that refuses it. */
struct validate_case {
	enum setting_id id;
	const char *value;
	const char *stored; /* NULL: refused */
	const char *message;
};

static const struct validate_case validate_cases[] = {
	/* integers: range, spelling, canonical form */
	{ SET_WEB_HTTP_PORT, "8383", "8383", NULL },
	{ SET_WEB_HTTP_PORT, "08383", "8383", NULL },
	{ SET_WEB_HTTP_PORT, "1", "1", NULL },
	{ SET_WEB_HTTP_PORT, "65535", "65535", NULL },
	{ SET_WEB_HTTP_PORT, "70000", NULL, "web.http_port: 70000 is outside 1..65535" },
	{ SET_WEB_HTTP_PORT, "65536", NULL, "web.http_port: 65536 is outside 1..65535" },
	{ SET_WEB_HTTP_PORT, "0", NULL, "web.http_port: 0 is outside 1..65535" },
	{ SET_WEB_HTTP_PORT, "-80", NULL, "web.http_port: -80 is outside 1..65535" },
	{ SET_WEB_HTTP_PORT, "80x", NULL, "web.http_port: '80x' is not a whole number" },
	{ SET_WEB_HTTP_PORT, "", NULL, "web.http_port: '' is not a whole number" },
	{ SET_WEB_HTTP_PORT, " 80", NULL, "web.http_port: ' 80' is not a whole number" },
	{ SET_WEB_HTTP_PORT, "80 ", NULL, "web.http_port: '80 ' is not a whole number" },
	{ SET_WEB_HTTP_PORT, "8.5", NULL, "web.http_port: '8.5' is not a whole number" },
	{ SET_WEB_HTTP_PORT, "99999999999999999999", NULL,
	  "web.http_port: '99999999999999999999' is not a whole number" },
	{ SET_SSL_HSTS_MAX_AGE, "0", "0", NULL },
	{ SET_SSL_HSTS_MAX_AGE, "-1", NULL, "ssl.hsts_max_age: -1 is outside 0..63072000" },
	{ SET_SESSION_IDLE_TIMEOUT, "59", NULL, "session.idle_timeout: 59 is outside 60..86400" },
	/* booleans: every accepted spelling is stored as on or off */
	{ SET_SSL_ENABLE, "on", "on", NULL },
	{ SET_SSL_ENABLE, "yes", "on", NULL },
	{ SET_SSL_ENABLE, "TRUE", "on", NULL },
	{ SET_SSL_ENABLE, "1", "on", NULL },
	{ SET_SSL_ENABLE, "off", "off", NULL },
	{ SET_SSL_ENABLE, "No", "off", NULL },
	{ SET_SSL_ENABLE, "false", "off", NULL },
	{ SET_SSL_ENABLE, "0", "off", NULL },
	{ SET_SSL_FORCE, "maybe", NULL, "ssl.force: 'maybe' is not on or off" },
	{ SET_SSL_FORCE, "", NULL, "ssl.force: '' is not on or off" },
	/* enums: the message lists the choices */
	{ SET_SSL_CIPHER_PROFILE, "modern", "modern", NULL },
	{ SET_SSL_CIPHER_PROFILE, "strong", NULL,
	  "ssl.cipher_profile: 'strong' is not one of modern|intermediate|compatible|custom" },
	{ SET_SSL_CLIENT_AUTH, "always", NULL,
	  "ssl.client_auth: 'always' is not one of none|optional|required" },
	{ SET_LOG_LEVEL, "debug", "debug", NULL },
	{ SET_LOG_LEVEL, "verbose", NULL, "log.level: 'verbose' is not one of error|warn|info|debug" },
	/* web.bind takes addresses, not names */
	{ SET_WEB_BIND, "127.0.0.1", "127.0.0.1", NULL },
	{ SET_WEB_BIND, "::", "::", NULL },
	{ SET_WEB_BIND, "::1", "::1", NULL },
	{ SET_WEB_BIND, "localhost", NULL,
	  "web.bind: 'localhost' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for all)" },
	{ SET_WEB_BIND, "mail.example.com", NULL,
	  "web.bind: 'mail.example.com' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for all)" },
	{ SET_WEB_BIND, "256.1.1.1", NULL,
	  "web.bind: '256.1.1.1' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for all)" },
	/* empty means "none" for some strings, but the daemon cannot bind to "" */
	{ SET_WEB_BIND, "", NULL,
	  "web.bind: '' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for all)" },
	/* web.hostname */
	{ SET_WEB_HOSTNAME, "", "", NULL },
	{ SET_WEB_HOSTNAME, "mail.example.com", "mail.example.com", NULL },
	{ SET_WEB_HOSTNAME, "mail example", NULL,
	  "web.hostname: 'mail example' is not a host name (letters, digits, '-' and '.')" },
	{ SET_WEB_HOSTNAME, "mail/example", NULL,
	  "web.hostname: 'mail/example' is not a host name (letters, digits, '-' and '.')" },
	/* smtp.relay */
	{ SET_SMTP_RELAY, "", "", NULL },
	{ SET_SMTP_RELAY, "smtp://mail.example.com:25", "smtp://mail.example.com:25", NULL },
	{ SET_SMTP_RELAY, "smtps://mail.example.com:465", "smtps://mail.example.com:465", NULL },
	{ SET_SMTP_RELAY, "mail.example.com:25", NULL,
	  "smtp.relay: 'mail.example.com:25' is not an SMTP server address (smtp://host:port or "
	  "smtps://host:port; the user name goes in smtp.user)" },
	{ SET_SMTP_RELAY, "http://mail.example.com", NULL,
	  "smtp.relay: 'http://mail.example.com' is not an SMTP server address (smtp://host:port or "
	  "smtps://host:port; the user name goes in smtp.user)" },
	{ SET_SMTP_RELAY, "smtp://", NULL,
	  "smtp.relay: 'smtp://' is not an SMTP server address (smtp://host:port or "
	  "smtps://host:port; the user name goes in smtp.user)" },
	/* control characters are refused everywhere, before any other check */
	{ SET_WEB_HOSTNAME, "mail\nexample", NULL, "web.hostname: control characters are not allowed" },
	{ SET_SSL_KEY_PASSWORD, "pass\x01word", NULL,
	  "ssl.key_password: control characters are not allowed" },
	{ SET_SSL_PRIORITY, "NORMAL\t", NULL, "ssl.priority: control characters are not allowed" },
	{ SET_LOG_FILE, "log\x7f", NULL, "log.file: control characters are not allowed" },
	{ SET_WEB_HTTP_PORT, "80\r", NULL, "web.http_port: control characters are not allowed" },
	{ SET_SSL_ENABLE, "on\n", NULL, "ssl.enable: control characters are not allowed" },
	/* free text and paths keep what was written, UTF-8 included */
	{ SET_SSL_KEY_PASSWORD, "pässwörd with spaces", "pässwörd with spaces", NULL },
	{ SET_SSL_CERT_FILE, "certs/server.pem", "certs/server.pem", NULL },
	{ SET_SSL_PRIORITY, "NORMAL:-VERS-TLS1.0", "NORMAL:-VERS-TLS1.0", NULL },
};

/* Every case is checked and every wrong one printed before the test fails. */
static void test_validate_and_normalize(void **state)
{
	(void)state;
	int wrong = 0;
	for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
		const struct validate_case *c = &validate_cases[i];
		const struct setting *s = settings_get(c->id);
		struct err e = { "" }, ve = { "" };
		char out[4096] = "";
		int rc = settings_normalize(s, c->value, out, sizeof(out), &e);
		int vrc = settings_validate(s, c->value, &ve);

		if (c->stored && (rc != 0 || vrc != 0)) {
			print_error("%s = '%s' refused: %s\n", s->name, c->value, e.msg);
			wrong++;
		} else if (c->stored && strcmp(out, c->stored) != 0) {
			print_error("%s = '%s' stored as '%s', not '%s'\n", s->name, c->value, out,
				    c->stored);
			wrong++;
		} else if (!c->stored && (rc != -1 || vrc != -1)) {
			print_error("%s = '%s' accepted as '%s'\n", s->name, c->value, out);
			wrong++;
		} else if (!c->stored && (strcmp(e.msg, c->message) != 0 ||
					  strcmp(ve.msg, c->message) != 0)) {
			print_error("%s = '%s' refused with \"%s\", not \"%s\"\n", s->name, c->value,
				    e.msg, c->message);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static void test_value_too_long(void **state)
{
	(void)state;
	size_t len = 5000;
	char *value = malloc(len + 1);
	struct err e = { "" };
	assert_non_null(value);
	memset(value, 'a', len);
	value[len] = '\0';
	assert_int_equal(settings_validate(settings_get(SET_SSL_PRIORITY), value, &e), -1);
	assert_string_equal(e.msg, "ssl.priority: the value is too long");
	free(value);
}

/* A caller's buffer that is too small is an error, never a cut-off value. */
static void test_normalize_small_buffer(void **state)
{
	(void)state;
	static const struct {
		enum setting_id id;
		const char *value;
	} cases[] = {
		{ SET_WEB_HTTP_PORT, "8383" },
		{ SET_SSL_CIPHER_PROFILE, "intermediate" },
		{ SET_SSL_ENABLE, "no" }, /* "off" needs 4 bytes */
		{ SET_SSL_CERT_FILE, "certs/server.pem" },
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct setting *s = settings_get(cases[i].id);
		char out[3];
		struct err e = { "" };
		if (settings_normalize(s, cases[i].value, out, sizeof(out), &e) != -1 ||
		    !strstr(e.msg, "too long")) {
			print_error("%s = '%s' in 3 bytes gave '%s' and no error\n", s->name,
				    cases[i].value, out);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static void test_parse_bool(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int rc, value;
	} cases[] = {
		{ "on", 0, 1 },    { "ON", 0, 1 },  { "yes", 0, 1 },  { "true", 0, 1 },
		{ "1", 0, 1 },     { "off", 0, 0 }, { "no", 0, 0 },   { "False", 0, 0 },
		{ "0", 0, 0 },     { "", -1, 0 },   { "2", -1, 0 },   { "onn", -1, 0 },
		{ " on", -1, 0 },  { "y", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = 42;
		if (settings_parse_bool(cases[i].text, &v) != cases[i].rc)
			fail_msg("settings_parse_bool(\"%s\") did not return %d", cases[i].text,
				 cases[i].rc);
		assert_int_equal(v, cases[i].rc == 0 ? cases[i].value : 42);
	}
}

static void test_describe_type(void **state)
{
	(void)state;
	static const struct {
		enum setting_id id;
		const char *text;
	} cases[] = {
		{ SET_WEB_HTTP_PORT, "integer 1..65535" },
		{ SET_SSL_ENABLE, "on|off" },
		{ SET_SSL_CIPHER_PROFILE, "modern|intermediate|compatible|custom" },
		{ SET_LOG_LEVEL, "error|warn|info|debug" },
		{ SET_WEB_HOSTNAME, "text" },
		{ SET_MAIL_ROOT, "path" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[160];
		settings_describe_type(settings_get(cases[i].id), out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}

	/* A short buffer is cut, terminated, and nothing past it is written. */
	char small[12];
	memset(small, '#', sizeof(small));
	settings_describe_type(settings_get(SET_SSL_CIPHER_PROFILE), small, 8);
	assert_string_equal(small, "modern|");
	for (size_t i = 8; i < sizeof(small); i++)
		assert_int_equal(small[i], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_find_round_trip),
		cmocka_unit_test(test_validate_and_normalize),
		cmocka_unit_test(test_value_too_long),
		cmocka_unit_test(test_normalize_small_buffer),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_describe_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
