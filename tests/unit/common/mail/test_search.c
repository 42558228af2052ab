/* test_search.c - searching a Maildir mailbox as a user does: by a word of
 * the body (plain or HTML), of a subject with accents, of the sender, of an
 * attachment's name, by the start of a word; the index kept up to date by
 * delivery, moves, flags and removal; and queries full of FTS5 syntax that
 * must stay plain words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <time.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#include "mailbox_fixture.h"

static void put(struct fixture *f, const char *folder, const char *text, char *id)
{
	struct err e = { "" };
	char ignored[MAIL_ID_MAX];
	ok(mailstore_deliver(f->ms, folder, text, strlen(text), 0, id ? id : ignored, MAIL_ID_MAX,
			     &e),
	   &e);
}

static void put_plain(struct fixture *f, const char *from, const char *subject, const char *body,
		      char *id)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "From: %s\r\nTo: Alice <alice@example.com>\r\nSubject: %s\r\n"
		 "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMIME-Version: 1.0\r\n"
		 "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		 from, subject, body);
	put(f, MAIL_INBOX, text, id);
}

/* The subjects found, sorted by subject, as "a,b"; "" for none. folder
 * NULL: all folders; then each subject is "folder/subject". */
static const char *found(struct fixture *f, const char *folder, const char *query, int *partial)
{
	static char out[4096];
	struct err e = { "" };
	struct mail_summary *v;
	size_t n, o = 0;
	long total;
	int part;
	ok(mailstore_search(f->ms, folder, query, MAIL_SORT_SUBJECT, 1, 0, 50, &v, &n, &total,
			    &part, &e),
	   &e);
	assert_int_equal(total, (long)n);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!folder)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s/%s", i ? "," : "",
					      v[i].folder, v[i].subject);
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "",
					      v[i].subject);
		assert_true(o < sizeof(out));
	}
	free(v);
	if (partial)
		*partial = part;
	return out;
}

/* Rows in the index's search table (read beside the store, as another
 * process would). */
static long search_rows(struct fixture *f)
{
	char path[PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;
	snprintf(path, sizeof(path), "%s/.webmsg-index.sqlite", f->box);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM search", -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void test_finds_by_body_sender_and_subject(void **state)
{
	struct fixture *f = *state;
	put_plain(f, "Ann Example <ann@example.org>", "lunch", "Shall we meet at the lighthouse?",
		  NULL);
	put_plain(f, "Bob <bob@example.net>", "=?UTF-8?Q?R=C3=A9sum=C3=A9_f=C3=BCr_Z=C3=BCrich?=",
		  "Attached.", NULL);
	put(f, MAIL_INBOX,
	    "From: Carol <carol@example.org>\r\nTo: alice@example.com\r\nSubject: news\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	    "<html><body><p>The <b>porcupine</b> escaped</p><script>x()</script></body></html>\r\n"
	    "--b\r\nContent-Type: application/pdf; name=\"budget-2024.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"budget-2024.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n",
	    NULL);

	/* Listing reads headers only: no body is indexed before a search. */
	struct err e = { "" };
	struct mail_summary *v;
	size_t n;
	long total;
	ok(mailstore_list(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 50, &v, &n, &total, &e), &e);
	free(v);
	assert_int_equal(total, 3);
	assert_int_equal(search_rows(f), 0);

	int partial = -1;
	assert_string_equal(found(f, MAIL_INBOX, "lighthouse", &partial), "lunch");
	assert_int_equal(partial, 0);
	assert_int_equal(search_rows(f), 3);
	/* HTML reduced to text; its markup is not a word. */
	assert_string_equal(found(f, MAIL_INBOX, "porcupine escaped", NULL), "news");
	assert_string_equal(found(f, MAIL_INBOX, "script", NULL), "");
	/* Accents ignored either way, any case. */
	assert_string_equal(found(f, MAIL_INBOX, "resume", NULL), "Résumé für Zürich");
	assert_string_equal(found(f, MAIL_INBOX, "ZÜRICH", NULL), "Résumé für Zürich");
	assert_string_equal(found(f, MAIL_INBOX, "résumé", NULL), "Résumé für Zürich");
	/* Sender by name and by address; the recipient too. */
	assert_string_equal(found(f, MAIL_INBOX, "bob", NULL), "Résumé für Zürich");
	assert_string_equal(found(f, MAIL_INBOX, "ann@example.org", NULL), "lunch");
	assert_string_equal(found(f, MAIL_INBOX, "alice", NULL), "lunch,news,Résumé für Zürich");
	/* An attachment's name. */
	assert_string_equal(found(f, MAIL_INBOX, "budget", NULL), "news");
	/* Every word must be there. */
	assert_string_equal(found(f, MAIL_INBOX, "lighthouse porcupine", NULL), "");
	/* The last word is also the start of a word; the others are not. */
	assert_string_equal(found(f, MAIL_INBOX, "light", NULL), "lunch");
	assert_string_equal(found(f, MAIL_INBOX, "Zür", NULL), "Résumé für Zürich");
	assert_string_equal(found(f, MAIL_INBOX, "light meet", NULL), "");
	/* No word at all finds nothing, rather than everything. */
	assert_string_equal(found(f, MAIL_INBOX, "   ", NULL), "");
}

static void test_incremental(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	char id[MAIL_ID_MAX], path[PATH_MAX];

	put_plain(f, "ann@example.org", "first", "walrus", id);
	assert_string_equal(found(f, MAIL_INBOX, "walrus", NULL), "first");
	/* Delivered after the index was made: found by the next search. */
	put_plain(f, "ann@example.org", "second", "walrus again", NULL);
	assert_string_equal(found(f, MAIL_INBOX, "walrus", NULL), "first,second");
	/* Delivered by another program straight into new/. */
	char text[] = "From: x@example.org\r\nSubject: third\r\n\r\nwalrus three\r\n";
	snprintf(path, sizeof(path), "%s/new/1700000000.M1P1.otherhost", f->box);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_string_equal(found(f, MAIL_INBOX, "walrus", NULL), "first,second,third");
	assert_int_equal(search_rows(f), 3);

	/* A flag change keeps the indexed text: nothing is read again. */
	ok(mailstore_set_flags(f->ms, MAIL_INBOX, id, MAIL_SEEN | MAIL_FLAGGED, 0, &e), &e);
	assert_string_equal(found(f, MAIL_INBOX, "walrus", NULL), "first,second,third");
	assert_int_equal(search_rows(f), 3);

	/* Moved: found in its new folder, and in all folders with its folder. */
	ok(mailstore_move(f->ms, MAIL_INBOX, id, MAIL_TRASH, &e), &e);
	assert_string_equal(found(f, MAIL_INBOX, "walrus", NULL), "second,third");
	assert_string_equal(found(f, MAIL_TRASH, "walrus", NULL), "first");
	assert_string_equal(found(f, NULL, "walrus", NULL), "Trash/first,INBOX/second,INBOX/third");
	assert_int_equal(search_rows(f), 3);

	/* Expunged through the store, and removed by another program. */
	ok(mailstore_delete(f->ms, MAIL_TRASH, id, &e), &e);
	assert_int_equal(unlink(path), 0);
	assert_string_equal(found(f, NULL, "walrus", NULL), "INBOX/second");
	assert_int_equal(search_rows(f), 1);
}

static void test_hostile_queries_are_words(void **state)
{
	struct fixture *f = *state;
	put_plain(f, "ann@example.org", "plain", "alpha beta", NULL);
	put_plain(f, "ann@example.org", "wordy", "near alpha beta or gamma subject delta", NULL);

	/* As FTS5 syntax each would match "plain" too (or fail). */
	assert_string_equal(found(f, MAIL_INBOX, "alpha OR gamma", NULL), "wordy");
	assert_string_equal(found(f, MAIL_INBOX, "NEAR(alpha beta)", NULL), "wordy");
	assert_string_equal(found(f, MAIL_INBOX, "subject:delta", NULL), "wordy");
	assert_string_equal(found(f, MAIL_INBOX, "alpha NOT gamma", NULL), "");
	assert_string_equal(found(f, MAIL_INBOX, "\"alpha", NULL), "plain,wordy");
	assert_string_equal(found(f, MAIL_INBOX, "alpha\"", NULL), "plain,wordy");
	assert_string_equal(found(f, MAIL_INBOX, "(alpha) beta*", NULL), "plain,wordy");
	assert_string_equal(found(f, MAIL_INBOX, "^alpha -beta +gamma", NULL), "wordy");
	/* Nothing but syntax: no word, nothing found, no error. */
	static const char *const none[] = { "*", "\"", "\"\"", "(", ")", "()", "NEAR", ":", "-",
					    "^", "''" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		const char *r = found(f, MAIL_INBOX, none[i], NULL);
		if (strcmp(none[i], "NEAR") == 0) /* a word like any other */
			assert_string_equal(r, "wordy");
		else
			assert_string_equal(r, "");
	}
	/* Nor can LIKE patterns of a not yet indexed message match everything. */
	assert_string_equal(found(f, MAIL_INBOX, "%", NULL), "");
	assert_string_equal(found(f, MAIL_INBOX, "_", NULL), "");
}

static void test_paging_and_unknown_folder(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	struct mail_summary *v;
	size_t n;
	long total;
	int partial;
	char subject[32];
	for (int i = 0; i < 7; i++) {
		snprintf(subject, sizeof(subject), "s%d", i);
		put_plain(f, "ann@example.org", subject, "kiwi", NULL);
	}
	ok(mailstore_search(f->ms, MAIL_INBOX, "kiwi", MAIL_SORT_SUBJECT, 1, 5, 5, &v, &n, &total,
			    &partial, &e),
	   &e);
	assert_int_equal(total, 7);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].subject, "s5");
	assert_string_equal(v[0].folder, MAIL_INBOX);
	free(v);
	assert_int_equal(mailstore_search(f->ms, "Nowhere", "kiwi", MAIL_SORT_DATE, 0, 0, 5, &v, &n,
					  &total, &partial, &e),
			 -1);
	assert_true(mailstore_refused(f->ms));
}

/* Delivers a message with the word "common" to folder, dated minute
 * minutes after a fixed time, with subject "m<minute>". */
static void put_dated(struct fixture *f, const char *folder, int minute)
{
	char text[1024], date[64];
	time_t t = 1700000000 + (time_t)minute * 60;
	struct tm tm;
	gmtime_r(&t, &tm);
	assert_true(strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) > 0);
	snprintf(text, sizeof(text),
		 "From: ann@example.org\r\nTo: alice@example.com\r\nSubject: m%d\r\n"
		 "Date: %s\r\n\r\nA common word, and the body of number %d.\r\n",
		 minute, date, minute);
	put(f, folder, text, NULL);
}

/* Searches until every body is indexed (each search indexes a bounded
 * batch), then returns the page with *more set when the count stopped. */
static struct mail_summary *search_page(struct fixture *f, const char *folder, const char *query,
					size_t offset, size_t limit, size_t *n, long *total,
					int *more)
{
	struct err e = { "" };
	struct mail_summary *v = NULL;
	int partial = MAIL_SEARCH_INDEXING;
	for (int tries = 0; partial & MAIL_SEARCH_INDEXING; tries++) {
		assert_true(tries < 1000);
		free(v);
		ok(mailstore_search(f->ms, folder, query, MAIL_SORT_DATE, 0, offset, limit, &v, n,
				    total, &partial, &e),
		   &e);
	}
	*more = !!(partial & MAIL_SEARCH_MORE);
	return v;
}

/* Results newest first by the Date header (not by delivery: the dates are
 * shuffled), counted exactly in the folder searched only, page after page,
 * and across all folders in one order. */
static void test_order_count_and_pages(void **state)
{
	struct fixture *f = *state;
	enum { N = 60 };
	/* minute (i * 37) % N: every minute once, in no order. */
	for (int i = 0; i < N; i++)
		put_dated(f, MAIL_INBOX, (i * 37) % N);
	/* In another folder, later than all: not in INBOX's results. */
	put_dated(f, MAIL_TRASH, N + 5);
	put_dated(f, MAIL_TRASH, N + 1);

	size_t n;
	long total;
	int more;
	char want[16];
	for (size_t page = 0; page < 3; page++) {
		struct mail_summary *v = search_page(f, MAIL_INBOX, "common", page * 25, 25, &n,
						     &total, &more);
		assert_int_equal(total, N);
		assert_false(more);
		assert_int_equal(n, page < 2 ? 25 : N - 50);
		for (size_t i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "m%d", N - 1 - (int)(page * 25 + i));
			assert_string_equal(v[i].subject, want);
			assert_string_equal(v[i].folder, MAIL_INBOX);
		}
		free(v);
	}

	/* All folders: Trash's two first (they are newest), then INBOX's. */
	struct mail_summary *v = search_page(f, NULL, "common", 0, 4, &n, &total, &more);
	assert_int_equal(total, N + 2);
	assert_false(more);
	assert_int_equal(n, 4);
	static const char *const all[][2] = {
		{ MAIL_TRASH, "m65" }, { MAIL_TRASH, "m61" }, { MAIL_INBOX, "m59" }, { MAIL_INBOX, "m58" }
	};
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(v[i].folder, all[i][0]);
		assert_string_equal(v[i].subject, all[i][1]);
	}
	free(v);
	/* The second page of all folders goes on where the first stopped. */
	v = search_page(f, NULL, "common", 4, 2, &n, &total, &more);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].subject, "m57");
	assert_string_equal(v[1].subject, "m56");
	free(v);
}

/* A word in more messages than are counted: the total says "more than",
 * stays past the page asked for (so that there is a next page), and the
 * last page is counted exactly again. */
static void test_count_stops_for_a_common_word(void **state)
{
	struct fixture *f = *state;
	enum { N = 1100 };
	for (int i = 0; i < N; i++)
		put_dated(f, MAIL_INBOX, (i * 7) % N); /* 7 and 1100 share no factor */
	put_dated(f, MAIL_TRASH, N + 1);

	size_t n;
	long total;
	int more;
	struct mail_summary *v = search_page(f, MAIL_INBOX, "common", 0, 50, &n, &total, &more);
	assert_true(more);
	assert_int_equal(total, 1000);
	assert_int_equal(n, 50);
	assert_string_equal(v[0].subject, "m1099");
	assert_string_equal(v[49].subject, "m1050");
	free(v);

	/* Past the first 1,000: still "more", and more than this page. */
	v = search_page(f, MAIL_INBOX, "common", 1000, 50, &n, &total, &more);
	assert_true(more);
	assert_true(total > 1050);
	assert_int_equal(n, 50);
	assert_string_equal(v[0].subject, "m99");
	free(v);

	/* The last page: every match seen, the count exact. */
	v = search_page(f, MAIL_INBOX, "common", 1050, 50, &n, &total, &more);
	assert_false(more);
	assert_int_equal(total, N);
	assert_int_equal(n, 50);
	assert_string_equal(v[49].subject, "m0");
	free(v);

	/* A rare word among them is counted exactly. */
	v = search_page(f, MAIL_INBOX, "m123", 0, 50, &n, &total, &more);
	assert_false(more);
	assert_int_equal(total, 1);
	free(v);
	/* All folders: past the cap as well. */
	v = search_page(f, NULL, "common", 0, 50, &n, &total, &more);
	assert_true(more);
	assert_int_equal(total, 1000);
	assert_string_equal(v[0].subject, "m1101");
	assert_string_equal(v[0].folder, MAIL_TRASH);
	free(v);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_finds_by_body_sender_and_subject),
		T(test_incremental),
		T(test_hostile_queries_are_words),
		T(test_paging_and_unknown_folder),
		T(test_order_count_and_pages),
		T(test_count_stops_for_a_common_word),
	};
#undef T
	g_mime_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
