/* mailbox.c - opening the user's mailbox for a request. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "mailbox.h"
#include "server.h"
#include "webmsg/address.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

int mailbox_open_for(struct request *r, const char *domain, const char *user,
		     struct mailstore **ms, struct err *e)
{
	char root[PATH_MAX];
	if (config_path(r->gen->cfg, SET_MAIL_ROOT, root, sizeof(root), e) < 0 ||
	    mailstore_open(root, domain, user, ms, e) < 0)
		return -1;
	/* Every copy that enters a mailbox (delivery, Sent, Drafts) is checked
	 * against it by the store itself. */
	mailstore_set_quota(*ms, config_int(r->gen->cfg, SET_MAIL_QUOTA_MB) * 1024 * 1024);
	return 0;
}

int mailbox_open(struct request *r, struct mailstore **ms, struct err *e)
{
	char user[USER_ADDRESS_MAX], domain[USER_ADDRESS_MAX];
	if (address_split(r->sess.user, user, sizeof(user), domain, sizeof(domain), NULL) < 0)
		return err_set(e, "no user");
	return mailbox_open_for(r, domain, user, ms, e);
}
