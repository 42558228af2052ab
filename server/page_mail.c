/* page_mail.c - the mailbox: folders, the message list, a message with its
 * HTML part and attachments, and what a user does to messages and folders. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "http.h"
#include "incident.h"
#include "mailbox.h"
#include "pages.h"
#include "redirect.h"
#include "server.h"
#include "webmsg/buf.h"
#include "webmsg/fileio.h"
#include "webmsg/html.h"
#include "webmsg/linkify.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

#define PAGE_SIZE 50
#define LIST_MAX (2 << 20)
/* Pictures written into an HTML part: at most this many, of these bytes. */
#define FRAME_IMAGES_MAX 64
/* A message's text as HTML: escaped and with links, several times its size. */
#define TEXT_HTML_MAX ((size_t)MIME_MESSAGE_MAX * 8)
#define FRAME_IMAGES_BYTES (16 << 20)

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
	{ "created", "Folder created." },
	{ "removed", "Folder deleted." },
};

static const char *notice_text(const char *code)
{
	for (size_t i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
		if (strcmp(code, notices[i].code) == 0)
			return notices[i].text;
	return "";
}

static const char *folder_arg(struct request *r)
{
	const char *f = http_arg(r, "f");
	return f[0] ? f : MAIL_INBOX;
}

/* "/mail/read?f=INBOX&id=..." with both parts percent-encoded. */
static void message_url(struct buf *b, const char *path, const char *folder, const char *id)
{
	buf_puts(b, path);
	buf_puts(b, "?f=");
	http_url_encode(b, folder, NULL);
	if (id) {
		buf_puts(b, "&id=");
		http_url_encode(b, id, NULL);
	}
}

static void format_date(time_t t, char *out, size_t len)
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

static void format_size(size_t n, char *out, size_t len)
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
static int render_folders(struct request *r, struct mailstore *ms, const char *current,
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
		message_url(&url, "/mail", folders[i].name, NULL);
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
static enum MHD_Result mail_error(struct request *r, const struct err *e)
{
	char id[INCIDENT_ID_LEN], text[256];
	incident_log(r, "the mailbox failed", e->msg, id);
	snprintf(text, sizeof(text), "Your mailbox cannot be read just now. Please try again; if "
		 "it goes on, tell the administrator the incident number %s.", id);
	return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, text);
}

/* Shown above a list read without the mail index (a full disk, a read-only
 * file system): the user sees why the list is plainer. */
static const char degraded_notice[] =
	"Your mail is shown read-only just now, newest first: the server is short of disk "
	"space. New mail and changes may wait.";

static const struct {
	const char *name;
	enum mail_sort sort;
} sorts[] = { { "date", MAIL_SORT_DATE }, { "from", MAIL_SORT_FROM }, { "subject", MAIL_SORT_SUBJECT } };

/* What a list page shows: a folder, or what a search found in it or in all
 * folders (query non-empty). */
struct list_view {
	const char *folder;
	const char *query; /* "" when not searching */
	int all;           /* the search was in all folders */
};

/* A list address: this view, sorted by `sort`, page `page`. */
static void list_url(struct buf *b, const struct list_view *v, const char *sort, int ascending,
		     long page)
{
	message_url(b, "/mail", v->folder, NULL);
	if (v->query[0]) {
		buf_puts(b, "&q=");
		http_url_encode(b, v->query, NULL);
		if (v->all)
			buf_puts(b, "&all=1");
	}
	buf_printf(b, "&s=%s&a=%d&p=%ld", sort, ascending, page);
}

/* Rows of a search in all folders carry their folder, in the link and in
 * the value of the checkbox ("FOLDER/ID": neither may hold a '/'), so that
 * the actions apply to each message where it is. */
static void render_rows(struct request *r, const struct list_view *v, const struct mail_summary *m,
			size_t n, struct buf *rows)
{
	for (size_t i = 0; i < n; i++) {
		char date[32], size[32];
		const char *folder = v->all && m[i].folder[0] ? m[i].folder : v->folder;
		struct buf url, value;
		buf_init(&url, 2048);
		buf_init(&value, 2048);
		/* A draft opens in compose, to be finished. */
		if (strcmp(folder, MAIL_DRAFTS) == 0) {
			buf_puts(&url, "/mail/compose?mode=draft&id=");
			http_url_encode(&url, m[i].id, NULL);
		} else {
			message_url(&url, "/mail/read", folder, m[i].id);
		}
		if (v->all)
			buf_printf(&value, "%s/%s", folder, m[i].id);
		else
			buf_puts(&value, m[i].id);
		format_date(m[i].date, date, sizeof(date));
		format_size((size_t)m[i].size, size, sizeof(size));
		const struct tvar row[] = {
			{ "unread", m[i].flags & MAIL_SEEN ? "" : "1" },
			{ "value", value.data ? value.data : "" },
			{ "attachment", m[i].flags & MAIL_HAS_ATTACHMENT ? "1" : "" },
			{ "answered", m[i].flags & MAIL_ANSWERED ? "1" : "" },
			{ "from", m[i].from[0] ? m[i].from : m[i].from_addr },
			{ "in_folder", v->all ? folder : "" },
			{ "subject", m[i].subject[0] ? m[i].subject : "(no subject)" },
			{ "url", url.data },
			{ "date", date },
			{ "size", size },
		};
		http_render(r, TPL_MESSAGE_ROW, row, sizeof(row) / sizeof(row[0]), rows);
		buf_free(&url);
		buf_free(&value);
	}
}

/* The folder list, or a search's results in the same form: ?q=WORDS searches
 * the folder f, or every folder with all=1. */
enum MHD_Result page_mail(struct request *r, const char *rest)
{
	const char *sort_name = http_arg(r, "s");
	struct list_view view = { folder_arg(r), http_arg(r, "q"),
				  strcmp(http_arg(r, "all"), "1") == 0 };
	const char *folder = view.folder;
	int ascending = strcmp(http_arg(r, "a"), "1") == 0, exists, partial = 0;
	long page = strtol(http_arg(r, "p"), NULL, 10), total = 0;
	enum mail_sort sort = MAIL_SORT_DATE;
	struct mailstore *ms;
	struct mail_summary *msgs = NULL;
	struct buf items, options, rows, links[6];
	size_t n = 0;
	struct err e;
	(void)rest;

	for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(sort_name, sorts[i].name) == 0)
			sort = sorts[i].sort;
	sort_name = sorts[sort].name;
	if (page < 0)
		page = 0;
	/* A query of spaces is no search: the folder is shown. */
	if (strspn(view.query, " \t") == strlen(view.query))
		view.query = "";
	if (!view.query[0])
		view.all = 0;
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_error(r, &e);
	buf_init(&items, LIST_MAX);
	buf_init(&options, LIST_MAX);
	buf_init(&rows, LIST_MAX);
	for (size_t i = 0; i < 6; i++)
		buf_init(&links[i], 4096);
	int failed = render_folders(r, ms, folder, &items, &options, &exists, &e) < 0;
	if (!failed && exists && view.query[0])
		failed = mailstore_search(ms, view.all ? NULL : folder, view.query, sort, ascending,
					  (size_t)page * PAGE_SIZE, PAGE_SIZE, &msgs, &n, &total,
					  &partial, &e) < 0;
	else if (!failed && exists)
		failed = mailstore_list(ms, folder, sort, ascending, (size_t)page * PAGE_SIZE,
					PAGE_SIZE, &msgs, &n, &total, &e) < 0;
	int degraded = mailstore_degraded(ms);
	mailstore_close(&ms);
	enum MHD_Result rc;
	if (failed) {
		rc = mail_error(r, &e);
		goto out;
	}
	if (!exists) {
		rc = http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no such folder.");
		goto out;
	}
	render_rows(r, &view, msgs, n, &rows);
	free(msgs);
	/* Clicking the sorted column again turns the order round. */
	for (size_t i = 0; i < 3; i++)
		list_url(&links[i], &view, sorts[i].name, sorts[i].sort == sort ? !ascending : 0, 0);
	if (page > 0)
		list_url(&links[3], &view, sort_name, ascending, page - 1);
	if ((page + 1) * PAGE_SIZE < total)
		list_url(&links[4], &view, sort_name, ascending, page + 1);
	message_url(&links[5], "/mail", folder, NULL);
	char here[4096], count[24], first[24], last[24], title[MAIL_FOLDER_MAX + 16];
	struct buf h;
	buf_init(&h, sizeof(here) - 1);
	list_url(&h, &view, sort_name, ascending, page);
	snprintf(here, sizeof(here), "%s", h.data ? h.data : "/mail");
	buf_free(&h);
	snprintf(count, sizeof(count), "%ld", total);
	snprintf(first, sizeof(first), "%ld", total ? page * PAGE_SIZE + 1 : 0);
	snprintf(last, sizeof(last), "%ld", page * PAGE_SIZE + (long)n);
	snprintf(title, sizeof(title), "%s%s", view.query[0] ? "Search – " : "", folder);
	int special = !strcmp(folder, MAIL_INBOX) || !strcmp(folder, MAIL_SENT) ||
		      !strcmp(folder, MAIL_TRASH) || !strcmp(folder, MAIL_DRAFTS);
	const struct tvar vars[] = {
		{ "folders", items.data ? items.data : "" },
		{ "csrf", r->sess.csrf },
		{ "folder", folder },
		{ "query", view.query },
		{ "all", view.all ? "1" : "" },
		{ "folder_url", links[5].data ? links[5].data : "/mail" },
		{ "partial", partial ? "1" : "" },
		{ "total", count },
		{ "one", total == 1 ? "1" : "" },
		{ "notice", degraded ? degraded_notice : notice_text(http_arg(r, "n")) },
		{ "can_delete_folder", special || view.query[0] ? "" : "1" },
		{ "here", here },
		{ "in_trash", strcmp(folder, MAIL_TRASH) == 0 && !view.all ? "1" : "" },
		{ "move_options", options.data ? options.data : "" },
		{ "sort_date", links[0].data },
		{ "sort_from", links[1].data },
		{ "sort_subject", links[2].data },
		{ "rows", rows.data ? rows.data : "" },
		{ "newer", links[3].data ? links[3].data : "" },
		{ "older", links[4].data ? links[4].data : "" },
		{ "first", first },
		{ "last", last },
	};
	rc = http_send_framed(r, MHD_HTTP_OK, TPL_MAILBOX, vars, sizeof(vars) / sizeof(vars[0]),
			      title);
out:
	buf_free(&items);
	buf_free(&options);
	buf_free(&rows);
	for (size_t i = 0; i < 6; i++)
		buf_free(&links[i]);
	return rc;
}

/* The message's file, for the pages that show a message or part of it.
 * *missing: the failure is the user's (no such folder or message), not the
 * server's. */
static int message_file(struct request *r, char *path, size_t len, int *missing, struct err *e)
{
	struct mailstore *ms;
	*missing = 0;
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	int rc = mailstore_path(ms, folder_arg(r), http_arg(r, "id"), path, len, e);
	*missing = rc < 0 && mailstore_refused(ms);
	mailstore_close(&ms);
	return rc;
}

/* A message that cannot be shown: gone, or a failure to tell by its id. */
static enum MHD_Result message_error(struct request *r, int missing, const struct err *e)
{
	if (missing)
		return http_send_error(r, MHD_HTTP_NOT_FOUND,
				       "This message is not there any more: it was moved or deleted.");
	return mail_error(r, e);
}

/* Image types a browser shows without running anything: what a part may be
 * served as for viewing. Never SVG (scripts) nor anything the browser sniffs. */
static int raster_type(const char *type)
{
	static const char *const types[] = { "image/png", "image/gif", "image/jpeg", "image/webp" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

/* Whether the HTML part shows this part itself (through cid:). */
static int shown_in_html(const struct mime_message *m, const struct mime_attachment *a)
{
	char ref[512];
	if (!m->html || !a->content_id)
		return 0;
	int n = snprintf(ref, sizeof(ref), "cid:%s", a->content_id);
	return n > 0 && (size_t)n < sizeof(ref) && strstr(m->html, ref) != NULL;
}

/* "/mail/part?f=...&id=...&view=1&n=": a part's address, shown in the page
 * (view) or downloaded; its index goes last. */
static void part_url(struct request *r, struct buf *b, int view)
{
	message_url(b, "/mail/part", folder_arg(r), http_arg(r, "id"));
	buf_puts(b, view ? "&view=1&n=" : "&n=");
}

/* The attachment list, with a thumbnail for each picture, and the pictures
 * sent to be shown with the text (what phones and Outlook send as inline
 * parts), which are listed too so that they can be saved. With the HTML
 * shown (html_shown), the pictures it shows itself are left out. */
static void render_attachments(struct request *r, const struct mime_message *m, int html_shown,
			       struct buf *out, struct buf *inline_images)
{
	for (size_t i = 0; i < m->nattachments; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		char size[32];
		struct buf url, view;
		if (html_shown && shown_in_html(m, a))
			continue;
		buf_init(&url, 4096);
		buf_init(&view, 4096);
		part_url(r, &url, 0);
		buf_printf(&url, "%d", a->index);
		int raster = raster_type(a->content_type);
		int with_text = raster && !html_shown && (a->disposition_inline || a->inline_image);
		if (raster) {
			part_url(r, &view, 1);
			buf_printf(&view, "%d", a->index);
		}
		format_size(a->size, size, sizeof(size));
		const struct tvar item[] = {
			{ "url", url.data }, { "name", a->filename }, { "type", a->content_type },
			{ "size", size }, { "preview", raster && !with_text ? view.data : "" },
		};
		http_render(r, TPL_ATTACHMENT_ITEM, item, 5, out);
		if (with_text) {
			const struct tvar img[] = { { "url", view.data }, { "name", a->filename } };
			http_render(r, TPL_MESSAGE_IMAGE, img, 2, inline_images);
		}
		buf_free(&url);
		buf_free(&view);
	}
}

/* A message beyond the parse limits, as the reading page shows it: the
 * reason, and the file as it is for download (part 0), so that its owner can
 * still have it or delete it. */
static int too_complex(const char *path, const struct err *why, struct mime_message **out)
{
	struct mime_message *m = calloc(1, sizeof(*m));
	struct mime_attachment *a = calloc(1, sizeof(*a));
	struct stat st;
	if (m && a && asprintf(&m->text, "This message is too complex to show: %s.\n\nYou can "
				"download it as it is (message.eml) and open it with another "
				"program, or delete it.", why->msg) >= 0) {
		m->subject = strdup("(a message too complex to show)");
		a->filename = strdup("message.eml");
		a->content_type = strdup("message/rfc822");
		a->size = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
		m->attachments = a;
		m->nattachments = 1;
		a = NULL;
		if (m->subject && m->attachments[0].filename && m->attachments[0].content_type) {
			*out = m;
			return 0;
		}
	}
	free(a);
	mime_message_free(&m);
	return -1;
}

enum MHD_Result page_mail_read(struct request *r, const char *rest)
{
	const char *folder = folder_arg(r), *id = http_arg(r, "id");
	char path[4096], date[64];
	struct mime_message *m;
	struct mailstore *ms;
	struct buf urls[7], attachments, inline_images, options, text;
	struct err e;
	int exists, missing;
	(void)rest;

	if (message_file(r, path, sizeof(path), &missing, &e) < 0)
		return message_error(r, missing, &e);
	int parsed = mime_parse_file(path, &m, &e);
	if (parsed == MIME_TOO_COMPLEX && too_complex(path, &e, &m) < 0)
		return MHD_NO;
	if (parsed == -1)
		return mail_error(r, &e);
	/* Opening it marks it read. */
	struct mail_summary sum = { .from = "" };
	buf_init(&options, LIST_MAX);
	if (mailbox_open(r, &ms, &e) == 0) {
		/* A From that is no address shows as the list shows it: its text. */
		if (!m->from || !m->from[0])
			mailstore_summary(ms, folder, id, &sum, &e);
		mailstore_set_flags(ms, folder, id, MAIL_SEEN, 0, &e);
		render_folders(r, ms, folder, NULL, &options, &exists, &e);
		mailstore_close(&ms);
	}
	static const char *const modes[] = { "reply", "all", "forward" };
	for (size_t i = 0; i < 7; i++)
		buf_init(&urls[i], 4096);
	message_url(&urls[0], "/mail", folder, NULL);
	for (size_t i = 0; i < 3; i++) {
		message_url(&urls[1 + i], "/mail/compose", folder, id);
		buf_printf(&urls[1 + i], "&mode=%s", modes[i]);
	}
	int images = strcmp(http_arg(r, "images"), "1") == 0;
	/* One version of a message with HTML: the HTML unless plain text was
	 * asked for, and a switch to the other. */
	int plain = m->html && strcmp(http_arg(r, "v"), "text") == 0;
	if (m->html) {
		message_url(&urls[6], "/mail/read", folder, id);
		buf_puts(&urls[6], plain ? "" : "&v=text");
		if (images)
			buf_puts(&urls[6], "&images=1");
	}
	if (m->html && !plain) {
		message_url(&urls[4], "/mail/html", folder, id);
		if (images)
			buf_puts(&urls[4], "&images=1");
		if (m->html_remote && !images) {
			message_url(&urls[5], "/mail/read", folder, id);
			buf_puts(&urls[5], "&images=1");
		}
	}
	buf_init(&attachments, LIST_MAX);
	buf_init(&inline_images, LIST_MAX);
	render_attachments(r, m, m->html && !plain, &attachments, &inline_images);
	/* The text as HTML, its web and e-mail addresses links. */
	buf_init(&text, TEXT_HTML_MAX);
	if (linkify_html(&text, m->text ? m->text : "", "/mail/compose?to=") < 0) {
		buf_free(&text);
		html_escape(&text, m->text ? m->text : "");
	}
	if (m->date) {
		struct tm tm;
		localtime_r(&m->date, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M", &tm);
	} else {
		snprintf(date, sizeof(date), "unknown");
	}
	const struct tvar vars[] = {
		{ "list_url", urls[0].data },
		{ "folder", folder },
		{ "subject", m->subject && m->subject[0] ? m->subject : "(no subject)" },
		{ "from", m->from && m->from[0] ? m->from : sum.from },
		{ "to", m->to ? m->to : "" },
		{ "cc", m->cc ? m->cc : "" },
		{ "date", date },
		{ "reply_url", urls[1].data },
		{ "reply_all_url", urls[2].data },
		{ "forward_url", urls[3].data },
		{ "csrf", r->sess.csrf },
		{ "id", id },
		{ "in_trash", strcmp(folder, MAIL_TRASH) == 0 ? "1" : "" },
		{ "move_options", options.data ? options.data : "" },
		{ "attachments", attachments.data ? attachments.data : "" },
		{ "text_html", text.data ? text.data : "" },
		{ "show_text", !m->html || plain ? "1" : "" },
		{ "switch_url", urls[6].data ? urls[6].data : "" },
		{ "plain", plain ? "1" : "" },
		{ "inline_images", inline_images.data ? inline_images.data : "" },
		{ "html_url", urls[4].data ? urls[4].data : "" },
		{ "images", images ? "1" : "" },
		{ "images_url", urls[5].data ? urls[5].data : "" },
	};
	enum MHD_Result rc = http_send_framed(r, MHD_HTTP_OK, TPL_MESSAGE, vars,
					      sizeof(vars) / sizeof(vars[0]),
					      m->subject && m->subject[0] ? m->subject : "Message");
	for (size_t i = 0; i < 7; i++)
		buf_free(&urls[i]);
	buf_free(&attachments);
	buf_free(&inline_images);
	buf_free(&text);
	buf_free(&options);
	mime_message_free(&m);
	return rc;
}

/* A picture part as a data: address (malloc'd), adding its bytes to *total;
 * NULL when it cannot be read. */
static char *image_data_url(const char *path, int index, size_t *total)
{
	char type[128], name[256];
	struct buf data;
	struct err e;
	char *url = NULL;
	buf_init(&data, FRAME_IMAGES_BYTES);
	if (mime_attachment_data(path, index, &data, type, sizeof(type), name, sizeof(name),
				 &e) == 0 && raster_type(type) && data.len > 0 &&
	    *total + data.len <= FRAME_IMAGES_BYTES) {
		size_t prefix = strlen("data:") + strlen(type) + strlen(";base64,");
		size_t n = prefix + 4 * ((data.len + 2) / 3) + 1;
		url = malloc(n);
		if (url) {
			snprintf(url, n, "data:%s;base64,", type);
			EVP_EncodeBlock((unsigned char *)url + prefix, (const unsigned char *)data.data,
					(int)data.len);
			*total += data.len;
		}
	}
	buf_free(&data);
	return url;
}

enum MHD_Result page_mail_html(struct request *r, const char *rest)
{
	char path[4096];
	struct mime_message *m;
	struct err e;
	int missing;
	(void)rest;
	if (message_file(r, path, sizeof(path), &missing, &e) < 0)
		return message_error(r, missing, &e);
	if (mime_parse_file(path, &m, &e) < 0)
		return mail_error(r, &e);
	/* Pictures the HTML names by cid: come from this message's own parts,
	 * written into the page as data: addresses: the frame has an origin of
	 * its own, and the session cookie (SameSite=Strict) never goes along
	 * with what it fetches from us. */
	struct mime_frame_image images[FRAME_IMAGES_MAX];
	char *urls[FRAME_IMAGES_MAX];
	size_t nimages = 0, total = 0;
	for (size_t i = 0; i < m->nattachments && nimages < FRAME_IMAGES_MAX; i++) {
		const struct mime_attachment *a = &m->attachments[i];
		if (!raster_type(a->content_type) || !shown_in_html(m, a) ||
		    total + a->size > FRAME_IMAGES_BYTES)
			continue;
		urls[nimages] = image_data_url(path, a->index, &total);
		if (urls[nimages]) {
			images[nimages].content_id = a->content_id;
			images[nimages].url = urls[nimages];
			nimages++;
		}
	}
	char *html = mime_html_for_frame(m->html ? m->html : "", images, nimages);
	for (size_t i = 0; i < nimages; i++)
		free(urls[i]);
	mime_message_free(&m);
	if (!html)
		return MHD_NO;
	/* Shown in a sandboxed frame of our own page: no script runs, nothing is
	 * fetched but the message's own parts unless the user asked for remote
	 * images, and no form goes out. Links open in a new tab that leaves the
	 * sandbox (a web page works there as anywhere), without a referrer. */
	int remote = strcmp(http_arg(r, "images"), "1") == 0;
	char csp[512];
	snprintf(csp, sizeof(csp),
		 "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
		 "style-src 'unsafe-inline'; img-src data:%s; form-action 'none'; "
		 "frame-ancestors 'self'", remote ? " http: https:" : "");
	const char *const headers[] = {
		"Content-Security-Policy", csp,
		"X-Frame-Options", "SAMEORIGIN",
		"Referrer-Policy", "no-referrer",
		NULL,
	};
	return http_send_bytes(r, MHD_HTTP_OK, "text/html; charset=utf-8", html, strlen(html),
			       headers);
}

/* A content type from a message, used only when it looks like one. */
static const char *safe_type(const char *type)
{
	size_t len = strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789+-./");
	if (type[len] != '\0' || !strchr(type, '/') || strncmp(type, "text/html", 9) == 0 ||
	    strstr(type, "xml") || strncmp(type, "image/svg", 9) == 0)
		return "application/octet-stream";
	return type;
}

/* The message file's bytes, at most data's maximum. */
static int raw_message(const char *path, struct buf *data, struct err *e)
{
	if (fileio_append_path(path, O_NONBLOCK, data, e) < 0)
		return err_prefix(e, "cannot read the message");
	return 0;
}

enum MHD_Result page_mail_part(struct request *r, const char *rest)
{
	char path[4096], type[128] = "", name[256] = "", disposition[1024];
	struct buf data, enc;
	struct err e;
	int index = (int)strtol(http_arg(r, "n"), NULL, 10), missing;
	(void)rest;
	if (message_file(r, path, sizeof(path), &missing, &e) < 0)
		return message_error(r, missing, &e);
	buf_init(&data, MIME_MESSAGE_MAX);
	/* Part 0 is the message as it is: what is left to its owner when it is
	 * too complex to show. */
	if (strcmp(http_arg(r, "n"), "0") == 0) {
		if (raw_message(path, &data, &e) < 0) {
			buf_free(&data);
			return http_send_error(r, MHD_HTTP_NOT_FOUND, "This message is not there any more.");
		}
		snprintf(type, sizeof(type), "message/rfc822");
		snprintf(name, sizeof(name), "message.eml");
	} else if (mime_attachment_data(path, index, &data, type, sizeof(type), name, sizeof(name),
					&e) < 0) {
		buf_free(&data);
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no such attachment.");
	}
	/* filename= for old browsers (ASCII only), filename*= with the real name. */
	char ascii[256];
	size_t o = 0;
	for (const char *p = name; *p && o < sizeof(ascii) - 1; p++)
		ascii[o++] = (*p > 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '_';
	ascii[o] = '\0';
	buf_init(&enc, 1024);
	http_url_encode(&enc, name, NULL);
	/* Shown in the page (a picture in the message, a thumbnail, full size
	 * on its own) only when it is a picture type that runs nothing; anything
	 * else is a download whatever was asked. */
	int view = strcmp(http_arg(r, "view"), "1") == 0 && raster_type(type);
	snprintf(disposition, sizeof(disposition), "%s; filename=\"%s\"; filename*=UTF-8''%s",
		 view ? "inline" : "attachment", ascii, enc.data ? enc.data : "");
	buf_free(&enc);
	const char *const headers[] = {
		MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition,
		"Content-Security-Policy", "sandbox; default-src 'none'",
		"X-Content-Type-Options", "nosniff",
		NULL,
	};
	size_t len;
	char *bytes = buf_steal(&data, &len);
	return http_send_bytes(r, MHD_HTTP_OK, view ? type : safe_type(type), bytes, len, headers);
}

/* Where to go after an action: a page of the mailbox, with a notice. */
static enum MHD_Result back_to(struct request *r, const char *folder, const char *notice)
{
	const char *back = form_get(r->form, "back");
	struct buf b;
	buf_init(&b, 8192);
	if (strncmp(back, "/mail", 5) == 0 && redirect_target_ok(back))
		buf_puts(&b, back);
	else
		message_url(&b, "/mail", folder, NULL);
	buf_printf(&b, "%sn=%s", strchr(b.data, '?') ? "&" : "?", notice);
	enum MHD_Result rc = http_see_other(r, b.data);
	buf_free(&b);
	return rc;
}

enum MHD_Result page_mail_action(struct request *r, const char *rest)
{
	const char *folder = form_get(r->form, "f"), *op = form_get(r->form, "op");
	const char *to = form_get(r->form, "to"), *notice = "marked";
	struct mailstore *ms;
	struct err e;
	const struct form_field *id;
	(void)rest;
	if (!folder[0])
		folder = MAIL_INBOX;
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_error(r, &e);
	for (size_t i = 0; (id = form_nth(r->form, "id", i)); i++) {
		const char *mid = id->value.data ? id->value.data : "";
		char where[MAIL_FOLDER_MAX];
		const char *in = folder;
		int rc = 0;
		/* "FOLDER/ID" from a search in all folders: the message's own
		 * folder (neither part may hold a '/'). */
		const char *slash = strchr(mid, '/');
		if (slash && (size_t)(slash - mid) < sizeof(where)) {
			snprintf(where, sizeof(where), "%.*s", (int)(slash - mid), mid);
			in = where;
			mid = slash + 1;
		}
		if (strcmp(op, "delete") == 0 && strcmp(in, MAIL_TRASH) == 0) {
			rc = mailstore_delete(ms, in, mid, &e);
			notice = "deleted";
		} else if (strcmp(op, "delete") == 0) {
			rc = mailstore_move(ms, in, mid, MAIL_TRASH, &e);
			notice = "trashed";
		} else if (strcmp(op, "move") == 0 && to[0]) {
			rc = mailstore_move(ms, in, mid, to, &e);
			notice = "moved";
		} else if (strcmp(op, "unread") == 0) {
			rc = mailstore_set_flags(ms, in, mid, 0, MAIL_SEEN, &e);
		} else if (strcmp(op, "read") == 0) {
			rc = mailstore_set_flags(ms, in, mid, MAIL_SEEN, 0, &e);
		}
		if (rc < 0)
			log_warnx("%s: %s %s: %s", log_q(r->sess.user), log_q(op), log_q(mid),
				  log_q(e.msg));
	}
	mailstore_close(&ms);
	return back_to(r, folder, notice);
}

enum MHD_Result page_mail_folder(struct request *r, const char *rest)
{
	const char *op = form_get(r->form, "op"), *name = form_get(r->form, "name");
	struct mailstore *ms;
	struct err e;
	int rc;
	(void)rest;
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_error(r, &e);
	int create = strcmp(op, "create") == 0;
	rc = create ? mailstore_folder_create(ms, name, &e) : mailstore_folder_delete(ms, name, &e);
	int refused = rc < 0 && mailstore_refused(ms);
	mailstore_close(&ms);
	/* A name taken or not allowed is the user's to fix and said as it is;
	 * anything else names paths, and goes to the log. */
	if (rc < 0 && refused)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, e.msg);
	if (rc < 0)
		return mail_error(r, &e);
	struct buf b;
	buf_init(&b, 4096);
	message_url(&b, "/mail", create ? name : MAIL_INBOX, NULL);
	buf_printf(&b, "&n=%s", create ? "created" : "removed");
	enum MHD_Result res = http_see_other(r, b.data);
	buf_free(&b);
	return res;
}
