/* mailbox.h - the signed-on user's mailbox. */
#ifndef WEBMSGD_MAILBOX_H
#define WEBMSGD_MAILBOX_H

#include <stddef.h>

#include <microhttpd.h>

struct config_snapshot;
struct err;
struct mailstore;
struct request;

/* The session user's mailbox: under mail.root, or on the IMAP server with
 * mail.store imap (logged on with the session's own user and password). */
int mailbox_open(struct request *r, struct mailstore **ms, struct err *e);
/* Another user's Maildir under mail.root (local delivery). */
int mailbox_open_for(struct request *r, const char *domain, const char *user,
		     struct mailstore **ms, struct err *e);
/* The session of r is logging off: its IMAP connections are logged out. */
void mailbox_logoff(struct request *r);
/* 1 when cfg's mail.store is imap. */
int mailbox_is_imap(const struct config_snapshot *cfg);
/* 1 when a mail store's failure e is the IMAP server being down or silent
 * (not a refusal, not a fault here): a page says so with 503. */
int mailbox_unreachable(const struct err *e);
/* 503 "the mail server is not reachable" with Retry-After; e is logged. */
enum MHD_Result mailbox_send_unreachable(struct request *r, const struct err *e);

#endif
