/* page_list.c - the message list of a folder or a search, and what a user
 * does to the messages selected in it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "redirect.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"

#include "mail_view.h"

#define LIST_MAX (2 << 20)

/* Shown above a list read without the mail index, by mailstore_degraded():
 * the user sees why the list is plainer. */
static const char *const degraded_notices[] = {
	[MAILSTORE_NO_INDEX] = "Your mail is shown read-only just now, newest first: the server "
			       "is short of disk space. New mail and changes may wait.",
	[MAILSTORE_INDEXING] = "This folder is being indexed for the first time: its messages "
			       "are shown newest first until that is done. Sorting and search "
			       "will then find every message.",
};

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
	const char *zone;  /* the user's time zone, for the dates */
};

/* A list address: this view, sorted by `sort`, page `page`. */
static void list_url(struct buf *b, const struct list_view *v, const char *sort, int ascending,
		     long page)
{
	mail_view_url(b, "/mail", v->folder, NULL);
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
			mail_view_url(&url, "/mail/read", folder, m[i].id);
		}
		if (v->all)
			buf_printf(&value, "%s/%s", folder, m[i].id);
		else
			buf_puts(&value, m[i].id);
		mail_view_date(v->zone, m[i].date, date, sizeof(date));
		mail_view_size((size_t)m[i].size, size, sizeof(size));
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
	struct list_view view = { mail_view_folder(r), http_arg(r, "q"),
				  strcmp(http_arg(r, "all"), "1") == 0, "" };
	struct mail_prefs prefs;
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
		return mail_view_error(r, &e);
	/* Messages per page and the time zone are the user's. */
	mail_view_prefs(r, ms, &prefs);
	long page_size = prefs.per_page;
	view.zone = prefs.zone;
	buf_init(&items, LIST_MAX);
	buf_init(&options, LIST_MAX);
	buf_init(&rows, LIST_MAX);
	for (size_t i = 0; i < 6; i++)
		buf_init(&links[i], 4096);
	int failed = mail_view_folders(r, ms, folder, &items, &options, &exists, &e) < 0;
	if (!failed && exists && view.query[0])
		failed = mailstore_search(ms, view.all ? NULL : folder, view.query, sort, ascending,
					  (size_t)page * page_size, page_size, &msgs, &n, &total,
					  &partial, &e) < 0;
	else if (!failed && exists)
		failed = mailstore_list(ms, folder, sort, ascending, (size_t)page * page_size,
					page_size, &msgs, &n, &total, &e) < 0;
	int degraded = mailstore_degraded(ms);
	mailstore_close(&ms);
	enum MHD_Result rc;
	if (failed) {
		rc = mail_view_error(r, &e);
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
	if ((page + 1) * page_size < total)
		list_url(&links[4], &view, sort_name, ascending, page + 1);
	mail_view_url(&links[5], "/mail", folder, NULL);
	char here[4096], count[24], first[24], last[24], title[MAIL_FOLDER_MAX + 16];
	struct buf h;
	buf_init(&h, sizeof(here) - 1);
	list_url(&h, &view, sort_name, ascending, page);
	snprintf(here, sizeof(here), "%s", h.data ? h.data : "/mail");
	buf_free(&h);
	snprintf(count, sizeof(count), "%ld", total);
	snprintf(first, sizeof(first), "%ld", total ? page * page_size + 1 : 0);
	snprintf(last, sizeof(last), "%ld", page * page_size + (long)n);
	snprintf(title, sizeof(title), "%s%s", view.query[0] ? "Search – " : "", folder);
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
		{ "notice", degraded > 0 && (size_t)degraded < sizeof(degraded_notices) /
						  sizeof(degraded_notices[0])
				    ? degraded_notices[degraded]
				    : mail_view_notice(http_arg(r, "n")) },
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

/* Where to go after an action: a page of the mailbox, with a notice. */
static enum MHD_Result back_to(struct request *r, const char *folder, const char *notice)
{
	const char *back = form_get(r->form, "back");
	struct buf b;
	buf_init(&b, 8192);
	if (strncmp(back, "/mail", 5) == 0 && redirect_target_ok(back))
		buf_puts(&b, back);
	else
		mail_view_url(&b, "/mail", folder, NULL);
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
		return mail_view_error(r, &e);
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
