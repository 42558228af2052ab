/* mailbox.c - opening the user's mailbox for a request: the Maildir under
 * mail.root, or with mail.store imap the IMAP server, logged on with the
 * user name and password the session began with (kept sealed by the parent,
 * asked for each time: this process keeps no password between requests). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "imap_pool.h"
#include "mailbox.h"
#include "privsep.h"
#include "server.h"
#include "webmsg/address.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"
#include "webmsg/password.h"

#define UNREACHABLE "the mail server is not reachable"
#define SILENT "the mail server did not answer"
/* Seconds a browser is asked to wait before it tries again. */
#define RETRY_SECONDS "60"

int mailbox_is_imap(const struct config_snapshot *cfg)
{
	return strcmp(config_str(cfg, SET_MAIL_STORE), "imap") == 0;
}

/* The session's IMAP mailbox: its connection kept from an earlier request
 * when it still works, else a new one (kept in turn). The password is
 * wiped as soon as the server has it. */
static int open_imap(struct request *r, struct mailstore **ms, struct err *e)
{
	const struct config_snapshot *cfg = r->gen->cfg;
	if ((*ms = imap_pool_take(r->sess.key, r->gen))) {
		struct err dead;
		if (mailstore_alive(*ms, &dead) == 0)
			return 0;
		log_info("a kept connection to the mail server ended: %s", log_q(dead.msg));
		mailstore_close(ms); /* broken: the pool lets it go */
	}
	char user[PRIVSEP_IMAP_USER_MAX], password[PASSWORD_MAX + 1], ca[PATH_MAX];
	if (config_path(cfg, SET_MAIL_IMAP_CA_FILE, ca, sizeof(ca), e) < 0)
		return -1;
	int rc = privsep_imap_creds(r->gen->srv->ps, r->sess.id, r->https, user, sizeof(user),
				    password, sizeof(password), e);
	if (rc == 1)
		return err_set(e, "this session has no mail server password (a remembered "
				  "logon): log off and on again");
	if (rc < 0)
		return -1;
	const struct mailstore_imap server = {
		config_str(cfg, SET_MAIL_IMAP_SERVER), config_str(cfg, SET_MAIL_IMAP_TLS), ca,
		(int)config_int(cfg, SET_MAIL_IMAP_TIMEOUT), 0,
		/* Resolved by the parent: this process can look nothing up. */
		r->gen->srv->imap_addrs,
	};
	rc = mailstore_open_imap(&server, user, password, ms, e);
	explicit_bzero(password, sizeof(password));
	if (rc == 0)
		imap_pool_adopt(*ms, r->sess.key, r->gen);
	if (rc == -2)
		/* Changed on the IMAP server since the logon. */
		return err_set(e, "the mail server no longer accepts this session's password: "
				  "log off and on again");
	return rc;
}

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
	*ms = NULL;
	if (mailbox_is_imap(r->gen->cfg))
		return open_imap(r, ms, e);
	if (address_split(r->sess.user, user, sizeof(user), domain, sizeof(domain), NULL) < 0)
		return err_set(e, "no user");
	return mailbox_open_for(r, domain, user, ms, e);
}

int mailbox_unreachable(const struct err *e)
{
	return strncmp(e->msg, UNREACHABLE, strlen(UNREACHABLE)) == 0 ||
	       strncmp(e->msg, SILENT, strlen(SILENT)) == 0;
}

enum MHD_Result mailbox_send_unreachable(struct request *r, const struct err *e)
{
	log_warnx("%s %s from %s: %s", log_q(r->method), log_q(r->url), r->client, log_q(e->msg));
	return http_send_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
			       "The mail server is not reachable. Please try again in a minute.");
}

void mailbox_logoff(struct request *r)
{
	if (mailbox_is_imap(r->gen->cfg))
		imap_pool_forget(r->sess.key);
}
