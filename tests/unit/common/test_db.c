/* test_db.c - opening the configuration database: a new one is private and
 * up to date, and anything that is not a healthy webmsg database of this
 * version is refused with a message that says why, and left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "unit.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/users.h"

struct fixture {
	struct tmpdir dir;
	char path[PATH_MAX]; /* dir/webmsg.db, not created yet */
	const void *param;   /* the test's case, for table-driven tests */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->param = *state;
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", f->path, sizeof(f->path));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* Runs SQL with the plain SQLite API, as another program would. */
static void sqlite_exec(const char *path, const char *sql)
{
	sqlite3 *sql_db = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &sql_db), SQLITE_OK);
	if (sqlite3_exec(sql_db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	assert_int_equal(sqlite3_close(sql_db), SQLITE_OK);
}

static long query_long(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	long v;
	assert_int_equal(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A webmsg database with settings, history, a domain and a user in it. */
static void make_webmsg_db(const char *path)
{
	struct db *db = NULL;
	struct err e = { "" };
	struct config_who who = { "tester", "" };
	struct config_change changes[] = {
		{ SET_WEB_HTTP_PORT, "8080" },
		{ SET_WEB_HOSTNAME, "mail.example.com" },
		{ SET_SMTP_RELAY, "smtp://relay.example.com:25" },
	};
	if (db_open(path, DB_CREATE, &db, &e) < 0)
		fail_msg("%s", e.msg);
	if (config_set(db, changes, 3, &who, NULL, &e) < 0 || domain_add(db, "example.com", &e) < 0 ||
	    user_add(db, "alice@example.com", "correct horse", &e) < 0)
		fail_msg("%s", e.msg);
	db_close(&db);
	assert_null(db);
}

static void test_create(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct err e = { "" };
	struct stat sb;
	char wal[PATH_MAX + 8];

	/* 0600 because the code asks for it, not because of the caller's umask. */
	mode_t old = umask(0);
	int rc = db_open(f->path, DB_CREATE, &db, &e);
	umask(old);
	if (rc < 0)
		fail_msg("%s", e.msg);
	assert_non_null(db);

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_true(db_schema_latest() >= 1);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	assert_int_equal(query_long(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
					"AND name IN ('settings', 'config_versions', "
					"'config_changes', 'daemon_status', 'domains', 'users')"),
			 6);
	assert_string_equal(db_path(db), f->path);
	assert_string_equal(db_dir(db), f->dir.path);

	/* The write-ahead log holds the same secrets as the database. */
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	db_close(&db);
	assert_null(db);
	db_close(&db); /* accepts NULL */

	/* It opens again as it is. */
	if (db_open(f->path, DB_OPEN_EXISTING, &db, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	db_close(&db);
}

static void test_create_relative_path(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct err e = { "" };
	char expect[PATH_MAX];

	assert_int_equal(mkdir("var", 0700), 0);
	if (db_open("var/webmsg.db", DB_CREATE, &db, &e) < 0)
		fail_msg("%s", e.msg);
	tmpdir_file(&f->dir, "var", expect, sizeof(expect));
	assert_string_equal(db_dir(db), expect);
	tmpdir_file(&f->dir, "var/webmsg.db", expect, sizeof(expect));
	assert_string_equal(db_path(db), expect);
	db_close(&db);
}

/* `init` on a file that is already there never touches it. */
static void test_create_refuses_existing(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "my notes, not a database\n";
	struct db *db = NULL;
	struct err e = { "" };
	struct file_copy before;

	file_write(f->path, text, sizeof(text) - 1);
	file_copy_take(&before, f->path);
	assert_int_equal(db_open(f->path, DB_CREATE, &db, &e), -1);
	assert_null(db);
	assert_contains(e.msg, "already exists");
	file_copy_assert_same(&before, f->path);
	file_copy_free(&before);

	assert_int_equal(unlink(f->path), 0);
	make_webmsg_db(f->path);
	file_copy_take(&before, f->path);
	assert_int_equal(db_open(f->path, DB_CREATE, &db, &e), -1);
	assert_contains(e.msg, "already exists");
	file_copy_assert_same(&before, f->path);
	file_copy_free(&before);
}

/* How each refused file is made; path is where db_open will look. */
static void prepare_missing(const char *path)
{
	(void)path;
}

static void prepare_empty(const char *path)
{
	file_write(path, "", 0);
}

static void prepare_short_text(const char *path)
{
	file_write(path, "hello\n", 6);
}

static void prepare_text(const char *path)
{
	static const char text[] = "[web]\nhttp_port = 8383\nhttps_port = 8384\n";
	file_write(path, text, sizeof(text) - 1);
}

static void prepare_foreign(const char *path)
{
	sqlite_exec(path, "CREATE TABLE contacts (name TEXT, email TEXT);"
			  "INSERT INTO contacts VALUES ('Alice', 'alice@example.com');");
}

static void prepare_foreign_versioned(const char *path)
{
	sqlite_exec(path, "PRAGMA user_version = 3; CREATE TABLE notes (body TEXT);"
			  "INSERT INTO notes VALUES ('keep me');");
}

static void prepare_newer(const char *path)
{
	char sql[64];
	make_webmsg_db(path);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", db_schema_latest() + 1);
	sqlite_exec(path, sql);
}

/* Garbage over every page after the first: the header still says SQLite,
 * the tables are gone. */
static void prepare_damaged(const char *path)
{
	size_t len;
	make_webmsg_db(path);
	char *data = file_read(path, &len);
	assert_non_null(data);
	size_t page = ((unsigned char)data[16] << 8) | (unsigned char)data[17];
	if (page == 1)
		page = 65536;
	assert_true(len >= 3 * page);
	uint32_t x = 2463534242u;
	for (size_t i = page; i < len; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (char)(x & 0xff);
	}
	file_write(path, data, len);
	free(data);
}

struct refusal {
	const char *what;
	void (*prepare)(const char *path);
	const char *message; /* a part of the error */
};

static const struct refusal refusals[] = {
	{ "missing file", prepare_missing, "init" },
	{ "empty file", prepare_empty, "empty" },
	{ "short text file", prepare_short_text, "not an SQLite database" },
	{ "text file", prepare_text, "not an SQLite database" },
	{ "another program's database", prepare_foreign, "some other program" },
	{ "another program's versioned database", prepare_foreign_versioned, "some other program" },
	{ "database of a newer webmsg", prepare_newer, "newer" },
	{ "damaged database", prepare_damaged, "corrupt" },
};

static void test_open_existing_refuses(void **state)
{
	struct fixture *f = *state;
	const struct refusal *r = f->param;
	struct db *db = NULL;
	struct err e = { "" };
	struct file_copy before;
	char side[PATH_MAX + 8];

	r->prepare(f->path);
	file_copy_take(&before, f->path);
	if (db_open(f->path, DB_OPEN_EXISTING, &db, &e) != -1)
		fail_msg("%s was opened", r->what);
	assert_null(db);
	assert_contains(e.msg, r->message);
	/* Byte for byte as it was, and a missing file is not created. */
	file_copy_assert_same(&before, f->path);
	file_copy_free(&before);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	assert_false(file_exists(side));
	snprintf(side, sizeof(side), "%s-shm", f->path);
	assert_false(file_exists(side));
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Another program in the middle of a write: db_open waits its busy timeout
 * (5 s), then says the database is locked instead of hanging or failing oddly. */
static void test_open_locked(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct err e = { "" };
	sqlite3 *other = NULL;

	make_webmsg_db(f->path);
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

	double start = now_seconds();
	assert_int_equal(db_open(f->path, DB_OPEN_EXISTING, &db, &e), -1);
	double waited = now_seconds() - start;
	assert_null(db);
	assert_contains(e.msg, "locked");
	assert_true(waited < 8.0);

	/* Once the other program is done, it opens. */
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(other), SQLITE_OK);
	if (db_open(f->path, DB_OPEN_EXISTING, &db, &e) < 0)
		fail_msg("%s", e.msg);
	db_close(&db);
}

static void test_default_path(void **state)
{
	(void)state;
	setenv("WEBMSG_CONFIG", "/srv/webmsg/test.db", 1);
	assert_string_equal(db_default_path(), "/srv/webmsg/test.db");
	setenv("WEBMSG_CONFIG", "", 1);
	assert_string_not_equal(db_default_path(), "");
	unsetenv("WEBMSG_CONFIG");
	assert_true(db_default_path()[0] == '/');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_relative_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses_existing, setup, teardown),
#define REFUSAL(i) { refusals[i].what, test_open_existing_refuses, setup, teardown, \
		     (void *)&refusals[i] }
		REFUSAL(0), REFUSAL(1), REFUSAL(2), REFUSAL(3),
		REFUSAL(4), REFUSAL(5), REFUSAL(6), REFUSAL(7),
#undef REFUSAL
		cmocka_unit_test_setup_teardown(test_open_locked, setup, teardown),
		cmocka_unit_test(test_default_path),
	};
	_Static_assert(sizeof(refusals) / sizeof(refusals[0]) == 8, "list every refusal in main");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
