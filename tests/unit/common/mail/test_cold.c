/* test_cold.c - a large folder the index has never seen: its first page
 * comes from the file names at once (newest first, counts from the names),
 * a thread indexes it meanwhile, and afterwards every order and search work
 * on all of its messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <time.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

/* More than the back-end indexes at once (2,000). */
#define COLD_MESSAGES 3000
#define BASE_TIME 1700000000L

struct fixture {
	struct tmpdir dir;
	char root[PATH_MAX];
	char folder_dir[PATH_MAX]; /* root/example.com/alice/.Archive */
};

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

/* The folder "Archive" with COLD_MESSAGES messages, written as a delivery
 * agent would; message i arrived at BASE_TIME + i, every third one unread. */
static void fill_folder(struct fixture *f)
{
	char path[PATH_MAX + 128];
	static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", f->folder_dir, subs[i]);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/maildirfolder", f->folder_dir);
	file_write(path, "", 0);
	for (long i = 0; i < COLD_MESSAGES; i++) {
		char msg[256];
		int len = snprintf(msg, sizeof(msg),
				   "From: Sender %ld <s%ld@example.org>\r\nSubject: number %05ld\r\n"
				   "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nbody %ld\r\n",
				   i, i, i, i);
		snprintf(path, sizeof(path), "%s/cur/%ld.M%ldP1.test,S=%d:2,%s", f->folder_dir,
			 BASE_TIME + i, i, len, i % 3 ? "S" : "");
		file_write(path, msg, (size_t)len);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct mailstore *ms;
	struct err e = { "" };
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "mail", f->root, sizeof(f->root));
	/* The mailbox and its index exist; the folder comes afterwards, as
	 * when mail is migrated from another server. */
	ok(mailstore_open(f->root, "example.com", "alice", &ms, &e), &e);
	mailstore_close(&ms);
	snprintf(f->folder_dir, sizeof(f->folder_dir), "%s/example.com/alice/.Archive", f->root);
	fill_folder(f);
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

static long folder_unread(struct mailstore *ms, const char *name, long *total)
{
	struct mail_folder *v;
	size_t n;
	struct err e = { "" };
	long unread = -1;
	ok(mailstore_folders(ms, &v, &n, &e), &e);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			unread = v[i].unread;
			*total = v[i].total;
		}
	free(v);
	return unread;
}

/* Waits (bounded) until a list of the folder comes from the index. */
static void wait_indexed(struct mailstore *ms)
{
	struct err e = { "" };
	for (int i = 0; i < 6000; i++) {
		struct mail_summary *v;
		size_t n;
		long total;
		ok(mailstore_list(ms, "Archive", MAIL_SORT_DATE, 0, 0, 1, &v, &n, &total, &e), &e);
		free(v);
		if (mailstore_degraded(ms) == 0)
			return;
		struct timespec pause = { 0, 10 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	fail_msg("the folder was not indexed within a minute");
}

static void test_first_page_from_names_then_index(void **state)
{
	struct fixture *f = *state;
	struct mailstore *ms;
	struct mail_summary *v;
	size_t n;
	long total, folder_total = 0;
	struct err e = { "" };

	ok(mailstore_open(f->root, "example.com", "alice", &ms, &e), &e);
	/* The first page: newest by arrival, as the list opens, read from the
	 * file names by the call that starts the indexing. */
	ok(mailstore_list(ms, "Archive", MAIL_SORT_DATE, 0, 0, 50, &v, &n, &total, &e), &e);
	assert_int_equal(mailstore_degraded(ms), MAILSTORE_INDEXING);
	assert_int_equal(total, COLD_MESSAGES);
	assert_int_equal(n, 50);
	assert_string_equal(v[0].subject, "number 02999");
	assert_string_equal(v[49].subject, "number 02950");
	free(v);
	/* The folder list counts it, from the names while it is indexed. */
	assert_int_equal(folder_unread(ms, "Archive", &folder_total), COLD_MESSAGES / 3);
	assert_int_equal(folder_total, COLD_MESSAGES);

	wait_indexed(ms);
	/* Every message is in the index now: sorted by subject, ascending. */
	ok(mailstore_list(ms, "Archive", MAIL_SORT_SUBJECT, 1, 0, 2, &v, &n, &total, &e), &e);
	assert_int_equal(mailstore_degraded(ms), 0);
	assert_int_equal(total, COLD_MESSAGES);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].subject, "number 00000");
	assert_string_equal(v[1].subject, "number 00001");
	free(v);
	assert_int_equal(folder_unread(ms, "Archive", &folder_total), COLD_MESSAGES / 3);

	/* Search finds a message deep in the folder, with nothing left out. */
	int partial = 1;
	ok(mailstore_search(ms, "Archive", "02345", MAIL_SORT_DATE, 0, 0, 10, &v, &n, &total,
			    &partial, &e),
	   &e);
	assert_int_equal(total, 1);
	assert_string_equal(v[0].subject, "number 02345");
	free(v);
	mailstore_close(&ms);
}

/* A message of the folder can be read and flagged while it is indexed. */
static void test_message_while_indexing(void **state)
{
	struct fixture *f = *state;
	struct mailstore *ms;
	struct mail_summary *v, s;
	size_t n;
	long total;
	char path[PATH_MAX];
	struct err e = { "" };

	ok(mailstore_open(f->root, "example.com", "alice", &ms, &e), &e);
	ok(mailstore_list(ms, "Archive", MAIL_SORT_DATE, 0, 0, 1, &v, &n, &total, &e), &e);
	assert_int_equal(n, 1);
	ok(mailstore_path(ms, "Archive", v[0].id, path, sizeof(path), &e), &e);
	assert_true(file_exists(path));
	ok(mailstore_set_flags(ms, "Archive", v[0].id, MAIL_FLAGGED, 0, &e), &e);
	wait_indexed(ms);
	ok(mailstore_summary(ms, "Archive", v[0].id, &s, &e), &e);
	assert_true(s.flags & MAIL_FLAGGED);
	assert_string_equal(s.subject, "number 02999");
	free(v);
	mailstore_close(&ms);
}

int main(void)
{
	g_mime_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_page_from_names_then_index, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_message_while_indexing, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
