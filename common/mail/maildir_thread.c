/* maildir_thread.c - conversations: messages threaded by their Message-ID,
 * References and In-Reply-To (JWZ's algorithm, simplified to a flat
 * conversation id per message), and the lists of a folder's conversations.
 *
 * Threading is lazy, like the search table: a message is listed as soon as
 * its headers are read, and threaded by the first conversation list of its
 * folder, so that the first list of a new folder costs what it did.
 *
 * The rules, for a message with Message-ID M and references R1..Rn (its
 * References, then In-Reply-To):
 * - it joins the conversation of the first Ri the index knows (as a
 *   message's own id or as one referenced), else that of M when M is known
 *   only as referenced (its replies came first), else a new one;
 * - when M was referenced by a conversation other than the one it joins,
 *   that one is merged into it (the parent arrived after its replies);
 * - every Ri not yet known is remembered in its conversation, so that a
 *   missing middle message still holds its siblings together;
 * - an M that another message already owns is ignored (a reused or forged
 *   id never pulls unrelated mail together);
 * - ids are looked up, never followed, so references in a loop or to the
 *   message itself cannot make it loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* Messages threaded per transaction: deliveries get in between. */
#define THREAD_BATCH 500
/* Senders named in a conversation's row; more are "…". */
#define THREAD_NAMES 4

/* ---- ids from headers ---- */

/* The next "<id>" of *p, brackets included, well formed: printable ASCII
 * without white space or brackets, 1 to THREAD_ID_MAX bytes. Anything else
 * (a bare word, a comment, a broken or huge id) is skipped. */
static int next_id(const char **p, const char **start, size_t *len)
{
	const char *s = *p;
	while ((s = strchr(s, '<'))) {
		const char *q = s + 1;
		while (*q > ' ' && *q < 0x7f && *q != '<' && *q != '>')
			q++;
		if (*q == '>' && q > s + 1 && (size_t)(q - s - 1) <= THREAD_ID_MAX) {
			*start = s;
			*len = (size_t)(q - s) + 1;
			*p = q + 1;
			return 1;
		}
		s = *q == '<' ? q : q + (*q != '\0');
		if (!*q)
			break;
	}
	*p = s ? s : *p + strlen(*p);
	return 0;
}

void maildir_thread_ids(const char *raw, int first, char *out, size_t outlen)
{
	const char *p = raw ? raw : "", *s;
	size_t len, o = 0;
	out[0] = '\0';
	while (next_id(&p, &s, &len)) {
		if (o + (o > 0) + len >= outlen)
			break;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, s, len);
		o += len;
		out[o] = '\0';
		if (first)
			break;
	}
}

/* Appends id to out (space separated) unless it is there already. */
static void refs_add(char *out, size_t outlen, const char *id, size_t len)
{
	size_t o = strlen(out);
	for (const char *p = out; (p = strstr(p, "<")); p++) {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && memcmp(p, id, len) == 0)
			return;
	}
	if (o + (o > 0) + len >= outlen)
		return;
	if (o > 0)
		out[o++] = ' ';
	memcpy(out + o, id, len);
	out[o + len] = '\0';
}

void maildir_thread_refs(const char *references, const char *in_reply_to, char *out,
			 size_t outlen)
{
	const char *p, *s;
	size_t len, count = 0, i = 0;

	out[0] = '\0';
	for (p = references ? references : ""; next_id(&p, &s, &len);)
		count++;
	/* Beyond THREAD_REFS_COUNT - 1: the root, then the last ones. */
	size_t skip_to = count > THREAD_REFS_COUNT - 1 ? count - (THREAD_REFS_COUNT - 2) : 0;
	for (p = references ? references : ""; next_id(&p, &s, &len); i++)
		if (i == 0 || i >= skip_to)
			refs_add(out, outlen, s, len);
	p = in_reply_to ? in_reply_to : "";
	if (next_id(&p, &s, &len))
		refs_add(out, outlen, s, len);
}

/* ---- threading ---- */

struct threader {
	struct maildir *md;
	sqlite3_stmt *look, *next, *bump, *set, *merge_messages, *merge_ids, *placeholder, *own;
};

static void threader_free(struct threader *t)
{
	sqlite3_finalize(t->look);
	sqlite3_finalize(t->next);
	sqlite3_finalize(t->bump);
	sqlite3_finalize(t->set);
	sqlite3_finalize(t->merge_messages);
	sqlite3_finalize(t->merge_ids);
	sqlite3_finalize(t->placeholder);
	sqlite3_finalize(t->own);
}

static int threader_init(struct threader *t, struct maildir *md, struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->md = md;
	if (maildir_index_prepare(md, "SELECT thread, owner FROM thread_ids WHERE msgid = ?",
				  &t->look, e) < 0 ||
	    maildir_index_prepare(md, "SELECT n FROM thread_next", &t->next, e) < 0 ||
	    maildir_index_prepare(md, "UPDATE thread_next SET n = n + 1", &t->bump, e) < 0 ||
	    maildir_index_prepare(md, "UPDATE messages SET thread = ?1 WHERE rowid = ?2", &t->set,
				  e) < 0 ||
	    maildir_index_prepare(md, "UPDATE messages SET thread = ?1 WHERE thread = ?2 AND thread <> 0",
				  &t->merge_messages, e) < 0 ||
	    maildir_index_prepare(md, "UPDATE thread_ids SET thread = ?1 WHERE thread = ?2",
				  &t->merge_ids, e) < 0 ||
	    maildir_index_prepare(md, "INSERT OR IGNORE INTO thread_ids VALUES (?1, ?2, NULL)",
				  &t->placeholder, e) < 0 ||
	    maildir_index_prepare(md, "INSERT OR REPLACE INTO thread_ids VALUES (?1, ?2, ?3)",
				  &t->own, e) < 0) {
		threader_free(t);
		return -1;
	}
	return 0;
}

/* Runs a statement that returns nothing; its bindings are cleared after. */
static int run(struct threader *t, sqlite3_stmt *st, struct err *e)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return maildir_index_error(t->md, e, "cannot thread the mail index");
	return 0;
}

/* The conversation of id (0: unknown) and whether a message owns it
 * (*owner: 0 none, 1 `self`, 2 another message). */
static int look_up(struct threader *t, const char *id, size_t len, const char *self,
		   long long *thread, int *owner, struct err *e)
{
	*thread = 0;
	*owner = 0;
	sqlite3_bind_text(t->look, 1, id, (int)len, SQLITE_STATIC);
	int rc = sqlite3_step(t->look);
	if (rc == SQLITE_ROW) {
		*thread = sqlite3_column_int64(t->look, 0);
		const char *o = (const char *)sqlite3_column_text(t->look, 1);
		*owner = !o ? 0 : strcmp(o, self) == 0 ? 1 : 2;
	}
	sqlite3_reset(t->look);
	sqlite3_clear_bindings(t->look);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(t->md, e, "cannot read the mail index");
	return 0;
}

static int new_thread(struct threader *t, long long *thread, struct err *e)
{
	int rc = sqlite3_step(t->next);
	*thread = rc == SQLITE_ROW ? sqlite3_column_int64(t->next, 0) : 0;
	sqlite3_reset(t->next);
	if (rc != SQLITE_ROW || *thread <= 0)
		return maildir_index_error(t->md, e, "cannot read the mail index");
	return run(t, t->bump, e);
}

/* Threads one message (rowid; its unique id, Message-ID and references). */
static int thread_one(struct threader *t, sqlite3_int64 rowid, const char *self,
		      const char *msgid, const char *refs, struct err *e)
{
	long long thread = 0, own_thread = 0, found;
	int owner, own_owner = 0;
	const char *p, *s;
	size_t len;
	size_t msgid_len = strlen(msgid);

	for (p = refs; !thread && next_id(&p, &s, &len);) {
		if (len == msgid_len && memcmp(s, msgid, len) == 0)
			continue; /* a message that refers to itself */
		if (look_up(t, s, len, self, &found, &owner, e) < 0)
			return -1;
		thread = found;
	}
	if (msgid[0]) {
		if (look_up(t, msgid, msgid_len, self, &own_thread, &own_owner, e) < 0)
			return -1;
		if (own_owner == 2)
			own_thread = 0; /* another message's id: not this one's to follow */
	}
	if (!thread)
		thread = own_thread;
	if (!thread && new_thread(t, &thread, e) < 0)
		return -1;
	/* Its replies came first and started a conversation of their own. */
	if (own_thread && own_thread != thread) {
		sqlite3_bind_int64(t->merge_messages, 1, thread);
		sqlite3_bind_int64(t->merge_messages, 2, own_thread);
		sqlite3_bind_int64(t->merge_ids, 1, thread);
		sqlite3_bind_int64(t->merge_ids, 2, own_thread);
		if (run(t, t->merge_messages, e) < 0 || run(t, t->merge_ids, e) < 0)
			return -1;
	}
	sqlite3_bind_int64(t->set, 1, thread);
	sqlite3_bind_int64(t->set, 2, rowid);
	if (run(t, t->set, e) < 0)
		return -1;
	for (p = refs; next_id(&p, &s, &len);) {
		if (len == msgid_len && memcmp(s, msgid, len) == 0)
			continue;
		sqlite3_bind_text(t->placeholder, 1, s, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(t->placeholder, 2, thread);
		if (run(t, t->placeholder, e) < 0)
			return -1;
	}
	if (msgid[0] && own_owner != 2) {
		sqlite3_bind_text(t->own, 1, msgid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(t->own, 2, thread);
		sqlite3_bind_text(t->own, 3, self, -1, SQLITE_STATIC);
		if (run(t, t->own, e) < 0)
			return -1;
	}
	return 0;
}

struct pending {
	sqlite3_int64 rowid;
	char *id, *msgid, *refs;
};

static void pending_free(struct pending *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].msgid);
		free(v[i].refs);
	}
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return strdup(s ? s : "");
}

/* Threads the folder's messages that are not yet, a batch per transaction.
 * A batch is read whole before it is threaded: threading changes the index
 * the batch is read along. */
static int thread_pending(struct maildir *md, const char *folder, struct err *e)
{
	struct pending *v = calloc(THREAD_BATCH, sizeof(*v));
	struct threader t;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int ret = -1, rc;

	if (!v)
		return err_set(e, "out of memory");
	for (;;) {
		if (maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0)
			break;
		if (maildir_index_prepare(md, "SELECT rowid, id, msgid, refs FROM messages"
					  " WHERE folder = ? AND thread = 0 ORDER BY rowid LIMIT ?",
					  &st, e) < 0)
			goto fail;
		sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, THREAD_BATCH);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < THREAD_BATCH) {
			v[n].rowid = sqlite3_column_int64(st, 0);
			v[n].id = column_dup(st, 1);
			v[n].msgid = column_dup(st, 2);
			v[n].refs = column_dup(st, 3);
			n++;
			if (!v[n - 1].id || !v[n - 1].msgid || !v[n - 1].refs) {
				err_set(e, "out of memory");
				goto fail;
			}
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			maildir_index_error(md, e, "cannot read the mail index");
			goto fail;
		}
		if (n == 0) {
			ret = maildir_index_commit(md, e);
			break;
		}
		if (threader_init(&t, md, e) < 0)
			goto fail;
		for (size_t i = 0; i < n; i++)
			if (thread_one(&t, v[i].rowid, v[i].id, v[i].msgid, v[i].refs, e) < 0) {
				threader_free(&t);
				goto fail;
			}
		threader_free(&t);
		pending_free(v, n);
		n = 0;
		if (maildir_index_commit(md, e) < 0)
			break;
	}
	free(v);
	return ret;
fail:
	sqlite3_finalize(st);
	pending_free(v, n);
	free(v);
	maildir_index_rollback(md);
	return -1;
}

/* ---- lists ---- */

/* As maildir_list_orders, on each conversation's newest message (the bare
 * columns of a max(date) group are that row's). */
static const char *const thread_orders[MAIL_SORT_COUNT][2] = {
	[MAIL_SORT_DATE] = { "last DESC, thread DESC", "last, thread" },
	[MAIL_SORT_FROM] = { "from_sort DESC, last DESC, thread DESC", "from_sort, last, thread" },
	[MAIL_SORT_SUBJECT] = { "subject_sort DESC, last DESC, thread DESC",
				"subject_sort, last, thread" },
	[MAIL_SORT_TO] = { "to_sort DESC, last DESC, thread DESC", "to_sort, last, thread" },
};

static int grow(struct mail_summary **v, size_t *cap, size_t nv, size_t limit, struct err *e)
{
	if (nv < *cap)
		return 0;
	size_t more = *cap ? *cap * 2 : (limit && limit < 64 ? limit : 64);
	struct mail_summary *w = realloc(*v, more * sizeof(**v));
	if (!w)
		return err_set(e, "out of memory");
	*v = w;
	*cap = more;
	return 0;
}

/* The senders of a conversation, newest first, each once. */
static int thread_names(struct maildir *md, sqlite3_stmt *st, const char *folder,
			struct mail_summary *s, struct err *e)
{
	char names[THREAD_NAMES][sizeof(s->from)];
	size_t count = 0, o = 0;
	int rc, more = 0;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->thread);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t i;
		if (!name || !name[0])
			continue;
		for (i = 0; i < count && strcmp(names[i], name) != 0; i++)
			;
		if (i < count)
			continue;
		if (count == THREAD_NAMES) {
			more = 1;
			break;
		}
		snprintf(names[count++], sizeof(names[0]), "%s", name);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	if (count == 0)
		return 0;
	s->from[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		int w = snprintf(s->from + o, sizeof(s->from) - o, "%s%s", i ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= sizeof(s->from) - o) {
			more = 1;
			break;
		}
		o += (size_t)w;
	}
	if (more && o + 4 < sizeof(s->from))
		snprintf(s->from + o, sizeof(s->from) - o, "%s", ", \u2026");
	return 0;
}

static int threads_once(struct maildir *md, const char *folder, enum mail_sort sort,
			int ascending, size_t offset, size_t limit, struct mail_summary **out,
			size_t *n, long *total, struct err *e)
{
	char dir[PATH_MAX], sql[768];
	struct mail_summary *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st = NULL, *cnt = NULL, *names = NULL;
	int rc;

	if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if ((rc = maildir_sync_or_defer(md, folder, dir, e)) != 0)
		return rc < 0 ? -1 : MAILDIR_COLD;
	if (thread_pending(md, folder, e) < 0)
		return -1;
	int w = snprintf(sql, sizeof(sql),
			 "SELECT %s, thread, count(*), sum((flags & 1) = 0), max(date) AS last"
			 " FROM messages WHERE folder = ? AND thread <> 0 GROUP BY thread ORDER BY %s"
			 " LIMIT ? OFFSET ?",
			 maildir_summary_columns, thread_orders[sort][ascending ? 1 : 0]);
	if (w < 0 || (size_t)w >= sizeof(sql))
		return err_set(e, "conversations: the query is too long");
	/* One read transaction: the page and the total agree. */
	if (maildir_index_exec(md, "BEGIN", e) < 0)
		return -1;
	if (maildir_index_prepare(md, "SELECT count(DISTINCT thread) FROM messages"
				  " WHERE folder = ? AND thread <> 0", &cnt, e) < 0 ||
	    maildir_index_prepare(md, "SELECT CASE WHEN from_name <> '' THEN from_name ELSE"
				  " from_addr END FROM messages WHERE folder = ? AND thread = ? AND thread <> 0"
				  " ORDER BY date DESC LIMIT 100", &names, e) < 0 ||
	    maildir_index_prepare(md, sql, &st, e) < 0)
		goto fail;
	sqlite3_bind_text(cnt, 1, folder, -1, SQLITE_STATIC);
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		maildir_index_error(md, e, "cannot read the mail index");
		goto fail;
	}
	*total = (long)sqlite3_column_int64(cnt, 0);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, offset > INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow(&v, &cap, nv, limit, e) < 0)
			goto fail;
		struct mail_summary *s = &v[nv++];
		maildir_summary_from_row(st, s);
		s->thread = sqlite3_column_int64(st, MAILDIR_SUMMARY_NCOLS);
		s->thread_count = (long)sqlite3_column_int64(st, MAILDIR_SUMMARY_NCOLS + 1);
		/* Unread while any of it is. */
		if (sqlite3_column_int64(st, MAILDIR_SUMMARY_NCOLS + 2) > 0)
			s->flags &= ~(unsigned)MAIL_SEEN;
		else
			s->flags |= MAIL_SEEN;
	}
	if (rc != SQLITE_DONE) {
		maildir_index_error(md, e, "cannot read the mail index");
		goto fail;
	}
	for (size_t i = 0; i < nv; i++)
		if (v[i].thread_count > 1 && thread_names(md, names, folder, &v[i], e) < 0)
			goto fail;
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	sqlite3_finalize(names);
	maildir_index_commit(md, NULL);
	*out = v;
	*n = nv;
	return 0;
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	sqlite3_finalize(names);
	maildir_index_rollback(md);
	free(v);
	*total = 0;
	return -1;
}

int maildir_thread_list(void *be, const char *folder, enum mail_sort sort, int ascending,
			size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			long *total, struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (maildir_index_ready(md, e) == 0) {
		do
			rc = threads_once(md, folder, sort, ascending, offset, limit, out, n, total,
					  e);
		while (maildir_index_retry(md, rc, &tries, e));
		if (rc != MAILDIR_COLD && (rc == 0 || !md->index_failed))
			return rc;
	}
	/* Without the index (or before it has every message): single messages,
	 * as the list shows them then. */
	return maildir_message_list(be, folder, sort, ascending, offset, limit, out, n, total, e);
}

static int messages_once(struct maildir *md, const char *folder, long long thread,
			 struct mail_summary **out, size_t *n, struct err *e)
{
	char dir[PATH_MAX], sql[512];
	struct mail_summary *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if ((rc = maildir_sync_or_defer(md, folder, dir, e)) != 0)
		return rc < 0 ? -1 : 0; /* not threaded yet: no conversation */
	if (thread_pending(md, folder, e) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM messages WHERE folder = ? AND thread = ? AND thread <> 0"
		 " ORDER BY date, id LIMIT %d", maildir_summary_columns, MAIL_THREAD_MAX);
	if (maildir_index_prepare(md, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, thread);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow(&v, &cap, nv, MAIL_THREAD_MAX, e) < 0)
			goto fail;
		maildir_summary_from_row(st, &v[nv]);
		v[nv++].thread = thread;
	}
	if (rc != SQLITE_DONE) {
		maildir_index_error(md, e, "cannot read the mail index");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = nv;
	return 0;
fail:
	sqlite3_finalize(st);
	free(v);
	return -1;
}

int maildir_thread_messages(void *be, const char *folder, long long thread,
			    struct mail_summary **out, size_t *n, struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (maildir_index_ready(md, e) < 0)
		return -1;
	do
		rc = messages_once(md, folder, thread, out, n, e);
	while (maildir_index_retry(md, rc, &tries, e));
	return rc;
}
