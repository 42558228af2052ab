/* test_config.c - settings in the database: defaults, versioned changes with
 * who made them, history that never holds a secret, revert, and paths
 * relative to the database's folder. */
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"

#define HISTORY_MAX 64

/* A copy of one history row (the callback's strings are borrowed). */
struct change_row {
	long version;
	char *at, *who, *client, *key, *old_value, *new_value;
	int secret;
};

struct history {
	struct change_row rows[HISTORY_MAX];
	size_t n;
	size_t stop_after; /* 0: read everything */
};

struct fixture {
	struct tmpdir dir;
	struct db *db;
	struct config_who who;
	struct history history;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	char path[PATH_MAX];
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", path, sizeof(path));
	if (db_open(path, DB_CREATE, &f->db, &e) < 0)
		fail_msg("%s", e.msg);
	snprintf(f->who.user, sizeof(f->who.user), "tester");
	snprintf(f->who.client, sizeof(f->who.client), "198.51.100.7");
	*state = f;
	return 0;
}

static void history_clear(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct change_row *r = &h->rows[i];
		free(r->at), free(r->who), free(r->client), free(r->key);
		free(r->old_value), free(r->new_value);
	}
	h->n = 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	history_clear(&f->history);
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

static char *dup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	assert_true(!s || d);
	return d;
}

static int collect(const struct config_history_entry *h, void *arg)
{
	struct history *hist = arg;
	assert_true(hist->n < HISTORY_MAX);
	struct change_row *r = &hist->rows[hist->n++];
	r->version = h->version;
	r->at = dup_or_null(h->at);
	r->who = dup_or_null(h->who);
	r->client = dup_or_null(h->client);
	r->key = dup_or_null(h->key);
	r->old_value = dup_or_null(h->old_value);
	r->new_value = dup_or_null(h->new_value);
	r->secret = h->secret;
	return hist->stop_after && hist->n >= hist->stop_after;
}

/* Reads the whole history into f->history again. */
static struct history *read_history(struct fixture *f)
{
	struct err e = { "" };
	history_clear(&f->history);
	if (config_history(f->db, collect, &f->history, &e) < 0)
		fail_msg("%s", e.msg);
	return &f->history;
}

static const struct change_row *find_row(const struct history *h, long version, const char *key)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->rows[i].version == version && strcmp(h->rows[i].key, key) == 0)
			return &h->rows[i];
	fail_msg("no history row for %s at version %ld", key, version);
	return NULL;
}

/* NULL-aware string comparison for old and new values. */
#define assert_value(actual, expected)                                                     \
	do {                                                                               \
		const char *a_ = (actual), *x_ = (expected);                               \
		if (!x_)                                                                   \
			assert_null(a_);                                                   \
		else                                                                       \
			assert_string_equal(a_ ? a_ : "(null)", x_);                       \
	} while (0)

static long set(struct fixture *f, const struct config_change *changes, size_t n)
{
	struct err e = { "" };
	long version = -2;
	if (config_set(f->db, changes, n, &f->who, &version, &e) < 0)
		fail_msg("%s", e.msg);
	return version;
}

static long set1(struct fixture *f, enum setting_id id, const char *value)
{
	struct config_change c = { id, value };
	return set(f, &c, 1);
}

static long version(struct fixture *f)
{
	struct err e = { "" };
	long v = config_version(f->db, &e);
	if (v < 0)
		fail_msg("%s", e.msg);
	return v;
}

static struct config_snapshot *load(struct fixture *f)
{
	struct config_snapshot *s = NULL;
	struct err e = { "" };
	if (config_load(f->db, &s, &e) < 0)
		fail_msg("%s", e.msg);
	assert_non_null(s);
	return s;
}

static void assert_setting(struct fixture *f, enum setting_id id, const char *value, int stored)
{
	struct config_snapshot *s = load(f);
	assert_string_equal(config_str(s, id), value);
	assert_int_equal(s->stored[id], stored);
	config_snapshot_free(&s);
}

static void test_defaults_on_new_db(void **state)
{
	struct fixture *f = *state;
	struct config_snapshot *s = load(f);

	assert_int_equal(s->version, 0);
	assert_int_equal(version(f), 0);
	for (int i = 0; i < SET_COUNT; i++) {
		if (i == SET_SESSION_SECRET)
			continue; /* made with the database, below */
		assert_string_equal(config_str(s, (enum setting_id)i),
				    settings_get((enum setting_id)i)->def);
		assert_int_equal(s->stored[i], 0);
	}
	/* The key TOTP secrets are sealed with: random, made with the database. */
	assert_int_equal(s->stored[SET_SESSION_SECRET], 1);
	assert_int_equal(strlen(config_str(s, SET_SESSION_SECRET)), 64);
	assert_int_equal(strspn(config_str(s, SET_SESSION_SECRET), "0123456789abcdef"), 64);
	assert_int_equal(config_int(s, SET_WEB_HTTP_PORT), 8383);
	assert_int_equal(config_int(s, SET_WEB_HTTPS_PORT), 8384);
	assert_int_equal(config_bool(s, SET_SSL_ENABLE), 0);
	assert_int_equal(config_bool(s, SET_LOGIN_REMEMBER_ME), 1);
	assert_string_equal(s->dbdir, f->dir.path);
	assert_int_equal(read_history(f)->n, 0);
	config_snapshot_free(&s);
	assert_null(s);
	config_snapshot_free(&s); /* accepts NULL */
}

static void assert_iso_time(const char *at)
{
	/* 2024-05-01T12:34:56Z */
	assert_int_equal(strlen(at), 20);
	assert_int_equal(at[4], '-');
	assert_int_equal(at[10], 'T');
	assert_int_equal(at[19], 'Z');
}

static void test_set_one(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "08080"), 1);
	assert_int_equal(version(f), 1);
	struct config_snapshot *s = load(f);
	assert_int_equal(s->version, 1);
	assert_string_equal(config_str(s, SET_WEB_HTTP_PORT), "8080"); /* stored normalized */
	assert_int_equal(s->stored[SET_WEB_HTTP_PORT], 1);
	assert_int_equal(config_int(s, SET_WEB_HTTP_PORT), 8080);
	config_snapshot_free(&s);

	struct history *h = read_history(f);
	assert_int_equal(h->n, 1);
	assert_int_equal(h->rows[0].version, 1);
	assert_string_equal(h->rows[0].key, "web.http_port");
	assert_string_equal(h->rows[0].who, "tester");
	assert_string_equal(h->rows[0].client, "198.51.100.7");
	assert_value(h->rows[0].old_value, NULL); /* was the default */
	assert_value(h->rows[0].new_value, "8080");
	assert_int_equal(h->rows[0].secret, 0);
	assert_iso_time(h->rows[0].at);
}

static void test_set_several(void **state)
{
	struct fixture *f = *state;
	const struct config_change first[] = {
		{ SET_WEB_HTTP_PORT, "8080" },
		{ SET_SSL_ENABLE, "yes" },
		{ SET_WEB_HOSTNAME, "mail.example.com" },
	};
	assert_int_equal(set(f, first, 3), 1);

	snprintf(f->who.user, sizeof(f->who.user), "root (sudo from alice)");
	f->who.client[0] = '\0';
	const struct config_change second[] = {
		{ SET_WEB_HTTP_PORT, "8081" },
		{ SET_LOG_LEVEL, "debug" },
	};
	assert_int_equal(set(f, second, 2), 2);
	assert_int_equal(version(f), 2);

	struct config_snapshot *s = load(f);
	assert_string_equal(config_str(s, SET_WEB_HTTP_PORT), "8081");
	assert_string_equal(config_str(s, SET_SSL_ENABLE), "on");
	assert_string_equal(config_str(s, SET_WEB_HOSTNAME), "mail.example.com");
	assert_string_equal(config_str(s, SET_LOG_LEVEL), "debug");
	config_snapshot_free(&s);

	struct history *h = read_history(f);
	assert_int_equal(h->n, 5);
	const struct change_row *r = find_row(h, 1, "ssl.enable");
	assert_value(r->new_value, "on");
	assert_string_equal(r->who, "tester");
	assert_string_equal(r->client, "198.51.100.7");
	r = find_row(h, 2, "web.http_port");
	assert_value(r->old_value, "8080");
	assert_value(r->new_value, "8081");
	assert_string_equal(r->who, "root (sudo from alice)");
	assert_string_equal(r->client, "");
	find_row(h, 1, "web.hostname");
	find_row(h, 2, "log.level");
	/* Oldest first. */
	for (size_t i = 1; i < h->n; i++)
		assert_true(h->rows[i - 1].version <= h->rows[i].version);
}

static void test_history_stops(void **state)
{
	struct fixture *f = *state;
	set1(f, SET_WEB_HTTP_PORT, "8080");
	set1(f, SET_WEB_HTTP_PORT, "8081");
	set1(f, SET_WEB_HTTP_PORT, "8082");
	f->history.stop_after = 2;
	assert_int_equal(read_history(f)->n, 2);
}

/* Setting what is already there makes no version and no history. */
static void test_noop_set(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "8080"), 1);

	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "8080"), 1);
	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "08080"), 1); /* the same once normalized */
	assert_int_equal(set1(f, SET_SSL_ENABLE, NULL), 1);       /* default already */
	assert_int_equal(set(f, NULL, 0), 1);
	assert_int_equal(version(f), 1);
	assert_int_equal(read_history(f)->n, 1);

	/* In a batch, only what changes is recorded. */
	const struct config_change mixed[] = {
		{ SET_WEB_HTTP_PORT, "8080" },
		{ SET_WEB_HTTPS_PORT, "8443" },
	};
	assert_int_equal(set(f, mixed, 2), 2);
	struct history *h = read_history(f);
	assert_int_equal(h->n, 2);
	find_row(h, 2, "web.https_port");
}

/* One bad value refuses the whole batch: nothing is stored, no version. */
static void test_invalid_value(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	long v = 99;
	const struct config_change changes[] = {
		{ SET_WEB_HTTPS_PORT, "8443" },
		{ SET_WEB_HTTP_PORT, "70000" },
	};
	assert_int_equal(config_set(f->db, changes, 2, &f->who, &v, &e), -1);
	assert_string_equal(e.msg, "web.http_port: 70000 is outside 1..65535");
	assert_int_equal(version(f), 0);
	assert_setting(f, SET_WEB_HTTPS_PORT, "8384", 0);
	assert_setting(f, SET_WEB_HTTP_PORT, "8383", 0);
	assert_int_equal(read_history(f)->n, 0);

	const struct config_change unknown = { SET_COUNT, "1" };
	assert_int_equal(config_set(f->db, &unknown, 1, &f->who, &v, &e), -1);
	assert_int_equal(version(f), 0);
}

static void test_reset_to_default(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "8080"), 1);
	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, NULL), 2);
	assert_setting(f, SET_WEB_HTTP_PORT, "8383", 0);

	const struct change_row *r = find_row(read_history(f), 2, "web.http_port");
	assert_value(r->old_value, "8080");
	assert_value(r->new_value, NULL);

	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, NULL), 2); /* already the default */
}

/* The key password is stored for the daemon but never copied into the history. */
static void test_secret(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st;

	assert_int_equal(set1(f, SET_SSL_KEY_PASSWORD, "s3cret-one"), 1);
	assert_int_equal(set1(f, SET_SSL_KEY_PASSWORD, "s3cret-two"), 2);
	assert_setting(f, SET_SSL_KEY_PASSWORD, "s3cret-two", 1);

	struct history *h = read_history(f);
	assert_int_equal(h->n, 2);
	for (size_t i = 0; i < h->n; i++) {
		assert_string_equal(h->rows[i].key, "ssl.key_password");
		assert_int_equal(h->rows[i].secret, 1);
		assert_null(h->rows[i].old_value);
		assert_null(h->rows[i].new_value);
	}

	/* Not anywhere in the history tables either. */
	assert_int_equal(sqlite3_prepare_v2(db_sqlite(f->db),
					    "SELECT count(*) FROM config_changes "
					    "WHERE old_value LIKE '%s3cret%' "
					    "OR new_value LIKE '%s3cret%'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
}

struct skipped_log {
	enum setting_id ids[SET_COUNT];
	size_t n;
};

static void on_skipped(enum setting_id id, void *arg)
{
	struct skipped_log *log = arg;
	assert_true(log->n < SET_COUNT);
	log->ids[log->n++] = id;
}

static long revert(struct fixture *f, long to, struct skipped_log *log)
{
	struct err e = { "" };
	long v = -2;
	if (config_revert(f->db, to, &f->who, on_skipped, log, &v, &e) < 0)
		fail_msg("%s", e.msg);
	return v;
}

static void test_revert(void **state)
{
	struct fixture *f = *state;
	struct skipped_log skipped = { .n = 0 };

	const struct config_change v1[] = {
		{ SET_WEB_HTTP_PORT, "8080" },
		{ SET_SMTP_RELAY, "smtp://relay.example.com:25" },
		{ SET_SSL_KEY_PASSWORD, "first" },
	};
	const struct config_change v2[] = {
		{ SET_WEB_HTTP_PORT, "9090" },
		{ SET_LOG_LEVEL, "debug" },
		{ SET_SSL_KEY_PASSWORD, "second" },
	};
	assert_int_equal(set(f, v1, 3), 1);
	assert_int_equal(set(f, v2, 3), 2);
	assert_int_equal(set1(f, SET_WEB_HOSTNAME, "mail.example.com"), 3);

	assert_int_equal(revert(f, 1, &skipped), 4);
	assert_int_equal(version(f), 4);

	struct config_snapshot *s = load(f);
	assert_string_equal(config_str(s, SET_WEB_HTTP_PORT), "8080");
	assert_string_equal(config_str(s, SET_SMTP_RELAY), "smtp://relay.example.com:25");
	assert_string_equal(config_str(s, SET_LOG_LEVEL), "info");
	assert_int_equal(s->stored[SET_LOG_LEVEL], 0);
	assert_string_equal(config_str(s, SET_WEB_HOSTNAME), "");
	assert_int_equal(s->stored[SET_WEB_HOSTNAME], 0);
	/* The secret stays as it is, and the caller hears about it. */
	assert_string_equal(config_str(s, SET_SSL_KEY_PASSWORD), "second");
	config_snapshot_free(&s);
	assert_int_equal(skipped.n, 1);
	assert_int_equal(skipped.ids[0], SET_SSL_KEY_PASSWORD);

	/* The revert is an ordinary version in the history. */
	struct history *h = read_history(f);
	const struct change_row *r = find_row(h, 4, "web.http_port");
	assert_value(r->old_value, "9090");
	assert_value(r->new_value, "8080");
	assert_string_equal(r->who, "tester");
	r = find_row(h, 4, "log.level");
	assert_value(r->new_value, NULL);
	find_row(h, 4, "web.hostname");
	for (size_t i = 0; i < h->n; i++)
		if (h->rows[i].version == 4 && strcmp(h->rows[i].key, "ssl.key_password") == 0)
			fail_msg("the revert changed the key password");

	/* Back to the start: every default, the secret still kept. */
	skipped.n = 0;
	assert_int_equal(revert(f, 0, &skipped), 5);
	s = load(f);
	for (int i = 0; i < SET_COUNT; i++)
		if (i != SET_SSL_KEY_PASSWORD && i != SET_SESSION_SECRET && s->stored[i])
			fail_msg("%s is still set after a revert to version 0",
				 settings_get((enum setting_id)i)->name);
	assert_string_equal(config_str(s, SET_SSL_KEY_PASSWORD), "second");
	config_snapshot_free(&s);
	assert_int_equal(skipped.n, 1);
}

/* A secret that did not change since the target version is not reported. */
static void test_revert_secret_unchanged(void **state)
{
	struct fixture *f = *state;
	struct skipped_log skipped = { .n = 0 };

	assert_int_equal(set1(f, SET_SSL_KEY_PASSWORD, "only"), 1);
	assert_int_equal(set1(f, SET_WEB_HTTP_PORT, "9090"), 2);
	assert_int_equal(revert(f, 1, &skipped), 3);
	assert_int_equal(skipped.n, 0);
	assert_setting(f, SET_WEB_HTTP_PORT, "8383", 0);
	assert_setting(f, SET_SSL_KEY_PASSWORD, "only", 1);

	/* Reverting to what is already there makes no version. */
	assert_int_equal(revert(f, 3, &skipped), 3);
	assert_int_equal(version(f), 3);
}

static void test_revert_nonexistent(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	long v = -2;

	set1(f, SET_WEB_HTTP_PORT, "8080");
	assert_int_equal(config_revert(f->db, 5, &f->who, NULL, NULL, &v, &e), -1);
	assert_contains(e.msg, "no configuration version 5");
	assert_int_equal(config_revert(f->db, -1, &f->who, NULL, NULL, &v, &e), -1);
	assert_int_equal(version(f), 1);
	assert_setting(f, SET_WEB_HTTP_PORT, "8080", 1);
}

static void test_path(void **state)
{
	struct fixture *f = *state;
	char expect[PATH_MAX * 2];
	static const struct {
		enum setting_id id;
		const char *value; /* NULL: the default */
		const char *under; /* the result below the database's folder; NULL: value as is */
	} cases[] = {
		{ SET_SSL_CERT_FILE, "certs/server.pem", "certs/server.pem" },
		{ SET_SSL_KEY_FILE, "/etc/ssl/private/server.key", NULL },
		{ SET_SSL_CHAIN_FILE, NULL, NULL }, /* "" stays "" */
		{ SET_SSL_KEYSTORE, NULL, "ssl" },
		{ SET_MAIL_ROOT, "../mail", "../mail" },
	};
	const struct config_change changes[] = {
		{ SET_SSL_CERT_FILE, "certs/server.pem" },
		{ SET_SSL_KEY_FILE, "/etc/ssl/private/server.key" },
		{ SET_MAIL_ROOT, "../mail" },
	};
	set(f, changes, 3);
	struct config_snapshot *s = load(f);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[PATH_MAX];
		struct err e = { "" };
		if (config_path(s, cases[i].id, out, sizeof(out), &e) < 0)
			fail_msg("%s", e.msg);
		if (cases[i].under)
			snprintf(expect, sizeof(expect), "%s/%s", f->dir.path, cases[i].under);
		else
			snprintf(expect, sizeof(expect), "%s",
				 cases[i].value ? cases[i].value : "");
		assert_string_equal(out, expect);
	}

	/* Too long for the caller's buffer: an error, not a cut path. */
	char small[8];
	struct err e = { "" };
	assert_int_equal(config_path(s, SET_SSL_CERT_FILE, small, sizeof(small), &e), -1);
	assert_contains(e.msg, "ssl.cert_file");
	config_snapshot_free(&s);
}

static void test_hostname(void **state)
{
	struct fixture *f = *state;
	char out[256], host[256];

	struct config_snapshot *s = load(f);
	config_hostname(s, out, sizeof(out));
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	assert_string_equal(out, host);
	config_snapshot_free(&s);

	set1(f, SET_WEB_HOSTNAME, "mail.example.com");
	s = load(f);
	config_hostname(s, out, sizeof(out));
	assert_string_equal(out, "mail.example.com");
	config_snapshot_free(&s);
}

static void test_who_current(void **state)
{
	(void)state;
	static const struct {
		const char *ssh_client; /* NULL: unset */
		const char *client;
	} cases[] = {
		{ "203.0.113.5 5555 22", "203.0.113.5" },
		{ "2001:db8::7 40000 22", "2001:db8::7" },
		{ NULL, "" },
	};
	struct passwd *pw = getpwuid(getuid());
	char user[96];

	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid %ld", (long)getuid());
	unsetenv("SUDO_USER");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config_who who;
		memset(&who, 'x', sizeof(who));
		if (cases[i].ssh_client)
			setenv("SSH_CLIENT", cases[i].ssh_client, 1);
		else
			unsetenv("SSH_CLIENT");
		config_who_current(&who);
		assert_string_equal(who.client, cases[i].client);
		assert_string_equal(who.user, user);
	}
	unsetenv("SSH_CLIENT");
}

/* Two operators: a change made against a value that is no longer there saves
 * nothing; one made against the current value (the default counts) saves. */
static void test_compare_and_set(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	long v = -2;
	const struct config_change from_default = { SET_WEB_HTTP_PORT, "8080", "8383" };
	assert_int_equal(set(f, &from_default, 1), 1);
	const struct config_change stale[] = {
		{ SET_LOG_LEVEL, "debug", "info" },
		{ SET_WEB_HTTP_PORT, "9090", "8383" },
	};
	assert_int_equal(config_set(f->db, stale, 2, &f->who, &v, &e), -1);
	assert_non_null(strstr(e.msg, "web.http_port was changed meanwhile (it is now '8080')"));
	assert_int_equal(version(f), 1);
	assert_setting(f, SET_WEB_HTTP_PORT, "8080", 1);
	assert_setting(f, SET_LOG_LEVEL, "info", 0);
	const struct config_change current = { SET_WEB_HTTP_PORT, "9090", "8080" };
	assert_int_equal(set(f, &current, 1), 2);
	assert_setting(f, SET_WEB_HTTP_PORT, "9090", 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults_on_new_db),
		T(test_set_one),
		T(test_set_several),
		T(test_history_stops),
		T(test_noop_set),
		T(test_invalid_value),
		T(test_reset_to_default),
		T(test_secret),
		T(test_revert),
		T(test_revert_secret_unchanged),
		T(test_revert_nonexistent),
		T(test_path),
		T(test_hostname),
		T(test_compare_and_set),
		cmocka_unit_test(test_who_current),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
