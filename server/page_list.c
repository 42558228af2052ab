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

#include "list_state.h"
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

/* Sent and Drafts are lists of what the user wrote: who it went to is what
 * tells their messages apart. */
static int lists_recipients(const char *folder)
{
	return strcmp(folder, MAIL_SENT) == 0 || strcmp(folder, MAIL_DRAFTS) == 0;
}

/* Rows of a search in all folders carry their folder, in the link and in
 * the value of the checkbox ("FOLDER/ID": neither may hold a '/'), so that
 * the actions apply to each message where it is. Each row's link carries the
 * list's state, for the message's previous/next and its way back. */
static void render_rows(struct request *r, const struct list_state *st, const char *zone,
			const struct mail_summary *m, size_t n, struct buf *rows)
{
	for (size_t i = 0; i < n; i++) {
		char date[32], size[32];
		const char *folder = st->all && m[i].folder[0] ? m[i].folder : st->folder;
		int to = lists_recipients(folder);
		const char *who = to ? m[i].to : m[i].from[0] ? m[i].from : m[i].from_addr;
		struct buf url, value, label;
		buf_init(&url, 4096);
		buf_init(&value, 2048);
		buf_init(&label, 2048);
		char count[24] = "";
		int conversation = m[i].thread > 0 && m[i].thread_count > 1;
		if (conversation) {
			/* A conversation opens as the list of its messages; one
			 * of a single message opens as that message. */
			struct list_state in = *st;
			in.thread = m[i].thread;
			list_state_url(&url, &in, st->sort, st->ascending, 0);
			snprintf(count, sizeof(count), "%ld", m[i].thread_count);
		} else if (strcmp(folder, MAIL_DRAFTS) == 0) {
			/* A draft opens in compose, to be finished. */
			buf_puts(&url, "/mail/compose?mode=draft&id=");
			http_url_encode(&url, m[i].id, NULL);
		} else {
			mail_view_url(&url, "/mail/read", folder, m[i].id);
			list_state_args(&url, st, folder, st->page);
		}
		/* "t:N" selects every message of conversation N in the folder. */
		if (conversation)
			buf_printf(&value, "t:%lld", m[i].thread);
		else if (st->all)
			buf_printf(&value, "%s/%s", folder, m[i].id);
		else
			buf_puts(&value, m[i].id);
		const char *subject = m[i].subject[0] ? m[i].subject : "(no subject)";
		/* What a screen reader says for the checkbox: what it selects. */
		if (conversation)
			buf_printf(&label, "Select conversation of %s messages with %s: %s", count,
				   m[i].from[0] ? m[i].from : "(unknown)", subject);
		else
			buf_printf(&label, "Select message %s %s: %s", to ? "to" : "from",
				   who[0] ? who : "(unknown)", subject);
		if (conversation)
			who = m[i].from; /* its senders */
		mail_view_date(zone, m[i].date, date, sizeof(date));
		mail_view_size((size_t)m[i].size, size, sizeof(size));
		const struct tvar row[] = {
			{ "unread", m[i].flags & MAIL_SEEN ? "" : "1" },
			{ "value", value.data ? value.data : "" },
			{ "label", label.data ? label.data : "Select message" },
			{ "attachment", m[i].flags & MAIL_HAS_ATTACHMENT ? "1" : "" },
			{ "answered", m[i].flags & MAIL_ANSWERED ? "1" : "" },
			{ "forwarded", m[i].flags & MAIL_FORWARDED ? "1" : "" },
			{ "from", who },
			{ "in_folder", st->all ? folder : "" },
			{ "subject", subject },
			{ "count", count },
			{ "in_thread", st->thread > 0 ? "1" : "" },
			{ "url", url.data ? url.data : "" },
			{ "date", date },
			{ "size", size },
		};
		http_render(r, TPL_MESSAGE_ROW, row, sizeof(row) / sizeof(row[0]), rows);
		buf_free(&url);
		buf_free(&value);
		buf_free(&label);
	}
}

/* A column header: its link (the first click sorts it the column's own way,
 * the next turns the order round), and, for the sorted one, the order said
 * in aria-sort and shown as an arrow. */
struct column {
	struct buf url;
	const char *aria, *arrow;
};

static void column_make(struct column *c, const struct list_state *st, enum mail_sort sort)
{
	int sorted = st->sort == sort;
	buf_init(&c->url, 4096);
	list_state_url(&c->url, st, sort,
		       sorted ? !st->ascending : list_state_first_ascending(sort), 0);
	c->aria = !sorted ? "" : st->ascending ? "ascending" : "descending";
	c->arrow = !sorted ? "" : st->ascending ? "\u25b2" : "\u25bc";
}

/* The folder list, or a search's results in the same form: ?q=WORDS searches
 * the folder f, or every folder with all=1. A page beyond the last (an old
 * link, a folder that shrank) shows the last. */
enum MHD_Result page_mail(struct request *r, const char *rest)
{
	struct list_state st;
	struct mail_prefs prefs;
	list_state_parse(&st, http_arg(r, "f"), http_arg(r, "q"), http_arg(r, "all"),
			 http_arg(r, "s"), http_arg(r, "a"), http_arg(r, "p"));
	const char *folder = st.folder;
	int exists, partial = 0;
	long total = 0, unread = 0;
	struct mailstore *ms;
	struct mail_summary *msgs = NULL;
	struct buf items, options, rows, links[3];
	struct column cols[3];
	size_t n = 0;
	struct err e;
	(void)rest;

	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	/* Messages per page and the time zone are the user's. */
	mail_view_prefs(r, ms, &prefs);
	st.page_size = prefs.per_page;
	list_state_view(&st, http_arg(r, "c"), http_arg(r, "t"), prefs.conversations);
	buf_init(&items, LIST_MAX);
	buf_init(&options, LIST_MAX);
	buf_init(&rows, LIST_MAX);
	for (size_t i = 0; i < 3; i++)
		buf_init(&links[i], 4096);
	/* The folders' counts once: the folder's unread one is the tab's title's. */
	long folder_unread = 0;
	int failed = mail_view_folders(r, ms, folder, &items, &options, &exists, &folder_unread,
				       &e) < 0;
	if (!failed && exists) {
		failed = list_state_fetch(ms, &st, (size_t)st.page * (size_t)st.page_size,
					  (size_t)st.page_size, &msgs, &n, &total, &partial, &e) < 0;
		/* A conversation shown whole, or gone (all of it deleted or
		 * moved): the folder's conversations. */
		if (!failed && st.thread > 0) {
			st.page = 0;
			if (n == 0) {
				free(msgs);
				msgs = NULL;
				st.thread = 0;
				failed = list_state_fetch(ms, &st, 0, (size_t)st.page_size, &msgs,
							  &n, &total, &partial, &e) < 0;
			}
		}
		long last = list_state_clamp(&st, total);
		if (!failed && st.thread == 0 && last != st.page) {
			free(msgs);
			msgs = NULL;
			st.page = last;
			failed = list_state_fetch(ms, &st, (size_t)st.page * (size_t)st.page_size,
						  (size_t)st.page_size, &msgs, &n, &total, &partial,
						  &e) < 0;
		}
		if (!failed && !st.query[0])
			unread = folder_unread;
	}
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
	render_rows(r, &st, prefs.zone, msgs, n, &rows);
	/* The second column is the sender, or in Sent and Drafts the recipient. */
	const enum mail_sort col_sorts[3] = {
		MAIL_SORT_DATE, lists_recipients(folder) && !st.all ? MAIL_SORT_TO : MAIL_SORT_FROM,
		MAIL_SORT_SUBJECT
	};
	for (size_t i = 0; i < 3; i++)
		column_make(&cols[i], &st, col_sorts[i]);
	if (st.page > 0 && st.thread == 0)
		list_state_url(&links[0], &st, st.sort, st.ascending, st.page - 1);
	if ((st.page + 1) * st.page_size < total && st.thread == 0)
		list_state_url(&links[1], &st, st.sort, st.ascending, st.page + 1);
	mail_view_url(&links[2], "/mail", folder, NULL);
	/* The switch between conversations and single messages (the page
	 * begins again: a page of one is not a page of the other), and from a
	 * conversation the way back to the folder's. */
	struct list_state other = st;
	struct buf toggle, up;
	buf_init(&toggle, 4096);
	buf_init(&up, 4096);
	other.conv = list_state_threads(&st) ? 0 : 1;
	other.thread = 0;
	list_state_url(&toggle, &other, st.sort, st.ascending, 0);
	if (st.thread > 0) {
		other = st;
		other.thread = 0;
		list_state_url(&up, &other, st.sort, st.ascending, 0);
	}
	const char *thread_subject = st.thread > 0 && n > 0 && msgs[0].subject[0]
					     ? msgs[0].subject
					     : "(no subject)";
	char here[4096], count[24], first[24], last[24], title[MAIL_FOLDER_MAX + 48];
	struct buf h;
	buf_init(&h, sizeof(here) - 1);
	list_state_url(&h, &st, st.sort, st.ascending, st.page);
	snprintf(here, sizeof(here), "%s", h.data ? h.data : "/mail");
	buf_free(&h);
	snprintf(count, sizeof(count), "%ld", total);
	snprintf(first, sizeof(first), "%ld", total ? st.page * st.page_size + 1 : 0);
	snprintf(last, sizeof(last), "%ld", st.page * st.page_size + (long)n);
	/* The unread count first, where a tab's title shows it even when cut. */
	if (st.query[0])
		snprintf(title, sizeof(title), "Search – %s", folder);
	else if (unread > 0)
		snprintf(title, sizeof(title), "(%ld) %s", unread, folder);
	else
		snprintf(title, sizeof(title), "%s", folder);
	int special = !strcmp(folder, MAIL_INBOX) || !strcmp(folder, MAIL_SENT) ||
		      !strcmp(folder, MAIL_TRASH) || !strcmp(folder, MAIL_DRAFTS);
	const struct tvar vars[] = {
		{ "folders", items.data ? items.data : "" },
		{ "csrf", r->sess.csrf },
		{ "folder", folder },
		{ "query", st.query },
		{ "all", st.all ? "1" : "" },
		{ "folder_url", links[2].data ? links[2].data : "/mail" },
		{ "partial", partial & MAIL_SEARCH_INDEXING ? "1" : "" },
		/* A common word is counted only so far: "more than N found". */
		{ "more", partial & MAIL_SEARCH_MORE ? "1" : "" },
		{ "total", count },
		{ "one", total == 1 ? "1" : "" },
		{ "conversations", list_state_threads(&st) && st.thread == 0 ? "1" : "" },
		{ "conv_toggle", st.query[0] ? "" : toggle.data ? toggle.data : "" },
		{ "conv_on", list_state_threads(&st) ? "1" : "" },
		{ "thread", st.thread > 0 ? "1" : "" },
		{ "thread_subject", thread_subject },
		{ "thread_up", up.data ? up.data : "" },
		{ "notice", degraded > 0 && (size_t)degraded < sizeof(degraded_notices) /
						  sizeof(degraded_notices[0])
				    ? degraded_notices[degraded]
				    : mail_view_notice(http_arg(r, "n")) },
		{ "can_delete_folder", special || st.query[0] ? "" : "1" },
		{ "here", here },
		{ "in_trash", strcmp(folder, MAIL_TRASH) == 0 && !st.all ? "1" : "" },
		{ "move_options", options.data ? options.data : "" },
		{ "who", lists_recipients(folder) && !st.all ? "To" : "From" },
		{ "sort_date", cols[0].url.data },
		{ "aria_date", cols[0].aria },
		{ "arrow_date", cols[0].arrow },
		{ "sort_from", cols[1].url.data },
		{ "aria_from", cols[1].aria },
		{ "arrow_from", cols[1].arrow },
		{ "sort_subject", cols[2].url.data },
		{ "aria_subject", cols[2].aria },
		{ "arrow_subject", cols[2].arrow },
		{ "rows", rows.data ? rows.data : "" },
		{ "newer", links[0].data ? links[0].data : "" },
		{ "older", links[1].data ? links[1].data : "" },
		{ "first", first },
		{ "last", last },
	};
	rc = http_send_framed(r, MHD_HTTP_OK, TPL_MAILBOX, vars, sizeof(vars) / sizeof(vars[0]),
			      title);
	for (size_t i = 0; i < 3; i++)
		buf_free(&cols[i].url);
	buf_free(&toggle);
	buf_free(&up);
out:
	free(msgs);
	buf_free(&items);
	buf_free(&options);
	buf_free(&rows);
	for (size_t i = 0; i < 3; i++)
		buf_free(&links[i]);
	return rc;
}

/* Where to go after an action: a page of the mailbox, with a notice. A
 * message page names where to go once its message left the list (gone). */
static enum MHD_Result back_to(struct request *r, const char *folder, const char *notice)
{
	const char *back = form_get(r->form, "back"), *gone = form_get(r->form, "gone");
	if (gone[0] && (strcmp(notice, "trashed") == 0 || strcmp(notice, "deleted") == 0 ||
			strcmp(notice, "moved") == 0))
		back = gone;
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

/* What an action does to one message; its notice code. */
static int act(struct mailstore *ms, const char *op, const char *in, const char *mid,
	       const char *to, const char **notice, struct err *e)
{
	if (strcmp(op, "delete") == 0 && strcmp(in, MAIL_TRASH) == 0) {
		*notice = "deleted";
		return mailstore_delete(ms, in, mid, e);
	}
	if (strcmp(op, "delete") == 0) {
		*notice = "trashed";
		return mailstore_move(ms, in, mid, MAIL_TRASH, e);
	}
	if (strcmp(op, "move") == 0) {
		*notice = "moved";
		return mailstore_move(ms, in, mid, to, e);
	}
	*notice = "marked";
	if (strcmp(op, "unread") == 0)
		return mailstore_set_flags(ms, in, mid, 0, MAIL_SEEN, e);
	return mailstore_set_flags(ms, in, mid, MAIL_SEEN, 0, e);
}

/* What an action does to each message of a conversation (thread: its
 * number as the form gave it; anything else is no conversation). */
static void act_thread(struct request *r, struct mailstore *ms, const char *op, const char *in,
		       const char *thread, const char *to, const char **notice)
{
	struct mail_summary *v;
	size_t n;
	struct err e;
	char *end;
	if (thread[0] < '1' || thread[0] > '9' || strlen(thread) > 18)
		return;
	long long t = strtoll(thread, &end, 10);
	if (*end)
		return;
	if (mailstore_thread(ms, in, t, &v, &n, &e) < 0) {
		log_warnx("%s: %s conversation %lld: %s", log_q(r->sess.user), log_q(op), t,
			  log_q(e.msg));
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (act(ms, op, in, v[i].id, to, notice, &e) < 0)
			log_warnx("%s: %s %s: %s", log_q(r->sess.user), log_q(op), log_q(v[i].id),
				  log_q(e.msg));
	free(v);
}

/* Delete, Move and Mark on the messages ticked in the list (or the one
 * message shown). Nothing ticked, a move without a folder chosen, or an
 * action this page does not offer change nothing and say so. */
enum MHD_Result page_mail_action(struct request *r, const char *rest)
{
	const char *folder = form_get(r->form, "f"), *op = form_get(r->form, "op");
	const char *to = form_get(r->form, "to"), *notice = "none";
	static const char *const ops[] = { "delete", "move", "unread", "read" };
	struct mailstore *ms;
	struct err e;
	const struct form_field *id;
	int known = 0, any = 0;
	(void)rest;
	if (!folder[0])
		folder = MAIL_INBOX;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		known |= strcmp(op, ops[i]) == 0;
	for (size_t i = 0; (id = form_nth(r->form, "id", i)); i++)
		any |= id->value.data && id->value.data[0];
	if (!known)
		return back_to(r, folder, "unknown");
	if (!any)
		return back_to(r, folder, "none");
	if (strcmp(op, "move") == 0 && !to[0])
		return back_to(r, folder, "no_target");
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	for (size_t i = 0; (id = form_nth(r->form, "id", i)); i++) {
		const char *mid = id->value.data ? id->value.data : "";
		char where[MAIL_FOLDER_MAX];
		const char *in = folder;
		if (!mid[0])
			continue;
		/* "FOLDER/ID" from a search in all folders: the message's own
		 * folder (neither part may hold a '/'). */
		const char *slash = strchr(mid, '/');
		if (slash && (size_t)(slash - mid) < sizeof(where)) {
			snprintf(where, sizeof(where), "%.*s", (int)(slash - mid), mid);
			in = where;
			mid = slash + 1;
		}
		/* "t:N": every message of conversation N in the folder. */
		if (strncmp(mid, "t:", 2) == 0) {
			act_thread(r, ms, op, in, mid + 2, to, &notice);
			continue;
		}
		if (act(ms, op, in, mid, to, &notice, &e) < 0)
			log_warnx("%s: %s %s: %s", log_q(r->sess.user), log_q(op), log_q(mid),
				  log_q(e.msg));
	}
	mailstore_close(&ms);
	return back_to(r, folder, notice);
}
