/* page_folders.c - what a user does to folders: the page that lists them
 * with their counts (/mail/folders), create (at the top level or inside
 * another), rename, delete after a page that asks first (its messages go to
 * Trash), and Empty Trash after one that says it is for good. A name that is
 * refused comes back on the same page, under the field it was typed in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"

#include "mail_view.h"

#define PAGE_MAX (2 << 20)

/* What the folders page says back after a form that was refused, and where:
 * under the create form, or in the row of one folder. */
struct feedback {
	const char *create_error;
	const char *typed;  /* the name typed in the create form */
	const char *parent; /* the parent chosen there */
	const char *row;    /* the folder whose row has row_error */
	const char *row_error;
	const char *row_typed; /* the new name typed in that row */
};

struct rows_ctx {
	const struct feedback *fb;
	const char *csrf;
	int next_id;
};

static void count_text(long n, const char *one, const char *many, char *out, size_t outlen)
{
	if (n == 1)
		snprintf(out, outlen, "1 %s", one);
	else
		snprintf(out, outlen, "%ld %s", n, many);
}

static void folder_row(struct request *r, const struct mail_folder *f, const char *label,
		       const char *children, void *arg, struct buf *out)
{
	struct rows_ctx *c = arg;
	struct buf url, del;
	char total[48], unread[24] = "", id[24];
	int here = c->fb->row && strcmp(c->fb->row, f->name) == 0;

	buf_init(&url, 1024);
	buf_init(&del, 1024);
	mail_view_url(&url, "/mail", f->name, NULL);
	mail_view_url(&del, "/mail/folders/delete", f->name, NULL);
	count_text(f->total, "message", "messages", total, sizeof(total));
	if (f->unread)
		snprintf(unread, sizeof(unread), "%ld", f->unread);
	snprintf(id, sizeof(id), "rename-%d", c->next_id++);
	const struct tvar vars[] = {
		{ "label", label },
		{ "name", f->name },
		{ "url", url.data },
		{ "total", total },
		{ "unread", unread },
		{ "user", f->special ? "" : "1" },
		{ "trash", strcmp(f->name, MAIL_TRASH) == 0 ? "1" : "" },
		{ "csrf", c->csrf },
		{ "id", id },
		{ "to", here && c->fb->row_typed ? c->fb->row_typed : mailstore_folder_leaf(f->name) },
		{ "delete_url", del.data },
		{ "error", here && c->fb->row_error ? c->fb->row_error : "" },
		{ "children", children },
	};
	http_render(r, TPL_FOLDER_ROW, vars, sizeof(vars) / sizeof(vars[0]), out);
	buf_free(&url);
	buf_free(&del);
}

/* The folders page, with what fb says where it belongs. */
static enum MHD_Result show(struct request *r, unsigned status, const struct feedback *fb,
			    const char *notice)
{
	struct mailstore *ms;
	struct mail_folder *v = NULL;
	size_t n = 0;
	struct err e;
	struct buf items, rows, parents;
	struct rows_ctx ctx = { fb, r->sess.csrf, 0 };

	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	int rc = mailstore_folders(ms, &v, &n, &e);
	mailstore_close(&ms);
	if (rc < 0)
		return mail_view_error(r, &e);
	buf_init(&items, PAGE_MAX);
	buf_init(&rows, PAGE_MAX);
	buf_init(&parents, PAGE_MAX);
	mail_view_folder_list(r, v, n, "", &items, &parents, fb->parent);
	mail_view_tree(r, v, n, folder_row, &ctx, &rows);
	free(v);
	const struct tvar vars[] = {
		{ "folders", items.data ? items.data : "" },
		{ "rows", rows.data ? rows.data : "" },
		{ "parents", parents.data ? parents.data : "" },
		{ "csrf", r->sess.csrf },
		{ "notice", notice ? notice : "" },
		{ "typed", fb->typed ? fb->typed : "" },
		{ "create_error", fb->create_error ? fb->create_error : "" },
	};
	enum MHD_Result res = http_send_framed(r, status, TPL_FOLDERS, vars,
					       sizeof(vars) / sizeof(vars[0]), "Folders");
	buf_free(&items);
	buf_free(&rows);
	buf_free(&parents);
	return res;
}

enum MHD_Result page_folders(struct request *r, const char *rest)
{
	const struct feedback none = { 0 };
	(void)rest;
	return show(r, MHD_HTTP_OK, &none, mail_view_notice(http_arg(r, "n")));
}

/* The page that asks before a folder is deleted or Trash emptied: a form
 * that does it, and a link that does not. refusal: why it cannot be done
 * (then no form). */
static enum MHD_Result confirm(struct request *r, const char *title, const char *question,
			       const char *op, const char *name, const char *button,
			       const char *cancel, const char *refusal)
{
	const struct tvar vars[] = {
		{ "title", title },
		{ "question", question },
		{ "refusal", refusal ? refusal : "" },
		{ "csrf", r->sess.csrf },
		{ "op", op },
		{ "name", name },
		{ "button", button },
		{ "cancel", cancel },
	};
	return http_send_framed(r, MHD_HTTP_OK, TPL_FOLDER_CONFIRM, vars,
				sizeof(vars) / sizeof(vars[0]), title);
}

/* The folder named by f, as the store lists it, and whether it has
 * sub-folders (the first one's name in child). */
static int find_folder(struct request *r, const char *name, struct mail_folder *out,
		       char *child, size_t childlen, struct err *e)
{
	struct mailstore *ms;
	struct mail_folder *v;
	size_t n, len = strlen(name);
	int found = 0;
	child[0] = '\0';
	if (mailbox_open(r, &ms, e) < 0)
		return -1;
	int rc = mailstore_folders(ms, &v, &n, e);
	mailstore_close(&ms);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			*out = v[i];
			found = 1;
		} else if (!child[0] && strncmp(v[i].name, name, len) == 0 &&
			   v[i].name[len] == MAIL_FOLDER_SEP) {
			snprintf(child, childlen, "%s", v[i].name + len + 1);
		}
	}
	free(v);
	return found;
}

enum MHD_Result page_folder_delete_ask(struct request *r, const char *rest)
{
	const char *name = http_arg(r, "f");
	struct mail_folder f;
	char child[MAIL_FOLDER_MAX], title[MAIL_FOLDER_MAX * 2 + 32], question[MAIL_FOLDER_MAX * 2 + 96],
		path[MAIL_FOLDER_MAX * 2], refusal[MAIL_FOLDER_MAX * 4 + 96] = "";
	struct err e;
	(void)rest;

	int found = name[0] ? find_folder(r, name, &f, child, sizeof(child), &e) : 0;
	if (found < 0)
		return mail_view_error(r, &e);
	if (!found)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no such folder.");
	mail_view_folder_path(name, path, sizeof(path));
	snprintf(title, sizeof(title), "Delete folder %s?", path);
	if (f.special)
		snprintf(refusal, sizeof(refusal), "%s is a folder every mailbox has: it cannot be "
			 "deleted.", path);
	else if (child[0])
		snprintf(refusal, sizeof(refusal), "%s holds other folders (%s): delete or rename "
			 "them first.", path, child);
	if (f.total == 0)
		snprintf(question, sizeof(question), "Delete folder %s? It holds no messages.", path);
	else if (f.total == 1)
		snprintf(question, sizeof(question), "Delete folder %s? Its message goes to Trash.",
			 path);
	else
		snprintf(question, sizeof(question), "Delete folder %s? Its %ld messages go to "
			 "Trash.", path, f.total);
	return confirm(r, title, question, "delete", name, "Delete folder", "/mail/folders",
		       refusal[0] ? refusal : NULL);
}

enum MHD_Result page_folder_empty_ask(struct request *r, const char *rest)
{
	struct mail_folder f;
	char child[MAIL_FOLDER_MAX], question[160];
	struct err e;
	(void)rest;

	int found = find_folder(r, MAIL_TRASH, &f, child, sizeof(child), &e);
	if (found < 0)
		return mail_view_error(r, &e);
	if (!found)
		return http_send_error(r, MHD_HTTP_NOT_FOUND, "There is no such folder.");
	if (f.total == 0)
		return confirm(r, "Empty Trash?", "", "empty", MAIL_TRASH, "Empty Trash",
			       "/mail?f=Trash", "Trash is empty already.");
	if (f.total == 1)
		snprintf(question, sizeof(question), "Empty Trash? Its message is deleted for "
			 "good: it cannot be brought back.");
	else
		snprintf(question, sizeof(question), "Empty Trash? Its %ld messages are deleted "
			 "for good: they cannot be brought back.", f.total);
	return confirm(r, "Empty Trash?", question, "empty", MAIL_TRASH, "Empty Trash",
		       "/mail?f=Trash", NULL);
}

/* After a change: a page with a notice, by a redirect (so that reloading it
 * changes nothing). */
static enum MHD_Result done(struct request *r, const char *path, const char *folder,
			    const char *notice)
{
	struct buf b;
	buf_init(&b, 4096);
	if (folder)
		mail_view_url(&b, path, folder, NULL);
	else
		buf_puts(&b, path);
	buf_printf(&b, "%sn=%s", folder ? "&" : "?", notice);
	enum MHD_Result res = http_see_other(r, b.data);
	buf_free(&b);
	return res;
}

enum MHD_Result page_mail_folder(struct request *r, const char *rest)
{
	const char *op = form_get(r->form, "op"), *name = form_get(r->form, "name");
	struct feedback fb = { 0 };
	struct mailstore *ms;
	struct err e;
	char full[MAIL_FOLDER_MAX], parent[MAIL_FOLDER_MAX];
	int rc;
	(void)rest;

	if (strcmp(op, "create") == 0) {
		fb.typed = name;
		fb.parent = form_get(r->form, "parent");
		/* The name as the user means it, inside the parent chosen. */
		if (mailstore_folder_join(fb.parent, name, full, sizeof(full), &e) < 0) {
			fb.create_error = e.msg;
			return show(r, MHD_HTTP_BAD_REQUEST, &fb, NULL);
		}
	} else if (strcmp(op, "rename") == 0) {
		const char *sep = strrchr(name, MAIL_FOLDER_SEP);
		fb.row = name;
		fb.row_typed = form_get(r->form, "to");
		/* A new name for the folder where it is: its parent stays. */
		snprintf(parent, sizeof(parent), "%.*s", sep ? (int)(sep - name) : 0, name);
		if (mailstore_folder_join(parent, fb.row_typed, full, sizeof(full), &e) < 0) {
			fb.row_error = e.msg;
			return show(r, MHD_HTTP_BAD_REQUEST, &fb, NULL);
		}
	} else if (strcmp(op, "delete") == 0 || strcmp(op, "empty") == 0) {
		fb.row = name;
	} else {
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, "This form asks for nothing known.");
	}
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	if (strcmp(op, "create") == 0)
		rc = mailstore_folder_create(ms, full, &e);
	else if (strcmp(op, "rename") == 0)
		rc = mailstore_folder_rename(ms, name, full, &e);
	else if (strcmp(op, "delete") == 0)
		rc = mailstore_folder_delete(ms, name, &e);
	else if (strcmp(name, MAIL_TRASH) == 0)
		rc = mailstore_folder_empty(ms, name, &e);
	else {
		/* Only Trash is emptied: other folders' mail goes to Trash first. */
		err_set(&e, "only Trash can be emptied");
		rc = -1;
	}
	int refused = rc < 0 && (mailstore_refused(ms) || strcmp(op, "empty") == 0);
	mailstore_close(&ms);
	/* A name taken or not allowed is the user's to fix, said where it was
	 * typed; anything else names paths, and goes to the log. */
	if (rc < 0 && refused) {
		if (fb.typed)
			fb.create_error = e.msg;
		else
			fb.row_error = e.msg;
		return show(r, MHD_HTTP_BAD_REQUEST, &fb, NULL);
	}
	if (rc < 0)
		return mail_view_error(r, &e);
	log_info("%s: folder %s %s%s%s", log_q(r->sess.user), op, log_q(name),
		 strcmp(op, "rename") == 0 ? " to " : "", strcmp(op, "rename") == 0 ? log_q(full) : "");
	if (strcmp(op, "empty") == 0)
		return done(r, "/mail", MAIL_TRASH, "emptied");
	return done(r, "/mail/folders", NULL,
		    strcmp(op, "create") == 0   ? "created"
		    : strcmp(op, "rename") == 0 ? "renamed"
						: "removed");
}
