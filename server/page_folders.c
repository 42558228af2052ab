/* page_folders.c - what a user does to folders: create and delete. */
#include <string.h>

#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#include "mail_view.h"

enum MHD_Result page_mail_folder(struct request *r, const char *rest)
{
	const char *op = form_get(r->form, "op"), *name = form_get(r->form, "name");
	struct mailstore *ms;
	struct err e;
	int rc;
	(void)rest;
	if (mailbox_open(r, &ms, &e) < 0)
		return mail_view_error(r, &e);
	int create = strcmp(op, "create") == 0;
	rc = create ? mailstore_folder_create(ms, name, &e) : mailstore_folder_delete(ms, name, &e);
	int refused = rc < 0 && mailstore_refused(ms);
	mailstore_close(&ms);
	/* A name taken or not allowed is the user's to fix and said as it is;
	 * anything else names paths, and goes to the log. */
	if (rc < 0 && refused)
		return http_send_error(r, MHD_HTTP_BAD_REQUEST, e.msg);
	if (rc < 0)
		return mail_view_error(r, &e);
	struct buf b;
	buf_init(&b, 4096);
	mail_view_url(&b, "/mail", create ? name : MAIL_INBOX, NULL);
	buf_printf(&b, "&n=%s", create ? "created" : "removed");
	enum MHD_Result res = http_see_other(r, b.data);
	buf_free(&b);
	return res;
}
