/* test_mailstore.c - the Maildir mail store as a user and other mail programs
 * see it: delivery, pages of a folder in each order, decoded headers, flags
 * in file names, folders, and messages that other programs add, flag and
 * remove behind the index's back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#define DAY 86400
#define BASE_DATE 1700000000 /* 2023-11-14 */

struct fixture {
	struct tmpdir dir;
	char root[PATH_MAX];
	char box[PATH_MAX]; /* root/example.com/alice */
	struct mailstore *ms;
};

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

static void open_box(struct fixture *f)
{
	struct err e = { "" };
	ok(mailstore_open(f->root, "example.com", "alice", &f->ms, &e), &e);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "mail", f->root, sizeof(f->root));
	snprintf(f->box, sizeof(f->box), "%s/example.com/alice", f->root);
	open_box(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	mailstore_close(&f->ms);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* f->box + "/" + rel. */
static const char *box_path(struct fixture *f, const char *rel)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", f->box, rel);
	return path;
}

static void rfc5322_date(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outlen, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* A small message; date 0 leaves the Date header out. */
static char *message(const char *from, const char *subject, time_t date)
{
	static char text[2048];
	char when[64] = "";
	if (date)
		rfc5322_date(date, when, sizeof(when));
	snprintf(text, sizeof(text),
		 "From: %s\r\nTo: alice@example.com\r\nSubject: %s\r\n%s%s%s"
		 "Message-ID: <%ld@example.org>\r\n\r\nHello.\r\n",
		 from, subject, date ? "Date: " : "", when, date ? "\r\n" : "", (long)date);
	return text;
}

static void deliver_to(struct fixture *f, const char *folder, const char *from,
		       const char *subject, time_t date, unsigned flags, char *id)
{
	struct err e = { "" };
	char *text = message(from, subject, date);
	char ignored[MAIL_ID_MAX];
	ok(mailstore_deliver(f->ms, folder, text, strlen(text), flags, id ? id : ignored,
			     MAIL_ID_MAX, &e), &e);
}

static void deliver(struct fixture *f, const char *subject, time_t date, char *id)
{
	deliver_to(f, MAIL_INBOX, "Ann <ann@example.org>", subject, date, 0, id);
}

struct page {
	struct mail_summary *v;
	size_t n;
	long total;
};

static struct page list(struct fixture *f, const char *folder, enum mail_sort sort,
			int ascending, size_t offset, size_t limit)
{
	struct err e = { "" };
	struct page p;
	ok(mailstore_list(f->ms, folder, sort, ascending, offset, limit, &p.v, &p.n, &p.total, &e),
	   &e);
	return p;
}

/* The subjects of a page as "a,b,c". */
static const char *subjects(struct fixture *f, const char *folder, enum mail_sort sort,
			    int ascending, size_t offset, size_t limit, long *total)
{
	static char out[4096];
	struct page p = list(f, folder, sort, ascending, offset, limit);
	out[0] = '\0';
	for (size_t i = 0; i < p.n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", p.v[i].subject);
	}
	if (total)
		*total = p.total;
	free(p.v);
	return out;
}

/* The only message of a folder. */
static struct mail_summary only(struct fixture *f, const char *folder)
{
	struct page p = list(f, folder, MAIL_SORT_DATE, 0, 0, 10);
	struct mail_summary s;
	assert_int_equal(p.n, 1);
	assert_int_equal(p.total, 1);
	s = p.v[0];
	free(p.v);
	return s;
}

static int count_files(const char *dir)
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

/* What another mail program does: a file written straight into the Maildir. */
static void drop_file(struct fixture *f, const char *rel, const char *text)
{
	file_write(box_path(f, rel), text, strlen(text));
}

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static struct timespec mtime_of(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mtim;
}

static void test_open_creates_maildir(void **state)
{
	struct fixture *f = *state;
	static const char *const dirs[] = { "cur", "new", "tmp", ".Sent/cur", ".Sent/new",
					     ".Sent/tmp", ".Trash/cur", ".Drafts/new" };
	struct mail_folder *v;
	struct err e = { "" };
	struct stat sb;
	size_t n;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(box_path(f, dirs[i]), &sb) != 0 || !S_ISDIR(sb.st_mode))
			fail_msg("%s is missing", dirs[i]);
	assert_true(file_exists(box_path(f, ".Trash/maildirfolder")));
	assert_false(file_exists(box_path(f, "maildirfolder")));
	assert_int_equal(stat(box_path(f, ".webmsg-index.sqlite"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	ok(mailstore_folders(f->ms, &v, &n, &e), &e);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "INBOX");
	assert_string_equal(v[1].name, "Drafts");
	assert_string_equal(v[2].name, "Sent");
	assert_string_equal(v[3].name, "Trash");
	for (size_t i = 0; i < n; i++) {
		assert_true(v[i].special);
		assert_int_equal(v[i].total, 0);
	}
	free(v);

	/* Opening again changes nothing and loses nothing. */
	deliver(f, "kept", BASE_DATE, NULL);
	mailstore_close(&f->ms);
	assert_null(f->ms);
	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, NULL), "kept");

	struct mailstore *other;
	assert_int_equal(mailstore_open(f->root, "example.com", "../bob", &other, &e), -1);
	assert_int_equal(mailstore_open(f->root, "..", "bob", &other, &e), -1);
	assert_null(other);
}

static void test_deliver_and_pages(void **state)
{
	struct fixture *f = *state;
	char id[MAIL_ID_MAX], subject[16], rel[PATH_MAX];
	long total;

	/* Delivered out of order: the list goes by the Date header. */
	for (int i = 0; i < 25; i++) {
		int k = (i * 7) % 25, used = 0;
		long long t;
		long usec, pid;
		unsigned long q;

		snprintf(subject, sizeof(subject), "m%02d", k);
		deliver(f, subject, BASE_DATE + k * 3600, id);
		snprintf(rel, sizeof(rel), "new/%s", id);
		if (!file_exists(box_path(f, rel)))
			fail_msg("%s is not in new/", id);
		/* <time>.M<usec>P<pid>Q<counter>.<host>, no flags part */
		assert_null(strchr(id, ':'));
		assert_int_equal(sscanf(id, "%lld.M%ldP%ldQ%lu.%n", &t, &usec, &pid, &q, &used), 4);
		assert_true(used > 0 && id[used] != '\0');
		assert_int_equal(pid, (long)getpid());
	}
	assert_int_equal(count_files(box_path(f, "new")), 25);
	assert_int_equal(count_files(box_path(f, "tmp")), 0);

	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 5, &total),
			    "m24,m23,m22,m21,m20");
	assert_int_equal(total, 25);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 5, 5, &total),
			    "m19,m18,m17,m16,m15");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 20, 10, &total),
			    "m04,m03,m02,m01,m00");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 30, 10, &total), "");
	assert_int_equal(total, 25);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 1, 0, 3, &total),
			    "m00,m01,m02");

	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 1);
	assert_int_equal(p.v[0].date, BASE_DATE + 24 * 3600);
	assert_string_equal(p.v[0].from, "Ann");
	assert_string_equal(p.v[0].from_addr, "ann@example.org");
	assert_int_equal(p.v[0].flags, 0);
	assert_true(p.v[0].size > 100);
	free(p.v);

	/* Listing moves nothing out of new/. */
	assert_int_equal(count_files(box_path(f, "new")), 25);
	assert_int_equal(count_files(box_path(f, "cur")), 0);
}

static void test_sort_by_sender_and_subject(void **state)
{
	struct fixture *f = *state;
	deliver_to(f, MAIL_INBOX, "Charlie <c@example.org>", "Cherry", BASE_DATE + 1, 0, NULL);
	deliver_to(f, MAIL_INBOX, "alice@example.org", "apple", BASE_DATE + 2, 0, NULL);
	deliver_to(f, MAIL_INBOX, "\"Bob\" <b@example.org>", "Re: banana", BASE_DATE + 3, 0, NULL);
	deliver_to(f, MAIL_INBOX, "bob <b2@example.org>", "FWD: Banana split", BASE_DATE + 4, 0,
		   NULL);

	/* Senders by name, else address, ignoring case; "Re:" and "Fwd:" are
	 * not what a subject is sorted by. */
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_FROM, 1, 0, 10, NULL),
			    "apple,Re: banana,FWD: Banana split,Cherry");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_FROM, 0, 0, 10, NULL),
			    "Cherry,FWD: Banana split,Re: banana,apple");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_SUBJECT, 1, 0, 10, NULL),
			    "apple,Re: banana,FWD: Banana split,Cherry");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_SUBJECT, 0, 0, 2, NULL),
			    "Cherry,FWD: Banana split");
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_SUBJECT, 0, 2, 2, NULL),
			    "Re: banana,apple");
}

static void test_encoded_headers(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *from, *subject;
		const char *want_from, *want_addr, *want_subject;
	} cases[] = {
		{ "=?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.de>",
		  "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=", "André Müller", "andre@example.de",
		  "Grüße aus Köln" },
		{ "=?UTF-8?B?Wm/Dqw==?= <zoe@example.org>",
		  "=?iso-8859-1?q?caf=E9?= =?utf-8?q?_cr=C3=A8me?=", "Zoë", "zoe@example.org",
		  "café crème" },
		/* Raw 8-bit Latin-1, which is not UTF-8: read as Latin-1. */
		{ "Fran\xe7ois <f@example.fr>", "Voil\xe0", "François", "f@example.fr", "Voilà" },
		/* A folded subject and a group. */
		{ "Team: ann@example.org, bob@example.org;", "one\r\n two\r\n\tthree", "",
		  "ann@example.org", "one two three" },
		{ "", "", "", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		deliver_to(f, MAIL_INBOX, cases[i].from, cases[i].subject, BASE_DATE - (time_t)i,
			   0, NULL);
	}
	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10);
	assert_int_equal(p.n, sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < p.n; i++) {
		const char *want_from = cases[i].want_from[0] ? cases[i].want_from
							      : cases[i].want_addr;
		assert_string_equal(p.v[i].subject, cases[i].want_subject);
		assert_string_equal(p.v[i].from, want_from);
		assert_string_equal(p.v[i].from_addr, cases[i].want_addr);
		assert_true(g_utf8_validate(p.v[i].subject, -1, NULL));
	}
	free(p.v);

	/* Bytes that are no text at all are repaired, not passed on. */
	drop_file(f, ".Drafts/cur/1.bad.host:2,",
		  "From: =?UTF-8?B?/w==?= <x@example.org>\nSubject: bad \xff\xfe bytes\x01\n\nx\n");
	struct mail_summary s = only(f, MAIL_DRAFTS);
	assert_true(g_utf8_validate(s.subject, -1, NULL));
	assert_true(g_utf8_validate(s.from, -1, NULL));
	assert_non_null(strstr(s.subject, "bad "));
	assert_null(strchr(s.subject, '\x01'));
}

static void test_flags_in_file_names(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], rel[PATH_MAX], path[PATH_MAX];

	deliver(f, "read me", BASE_DATE, id);
	assert_int_equal(only(f, MAIL_INBOX).flags, 0);

	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN, 0, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,S", id);
	assert_true(file_exists(box_path(f, rel)));
	assert_int_equal(count_files(box_path(f, "new")), 0);
	assert_int_equal(only(f, MAIL_INBOX).flags, MAIL_SEEN);

	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_FLAGGED | MAIL_ANSWERED, 0, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,FRS", id);
	assert_true(file_exists(box_path(f, rel)));
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, 0, MAIL_SEEN | MAIL_ANSWERED, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,F", id);
	assert_true(file_exists(box_path(f, rel)));
	assert_int_equal(only(f, MAIL_INBOX).flags, MAIL_FLAGGED);

	/* Another program's keyword letter survives our changes. */
	char renamed[PATH_MAX];
	snprintf(renamed, sizeof(renamed), "%s", box_path(f, rel));
	snprintf(rel, sizeof(rel), "cur/%s:2,Fa", id);
	assert_int_equal(rename(renamed, box_path(f, rel)), 0);
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN, 0, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,FSa", id);
	assert_true(file_exists(box_path(f, rel)));
	ok(mailstore_path(f->ms, MAIL_INBOX, id, path, sizeof(path), &e), &e);
	assert_string_equal(path, box_path(f, rel));
	assert_int_equal(only(f, MAIL_INBOX).flags, MAIL_FLAGGED | MAIL_SEEN);

	/* Delivered with flags: straight into cur/. */
	deliver_to(f, MAIL_SENT, "alice@example.com", "sent", BASE_DATE, MAIL_SEEN | MAIL_ANSWERED,
		   id);
	snprintf(rel, sizeof(rel), ".Sent/cur/%s:2,RS", id);
	assert_true(file_exists(box_path(f, rel)));
	assert_int_equal(only(f, MAIL_SENT).flags, MAIL_SEEN | MAIL_ANSWERED);

	/* Several flags written by another program. */
	drop_file(f, ".Drafts/cur/1600000000.x1.host:2,DFS", message("a@b.c", "draft", BASE_DATE));
	struct mail_summary s = only(f, MAIL_DRAFTS);
	assert_string_equal(s.id, "1600000000.x1.host");
	assert_int_equal(s.flags, MAIL_DRAFT | MAIL_FLAGGED | MAIL_SEEN);

	assert_int_equal(mailstore_set_flags(f->ms, MAIL_INBOX, "nope", MAIL_SEEN, 0, &e), -1);
	assert_contains(e.msg, "no such message");
}

static void test_other_programs_change_the_maildir(void **state)
{
	struct fixture *f = *state;
	long total;

	deliver(f, "ours", BASE_DATE, NULL);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "ours");

	/* Postfix delivers into new/; Dovecot moves one to cur/ with flags. */
	drop_file(f, "new/1700000100.P1Q1.mx", message("x@y.z", "postfix", BASE_DATE + 100));
	drop_file(f, "cur/1700000200.P2Q2.mx:2,FS", message("x@y.z", "dovecot", BASE_DATE + 200));
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total),
			    "dovecot,postfix,ours");
	assert_int_equal(total, 3);
	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10);
	assert_int_equal(p.v[0].flags, MAIL_FLAGGED | MAIL_SEEN);
	assert_int_equal(p.v[1].flags, 0);
	free(p.v);

	/* Another client reads one (new/ to cur/) and removes another. */
	char from[PATH_MAX], to[PATH_MAX];
	snprintf(from, sizeof(from), "%s", box_path(f, "new/1700000100.P1Q1.mx"));
	snprintf(to, sizeof(to), "%s", box_path(f, "cur/1700000100.P1Q1.mx:2,S"));
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(unlink(box_path(f, "cur/1700000200.P2Q2.mx:2,FS")), 0);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total),
			    "postfix,ours");
	p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10);
	assert_int_equal(p.v[0].flags, MAIL_SEEN);
	free(p.v);

	/* Its path follows the rename. */
	struct err e = { "" };
	char path[PATH_MAX];
	ok(mailstore_path(f->ms, MAIL_INBOX, "1700000100.P1Q1.mx", path, sizeof(path), &e), &e);
	assert_string_equal(path, to);

	/* Files that are no messages are left alone. */
	drop_file(f, "new/.hidden", "x");
	assert_int_equal(mkdir(box_path(f, "new/adir"), 0700), 0);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total),
			    "postfix,ours");
}

/* Two changes within one timestamp tick leave the mtime the same: the
 * second must still be found. */
static void test_change_within_one_tick(void **state)
{
	struct fixture *f = *state;
	char new_dir[PATH_MAX];
	long total;

	snprintf(new_dir, sizeof(new_dir), "%s", box_path(f, "new"));
	drop_file(f, "new/1.a.mx", message("x@y.z", "a", BASE_DATE + 1));
	struct timespec tick = mtime_of(new_dir);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "a");

	drop_file(f, "new/2.b.mx", message("x@y.z", "b", BASE_DATE + 2));
	struct timespec ts[2] = { tick, tick };
	assert_int_equal(utimensat(AT_FDCWD, new_dir, ts, 0), 0);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "b,a");
}

/* A directory that did not change is not read again: what the index knows
 * is the answer (shown here by hiding files behind an old mtime). */
static void test_unchanged_folder_is_not_read_again(void **state)
{
	struct fixture *f = *state;
	char new_dir[PATH_MAX], cur_dir[PATH_MAX];
	long total;

	snprintf(new_dir, sizeof(new_dir), "%s", box_path(f, "new"));
	snprintf(cur_dir, sizeof(cur_dir), "%s", box_path(f, "cur"));
	drop_file(f, "new/1.a.mx", message("x@y.z", "a", BASE_DATE + 1));
	set_mtime(new_dir, BASE_DATE);
	set_mtime(cur_dir, BASE_DATE);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "a");

	drop_file(f, "new/2.b.mx", message("x@y.z", "b", BASE_DATE + 2));
	set_mtime(new_dir, BASE_DATE);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "a");
	set_mtime(new_dir, BASE_DATE + 1);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "b,a");

	/* New mail changes new/ alone, and only new/ is read: cur/, where a
	 * large folder keeps most of its files, is left alone. */
	drop_file(f, "cur/3.c.mx:2,S", message("x@y.z", "c", BASE_DATE + 3));
	set_mtime(cur_dir, BASE_DATE);
	drop_file(f, "new/4.d.mx", message("x@y.z", "d", BASE_DATE + 4));
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "d,b,a");
	set_mtime(cur_dir, BASE_DATE + 1);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "d,c,b,a");
	assert_int_equal(total, 4);
}

static int deliver_many(const char *root, int child, int count)
{
	struct mailstore *ms;
	struct err e = { "" };
	char subject[64];
	if (mailstore_open(root, "example.com", "alice", &ms, &e) < 0)
		return 1;
	for (int i = 0; i < count; i++) {
		snprintf(subject, sizeof(subject), "c%d-%02d", child, i);
		char *text = message("x@y.z", subject, BASE_DATE + child * 100 + i);
		if (mailstore_deliver(ms, MAIL_INBOX, text, strlen(text), 0, NULL, 0, &e) < 0) {
			mailstore_close(&ms);
			return 1;
		}
	}
	mailstore_close(&ms);
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mail_summary *)a)->id, ((const struct mail_summary *)b)->id);
}

static void test_concurrent_delivery(void **state)
{
	struct fixture *f = *state;
	enum { CHILDREN = 4, EACH = 50 };
	pid_t pids[CHILDREN];

	for (int c = 0; c < CHILDREN; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0)
			_exit(deliver_many(f->root, c, EACH));
	}
	for (int c = 0; c < CHILDREN; c++) {
		int status;
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(count_files(box_path(f, "new")), CHILDREN * EACH);
	assert_int_equal(count_files(box_path(f, "tmp")), 0);

	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 1, 0, 1000);
	assert_int_equal(p.total, CHILDREN * EACH);
	assert_int_equal(p.n, CHILDREN * EACH);
	assert_string_equal(p.v[0].subject, "c0-00");
	assert_string_equal(p.v[p.n - 1].subject, "c3-49");
	qsort(p.v, p.n, sizeof(p.v[0]), id_cmp);
	for (size_t i = 1; i < p.n; i++)
		assert_string_not_equal(p.v[i - 1].id, p.v[i].id);
	free(p.v);
}

static void test_move_to_trash_and_delete(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char keep[MAIL_ID_MAX], gone[MAIL_ID_MAX], path[PATH_MAX], rel[PATH_MAX];
	long total;

	deliver(f, "keep", BASE_DATE + 1, keep);
	deliver(f, "gone", BASE_DATE + 2, gone);
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, gone, MAIL_SEEN, 0, &e), &e);
	ok(mailstore_move(f->ms, MAIL_INBOX, gone, MAIL_TRASH, &e), &e);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "keep");
	struct mail_summary s = only(f, MAIL_TRASH);
	assert_string_equal(s.id, gone);
	assert_string_equal(s.subject, "gone");
	assert_int_equal(s.flags, MAIL_SEEN);
	snprintf(rel, sizeof(rel), ".Trash/cur/%s:2,S", gone);
	assert_true(file_exists(box_path(f, rel)));
	ok(mailstore_path(f->ms, MAIL_TRASH, gone, path, sizeof(path), &e), &e);
	assert_string_equal(path, box_path(f, rel));
	assert_int_equal(mailstore_path(f->ms, MAIL_INBOX, gone, path, sizeof(path), &e), -1);

	ok(mailstore_delete(f->ms, MAIL_TRASH, gone, &e), &e);
	assert_false(file_exists(box_path(f, rel)));
	assert_string_equal(subjects(f, MAIL_TRASH, MAIL_SORT_DATE, 0, 0, 10, &total), "");
	assert_int_equal(total, 0);
	assert_int_equal(mailstore_delete(f->ms, MAIL_TRASH, gone, &e), -1);
	assert_contains(e.msg, "no such message");

	assert_int_equal(mailstore_move(f->ms, MAIL_INBOX, keep, "Nowhere", &e), -1);
	assert_contains(e.msg, "Nowhere");
	assert_int_equal(mailstore_move(f->ms, MAIL_INBOX, "../../x", MAIL_TRASH, &e), -1);
	struct mail_summary *v;
	size_t n;
	assert_int_equal(mailstore_list(f->ms, "../x", MAIL_SORT_DATE, 0, 0, 1, &v, &n, &total, &e),
			 -1);
	assert_int_equal(mailstore_list(f->ms, ".Trash", MAIL_SORT_DATE, 0, 0, 1, &v, &n, &total,
					&e), -1);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "keep");
}

static const char *folder_names(struct fixture *f)
{
	static char out[1024];
	struct mail_folder *v;
	struct err e = { "" };
	size_t n;
	out[0] = '\0';
	ok(mailstore_folders(f->ms, &v, &n, &e), &e);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", v[i].name);
	}
	free(v);
	return out;
}

static void test_folders(void **state)
{
	struct fixture *f = *state;
	static const char *const refused[] = {
		"", "a/b", ".x", "a.b", "Trash", "trash", "INBOX", "inbox", "Sent", "Drafts",
		"tab\there", "\x01", "x\x7f", "\xff", "caf\xc3", "\xc2\x85",
	};
	struct err e = { "" };
	char longname[MAIL_FOLDER_MAX + 1];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		e.msg[0] = '\0';
		if (mailstore_folder_create(f->ms, refused[i], &e) != -1)
			fail_msg("folder '%s' was created", refused[i]);
		assert_string_not_equal(e.msg, "");
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(mailstore_folder_create(f->ms, longname, &e), -1);
	assert_string_equal(folder_names(f), "INBOX,Drafts,Sent,Trash");

	ok(mailstore_folder_create(f->ms, "Work", &e), &e);
	ok(mailstore_folder_create(f->ms, "Ärger", &e), &e);
	ok(mailstore_folder_create(f->ms, "projects 2024", &e), &e);
	assert_int_equal(mailstore_folder_create(f->ms, "Work", &e), -1);
	assert_contains(e.msg, "already exists");
	assert_true(file_exists(box_path(f, ".Work/maildirfolder")));
	assert_true(file_exists(box_path(f, ".Ärger/cur")));
	assert_string_equal(folder_names(f), "INBOX,Drafts,Sent,Trash,projects 2024,Work,Ärger");

	deliver_to(f, "Work", "x@y.z", "in work", BASE_DATE, 0, NULL);
	assert_string_equal(subjects(f, "Work", MAIL_SORT_DATE, 0, 0, 10, NULL), "in work");
	ok(mailstore_folder_delete(f->ms, "Work", &e), &e);
	assert_false(file_exists(box_path(f, ".Work")));
	assert_string_equal(folder_names(f), "INBOX,Drafts,Sent,Trash,projects 2024,Ärger");
	struct mail_summary *v;
	size_t n;
	long total;
	assert_int_equal(mailstore_list(f->ms, "Work", MAIL_SORT_DATE, 0, 0, 10, &v, &n, &total,
					&e), -1);
	assert_contains(e.msg, "no folder named 'Work'");
	/* A new folder of the same name starts empty. */
	ok(mailstore_folder_create(f->ms, "Work", &e), &e);
	assert_string_equal(subjects(f, "Work", MAIL_SORT_DATE, 0, 0, 10, &total), "");
	assert_int_equal(total, 0);

	assert_int_equal(mailstore_folder_delete(f->ms, MAIL_TRASH, &e), -1);
	assert_int_equal(mailstore_folder_delete(f->ms, MAIL_INBOX, &e), -1);
	assert_int_equal(mailstore_folder_delete(f->ms, "Nope", &e), -1);
	assert_true(file_exists(box_path(f, ".Trash/cur")));

	/* Folders another program made or removed. */
	assert_int_equal(mkdir(box_path(f, ".Lists"), 0700), 0);
	assert_int_equal(mkdir(box_path(f, ".Lists/cur"), 0700), 0);
	assert_int_equal(mkdir(box_path(f, ".Lists/new"), 0700), 0);
	drop_file(f, ".Lists/new/1.l.mx", message("x@y.z", "list mail", BASE_DATE));
	assert_string_equal(folder_names(f),
			    "INBOX,Drafts,Sent,Trash,Lists,projects 2024,Work,Ärger");
	assert_string_equal(subjects(f, "Lists", MAIL_SORT_DATE, 0, 0, 10, NULL), "list mail");
	assert_int_equal(unlink(box_path(f, ".Lists/new/1.l.mx")), 0);
	assert_int_equal(rmdir(box_path(f, ".Lists/new")), 0);
	assert_int_equal(rmdir(box_path(f, ".Lists/cur")), 0);
	assert_int_equal(rmdir(box_path(f, ".Lists")), 0);
	assert_string_equal(folder_names(f), "INBOX,Drafts,Sent,Trash,projects 2024,Work,Ärger");
}

static void test_unread_counts(void **state)
{
	struct fixture *f = *state;
	struct mail_folder *v;
	struct err e = { "" };
	char id[MAIL_ID_MAX];
	size_t n;

	deliver(f, "one", BASE_DATE + 1, id);
	deliver(f, "two", BASE_DATE + 2, NULL);
	deliver(f, "three", BASE_DATE + 3, NULL);
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN, 0, &e), &e);
	deliver_to(f, MAIL_SENT, "alice@example.com", "sent", BASE_DATE, MAIL_SEEN, NULL);
	drop_file(f, ".Trash/cur/5.t.mx:2,FS", message("x@y.z", "read", BASE_DATE));
	drop_file(f, ".Trash/cur/6.t.mx:2,F", message("x@y.z", "unread", BASE_DATE));

	ok(mailstore_folders(f->ms, &v, &n, &e), &e);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, MAIL_INBOX);
	assert_int_equal(v[0].total, 3);
	assert_int_equal(v[0].unread, 2);
	assert_int_equal(v[1].total, 0); /* Drafts */
	assert_string_equal(v[2].name, MAIL_SENT);
	assert_int_equal(v[2].total, 1);
	assert_int_equal(v[2].unread, 0);
	assert_string_equal(v[3].name, MAIL_TRASH);
	assert_int_equal(v[3].total, 2);
	assert_int_equal(v[3].unread, 1);
	free(v);
}

static void test_corrupt_index_is_rebuilt(void **state)
{
	struct fixture *f = *state;
	char index[PATH_MAX], garbage[8192];
	long total;

	deliver(f, "a", BASE_DATE + 1, NULL);
	deliver(f, "b", BASE_DATE + 2, NULL);
	deliver_to(f, MAIL_TRASH, "x@y.z", "t", BASE_DATE, MAIL_SEEN, NULL);
	mailstore_close(&f->ms);

	snprintf(index, sizeof(index), "%s", box_path(f, ".webmsg-index.sqlite"));
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7919 % 251);
	file_write(index, garbage, sizeof(garbage));
	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "b,a");
	assert_string_equal(subjects(f, MAIL_TRASH, MAIL_SORT_DATE, 0, 0, 10, &total), "t");
	mailstore_close(&f->ms);

	/* A valid SQLite file of another schema is not ours to read either. */
	sqlite3 *db;
	unlink(index);
	assert_int_equal(sqlite3_open(index, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (y); PRAGMA user_version = 42", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "b,a");
	mailstore_close(&f->ms);

	/* Damage past the first page (the schema): opening goes well, and the
	 * damage is found while in use. */
	size_t len = 0;
	char *data = file_read(index, &len);
	assert_non_null(data);
	assert_true(len > 8192);
	for (size_t at = 4096; at < len; at += sizeof(garbage))
		memcpy(data + at, garbage, len - at < sizeof(garbage) ? len - at : sizeof(garbage));
	file_write(index, data, len);
	free(data);
	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &total), "b,a");
	assert_string_equal(subjects(f, MAIL_TRASH, MAIL_SORT_DATE, 0, 0, 10, &total), "t");
}

static void test_date_falls_back_to_file_time(void **state)
{
	struct fixture *f = *state;
	time_t before = time(NULL);

	drop_file(f, "cur/1500000000.d.mx:2,S", message("x@y.z", "undated", 0));
	set_mtime(box_path(f, "cur/1500000000.d.mx:2,S"), 1500000000);
	drop_file(f, "cur/1500000001.d.mx:2,S",
		  "From: x@y.z\nDate: not a date at all\nSubject: bad date\n\nx\n");
	set_mtime(box_path(f, "cur/1500000001.d.mx:2,S"), 1500000100);
	deliver(f, "delivered undated", 0, NULL);

	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.v[0].subject, "delivered undated");
	assert_true(p.v[0].date >= before && p.v[0].date <= time(NULL));
	assert_string_equal(p.v[1].subject, "bad date");
	assert_int_equal(p.v[1].date, 1500000100);
	assert_string_equal(p.v[2].subject, "undated");
	assert_int_equal(p.v[2].date, 1500000000);
	free(p.v);
}

static void test_path_and_summary(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], path[PATH_MAX], small[8];
	static const char text[] = "From: Ann <ann@example.org>\r\n"
				   "Subject: with a file\r\n"
				   "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
				   "MIME-Version: 1.0\r\n"
				   "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
				   "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
				   "--b\r\nContent-Type: application/pdf\r\n"
				   "Content-Disposition: attachment; filename=x.pdf\r\n\r\n"
				   "%PDF\r\n--b--\r\n";

	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, id, sizeof(id), &e), &e);
	ok(mailstore_path(f->ms, MAIL_INBOX, id, path, sizeof(path), &e), &e);
	size_t len = 0;
	char *data = file_read(path, &len);
	assert_non_null(data);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(data, text, len);
	free(data);
	assert_int_equal(mailstore_path(f->ms, MAIL_INBOX, id, small, sizeof(small), &e), -1);

	struct mail_summary s;
	ok(mailstore_summary(f->ms, MAIL_INBOX, id, &s, &e), &e);
	assert_string_equal(s.id, id);
	assert_string_equal(s.subject, "with a file");
	assert_int_equal(s.date, BASE_DATE);
	assert_int_equal(s.size, (long)strlen(text));
	assert_int_equal(s.flags, MAIL_HAS_ATTACHMENT);

	/* After a flag change the old path is gone and the new one reads. */
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN, 0, &e), &e);
	assert_false(file_exists(path));
	ok(mailstore_path(f->ms, MAIL_INBOX, id, path, sizeof(path), &e), &e);
	assert_true(file_exists(path));
	ok(mailstore_summary(f->ms, MAIL_INBOX, id, &s, &e), &e);
	assert_int_equal(s.flags, MAIL_HAS_ATTACHMENT | MAIL_SEEN);

	assert_int_equal(mailstore_summary(f->ms, MAIL_INBOX, "no-such-id", &s, &e), -1);
	assert_int_equal(mailstore_path(f->ms, MAIL_INBOX, "../../../etc/passwd", path,
					sizeof(path), &e), -1);
}

/* The text of a file, NUL-terminated ("" when missing). */
static const char *text_of(const char *path)
{
	static char out[8192];
	size_t len = 0;
	char *data = file_read(path, &len);
	snprintf(out, sizeof(out), "%.*s", data ? (int)len : 0, data ? data : "");
	free(data);
	return out;
}

static void test_quota_maildirsize(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], want[256];
	long long used, limit;
	char *text = message("Ann <ann@example.org>", "fits", BASE_DATE);
	size_t len = strlen(text);
	long long quota = (long long)len * 3 + 10;

	mailstore_set_quota(f->ms, quota);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, id, sizeof(id), &e), &e);
	/* Counted from the directories (nothing yet), then one line per message,
	 * as Courier, Postfix and Dovecot write it; the size in the file name. */
	snprintf(want, sizeof(want), "%lldS\n0 0\n%zu 1\n", quota, len);
	assert_string_equal(text_of(box_path(f, "maildirsize")), want);
	snprintf(want, sizeof(want), ",S=%zu", len);
	assert_non_null(strstr(id, want));

	/* The Sent and Drafts copies count, and are checked, the same way. */
	ok(mailstore_deliver(f->ms, MAIL_SENT, text, len, MAIL_SEEN, NULL, 0, &e), &e);
	ok(mailstore_deliver(f->ms, MAIL_DRAFTS, text, len, MAIL_DRAFT, NULL, 0, &e), &e);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, (long long)len * 3);
	assert_int_equal(limit, quota);

	/* One more would pass the limit: refused, with words for the sender. */
	assert_int_equal(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), -1);
	assert_true(mailstore_refused(f->ms));
	assert_non_null(strstr(e.msg, "mailbox of alice@example.com is full"));
	assert_non_null(strstr(e.msg, " MB of "));
	assert_null(strstr(e.msg, f->root));
	assert_int_equal(mailstore_deliver(f->ms, MAIL_SENT, text, len, MAIL_SEEN, NULL, 0, &e),
			 -1);
	assert_int_equal(count_files(box_path(f, "new")), 1);
	assert_int_equal(count_files(box_path(f, ".Sent/cur")), 1);

	/* Deleting for good gives the room back: a negative line. */
	ok(mailstore_delete(f->ms, MAIL_INBOX, id, &e), &e);
	snprintf(want, sizeof(want), "%lldS\n0 0\n%zu 1\n%zu 1\n%zu 1\n-%zu -1\n", quota, len, len,
		 len, len);
	assert_string_equal(text_of(box_path(f, "maildirsize")), want);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), &e);
	assert_false(mailstore_refused(f->ms));
}

static void test_quota_recalculated(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char want[256], big[6000];
	long long used, limit;
	char *text = message("Ann <ann@example.org>", "x", BASE_DATE);
	size_t len = strlen(text);
	const char *size_file = box_path(f, "maildirsize");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", size_file);

	/* Mail another program put there, with and without a size in its name. */
	drop_file(f, ".Sent/cur/1600000000.a.mx,S=700:2,S", "x");
	drop_file(f, "cur/1600000001.b.mx:2,S", "12345");
	mailstore_set_quota(f->ms, 100000);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 705);
	assert_string_equal(text_of(path), "100000S\n705 2\n");

	/* A file of another limit is counted again. */
	file_write(path, "5S\n1 1\n", 7);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), &e);
	snprintf(want, sizeof(want), "100000S\n705 2\n%zu 1\n", len);
	assert_string_equal(text_of(path), want);

	/* So is one past 5,120 bytes. */
	memset(big, 0, sizeof(big));
	size_t n = (size_t)snprintf(big, sizeof(big), "100000S\n");
	while (n + 4 < 5200)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "1 1\n");
	file_write(path, big, n);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), &e);
	snprintf(want, sizeof(want), "100000S\n%zu 3\n%zu 1\n", 705 + len, len);
	assert_string_equal(text_of(path), want);

	/* A count over the limit is believed while recent... */
	file_write(path, "100000S\n99999 1\n", 16);
	assert_int_equal(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), -1);
	assert_true(mailstore_refused(f->ms));
	/* ...and counted again once older than 15 minutes. */
	set_mtime(path, time(NULL) - 3600);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, len, 0, NULL, 0, &e), &e);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 705 + 3 * (long long)len);

	/* A deleted folder's mail counts in Trash, and stops counting once
	 * Trash is emptied. */
	ok(mailstore_folder_create(f->ms, "Old", &e), &e);
	drop_file(f, ".Old/cur/1600000002.c.mx,S=50000:2,S", "x");
	file_write(path, "", 0);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 50000 + 705 + 3 * (long long)len);
	ok(mailstore_folder_delete(f->ms, "Old", &e), &e);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 50000 + 705 + 3 * (long long)len);
	ok(mailstore_folder_empty(f->ms, MAIL_TRASH, &e), &e);
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 705 + 3 * (long long)len);
}

static void test_quota_none(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	long long used, limit;
	char *text = message("Ann <ann@example.org>", "x", BASE_DATE);

	mailstore_set_quota(f->ms, 0);
	for (int i = 0; i < 3; i++)
		ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, NULL, 0, &e), &e);
	assert_false(file_exists(box_path(f, "maildirsize")));
	/* A file left from a limit is removed: it would be stale when one is set again. */
	drop_file(f, "maildirsize", "10S\n0 0\n");
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), 0, NULL, 0, &e), &e);
	assert_false(file_exists(box_path(f, "maildirsize")));
	ok(mailstore_usage(f->ms, &used, &limit, &e), &e);
	assert_int_equal(used, 4 * (long long)strlen(text));
	assert_int_equal(limit, 0);
}

/* The index's filename column is only a cache another program can write: a
 * path in it is never followed. */
static void test_index_filename_is_checked(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], path[PATH_MAX], real[PATH_MAX], sql[512];
	static const char *const bad[] = { "../../../../etc/passwd", "cur/x", "..", "" };
	sqlite3 *db;

	deliver(f, "mine", BASE_DATE, id);
	ok(mailstore_path(f->ms, MAIL_INBOX, id, real, sizeof(real), &e), &e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sqlite3_open(box_path(f, ".webmsg-index.sqlite"), &db), SQLITE_OK);
		snprintf(sql, sizeof(sql), "UPDATE messages SET filename = '%s' WHERE id = '%s'",
			 bad[i], id);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		ok(mailstore_path(f->ms, MAIL_INBOX, id, path, sizeof(path), &e), &e);
		assert_string_equal(path, real);
	}
}

/* When the index cannot be opened or written (a full disk, a read-only
 * file system), mail is read from the directories. */
static void test_reading_without_the_index(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], path[PATH_MAX];
	struct mail_folder *v;
	size_t n;
	long total;

	deliver(f, "first", BASE_DATE, NULL);
	deliver(f, "second", BASE_DATE + 1, id);
	deliver_to(f, MAIL_TRASH, "x@y.z", "gone", BASE_DATE, MAIL_SEEN, NULL);
	mailstore_close(&f->ms);
	unlink(box_path(f, ".webmsg-index.sqlite"));
	unlink(box_path(f, ".webmsg-index.sqlite-wal"));
	unlink(box_path(f, ".webmsg-index.sqlite-shm"));
	/* Where the index would be, something that is no file. */
	assert_int_equal(mkdir(box_path(f, ".webmsg-index.sqlite"), 0700), 0);
	drop_file(f, "new/1999999999.other.mx", message("Bob <bob@example.org>", "third", 0));

	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_SUBJECT, 0, 0, 10, &total),
			    "third,second,first");
	assert_int_equal(total, 3);
	assert_true(mailstore_degraded(f->ms));
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 1, 1, 1, &total), "second");
	assert_string_equal(subjects(f, MAIL_SENT, MAIL_SORT_DATE, 0, 0, 10, &total), "");
	assert_int_equal(total, 0);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 5, 10, &total), "");
	assert_int_equal(total, 3);
	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 1);
	assert_string_equal(p.v[0].from, "Bob");
	assert_string_equal(p.v[0].from_addr, "bob@example.org");
	assert_true(p.v[0].size > 0);
	free(p.v);

	ok(mailstore_folders(f->ms, &v, &n, &e), &e);
	assert_int_equal(n, 4);
	assert_int_equal(v[0].total, 3);
	assert_int_equal(v[0].unread, 3);
	assert_int_equal(v[3].total, 1);
	assert_int_equal(v[3].unread, 0);
	free(v);

	ok(mailstore_path(f->ms, MAIL_INBOX, id, path, sizeof(path), &e), &e);
	assert_non_null(strstr(text_of(path), "Subject: second"));
	assert_int_equal(mailstore_path(f->ms, MAIL_INBOX, "1999999999.nothing", path,
					sizeof(path), &e), -1);
	assert_true(mailstore_refused(f->ms));
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN, 0, &e), &e);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, NULL),
			    "third,second,first");

	/* With the index back, it is used again. */
	mailstore_close(&f->ms);
	assert_int_equal(rmdir(box_path(f, ".webmsg-index.sqlite")), 0);
	open_box(f);
	assert_string_equal(subjects(f, MAIL_INBOX, MAIL_SORT_SUBJECT, 1, 0, 10, NULL),
			    "first,second,third");
	assert_false(mailstore_degraded(f->ms));
}

/* A From that is no address shows what it says, never nothing. */
/* Sent mail is listed by its recipients: the first one's name, else its
 * address, and how many more; read from the index and without it alike. */
static void test_recipients_in_summary(void **state)
{
	struct fixture *f = *state;
	drop_file(f, ".Sent/cur/1700000001.r1.host:2,S",
		  "From: alice@example.com\r\nTo: =?UTF-8?B?Wm/Dqw==?= <zoe@example.org>\r\n"
		  "Subject: one\r\n\r\nx\r\n");
	drop_file(f, ".Sent/cur/1700000002.r2.host:2,S",
		  "From: alice@example.com\r\nTo: bob@example.org,\r\n carol@example.org, "
		  "Dan <d@example.org>\r\nSubject: two\r\n\r\nx\r\n");
	drop_file(f, ".Sent/cur/1700000003.r3.host:2,S",
		  "From: alice@example.com\r\nSubject: three\r\n\r\nx\r\n");
	struct page p = list(f, MAIL_SENT, MAIL_SORT_SUBJECT, 1, 0, 10);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.v[0].subject, "one");
	assert_string_equal(p.v[0].to, "Zoë");
	assert_string_equal(p.v[1].subject, "three");
	assert_string_equal(p.v[1].to, "");
	assert_string_equal(p.v[2].subject, "two");
	assert_string_equal(p.v[2].to, "bob@example.org + 2");
	free(p.v);
	/* By recipient: none first, then bob, then Zoë (case and accents aside). */
	assert_string_equal(subjects(f, MAIL_SENT, MAIL_SORT_TO, 1, 0, 10, NULL), "three,two,one");
	assert_string_equal(subjects(f, MAIL_SENT, MAIL_SORT_TO, 0, 0, 10, NULL), "one,two,three");
	struct err e = { "" };
	struct mail_summary s;
	ok(mailstore_summary(f->ms, MAIL_SENT, "1700000001.r1.host", &s, &e), &e);
	assert_string_equal(s.to, "Zoë");
}

/* Forwarded is Maildir's 'P' (IMAP $Forwarded), in its place among the
 * letters, and read back from a name another program wrote. */
static void test_forwarded_flag(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], rel[PATH_MAX];
	deliver(f, "pass it on", BASE_DATE, id);
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN | MAIL_FORWARDED, 0, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,PS", id);
	assert_true(file_exists(box_path(f, rel)));
	assert_int_equal(only(f, MAIL_INBOX).flags, MAIL_SEEN | MAIL_FORWARDED);
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_ANSWERED, MAIL_FORWARDED, &e), &e);
	snprintf(rel, sizeof(rel), "cur/%s:2,RS", id);
	assert_true(file_exists(box_path(f, rel)));
	drop_file(f, ".Trash/cur/1600000000.p1.host:2,PRS", message("a@b.c", "both", BASE_DATE));
	assert_int_equal(only(f, MAIL_TRASH).flags, MAIL_SEEN | MAIL_ANSWERED | MAIL_FORWARDED);
}

static void test_malformed_from(void **state)
{
	struct fixture *f = *state;
	static const char *const froms[] = { "<>", "@", "\"\" <>", "<<<@@@>>>", "a@", ";;;" };
	size_t nf = sizeof(froms) / sizeof(froms[0]);
	for (size_t i = 0; i < nf; i++)
		deliver_to(f, MAIL_INBOX, froms[i], "odd", BASE_DATE - (time_t)i, 0, NULL);
	struct page p = list(f, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10);
	assert_int_equal(p.n, nf);
	for (size_t i = 0; i < p.n; i++)
		if (!p.v[i].from[0])
			fail_msg("From: %s shows nothing", froms[i]);
	free(p.v);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_creates_maildir),
		T(test_deliver_and_pages),
		T(test_sort_by_sender_and_subject),
		T(test_encoded_headers),
		T(test_flags_in_file_names),
		T(test_other_programs_change_the_maildir),
		T(test_change_within_one_tick),
		T(test_unchanged_folder_is_not_read_again),
		T(test_concurrent_delivery),
		T(test_move_to_trash_and_delete),
		T(test_folders),
		T(test_unread_counts),
		T(test_corrupt_index_is_rebuilt),
		T(test_date_falls_back_to_file_time),
		T(test_path_and_summary),
		T(test_quota_maildirsize),
		T(test_quota_recalculated),
		T(test_quota_none),
		T(test_index_filename_is_checked),
		T(test_reading_without_the_index),
		T(test_malformed_from),
		T(test_recipients_in_summary),
		T(test_forwarded_flag),
	};
#undef T
	g_mime_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
