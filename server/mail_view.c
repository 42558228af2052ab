/* mail_view.c - what the mail pages share: folder and message addresses,
 * dates and sizes as shown, the folder list (a tree of sub-folders), the
 * notices after an action and the page for a mailbox that failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "incident.h"
#include "mailbox.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/tz.h"

#include "mail_view.h"

/* What a redirect after an action may say: codes in the address, never text. */
static const struct {
	const char *code, *text;
} notices[] = {
	{ "sent", "Your message was sent." },
	{ "queued", "Your message was queued for delivery." },
	{ "deleted", "Deleted." },
	{ "trashed", "Moved to Trash." },
	{ "moved", "Moved." },
	{ "marked", "Marked." },
	{ "none", "Nothing selected." },
	{ "no_target", "Choose the folder to move to." },
	{ "unknown", "Nothing was done." },
	{ "created", "Folder created." },
	{ "renamed", "Folder renamed." },
	{ "removed", "Folder deleted; its messages are in Trash." },
	{ "emptied", "Trash emptied." },
};

const char *mail_view_notice(const char *code)
{
	for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(code, notices[i].code) == 0)
			return notices[i].text;
	return "";
}

const char *mail_view_folder(struct request *r)
{
	const char *f = http_arg(r, "f");
	return f[0] ? f : MAIL_INBOX;
}

/* "/mail/read?f=INBOX&id=..." with both parts percent-encoded. */
void mail_view_url(struct buf *b, const char *path, const char *folder, const char *id)
{
	buf_puts(b, path);
	buf_puts(b, "?f=");
	http_url_encode(b, folder, NULL);
	if (id) {
		buf_puts(b, "&id=");
		http_url_encode(b, id, NULL);
	}
}

/* In the user's zone, never the process's: TZ is shared by every thread,
 * so the zone's own rules convert (tz.h), and strftime formats only fields
 * (no %Z, which would read the process's zone). */
void mail_view_date(const char *zone, time_t t, char *out, size_t len)
{
	const struct tz *z = tz_get(zone);
	struct tm tm, now_tm;
	time_t now = time(NULL);
	tz_localtime(z, t, &tm, NULL, 0);
	tz_localtime(z, now, &now_tm, NULL, 0);
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(out, len, "%H:%M", &tm);
	else
		strftime(out, len, "%d %b %Y", &tm);
}

void mail_view_date_long(const char *zone, time_t t, char *out, size_t len)
{
	const struct tz *z = tz_get(zone);
	struct tm tm;
	char abbr[16];
	tz_localtime(z, t, &tm, abbr, sizeof(abbr));
	size_t n = strftime(out, len, "%a, %d %b %Y %H:%M", &tm);
	if (n > 0 && n < len)
		snprintf(out + n, len - n, " %s", abbr);
}

void mail_view_prefs(struct request *r, struct mailstore *ms, struct mail_prefs *p)
{
	struct mailstore *own = NULL;
	struct err e;
	mailstore_prefs_default(p);
	if (!ms && mailbox_open(r, &own, &e) < 0) {
		log_warnx("%s: settings: %s", log_q(r->sess.user), log_q(e.msg));
		return;
	}
	if (mailstore_prefs_get(ms ? ms : own, p, &e) < 0)
		log_warnx("%s: settings: %s", log_q(r->sess.user), log_q(e.msg));
	mailstore_close(&own);
}

void mail_view_size(size_t n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%zu KB", (n + 1023) / 1024);
	else
		snprintf(out, len, "%.1f MB", (double)n / (1024 * 1024));
}

const char *mail_view_child_label(const char *name, const char *parent)
{
	size_t len = parent ? strlen(parent) : 0;
	if (len && strncmp(name, parent, len) == 0 && name[len] == MAIL_FOLDER_SEP)
		return name + len + 1;
	return name;
}

/* Renders the folders from *i on that lie inside parent (all when NULL),
 * each with its own sub-folders rendered first into "children". */
static void tree_level(struct request *r, const struct mail_folder *v, size_t n, size_t *i,
		       const char *parent, mail_view_item_fn fn, void *arg, struct buf *out)
{
	size_t len = parent ? strlen(parent) : 0;
	while (*i < n && (!parent || (strncmp(v[*i].name, parent, len) == 0 &&
				      v[*i].name[len] == MAIL_FOLDER_SEP))) {
		size_t me = (*i)++;
		struct buf kids;
		buf_init(&kids, out->max);
		tree_level(r, v, n, i, v[me].name, fn, arg, &kids);
		fn(r, &v[me], mail_view_child_label(v[me].name, parent), kids.data ? kids.data : "",
		   arg, out);
		buf_free(&kids);
	}
}

void mail_view_tree(struct request *r, const struct mail_folder *v, size_t n,
		    mail_view_item_fn fn, void *arg, struct buf *out)
{
	/* A folder whose parent is not there (made by another program) stands
	 * at the top with its full name. */
	for (size_t i = 0; i < n;)
		tree_level(r, v, n, &i, NULL, fn, arg, out);
}

/* "Work › Projects": a folder's place in the tree, on one line. */
void mail_view_folder_path(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *p = name; *p && o + 4 < outlen; p++) {
		if (*p == MAIL_FOLDER_SEP) {
			memcpy(out + o, " \xe2\x80\xba ", 5);
			o += 5;
		} else {
			out[o++] = *p;
		}
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

static void folder_item(struct request *r, const struct mail_folder *f, const char *label,
			const char *children, void *arg, struct buf *out)
{
	const char *current = arg;
	struct buf url;
	char unread[24] = "";
	buf_init(&url, 1024);
	mail_view_url(&url, "/mail", f->name, NULL);
	if (f->unread)
		snprintf(unread, sizeof(unread), "%ld", f->unread);
	const struct tvar item[] = {
		{ "current", strcmp(f->name, current) == 0 ? "1" : "" },
		{ "url", url.data },
		{ "name", label },
		{ "unread", unread },
		{ "children", children },
	};
	http_render(r, TPL_FOLDER_ITEM, item, sizeof(item) / sizeof(item[0]), out);
	buf_free(&url);
}

void mail_view_folder_list(struct request *r, const struct mail_folder *v, size_t n,
			   const char *current, struct buf *items, struct buf *options,
			   const char *selected)
{
	if (items)
		mail_view_tree(r, v, n, folder_item, (void *)current, items);
	for (size_t i = 0; options && i < n; i++) {
		char label[MAIL_FOLDER_MAX * 2];
		if (current && strcmp(v[i].name, current) == 0)
			continue;
		mail_view_folder_path(v[i].name, label, sizeof(label));
		const struct tvar opt[] = {
			{ "value", v[i].name },
			{ "label", label },
			{ "selected", selected && strcmp(v[i].name, selected) == 0 ? "1" : "" },
		};
		http_render(r, TPL_OPTION, opt, 3, options);
	}
}

/* The folder list (items may be NULL), and the <option>s of the folders a
 * message may move to; *unread (unless NULL) the current folder's unread
 * messages, from the same list: with mail.store imap each listing is a
 * LIST and a STATUS per folder. */
int mail_view_folders(struct request *r, struct mailstore *ms, const char *current,
			  struct buf *items, struct buf *options, int *exists, long *unread,
			  struct err *e)
{
	struct mail_folder *folders;
	size_t n;
	*exists = 0;
	if (unread)
		*unread = 0;
	if (mailstore_folders(ms, &folders, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(folders[i].name, current) == 0) {
			*exists = 1;
			if (unread)
				*unread = folders[i].unread;
		}
	mail_view_folder_list(r, folders, n, current, items, options, NULL);
	free(folders);
	return 0;
}

/* A failure of the server, not of what the user asked: the details (paths,
 * SQLite's words) go to the log under an incident id, the page says only
 * that and the id. */
enum MHD_Result mail_view_error(struct request *r, const struct err *e)
{
	char id[INCIDENT_ID_LEN], text[256];
	if (mailbox_unreachable(e))
		return mailbox_send_unreachable(r, e);
	incident_log(r, "the mailbox failed", e->msg, id);
	snprintf(text, sizeof(text), "Your mailbox cannot be read just now. Please try again; if "
		 "it goes on, tell the administrator the incident number %s.", id);
	return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, text);
}
