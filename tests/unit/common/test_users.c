/* test_users.c - mail domains and users as the administrator manages them:
 * add, log on, change the password, delete, and the refusals on the way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/users.h"

struct fixture {
	struct tmpdir dir;
	struct db *db;
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
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

/* 1 when address logs on with password. */
static int logs_on(struct fixture *f, const char *address, const char *password)
{
	struct err e = { "" };
	int good = -1;
	ok(user_verify(f->db, address, password, &good, &e), &e);
	assert_true(good == 0 || good == 1);
	return good;
}

/* The users, as "a@b,c@d" in list order. */
static int join_user(const char *address, const char *created, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	assert_non_null(created);
	snprintf(out + len, 1024 - len, "%s%s", len ? "," : "", address);
	return 0;
}

static const char *users_of(struct fixture *f, const char *domain)
{
	static char out[1024];
	struct err e = { "" };
	out[0] = '\0';
	ok(user_list(f->db, domain, join_user, out, &e), &e);
	return out;
}

static int join_domain(const char *name, long users, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 1024 - len, "%s%s:%ld", len ? "," : "", name, users);
	return 0;
}

static const char *domains(struct fixture *f)
{
	static char out[1024];
	struct err e = { "" };
	out[0] = '\0';
	ok(domain_list(f->db, join_domain, out, &e), &e);
	return out;
}

static void test_add_and_verify(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "correct horse", &e), &e);
	assert_int_equal(logs_on(f, "alice@example.com", "correct horse"), 1);
	assert_int_equal(logs_on(f, "alice@example.com", "wrong horse"), 0);
	assert_int_equal(logs_on(f, "bob@example.com", "correct horse"), 0);
	assert_int_equal(logs_on(f, "alice@example.org", "correct horse"), 0);
	assert_int_equal(logs_on(f, "not an address", "correct horse"), 0);
	assert_string_equal(users_of(f, NULL), "alice@example.com");
	assert_string_equal(domains(f), "example.com:1");

	/* The hash is stored, never the password. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db_sqlite(f->db),
					    "SELECT password_hash FROM users", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *h = (const char *)sqlite3_column_text(st, 0);
	assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
	assert_null(strstr(h, "correct horse"));
	sqlite3_finalize(st);
}

/* Addresses and domains are stored in lower case; logon ignores case. */
static void test_lower_case(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	int exists = 0;

	ok(domain_add(f->db, "Example.COM", &e), &e);
	ok(domain_exists(f->db, "example.com", &exists, &e), &e);
	assert_int_equal(exists, 1);
	ok(user_add(f->db, "Alice.Smith@EXAMPLE.com", "pw-alice-1", &e), &e);
	assert_string_equal(users_of(f, "EXAMPLE.COM"), "alice.smith@example.com");
	assert_int_equal(logs_on(f, "ALICE.SMITH@example.com", "pw-alice-1"), 1);
	assert_int_equal(logs_on(f, "alice.smith@Example.Com", "PW-ALICE"), 0);

	char out[USER_ADDRESS_MAX];
	ok(user_address_normalize("Bob+Tag@Mail.Example.COM", out, sizeof(out), &e), &e);
	assert_string_equal(out, "bob+tag@mail.example.com");
}

static void test_unknown_domain(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	assert_int_equal(user_add(f->db, "bob@nowhere.test", "pw-bob-12", &e), -1);
	assert_contains(e.msg, "nowhere.test");
	assert_contains(e.msg, "add it first");
	assert_string_equal(users_of(f, NULL), "");
}

static void test_duplicates(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	ok(domain_add(f->db, "example.com", &e), &e);
	assert_int_equal(domain_add(f->db, "EXAMPLE.com", &e), -1);
	assert_contains(e.msg, "already exists");

	ok(user_add(f->db, "alice@example.com", "first-pw-1", &e), &e);
	assert_int_equal(user_add(f->db, "ALICE@example.com", "second-pw-2", &e), -1);
	assert_contains(e.msg, "alice@example.com already exists");
	/* The first user is untouched. */
	assert_int_equal(logs_on(f, "alice@example.com", "first-pw-1"), 1);
	assert_int_equal(logs_on(f, "alice@example.com", "second-pw-2"), 0);
	assert_string_equal(users_of(f, NULL), "alice@example.com");
}

static void test_set_password(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "old password", &e), &e);
	ok(user_set_password(f->db, "Alice@Example.com", "new password", &e), &e);
	assert_int_equal(logs_on(f, "alice@example.com", "new password"), 1);
	assert_int_equal(logs_on(f, "alice@example.com", "old password"), 0);

	assert_int_equal(user_set_password(f->db, "alice@example.com", "bad\npassword", &e), -1);
	assert_contains(e.msg, "control character");
	assert_int_equal(logs_on(f, "alice@example.com", "new password"), 1);

	assert_int_equal(user_set_password(f->db, "bob@example.com", "whatever", &e), -1);
	assert_contains(e.msg, "there is no user bob@example.com");
}

static void test_user_del(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "pw-alice-1", &e), &e);
	ok(user_add(f->db, "bob@example.com", "pw-bob-12", &e), &e);
	ok(user_del(f->db, "ALICE@example.com", &e), &e);
	assert_int_equal(logs_on(f, "alice@example.com", "pw-alice-1"), 0);
	assert_int_equal(logs_on(f, "bob@example.com", "pw-bob-12"), 1);
	assert_string_equal(users_of(f, NULL), "bob@example.com");

	assert_int_equal(user_del(f->db, "alice@example.com", &e), -1);
	assert_contains(e.msg, "there is no user alice@example.com");
}

/* The stamp a session carries: it changes with the password, a revoke and a
 * user made again under the same name, and is gone with the user. */
static void test_session_stamp(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char first[USER_STAMP_LEN], now[USER_STAMP_LEN];
	int exists = -1;
	long count = -1;

	ok(domain_add(f->db, "example.com", &e), &e);
	ok(user_add(f->db, "alice@example.com", "pw-alice-1", &e), &e);
	ok(user_session_stamp(f->db, "alice@example.com", first, sizeof(first), &exists, &e), &e);
	assert_int_equal(exists, 1);
	assert_int_equal(strlen(first), USER_STAMP_LEN - 1);

	ok(user_session_stamp(f->db, "ALICE@example.com", now, sizeof(now), &exists, &e), &e);
	assert_string_equal(now, first);

	ok(user_set_password(f->db, "alice@example.com", "pw-alice-2", &e), &e);
	ok(user_session_stamp(f->db, "alice@example.com", now, sizeof(now), &exists, &e), &e);
	assert_string_not_equal(now, first);

	snprintf(first, sizeof(first), "%s", now);
	ok(user_revoke(f->db, "alice@example.com", &count, &e), &e);
	assert_int_equal(count, 0);
	ok(user_session_stamp(f->db, "alice@example.com", now, sizeof(now), &exists, &e), &e);
	assert_string_not_equal(now, first);

	snprintf(first, sizeof(first), "%s", now);
	ok(user_del(f->db, "alice@example.com", &e), &e);
	ok(user_session_stamp(f->db, "alice@example.com", now, sizeof(now), &exists, &e), &e);
	assert_int_equal(exists, 0);
	assert_string_equal(now, "");
	ok(user_add(f->db, "alice@example.com", "pw-alice-3", &e), &e);
	ok(user_session_stamp(f->db, "alice@example.com", now, sizeof(now), &exists, &e), &e);
	assert_string_not_equal(now, first);

	assert_int_equal(user_revoke(f->db, "bob@example.com", &count, &e), -1);
	assert_contains(e.msg, "there is no user bob@example.com");
}

static void test_domain_del(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	int exists = -1;

	ok(domain_add(f->db, "example.com", &e), &e);
	ok(domain_add(f->db, "example.org", &e), &e);
	ok(user_add(f->db, "alice@example.com", "pw-alice-1", &e), &e);
	ok(user_add(f->db, "carol@example.org", "pw-carol-1", &e), &e);

	/* Not while it has users... */
	assert_int_equal(domain_del(f->db, "example.com", 0, &e), -1);
	assert_contains(e.msg, "still has 1 user");
	ok(domain_exists(f->db, "example.com", &exists, &e), &e);
	assert_int_equal(exists, 1);
	assert_int_equal(logs_on(f, "alice@example.com", "pw-alice-1"), 1);

	/* ...unless forced, and then its users go too, and only its users. */
	ok(domain_del(f->db, "Example.com", 1, &e), &e);
	ok(domain_exists(f->db, "example.com", &exists, &e), &e);
	assert_int_equal(exists, 0);
	assert_int_equal(logs_on(f, "alice@example.com", "pw-alice-1"), 0);
	assert_string_equal(users_of(f, NULL), "carol@example.org");
	assert_string_equal(domains(f), "example.org:1");

	/* An empty domain goes without force. */
	ok(user_del(f->db, "carol@example.org", &e), &e);
	ok(domain_del(f->db, "example.org", 0, &e), &e);
	assert_string_equal(domains(f), "");

	assert_int_equal(domain_del(f->db, "example.net", 0, &e), -1);
	assert_contains(e.msg, "there is no domain example.net");
}

/* Bad input is refused with a reason and stores nothing. */
static void test_refused_input(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	static const char *const addresses[] = {
		"alice",
		"@example.com",
		"alice@",
		"al ice@example.com",
		".alice@example.com",
		"alice.@example.com",
		"alice@-example.com",
		"alice@example-.com",
		"alice@exa_mple.com",
		"alice@example..com",
		"alice@.example.com",
		"<script>@example.com",
	};
	static const char *const domain_names[] = {
		"", "-example.com", "example.com-", "exa mple.com", "example..com", ".example.com",
		"example.com.", "ex\"ample.com",
	};

	ok(domain_add(f->db, "example.com", &e), &e);
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		e.msg[0] = '\0';
		if (user_add(f->db, addresses[i], "pw-long-enough", &e) != -1)
			fail_msg("user '%s' was added", addresses[i]);
		assert_string_not_equal(e.msg, "");
	}
	assert_int_equal(user_add(f->db, "alice@example.com", "", &e), -1);
	assert_contains(e.msg, "empty");
	assert_string_equal(users_of(f, NULL), "");

	for (size_t i = 0; i < sizeof(domain_names) / sizeof(domain_names[0]); i++) {
		e.msg[0] = '\0';
		if (domain_add(f->db, domain_names[i], &e) != -1)
			fail_msg("domain '%s' was added", domain_names[i]);
		assert_contains(e.msg, "is not a domain name");
	}
	assert_string_equal(domains(f), "example.com:0");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_and_verify),
		T(test_lower_case),
		T(test_unknown_domain),
		T(test_duplicates),
		T(test_set_password),
		T(test_user_del),
		T(test_session_stamp),
		T(test_domain_del),
		T(test_refused_input),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
