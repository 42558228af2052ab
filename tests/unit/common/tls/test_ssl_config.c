/* test_ssl_config.c - where the SSL settings point (the key store's files
 * unless a setting names another, relative paths from the database's folder,
 * the optional chain), the client authentication mode, and the SSL rules the
 * decision takes on them: Force SSL follows Enable SSL, a client
 * authentication mode needs a readable CA file once SSL is on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

struct fixture {
	struct tmpdir dir;
	struct db *db;
	struct config_snapshot *cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	char path[PATH_MAX];
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", path, sizeof(path));
	if (db_open(path, DB_CREATE, &f->db, &e) < 0 || config_load(f->db, &f->cfg, &e) < 0)
		fail_msg("%s", e.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	config_snapshot_free(&f->cfg);
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

static void set(struct fixture *f, enum setting_id id, const char *value)
{
	struct err e = { "" };
	if (config_snapshot_override(f->cfg, id, value, &e) < 0)
		fail_msg("%s", e.msg);
}

static void paths(struct fixture *f, struct ssl_paths *p)
{
	struct err e = { "" };
	if (ssl_config_paths(f->cfg, p, &e) < 0)
		fail_msg("%s", e.msg);
}

static void expect_path(const struct fixture *f, const char *got, const char *rel)
{
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/%s", f->dir.path, rel);
	assert_string_equal(got, want);
}

static void test_key_store_defaults(void **state)
{
	struct fixture *f = *state;
	struct ssl_paths p;
	paths(f, &p);
	/* ssl.keystore "ssl", beside the database. */
	expect_path(f, p.keystore, "ssl");
	expect_path(f, p.cert, "ssl/" TLS_SERVER_CERT);
	expect_path(f, p.key, "ssl/" TLS_SERVER_KEY);
	assert_string_equal(p.chain, ""); /* no chain.crt: none sent */
	assert_string_equal(p.client_ca, "");

	/* The key store's chain counts once it is there. */
	assert_int_equal(mkdir("ssl", 0700), 0);
	file_write("ssl/" TLS_SERVER_CHAIN, "x", 1);
	paths(f, &p);
	expect_path(f, p.chain, "ssl/" TLS_SERVER_CHAIN);

	set(f, SET_SSL_KEYSTORE, "/etc/webmsg/keys");
	paths(f, &p);
	assert_string_equal(p.cert, "/etc/webmsg/keys/" TLS_SERVER_CERT);
	assert_string_equal(p.key, "/etc/webmsg/keys/" TLS_SERVER_KEY);
}

static void test_files_named_elsewhere(void **state)
{
	struct fixture *f = *state;
	struct ssl_paths p;
	set(f, SET_SSL_KEYSTORE, "/srv/keys");
	set(f, SET_SSL_CERT_FILE, "/etc/ssl/mail.pem");
	set(f, SET_SSL_KEY_FILE, "private/mail.key"); /* relative: from the database's folder */
	set(f, SET_SSL_CLIENT_CA_FILE, "clients.pem");
	paths(f, &p);
	assert_string_equal(p.keystore, "/srv/keys");
	assert_string_equal(p.cert, "/etc/ssl/mail.pem");
	expect_path(f, p.key, "private/mail.key");
	expect_path(f, p.client_ca, "clients.pem");
	assert_string_equal(p.chain, "");

	/* A chain file named in a setting is not optional: it stays, missing or not,
	 * so the decision can say it is missing. */
	set(f, SET_SSL_CHAIN_FILE, "/nonexistent/chain.pem");
	paths(f, &p);
	assert_string_equal(p.chain, "/nonexistent/chain.pem");
}

static void test_path_too_long(void **state)
{
	struct fixture *f = *state;
	struct ssl_paths p;
	struct err e = { "" };
	char longname[PATH_MAX];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	set(f, SET_SSL_KEYSTORE, longname);
	assert_int_equal(ssl_config_paths(f->cfg, &p, &e), -1);
	assert_contains(e.msg, "path too long");
}

static void test_client_auth_modes(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *value;
		enum client_auth mode;
	} cases[] = {
		{ "none", CLIENT_AUTH_NONE },
		{ "optional", CLIENT_AUTH_OPTIONAL },
		{ "required", CLIENT_AUTH_REQUIRED },
	};
	assert_int_equal(ssl_config_client_auth(f->cfg), CLIENT_AUTH_NONE); /* the default */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set(f, SET_SSL_CLIENT_AUTH, cases[i].value);
		assert_int_equal(ssl_config_client_auth(f->cfg), cases[i].mode);
	}
}

/* The decision's items about one setting, as "LEVEL text" lines. */
struct about {
	enum setting_id setting;
	char text[2048];
};

static void collect(const struct config_check_item *item, void *arg)
{
	struct about *a = arg;
	size_t used = strlen(a->text);
	if (item->setting == a->setting)
		snprintf(a->text + used, sizeof(a->text) - used, "%s %s\n",
			 config_check_level_label(item->level), item->text);
}

static const char *decide(struct fixture *f, enum setting_id setting, struct about *a)
{
	/* The certificate is not what is tested here. */
	struct config_check_env env = { .material_pending = 1 };
	memset(a, 0, sizeof(*a));
	a->setting = setting;
	config_check_run(f->cfg, &env, collect, a);
	return a->text;
}

static void test_force_follows_enable(void **state)
{
	struct fixture *f = *state;
	struct config_snapshot *current;
	struct config_change out[CONFIG_CHECK_MAX_IMPLIED];
	struct about a;
	struct err e = { "" };

	set(f, SET_SSL_FORCE, "on");
	assert_contains(decide(f, SET_SSL_FORCE, &a), "FAIL ssl.force: Force SSL is on but SSL is off");
	set(f, SET_SSL_ENABLE, "on");
	assert_null(strstr(decide(f, SET_SSL_FORCE, &a), "FAIL"));

	/* Force SSL turned on (current: both off) brings SSL with it. */
	set(f, SET_SSL_ENABLE, "off");
	assert_int_equal(config_load(f->db, &current, &e), 0);
	assert_int_equal(config_check_implied(current, f->cfg, out), 1);
	assert_int_equal(out[0].id, SET_SSL_ENABLE);
	assert_string_equal(out[0].value, "on");
	/* Both asked for together: nothing more to add. */
	set(f, SET_SSL_ENABLE, "on");
	assert_int_equal(config_check_implied(current, f->cfg, out), 0);
	/* SSL turned off (current: both on) takes Force SSL with it. */
	assert_int_equal(config_snapshot_override(current, SET_SSL_ENABLE, "on", &e), 0);
	assert_int_equal(config_snapshot_override(current, SET_SSL_FORCE, "on", &e), 0);
	set(f, SET_SSL_ENABLE, "off");
	assert_int_equal(config_check_implied(current, f->cfg, out), 1);
	assert_int_equal(out[0].id, SET_SSL_FORCE);
	assert_string_equal(out[0].value, "off");
	config_snapshot_free(&current);
}

static void test_client_auth_needs_ca(void **state)
{
	struct fixture *f = *state;
	struct tls_request req = { .key_type = TLS_KEY_EC_P256, .days = 30,
				   .password = "correct horse battery" };
	struct about a;
	struct err e = { "" };
	char ca[PATH_MAX + 32];

	set(f, SET_SSL_ENABLE, "on");
	set(f, SET_SSL_CLIENT_AUTH, "required");
	assert_contains(decide(f, SET_SSL_CLIENT_CA_FILE, &a),
			"FAIL ssl.client_ca_file: client authentication is required but no CA "
			"file is set");
	set(f, SET_SSL_CLIENT_AUTH, "optional");
	assert_contains(decide(f, SET_SSL_CLIENT_CA_FILE, &a), "FAIL ssl.client_ca_file");

	set(f, SET_SSL_CLIENT_CA_FILE, "missing.pem");
	assert_contains(decide(f, SET_SSL_CLIENT_CA_FILE, &a), "not found");

	/* A PEM certificate as the CA: accepted, and counted. */
	assert_int_equal(mkdir("ca", 0700), 0);
	snprintf(req.subject.cn, sizeof(req.subject.cn), "ca.example.org");
	if (tls_selfsign("ca", &req, 0, &e) < 0)
		fail_msg("%s", e.msg);
	snprintf(ca, sizeof(ca), "%s/ca/%s", f->dir.path, TLS_SERVER_CERT);
	set(f, SET_SSL_CLIENT_CA_FILE, ca);
	assert_null(strstr(decide(f, SET_SSL_CLIENT_CA_FILE, &a), "FAIL"));
	assert_contains(decide(f, SET_SSL_CLIENT_AUTH, &a),
			"OK client authentication optional with 1 CA certificate");

	/* none needs no CA at all. */
	set(f, SET_SSL_CLIENT_AUTH, "none");
	set(f, SET_SSL_CLIENT_CA_FILE, "");
	assert_null(strstr(decide(f, SET_SSL_CLIENT_CA_FILE, &a), "FAIL"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_key_store_defaults),
		T(test_files_named_elsewhere),
		T(test_path_too_long),
		T(test_client_auth_modes),
		T(test_force_follows_enable),
		T(test_client_auth_needs_ca),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
