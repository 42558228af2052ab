/* test_maildir_message.c - moving a message never replaces one in the target
 * folder: a file of the same name, or of the same id with other flags, stays
 * and the moved message takes a new name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#include "mailbox_fixture.h"

static const char *text_of(const char *subject)
{
	static char text[512];
	snprintf(text, sizeof(text), "From: Ann <ann@example.org>\r\nTo: alice@example.com\r\n"
		 "Subject: %s\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nHello.\r\n", subject);
	return text;
}

/* The subjects of a folder, sorted, as "a,b". */
static const char *subjects(struct fixture *f, const char *folder)
{
	static char out[1024];
	struct mail_summary *v;
	struct err e = { "" };
	size_t n;
	long total;
	ok(mailstore_list(f->ms, folder, MAIL_SORT_SUBJECT, 1, 0, 10, &v, &n, &total, &e), &e);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", v[i].subject);
	}
	free(v);
	return out;
}

/* The one file of dir whose name is not name; its name in out. */
static void other_file(const char *dir, const char *name, char *out, size_t outlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, name) == 0)
			continue;
		snprintf(out, outlen, "%s", de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
}

static int count_entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void assert_file_text(const char *path, const char *subject)
{
	size_t len;
	char *text = file_read(path, &len);
	assert_non_null(text);
	assert_string_equal(text, text_of(subject));
	free(text);
}

/* Another program left a message of the very same file name in Trash/new:
 * the move keeps it and the moved one is there too, under a new name. */
static void test_move_keeps_same_named_file(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], rel[PATH_MAX], other[NAME_MAX + 1], path[PATH_MAX];
	const char *text = text_of("moved");
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, id, sizeof(id), &e), &e);
	snprintf(rel, sizeof(rel), ".Trash/new/%s", id);
	file_write(box_path(f, rel), text_of("already there"), strlen(text_of("already there")));

	ok(mailstore_move(f->ms, MAIL_INBOX, id, MAIL_TRASH, &e), &e);
	assert_file_text(box_path(f, rel), "already there");
	assert_string_equal(subjects(f, MAIL_INBOX), "");
	assert_string_equal(subjects(f, MAIL_TRASH), "already there,moved");
	other_file(box_path(f, ".Trash/new"), id, other, sizeof(other));
	snprintf(rel, sizeof(rel), ".Trash/new/%s", other);
	assert_file_text(box_path(f, rel), "moved");
	/* The size part of the name stays: quota is counted from names. */
	assert_non_null(strstr(other, strstr(id, ",S=")));
	/* Both can be opened by their ids. */
	ok(mailstore_path(f->ms, MAIL_TRASH, id, path, sizeof(path), &e), &e);
	assert_file_text(path, "already there");
	ok(mailstore_path(f->ms, MAIL_TRASH, other, path, sizeof(path), &e), &e);
	assert_file_text(path, "moved");
}

/* Trash holds a message of the same id with other flags (cur/, read): a
 * rename to the moved one's name would not meet it, the index does. */
static void test_move_keeps_same_id_other_flags(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], rel[PATH_MAX], other[NAME_MAX + 1], name[NAME_MAX + 1];
	const char *text = text_of("moved");
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, id, sizeof(id), &e), &e);
	snprintf(name, sizeof(name), "%s:2,S", id);
	snprintf(rel, sizeof(rel), ".Trash/cur/%s", name);
	file_write(box_path(f, rel), text_of("read before"), strlen(text_of("read before")));
	assert_string_equal(subjects(f, MAIL_TRASH), "read before");

	ok(mailstore_move(f->ms, MAIL_INBOX, id, MAIL_TRASH, &e), &e);
	assert_file_text(box_path(f, rel), "read before");
	assert_string_equal(subjects(f, MAIL_TRASH), "moved,read before");
	other_file(box_path(f, ".Trash/new"), "", other, sizeof(other));
	assert_string_not_equal(other, id);
	assert_int_equal(count_entries_in(box_path(f, ".Trash/cur")), 1);
}

/* Without a clash the message keeps its name and id. */
static void test_move_keeps_its_name(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], rel[PATH_MAX];
	const char *text = text_of("moved");
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, id, sizeof(id), &e), &e);
	ok(mailstore_move(f->ms, MAIL_INBOX, id, MAIL_TRASH, &e), &e);
	snprintf(rel, sizeof(rel), ".Trash/new/%s", id);
	assert_file_text(box_path(f, rel), "moved");
	assert_string_equal(subjects(f, MAIL_TRASH), "moved");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_move_keeps_same_named_file),
		T(test_move_keeps_same_id_other_flags),
		T(test_move_keeps_its_name),
	};
#undef T
	g_mime_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
