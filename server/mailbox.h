/* mailbox.h - the signed-on user's mailbox. */
#ifndef WEBMSGD_MAILBOX_H
#define WEBMSGD_MAILBOX_H

#include <stddef.h>

struct err;
struct mailstore;
struct request;

/* The session user's mailbox under mail.root. */
int mailbox_open(struct request *r, struct mailstore **ms, struct err *e);
int mailbox_open_for(struct request *r, const char *domain, const char *user,
		     struct mailstore **ms, struct err *e);

#endif
