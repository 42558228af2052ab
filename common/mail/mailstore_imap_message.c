/* mailstore_imap_message.c - the IMAP mail store's operations on one
 * message: its summary, flags, move, removal, and APPEND. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_imap_private.h"

int mailstore_imap_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
		     struct err *e)
{
	(void)be, (void)folder, (void)id, (void)path, (void)pathlen;
	return err_set(e, "messages on an IMAP server have no file to read");
}

int mailstore_imap_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
			struct err *e)
{
	struct imap_store *s = be;
	uint32_t uid;
	size_t got;
	int r;
	if (imap_store_uid_parse(id, &uid, e) < 0)
		return MAILSTORE_REFUSED;
	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	if (imap_store_fetch_summaries(s, &uid, 1, out, &got, e) < 0)
		return -1;
	if (!got) {
		err_set(e, "no such message");
		return MAILSTORE_REFUSED;
	}
	return 0;
}

/* Selects folder and checks that the message is there: 0 with its UID. */
static int message_there(struct imap_store *s, const char *folder, const char *id,
			 uint32_t *uid, struct err *e)
{
	struct mail_summary m;
	int r = mailstore_imap_summary(s, folder, id, &m, e);
	return r < 0 ? r : imap_store_uid_parse(id, uid, e);
}

int mailstore_imap_set_flags(void *be, const char *folder, const char *id, unsigned set,
			  unsigned clear, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *one;
	uint32_t uid;
	int r;
	if ((r = message_there(s, folder, id, &uid, e)) < 0)
		return r;
	set &= ~(unsigned)MAIL_HAS_ATTACHMENT;
	clear &= ~(unsigned)MAIL_HAS_ATTACHMENT;
	if (!(one = mailimap_set_new_single(uid)))
		return err_set(e, "out of memory");
	r = 0;
	if (set)
		r = imap_store_store_flags(s, one, set, 1, e);
	if (r == 0 && clear)
		r = imap_store_store_flags(s, one, clear, 0, e);
	mailimap_set_free(one);
	return r;
}

int mailstore_imap_move(void *be, const char *folder, const char *id, const char *to,
		     struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *one;
	uint32_t uid;
	int r;
	if ((r = message_there(s, folder, id, &uid, e)) < 0)
		return r;
	if (!(one = mailimap_set_new_single(uid)))
		return err_set(e, "out of memory");
	r = imap_store_move_set(s, one, to, e);
	mailimap_set_free(one);
	return r;
}

int mailstore_imap_remove(void *be, const char *folder, const char *id, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *one;
	uint32_t uid;
	int r;
	if ((r = message_there(s, folder, id, &uid, e)) < 0)
		return r;
	if (!(one = mailimap_set_new_single(uid)))
		return err_set(e, "out of memory");
	r = imap_store_expunge(s, one, e);
	mailimap_set_free(one);
	return r;
}

int mailstore_imap_deliver(void *be, const char *folder, const void *data, size_t len,
			unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	struct imap_store *s = be;
	char mb[MAIL_FOLDER_MAX * 2];
	struct mailimap_flag_list *fl;
	uint32_t validity = 0, uid = 0;
	int r;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (imap_store_to_server(s, folder, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	if (!(fl = imap_store_flag_list(flags & ~(unsigned)MAIL_HAS_ATTACHMENT)))
		return err_set(e, "out of memory");
	if (imap_client_caps(s->c) & IMAP_CAP_UIDPLUS)
		r = mailimap_uidplus_append(imap_store_session(s), mb, fl, NULL, data, len, &validity, &uid);
	else
		r = mailimap_append(imap_store_session(s), mb, fl, NULL, data, len);
	mailimap_flag_list_free(fl);
	if (r == MAILIMAP_ERROR_APPEND) {
		char why[ERR_MSG_MAX];
		FAIL(s, r, "store the message", e);
		snprintf(why, sizeof(why), "%s", e->msg);
		err_set(e, "%s", why);
		return MAILSTORE_REFUSED; /* over quota, a folder that is not there */
	}
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "store a message", e);
	if (strcmp(s->selected, folder) == 0)
		imap_store_cache_drop(s);
	/* Without UIDPLUS the new message's UID is not known: no id. */
	if (id_out && idlen && uid)
		snprintf(id_out, idlen, "%u", uid);
	return 0;
}

