/* maildir_private.h - what the parts of the Maildir back-end (maildir*.c)
 * share: the layout's constants, the handle, and each part's functions.
 * Not for use outside common/mail/.
 *
 * Layout: ROOT/DOMAIN/USER/{cur,new,tmp} is INBOX; USER/.NAME/ (with a
 * "maildirfolder" file) is the folder NAME, its name kept as UTF-8 bytes.
 * A message's id is the unique part of its file name, before ":2,FLAGS".
 *
 * The index (USER/.webmsg-index.sqlite) is only a cache of what the
 * directories hold: each folder's new/ and cur/ modification times are
 * remembered, and a folder whose directories changed is compared with the
 * index again, reading headers only of files it has not seen. When the index
 * is corrupt or of another schema it is thrown away and rebuilt. When it
 * cannot be used at all (a full disk, a read-only file system), folders and
 * messages are read from the directories: slower, but mail can be read.
 *
 * Quota: Maildir++ "maildirsize" in USER/, as Courier, Postfix and Dovecot
 * keep it: a first line with the limit ("1073741824S"), then one line
 * "BYTES COUNT" per change, negative for removals; recalculated from the
 * directories when missing, longer than 5120 bytes, of another limit, or
 * over the limit and older than 15 minutes. A message's size is carried in
 * its file name (",S=1234"), so recalculating reads directories only.
 *
 * GMime must have been initialised (g_mime_init) before a handle is opened. */
#ifndef WEBMSG_MAILDIR_PRIVATE_H
#define WEBMSG_MAILDIR_PRIVATE_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <gmime/gmime.h>
#include <sqlite3.h>

#include "webmsg/mailstore.h"

struct err;

#define INDEX_NAME ".webmsg-index.sqlite"
#define INDEX_APPLICATION_ID 0x776d6978 /* "wmix" */
/* 2: the search table; 3: the recipients (to_text); 4: threads; 5: the
 * ids of deleted messages let go (upgraded in place from 4) */
#define INDEX_VERSION 5
#define INDEX_BUSY_MS 10000
/* A folder being deleted is renamed to this first, so that no reader sees it
 * half gone; the leading ".." keeps it out of every folder list. */
#define DELETING_PREFIX "..webmsg-deleting."
/* Headers beyond this are not read for the index. */
#define HEADER_MAX (64 * 1024)
/* A directory modified this recently may change again within the same
 * timestamp tick (FAT has 2 s ticks; others a kernel tick) without its mtime
 * changing: its mtime is not trusted, and the folder is compared again. */
#define RACY_SECONDS 2
/* Messages read into the index per transaction when a folder is compared. */
#define SYNC_BATCH 1000
#define QUOTA_FILE "maildirsize"
/* The Maildir++ rules for when maildirsize is recalculated. */
#define QUOTA_FILE_MAX 5120
#define QUOTA_STALE_SECONDS (15 * 60)
#define MIB (1024.0 * 1024.0)

/* A Message-ID longer than this (between its angle brackets) is garbage and
 * threads nothing; a message's references beyond THREAD_REFS_COUNT keep the
 * first (the thread's root) and the last ones (its parents). */
#define THREAD_ID_MAX 250
#define THREAD_REFS_COUNT 20
#define THREAD_REFS_MAX (THREAD_REFS_COUNT * (THREAD_ID_MAX + 3) + 1)

enum { DIR_NEW = 0, DIR_CUR = 1 };
#define ALL_DIRS (1u << DIR_NEW | 1u << DIR_CUR)

struct maildir {
	char base[PATH_MAX]; /* ROOT/DOMAIN/USER: INBOX */
	char index_path[PATH_MAX];
	char host[128];      /* this host's name as unique names carry it */
	char address[600];   /* USER@DOMAIN, for messages to people */
	sqlite3 *sql;        /* NULL after a failed rebuild: opened again on next use */
	int broken;          /* the index answered "corrupt": rebuild before next use */
	int index_failed;    /* the index failed during the current call */
	int degraded;        /* 0, or MAILSTORE_NO_INDEX / MAILSTORE_INDEXING: the last
			      * list or read went around the index */
	long long quota;     /* bytes; 0: no limit */
	GMimeParserOptions *options;
};

/* What the index holds of a message, from its headers. */
struct meta {
	time_t date;
	char from_name[320], from_addr[320], subject[512];
	char to[320]; /* the first recipient, as the list of sent mail shows it */
	int attachment;
	char msgid[THREAD_ID_MAX + 3]; /* "<id>", or "" */
	char refs[THREAD_REFS_MAX];    /* "<a> <b> ...": References, then In-Reply-To */
};

/* A message file in new/ or cur/. */
struct entry {
	char *name;   /* file name */
	size_t idlen; /* name[0, idlen) is the id */
	int dir;      /* DIR_NEW or DIR_CUR */
	int seen;     /* found in the index */
	int dup;      /* another file has the same id */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

/* The files of a directory by id, so that comparing 100,000 of them with
 * the index is a walk and a lookup each, not two sorts. Open addressing;
 * a slot holds an index into the entries plus one, 0 when empty. */
struct id_table {
	size_t *slots;
	size_t mask;
};

#define MAILDIR_FLAGS (MAIL_SEEN | MAIL_ANSWERED | MAIL_FLAGGED | MAIL_DRAFT | MAIL_FORWARDED)

/* maildir.c: names, flags and paths */
size_t maildir_id_len(const char *name);
unsigned maildir_flags_of_name(const char *name);
int maildir_name_with_flags(const char *old, size_t idlen, unsigned set, unsigned clear,
			    char *out, size_t outlen);
void maildir_unique_name(const struct maildir *md, char *out, size_t outlen);
int maildir_folder_dir(const struct maildir *md, const char *folder, char *out, size_t outlen,
		       struct err *e);
int maildir_file_path(const char *dir, int sub, const char *name, char *out, size_t outlen,
		      struct err *e);
int maildir_folder_existing(const struct maildir *md, const char *folder, char *dir,
			    size_t dirlen, struct err *e);
int maildir_make(const char *dir, int folder, struct err *e);
int maildir_remove_tree(const char *path);
int maildir_sync_dir(const char *path, struct err *e);
extern const char *const maildir_subdirs[];
/* A handle on the same mailbox with an index connection of its own (NULL:
 * out of memory); maildir_handle_free closes either kind. */
struct maildir *maildir_handle_copy(const struct maildir *md);
void maildir_handle_free(struct maildir *md);

/* maildir_meta.c: a message's headers for the index */
void maildir_meta_parse(struct maildir *md, const char *p, size_t len, time_t fallback_date,
			struct meta *m);
int maildir_meta_read(struct maildir *md, const char *path, char *buf, struct meta *m, long *size);
char *maildir_meta_sort_key(const char *text, int subject);

/* maildir_index.c: the index and its transactions */
int maildir_index_error(struct maildir *md, struct err *e, const char *what);
int maildir_index_exec(struct maildir *md, const char *sql, struct err *e);
int maildir_index_prepare(struct maildir *md, const char *sql, sqlite3_stmt **st, struct err *e);
void maildir_index_rollback(struct maildir *md);
int maildir_index_commit(struct maildir *md, struct err *e);
void maildir_index_close(struct maildir *md);
int maildir_index_ready(struct maildir *md, struct err *e);
int maildir_index_retry(struct maildir *md, int rc, int *tries, struct err *e);

/* maildir_sync.c: directory listings, and comparing a folder with the index */
int maildir_entry_same_id(const struct entry *x, const struct entry *y);
int maildir_entries_add(struct entries *l, const char *name, int dir);
void maildir_entries_free(struct entries *l);
int maildir_entries_read(const char *dir, unsigned subs, struct entries *out, struct err *e);
/* Builds t over l, marking l's entries that share an id with another (dup);
 * free t->slots. */
int maildir_id_table_build(struct id_table *t, struct entries *l);
struct entry *maildir_id_table_find(const struct id_table *t, const struct entries *l,
				    const struct entry *x);
int maildir_sync_insert_row(struct maildir *md, sqlite3_stmt *st, const char *folder,
			    const char *name, int dir, const struct meta *m, long size,
			    struct err *e);
int maildir_sync_folder(struct maildir *md, const char *folder, const char *dir, int force,
			struct err *e);
extern const char maildir_sync_insert_sql[];

/* maildir_cold.c: a large folder never indexed: its first page from the
 * directories while a thread indexes it */
/* What a part returns when the folder is being indexed that way. */
#define MAILDIR_COLD 2
/* maildir_sync_folder, unless the folder holds many messages and has never
 * been indexed: then a thread indexes it and this returns 1 at once. */
int maildir_sync_or_defer(struct maildir *md, const char *folder, const char *dir, struct err *e);
/* 1 while a thread of this process indexes the folder. */
int maildir_cold_running(const struct maildir *md, const char *folder);

/* maildir_folder.c: folders */
int maildir_folder_count(struct maildir *md, const char *folder, long *total, long *unread,
			 struct err *e);
int maildir_folders_on_disk(struct maildir *md, struct mail_folder **v, size_t *n,
			    struct err *e);
int maildir_folders(void *be, struct mail_folder **out, size_t *n, struct err *e);
int maildir_folder_create(void *be, const char *name, struct err *e);
int maildir_folder_rename(void *be, const char *from, const char *to, struct err *e);
int maildir_folder_delete(void *be, const char *name, struct err *e);
int maildir_folder_empty(void *be, const char *name, struct err *e);

/* maildir_noindex.c: without the index */
int maildir_noindex_name_ok(const char *name, size_t len);
void maildir_noindex_count(const char *dir, long *total, long *unread);
int maildir_noindex_folders(struct maildir *md, struct mail_folder **out, size_t *n, struct err *e);
void maildir_noindex_summary(struct maildir *md, const char *dir, const struct entry *x,
			     char *buf, struct mail_summary *s);
int maildir_noindex_list(struct maildir *md, const char *folder, int ascending, size_t offset,
			 size_t limit, struct mail_summary **out, size_t *n, long *total,
			 struct err *e);

/* maildir_message.c: messages: the operations table's entries */
int maildir_message_list(void *be, const char *folder, enum mail_sort sort, int ascending,
			 size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			 long *total, struct err *e);
int maildir_message_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
			 struct err *e);
/* maildir_read.c: mailstore_structure, _part, _raw, _view and _attachment */
int maildir_read_structure(void *be, const char *folder, const char *id,
			   struct mail_structure **out, struct err *e);
int maildir_read_part(void *be, const char *folder, const char *id, const char *part,
		      size_t max, struct buf *out, struct err *e);
int maildir_read_raw(void *be, const char *folder, const char *id, size_t max,
		     struct buf *out, struct err *e);
int maildir_read_view(void *be, const char *folder, const char *id, struct mime_message **out,
		      struct err *e);
int maildir_read_attachment(void *be, const char *folder, const char *id, int index,
			    size_t max, struct buf *out, char *content_type, size_t ctlen,
			    char *filename, size_t fnlen, struct err *e);
int maildir_message_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
			    struct err *e);
int maildir_message_set_flags(void *be, const char *folder, const char *id, unsigned set,
			      unsigned clear, struct err *e);
int maildir_message_move(void *be, const char *folder, const char *id, const char *to,
			 struct err *e);
int maildir_message_remove(void *be, const char *folder, const char *id, struct err *e);
/* rename(2) that never replaces a file (RENAME_NOREPLACE where the file
 * system has it). */
int maildir_rename_new(const char *from, const char *to);
int maildir_message_deliver(void *be, const char *folder, const void *data, size_t len,
			    unsigned flags, char *id_out, size_t idlen, struct err *e);

/* maildir_search.c: full-text search; bodies indexed after the list */
int maildir_search(void *be, const char *folder, const char *query, enum mail_sort sort,
		   int ascending, size_t offset, size_t limit, struct mail_summary **out,
		   size_t *n, long *total, int *partial, struct err *e);
/* Shared with the list: the columns of a summary, and how one is read. */
extern const char maildir_summary_columns[];
#define MAILDIR_SUMMARY_NCOLS 9 /* the columns of maildir_summary_columns */
void maildir_summary_from_row(sqlite3_stmt *st, struct mail_summary *s);
extern const char *const maildir_list_orders[MAIL_SORT_COUNT][2];

/* maildir_thread.c: conversations from Message-ID, References and In-Reply-To */
/* The first well-formed "<id>" of raw (or each, with first 0, space
 * separated) into out; "" when there is none. */
void maildir_thread_ids(const char *raw, int first, char *out, size_t outlen);
/* A message's references as the index keeps them (either may be NULL). */
void maildir_thread_refs(const char *references, const char *in_reply_to, char *out,
			 size_t outlen);
int maildir_thread_list(void *be, const char *folder, enum mail_sort sort, int ascending,
			size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			long *total, struct err *e);
int maildir_thread_messages(void *be, const char *folder, long long thread,
			    struct mail_summary **out, size_t *n, struct err *e);

/* maildir_quota.c: quota (Maildir++ maildirsize) */
int maildir_quota_path(const struct maildir *md, char *out, size_t outlen);
int maildir_quota_check(struct maildir *md, size_t len, struct err *e);
void maildir_quota_add(struct maildir *md, long long bytes, long long count);
void maildir_quota_set(void *be, long long bytes);
int maildir_quota_usage(void *be, long long *bytes, long long *limit, struct err *e);

/* maildir_data.c: the user's small files of settings, USER/webmsg-NAME */
int maildir_data_read(void *be, const char *name, size_t max, char **data, size_t *len,
		      struct err *e);
int maildir_data_write(void *be, const char *name, const char *data, size_t len,
		       struct err *e);

#endif
