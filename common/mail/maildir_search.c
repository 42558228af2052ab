/* maildir_search.c - full-text search in the Maildir index: the FTS5 table
 * "search" (sender, recipients, subject, body as decoded text, attachment
 * names), filled after the list and read by mailstore_search.
 *
 * Bodies are not read when a folder is compared with its directories (a new
 * folder of 100,000 messages must list as fast as before): a new row is
 * "searchable = 0", and each search first indexes such rows for at most
 * SEARCH_INDEX_BUDGET_MS, oldest first. What is still left is matched by its
 * sender and subject only, and the caller is told (*partial), so that a page
 * can say that bodies are still being indexed; the next search goes on. A
 * message removed from the index leaves the search table by a trigger; flag
 * changes and moves keep the row's rowid and so never rewrite its text.
 *
 * A word found in most of 100,000 messages must answer as fast as a rare
 * one: the page is a walk along the folder's index in the order asked for,
 * stopping at the page's last row, and the total is counted only up to
 * SEARCH_COUNT_CAP (or just past the page asked for): beyond it the caller
 * is told (MAIL_SEARCH_MORE) and the page says "more than". Counting all
 * 80,000 matches of a common word means looking each up in the messages
 * table for its folder: that alone took longer than the 0.1 s a search
 * may take. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* How long one search may spend reading bodies into the index before it
 * answers: a few hundred messages, so that a search never feels stuck. */
#define SEARCH_INDEX_BUDGET_MS 300
/* Rows read per transaction while indexing. */
#define SEARCH_INDEX_BATCH 64
/* Matches counted exactly; past this (and past the page asked for) the
 * total is "more than". Gmail says "many" past a few hundred. */
#define SEARCH_COUNT_CAP 1000
/* Words of a query beyond this are ignored. */
#define SEARCH_TERMS_MAX 16

struct terms {
	char *v[SEARCH_TERMS_MAX];
	size_t n;
	char buf[MAIL_SEARCH_MAX + 1];
};

/* A word worth searching for: one with a letter or digit in it (any byte of
 * a multi-byte UTF-8 character counts), since unicode61 drops the rest. */
static int term_has_word(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p >= 0x80)
			return 1;
	return 0;
}

/* Splits query at white space into t (borrowing t->buf). */
static void terms_split(const char *query, struct terms *t)
{
	size_t len = strlen(query);
	if (len > MAIL_SEARCH_MAX)
		len = MAIL_SEARCH_MAX;
	memcpy(t->buf, query, len);
	t->buf[len] = '\0';
	t->n = 0;
	char *p = t->buf;
	while (*p && t->n < SEARCH_TERMS_MAX) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' ||
		       *p == '\v')
			p++;
		if (!*p)
			break;
		char *start = p;
		while (*p && !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' ||
			       *p == '\v'))
			p++;
		if (*p)
			*p++ = '\0';
		if (term_has_word(start))
			t->v[t->n++] = start;
	}
}

/* The FTS5 expression for t: each word a quoted string (a '"' inside
 * doubled), so that nothing a user types is FTS5 syntax; the last word also
 * as a prefix. Returns the number of words, -1 when out is too small. */
static int match_expr(const struct terms *t, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (o + 2 >= outlen)
			return -1;
		if (i)
			out[o++] = ' ';
		out[o++] = '"';
		for (const char *p = t->v[i]; *p; p++) {
			if (o + 2 >= outlen)
				return -1;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		if (o + 3 >= outlen)
			return -1;
		out[o++] = '"';
		if (i + 1 == t->n)
			out[o++] = '*';
	}
	out[o] = '\0';
	return (int)t->n;
}

/* "%word%" for LIKE, with '%', '_' and the escape '\' taken literally. */
static char *like_pattern(const char *word)
{
	size_t len = strlen(word);
	char *s = malloc(2 * len + 3), *o = s;
	if (!s)
		return NULL;
	*o++ = '%';
	for (const char *p = word; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return s;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* Joins the attachments' names, one a line. */
static char *attachment_names(const struct mime_message *m)
{
	size_t len = 1;
	for (size_t i = 0; i < m->nattachments; i++)
		len += strlen(or_empty(m->attachments[i].filename)) + 1;
	char *s = malloc(len), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < m->nattachments; i++) {
		size_t l = strlen(or_empty(m->attachments[i].filename));
		memcpy(o, or_empty(m->attachments[i].filename), l);
		o += l;
		*o++ = '\n';
	}
	*o = '\0';
	return s;
}

/* Puts one message into the search table. A file that is gone or not a
 * message is indexed by what the list knows of it (sender, subject), so
 * that it is not tried again and again; the next comparison drops a row
 * whose file is gone. */
static int index_one(struct maildir *md, sqlite3_stmt *ins, sqlite3_stmt *mark,
		     sqlite3_int64 rowid, const char *folder, int sub, const char *filename,
		     const char *sender, const char *subject, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct mime_message *m = NULL;
	char *names = NULL;
	struct err ignored = { 0 };

	if (maildir_folder_dir(md, folder, dir, sizeof(dir), &ignored) == 0 &&
	    maildir_file_path(dir, sub, filename, path, sizeof(path), &ignored) == 0 &&
	    mime_parse_file(path, &m, &ignored) == 0 && !(names = attachment_names(m))) {
		mime_message_free(&m);
		return err_set(e, "out of memory");
	}
	char *recipients = NULL;
	if (m && !(recipients = g_strjoin("\n", or_empty(m->to), or_empty(m->cc), NULL))) {
		free(names);
		mime_message_free(&m);
		return err_set(e, "out of memory");
	}
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, rowid);
	sqlite3_bind_text(ins, 2, m && m->from ? m->from : sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 3, or_empty(recipients), -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, m && m->subject ? m->subject : subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, m ? or_empty(m->text) : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, or_empty(names), -1, SQLITE_STATIC);
	int rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	g_free(recipients);
	free(names);
	mime_message_free(&m);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the search index");
	sqlite3_reset(mark);
	sqlite3_bind_int64(mark, 1, rowid);
	rc = sqlite3_step(mark);
	sqlite3_reset(mark);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the search index");
	return 0;
}

struct pending {
	sqlite3_int64 rowid;
	char folder[MAIL_FOLDER_MAX];
	int sub;
	char filename[NAME_MAX + 1];
	char sender[320];
	char subject[512];
};

/* Reads bodies of messages not yet searchable (in folder, or all when NULL)
 * into the search table until none are left or the budget is spent. *left
 * gets 1 when some remain. */
static int index_bodies(struct maildir *md, const char *folder, long long budget_ms, int *left,
			struct err *e)
{
	static const char pick_sql[] =
		"SELECT rowid, folder, dir, filename,"
		" CASE WHEN from_name <> '' THEN from_name || ' ' || from_addr ELSE from_addr END,"
		" subject FROM messages WHERE searchable = 0 AND (?1 IS NULL OR folder = ?1)"
		" LIMIT ?2";
	sqlite3_stmt *pick = NULL, *ins = NULL, *mark = NULL;
	struct pending *v = calloc(SEARCH_INDEX_BATCH, sizeof(*v));
	long long until = now_ms() + budget_ms;
	int ret = -1;

	*left = 1;
	if (!v)
		return err_set(e, "out of memory");
	if (maildir_index_prepare(md, pick_sql, &pick, e) < 0 ||
	    maildir_index_prepare(md,
				  "INSERT INTO search (rowid, sender, recipients, subject, body,"
				  " attachments) VALUES (?, ?, ?, ?, ?, ?)",
				  &ins, e) < 0 ||
	    maildir_index_prepare(md, "UPDATE messages SET searchable = 1 WHERE rowid = ?", &mark,
				  e) < 0)
		goto out;
	for (;;) {
		size_t nv = 0;
		int rc = SQLITE_DONE;
		if (maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0)
			goto out;
		/* Picked inside the transaction: another handle may have just
		 * indexed the same rows. */
		sqlite3_reset(pick);
		if (folder)
			sqlite3_bind_text(pick, 1, folder, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(pick, 1);
		sqlite3_bind_int(pick, 2, SEARCH_INDEX_BATCH);
		while (nv < SEARCH_INDEX_BATCH && (rc = sqlite3_step(pick)) == SQLITE_ROW) {
			struct pending *p = &v[nv++];
			p->rowid = sqlite3_column_int64(pick, 0);
			snprintf(p->folder, sizeof(p->folder), "%s",
				 or_empty((const char *)sqlite3_column_text(pick, 1)));
			p->sub = sqlite3_column_int(pick, 2);
			snprintf(p->filename, sizeof(p->filename), "%s",
				 or_empty((const char *)sqlite3_column_text(pick, 3)));
			snprintf(p->sender, sizeof(p->sender), "%s",
				 or_empty((const char *)sqlite3_column_text(pick, 4)));
			snprintf(p->subject, sizeof(p->subject), "%s",
				 or_empty((const char *)sqlite3_column_text(pick, 5)));
		}
		if (nv < SEARCH_INDEX_BATCH && rc != SQLITE_DONE) {
			maildir_index_error(md, e, "cannot read the mail index");
			goto out;
		}
		sqlite3_reset(pick);
		size_t done = 0;
		while (done < nv) {
			const struct pending *p = &v[done];
			if (index_one(md, ins, mark, p->rowid, p->folder, p->sub, p->filename,
				      p->sender, p->subject, e) < 0)
				goto out;
			done++;
			if (now_ms() >= until)
				break;
		}
		if (maildir_index_commit(md, e) < 0)
			goto out;
		if (nv < SEARCH_INDEX_BATCH && done == nv) {
			*left = 0;
			break;
		}
		if (now_ms() >= until)
			break;
	}
	ret = 0;
out:
	maildir_index_rollback(md);
	sqlite3_finalize(pick);
	sqlite3_finalize(ins);
	sqlite3_finalize(mark);
	free(v);
	return ret;
}

/* Compares the folder (or every folder) with its directories first, so that
 * a search sees the mail the list would. Returns how many folders are still
 * being indexed for the first time (their messages are not all found yet). */
static int sync_for_search(struct maildir *md, const char *folder, struct err *e)
{
	char dir[PATH_MAX];
	if (folder) {
		if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
			return MAILSTORE_REFUSED;
		return maildir_sync_or_defer(md, folder, dir, e);
	}
	struct mail_folder *v = NULL;
	size_t nv = 0;
	int ret = maildir_folders_on_disk(md, &v, &nv, e), deferred = 0;
	for (size_t i = 0; ret == 0 && i < nv; i++) {
		int rc = -1;
		if (maildir_folder_dir(md, v[i].name, dir, sizeof(dir), e) == 0)
			rc = maildir_sync_or_defer(md, v[i].name, dir, e);
		if (rc < 0)
			ret = -1;
		else
			deferred += rc;
	}
	free(v);
	return ret < 0 ? ret : deferred;
}

static int search_once(struct maildir *md, const char *folder, const struct terms *t,
		       const char *expr, enum mail_sort sort, int ascending, size_t offset,
		       size_t limit, struct mail_summary **out, size_t *n, long *total,
		       int *partial, struct err *e)
{
	/* Rows found by the full-text table, and rows not in it yet found by
	 * sender or subject: every word in one of the three. */
	char where[2048], sql[3072];
	char *patterns[SEARCH_TERMS_MAX] = { NULL };
	struct mail_summary *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1, left = 0, deferred;
	size_t w;

	if ((deferred = sync_for_search(md, folder, e)) < 0)
		return deferred;
	if (index_bodies(md, folder, SEARCH_INDEX_BUDGET_MS, &left, e) < 0)
		return -1;
	*partial = left || deferred ? MAIL_SEARCH_INDEXING : 0;
	w = (size_t)snprintf(where, sizeof(where),
			     "rowid IN (SELECT rowid FROM search WHERE search MATCH ?1");
	if (left) {
		w += (size_t)snprintf(where + w, sizeof(where) - w,
				      " UNION ALL SELECT rowid FROM messages WHERE searchable = 0"
				      " AND (?2 IS NULL OR folder = ?2)");
		for (size_t i = 0; i < t->n && w < sizeof(where); i++)
			w += (size_t)snprintf(where + w, sizeof(where) - w,
					      " AND (subject LIKE ?%zu ESCAPE '\\'"
					      " OR from_name LIKE ?%zu ESCAPE '\\'"
					      " OR from_addr LIKE ?%zu ESCAPE '\\')",
					      i + 5, i + 5, i + 5);
	}
	if (w < sizeof(where))
		w += (size_t)snprintf(where + w, sizeof(where) - w,
				      ") AND (?2 IS NULL OR folder = ?2)");
	if (w >= sizeof(where))
		return err_set(e, "search: the query is too long");
	for (size_t i = 0; left && i < t->n; i++)
		if (!(patterns[i] = like_pattern(t->v[i]))) {
			err_set(e, "out of memory");
			goto out;
		}

	/* Counted up to just past the page and at least past SEARCH_COUNT_CAP,
	 * so that there is always a next page when the count stopped. A
	 * fully indexed mailbox is counted from the full-text table outwards,
	 * one row at a time, so that the count can stop early; "IN" would
	 * first collect every match. */
	unsigned long long page_end = offset + limit < offset ? ULLONG_MAX : offset + limit;
	long long bound = -1; /* none: every match counted */
	if (page_end < (unsigned long long)LONG_MAX / 2)
		bound = (long long)(page_end < SEARCH_COUNT_CAP ? SEARCH_COUNT_CAP : page_end + 1) + 1;
	/* One read transaction: the page and the total agree. */
	if (maildir_index_exec(md, "BEGIN", e) < 0)
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 && !left)
			w = (size_t)snprintf(sql, sizeof(sql),
					     "SELECT count(*) FROM (SELECT 1 FROM search CROSS JOIN"
					     " messages ON messages.rowid = search.rowid"
					     " WHERE search MATCH ?1"
					     " AND (?2 IS NULL OR messages.folder = ?2) LIMIT ?3)");
		else if (pass == 0)
			w = (size_t)snprintf(sql, sizeof(sql),
					     "SELECT count(*) FROM (SELECT 1 FROM messages WHERE %s"
					     " LIMIT ?3)",
					     where);
		else
			w = (size_t)snprintf(sql, sizeof(sql),
					     "SELECT %s, folder FROM messages WHERE %s ORDER BY %s"
					     " LIMIT ?3 OFFSET ?4",
					     maildir_summary_columns, where,
					     maildir_list_orders[sort][ascending ? 1 : 0]);
		if (w >= sizeof(sql)) {
			err_set(e, "search: the query is too long");
			goto out;
		}
		if (maildir_index_prepare(md, sql, &st, e) < 0)
			goto out;
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
		if (folder)
			sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		if (pass == 0) {
			sqlite3_bind_int64(st, 3, bound);
		} else {
			sqlite3_bind_int64(st, 3, limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
			sqlite3_bind_int64(st, 4,
					   offset > INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
		}
		for (size_t i = 0; left && i < t->n; i++)
			sqlite3_bind_text(st, (int)i + 5, patterns[i], -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (pass == 0) {
				long long count = sqlite3_column_int64(st, 0);
				if (bound >= 0 && count >= bound) {
					count = bound - 1;
					*partial |= MAIL_SEARCH_MORE;
				}
				*total = (long)count;
				continue;
			}
			if (nv == cap) {
				cap = cap ? cap * 2 : (limit && limit < 64 ? limit : 64);
				struct mail_summary *more = realloc(v, cap * sizeof(*v));
				if (!more) {
					err_set(e, "out of memory");
					goto out;
				}
				v = more;
			}
			maildir_summary_from_row(st, &v[nv]);
			snprintf(v[nv].folder, sizeof(v[nv].folder), "%s",
				 or_empty((const char *)sqlite3_column_text(st, MAILDIR_SUMMARY_NCOLS)));
			nv++;
		}
		if (rc != SQLITE_DONE) {
			maildir_index_error(md, e, "cannot search the mail index");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	maildir_index_commit(md, NULL);
	*out = v;
	*n = nv;
	v = NULL;
	ret = 0;
out:
	sqlite3_finalize(st);
	maildir_index_rollback(md);
	for (size_t i = 0; i < SEARCH_TERMS_MAX; i++)
		free(patterns[i]);
	free(v);
	if (ret < 0)
		*total = 0;
	return ret;
}

int maildir_search(void *be, const char *folder, const char *query, enum mail_sort sort,
		   int ascending, size_t offset, size_t limit, struct mail_summary **out,
		   size_t *n, long *total, int *partial, struct err *e)
{
	struct maildir *md = be;
	struct terms t;
	/* Each byte at most doubled, plus quotes, '*' and a space per word. */
	char expr[2 * MAIL_SEARCH_MAX + 4 * SEARCH_TERMS_MAX + 1];
	int rc, tries = 0;

	md->index_failed = md->degraded = 0;
	terms_split(query, &t);
	if (t.n == 0)
		return 0; /* no word: nothing found */
	if (match_expr(&t, expr, sizeof(expr)) < 0)
		return err_set(e, "search: the query is too long");
	if (maildir_index_ready(md, e) < 0)
		return -1;
	do
		rc = search_once(md, folder, &t, expr, sort, ascending, offset, limit, out, n,
				 total, partial, e);
	while (maildir_index_retry(md, rc, &tries, e));
	return rc;
}
