/* page_message.c - one message: its text, its HTML part in a frame, its
 * attachments and the pictures they hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/html.h"
#include "webmsg/linkify.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"

#include "list_state.h"
#include "mail_view.h"

#define LIST_MAX (2 << 20)
/* Pictures written into an HTML part: at most this many, of these bytes. */
#define FRAME_IMAGES_MAX 64
/* A message's text as HTML: escaped and with links, several times its size. */
#define TEXT_HTML_MAX ((size_t)MIME_MESSAGE_MAX * 8)
#define FRAME_IMAGES_BYTES (16 << 20)

/* The mailbox, for the pages that show a message or part of it. */
static int message_store(struct request *r, struct mailstore **ms, struct err *e)
{
	return mailbox_open(r, ms, e);
}

/* What the page shows of the message, read through ms (the page's one
 * mailbox: with mail.store imap each opening costs the server a command);
 * MAILSTORE_TOO_COMPLEX with *size the message's bytes. *missing: the
 * failure is the user's (no such folder or message), not the server's. */
static int message_view(struct request *r, struct mailstore *ms, struct mime_message **m,
			long *size, int *missing, struct err *e)
{
	*missing = 0;
	*size = 0;
	const char *folder = mail_view_folder(r), *id = http_arg(r, "id");
	int rc = mailstore_view(ms, folder, id, m, e);
	*missing = rc == -1 && mailstore_refused(ms);
	if (rc == MAILSTORE_TOO_COMPLEX) {
		struct mail_summary sum;
		struct err ignored;
		if (mailstore_summary(ms, folder, id, &sum, &ignored) == 0)
			*size = sum.size;
	}
	return rc;
}

/* A message that cannot be shown: gone, or a failure to tell by its id. */
static enum MHD_Result message_error(struct request *r, int missing, const struct err *e)
{
	if (missing)
		return http_send_error(r, MHD_HTTP_NOT_FOUND,
				       "This message is not there any more: it was moved or deleted.");
	return mail_view_error(r, e);
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

/* Documents the browser's own viewer opens in a tab of their own, under a
 * CSP sandbox that runs nothing of theirs (Chromium's viewer works there;
 * it refuses a frame with a sandbox attribute). */
static int document_type(const char *type)
{
	return strcmp(type, "application/pdf") == 0;
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
	mail_view_url(b, "/mail/part", mail_view_folder(r), http_arg(r, "id"));
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
		int raster = raster_type(a->content_type), document = document_type(a->content_type);
		int with_text = raster && !html_shown && (a->disposition_inline || a->inline_image);
		if (raster || document) {
			part_url(r, &view, 1);
			buf_printf(&view, "%d", a->index);
		}
		mail_view_size(a->size, size, sizeof(size));
		const struct tvar item[] = {
			{ "url", url.data }, { "name", a->filename }, { "type", a->content_type },
			{ "size", size }, { "preview", raster && !with_text ? view.data : "" },
			{ "view", document ? view.data : "" },
		};
		http_render(r, TPL_ATTACHMENT_ITEM, item, sizeof(item) / sizeof(item[0]), out);
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
static int too_complex(long size, const struct err *why, struct mime_message **out)
{
	struct mime_message *m = calloc(1, sizeof(*m));
	struct mime_attachment *a = calloc(1, sizeof(*a));
	if (m && a && asprintf(&m->text, "This message is too complex to show: %s.\n\nYou can "
				"download it as it is (message.eml) and open it with another "
				"program, or delete it.", why->msg) >= 0) {
		m->subject = strdup("(a message too complex to show)");
		a->filename = strdup("message.eml");
		a->content_type = strdup("message/rfc822");
		a->size = size > 0 ? (size_t)size : 0;
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

/* Where a message page leads in its list: the messages before and after it
 * in the list's order (a folder's or a search's), the list's page that holds
 * it, and where to go once it leaves the list (deleted or moved: the next
 * message, else that page). */
struct message_nav {
	struct buf prev, next, list, gone;
};

/* A message of the list, at position pos, with the list's state. */
static void nav_message_url(struct buf *b, const struct list_state *st,
			    const struct mail_summary *m, size_t pos)
{
	const char *folder = st->all && m->folder[0] ? m->folder : st->folder;
	mail_view_url(b, "/mail/read", folder, m->id);
	list_state_args(b, st, folder, list_state_page_of(st, pos));
}

/* The list around the page the address names (one message more on each
 * side, for a neighbour that is on the next page or that moved up by one
 * when the message before it was deleted) holds the message: its
 * neighbours come from there. A message not found there (the list changed
 * under it) has no neighbours, and the list's page is the one named. */
static void message_nav_make(struct mailstore *ms, const struct list_state *st, const char *folder,
			     const char *id, struct message_nav *nav)
{
	struct mail_summary *v = NULL;
	size_t n = 0, offset = st->page > 0 ? (size_t)st->page * (size_t)st->page_size - 1 : 0;
	long total, page = st->page;
	int partial;
	struct err e;
	buf_init(&nav->prev, 4096);
	buf_init(&nav->next, 4096);
	buf_init(&nav->list, 4096);
	buf_init(&nav->gone, 4096);
	if (ms && list_state_fetch(ms, st, offset, (size_t)st->page_size + 2, &v, &n, &total, &partial,
				   &e) == 0) {
		long at = list_state_find(v, n, folder, id, st->all);
		if (at >= 0) {
			page = list_state_page_of(st, offset + (size_t)at);
			if (at > 0)
				nav_message_url(&nav->prev, st, &v[at - 1], offset + (size_t)at - 1);
			/* The next one takes this one's place once this is gone. */
			if ((size_t)at + 1 < n) {
				nav_message_url(&nav->next, st, &v[at + 1], offset + (size_t)at + 1);
				nav_message_url(&nav->gone, st, &v[at + 1], offset + (size_t)at);
			}
		}
		free(v);
	}
	list_state_url(&nav->list, st, st->sort, st->ascending, page);
	if (!nav->gone.len)
		buf_puts(&nav->gone, nav->list.data ? nav->list.data : "/mail");
}

static void message_nav_free(struct message_nav *nav)
{
	buf_free(&nav->prev);
	buf_free(&nav->next);
	buf_free(&nav->list);
	buf_free(&nav->gone);
}

enum MHD_Result page_mail_read(struct request *r, const char *rest)
{
	const char *folder = mail_view_folder(r), *id = http_arg(r, "id");
	char date[64];
	long size;
	struct mime_message *m;
	struct mailstore *ms;
	struct buf urls[7], attachments, inline_images, options, text;
	struct message_nav nav;
	struct list_state st;
	struct err e;
	int exists, missing;
	(void)rest;
	/* The list the message was opened from: its folder is lf when that is
	 * not the message's own (a search in all folders). */
	const char *list_folder = http_arg(r, "lf");
	list_state_parse(&st, list_folder[0] ? list_folder : folder, http_arg(r, "q"),
			 http_arg(r, "all"), http_arg(r, "s"), http_arg(r, "a"), http_arg(r, "p"));
	/* The conversation view it was opened in, when the list said one: back,
	 * previous and next stay in it (within a conversation when opened from
	 * one). Said none: the list's own default, not ours to choose. */
	if (http_arg(r, "c")[0])
		list_state_view(&st, http_arg(r, "c"), http_arg(r, "t"), 0);

	if (message_store(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	int parsed = message_view(r, ms, &m, &size, &missing, &e);
	if (parsed < 0 && parsed != MAILSTORE_TOO_COMPLEX)
		mailstore_close(&ms);
	if (parsed == -1 && missing)
		return message_error(r, missing, &e);
	if (parsed == MAILSTORE_TOO_COMPLEX && too_complex(size, &e, &m) < 0) {
		mailstore_close(&ms);
		return MHD_NO;
	}
	if (parsed == -1)
		return mail_view_error(r, &e);
	/* Opening it marks it read. */
	struct mail_summary sum = { .from = "" };
	struct mail_prefs prefs;
	mailstore_prefs_default(&prefs);
	buf_init(&options, LIST_MAX);
	mail_view_prefs(r, ms, &prefs);
	st.page_size = prefs.per_page;
	/* A From that is no address shows as the list shows it: its text. */
	if (!m->from || !m->from[0])
		mailstore_summary(ms, folder, id, &sum, &e);
	mailstore_set_flags(ms, folder, id, MAIL_SEEN, 0, &e);
	mail_view_folders(r, ms, folder, NULL, &options, &exists, NULL, &e);
	message_nav_make(ms, &st, folder, id, &nav);
	mailstore_close(&ms);
	static const char *const modes[] = { "reply", "all", "forward" };
	for (size_t i = 0; i < 7; i++)
		buf_init(&urls[i], 4096);
	buf_puts(&urls[0], nav.list.data ? nav.list.data : "/mail");
	for (size_t i = 0; i < 3; i++) {
		mail_view_url(&urls[1 + i], "/mail/compose", folder, id);
		buf_printf(&urls[1 + i], "&mode=%s", modes[i]);
	}
	int images = strcmp(http_arg(r, "images"), "1") == 0;
	/* One version of a message with HTML: the one the user's settings put
	 * first unless the other was asked for, and a switch to the other. */
	const char *v = http_arg(r, "v");
	int plain = m->html &&
		    (strcmp(v, "text") == 0 || (prefs.plain_first && strcmp(v, "html") != 0));
	if (m->html) {
		mail_view_url(&urls[6], "/mail/read", folder, id);
		buf_puts(&urls[6], plain ? "&v=html" : "&v=text");
		if (images)
			buf_puts(&urls[6], "&images=1");
	}
	if (m->html && !plain) {
		mail_view_url(&urls[4], "/mail/html", folder, id);
		if (images)
			buf_puts(&urls[4], "&images=1");
		if (m->html_remote && !images) {
			mail_view_url(&urls[5], "/mail/read", folder, id);
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
		mail_view_date_long(prefs.zone, m->date, date, sizeof(date));
	} else {
		snprintf(date, sizeof(date), "unknown");
	}
	const struct tvar vars[] = {
		{ "list_url", urls[0].data },
		{ "list_folder", st.folder },
		{ "search", st.query[0] ? "1" : "" },
		{ "prev_url", nav.prev.data ? nav.prev.data : "" },
		{ "next_url", nav.next.data ? nav.next.data : "" },
		{ "gone_url", nav.gone.data ? nav.gone.data : "" },
		{ "notice", mail_view_notice(http_arg(r, "n")) },
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
	message_nav_free(&nav);
	mime_message_free(&m);
	return rc;
}

/* A picture part as a data: address (malloc'd), adding its bytes to *total;
 * NULL when it cannot be read. */
static char *image_data_url(struct mailstore *ms, const char *folder, const char *id, int index,
			    size_t *total)
{
	char type[128], name[256];
	struct buf data;
	struct err e;
	char *url = NULL;
	buf_init(&data, FRAME_IMAGES_BYTES);
	if (mailstore_attachment(ms, folder, id, index, FRAME_IMAGES_BYTES - *total, &data, type,
				 sizeof(type), name, sizeof(name), &e) == 0 &&
	    raster_type(type) && data.len > 0 &&
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
	const char *folder = mail_view_folder(r), *id = http_arg(r, "id");
	struct mime_message *m;
	struct mailstore *ms;
	struct err e;
	(void)rest;
	if (message_store(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	if (mailstore_view(ms, folder, id, &m, &e) < 0) {
		int missing = mailstore_refused(ms);
		mailstore_close(&ms);
		return missing ? message_error(r, missing, &e) : mail_view_error(r, &e);
	}
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
		urls[nimages] = image_data_url(ms, folder, id, a->index, &total);
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
	mailstore_close(&ms);
	if (!html)
		return MHD_NO;
	/* Shown in a sandboxed frame of our own page: no script runs, nothing is
	 * fetched but the message's own parts unless the user asked for remote
	 * images, and no form goes out. Links open in a new tab that leaves the
	 * sandbox (a web page works there as anywhere), without a referrer.
	 * The frame keeps our origin (never together with scripts, which could
	 * then lift the sandbox): the page's own script reads the height of its
	 * content, so that the page scrolls and not the frame. */
	int remote = strcmp(http_arg(r, "images"), "1") == 0;
	char csp[512];
	snprintf(csp, sizeof(csp),
		 "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; "
		 "default-src 'none'; script-src 'none'; "
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

enum MHD_Result page_mail_part(struct request *r, const char *rest)
{
	const char *folder = mail_view_folder(r), *id = http_arg(r, "id");
	char type[128] = "", name[256] = "", disposition[1024];
	struct buf data, enc;
	struct mailstore *ms;
	struct err e;
	int index = (int)strtol(http_arg(r, "n"), NULL, 10);
	(void)rest;
	if (message_store(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	buf_init(&data, MIME_MESSAGE_MAX);
	/* Part 0 is the message as it is: what is left to its owner when it is
	 * too complex to show. */
	if (strcmp(http_arg(r, "n"), "0") == 0) {
		int rc = mailstore_raw(ms, folder, id, MIME_MESSAGE_MAX, &data, &e);
		int missing = rc < 0 && mailstore_refused(ms);
		mailstore_close(&ms);
		if (rc < 0) {
			buf_free(&data);
			if (!missing)
				return mail_view_error(r, &e);
			return http_send_error(r, MHD_HTTP_NOT_FOUND, "This message is not there any more.");
		}
		snprintf(type, sizeof(type), "message/rfc822");
		snprintf(name, sizeof(name), "message.eml");
	} else {
		int rc = mailstore_attachment(ms, folder, id, index, MIME_MESSAGE_MAX, &data, type,
					      sizeof(type), name, sizeof(name), &e);
		mailstore_close(&ms);
		if (rc < 0) {
			buf_free(&data);
			return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no such attachment.");
		}
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
	 * on its own) only when it is a picture type that runs nothing, or in
	 * the browser's viewer when a PDF; anything else (HTML, SVG, XML above
	 * all) is a download whatever was asked. */
	int view = strcmp(http_arg(r, "view"), "1") == 0 && (raster_type(type) || document_type(type));
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
