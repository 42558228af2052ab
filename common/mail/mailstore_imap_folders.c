/* mailstore_imap_folders.c - the IMAP mail store's folders: the list in
 * webmsg's order, create, rename, delete and empty. */
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

static int folder_rank(const char *name)
{
	static const char *const first[] = { MAIL_INBOX, MAIL_DRAFTS, MAIL_SENT, MAIL_TRASH };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, first[i]) == 0)
			return i;
	return 4;
}

static int compare_folders(const void *a, const void *b)
{
	const struct mail_folder *x = a, *y = b;
	int rx = folder_rank(x->name), ry = folder_rank(y->name);
	const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
	if (rx != ry || rx < 4)
		return rx - ry;
	/* The separator before any character, so that a folder's children
	 * come right after it. */
	for (; *p && *q; p++, q++) {
		int cp = *p == MAIL_FOLDER_SEP ? 0 : tolower(*p) + 1;
		int cq = *q == MAIL_FOLDER_SEP ? 0 : tolower(*q) + 1;
		if (cp != cq)
			return cp - cq;
	}
	return (int)*p - (int)*q;
}

int mailstore_imap_folders(void *be, struct mail_folder **out, size_t *n, struct err *e)
{
	struct imap_store *s = be;
	clist *res = NULL;
	struct mail_folder *f = NULL;
	size_t count = 0;
	int r;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (s->fresh_list) {
		res = s->fresh_list; /* the logon's, a moment ago */
		s->fresh_list = NULL;
	} else if ((r = mailimap_list(imap_store_session(s), "", "*", &res)) != MAILIMAP_NO_ERROR) {
		return FAIL(s, r, "list folders", e);
	}
	if (!(f = calloc((size_t)clist_count(res) + 1, sizeof(*f)))) {
		mailimap_list_result_free(res);
		return err_set(e, "out of memory");
	}
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct mailimap_status_att_list *atts = mailimap_status_att_list_new_empty();
		struct mailimap_mailbox_data_status *st = NULL;
		struct mail_folder *cur = &f[count];
		int selectable;

		imap_store_special_use(mb, &selectable);
		if (!selectable || imap_store_from_server(s, mb->mb_name, mb->mb_delimiter, cur->name,
					       sizeof(cur->name)) < 0) {
			mailimap_status_att_list_free(atts);
			continue;
		}
		if (!atts) {
			r = MAILIMAP_ERROR_MEMORY;
			break;
		}
		mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES);
		mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UNSEEN);
		r = mailimap_status(imap_store_session(s), mb->mb_name, atts, &st);
		mailimap_status_att_list_free(atts);
		if (r != MAILIMAP_NO_ERROR)
			break;
		for (clistiter *i = clist_begin(st->st_info_list); i; i = clist_next(i)) {
			struct mailimap_status_info *info = clist_content(i);
			if (info->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
				cur->total = (long)info->st_value;
			else if (info->st_att == MAILIMAP_STATUS_ATT_UNSEEN)
				cur->unread = (long)info->st_value;
		}
		mailimap_mailbox_data_status_free(st);
		cur->special = mailstore_folder_special(cur->name);
		count++;
	}
	mailimap_list_result_free(res);
	if (r != MAILIMAP_NO_ERROR) {
		free(f);
		return FAIL(s, r, "count the messages of a folder", e);
	}
	qsort(f, count, sizeof(*f), compare_folders);
	free(s->names);
	s->nnames = 0;
	if ((s->names = malloc((count ? count : 1) * sizeof(*f)))) {
		memcpy(s->names, f, count * sizeof(*f));
		s->nnames = count;
	}
	*out = f;
	*n = count;
	return 0;
}

/* Whether the server has a mailbox of webmsg's name (LIST of it alone);
 * *children gets 1 when it has sub-folders. */
static int folder_exists(struct imap_store *s, const char *name, int *children, struct err *e)
{
	char mb[MAIL_FOLDER_MAX * 2], pattern[MAIL_FOLDER_MAX * 2 + 4];
	clist *res = NULL;
	int r, found = 0;
	if (imap_store_to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	snprintf(pattern, sizeof(pattern), "%s%c*", mb, s->delim ? s->delim : MAIL_FOLDER_SEP);
	/* '*' and '%' in a name are LIST's wildcards: what comes back is
	 * compared with the name itself, so that they count as letters. */
	r = mailimap_list(imap_store_session(s), "", mb, &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "list folders", e);
	for (clistiter *it = clist_begin(res); it && !found; it = clist_next(it)) {
		const struct mailimap_mailbox_list *l = clist_content(it);
		found = l->mb_name && (strcmp(l->mb_name, mb) == 0 ||
				       (strcasecmp(mb, "INBOX") == 0 && strcasecmp(l->mb_name, mb) == 0));
	}
	mailimap_list_result_free(res);
	if (children) {
		size_t len = strlen(mb);
		*children = 0;
		if (s->delim && (r = mailimap_list(imap_store_session(s), "", pattern, &res)) == MAILIMAP_NO_ERROR) {
			for (clistiter *it = clist_begin(res); it && !*children; it = clist_next(it)) {
				const struct mailimap_mailbox_list *l = clist_content(it);
				*children = l->mb_name && strncmp(l->mb_name, mb, len) == 0 &&
					    l->mb_name[len] == s->delim && l->mb_name[len + 1];
			}
			mailimap_list_result_free(res);
		} else if (s->delim) {
			return FAIL(s, r, "list folders", e);
		}
	}
	return found;
}

/* The parent of name must exist (as on Maildir). */
static int parent_ok(struct imap_store *s, const char *name, struct err *e)
{
	char parent[MAIL_FOLDER_MAX];
	const char *sep = strrchr(name, MAIL_FOLDER_SEP);
	int r;
	if (!sep)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(sep - name), name);
	if ((r = folder_exists(s, parent, NULL, e)) < 0)
		return r;
	if (!r) {
		err_set(e, "there is no folder %s to put it in", parent);
		return MAILSTORE_REFUSED;
	}
	return 0;
}

int mailstore_imap_folder_create(void *be, const char *name, struct err *e)
{
	struct imap_store *s = be;
	char mb[MAIL_FOLDER_MAX * 2];
	int r;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if ((r = folder_exists(s, name, NULL, e)) < 0)
		return r;
	if (r) {
		err_set(e, "a folder named %s exists already", name);
		return MAILSTORE_REFUSED;
	}
	if ((r = parent_ok(s, name, e)) < 0)
		return r;
	if (imap_store_to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	imap_store_fresh_drop(s);
	r = mailimap_create(imap_store_session(s), mb);
	if (r == MAILIMAP_ERROR_CREATE) {
		char why[ERR_MSG_MAX];
		FAIL(s, r, "create the folder", e);
		snprintf(why, sizeof(why), "%s", e->msg);
		err_set(e, "%s", why);
		return MAILSTORE_REFUSED;
	}
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "create a folder", e);
}

int mailstore_imap_folder_rename(void *be, const char *from, const char *to, struct err *e)
{
	struct imap_store *s = be;
	char a[MAIL_FOLDER_MAX * 2], b[MAIL_FOLDER_MAX * 2];
	int r;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if ((r = folder_exists(s, from, NULL, e)) < 0)
		return r;
	if (!r) {
		err_set(e, "no folder named '%.*s'", 64, from);
		return MAILSTORE_REFUSED;
	}
	if ((r = folder_exists(s, to, NULL, e)) < 0)
		return r;
	if (r) {
		err_set(e, "a folder named %s exists already", to);
		return MAILSTORE_REFUSED;
	}
	if ((r = parent_ok(s, to, e)) < 0)
		return r;
	if (imap_store_to_server(s, from, a, sizeof(a), e) < 0 || imap_store_to_server(s, to, b, sizeof(b), e) < 0)
		return MAILSTORE_REFUSED;
	/* Not with the mailbox selected (libetpan has no UNSELECT; CLOSE would
	 * expunge): INBOX instead. */
	imap_store_cache_drop(s);
	if ((r = imap_store_select_folder(s, MAIL_INBOX, e)) < 0)
		return r;
	imap_store_fresh_drop(s);
	r = mailimap_rename(imap_store_session(s), a, b);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "rename the folder", e);
}

int mailstore_imap_folder_delete(void *be, const char *name, struct err *e)
{
	struct imap_store *s = be;
	char mb[MAIL_FOLDER_MAX * 2];
	int r, children;
	struct mailimap_set *all;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if ((r = folder_exists(s, name, &children, e)) < 0)
		return r;
	if (!r) {
		err_set(e, "no folder named '%.*s'", 64, name);
		return MAILSTORE_REFUSED;
	}
	if (children) {
		err_set(e, "the folder %s has folders inside it: delete or move them first",
			name);
		return MAILSTORE_REFUSED;
	}
	if ((r = imap_store_select_folder(s, name, e)) < 0)
		return r;
	/* Its messages to Trash first, where the user can still find them. */
	if (imap_store_selection(s)->sel_exists > 0) {
		if (!(all = mailimap_set_new_interval(1, 0)))
			return err_set(e, "out of memory");
		r = imap_store_move_set(s, all, MAIL_TRASH, e);
		mailimap_set_free(all);
		if (r < 0)
			return r;
	}
	if ((r = imap_store_select_folder(s, MAIL_INBOX, e)) < 0)
		return r;
	if (imap_store_to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	imap_store_fresh_drop(s);
	r = mailimap_delete(imap_store_session(s), mb);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "delete the folder", e);
}

int mailstore_imap_folder_empty(void *be, const char *name, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *all;
	int r;
	if ((r = imap_store_select_folder(s, name, e)) < 0)
		return r;
	if (imap_store_selection(s)->sel_exists == 0)
		return 0;
	if (!(all = mailimap_set_new_interval(1, 0)))
		return err_set(e, "out of memory");
	r = imap_store_expunge(s, all, e);
	mailimap_set_free(all);
	return r;
}

