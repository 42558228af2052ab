/* mail_view.c - what the mail pages share: folder and message addresses,
 * dates and sizes as shown, the folder list, the notices after an action and
 * the page for a mailbox that failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "incident.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

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
	{ "removed", "Folder deleted." },
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

void mail_view_date(time_t t, char *out, size_t len)
{
	struct tm tm, now_tm;
	time_t now = time(NULL);
	localtime_r(&t, &tm);
	localtime_r(&now, &now_tm);
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(out, len, "%H:%M", &tm);
	else
		strftime(out, len, "%d %b %Y", &tm);
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

/* The folder list (items may be NULL), and the <option>s of the folders a
 * message may move to. */
int mail_view_folders(struct request *r, struct mailstore *ms, const char *current,
			  struct buf *items, struct buf *options, int *exists, struct err *e)
{
	struct mail_folder *folders;
	size_t n;
	*exists = 0;
	if (mailstore_folders(ms, &folders, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct buf url;
		char unread[24] = "";
		int here = strcmp(folders[i].name, current) == 0;
		*exists |= here;
		buf_init(&url, 1024);
		mail_view_url(&url, "/mail", folders[i].name, NULL);
		if (folders[i].unread)
			snprintf(unread, sizeof(unread), "%ld", folders[i].unread);
		const struct tvar item[] = {
			{ "current", here ? "1" : "" },
			{ "url", url.data },
			{ "name", folders[i].name },
			{ "unread", unread },
		};
		if (items)
			http_render(r, TPL_FOLDER_ITEM, item, 4, items);
		if (!here && options) {
			const struct tvar opt[] = { { "value", folders[i].name },
						    { "label", folders[i].name } };
			http_render(r, TPL_OPTION, opt, 2, options);
		}
		buf_free(&url);
	}
	free(folders);
	return 0;
}

/* A failure of the server, not of what the user asked: the details (paths,
 * SQLite's words) go to the log under an incident id, the page says only
 * that and the id. */
enum MHD_Result mail_view_error(struct request *r, const struct err *e)
{
	char id[INCIDENT_ID_LEN], text[256];
	incident_log(r, "the mailbox failed", e->msg, id);
	snprintf(text, sizeof(text), "Your mailbox cannot be read just now. Please try again; if "
		 "it goes on, tell the administrator the incident number %s.", id);
	return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, text);
}
