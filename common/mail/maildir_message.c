/* maildir_message.c - the messages of a folder: a page of the list, one
 * message's file and summary, flags, moves, removal and delivery. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* ---- messages ---- */

const char maildir_summary_columns[] =
	"id, date, CASE WHEN from_name <> '' THEN from_name ELSE from_addr END, from_addr,"
	" subject, size, flags, attachment, to_text";

static void column_copy(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(out, outlen, "%s", s ? s : "");
}

void maildir_summary_from_row(sqlite3_stmt *st, struct mail_summary *s)
{
	memset(s, 0, sizeof(*s));
	column_copy(st, 0, s->id, sizeof(s->id));
	s->date = (time_t)sqlite3_column_int64(st, 1);
	column_copy(st, 2, s->from, sizeof(s->from));
	column_copy(st, 3, s->from_addr, sizeof(s->from_addr));
	column_copy(st, 4, s->subject, sizeof(s->subject));
	s->size = (long)sqlite3_column_int64(st, 5);
	s->flags = (unsigned)sqlite3_column_int(st, 6) & MAILDIR_FLAGS;
	if (sqlite3_column_int(st, 7))
		s->flags |= MAIL_HAS_ATTACHMENT;
	column_copy(st, 8, s->to, sizeof(s->to));
}

/* Ascending is exactly the reverse of descending, so that either is a
 * walk along one index, forwards or backwards. */
const char *const maildir_list_orders[MAIL_SORT_COUNT][2] = {
	[MAIL_SORT_DATE] = { "date DESC, id DESC", "date, id" },
	[MAIL_SORT_FROM] = { "from_sort DESC, date DESC, id DESC", "from_sort, date, id" },
	[MAIL_SORT_SUBJECT] = { "subject_sort DESC, date DESC, id DESC", "subject_sort, date, id" },
	[MAIL_SORT_TO] = { "to_sort DESC, date DESC, id DESC", "to_sort, date, id" },
};

static int list_once(struct maildir *md, const char *folder, enum mail_sort sort, int ascending,
		     size_t offset, size_t limit, struct mail_summary **out, size_t *n,
		     long *total, struct err *e)
{
	char dir[PATH_MAX], sql[512];
	struct mail_summary *v = NULL;
	size_t nv = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	long unread;
	int rc;

	if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if ((rc = maildir_sync_or_defer(md, folder, dir, e)) != 0)
		return rc < 0 ? -1 : MAILDIR_COLD;
	snprintf(sql, sizeof(sql), "SELECT %s FROM messages WHERE folder = ? ORDER BY %s"
		 " LIMIT ? OFFSET ?", maildir_summary_columns,
		 maildir_list_orders[sort][ascending ? 1 : 0]);
	/* One read transaction: the page and the total agree. */
	if (maildir_index_exec(md, "BEGIN", e) < 0)
		return -1;
	if (maildir_folder_count(md, folder, total, &unread, e) < 0 ||
	    maildir_index_prepare(md, sql, &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, offset > INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : (limit && limit < 64 ? limit : 64);
			struct mail_summary *more = realloc(v, cap * sizeof(*v));
			if (!more) {
				err_set(e, "out of memory");
				goto fail;
			}
			v = more;
		}
		maildir_summary_from_row(st, &v[nv++]);
	}
	if (rc != SQLITE_DONE) {
		maildir_index_error(md, e, "cannot read the mail index");
		goto fail;
	}
	sqlite3_finalize(st);
	maildir_index_commit(md, NULL);
	*out = v;
	*n = nv;
	return 0;
fail:
	sqlite3_finalize(st);
	maildir_index_rollback(md);
	free(v);
	*total = 0;
	return -1;
}

int maildir_message_list(void *be, const char *folder, enum mail_sort sort, int ascending,
			 size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			 long *total, struct err *e)
{
	struct maildir *md = be;
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (maildir_index_ready(md, e) == 0) {
		do
			rc = list_once(md, folder, sort, ascending, offset, limit, out, n, total,
				       e);
		while (maildir_index_retry(md, rc, &tries, e));
		if (rc == MAILDIR_COLD) {
			/* By arrival until the index has every message. */
			md->degraded = MAILSTORE_INDEXING;
			return maildir_noindex_list(md, folder, ascending, offset, limit, out, n,
						    total, e);
		}
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = MAILSTORE_NO_INDEX;
	return maildir_noindex_list(md, folder, ascending, offset, limit, out, n, total, e);
}

/* Where a message is now. */
struct location {
	const char *folder;  /* borrowed */
	char dir[PATH_MAX];  /* the folder's directory */
	int sub;             /* DIR_NEW or DIR_CUR */
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	struct mail_summary summary;
};

static int lookup(struct maildir *md, const char *folder, const char *id, struct location *loc,
		  int *found, struct err *e)
{
	sqlite3_stmt *st;
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s, dir, filename FROM messages WHERE folder = ?"
		 " AND id = ?", maildir_summary_columns);
	*found = 0;
	if (maildir_index_prepare(md, sql, &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, MAILDIR_SUMMARY_NCOLS + 1);
		size_t len = (size_t)sqlite3_column_bytes(st, MAILDIR_SUMMARY_NCOLS + 1);
		maildir_summary_from_row(st, &loc->summary);
		loc->sub = sqlite3_column_int(st, MAILDIR_SUMMARY_NCOLS) == DIR_CUR ? DIR_CUR
										  : DIR_NEW;
		/* The index is a file in the user's folder, which other programs
		 * (and the user, with shell access) can write: a name that is not
		 * one file of this folder, or not of this id, is not used. The
		 * next comparison of the folder drops the row. */
		if (name && maildir_noindex_name_ok(name, len) &&
		    maildir_id_len(name) == strlen(id) && strncmp(name, id, strlen(id)) == 0) {
			snprintf(loc->name, sizeof(loc->name), "%s", name);
			*found = 1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return maildir_index_error(md, e, "cannot read the mail index");
	if (*found && maildir_file_path(loc->dir, loc->sub, loc->name, loc->path, sizeof(loc->path),
				e) < 0)
		return -1;
	return 0;
}

/* Finds the message's file. The index may be behind another program (which
 * renamed it for its flags, or deleted it): when its file is not where the
 * index says, the folder is compared again. */
static int locate(struct maildir *md, const char *folder, const char *id, struct location *loc,
		  struct err *e)
{
	struct stat sb;
	int found;

	loc->folder = folder;
	if (maildir_folder_existing(md, folder, loc->dir, sizeof(loc->dir), e) < 0)
		return MAILSTORE_REFUSED;
	int cold = maildir_sync_or_defer(md, folder, loc->dir, e);
	if (cold != 0)
		return cold < 0 ? -1 : MAILDIR_COLD;
	for (int force = 0; force < 2; force++) {
		if ((force && maildir_sync_folder(md, folder, loc->dir, 1, e) < 0) ||
		    lookup(md, folder, id, loc, &found, e) < 0)
			return -1;
		/* A regular file only: never hand out a symbolic link's target. */
		if (found && lstat(loc->path, &sb) == 0 && S_ISREG(sb.st_mode))
			return 0;
	}
	err_set(e, "no such message in %s (it may have been moved or deleted)", folder);
	return MAILSTORE_REFUSED;
}

/* Finds the message in its folder's directories, without the index. */
static int dir_locate(struct maildir *md, const char *folder, const char *id,
		      struct location *loc, struct err *e)
{
	struct entries l = { 0 };
	struct entry want = { (char *)id, strlen(id), 0, 0, 0 };
	struct stat sb;
	char *buf;

	loc->folder = folder;
	if (maildir_folder_existing(md, folder, loc->dir, sizeof(loc->dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (maildir_entries_read(loc->dir, ALL_DIRS, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct entry *x = &l.v[i];
		if (!maildir_entry_same_id(x, &want) ||
		    maildir_file_path(loc->dir, x->dir, x->name, loc->path, sizeof(loc->path),
				      NULL) < 0 ||
		    lstat(loc->path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		loc->sub = x->dir;
		snprintf(loc->name, sizeof(loc->name), "%s", x->name);
		if ((buf = malloc(HEADER_MAX)))
			maildir_noindex_summary(md, loc->dir, x, buf, &loc->summary);
		free(buf);
		maildir_entries_free(&l);
		return 0;
	}
	maildir_entries_free(&l);
	err_set(e, "no such message in %s (it may have been moved or deleted)", folder);
	return MAILSTORE_REFUSED;
}

/* locate(), retried once over a rebuilt index when the index was damaged,
 * and done without the index when the index cannot be used. */
static int locate_ready(struct maildir *md, const char *folder, const char *id,
			struct location *loc, struct err *e)
{
	int rc, tries = 0;
	md->index_failed = md->degraded = 0;
	if (maildir_index_ready(md, e) == 0) {
		do
			rc = locate(md, folder, id, loc, e);
		while (maildir_index_retry(md, rc, &tries, e));
		if (rc == MAILDIR_COLD) {
			md->degraded = MAILSTORE_INDEXING;
			return dir_locate(md, folder, id, loc, e);
		}
		if (rc == 0 || !md->index_failed)
			return rc;
	}
	md->degraded = MAILSTORE_NO_INDEX;
	return dir_locate(md, folder, id, loc, e);
}

int maildir_message_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
			 struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	int rc = locate_ready(md, folder, id, &loc, e);
	if (rc < 0)
		return rc;
	if (snprintf(path, pathlen, "%s", loc.path) >= (int)pathlen)
		return err_set(e, "the path of a message is too long");
	return 0;
}

int maildir_message_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
			    struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	int rc = locate_ready(md, folder, id, &loc, e);
	if (rc == 0)
		*out = loc.summary;
	return rc;
}

/* Runs a file operation on a located message; when the file moved meanwhile
 * (another program), locates it again and tries once more. */
static int with_message(struct maildir *md, const char *folder, const char *id,
			struct location *loc,
			int (*op)(struct maildir *md, struct location *loc, void *arg), void *arg,
			struct err *e)
{
	int rc;
	for (int attempt = 0;; attempt++) {
		if ((rc = locate_ready(md, folder, id, loc, e)) < 0)
			return rc;
		errno = 0;
		if ((rc = op(md, loc, arg)) == 0)
			return 0;
		if (errno != ENOENT || attempt > 0)
			break;
	}
	return err_sys(e, "cannot change the message %s", id);
}

/* Updates the row of (folder, id) after this module changed its file: ?3 a
 * text, ?4 and ?5 numbers, as far as the statement has them. A failure is
 * left to the next comparison of the folder, which finds the file anyway. */
static void note_row(struct maildir *md, const char *sql, const char *folder, const char *id,
		     const char *text, int a, int b)
{
	sqlite3_stmt *st;
	if (!md->sql || md->broken || maildir_index_prepare(md, sql, &st, NULL) < 0)
		return;
	int params = sqlite3_bind_parameter_count(st);
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (params >= 3)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	if (params >= 5) {
		sqlite3_bind_int(st, 4, a);
		sqlite3_bind_int(st, 5, b);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		maildir_index_error(md, NULL, "");
	sqlite3_finalize(st);
}

struct flag_change {
	unsigned set, clear;
};

static int op_set_flags(struct maildir *md, struct location *loc, void *arg)
{
	const struct flag_change *fc = arg;
	char name[NAME_MAX + 1], path[PATH_MAX];
	size_t idlen = maildir_id_len(loc->name);
	unsigned old = maildir_flags_of_name(loc->name);
	unsigned now = (old | fc->set) & ~fc->clear;

	/* A message that stays unflagged stays in new/: it is still "recent". */
	if (loc->sub == DIR_NEW && now == 0 && old == 0)
		return 0;
	if (maildir_name_with_flags(loc->name, idlen, fc->set, fc->clear, name, sizeof(name)) < 0 ||
	    maildir_file_path(loc->dir, DIR_CUR, name, path, sizeof(path), NULL) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (loc->sub == DIR_CUR && strcmp(name, loc->name) == 0)
		return 0;
	if (rename(loc->path, path) < 0)
		return -1;
	note_row(md, "UPDATE messages SET filename = ?3, dir = ?4, flags = ?5"
		     " WHERE folder = ?1 AND id = ?2", loc->folder, loc->summary.id, name, DIR_CUR,
		 (int)maildir_flags_of_name(name));
	return 0;
}

int maildir_message_set_flags(void *be, const char *folder, const char *id, unsigned set,
			      unsigned clear, struct err *e)
{
	struct flag_change fc = { set & MAILDIR_FLAGS, clear & MAILDIR_FLAGS };
	struct location loc;
	return with_message(be, folder, id, &loc, op_set_flags, &fc, e);
}

/* Whether the index knows a message of this id in the folder: a file of the
 * same id with other flags, which a rename of this name would not meet. */
static int id_indexed(struct maildir *md, const char *folder, const char *id)
{
	sqlite3_stmt *st;
	if (!md->sql || md->broken ||
	    maildir_index_prepare(md, "SELECT 1 FROM messages WHERE folder = ?1 AND id = ?2", &st,
				  NULL) < 0)
		return 0;
	sqlite3_bind_text(st, 1, folder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Moves the file at loc into sub of dir under a name of its own (a new
 * unique id, the old size part and flags kept), writing that name into
 * name. */
static int move_renamed(struct maildir *md, const struct location *loc, const char *dir,
			char *name, size_t namelen)
{
	size_t idlen = maildir_id_len(loc->name);
	char path[PATH_MAX], id[NAME_MAX + 1];
	/* ",S=<size>" and what follows it in the id: quota counts it. */
	const char *size = NULL;
	for (const char *p = loc->name; p + 3 <= loc->name + idlen; p++)
		if (strncmp(p, ",S=", 3) == 0)
			size = p;
	int sizelen = size ? (int)(loc->name + idlen - size) : 0;
	for (int attempt = 0; attempt < 10; attempt++) {
		char base[MAIL_ID_MAX - 32];
		maildir_unique_name(md, base, sizeof(base));
		if (snprintf(id, sizeof(id), "%s%.*s", base, sizelen, size ? size : "") >=
			    (int)sizeof(id) ||
		    snprintf(name, namelen, "%s%s", id, loc->name + idlen) >= (int)namelen ||
		    maildir_file_path(dir, loc->sub, name, path, sizeof(path), NULL) < 0) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (maildir_rename_new(loc->path, path) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Moves without replacing anything in the target folder: a message there of
 * the same name, or of the same id with other flags, stays, and this one
 * takes a new name (and so a new id). */
static int op_move(struct maildir *md, struct location *loc, void *arg)
{
	const char *to = arg;
	char dir[PATH_MAX], path[PATH_MAX], name[NAME_MAX + 1];
	if (maildir_folder_dir(md, to, dir, sizeof(dir), NULL) < 0 ||
	    maildir_file_path(dir, loc->sub, loc->name, path, sizeof(path), NULL) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!id_indexed(md, to, loc->summary.id)) {
		if (maildir_rename_new(loc->path, path) == 0) {
			note_row(md, "UPDATE OR REPLACE messages SET folder = ?3"
				     " WHERE folder = ?1 AND id = ?2", loc->folder, loc->summary.id,
				 to, 0, 0);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	if (move_renamed(md, loc, dir, name, sizeof(name)) < 0)
		return -1;
	/* Its row goes, and a row of its new name comes from the file. */
	note_row(md, "DELETE FROM messages WHERE folder = ?1 AND id = ?2", loc->folder,
		 loc->summary.id, NULL, 0, 0);
	char *buf = malloc(HEADER_MAX);
	struct meta m;
	long size;
	sqlite3_stmt *st;
	if (buf && md->sql && !md->broken && maildir_file_path(dir, loc->sub, name, path,
							       sizeof(path), NULL) == 0 &&
	    maildir_meta_read(md, path, buf, &m, &size) == 0 &&
	    maildir_index_prepare(md, maildir_sync_insert_sql, &st, NULL) == 0) {
		maildir_sync_insert_row(md, st, to, name, loc->sub, &m, size, NULL);
		sqlite3_finalize(st);
	}
	free(buf);
	return 0;
}

int maildir_message_move(void *be, const char *folder, const char *id, const char *to,
			 struct err *e)
{
	struct maildir *md = be;
	struct location loc;
	char dir[PATH_MAX];
	if (maildir_folder_existing(md, to, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	return with_message(md, folder, id, &loc, op_move, (void *)to, e);
}

static int op_remove(struct maildir *md, struct location *loc, void *arg)
{
	struct stat sb;
	(void)arg;
	long long size = lstat(loc->path, &sb) == 0 ? (long long)sb.st_size : 0;
	if (unlink(loc->path) < 0)
		return -1;
	maildir_quota_add(md, -size, -1);
	note_row(md, "DELETE FROM messages WHERE folder = ?1 AND id = ?2", loc->folder,
		 loc->summary.id, NULL, 0, 0);
	return 0;
}

int maildir_message_remove(void *be, const char *folder, const char *id, struct err *e)
{
	struct location loc;
	return with_message(be, folder, id, &loc, op_remove, NULL, e);
}

/* Renames without replacing: two messages never share a name, but if one
 * ever did, the older must not vanish. */
int maildir_rename_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: a link fails as well when
	 * the name is taken. */
	if (link(from, to) == 0)
		return unlink(from) == 0 || errno == ENOENT ? 0 : -1;
	if (errno == EEXIST)
		return -1;
	/* Nor links: the name is checked first; a race is left open there. */
	struct stat sb;
	if (lstat(to, &sb) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

int maildir_message_deliver(void *be, const char *folder, const void *data, size_t len,
			    unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	struct maildir *md = be;
	char dir[PATH_MAX], unique[MAIL_ID_MAX], name[NAME_MAX + 1], tmp[PATH_MAX],
		path[PATH_MAX];
	struct stat sb;
	int fd, sub;

	flags &= MAILDIR_FLAGS;
	sub = flags ? DIR_CUR : DIR_NEW;
	if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	/* Every copy comes through here (delivery, Sent, Drafts): one check. */
	int refused = maildir_quota_check(md, len, e);
	if (refused < 0)
		return refused;
	for (int attempt = 0;; attempt++) {
		char base[MAIL_ID_MAX - 32];
		maildir_unique_name(md, base, sizeof(base));
		/* Its size in its name, as Maildir++ writers do: quota is counted
		 * again from directory listings alone. */
		snprintf(unique, sizeof(unique), "%s,S=%zu", base, len);
		if (id_out && strlen(unique) >= idlen)
			return err_set(e, "no room for the message id");
		if (snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, unique) >= (int)sizeof(tmp))
			return err_set(e, "the path of a message is too long");
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt >= 10)
			return err_sys(e, "cannot create a message in %s/tmp", dir);
	}
	if (flags)
		maildir_name_with_flags(unique, strlen(unique), flags, 0, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s", unique);
	if (fileio_write_all(fd, data, len) < 0 || fsync(fd) < 0 || fstat(fd, &sb) < 0) {
		err_sys(e, "cannot write a message into %s", folder);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || maildir_file_path(dir, sub, name, path, sizeof(path), NULL) < 0 ||
	    maildir_rename_new(tmp, path) < 0) {
		err_sys(e, "cannot deliver a message into %s", folder);
		unlink(tmp);
		return -1;
	}
	maildir_quota_add(md, (long long)sb.st_size, 1);
	if (id_out)
		snprintf(id_out, idlen, "%s", unique);
	/* The rename itself is durable only once the directory is synced. */
	snprintf(path, sizeof(path), "%s/%s", dir, maildir_subdirs[sub]);
	if (maildir_sync_dir(path, e) < 0)
		return -1;

	/* The index learns of it now, from the bytes at hand. */
	if (md->sql && !md->broken) {
		struct meta m;
		sqlite3_stmt *st;
		maildir_meta_parse(md, data, len < HEADER_MAX ? len : HEADER_MAX, sb.st_mtim.tv_sec,
				   &m);
		if (maildir_index_prepare(md, maildir_sync_insert_sql, &st, NULL) == 0) {
			maildir_sync_insert_row(md, st, folder, name, sub, &m, (long)sb.st_size,
						NULL);
			sqlite3_finalize(st);
		}
	}
	return 0;
}
