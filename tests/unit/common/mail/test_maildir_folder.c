/* test_maildir_folder.c - a user's folders in the Maildir store: which names
 * are taken and which refused, sub-folders as a tree, rename with the
 * sub-folders and the index following, delete into Trash (names kept
 * unique), a parent with sub-folders refused, and Empty Trash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#define BASE_DATE 1700000000

#include "mailbox_fixture.h"

static void drop_file(struct fixture *f, const char *rel, const char *text)
{
	file_write(box_path(f, rel), text, strlen(text));
}

static const char *message(const char *subject, const char *body)
{
	static char text[1024];
	snprintf(text, sizeof(text),
		 "From: Ann <ann@example.org>\r\nTo: alice@example.com\r\nSubject: %s\r\n"
		 "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\n%s\r\n", subject, body);
	return text;
}

static void put(struct fixture *f, const char *folder, const char *subject, const char *body)
{
	struct err e = { "" };
	const char *text = message(subject, body);
	ok(mailstore_deliver(f->ms, folder, text, strlen(text), 0, NULL, 0, &e), &e);
}

static void create(struct fixture *f, const char *name)
{
	struct err e = { "" };
	ok(mailstore_folder_create(f->ms, name, &e), &e);
}

/* "NAME total/unread,..." of every folder, in the order the list gives. */
static const char *folder_list(struct fixture *f)
{
	static char out[2048];
	struct mail_folder *v;
	struct err e = { "" };
	size_t n;
	out[0] = '\0';
	ok(mailstore_folders(f->ms, &v, &n, &e), &e);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s %ld", i ? "," : "", v[i].name,
			 v[i].total);
	}
	free(v);
	return out;
}

/* The subjects of a folder, newest first, and its total. */
static const char *subjects(struct fixture *f, const char *folder)
{
	static char out[2048];
	struct mail_summary *v;
	struct err e = { "" };
	size_t n;
	long total;
	out[0] = '\0';
	ok(mailstore_list(f->ms, folder, MAIL_SORT_SUBJECT, 1, 0, 100, &v, &n, &total, &e), &e);
	assert_int_equal(total, (long)n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", v[i].subject);
	}
	free(v);
	return out;
}

/* Where a search in all folders finds the word: "FOLDER:SUBJECT,...". */
static const char *found(struct fixture *f, const char *folder, const char *word)
{
	static char out[2048];
	struct mail_summary *v;
	struct err e = { "" };
	size_t n;
	long total;
	int partial;
	out[0] = '\0';
	ok(mailstore_search(f->ms, folder, word, MAIL_SORT_SUBJECT, 1, 0, 100, &v, &n, &total,
			    &partial, &e), &e);
	assert_int_equal(partial, 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s:%s", i ? "," : "", v[i].folder,
			 v[i].subject);
	}
	free(v);
	return out;
}

static int count_files(struct fixture *f, const char *rel)
{
	DIR *d = opendir(box_path(f, rel));
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* What a user types, in which parent, and what becomes of it: the full
 * name, or NULL and words of the message that says why. */
static void test_names(void **state)
{
	static const struct {
		const char *parent, *typed, *full, *why;
	} cases[] = {
		{ "", "Work", "Work", NULL },
		{ NULL, "  Work\t ", "Work", NULL },
		{ "", "projects 2024", "projects 2024", NULL },
		{ "", "\xc2\xa0" "Büro\xe3\x80\x80", "Büro", NULL }, /* no-break and ideographic spaces */
		{ "Work", "Old", "Work.Old", NULL },
		{ "Work", " Trash ", "Work.Trash", NULL }, /* only the top level is reserved */
		{ "Work.Old", "2023", "Work.Old.2023", NULL },
		{ "", "", NULL, "needs a name" },
		{ "", "     ", NULL, "spaces alone" },
		{ "Work", "\xc2\xa0\xc2\xa0", NULL, "spaces alone" },
		{ "", "a/b", NULL, "'/'" },
		{ "", "a.b", NULL, "choose that one as its parent" },
		{ "", ".hidden", NULL, "'.'" },
		{ "", "..", NULL, "'.'" },
		{ "", "x.", NULL, "'.'" },
		{ "", "tab\there", NULL, "control characters" },
		{ "", "bell\x07", NULL, "control characters" },
		{ "", "x\x7f", NULL, "control characters" },
		{ "", "\xc2\x85", NULL, "control characters" },
		{ "", "\xff", NULL, "UTF-8" },
		{ "", "caf\xc3", NULL, "UTF-8" },
		{ "", "Trash", NULL, "every mailbox has" },
		{ "", " inbox ", NULL, "every mailbox has" },
		{ "", "DRAFTS", NULL, "every mailbox has" },
	};
	struct err e;
	char out[MAIL_FOLDER_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e.msg[0] = '\0';
		int rc = mailstore_folder_join(cases[i].parent, cases[i].typed, out, sizeof(out),
					       &e);
		if (cases[i].full) {
			if (rc != 0)
				fail_msg("'%s' in '%s' refused: %s", cases[i].typed,
					 cases[i].parent ? cases[i].parent : "", e.msg);
			assert_string_equal(out, cases[i].full);
		} else {
			if (rc != -1)
				fail_msg("'%s' was taken as '%s'", cases[i].typed, out);
			assert_contains(e.msg, cases[i].why);
		}
	}
	/* The limit counts the parents' names too, and says so. */
	char longname[MAIL_FOLDER_MAX];
	memset(longname, 'a', MAIL_FOLDER_MAX - 1);
	longname[MAIL_FOLDER_MAX - 1] = '\0';
	assert_int_equal(mailstore_folder_join("", longname, out, sizeof(out), &e), 0);
	assert_int_equal(mailstore_folder_join("Work", longname, out, sizeof(out), &e), -1);
	assert_contains(e.msg, "at most 199 bytes");
	longname[MAIL_FOLDER_MAX - 2] = '\0';
	assert_int_equal(mailstore_folder_join("W", longname + 2, out, sizeof(out), &e), 0);

	/* Full names, as another program may hand them over. */
	static const struct {
		const char *name;
		int ok;
	} full[] = {
		{ "Work.Old", 1 }, { "Trash.Old", 1 }, { "a b.c d", 1 },
		{ ".x", 0 },	   { "a..b", 0 },      { "a.", 0 },
		{ "Work. Old", 0 }, { "Work .Old", 0 }, { "Sent", 0 },
		{ "a/b.c", 0 },
	};
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]); i++)
		if ((mailstore_folder_name_ok(full[i].name, &e) == 0) != full[i].ok)
			fail_msg("'%s' should be %s", full[i].name,
				 full[i].ok ? "accepted" : "refused");

	assert_string_equal(mailstore_folder_leaf("Work.Old.2023"), "2023");
	assert_string_equal(mailstore_folder_leaf("Work"), "Work");
	assert_int_equal(mailstore_folder_depth("Work.Old.2023"), 2);
	assert_int_equal(mailstore_folder_depth("Work"), 0);
}

static void test_tree(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	create(f, "Work");
	create(f, "Work Stuff");
	create(f, "Work.Projects");
	create(f, "Work.Projects.2024");
	create(f, "archive");
	create(f, "Trash.Old");
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 0,Trash.Old 0,"
					    "archive 0,Work 0,Work.Projects 0,"
					    "Work.Projects.2024 0,Work Stuff 0");
	assert_true(file_exists(box_path(f, ".Work.Projects.2024/maildirfolder")));

	/* A sub-folder needs its parent. */
	assert_int_equal(mailstore_folder_create(f->ms, "Nope.Inner", &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_contains(e.msg, "there is no folder 'Nope' to hold 'Inner'");
	assert_int_equal(mailstore_folder_create(f->ms, "Work.Projects", &e), -1);
	assert_contains(e.msg, "already exists");
}

static void test_rename_with_children_and_index(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	create(f, "Work");
	create(f, "Work.Old");
	create(f, "Work.Old.Deep");
	create(f, "Other");
	put(f, "Work", "report", "the zebra crossing");
	put(f, "Work", "minutes", "nothing here");
	put(f, "Work.Old", "archive", "a zebra in the archive");
	put(f, "Work.Old.Deep", "deep", "deepest zebra");
	/* Bodies indexed before the rename... */
	assert_string_equal(found(f, NULL, "zebra"),
			    "Work.Old:archive,Work.Old.Deep:deep,Work:report");

	ok(mailstore_folder_rename(f->ms, "Work", "Jobs", &e), &e);
	assert_false(file_exists(box_path(f, ".Work")));
	assert_false(file_exists(box_path(f, ".Work.Old")));
	assert_true(file_exists(box_path(f, ".Jobs.Old.Deep/cur")));
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 0,Jobs 2,Jobs.Old 1,"
					    "Jobs.Old.Deep 1,Other 0");
	assert_string_equal(subjects(f, "Jobs"), "minutes,report");
	/* ...are found under the new names, without being read again. */
	assert_string_equal(found(f, NULL, "zebra"),
			    "Jobs.Old:archive,Jobs.Old.Deep:deep,Jobs:report");
	assert_string_equal(found(f, "Jobs.Old", "zebra"), "Jobs.Old:archive");
	struct mail_summary *v;
	size_t n;
	long total;
	assert_int_equal(mailstore_list(f->ms, "Work", MAIL_SORT_DATE, 0, 0, 10, &v, &n, &total,
					&e), -1);
	assert_contains(e.msg, "no folder named 'Work'");

	/* A sub-folder renamed in its parent. */
	ok(mailstore_folder_rename(f->ms, "Jobs.Old", "Jobs.Older", &e), &e);
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 0,Jobs 2,"
					    "Jobs.Older 1,Jobs.Older.Deep 1,Other 0");
	assert_string_equal(found(f, "Jobs.Older.Deep", "deepest"), "Jobs.Older.Deep:deep");

	/* Refused, with nothing changed. */
	static const struct {
		const char *from, *to, *why;
	} refused[] = {
		{ "Jobs", "Other", "a folder named 'Other' already exists" },
		{ "Jobs", "Jobs.Inner", "cannot go inside itself" },
		{ "Jobs", "Nope.Jobs", "there is no folder 'Nope'" },
		{ "Jobs", "Trash", "every mailbox has" },
		{ "Jobs", "a/b", "'/'" },
		{ "Trash", "Bin", "the folder Trash cannot be renamed" },
		{ "INBOX", "Mail", "the folder INBOX cannot be renamed" },
		{ "Nope", "Yes", "no folder named 'Nope'" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		e.msg[0] = '\0';
		if (mailstore_folder_rename(f->ms, refused[i].from, refused[i].to, &e) != -1)
			fail_msg("'%s' renamed to '%s'", refused[i].from, refused[i].to);
		assert_true(mailstore_refused(f->ms));
		assert_contains(e.msg, refused[i].why);
	}
	/* A sub-folder whose new name would pass the limit stops the rename. */
	char longname[MAIL_FOLDER_MAX];
	memset(longname, 'j', MAIL_FOLDER_MAX - 6);
	longname[MAIL_FOLDER_MAX - 6] = '\0';
	assert_int_equal(mailstore_folder_rename(f->ms, "Jobs", longname, &e), -1);
	assert_contains(e.msg, "would be longer than");
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 0,Jobs 2,"
					    "Jobs.Older 1,Jobs.Older.Deep 1,Other 0");
}

static void test_delete_to_trash(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	create(f, "Work");
	put(f, "Work", "report", "the zebra crossing");
	/* Two messages with the same unique name, in Work and in Trash (a copy
	 * another program made): both must stay. */
	drop_file(f, ".Work/cur/1700000001.P1Q1.mx:2,S", message("twin in work", "one"));
	drop_file(f, ".Trash/cur/1700000001.P1Q1.mx:2,", message("twin in trash", "two"));
	assert_string_equal(subjects(f, "Work"), "report,twin in work");
	assert_string_equal(found(f, "Work", "zebra"), "Work:report");

	ok(mailstore_folder_delete(f->ms, "Work", &e), &e);
	assert_false(file_exists(box_path(f, ".Work")));
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 3");
	assert_string_equal(subjects(f, MAIL_TRASH), "report,twin in trash,twin in work");
	assert_int_equal(count_files(f, ".Trash/cur") + count_files(f, ".Trash/new"), 3);
	/* Its flags kept, and its words found in Trash. */
	assert_true(file_exists(box_path(f, ".Trash/cur/1700000001.P1Q1.mx:2,")));
	assert_string_equal(found(f, NULL, "zebra"), "Trash:report");

	/* A parent with sub-folders is refused, and says which. */
	create(f, "Home");
	create(f, "Home.Bills");
	put(f, "Home", "rent", "x");
	assert_int_equal(mailstore_folder_delete(f->ms, "Home", &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_contains(e.msg, "the folder 'Home' holds 1 folder ('Bills')");
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 3,Home 1,Home.Bills 0");
	ok(mailstore_folder_delete(f->ms, "Home.Bills", &e), &e);
	ok(mailstore_folder_delete(f->ms, "Home", &e), &e);
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 4");

	/* The special folders stay. */
	assert_int_equal(mailstore_folder_delete(f->ms, MAIL_TRASH, &e), -1);
	assert_contains(e.msg, "cannot be deleted");
	assert_int_equal(mailstore_folder_delete(f->ms, "inbox", &e), -1);

	/* A deletion cut short (a crash between its steps): the messages
	 * left in it still reach Trash. */
	assert_int_equal(mkdir(box_path(f, "..webmsg-deleting.1"), 0700), 0);
	assert_int_equal(mkdir(box_path(f, "..webmsg-deleting.1/cur"), 0700), 0);
	drop_file(f, "..webmsg-deleting.1/cur/1700000002.P2Q2.mx:2,S", message("rescued", "x"));
	assert_string_equal(folder_list(f), "INBOX 0,Drafts 0,Sent 0,Trash 5");
	assert_false(file_exists(box_path(f, "..webmsg-deleting.1")));
	assert_string_equal(subjects(f, MAIL_TRASH), "rent,report,rescued,twin in trash,twin in work");
}

static void test_empty_trash(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };

	put(f, MAIL_TRASH, "one", "gone for good");
	put(f, MAIL_TRASH, "two", "gone for good");
	drop_file(f, ".Trash/cur/1700000003.P3Q3.mx:2,S", message("three", "gone for good"));
	create(f, "Trash.Keep");
	put(f, "Trash.Keep", "kept", "stays");
	put(f, MAIL_INBOX, "inbox", "stays");
	assert_string_equal(found(f, NULL, "gone"), "Trash:one,Trash:three,Trash:two");

	ok(mailstore_folder_empty(f->ms, MAIL_TRASH, &e), &e);
	assert_int_equal(count_files(f, ".Trash/cur") + count_files(f, ".Trash/new"), 0);
	assert_string_equal(folder_list(f), "INBOX 1,Drafts 0,Sent 0,Trash 0,Trash.Keep 1");
	assert_string_equal(subjects(f, MAIL_TRASH), "");
	assert_string_equal(found(f, NULL, "gone"), "");
	assert_string_equal(found(f, NULL, "stays"), "INBOX:inbox,Trash.Keep:kept");
	/* An empty folder empties again. */
	ok(mailstore_folder_empty(f->ms, MAIL_TRASH, &e), &e);
	assert_int_equal(mailstore_folder_empty(f->ms, "Nope", &e), -1);
	assert_true(mailstore_refused(f->ms));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		T(test_tree),
		T(test_rename_with_children_and_index),
		T(test_delete_to_trash),
		T(test_empty_trash),
	};
#undef T
	g_mime_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
