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

struct buf;
struct err;
struct mailstore;
struct mime_message;

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
	long long thread;     /* its conversation (> 0) in thread lists; 0 otherwise */
	long thread_count;    /* mailstore_list_threads: the conversation's messages here */
};

/* Opens user@domain's mailbox under root, creating the Maildir and the
 * special folders when missing. */
int mailstore_open(const char *root, const char *domain, const char *user, struct mailstore **out,
		   struct err *e);
/* Closes *ms (NULL after), or hands it to the release function set on it. */
void mailstore_close(struct mailstore **ms);
/* Whoever opened ms may keep it for later instead: mailstore_close then
 * calls release(ms, arg), which owns it from there and closes it with
 * mailstore_close_now when it is not to be kept (mailstore_broken: a call
 * on it failed for a cause other than a refusal, a connection that broke). */
void mailstore_set_release(struct mailstore *ms, void (*release)(struct mailstore *ms, void *arg),
			   void *arg);
void mailstore_close_now(struct mailstore **ms);
int mailstore_broken(const struct mailstore *ms);
/* Whether a store kept open is still usable (an IMAP NOOP); -1 with the
 * reason when not. Always 0 for Maildir. */
int mailstore_alive(struct mailstore *ms, struct err *e);

/* An IMAP server (mail.store imap): the settings mail.imap_server,
 * mail.imap_tls and mail.imap_ca_file, borrowed. */
struct mailstore_imap {
	const char *server;  /* host:port */
	const char *tls;     /* implicit | starttls | none (loopback only) */
	const char *ca_file; /* PEM certificates to trust; NULL or "": the system's */
	int timeout;         /* seconds for the connection and for each answer */
	int no_sort;         /* 1: sort here even when the server has SORT (tests) */
	/* The server's addresses, resolved by the parent (imap_server_resolve):
	 * connected to without a lookup; NULL or "": its name is looked up. */
	const char *addresses;
};
/* Opens user's mailbox on the IMAP server, logged on with password (LOGIN,
 * or AUTHENTICATE PLAIN); the connection is the handle's until
 * mailstore_close, and the special folders are made when missing. Returns
 * 0; -1 in plain words ("the mail server is not reachable: ...", "the mail
 * server did not answer within N s"), for the log and for a page that says
 * the mail is not reachable; -2 when the server refused the user name or
 * password. Messages there have no file: mailstore_path fails. */
int mailstore_open_imap(const struct mailstore_imap *server, const char *user,
			const char *password, struct mailstore **out, struct err *e);

/* Sub-folders: a folder's name is its parent's, MAIL_FOLDER_SEP and its own
 * ("Work.Projects" is Projects inside Work), as Maildir++ names them. */
#define MAIL_FOLDER_SEP '.'

/* INBOX first, then Drafts, Sent, Trash, then the user's folders by name;
 * each folder's sub-folders right after it (a tree, depth first). */
int mailstore_folders(struct mailstore *ms, struct mail_folder **out, size_t *n, struct err *e);
/* name is a full name: the parent (which must exist) and the new level. */
int mailstore_folder_create(struct mailstore *ms, const char *name, struct err *e);
/* Renames a user folder and its sub-folders with it ("Work" to "Jobs" makes
 * "Work.Old" "Jobs.Old"); their messages, counts and search follow. to must
 * not be taken, and its parent must exist. The special folders are neither
 * renamed nor the target. */
int mailstore_folder_rename(struct mailstore *ms, const char *from, const char *to,
			    struct err *e);
/* Deletes a user folder without sub-folders (refused while it has some):
 * its messages go to Trash first, each keeping a unique name there. */
int mailstore_folder_delete(struct mailstore *ms, const char *name, struct err *e);
/* Removes every message of the folder for good (the user's "Empty Trash");
 * its sub-folders are left alone. */
int mailstore_folder_empty(struct mailstore *ms, const char *name, struct err *e);

/* One page of a folder: newest first for MAIL_SORT_DATE unless ascending. *total
 * gets the number of messages in the folder. Free *out. */
int mailstore_list(struct mailstore *ms, const char *folder, enum mail_sort sort, int ascending,
		   size_t offset, size_t limit, struct mail_summary **out, size_t *n, long *total,
		   struct err *e);
/* Conversations: messages threaded by Message-ID, References and
 * In-Reply-To (a message joins the conversation of the first of the ids it
 * refers to that is known; a parent that arrives after its replies joins
 * theirs; a Message-ID another message already has threads nothing, so that
 * a reused one never pulls unrelated mail together; ids are never followed
 * as links, so a loop of references is harmless).
 *
 * One page of the folder's conversations, as mailstore_list gives messages:
 * each summary is the conversation's newest message, sorted as that message
 * is, with thread and thread_count set, MAIL_SEEN only when every message of
 * it is read, and from holding its senders (", " between, newest first).
 * *total gets the number of conversations. Threading the folder's new
 * messages happens here, not when they are listed, so that the first list of
 * a folder costs what it did. A back-end without conversations refuses. */
int mailstore_list_threads(struct mailstore *ms, const char *folder, enum mail_sort sort,
			   int ascending, size_t offset, size_t limit, struct mail_summary **out,
			   size_t *n, long *total, struct err *e);
/* The most messages of one conversation mailstore_thread gives. */
#define MAIL_THREAD_MAX 1000
/* The messages of conversation thread in folder, oldest first (none when
 * there is no such conversation there). Free *out. */
int mailstore_thread(struct mailstore *ms, const char *folder, long long thread,
		     struct mail_summary **out, size_t *n, struct err *e);

/* The longest search a user may type, in bytes; longer ones are cut. */
#define MAIL_SEARCH_MAX 512

/* Messages whose sender, recipients, subject, body (decoded text, HTML as
 * text) or attachment names hold every word of query (case and diacritics
 * ignored; the last word also as the start of a word), in one folder or in
 * all (folder NULL), one page as mailstore_list gives it; each summary's
 * folder is set. query is words only, never a query language: quotes, '*',
 * NEAR, parentheses and "column:" are words like any other. A query without
 * a word finds nothing. *partial gets MAIL_SEARCH_INDEXING when some bodies
 * are not indexed yet, so that those messages were matched by their sender
 * and subject only (bodies are indexed a bounded batch at a time, on
 * search), and MAIL_SEARCH_MORE when the matches were counted only up to a
 * point: there are more than *total, which is at least past this page (a
 * common word found in 100,000 messages is not counted one by one). */
#define MAIL_SEARCH_INDEXING 1
#define MAIL_SEARCH_MORE 2
int mailstore_search(struct mailstore *ms, const char *folder, const char *query,
		     enum mail_sort sort, int ascending, size_t offset, size_t limit,
		     struct mail_summary **out, size_t *n, long *total, int *partial,
		     struct err *e);

/* ---- reading one message: its structure, one part, or all of it, without
 * a file (an IMAP server has none), so that showing a text part never
 * reads a 20 MB attachment beside it. ---- */

#define MAIL_PART_ID_MAX 64 /* bytes of a part id */

/* One leaf of a message (anything not a multipart), as a page lists it. */
struct mail_part {
	char id[MAIL_PART_ID_MAX]; /* IMAP's section number: "1", "2.1"; for mailstore_part */
	char type[128];            /* "text/plain", lower case */
	char charset[64];          /* "" when none was given */
	char disposition[16];      /* "attachment", "inline", or "" when none */
	char encoding[32];         /* its transfer encoding: "base64", "7bit"; "" when none */
	char *filename;            /* as sent, decoded to UTF-8; NULL when none */
	char *content_id;          /* without <>; NULL when none */
	long size;                 /* decoded bytes (IMAP: reckoned from the encoded size) */
};

/* A message's headers (decoded, valid UTF-8, as struct mime_message has
 * them) and its leaves in depth-first order: parts[i] is attachment number
 * i + 1 of mime.h. */
struct mail_structure {
	char *from, *to, *cc, *reply_to, *from_addr, *subject;
	char *message_id, *references, *origin; /* NULL when missing */
	time_t date;  /* 0 when missing or unreadable */
	long size;    /* the whole message's bytes */
	struct mail_part *parts;
	size_t nparts;
};

/* The message's structure, read without its parts' content (Maildir: the
 * file parsed; IMAP: BODYSTRUCTURE and the header). MAILSTORE_TOO_COMPLEX
 * for a message beyond the parse limits (mime_scan.h), e saying why. */
#define MAILSTORE_TOO_COMPLEX (-3)
int mailstore_structure(struct mailstore *ms, const char *folder, const char *id,
			struct mail_structure **out, struct err *e);
void mailstore_structure_free(struct mail_structure **s);
/* Appends part's content to out, its transfer encoding (base64,
 * quoted-printable) undone; an attached message (message/rfc822) as it is.
 * Refused (mailstore_refused) with "... is larger than N bytes" when it has
 * more than max bytes, before it is read whole where the back-end can tell. */
int mailstore_part(struct mailstore *ms, const char *folder, const char *id, const char *part,
		   size_t max, struct buf *out, struct err *e);
/* Appends the whole message as it is stored, for what truly needs it
 * (forwarding it as an attachment, sending a draft, downloading it):
 * refused as mailstore_part when it has more than max bytes. */
int mailstore_raw(struct mailstore *ms, const char *folder, const char *id, size_t max,
		  struct buf *out, struct err *e);

/* What a page shows of a message (mime.h's struct mime_message: the text,
 * the HTML, the attachments), read through the calls above: on IMAP only
 * the header, the structure and the text and HTML parts are fetched.
 * MAILSTORE_TOO_COMPLEX as mailstore_structure. Free with
 * mime_message_free. */
int mailstore_view(struct mailstore *ms, const char *folder, const char *id,
		   struct mime_message **out, struct err *e);
/* Attachment number index (struct mime_attachment's) appended to out,
 * decoded, at most max bytes; its type and file name (as mime.h names
 * them) into content_type and filename. */
int mailstore_attachment(struct mailstore *ms, const char *folder, const char *id, int index,
			 size_t max, struct buf *out, char *content_type, size_t ctlen,
			 char *filename, size_t fnlen, struct err *e);

/* Maildir only: the message's file (a path stays valid until the message is
 * moved, flagged or deleted), for tests and tools that look at the Maildir
 * itself; pages read with the calls above, which every back-end has. */
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
/* Why the last list or read was served from the folders' directories,
 * sorted by arrival only: 0 when it was not. */
enum mailstore_degraded {
	/* The index cannot be used (a full disk, a read-only file system):
	 * changes may fail. */
	MAILSTORE_NO_INDEX = 1,
	/* A large folder seen for the first time is being indexed in the
	 * background: sorting and search are complete once it is done. */
	MAILSTORE_INDEXING = 2,
};
int mailstore_degraded(const struct mailstore *ms);

/* A folder name a user may create: each level (between MAIL_FOLDER_SEP)
 * valid UTF-8, not empty, not beginning or ending with white space, without
 * '/' or control characters; the whole under MAIL_FOLDER_MAX bytes; the top
 * level not a special folder's name (in any case). */
int mailstore_folder_name_ok(const char *name, struct err *e);
/* The full name of a folder the user called `typed` inside parent (NULL or
 * "" for the top level): typed is trimmed of white space, and must be one
 * level (no MAIL_FOLDER_SEP); e says what is allowed when it is not. */
int mailstore_folder_join(const char *parent, const char *typed, char *out, size_t outlen,
			  struct err *e);
/* A folder's own name, the last level of name (borrowed from name). */
const char *mailstore_folder_leaf(const char *name);
/* How deep the folder is: 0 for a top-level folder. */
int mailstore_folder_depth(const char *name);
/* 1 for INBOX, Sent, Drafts and Trash: never renamed or deleted. */
int mailstore_folder_special(const char *name);

/* ---- what a user chose, kept with the mail (never in the configuration
 * database: whoever serves the mail pages may not open that). ---- */

#define MAIL_PREFS_NAME_MAX 128       /* bytes of a display name, UTF-8 */
#define MAIL_PREFS_SIGNATURE_MAX 2048 /* bytes of a signature */
#define MAIL_PREFS_ZONE_MAX 64        /* an IANA time zone name */
#define MAIL_PREFS_PER_PAGE_MIN 10
#define MAIL_PREFS_PER_PAGE_MAX 200
#define MAIL_PREFS_PER_PAGE_DEFAULT 50
/* Addresses remembered as the user's recent recipients. */
#define MAIL_RECENT_MAX 200
#define MAIL_ADDRESS_MAX 320

struct mail_prefs {
	char display_name[MAIL_PREFS_NAME_MAX]; /* "" : the bare address */
	char signature[MAIL_PREFS_SIGNATURE_MAX]; /* plain text, "\n" between lines */
	char zone[MAIL_PREFS_ZONE_MAX];         /* "" : UTC */
	long per_page;
	int plain_first; /* show a message's plain text before its HTML */
	int conversations; /* lists show conversations, not single messages */
};

enum mail_prefs_field {
	MAIL_PREFS_DISPLAY_NAME,
	MAIL_PREFS_SIGNATURE,
	MAIL_PREFS_ZONE,
	MAIL_PREFS_PER_PAGE,
	MAIL_PREFS_FIELDS
};

/* What is wrong with each field, for the form to show beside it ("" for a
 * good one); count is how many are wrong. */
struct mail_prefs_problems {
	char msg[MAIL_PREFS_FIELDS][160];
	int count;
};

void mailstore_prefs_default(struct mail_prefs *p);
/* Checks every field: lengths, valid UTF-8 without control characters (the
 * signature may hold line ends and tabs), the time zone a zone of the
 * system's zoneinfo (zone_dir NULL: TZ_DIR), messages per page in range.
 * 0, or -1 with each problem in *pr (may be NULL). */
int mailstore_prefs_check(const struct mail_prefs *p, const char *zone_dir,
			  struct mail_prefs_problems *pr);
/* The user's choices; the defaults for what was never saved. A saved value
 * that no longer passes the checks (a zone removed from the system) is
 * replaced by its default. */
int mailstore_prefs_get(struct mailstore *ms, struct mail_prefs *out, struct err *e);
/* Saves them all, checked first (with TZ_DIR), atomically: a reader sees the
 * old set or the new one, never part of one. */
int mailstore_prefs_set(struct mailstore *ms, const struct mail_prefs *p, struct err *e);

/* The user's recent recipients, most recent first, at most MAIL_RECENT_MAX
 * (free *out). */
int mailstore_recent_get(struct mailstore *ms, char (**out)[MAIL_ADDRESS_MAX], size_t *n,
			 struct err *e);
/* Puts the bare addresses sent to first (again, when known already; case is
 * ignored), forgetting the oldest beyond MAIL_RECENT_MAX. */
int mailstore_recent_add(struct mailstore *ms, const char *const *addrs, size_t n,
			 struct err *e);

#endif
