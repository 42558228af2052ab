/* maildir_sync.c - comparing a folder's new/ and cur/ with the index,
 * reading headers only of the files the index has not seen. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gmime/gmime.h>
#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "maildir_private.h"

/* ---- comparing a folder with its index ---- */

int maildir_entry_same_id(const struct entry *x, const struct entry *y)
{
	return x->idlen == y->idlen && memcmp(x->name, y->name, x->idlen) == 0;
}

static size_t id_hash(const struct entry *x)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (size_t i = 0; i < x->idlen; i++)
		h = (h ^ (unsigned char)x->name[i]) * 1099511628211u;
	/* FNV's low bits mix poorly, and the table uses only those. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return (size_t)h;
}

int maildir_id_table_build(struct id_table *t, struct entries *l)
{
	size_t size = 16;
	while (size < l->n * 2)
		size *= 2;
	if (!(t->slots = calloc(size, sizeof(*t->slots))))
		return -1;
	t->mask = size - 1;
	for (size_t i = 0; i < l->n; i++) {
		size_t at = id_hash(&l->v[i]) & t->mask;
		while (t->slots[at] && !maildir_entry_same_id(&l->v[t->slots[at] - 1], &l->v[i]))
			at = (at + 1) & t->mask;
		if (!t->slots[at]) {
			t->slots[at] = i + 1;
			continue;
		}
		/* The same id in cur/ and new/ (a copy gone wrong): cur/ counts. */
		struct entry *old = &l->v[t->slots[at] - 1];
		if (l->v[i].dir == DIR_CUR) {
			old->dup = 1;
			t->slots[at] = i + 1;
		} else {
			l->v[i].dup = 1;
		}
	}
	return 0;
}

/* The entry of l with x's id, or NULL. */
struct entry *maildir_id_table_find(const struct id_table *t, const struct entries *l,
				   const struct entry *x)
{
	for (size_t at = id_hash(x) & t->mask; t->slots[at]; at = (at + 1) & t->mask)
		if (maildir_entry_same_id(&l->v[t->slots[at] - 1], x))
			return &l->v[t->slots[at] - 1];
	return NULL;
}

int maildir_entries_add(struct entries *l, const char *name, int dir)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n].name = strdup(name)))
		return -1;
	l->v[l->n].idlen = maildir_id_len(name);
	l->v[l->n].dir = dir;
	l->v[l->n].seen = l->v[l->n].dup = 0;
	l->n++;
	return 0;
}

void maildir_entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The message files in dir/new and dir/cur (those in subs). */
int maildir_entries_read(const char *dir, unsigned subs, struct entries *out, struct err *e)
{
	char path[PATH_MAX];
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		if (!(subs & (1u << sub)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, maildir_subdirs[sub]);
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, "cannot read %s", path);
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || de->d_type == DT_DIR)
				continue;
			if (maildir_id_len(de->d_name) >= MAIL_ID_MAX)
				continue;
			if (maildir_entries_add(out, de->d_name, sub) < 0) {
				closedir(d);
				return err_set(e, "out of memory");
			}
		}
		closedir(d);
	}
	return 0;
}

/* What the index holds of the folder's new/ and cur/ (those in subs). */
static int index_rows(struct maildir *md, const char *folder, unsigned subs,
		      struct entries *out, struct err *e)
{
	static const char *const sql[] = {
		[1u << DIR_NEW] = "SELECT dir, filename FROM messages WHERE folder = ? AND dir = 0",
		[1u << DIR_CUR] = "SELECT dir, filename FROM messages WHERE folder = ? AND dir = 1",
		[ALL_DIRS] = "SELECT dir, filename FROM messages WHERE folder = ?",
	};
	sqlite3_stmt *st;
	int rc;
	if (maildir_index_prepare(md, sql[subs], &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (maildir_entries_add(out, name ? name : "", sqlite3_column_int(st, 0)) < 0) {
			sqlite3_finalize(st);
			return err_set(e, "out of memory");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	return 0;
}

const char maildir_sync_insert_sql[] =
	"INSERT OR REPLACE INTO messages (folder, id, dir, filename, date, from_name, from_addr,"
	" from_sort, subject, subject_sort, size, flags, attachment, to_text, to_sort, msgid, refs)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

int maildir_sync_insert_row(struct maildir *md, sqlite3_stmt *st, const char *folder,
			    const char *name, int dir, const struct meta *m, long size,
			    struct err *e)
{
	char *from_key = maildir_meta_sort_key(m->from_name[0] ? m->from_name : m->from_addr, 0);
	char *subject_key = maildir_meta_sort_key(m->subject, 1);
	char *to_key = maildir_meta_sort_key(m->to, 0);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, (int)maildir_id_len(name), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, dir);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)m->date);
	sqlite3_bind_text(st, 6, m->from_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->from_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, from_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, m->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, subject_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, size);
	sqlite3_bind_int(st, 12, (int)maildir_flags_of_name(name));
	sqlite3_bind_int(st, 13, m->attachment);
	sqlite3_bind_text(st, 14, m->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, to_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, m->msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, m->refs, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	g_free(from_key);
	g_free(subject_key);
	g_free(to_key);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Runs a prepared statement with (folder, id) and up to two more values. */
static int run_row(struct maildir *md, sqlite3_stmt *st, const char *folder, const char *id,
		   int idlen, int dir, const char *name, struct err *e)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, idlen, SQLITE_STATIC);
	if (name) {
		sqlite3_bind_int(st, 3, dir);
		sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, (int)maildir_flags_of_name(name));
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the mail index");
	return 0;
}

struct dir_times {
	struct timespec m[2]; /* of new/ and cur/; zero when missing */
};

static void stat_folder(const char *dir, struct dir_times *t)
{
	char path[PATH_MAX];
	struct stat sb;
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maildir_subdirs[sub]);
		if (stat(path, &sb) == 0)
			t->m[sub] = sb.st_mtim;
		else
			memset(&t->m[sub], 0, sizeof(t->m[sub]));
	}
}

/* Which of new/ and cur/ (bits 1 << DIR_NEW, 1 << DIR_CUR) changed since
 * the index last compared them: their mtimes differ from the ones it saw,
 * or those were too recent to be trusted. */
static int folder_dirty(struct maildir *md, const char *folder, const struct dir_times *t,
			unsigned *dirty, struct err *e)
{
	sqlite3_stmt *st;
	*dirty = ALL_DIRS;
	if (maildir_index_prepare(md, "SELECT new_sec, new_nsec, cur_sec, cur_nsec FROM folders"
			      " WHERE name = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*dirty = 0;
		for (int sub = DIR_NEW; sub <= DIR_CUR; sub++)
			if (sqlite3_column_int64(st, 2 * sub) != (sqlite3_int64)t->m[sub].tv_sec ||
			    sqlite3_column_int64(st, 2 * sub + 1) !=
				    (sqlite3_int64)t->m[sub].tv_nsec)
				*dirty |= 1u << sub;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	return 0;
}

static int store_times(struct maildir *md, const char *folder, const struct dir_times *t,
		       struct err *e)
{
	sqlite3_stmt *st;
	time_t now = time(NULL);
	if (maildir_index_prepare(md, "INSERT OR REPLACE INTO folders VALUES (?, ?, ?, ?, ?)", &st,
				  e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		/* Racy times are not remembered: the next look compares again. */
		int racy = t->m[sub].tv_sec >= now - RACY_SECONDS;
		sqlite3_bind_int64(st, 2 + 2 * sub, racy ? -1 : (sqlite3_int64)t->m[sub].tv_sec);
		sqlite3_bind_int64(st, 3 + 2 * sub, (sqlite3_int64)t->m[sub].tv_nsec);
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Brings the index of one folder up to date with its directories: files it
 * has not seen are read and added, vanished ones dropped, renamed ones (new
 * flags, new/ to cur/) updated. Only a directory that changed since the last
 * time is read (new mail changes new/ alone, and cur/ may hold 100,000
 * files); force reads both. A file that changes directory changes both. */
int maildir_sync_folder(struct maildir *md, const char *folder, const char *dir, int force,
			struct err *e)
{
	struct dir_times t;
	struct entries disk = { 0 }, rows = { 0 };
	sqlite3_stmt *ins = NULL, *del = NULL, *upd = NULL;
	char *buf = NULL;
	struct id_table table = { NULL, 0 };
	unsigned dirty = ALL_DIRS;
	int ret = -1;
	size_t parsed = 0;

	/* Before reading the directories: a change while they are read moves
	 * the times on, and the next look compares again. */
	stat_folder(dir, &t);
	if (!force) {
		if (folder_dirty(md, folder, &t, &dirty, e) < 0)
			return -1;
		if (!dirty)
			return 0;
	}
	if (maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	/* Another handle may have compared while this one waited for the lock. */
	if (!force) {
		if (folder_dirty(md, folder, &t, &dirty, e) < 0)
			goto out;
		if (!dirty) {
			ret = 0;
			goto out;
		}
	}
	if (maildir_entries_read(dir, dirty, &disk, e) < 0 ||
	    index_rows(md, folder, dirty, &rows, e) < 0)
		goto out;
	if (maildir_index_prepare(md, maildir_sync_insert_sql, &ins, e) < 0 ||
	    maildir_index_prepare(md, "DELETE FROM messages WHERE folder = ? AND id = ?", &del, e) <
		    0 ||
	    maildir_index_prepare(md,
				  "UPDATE messages SET dir = ?3, filename = ?4, flags = ?5"
				  " WHERE folder = ?1 AND id = ?2",
				  &upd, e) < 0)
		goto out;
	if (!(buf = malloc(HEADER_MAX))) {
		err_set(e, "out of memory");
		goto out;
	}
	if (maildir_id_table_build(&table, &disk) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	/* What the index holds: still there, renamed (flags, new/ to cur/), or gone. */
	for (size_t j = 0; j < rows.n; j++) {
		const struct entry *r = &rows.v[j];
		struct entry *d = maildir_id_table_find(&table, &disk, r);
		if (!d) {
			if (run_row(md, del, folder, r->name, (int)r->idlen, 0, NULL, e) < 0)
				goto out;
			continue;
		}
		d->seen = 1;
		if (d->dir == r->dir && strcmp(d->name, r->name) == 0)
			continue;
		if (run_row(md, upd, folder, d->name, (int)d->idlen, d->dir, d->name, e) < 0)
			goto out;
	}
	/* What it does not hold yet: read, unless another file has the same id. */
	for (size_t i = 0; i < disk.n; i++) {
		const struct entry *d = &disk.v[i];
		char path[PATH_MAX];
		struct meta m;
		long size;
		if (d->seen || d->dup)
			continue;
		if (maildir_file_path(dir, d->dir, d->name, path, sizeof(path), e) < 0)
			goto out;
		if (maildir_meta_read(md, path, buf, &m, &size) != 0)
			continue; /* gone meanwhile: not an error */
		if (maildir_sync_insert_row(md, ins, folder, d->name, d->dir, &m, size, e) < 0)
			goto out;
		/* Reading a large new folder takes seconds: let deliveries in
		 * between now and then. What is committed stays valid. */
		if (++parsed % SYNC_BATCH == 0 &&
		    (maildir_index_exec(md, "COMMIT", e) < 0 ||
		     maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0))
			goto out;
	}
	if (store_times(md, folder, &t, e) < 0)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sqlite3_finalize(upd);
	free(buf);
	free(table.slots);
	maildir_entries_free(&disk);
	maildir_entries_free(&rows);
	if (ret == 0)
		return maildir_index_commit(md, e);
	maildir_index_rollback(md);
	return -1;
}
