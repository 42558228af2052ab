/* mail_view.h - what the mail pages (list, message, folders) share. */
#ifndef WEBMSGD_MAIL_VIEW_H
#define WEBMSGD_MAIL_VIEW_H

#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

struct buf;
struct err;
struct mail_folder;
struct mailstore;
struct request;

/* The text of a notice code carried in a redirect ("" for an unknown one). */
const char *mail_view_notice(const char *code);
/* The folder the request names (argument f), INBOX by default. */
const char *mail_view_folder(struct request *r);
/* "PATH?f=FOLDER&id=ID" with both parts percent-encoded; id may be NULL. */
void mail_view_url(struct buf *b, const char *path, const char *folder, const char *id);
/* A date as the list shows it, in the time zone named zone ("": UTC): the
 * time today, else the day. */
void mail_view_date(const char *zone, time_t t, char *out, size_t len);
/* A date and time in full as the message shows it, in zone. */
void mail_view_date_long(const char *zone, time_t t, char *out, size_t len);
/* The user's settings from ms (NULL: the request's mailbox, opened for
 * this); the defaults when they cannot be read (logged). */
struct mail_prefs;
void mail_view_prefs(struct request *r, struct mailstore *ms, struct mail_prefs *p);
void mail_view_size(size_t n, char *out, size_t len);
/* One folder of a tree: label is its own name under its parent (its full
 * name where its parent is missing); children its sub-folders, rendered. */
typedef void (*mail_view_item_fn)(struct request *r, const struct mail_folder *f,
				  const char *label, const char *children, void *arg,
				  struct buf *out);
/* Renders folders (in mailstore_folders' order) as a tree with fn. */
void mail_view_tree(struct request *r, const struct mail_folder *v, size_t n,
		    mail_view_item_fn fn, void *arg, struct buf *out);
/* name without its parent's name and separator, when parent is its parent. */
const char *mail_view_child_label(const char *name, const char *parent);
/* "Work › Projects" for "Work.Projects". */
void mail_view_folder_path(const char *name, char *out, size_t outlen);
/* From folders already read: the folder list (items may be NULL) and the
 * <option>s of the folders other than current (options may be NULL; one
 * selected when its name is selected). */
void mail_view_folder_list(struct request *r, const struct mail_folder *v, size_t n,
			   const char *current, struct buf *items, struct buf *options,
			   const char *selected);
/* The folder list (items may be NULL), and the <option>s of the folders a
 * message may move to; *exists: current is one of them; *unread (unless
 * NULL) its unread messages, from the same one listing of the folders. */
int mail_view_folders(struct request *r, struct mailstore *ms, const char *current,
		      struct buf *items, struct buf *options, int *exists, long *unread,
		      struct err *e);
/* The page for a mailbox that failed: details to the log under an incident id. */
enum MHD_Result mail_view_error(struct request *r, const struct err *e);

#endif
