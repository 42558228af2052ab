/* mailstore_imap_private.h - what the parts of the IMAP mail store
 * (mailstore_imap*.c) share: its state and its commands. Private to
 * common/mail/. */
#ifndef WEBMSG_MAILSTORE_IMAP_PRIVATE_H
#define WEBMSG_MAILSTORE_IMAP_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

#include "webmsg/mailstore.h"
#include "imap_client.h"
#include "mailstore_backend.h"

struct buf;
struct err;

enum special { SP_SENT, SP_DRAFTS, SP_TRASH, SP_COUNT };

/* The order of one folder's messages, kept between pages (and requests, on
 * a kept connection): the UIDs in order, what they were sorted by, and the
 * folder as it was then (mailstore_imap_list.c checks it is still so). */
struct sorted {
	char folder[MAIL_FOLDER_MAX];
	enum mail_sort sort;
	int ascending;
	uint32_t uidvalidity, uidnext, exists;
	uint32_t *uids;
	size_t n;
};

/* What reading one part of a message needs to know of it. */
struct part_memo {
	char id[MAIL_PART_ID_MAX];
	char encoding[32];
	int is_message; /* message/rfc822: kept encoded */
};

/* The parts of the message whose structure was read last. A UID names the
 * same message for as long as its folder's UIDVALIDITY stays (RFC 3501
 * 2.3.1.1), so a page that shows a message and then reads its text part
 * asks its BODYSTRUCTURE once, and so does the next page of it. */
struct parts_known {
	char folder[MAIL_FOLDER_MAX];
	uint32_t uidvalidity, uid;
	struct part_memo *parts;
	size_t n;
};

struct imap_store {
	struct imap_client *c;
	char delim; /* the server's hierarchy separator; 0 when flat */
	char special[SP_COUNT][MAIL_FOLDER_MAX]; /* the server's names */
	char selected[MAIL_FOLDER_MAX];           /* webmsg's name, "" : none */
	struct sorted cache;
	struct parts_known parts;
	/* A message of the selected folder this request found there (0: none):
	 * a change of its flags needs no FETCH to know it is there. Forgotten
	 * at another SELECT, a removal or move, and each request's start. */
	uint32_t present;
	/* The LIST answer the logon's discovery read: the folder list of the
	 * same request takes it instead of a second LIST (NULL: none). Dropped
	 * at the next request and when a folder is made, renamed or deleted
	 * (imap_store_fresh_drop). */
	clist *fresh_list;
	/* The folders the last folder list of this request found (names and
	 * counts, NULL: none): a search of every folder needs their names, not
	 * a second LIST and STATUS of each. Dropped with fresh_list. */
	struct mail_folder *names;
	size_t nnames;
	/* A NOOP at this request's start brought the server's news (EXISTS,
	 * EXPUNGE): the folder's order is checked without another. */
	int synced;
	int no_sort; /* act as if the server had no SORT (tests) */
	/* The selected folder's conversations, kept as cache is
	 * (mailstore_imap_thread.c); NULL: none. */
	struct imap_threads *threads;
};

#define FAIL(s, r, what, e) imap_client_fail((s)->c, (r), (what), (e))

/* mailstore_imap.c: names, ids and commands */
void imap_store_cache_drop(struct imap_store *s);
void imap_store_fresh_drop(struct imap_store *s);
int imap_store_to_server(struct imap_store *s, const char *name, char *out, size_t outlen, struct err *e);
int imap_store_from_server(struct imap_store *s, const char *mb, char delim, char *out, size_t outlen);
int imap_store_uid_parse(const char *id, uint32_t *uid, struct err *e);
struct mailimap *imap_store_session(struct imap_store *s);
int imap_store_select_folder(struct imap_store *s, const char *folder, struct err *e);
struct mailimap_selection_info *imap_store_selection(struct imap_store *s);
struct mailimap_flag_list *imap_store_flag_list(unsigned flags);
int imap_store_store_flags(struct imap_store *s, struct mailimap_set *set, unsigned flags, int add,
		struct err *e);
int imap_store_expunge(struct imap_store *s, struct mailimap_set *set, struct err *e);
int imap_store_move_set(struct imap_store *s, struct mailimap_set *set, const char *to, struct err *e);
int imap_store_special_use(const struct mailimap_mailbox_list *mb, int *selectable);
/* mailstore_imap_message.c: forgets s->parts (at the close). */
void imap_store_parts_drop(struct imap_store *s);
/* mailstore_imap_list.c: the summaries of messages uids in the selected
 * folder, as many as are still there (*got). */
int imap_store_fetch_summaries(struct imap_store *s, const uint32_t *uids, size_t n,
			       struct mail_summary *out, size_t *got, struct err *e);
/* Whether the selected folder is as it was when it held exists messages and
 * uidnext was to come next (mailstore_imap_list.c): 1 yes, 0 no, -1 error. */
int imap_store_folder_unchanged(struct imap_store *s, uint32_t uidnext, uint32_t exists,
				const char *what, struct err *e);
/* mailstore_imap_list.c: s->cache made the selected folder's UIDs in this
 * order (the server's SORT, else sorted here), or found still so. */
int imap_store_sorted_uids(struct imap_store *s, const char *folder, enum mail_sort sort,
			   int ascending, struct err *e);
/* mailstore_imap_thread.c: forgets s->threads (at the close). */
void imap_store_threads_drop(struct imap_store *s);

/* mailstore_imap_thread.c: one THREAD answer (RFC 5256), flattened: the
 * UIDs of conversation i are uids[starts[i]] up to uids[starts[i + 1]]
 * (uids[n] for the last), in the server's order, dummies left out. */
struct imap_thread_answer {
	uint32_t *uids;
	size_t n;
	size_t *starts;
	size_t nthreads;
};
/* The most messages a THREAD answer may name: more is not believed. */
#define IMAP_THREAD_MSGS_MAX 2000000
/* Reads the thread lists of "THREAD ..." from p (len bytes, the word THREAD
 * already read), up to the line's end (not included): *used gets the bytes
 * read. Parenthesised lists are followed with a counter, not recursion, so
 * that nesting of any depth costs no stack; an answer that is not the
 * grammar's (a stray byte, a number 0 or past 2^32 - 1, unbalanced or empty
 * lists, more than IMAP_THREAD_MSGS_MAX numbers) is -1 with e saying why. */
int imap_thread_parse(const char *p, size_t len, size_t *used, struct imap_thread_answer *out,
		      struct err *e);
void imap_thread_answer_free(struct imap_thread_answer *a);

/* The operations of mailstore_imap_ops (mailstore_backend.h), by file. */
/* mailstore_imap_folders.c */
int mailstore_imap_folders(void *be, struct mail_folder **out, size_t *n, struct err *e);
int mailstore_imap_folder_create(void *be, const char *name, struct err *e);
int mailstore_imap_folder_rename(void *be, const char *from, const char *to, struct err *e);
int mailstore_imap_folder_delete(void *be, const char *name, struct err *e);
int mailstore_imap_folder_empty(void *be, const char *name, struct err *e);
/* mailstore_imap_list.c */
int mailstore_imap_list(void *be, const char *folder, enum mail_sort sort, int ascending,
			size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			long *total, struct err *e);
int mailstore_imap_search(void *be, const char *folder, const char *query, enum mail_sort sort,
			  int ascending, size_t offset, size_t limit, struct mail_summary **out,
			  size_t *n, long *total, int *partial, struct err *e);
/* mailstore_imap_message.c */
int mailstore_imap_path(void *be, const char *folder, const char *id, char *path,
			size_t pathlen, struct err *e);
int mailstore_imap_summary(void *be, const char *folder, const char *id,
			   struct mail_summary *out, struct err *e);
int mailstore_imap_set_flags(void *be, const char *folder, const char *id, unsigned set,
			     unsigned clear, struct err *e);
int mailstore_imap_move(void *be, const char *folder, const char *id, const char *to,
			struct err *e);
int mailstore_imap_remove(void *be, const char *folder, const char *id, struct err *e);
int mailstore_imap_deliver(void *be, const char *folder, const void *data, size_t len,
			   unsigned flags, char *id_out, size_t idlen, struct err *e);
int mailstore_imap_structure(void *be, const char *folder, const char *id,
			     struct mail_structure **out, struct err *e);
int mailstore_imap_part(void *be, const char *folder, const char *id, const char *part,
			size_t max, struct buf *out, struct err *e);
int mailstore_imap_raw(void *be, const char *folder, const char *id, size_t max,
		       struct buf *out, struct err *e);
/* mailstore_imap_thread.c */
int mailstore_imap_list_threads(void *be, const char *folder, enum mail_sort sort,
				int ascending, size_t offset, size_t limit,
				struct mail_summary **out, size_t *n, long *total, struct err *e);
int mailstore_imap_thread(void *be, const char *folder, long long thread,
			  struct mail_summary **out, size_t *n, struct err *e);

#endif
