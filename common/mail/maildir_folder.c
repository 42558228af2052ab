/* maildir_folder.c - the folders of a mailbox: listing with counts (a tree
 * of Maildir++ names, "Work.Projects" under "Work"), creating, renaming,
 * deleting into Trash and emptying. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* ---- folders ---- */

/* The rank of a folder's top level: the special folders first, each with
 * its sub-folders, then the user's. */
static int special_rank(const char *name)
{
	static const char *const order[] = { MAIL_INBOX, MAIL_DRAFTS, MAIL_SENT, MAIL_TRASH };
	size_t top = strcspn(name, (const char[]){ MAIL_FOLDER_SEP, '\0' });
	for (int i = 0; i < 4; i++)
		if (strlen(order[i]) == top && strncmp(name, order[i], top) == 0)
			return i;
	return 4;
}

/* Level by level, case-insensitively, a parent before its children: "Work",
 * "Work.Projects", "Work Stuff" (a '.' and a ' ' never compared). */
static int name_cmp(const char *x, const char *y)
{
	static const char sep[] = { MAIL_FOLDER_SEP, '\0' };
	for (;;) {
		size_t lx = strcspn(x, sep), ly = strcspn(y, sep);
		int c = strncasecmp(x, y, lx < ly ? lx : ly);
		if (c)
			return c;
		if (lx != ly)
			return lx < ly ? -1 : 1;
		x += lx;
		y += ly;
		if (!*x || !*y)
			return *x ? 1 : *y ? -1 : 0;
		x++;
		y++;
	}
}

static int folder_cmp(const void *a, const void *b)
{
	const struct mail_folder *x = a, *y = b;
	int rx = special_rank(x->name), ry = special_rank(y->name);
	if (rx != ry)
		return rx - ry;
	int c = name_cmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

int maildir_folder_count(struct maildir *md, const char *folder, long *total, long *unread,
			 struct err *e)
{
	sqlite3_stmt *st;
	*total = *unread = 0;
	if (maildir_index_prepare(md, "SELECT total, unread FROM counts WHERE folder = ?", &st, e) <
	    0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*total = (long)sqlite3_column_int64(st, 0);
		*unread = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	return 0;
}

static int exec_folder(struct maildir *md, const char *sql, const char *folder, struct err *e)
{
	sqlite3_stmt *st;
	if (maildir_index_prepare(md, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot update the mail index");
	return 0;
}

/* Forgets the messages of a folder that is gone. */
static int forget_folder(struct maildir *md, const char *folder, struct err *e)
{
	if (exec_folder(md, "DELETE FROM messages WHERE folder = ?", folder, e) < 0 ||
	    exec_folder(md, "DELETE FROM counts WHERE folder = ?", folder, e) < 0 ||
	    exec_folder(md, "DELETE FROM folders WHERE name = ?", folder, e) < 0)
		return -1;
	return 0;
}

/* Forgets folders that no longer exist (deleted by another program). */
static int forget_folders(struct maildir *md, const struct mail_folder *v, size_t n,
			  struct err *e)
{
	struct entries gone = { 0 };
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (maildir_index_prepare(md, "SELECT name FROM folders UNION SELECT folder FROM counts",
				  &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		size_t k = 0;
		while (name && k < n && strcmp(v[k].name, name) != 0)
			k++;
		if (name && k == n && maildir_entries_add(&gone, name, 0) < 0) {
			ret = err_set(e, "out of memory");
			break;
		}
	}
	sqlite3_finalize(st);
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = maildir_index_error(md, e, "cannot read the mail index");
	for (size_t i = 0; ret == 0 && i < gone.n; i++)
		ret = forget_folder(md, gone.v[i].name, e);
	maildir_entries_free(&gone);
	return ret;
}

static int folder_add(struct mail_folder **v, size_t *n, size_t *cap, const char *name)
{
	if (*n == *cap) {
		size_t more = *cap ? *cap * 2 : 16;
		struct mail_folder *p = realloc(*v, more * sizeof(**v));
		if (!p)
			return -1;
		*v = p;
		*cap = more;
	}
	memset(&(*v)[*n], 0, sizeof((*v)[*n]));
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	(*v)[*n].special = mailstore_folder_special(name);
	(*n)++;
	return 0;
}

/* Removes a tree that may already be gone (another handle finished it). */
static int remove_tree(const char *path)
{
	return maildir_remove_tree(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* A name for a message that takes a new unique part in Trash, where its own
 * is taken: its size and flags kept. */
static void fresh_name(struct maildir *md, const char *old, long long size, char *out,
		       size_t outlen)
{
	char unique[MAIL_ID_MAX - 32];
	const char *info = strstr(old, ":2,");
	maildir_unique_name(md, unique, sizeof(unique));
	snprintf(out, outlen, "%s,S=%lld%s", unique, size, info ? info : "");
}

/* Moves every message of the folder directory src (the folder's own, or one
 * being deleted) into Trash, a message whose id Trash already holds under a
 * new unique name so that both stay visible. folder: the index rows to move
 * with them (NULL: none; Trash's next comparison finds the files). Files
 * that vanish meanwhile were moved by another handle. */
static int to_trash(struct maildir *md, const char *folder, const char *src, struct err *e)
{
	struct entries have = { 0 }, trash = { 0 };
	struct id_table table = { NULL, 0 };
	sqlite3_stmt *st = NULL;
	char trash_dir[PATH_MAX];
	int ret = -1, in_tx = 0;
	size_t updated = 0;

	if (maildir_folder_dir(md, MAIL_TRASH, trash_dir, sizeof(trash_dir), e) < 0 ||
	    maildir_make(trash_dir, 1, e) < 0 ||
	    maildir_entries_read(src, ALL_DIRS, &have, e) < 0 ||
	    maildir_entries_read(trash_dir, ALL_DIRS, &trash, e) < 0)
		goto out;
	if (have.n == 0) {
		ret = 0;
		goto out;
	}
	if (maildir_id_table_build(&table, &trash) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	/* Marks entries of src that share an id (new/ and cur/): one is renamed. */
	struct id_table mine = { NULL, 0 };
	if (maildir_id_table_build(&mine, &have) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	free(mine.slots);
	/* The index is a cache: when it cannot follow, Trash's next comparison
	 * reads the moved files. */
	if (folder && md->sql && !md->broken &&
	    maildir_index_exec(md, "BEGIN IMMEDIATE", NULL) == 0) {
		in_tx = 1;
		if (maildir_index_prepare(md, "UPDATE OR REPLACE messages SET folder = ?3, id = ?4,"
					  " filename = ?5 WHERE folder = ?1 AND id = ?2", &st,
					  NULL) < 0)
			st = NULL;
	}
	for (size_t i = 0; i < have.n; i++) {
		const struct entry *x = &have.v[i];
		char from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 1];
		struct stat sb;
		int renamed = x->dup || maildir_id_table_find(&table, &trash, x);
		if (maildir_file_path(src, x->dir, x->name, from, sizeof(from), e) < 0)
			goto out;
		if (lstat(from, &sb) < 0) {
			if (errno == ENOENT)
				continue;
			err_sys(e, "cannot read %s", from);
			goto out;
		}
		snprintf(name, sizeof(name), "%s", x->name);
		for (int attempt = 0;; attempt++) {
			if (renamed)
				fresh_name(md, x->name, (long long)sb.st_size, name, sizeof(name));
			if (maildir_file_path(trash_dir, x->dir, name, to, sizeof(to), e) < 0)
				goto out;
			if (maildir_rename_new(from, to) == 0)
				break;
			if (errno == ENOENT)
				goto next; /* moved by another handle */
			if (errno != EEXIST || attempt >= 10) {
				err_sys(e, "cannot move a message to %s", MAIL_TRASH);
				goto out;
			}
			renamed = 1;
		}
		if (st && !x->dup) {
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, x->name, (int)x->idlen, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, MAIL_TRASH, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, name, (int)maildir_id_len(name), SQLITE_STATIC);
			sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				maildir_index_error(md, NULL, "");
				sqlite3_finalize(st);
				st = NULL;
			}
			sqlite3_reset(st);
			/* A large folder takes a while: deliveries get the index
			 * in between. */
			if (st && ++updated % SYNC_BATCH == 0 &&
			    (maildir_index_exec(md, "COMMIT", NULL) < 0 ||
			     maildir_index_exec(md, "BEGIN IMMEDIATE", NULL) < 0)) {
				sqlite3_finalize(st);
				st = NULL;
			}
		}
next:;
	}
	for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", trash_dir, maildir_subdirs[sub]);
		if (maildir_sync_dir(path, e) < 0)
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	/* What was moved is moved, also when a later message failed. */
	if (in_tx && !sqlite3_get_autocommit(md->sql))
		maildir_index_commit(md, NULL);
	free(table.slots);
	maildir_entries_free(&have);
	maildir_entries_free(&trash);
	return ret;
}

/* The folders on disk: INBOX, and each ".NAME" directory with a cur/. */
int maildir_folders_on_disk(struct maildir *md, struct mail_folder **v, size_t *n,
			    struct err *e)
{
	char dir[PATH_MAX];
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(md->base);

	if (!d)
		return err_sys(e, "cannot read %s", md->base);
	if (folder_add(v, n, &cap, MAIL_INBOX) < 0)
		goto oom;
	while ((de = readdir(d))) {
		const char *name = de->d_name + 1;
		if (strncmp(de->d_name, DELETING_PREFIX, strlen(DELETING_PREFIX)) == 0) {
			/* The rest of a folder whose deletion was cut short: its
			 * messages still go to Trash, never away. */
			if (snprintf(dir, sizeof(dir), "%s/%s", md->base, de->d_name) <
				    (int)sizeof(dir) &&
			    to_trash(md, NULL, dir, NULL) == 0)
				remove_tree(dir);
			continue;
		}
		if (de->d_name[0] != '.' || !name[0] || name[0] == '.' ||
		    strlen(name) >= MAIL_FOLDER_MAX || strcmp(name, MAIL_INBOX) == 0 ||
		    maildir_folder_existing(md, name, dir, sizeof(dir), NULL) < 0)
			continue;
		if (folder_add(v, n, &cap, name) < 0)
			goto oom;
	}
	closedir(d);
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), folder_cmp);
	return 0;
oom:
	closedir(d);
	return err_set(e, "out of memory");
}

static int folders_once(struct maildir *md, struct mail_folder **out, size_t *n, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX];
	unsigned char *cold = NULL;

	if (maildir_folders_on_disk(md, &v, &nv, e) < 0)
		goto fail;
	if (!(cold = calloc(nv ? nv : 1, 1))) {
		err_set(e, "out of memory");
		goto fail;
	}
	/* A large folder seen for the first time is counted from its file
	 * names while a thread indexes it. */
	for (size_t i = 0; i < nv; i++) {
		int rc;
		if (maildir_folder_dir(md, v[i].name, dir, sizeof(dir), e) < 0 ||
		    (rc = maildir_sync_or_defer(md, v[i].name, dir, e)) < 0)
			goto fail;
		if ((cold[i] = rc == 1))
			maildir_noindex_count(dir, &v[i].total, &v[i].unread);
	}
	if (forget_folders(md, v, nv, e) < 0 || maildir_index_exec(md, "BEGIN", e) < 0)
		goto fail;
	for (size_t i = 0; i < nv; i++)
		if (!cold[i] &&
		    maildir_folder_count(md, v[i].name, &v[i].total, &v[i].unread, e) < 0)
			goto fail;
	if (maildir_index_commit(md, e) < 0)
		goto fail;
	free(cold);
	*out = v;
	*n = nv;
	return 0;
fail:
	maildir_index_rollback(md);
	free(cold);
	free(v);
	return -1;
}

int maildir_folders(void *be, struct mail_folder **out, size_t *n, struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (maildir_index_ready(md, e) == 0) {
		do
			rc = folders_once(md, out, n, e);
		while (maildir_index_retry(md, rc, &tries, e));
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = 1;
	return maildir_noindex_folders(md, out, n, e);
}

/* Refuses a name whose parent is not a folder: a sub-folder needs one. */
static int parent_exists(struct maildir *md, const char *name, struct err *e)
{
	char parent[MAIL_FOLDER_MAX], dir[PATH_MAX];
	const char *sep = strrchr(name, MAIL_FOLDER_SEP);
	if (!sep)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(sep - name), name);
	if (maildir_folder_existing(md, parent, dir, sizeof(dir), NULL) < 0)
		return err_set(e, "there is no folder '%s' to hold '%s'", parent, sep + 1);
	return 0;
}

int maildir_folder_create(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX];
	if (parent_exists(md, name, e) < 0)
		return MAILSTORE_REFUSED;
	if (maildir_folder_dir(md, name, dir, sizeof(dir), e) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST) {
			err_set(e, "a folder named '%s' already exists", name);
			return MAILSTORE_REFUSED;
		}
		return err_sys(e, "cannot create the folder '%s'", name);
	}
	if (maildir_make(dir, 1, e) < 0) {
		maildir_remove_tree(dir);
		return -1;
	}
	return 0;
}

/* The sub-folders of name on disk, at any depth: full names. Directories
 * without cur/ too when all is set (a rename takes everything along). */
static int children(struct maildir *md, const char *name, int all, struct entries *out,
		    struct err *e)
{
	char dir[PATH_MAX];
	size_t len = strlen(name);
	struct dirent *de;
	DIR *d = opendir(md->base);
	if (!d)
		return err_sys(e, "cannot read %s", md->base);
	while ((de = readdir(d))) {
		const char *sub = de->d_name + 1;
		if (de->d_name[0] != '.' || strncmp(sub, name, len) != 0 ||
		    sub[len] != MAIL_FOLDER_SEP || !sub[len + 1])
			continue;
		if (!all && maildir_folder_existing(md, sub, dir, sizeof(dir), NULL) < 0)
			continue;
		if (maildir_entries_add(out, sub, 0) < 0) {
			closedir(d);
			return err_set(e, "out of memory");
		}
	}
	closedir(d);
	return 0;
}

/* The index follows a folder renamed on disk: its rows, counts and times
 * (a directory's rename keeps the times of its new/ and cur/), and the
 * search table through the rows' rowids, so nothing is read again. */
static int index_rename(struct maildir *md, const char *from, const char *to, struct err *e)
{
	static const char *const sql[] = {
		/* Rows of an earlier folder of the new name, gone behind our back. */
		"DELETE FROM messages WHERE folder = ?2",
		"DELETE FROM counts WHERE folder = ?2",
		"DELETE FROM folders WHERE name = ?2",
		"UPDATE messages SET folder = ?2 WHERE folder = ?1",
		"DELETE FROM counts WHERE folder = ?1",
		"UPDATE folders SET name = ?2 WHERE name = ?1",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		if (maildir_index_prepare(md, sql[i], &st, e) < 0)
			return -1;
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return maildir_index_error(md, e, "cannot update the mail index");
	}
	return 0;
}

int maildir_folder_rename(void *be, const char *from, const char *to, struct err *e)
{
	struct maildir *md = be;
	struct entries kids = { 0 };
	size_t len = strlen(from), done = 0;
	char dir[PATH_MAX], target[PATH_MAX], old_dir[PATH_MAX], new_dir[PATH_MAX];
	char names[2][MAIL_FOLDER_MAX];
	struct stat sb;
	int ret = MAILSTORE_REFUSED;

	if (maildir_folder_existing(md, from, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (parent_exists(md, to, e) < 0)
		return MAILSTORE_REFUSED;
	if (maildir_folder_dir(md, to, target, sizeof(target), e) < 0)
		return -1;
	if (lstat(target, &sb) == 0) {
		err_set(e, "a folder named '%s' already exists", to);
		return MAILSTORE_REFUSED;
	}
	if (children(md, from, 1, &kids, e) < 0)
		return -1;
	/* Every new name checked before anything moves. */
	for (size_t i = 0; i < kids.n; i++) {
		int n = snprintf(names[1], sizeof(names[1]), "%s%s", to, kids.v[i].name + len);
		if (n < 0 || (size_t)n >= sizeof(names[1])) {
			err_set(e, "the name of the folder inside it, '%s', would be longer than "
				   "%d bytes", kids.v[i].name + len + 1, MAIL_FOLDER_MAX - 1);
			goto out;
		}
		if (maildir_folder_dir(md, names[1], new_dir, sizeof(new_dir), e) < 0)
			goto out;
		if (lstat(new_dir, &sb) == 0) {
			err_set(e, "a folder named '%s' already exists", names[1]);
			goto out;
		}
	}
	ret = -1;
	if (rename(dir, target) < 0) {
		err_sys(e, "cannot rename the folder '%s'", from);
		goto out;
	}
	for (done = 0; done < kids.n; done++) {
		snprintf(names[1], sizeof(names[1]), "%s%s", to, kids.v[done].name + len);
		if (maildir_folder_dir(md, kids.v[done].name, old_dir, sizeof(old_dir), e) < 0 ||
		    maildir_folder_dir(md, names[1], new_dir, sizeof(new_dir), e) < 0)
			goto undo;
		if (rename(old_dir, new_dir) < 0) {
			err_sys(e, "cannot rename the folder '%s'", kids.v[done].name);
			goto undo;
		}
	}
	/* The index is a cache: when it cannot follow, the next folder list
	 * forgets the old names and reads the new folders. */
	if (maildir_index_ready(md, NULL) == 0 &&
	    maildir_index_exec(md, "BEGIN IMMEDIATE", NULL) == 0) {
		int failed = index_rename(md, from, to, NULL) < 0;
		for (size_t i = 0; !failed && i < kids.n; i++) {
			snprintf(names[1], sizeof(names[1]), "%s%s", to, kids.v[i].name + len);
			failed = index_rename(md, kids.v[i].name, names[1], NULL) < 0;
		}
		if (failed)
			maildir_index_rollback(md);
		else
			maildir_index_commit(md, NULL);
	}
	ret = 0;
	goto out;
undo:
	/* Never half renamed: what moved goes back. */
	while (done-- > 0) {
		snprintf(names[1], sizeof(names[1]), "%s%s", to, kids.v[done].name + len);
		if (maildir_folder_dir(md, kids.v[done].name, old_dir, sizeof(old_dir), NULL) == 0 &&
		    maildir_folder_dir(md, names[1], new_dir, sizeof(new_dir), NULL) == 0)
			rename(new_dir, old_dir);
	}
	rename(target, dir);
out:
	maildir_entries_free(&kids);
	return ret;
}

int maildir_folder_delete(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	struct entries kids = { 0 };
	char dir[PATH_MAX], gone[PATH_MAX], unique[128];

	if (maildir_folder_existing(md, name, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (children(md, name, 0, &kids, e) < 0)
		return -1;
	if (kids.n > 0) {
		err_set(e, "the folder '%s' holds %zu folder%s ('%s'%s): delete or move %s first",
			name, kids.n, kids.n == 1 ? "" : "s", kids.v[0].name + strlen(name) + 1,
			kids.n > 1 ? " and more" : "", kids.n == 1 ? "it" : "them");
		maildir_entries_free(&kids);
		return MAILSTORE_REFUSED;
	}
	maildir_unique_name(md, unique, sizeof(unique));
	if (snprintf(gone, sizeof(gone), "%s/" DELETING_PREFIX "%s", md->base, unique) >=
	    (int)sizeof(gone))
		return err_set(e, "the path of folder '%s' is too long", name);
	/* Out of sight first, in one step, so that no new mail lands in it;
	 * then its messages go to Trash, and what is left (tmp/, files of
	 * other programs) away. */
	if (rename(dir, gone) < 0)
		return err_sys(e, "cannot delete the folder '%s'", name);
	/* Open, so that the messages' rows move with them. */
	maildir_index_ready(md, NULL);
	if (to_trash(md, name, gone, e) < 0) {
		/* The folder comes back with what was not moved. */
		if (rename(gone, dir) < 0)
			return err_sys(e, "the folder '%s' was deleted, but some of its messages "
					  "are left in %s", name, gone);
		return -1;
	}
	int removed = remove_tree(gone) == 0, saved = errno;
	/* The index is a cache: a failure here is repaired by the next list. */
	if (maildir_index_ready(md, NULL) == 0)
		forget_folder(md, name, NULL);
	if (!removed) {
		errno = saved;
		return err_sys(e, "the folder '%s' was deleted, but some of its files are left "
				  "in %s (they go with the next folder list)", name, gone);
	}
	return 0;
}

int maildir_folder_empty(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	struct entries have = { 0 };
	sqlite3_stmt *st = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	int ret = 0, in_tx = 0;

	if (maildir_folder_existing(md, name, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (maildir_entries_read(dir, ALL_DIRS, &have, e) < 0)
		return -1;
	if (maildir_index_ready(md, NULL) == 0 &&
	    maildir_index_exec(md, "BEGIN IMMEDIATE", NULL) == 0) {
		in_tx = 1;
		if (maildir_index_prepare(md, "DELETE FROM messages WHERE folder = ?1 AND id = ?2",
					  &st, NULL) < 0)
			st = NULL;
	}
	for (size_t i = 0; i < have.n; i++) {
		const struct entry *x = &have.v[i];
		if (maildir_file_path(dir, x->dir, x->name, path, sizeof(path), e) < 0) {
			ret = -1;
			continue;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			ret = err_sys(e, "cannot delete a message of %s", name);
			continue;
		}
		if (st) {
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, x->name, (int)x->idlen, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				maildir_index_error(md, NULL, "");
				sqlite3_finalize(st);
				st = NULL;
			}
		}
	}
	sqlite3_finalize(st);
	if (in_tx)
		maildir_index_commit(md, NULL);
	/* Counted again at the next delivery, without these. */
	if (maildir_quota_path(md, path, sizeof(path)) == 0)
		unlink(path);
	maildir_entries_free(&have);
	return ret;
}
