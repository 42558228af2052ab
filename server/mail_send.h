/* mail_send.h - sending a message a user wrote: delivered straight into the
 * Maildir of recipients who are users here, queued in the outbox for
 * smtp.relay for everyone else, and a copy into the sender's Sent folder. */
#ifndef WEBMSGD_MAIL_SEND_H
#define WEBMSGD_MAIL_SEND_H

#include <stddef.h>

struct err;
struct mime_compose;
struct request;

/* Checks every recipient first (local ones must exist; others need a relay),
 * so that nothing is sent to some when it cannot go to all. *queued is 1 when
 * some recipients are on other hosts: their copy is spooled (on disk) and
 * goes out from the outbox's threads, never from the request's. */
int mail_send(struct request *r, const struct mime_compose *c, int *queued, struct err *e);

/* Keeps what the user wrote in Drafts (Save draft, or sending failed). One
 * message has one draft: replaces (its id in Drafts, or NULL/"") is removed
 * once the new version is safely written, never before. id_out gets the new
 * draft's id (may be NULL). */
int mail_send_keep_draft(struct request *r, const struct mime_compose *c, const char *replaces,
			 char *id_out, size_t idlen, struct err *e);
/* mail.store imap, after the session ended: the IMAP password ended with
 * it, so what was typed (the draft's MIME, attachments included) goes to the
 * parent, which keeps it sealed until the next logon of the user in this
 * browser (a cookie names the browser) and then puts it in Drafts. */
int mail_send_keep_sealed(struct request *r, const struct mime_compose *c, struct err *e);
/* After a session ended, what was typed went to Drafts as draft id: the
 * browser is told (a cookie), so that the logon page says so and the next
 * logon leads to the draft. */
void mail_send_note_kept(struct request *r, const char *id);
/* The draft kept after the session ended, if the browser has one and it is
 * in the user's Drafts: its id into id (len MAIL_ID_MAX) and 1, else 0.
 * The cookie is spent. Under mail.store imap, what was kept sealed goes
 * into Drafts now (the session just began: its password is known). */
int mail_send_take_kept(struct request *r, char *id, size_t len);
/* 1 when the browser says a draft was kept after its session ended. */
int mail_send_has_kept(struct request *r);
/* Once a reply or a forward is sent: flags the original (MAIL_ANSWERED,
 * MAIL_FORWARDED) where the form says it is. Nothing when id is ""; a
 * message gone meanwhile is only logged: the mail went out all the same. */
void mail_send_mark_original(struct request *r, const char *folder, const char *id,
			     unsigned flag);
/* Removes a draft from Drafts once its message has been sent. */
void mail_send_drop_draft(struct request *r, const char *id);

#endif
