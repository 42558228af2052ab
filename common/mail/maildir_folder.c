/* maildir_folder.c - the folders of a mailbox: listing with counts,
 * creating and deleting Maildir++ sub-folders. */
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

static int special_rank(const char *name)
{
	static const char *const order[] = { MAIL_INBOX, MAIL_DRAFTS, MAIL_SENT, MAIL_TRASH };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, order[i]) == 0)
			return i;
	return 4;
}

static int folder_cmp(const void *a, const void *b)
{
	const struct mail_folder *x = a, *y = b;
	int rx = special_rank(x->name), ry = special_rank(y->name);
	if (rx != ry)
		return rx - ry;
	int c = strcasecmp(x->name, y->name);
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
	(*v)[*n].special = special_rank(name) < 4;
	(*n)++;
	return 0;
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
			/* The rest of a folder whose deletion was cut short. */
			if (snprintf(dir, sizeof(dir), "%s/%s", md->base, de->d_name) <
			    (int)sizeof(dir))
				maildir_remove_tree(dir);
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

int maildir_folder_create(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX];
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

int maildir_folder_delete(void *be, const char *name, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX], gone[PATH_MAX], unique[128];

	if (maildir_folder_existing(md, name, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	maildir_unique_name(md, unique, sizeof(unique));
	if (snprintf(gone, sizeof(gone), "%s/" DELETING_PREFIX "%s", md->base, unique) >=
	    (int)sizeof(gone))
		return err_set(e, "the path of folder '%s' is too long", name);
	/* Out of sight first, in one step; then the files. */
	if (rename(dir, gone) < 0)
		return err_sys(e, "cannot delete the folder '%s'", name);
	/* Counted again at the next delivery, without the folder. */
	char quota_file[PATH_MAX];
	if (maildir_quota_path(md, quota_file, sizeof(quota_file)) == 0)
		unlink(quota_file);
	int removed = maildir_remove_tree(gone) == 0, saved = errno;
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
