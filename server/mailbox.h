/* mailbox.h - the signed-on user's mailbox, and the mail pages' helpers. */
#ifndef WEBMSGD_MAILBOX_H
#define WEBMSGD_MAILBOX_H

#include <stddef.h>

struct buf;
struct err;
struct mailstore;
struct request;

/* The session user's mailbox under mail.root. */
int mailbox_open(struct request *r, struct mailstore **ms, struct err *e);
int mailbox_open_for(struct request *r, const char *domain, const char *user,
		     struct mailstore **ms, struct err *e);

/* Appends s percent-encoded for a query string. */
void mailbox_url_encode(struct buf *b, const char *s);

#endif
