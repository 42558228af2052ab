/* mailstore.c - the mail store interface: checks what callers pass and hands
 * each call to the back-end's table of functions (Maildir for now). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"

struct mailstore {
	const struct mailstore_ops *ops;
	void *be; /* the back-end's state, owned */
	int refused; /* the last call failed because of what was asked */
};

/* A back-end's answer: a refusal is remembered for mailstore_refused() and
 * reaches the caller as -1, like every failure. */
static int result(struct mailstore *ms, int rc)
{
	ms->refused = rc == MAILSTORE_REFUSED;
	return rc < 0 ? -1 : rc;
}

/* An argument this module turned down: always the caller's. */
static int refuse(struct mailstore *ms)
{
	ms->refused = 1;
	return -1;
}

static const char *const special_folders[] = { MAIL_INBOX, MAIL_SENT, MAIL_TRASH, MAIL_DRAFTS };

/* Decodes one UTF-8 sequence; returns its length, 0 when it is not valid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_char(const unsigned char *s, unsigned *cp)
{
	size_t len;
	unsigned min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

int mailstore_folder_name_ok(const char *name, struct err *e)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name);

	if (len == 0)
		return err_set(e, "a folder needs a name");
	if (len >= MAIL_FOLDER_MAX)
		return err_set(e, "a folder name has at most %d bytes", MAIL_FOLDER_MAX - 1);
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = utf8_char(s + i, &cp);
		if (n == 0)
			return err_set(e, "a folder name must be valid UTF-8 text");
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return err_set(e, "a folder name cannot contain control characters");
		if (cp == '/')
			return err_set(e, "a folder name cannot contain '/'");
		/* '.' separates levels of Maildir++ folders (".Work.Old"), and a
		 * leading one would hide the folder. */
		if (cp == '.')
			return err_set(e, "a folder name cannot contain '.'");
		i += n;
	}
	/* Case-insensitively: "trash" beside "Trash" would only confuse. */
	for (size_t i = 0; i < sizeof(special_folders) / sizeof(special_folders[0]); i++)
		if (strcasecmp(name, special_folders[i]) == 0)
			return err_set(e, "'%s' is the name of a folder every mailbox has",
				       special_folders[i]);
	return 0;
}

/* A folder as callers name an existing one: not necessarily one they could
 * create (Dovecot may have made ".Work.Old"), but never a path. */
static int folder_ok(const char *folder, struct err *e)
{
	if (!folder || !*folder)
		return err_set(e, "no folder given");
	if (strlen(folder) >= MAIL_FOLDER_MAX || strchr(folder, '/') || folder[0] == '.')
		return err_set(e, "no folder named '%.*s'", 64, folder);
	return 0;
}

static int id_ok(const char *id, struct err *e)
{
	if (!id || !*id || strlen(id) >= MAIL_ID_MAX || strchr(id, '/') || id[0] == '.')
		return err_set(e, "no such message");
	return 0;
}

int mailstore_open(const char *root, const char *domain, const char *user, struct mailstore **out,
		   struct err *e)
{
	struct mailstore *ms;

	*out = NULL;
	if (!(ms = calloc(1, sizeof(*ms))))
		return err_set(e, "out of memory");
	ms->ops = &mailstore_maildir_ops;
	if (ms->ops->open(root, domain, user, &ms->be, e) < 0) {
		free(ms);
		return -1;
	}
	*out = ms;
	return 0;
}

void mailstore_close(struct mailstore **ms)
{
	if (!ms || !*ms)
		return;
	(*ms)->ops->close((*ms)->be);
	free(*ms);
	*ms = NULL;
}

int mailstore_folders(struct mailstore *ms, struct mail_folder **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	return result(ms, ms->ops->folders(ms->be, out, n, e));
}

int mailstore_folder_create(struct mailstore *ms, const char *name, struct err *e)
{
	if (mailstore_folder_name_ok(name, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->folder_create(ms->be, name, e));
}

int mailstore_folder_delete(struct mailstore *ms, const char *name, struct err *e)
{
	if (folder_ok(name, e) < 0)
		return refuse(ms);
	for (size_t i = 0; i < sizeof(special_folders) / sizeof(special_folders[0]); i++)
		if (strcasecmp(name, special_folders[i]) == 0) {
			err_set(e, "the folder %s cannot be deleted", special_folders[i]);
			return refuse(ms);
		}
	return result(ms, ms->ops->folder_delete(ms->be, name, e));
}

int mailstore_list(struct mailstore *ms, const char *folder, enum mail_sort sort, int ascending,
		   size_t offset, size_t limit, struct mail_summary **out, size_t *n, long *total,
		   struct err *e)
{
	*out = NULL;
	*n = 0;
	*total = 0;
	if (folder_ok(folder, e) < 0)
		return refuse(ms);
	if ((unsigned)sort >= MAIL_SORT_COUNT) {
		err_set(e, "unknown sort order");
		return refuse(ms);
	}
	return result(ms, ms->ops->list(ms->be, folder, sort, ascending, offset, limit, out, n,
					total, e));
}

int mailstore_search(struct mailstore *ms, const char *folder, const char *query,
		     enum mail_sort sort, int ascending, size_t offset, size_t limit,
		     struct mail_summary **out, size_t *n, long *total, int *partial,
		     struct err *e)
{
	*out = NULL;
	*n = 0;
	*total = 0;
	*partial = 0;
	if ((folder && folder_ok(folder, e) < 0) || !query)
		return refuse(ms);
	if ((unsigned)sort >= MAIL_SORT_COUNT) {
		err_set(e, "unknown sort order");
		return refuse(ms);
	}
	return result(ms, ms->ops->search(ms->be, folder, query, sort, ascending, offset, limit,
					  out, n, total, partial, e));
}

int mailstore_path(struct mailstore *ms, const char *folder, const char *id, char *path,
		   size_t pathlen, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->path(ms->be, folder, id, path, pathlen, e));
}

int mailstore_summary(struct mailstore *ms, const char *folder, const char *id,
		      struct mail_summary *out, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->summary(ms->be, folder, id, out, e));
}

int mailstore_set_flags(struct mailstore *ms, const char *folder, const char *id, unsigned set,
			unsigned clear, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->set_flags(ms->be, folder, id, set, clear, e));
}

int mailstore_move(struct mailstore *ms, const char *folder, const char *id, const char *to,
		   struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0 || folder_ok(to, e) < 0)
		return refuse(ms);
	if (strcmp(folder, to) == 0)
		return 0;
	return result(ms, ms->ops->move(ms->be, folder, id, to, e));
}

int mailstore_delete(struct mailstore *ms, const char *folder, const char *id, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->remove(ms->be, folder, id, e));
}

int mailstore_deliver(struct mailstore *ms, const char *folder, const void *data, size_t len,
		      unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	if (id_out && idlen > 0)
		id_out[0] = '\0';
	if (folder_ok(folder, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->deliver(ms->be, folder, data, len, flags, id_out, idlen, e));
}

void mailstore_set_quota(struct mailstore *ms, long long bytes)
{
	ms->ops->set_quota(ms->be, bytes > 0 ? bytes : 0);
}

int mailstore_usage(struct mailstore *ms, long long *bytes, long long *limit, struct err *e)
{
	*bytes = *limit = 0;
	return result(ms, ms->ops->usage(ms->be, bytes, limit, e));
}

int mailstore_refused(const struct mailstore *ms)
{
	return ms->refused;
}

int mailstore_degraded(const struct mailstore *ms)
{
	return ms->ops->degraded(ms->be);
}
