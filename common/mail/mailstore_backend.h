/* mailstore_backend.h - the table of operations a mail store back-end
 * implements (Maildir now, IMAP later); private to common/mail/. */
#ifndef WEBMSG_MAILSTORE_BACKEND_H
#define WEBMSG_MAILSTORE_BACKEND_H

#include <stddef.h>

#include "webmsg/mailstore.h"

struct err;

/* For back-ends only (maildir.c, later an IMAP one), as
 * OpenSMTPD's queue back-ends: mailstore.c checks the arguments (folder names
 * and ids are non-empty, bounded, without '/' or a leading '.') and calls
 * through this table; be is the back-end's own state, made by open. A
 * back-end function returns 0, -1 when it failed (the message is for the log)
 * or MAILSTORE_REFUSED when it refused what was asked (the message is for the
 * user). */
#define MAILSTORE_REFUSED (-2)
struct mailstore_ops {
	const char *name;
	int (*open)(const char *root, const char *domain, const char *user, void **be,
		    struct err *e);
	void (*close)(void *be);
	int (*folders)(void *be, struct mail_folder **out, size_t *n, struct err *e);
	int (*folder_create)(void *be, const char *name, struct err *e);
	int (*folder_rename)(void *be, const char *from, const char *to, struct err *e);
	/* Messages to Trash, then the folder; refused when it has sub-folders. */
	int (*folder_delete)(void *be, const char *name, struct err *e);
	int (*folder_empty)(void *be, const char *name, struct err *e);
	int (*list)(void *be, const char *folder, enum mail_sort sort, int ascending,
		    size_t offset, size_t limit, struct mail_summary **out, size_t *n, long *total,
		    struct err *e);
	/* folder NULL: all folders. */
	int (*search)(void *be, const char *folder, const char *query, enum mail_sort sort,
		      int ascending, size_t offset, size_t limit, struct mail_summary **out,
		      size_t *n, long *total, int *partial, struct err *e);
	/* Conversations; NULL: the back-end has none (refused). */
	int (*list_threads)(void *be, const char *folder, enum mail_sort sort, int ascending,
			    size_t offset, size_t limit, struct mail_summary **out, size_t *n,
			    long *total, struct err *e);
	int (*thread)(void *be, const char *folder, long long thread, struct mail_summary **out,
		      size_t *n, struct err *e);
	int (*path)(void *be, const char *folder, const char *id, char *path, size_t pathlen,
		    struct err *e);
	int (*structure)(void *be, const char *folder, const char *id,
			 struct mail_structure **out, struct err *e);
	int (*part)(void *be, const char *folder, const char *id, const char *part, size_t max,
		    struct buf *out, struct err *e);
	int (*raw)(void *be, const char *folder, const char *id, size_t max, struct buf *out,
		   struct err *e);
	/* What mailstore_view and mailstore_attachment give, when the back-end
	 * has a quicker way than structure and part (Maildir: one parse of the
	 * file); NULL: made from those. */
	int (*view)(void *be, const char *folder, const char *id, struct mime_message **out,
		    struct err *e);
	int (*attachment)(void *be, const char *folder, const char *id, int index, size_t max,
			  struct buf *out, char *content_type, size_t ctlen, char *filename,
			  size_t fnlen, struct err *e);
	int (*summary)(void *be, const char *folder, const char *id, struct mail_summary *out,
		       struct err *e);
	int (*set_flags)(void *be, const char *folder, const char *id, unsigned set,
			 unsigned clear, struct err *e);
	int (*move)(void *be, const char *folder, const char *id, const char *to, struct err *e);
	int (*remove)(void *be, const char *folder, const char *id, struct err *e);
	int (*deliver)(void *be, const char *folder, const void *data, size_t len, unsigned flags,
		       char *id_out, size_t idlen, struct err *e);
	void (*set_quota)(void *be, long long bytes);
	int (*usage)(void *be, long long *bytes, long long *limit, struct err *e);
	int (*degraded)(void *be);
	/* Whether a store kept open between requests still works; NULL: always. */
	int (*alive)(void *be, struct err *e);
	/* The user's small files of settings ("prefs", "recent"): *data NULL
	 * when there is none; more than max bytes is an error. Written whole,
	 * atomically, readable by the user only. */
	int (*data_read)(void *be, const char *name, size_t max, char **data, size_t *len,
			 struct err *e);
	int (*data_write)(void *be, const char *name, const char *data, size_t len,
			  struct err *e);
};

extern const struct mailstore_ops mailstore_maildir_ops;
extern const struct mailstore_ops mailstore_imap_ops;
/* mailstore_imap.c: logs on and makes its state for mailstore_imap_ops (the
 * table's open cannot: it has no credentials). 0, -1, or MAILSTORE_REFUSED
 * for refused credentials. */
int mailstore_imap_connect(const struct mailstore_imap *server, const char *user,
			   const char *password, void **be, struct err *e);

/* mailstore_view.c: mailstore_view and mailstore_attachment made from
 * mailstore_structure and mailstore_part, for back-ends without their own.
 * They return as a back-end does. */
int mailstore_view_made(struct mailstore *ms, const char *folder, const char *id,
			struct mime_message **out, struct err *e);
int mailstore_attachment_made(struct mailstore *ms, const char *folder, const char *id,
			      int index, size_t max, struct buf *out, char *content_type,
			      size_t ctlen, char *filename, size_t fnlen, struct err *e);

/* mailstore.c, for mailstore_prefs.c: the back-end's settings files. */
int mailstore_data_read(struct mailstore *ms, const char *name, size_t max, char **data,
			size_t *len, struct err *e);
int mailstore_data_write(struct mailstore *ms, const char *name, const char *data, size_t len,
			 struct err *e);

#endif
