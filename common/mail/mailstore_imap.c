/* mailstore_imap.c - the mail store on an IMAP server (mail.store imap): the
 * operations of mailstore_backend.h as IMAP commands over imap_client.c.
 *
 * Message ids are UIDs as decimal text, valid while the folder's UIDVALIDITY
 * stays. Folder names are webmsg's (levels split by MAIL_FOLDER_SEP, the
 * special folders by their English names) and become the server's: its
 * hierarchy separator between levels, and Sent, Drafts and Trash whatever
 * mailbox carries \Sent, \Drafts or \Trash (SPECIAL-USE), made when none
 * does. Pages are sorted by the server (SORT) when it can; otherwise the
 * folder's UIDs are sorted here from a FETCH of INTERNALDATE and ENVELOPE,
 * kept while the folder's UIDVALIDITY, UIDNEXT and size stay the same. */
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
#include "imap_utf7.h"
#include "mailstore_imap_meta.h"
#include "mailstore_imap_private.h"

static const char *const special_name[SP_COUNT] = { MAIL_SENT, MAIL_DRAFTS, MAIL_TRASH };
static const char *const special_flag[SP_COUNT] = { "Sent", "Drafts", "Trash" };


void imap_store_cache_drop(struct imap_store *s)
{
	free(s->cache.uids);
	memset(&s->cache, 0, sizeof(s->cache));
}

void imap_store_fresh_drop(struct imap_store *s)
{
	if (s->fresh_list)
		mailimap_list_result_free(s->fresh_list);
	s->fresh_list = NULL;
	free(s->names);
	s->names = NULL;
	s->nnames = 0;
}

/* ---- names ---- */

/* webmsg's folder name to the server's mailbox name. */
int imap_store_to_server(struct imap_store *s, const char *name, char *out, size_t outlen,
		     struct err *e)
{
	for (int i = 0; i < SP_COUNT; i++)
		if (strcasecmp(name, special_name[i]) == 0) {
			snprintf(out, outlen, "%s", s->special[i]);
			return 0;
		}
	if (strcasecmp(name, MAIL_INBOX) == 0) {
		snprintf(out, outlen, "INBOX");
		return 0;
	}
	/* The server's separator inside a level would make two levels of it. */
	if (s->delim && s->delim != MAIL_FOLDER_SEP && strchr(name, s->delim))
		return err_set(e, "this mail server's folder names may not hold '%c'", s->delim);
	/* Modified UTF-7 (RFC 3501 5.1.3), which also refuses CR, LF and every
	 * other control character: nothing that could end the command reaches
	 * the wire. Its letters never include MAIL_FOLDER_SEP. */
	if (imap_utf7_encode(name, out, outlen, e) < 0)
		return -1;
	for (char *p = out; *p; p++)
		if (*p == MAIL_FOLDER_SEP)
			*p = s->delim ? s->delim : MAIL_FOLDER_SEP;
	return 0;
}

/* The server's mailbox name to webmsg's, 0; -1 for one webmsg cannot name. */
int imap_store_from_server(struct imap_store *s, const char *mb, char delim, char *out,
		       size_t outlen)
{
	for (int i = 0; i < SP_COUNT; i++)
		if (strcmp(mb, s->special[i]) == 0) {
			snprintf(out, outlen, "%s", special_name[i]);
			return 0;
		}
	if (strcasecmp(mb, "INBOX") == 0) {
		snprintf(out, outlen, "%s", MAIL_INBOX);
		return 0;
	}
	struct err ignored;
	if (imap_utf7_decode(mb, out, outlen, &ignored) < 0 || strchr(out, '/') || out[0] == '.')
		return -1;
	for (char *p = out; *p; p++) {
		if (delim && *p == delim)
			*p = MAIL_FOLDER_SEP;
		else if (*p == MAIL_FOLDER_SEP)
			return -1; /* a '.' inside a level: not a name webmsg can say */
	}
	return 0;
}

/* ---- ids ---- */

int imap_store_uid_parse(const char *id, uint32_t *uid, struct err *e)
{
	char *end;
	unsigned long v;
	if (!isdigit((unsigned char)id[0]) || id[0] == '0' || strlen(id) > 10)
		return err_set(e, "no such message");
	errno = 0;
	v = strtoul(id, &end, 10);
	if (errno || *end || v == 0 || v > UINT32_MAX)
		return err_set(e, "no such message");
	*uid = (uint32_t)v;
	return 0;
}

/* ---- commands ---- */

#define FAIL(s, r, what, e) imap_client_fail((s)->c, (r), (what), (e))

struct mailimap *imap_store_session(struct imap_store *s)
{
	imap_client_begin(s->c);
	return imap_client_session(s->c);
}

/* SELECTs folder unless it is the one selected. A mailbox the server does
 * not have is a refusal (the user's), like Maildir's missing folder. */
int imap_store_select_folder(struct imap_store *s, const char *folder, struct err *e)
{
	char mb[MAIL_FOLDER_MAX * 2];
	int r;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (strcmp(s->selected, folder) == 0)
		return 0;
	if (imap_store_to_server(s, folder, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	s->selected[0] = '\0';
	s->present = 0;
	r = mailimap_select(imap_store_session(s), mb);
	if (r == MAILIMAP_ERROR_SELECT) {
		err_set(e, "no folder named '%.*s'", 64, folder);
		return MAILSTORE_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "open a folder", e);
	snprintf(s->selected, sizeof(s->selected), "%s", folder);
	return 0;
}

struct mailimap_selection_info *imap_store_selection(struct imap_store *s)
{
	return imap_client_session(s->c)->imap_selection_info;
}

struct mailimap_flag_list *imap_store_flag_list(unsigned flags)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	if (!fl)
		return NULL;
	if (flags & MAIL_SEEN)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (flags & MAIL_ANSWERED)
		mailimap_flag_list_add(fl, mailimap_flag_new_answered());
	if (flags & MAIL_FLAGGED)
		mailimap_flag_list_add(fl, mailimap_flag_new_flagged());
	if (flags & MAIL_DRAFT)
		mailimap_flag_list_add(fl, mailimap_flag_new_draft());
	if (flags & MAIL_FORWARDED) {
		char *kw = strdup("$Forwarded");
		if (kw)
			mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(kw));
	}
	return fl;
}

/* UID STORE on the selected folder: +FLAGS when add, else -FLAGS. */
int imap_store_store_flags(struct imap_store *s, struct mailimap_set *set, unsigned flags, int add,
		       struct err *e)
{
	struct mailimap_flag_list *fl = imap_store_flag_list(flags);
	struct mailimap_store_att_flags *att;
	int r;
	if (!fl)
		return err_set(e, "out of memory");
	att = add ? mailimap_store_att_flags_new_add_flags_silent(fl)
		  : mailimap_store_att_flags_new_remove_flags_silent(fl);
	if (!att) {
		mailimap_flag_list_free(fl);
		return err_set(e, "out of memory");
	}
	r = mailimap_uid_store(imap_store_session(s), set, att);
	mailimap_store_att_flags_free(att);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "change flags", e);
}

/* Removes the messages of set in the selected folder for good: \Deleted,
 * then UID EXPUNGE of just them (UIDPLUS), else EXPUNGE. */
int imap_store_expunge(struct imap_store *s, struct mailimap_set *set, struct err *e)
{
	int r;
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *att;
	if (!fl)
		return err_set(e, "out of memory");
	mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (!(att = mailimap_store_att_flags_new_add_flags_silent(fl))) {
		mailimap_flag_list_free(fl);
		return err_set(e, "out of memory");
	}
	r = mailimap_uid_store(imap_store_session(s), set, att);
	mailimap_store_att_flags_free(att);
	s->present = 0;
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "delete a message", e);
	if (imap_client_caps(s->c) & IMAP_CAP_UIDPLUS)
		r = mailimap_uid_expunge(imap_store_session(s), set);
	else
		r = mailimap_expunge(imap_store_session(s));
	imap_store_cache_drop(s);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "delete a message", e);
}

/* Copies set from the selected folder to the mailbox to, and removes it here
 * (MOVE when offered). */
int imap_store_move_set(struct imap_store *s, struct mailimap_set *set, const char *to,
		    struct err *e)
{
	char mb[MAIL_FOLDER_MAX * 2];
	int r;
	if (imap_store_to_server(s, to, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	imap_store_cache_drop(s);
	s->present = 0;
	if (imap_client_caps(s->c) & IMAP_CAP_MOVE) {
		r = mailimap_uid_move(imap_store_session(s), set, mb);
	} else {
		r = mailimap_uid_copy(imap_store_session(s), set, mb);
		if (r == MAILIMAP_NO_ERROR)
			return imap_store_expunge(s, set, e);
	}
	if (r == MAILIMAP_ERROR_UID_MOVE || r == MAILIMAP_ERROR_UID_COPY) {
		err_set(e, "no folder named '%.*s'", 64, to);
		return MAILSTORE_REFUSED;
	}
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "move a message", e);
}

/* ---- the operations ---- */

static int imap_open(const char *root, const char *domain, const char *user, void **be,
		     struct err *e)
{
	(void)root, (void)domain, (void)user, (void)be;
	return err_set(e, "an IMAP mailbox is opened with the user's credentials");
}

static void imap_close(void *be)
{
	struct imap_store *s = be;
	if (!s)
		return;
	imap_store_cache_drop(s);
	imap_store_parts_drop(s);
	imap_store_fresh_drop(s);
	imap_store_threads_drop(s);
	imap_client_close(&s->c);
	free(s);
}

/* One LIST answer: the mailbox's special use (SP_COUNT: none) and whether
 * it can be selected. */
int imap_store_special_use(const struct mailimap_mailbox_list *mb, int *selectable)
{
	int sp = SP_COUNT;
	*selectable = 1;
	if (!mb->mb_flag)
		return sp;
	if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		*selectable = 0;
	for (clistiter *it = clist_begin(mb->mb_flag->mbf_oflags); it; it = clist_next(it)) {
		struct mailimap_mbx_list_oflag *of = clist_content(it);
		if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT || !of->of_flag_ext)
			continue;
		if (strcasecmp(of->of_flag_ext, "Noselect") == 0 ||
		    strcasecmp(of->of_flag_ext, "NonExistent") == 0)
			*selectable = 0;
		for (int i = 0; i < SP_COUNT; i++)
			if (strcasecmp(of->of_flag_ext, special_flag[i]) == 0)
				sp = i;
	}
	return sp;
}

/* Finds the separator and the special folders; makes those missing. */
static int discover(struct imap_store *s, struct err *e)
{
	clist *res = NULL;
	int r, found[SP_COUNT] = { 0 };

	r = mailimap_list(imap_store_session(s), "", "*", &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "list folders", e);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		int selectable, sp = imap_store_special_use(mb, &selectable);
		if (strcasecmp(mb->mb_name, "INBOX") == 0 || (!s->delim && mb->mb_delimiter))
			s->delim = mb->mb_delimiter;
		if (sp < SP_COUNT && selectable && !found[sp]) {
			snprintf(s->special[sp], sizeof(s->special[sp]), "%s", mb->mb_name);
			found[sp] = 1;
		}
	}
	/* Without SPECIAL-USE: a top-level mailbox of the English name. */
	for (int i = 0; i < SP_COUNT; i++) {
		if (found[i])
			continue;
		snprintf(s->special[i], sizeof(s->special[i]), "%s", special_name[i]);
		for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
			struct mailimap_mailbox_list *mb = clist_content(it);
			if (strcasecmp(mb->mb_name, special_name[i]) == 0) {
				snprintf(s->special[i], sizeof(s->special[i]), "%s", mb->mb_name);
				found[i] = 1;
			}
		}
	}
	/* The page that follows lists the folders: this answer is theirs,
	 * unless a folder is made below. */
	s->fresh_list = res;
	for (int i = 0; i < SP_COUNT; i++) {
		if (found[i])
			continue;
		imap_store_fresh_drop(s);
		r = mailimap_create(imap_store_session(s), s->special[i]);
		if (r != MAILIMAP_NO_ERROR)
			return FAIL(s, r, "create a folder", e);
	}
	return 0;
}

int mailstore_imap_connect(const struct mailstore_imap *server, const char *user,
			   const char *password, void **be, struct err *e)
{
	struct imap_client_config cfg = { .timeout = server->timeout };
	struct imap_store *s;
	int rc;

	*be = NULL;
	/* Before any session of this process parses an answer. */
	imap_meta_register();
	if (imap_server_tls_parse(server->tls, &cfg.tls, e) < 0 ||
	    imap_server_parse(server->server, cfg.tls, cfg.host, &cfg.port, e) < 0)
		return err_prefix(e, "the mail server's settings");
	if (server->ca_file &&
	    snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%s", server->ca_file) >=
		    (int)sizeof(cfg.ca_file))
		return err_set(e, "mail.imap_ca_file: the path is too long");
	if (server->addresses &&
	    snprintf(cfg.addrs, sizeof(cfg.addrs), "%s", server->addresses) >=
		    (int)sizeof(cfg.addrs))
		return err_set(e, "the mail server's addresses are too long");
	if (!(s = calloc(1, sizeof(*s))))
		return err_set(e, "out of memory");
	s->no_sort = server->no_sort;
	if (imap_client_connect(&cfg, &s->c, e) < 0) {
		free(s);
		return -1;
	}
	if ((rc = imap_client_login(s->c, user, password, e)) != 0 || discover(s, e) < 0) {
		imap_close(s);
		return rc > 0 ? MAILSTORE_REFUSED : -1;
	}
	*be = s;
	return 0;
}

/* webmsg's order: INBOX, Drafts, Sent, Trash, then the others by name, each
 * followed by its sub-folders ("Work", "Work.Old", "Work2"). */
static void imap_set_quota(void *be, long long bytes)
{
	/* The IMAP server keeps its own quota. */
	(void)be, (void)bytes;
}

static int imap_usage(void *be, long long *bytes, long long *limit, struct err *e)
{
	(void)be, (void)e;
	*bytes = *limit = 0;
	return 0;
}

static int imap_degraded(void *be)
{
	(void)be;
	return 0;
}

/* The user's settings files: METADATA server entries (mailstore_imap_meta.c). */
static int imap_data_read(void *be, const char *name, size_t max, char **data, size_t *len,
			  struct err *e)
{
	return imap_store_data_read(be, name, max, data, len, e);
}

static int imap_data_write(void *be, const char *name, const char *data, size_t len,
			   struct err *e)
{
	return imap_store_data_write(be, name, data, len, e);
}

/* A connection kept between requests may have been closed by the server
 * (its idle timeout, a restart) meanwhile: a NOOP tells. */
static int imap_alive(void *be, struct err *e)
{
	struct imap_store *s = be;
	int r;
	/* A new request: what the last one found there may be gone. */
	s->present = 0;
	imap_store_fresh_drop(s);
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if ((r = mailimap_noop(imap_store_session(s))) != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "check the connection", e);
	s->synced = 1;
	return 0;
}

const struct mailstore_ops mailstore_imap_ops = {
	.name = "imap",
	.open = imap_open,
	.close = imap_close,
	.folders = mailstore_imap_folders,
	.folder_create = mailstore_imap_folder_create,
	.folder_rename = mailstore_imap_folder_rename,
	.folder_delete = mailstore_imap_folder_delete,
	.folder_empty = mailstore_imap_folder_empty,
	.list = mailstore_imap_list,
	.search = mailstore_imap_search,
	.list_threads = mailstore_imap_list_threads,
	.thread = mailstore_imap_thread,
	.path = mailstore_imap_path,
	.structure = mailstore_imap_structure,
	.part = mailstore_imap_part,
	.raw = mailstore_imap_raw,
	.summary = mailstore_imap_summary,
	.set_flags = mailstore_imap_set_flags,
	.move = mailstore_imap_move,
	.remove = mailstore_imap_remove,
	.deliver = mailstore_imap_deliver,
	.set_quota = imap_set_quota,
	.usage = imap_usage,
	.degraded = imap_degraded,
	.alive = imap_alive,
	.data_read = imap_data_read,
	.data_write = imap_data_write,
};
