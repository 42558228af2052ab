/* mailstore.h - a user's mail, behind one interface so that an IMAP back-end
 * can stand beside the Maildir one (the embedded default).
 *
 * Maildir: mail.root/DOMAIN/USER/ with cur/ new/ tmp/, and Maildir++ folders
 * as sub-maildirs ".Sent", ".Trash", ".Drafts", ".Work" - what Postfix
 * delivers into and Dovecot reads. Message lists come from an index kept
 * beside the Maildir and updated incrementally, so a folder of 100,000
 * messages lists as fast as one of 1,000. Another program may add, flag or
 * remove messages at any time; the index notices.
 *
 * A mailstore handle belongs to one thread at a time. */
#ifndef WEBMSG_MAILSTORE_H
#define WEBMSG_MAILSTORE_H

#include <stddef.h>
#include <time.h>

struct err;
struct mailstore;

#define MAIL_FOLDER_MAX 200 /* bytes of a folder name, UTF-8 */
#define MAIL_ID_MAX 256     /* bytes of a message id */

/* The folder names every mailbox has. */
#define MAIL_INBOX "INBOX"
#define MAIL_SENT "Sent"
#define MAIL_TRASH "Trash"
#define MAIL_DRAFTS "Drafts"

enum mail_flag {
	MAIL_SEEN = 1 << 0,     /* Maildir 'S' */
	MAIL_ANSWERED = 1 << 1, /* 'R' */
	MAIL_FLAGGED = 1 << 2,  /* 'F' */
	MAIL_DRAFT = 1 << 3,    /* 'D' */
	MAIL_FORWARDED = 1 << 4, /* 'P' ("passed"); IMAP's $Forwarded */
	MAIL_HAS_ATTACHMENT = 1 << 8, /* from the index, not a Maildir flag */
};

/* MAIL_SORT_TO: by the first recipient, what lists of sent mail show. */
enum mail_sort { MAIL_SORT_DATE, MAIL_SORT_FROM, MAIL_SORT_SUBJECT, MAIL_SORT_TO };
#define MAIL_SORT_COUNT 4

struct mail_folder {
	char name[MAIL_FOLDER_MAX]; /* "INBOX", "Sent", "Work" */
	long total, unread;
	int special; /* INBOX, Sent, Trash, Drafts: cannot be deleted */
};

struct mail_summary {
	char id[MAIL_ID_MAX]; /* stable while the message exists: its Maildir unique name */
	time_t date;          /* the Date header, else the delivery time */
	char from[320];       /* decoded display name, else the address */
	char from_addr[320];
	char subject[512];    /* decoded, UTF-8 */
	char to[320];         /* the first recipient's name, else address; " + N" for more */
	long size;
	unsigned flags;
	char folder[MAIL_FOLDER_MAX]; /* set by mailstore_search only; "" otherwise */
};

/* Opens user@domain's mailbox under root, creating the Maildir and the
 * special folders when missing. */
int mailstore_open(const char *root, const char *domain, const char *user, struct mailstore **out,
		   struct err *e);
void mailstore_close(struct mailstore **ms);

/* INBOX first, then Drafts, Sent, Trash, then the user's folders by name. */
int mailstore_folders(struct mailstore *ms, struct mail_folder **out, size_t *n, struct err *e);
int mailstore_folder_create(struct mailstore *ms, const char *name, struct err *e);
/* Deletes a user folder and the messages in it. */
int mailstore_folder_delete(struct mailstore *ms, const char *name, struct err *e);

/* One page of a folder: newest first for MAIL_SORT_DATE unless ascending. *total
 * gets the number of messages in the folder. Free *out. */
int mailstore_list(struct mailstore *ms, const char *folder, enum mail_sort sort, int ascending,
		   size_t offset, size_t limit, struct mail_summary **out, size_t *n, long *total,
		   struct err *e);
/* The longest search a user may type, in bytes; longer ones are cut. */
#define MAIL_SEARCH_MAX 512

/* Messages whose sender, recipients, subject, body (decoded text, HTML as
 * text) or attachment names hold every word of query (case and diacritics
 * ignored; the last word also as the start of a word), in one folder or in
 * all (folder NULL), one page as mailstore_list gives it; each summary's
 * folder is set. query is words only, never a query language: quotes, '*',
 * NEAR, parentheses and "column:" are words like any other. A query without
 * a word finds nothing. *partial gets 1 when some bodies are not indexed
 * yet, so that those messages were matched by their sender and subject only
 * (bodies are indexed a bounded batch at a time, on search). */
int mailstore_search(struct mailstore *ms, const char *folder, const char *query,
		     enum mail_sort sort, int ascending, size_t offset, size_t limit,
		     struct mail_summary **out, size_t *n, long *total, int *partial,
		     struct err *e);

/* The message's file, for reading (a path stays valid until the message is
 * moved, flagged or deleted). */
int mailstore_path(struct mailstore *ms, const char *folder, const char *id, char *path,
		   size_t pathlen, struct err *e);
int mailstore_summary(struct mailstore *ms, const char *folder, const char *id,
		      struct mail_summary *out, struct err *e);
int mailstore_set_flags(struct mailstore *ms, const char *folder, const char *id, unsigned set,
			unsigned clear, struct err *e);
int mailstore_move(struct mailstore *ms, const char *folder, const char *id, const char *to,
		   struct err *e);
/* Removes the message for good. */
int mailstore_delete(struct mailstore *ms, const char *folder, const char *id, struct err *e);
/* Writes a message into tmp/, fsyncs it and renames it into new/ (or cur/
 * with flags), so that a reader never sees half a message. id_out may be NULL. */
int mailstore_deliver(struct mailstore *ms, const char *folder, const void *data, size_t len,
		      unsigned flags, char *id_out, size_t idlen, struct err *e);

/* The most bytes of mail the mailbox may hold, all folders together; 0: no
 * limit (the default). Kept as Maildir++ keeps it ("maildirsize", as Postfix
 * and Dovecot do): a delivery that would pass it is refused with "the
 * mailbox of USER@DOMAIN is full: N MB of M MB". */
void mailstore_set_quota(struct mailstore *ms, long long bytes);
/* The mail the mailbox holds now, and its limit (0: none). */
int mailstore_usage(struct mailstore *ms, long long *bytes, long long *limit, struct err *e);

/* After a call that failed: 1 when it was refused because of what was asked
 * (a full mailbox, a folder name taken or not allowed, a message that is not
 * there), so that its message is for the user; 0 when the store itself
 * failed, and the message (paths, causes) is for the log only. */
int mailstore_refused(const struct mailstore *ms);
/* 1 when the last list or read was served from the folders' directories
 * because the index could not be used (a full disk, a read-only file
 * system): the listing is sorted by arrival only, and changes may fail. */
int mailstore_degraded(const struct mailstore *ms);

/* A folder name a user may create: not empty, no '/', no leading '.', no
 * control characters, not a special folder's name. */
int mailstore_folder_name_ok(const char *name, struct err *e);

#endif
