/* test_thread.c - conversations in a Maildir mailbox: threading by
 * References, by In-Reply-To alone, a parent that arrives after its replies,
 * a missing middle message, references in a loop and garbage ids, and a
 * reused Message-ID that must never pull unrelated conversations together,
 * and what deleting messages lets go of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#define MAILBOX_FIXTURE_EXTRA int minute;
#include "mailbox_fixture.h"

/* A message with this subject; msgid, references and in_reply_to are the
 * headers' raw values (NULL: no such header). */
static void put(struct fixture *f, const char *subject, const char *msgid,
		const char *references, const char *in_reply_to, unsigned flags)
{
	char text[8192], head[4096] = "";
	struct err e = { "" };
	size_t o = 0;
	if (msgid)
		o += (size_t)snprintf(head + o, sizeof(head) - o, "Message-ID: %s\r\n", msgid);
	if (references)
		o += (size_t)snprintf(head + o, sizeof(head) - o, "References: %s\r\n", references);
	if (in_reply_to)
		snprintf(head + o, sizeof(head) - o, "In-Reply-To: %s\r\n", in_reply_to);
	f->minute++;
	snprintf(text, sizeof(text),
		 "From: Bob <bob@example.org>\r\nTo: Alice <alice@example.com>\r\n"
		 "Subject: %s\r\nDate: Tue, 14 Nov 2023 %02d:%02d:00 +0000\r\n%s"
		 "Content-Type: text/plain\r\n\r\nHello.\r\n",
		 subject, 10 + f->minute / 60, f->minute % 60, head);
	ok(mailstore_deliver(f->ms, MAIL_INBOX, text, strlen(text), flags, NULL, 0, &e), &e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The conversations of INBOX as their subjects, oldest first, joined by
 * "+", the conversations sorted and joined by ","; each conversation's count
 * checked against its messages. */
static const char *conversations(struct fixture *f)
{
	static char out[4096];
	struct mail_summary *v, *m;
	size_t n, nm;
	long total;
	char *groups[64];
	struct err e = { "" };

	ok(mailstore_list_threads(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 1000, &v, &n, &total,
				  &e),
	   &e);
	assert_int_equal(total, (long)n);
	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++) {
		char g[1024] = "";
		size_t o = 0;
		assert_true(v[i].thread > 0);
		ok(mailstore_thread(f->ms, MAIL_INBOX, v[i].thread, &m, &nm, &e), &e);
		assert_int_equal((long)nm, v[i].thread_count);
		for (size_t j = 0; j < nm; j++)
			o += (size_t)snprintf(g + o, sizeof(g) - o, "%s%s", j ? "+" : "",
					      m[j].subject);
		free(m);
		groups[i] = strdup(g);
	}
	free(v);
	qsort(groups, n, sizeof(groups[0]), cmp_str);
	out[0] = '\0';
	for (size_t i = 0, o = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "", groups[i]);
		free(groups[i]);
	}
	return out;
}

static void by_references(void **state)
{
	struct fixture *f = *state;
	put(f, "A", "<a@x>", NULL, NULL, 0);
	put(f, "B", "<b@x>", "<a@x>", "<a@x>", 0);
	put(f, "C", "<c@x>", "<a@x>\r\n <b@x>", "<b@x> (Bob's message)", 0);
	put(f, "D", "<d@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "A+B+C,D");
}

static void by_in_reply_to_only(void **state)
{
	struct fixture *f = *state;
	put(f, "A", "<a@x>", NULL, NULL, 0);
	put(f, "B", "<b@x>", NULL, "<a@x>", 0);
	put(f, "C", "<c@x>", NULL, "Your message of today <b@x>", 0);
	put(f, "D", "<d@x>", NULL, "<elsewhere@y>", 0);
	assert_string_equal(conversations(f), "A+B+C,D");
}

/* Threaded as they come: each list threads what arrived since. */
static void parent_after_child(void **state)
{
	struct fixture *f = *state;
	/* C answers B, which answers A; C comes first, then A, then B: B
	 * joins A's conversation and brings C's with it. */
	put(f, "C", "<c@x>", NULL, "<b@x>", 0);
	assert_string_equal(conversations(f), "C");
	put(f, "A", "<a@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "A,C");
	put(f, "B", "<b@x>", "<a@x>", "<a@x>", 0);
	assert_string_equal(conversations(f), "C+A+B"); /* by date: C's is oldest */
	/* A root that arrives after its only reply joins it. */
	put(f, "Y", "<y@x>", "<x@x>", NULL, 0);
	put(f, "X", "<x@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "C+A+B,Y+X");
}

static void missing_middle(void **state)
{
	struct fixture *f = *state;
	put(f, "A", "<a@x>", NULL, NULL, 0);
	put(f, "C", "<c@x>", "<a@x> <b@x>", "<b@x>", 0);
	/* A sibling of C that knows only the missing B. */
	put(f, "D", "<d@x>", NULL, "<b@x>", 0);
	assert_string_equal(conversations(f), "A+C+D");
}

static void loops_and_garbage(void **state)
{
	struct fixture *f = *state;
	char huge[400];
	memset(huge, 'h', sizeof(huge));
	huge[0] = '<';
	snprintf(huge + sizeof(huge) - 4, 4, "@>");
	/* Each refers to the other, and one to itself. */
	put(f, "X", "<x@x>", "<y@x>", NULL, 0);
	put(f, "Y", "<y@x>", "<x@x> <y@x>", "<x@x>", 0);
	put(f, "Z", "<z@x>", "<z@x>", "<z@x>", 0);
	/* Garbage: bare words, an empty id, white space inside, an id too
	 * long to be one, an unclosed bracket, non-ASCII. */
	put(f, "W", "not an id", "a@x <> <x @x> <", huge, 0);
	put(f, "V", huge, "<\xc3\xa9@x>", "<", 0);
	put(f, "U", "<", NULL, NULL, 0);
	assert_string_equal(conversations(f), "U,V,W,X+Y,Z");
}

static void reused_message_id(void **state)
{
	struct fixture *f = *state;
	put(f, "A", "<dup@x>", NULL, NULL, 0);
	put(f, "B", "<b@x>", NULL, "<dup@x>", 0);
	put(f, "O", "<other@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "A+B,O");
	/* The same id again, refering to another conversation: it joins that
	 * one, and the two stay apart. */
	put(f, "E", "<dup@x>", "<other@x>", NULL, 0);
	/* The same id with nothing else: a conversation of its own. */
	put(f, "F", "<dup@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "A+B,F,O+E");
	/* A reply to the id goes where the id was first seen. */
	put(f, "G", "<g@x>", NULL, "<dup@x>", 0);
	assert_string_equal(conversations(f), "A+B+G,F,O+E");
}

/* A conversation is unread while any of it is; it sorts by its newest
 * message; a move keeps a message's conversation. */
static void unread_order_and_moves(void **state)
{
	struct fixture *f = *state;
	struct mail_summary *v, *m;
	size_t n, nm;
	long total;
	struct err e = { "" };
	put(f, "A", "<a@x>", NULL, NULL, MAIL_SEEN);
	put(f, "D", "<d@x>", NULL, NULL, MAIL_SEEN);
	put(f, "B", "<b@x>", NULL, "<a@x>", 0);
	ok(mailstore_list_threads(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 10, &v, &n, &total,
				  &e),
	   &e);
	assert_int_equal(total, 2);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].subject, "B"); /* the newest, of A's conversation */
	assert_int_equal(v[0].thread_count, 2);
	assert_false(v[0].flags & MAIL_SEEN);
	assert_string_equal(v[1].subject, "D");
	assert_true(v[1].flags & MAIL_SEEN);
	/* A page of one. */
	free(v);
	ok(mailstore_list_threads(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 1, 1, &v, &n, &total, &e),
	   &e);
	assert_int_equal(total, 2);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].subject, "D");
	free(v);
	/* Moving A to Trash and back keeps it in its conversation. */
	ok(mailstore_list_threads(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 1, &v, &n, &total, &e),
	   &e);
	ok(mailstore_thread(f->ms, MAIL_INBOX, v[0].thread, &m, &nm, &e), &e);
	assert_int_equal(nm, 2);
	ok(mailstore_move(f->ms, MAIL_INBOX, m[0].id, MAIL_TRASH, &e), &e);
	ok(mailstore_move(f->ms, MAIL_TRASH, m[0].id, MAIL_INBOX, &e), &e);
	free(m);
	free(v);
	assert_string_equal(conversations(f), "A+B,D");
}

/* The id of INBOX's message with this subject. */
static void id_of(struct fixture *f, const char *subject, char *out, size_t outlen)
{
	struct mail_summary *v;
	size_t n;
	long total;
	struct err e = { "" };
	out[0] = '\0';
	ok(mailstore_list(f->ms, MAIL_INBOX, MAIL_SORT_DATE, 0, 0, 1000, &v, &n, &total, &e), &e);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].subject, subject) == 0)
			snprintf(out, outlen, "%s", v[i].id);
	free(v);
	assert_true(out[0]);
}

static void delete_subject(struct fixture *f, const char *subject)
{
	char id[256];
	struct err e = { "" };
	id_of(f, subject, id, sizeof(id));
	ok(mailstore_delete(f->ms, MAIL_INBOX, id, &e), &e);
}

/* The answer of a query to the index that yields one number. */
static long index_number(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;
	assert_int_equal(sqlite3_open_v2(box_path(f, ".webmsg-index.sqlite"), &db,
					 SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A deleted message lets go of its Message-ID: delivered again (from a
 * backup, say), it is the one its replies refer to, in their conversation. */
static void redelivered_rejoins(void **state)
{
	struct fixture *f = *state;
	put(f, "A", "<a@x>", NULL, NULL, 0);
	put(f, "B", "<b@x>", NULL, "<a@x>", 0);
	assert_string_equal(conversations(f), "A+B");
	delete_subject(f, "A");
	put(f, "A2", "<a@x>", NULL, NULL, 0);
	put(f, "C", "<c@x>", NULL, "<a@x>", 0);
	assert_string_equal(conversations(f), "B+A2+C");
}

/* A conversation with nothing left forgets its ids, references included. */
static void deleted_conversation_forgotten(void **state)
{
	struct fixture *f = *state;
	put(f, "X", "<x@x>", NULL, NULL, 0);
	put(f, "Y", "<y@x>", "<x@x> <gone@x>", NULL, 0);
	put(f, "Z", "<z@x>", NULL, NULL, 0);
	assert_string_equal(conversations(f), "X+Y,Z");
	assert_int_equal(index_number(f, "SELECT count(*) FROM thread_ids"), 4);
	delete_subject(f, "X");
	assert_int_equal(index_number(f, "SELECT count(*) FROM thread_ids"), 4);
	delete_subject(f, "Y");
	assert_int_equal(index_number(f, "SELECT count(*) FROM thread_ids"), 1);
	assert_string_equal(conversations(f), "Z");
}

/* An index of version 4 is brought up to date in place: the rule added, the
 * ids of conversations already gone dropped, its messages kept. */
static void upgraded_from_version_4(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	put(f, "A", "<a@x>", NULL, NULL, 0);
	put(f, "B", "<b@x>", NULL, "<a@x>", 0);
	assert_string_equal(conversations(f), "A+B");
	mailstore_close(&f->ms);
	assert_int_equal(index_number(f, "DROP TRIGGER messages_unthread"), -1);
	assert_int_equal(index_number(f, "INSERT INTO thread_ids VALUES ('<old@x>', 999, 'gone')"),
			 -1);
	assert_int_equal(index_number(f, "PRAGMA user_version = 4"), -1);
	ok(mailstore_open(f->root, "example.com", "alice", &f->ms, &e), &e);
	assert_string_equal(conversations(f), "A+B");
	assert_int_equal(index_number(f, "PRAGMA user_version"), 5);
	assert_int_equal(index_number(f, "SELECT count(*) FROM thread_ids WHERE thread = 999"), 0);
	assert_int_equal(index_number(f, "SELECT count(*) FROM sqlite_master WHERE name = "
					 "'messages_unthread'"),
			 1);
	/* And no message was read again: the rows are the ones there were. */
	assert_int_equal(index_number(f, "SELECT count(*) FROM thread_ids"), 2);
}

int main(void)
{
	g_mime_init();
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(by_references),     T(by_in_reply_to_only), T(parent_after_child),
		T(missing_middle),    T(loops_and_garbage),   T(reused_message_id),
		T(unread_order_and_moves), T(redelivered_rejoins), T(deleted_conversation_forgotten),
		T(upgraded_from_version_4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
