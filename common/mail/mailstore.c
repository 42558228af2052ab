/* mailstore.c - the mail store interface: checks what callers pass and hands
 * each call to the back-end's table of functions (Maildir, or IMAP). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/utf8.h"
#include "mailstore_backend.h"

struct mailstore {
	const struct mailstore_ops *ops;
	void *be; /* the back-end's state, owned */
	int refused; /* the last call failed because of what was asked */
	int failed;  /* a call failed for another cause: not to be kept open */
	void (*release)(struct mailstore *ms, void *arg);
	void *release_arg;
};

/* A back-end's answer: a refusal is remembered for mailstore_refused() and
 * reaches the caller as -1, like every failure. */
static int result(struct mailstore *ms, int rc)
{
	ms->refused = rc == MAILSTORE_REFUSED;
	ms->failed |= rc < 0 && !ms->refused;
	return rc < 0 ? -1 : rc;
}

/* An argument this module turned down: always the caller's. */
static int refuse(struct mailstore *ms)
{
	ms->refused = 1;
	return -1;
}

static const char *const special_folders[] = { MAIL_INBOX, MAIL_SENT, MAIL_TRASH, MAIL_DRAFTS };

/* White space a name may not begin or end with: a name of it alone would be
 * invisible in the folder list. */
static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
	       cp == 0xfeff;
}

/* What a refused name's message ends with: what a name may be. */
#define NAME_RULES "folder names are letters, digits, spaces and punctuation other than '.' and '/'"

/* One level of a folder name, len bytes at s. */
static int level_ok(const unsigned char *s, size_t len, struct err *e)
{
	uint32_t cp = 0;
	int first = 1;
	if (len == 0)
		return err_set(e, "a folder needs a name (%s)", NAME_RULES);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode((const char *)s + i, &cp);
		if (n == 0 || i + n > len)
			return err_set(e, "a folder name must be valid UTF-8 text");
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return err_set(e, "a folder name cannot contain control characters (%s)",
				       NAME_RULES);
		if (cp == '/')
			return err_set(e, "a folder name cannot contain '/'; to make a folder "
					  "inside another, choose that one as its parent");
		if (first && is_space(cp))
			return err_set(e, "a folder name cannot begin with a space");
		first = 0;
		i += n;
	}
	if (is_space(cp))
		return err_set(e, "a folder name cannot end with a space");
	return 0;
}

int mailstore_folder_name_ok(const char *name, struct err *e)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name);

	if (len == 0)
		return err_set(e, "a folder needs a name (%s)", NAME_RULES);
	if (len >= MAIL_FOLDER_MAX)
		return err_set(e, "a folder name has at most %d bytes, its parents' names "
				  "included", MAIL_FOLDER_MAX - 1);
	/* Each level between the separators: a leading '.' (a hidden
	 * directory), "..", and "a..b" are empty levels. */
	for (size_t at = 0;;) {
		const char *sep = memchr(s + at, MAIL_FOLDER_SEP, len - at);
		size_t end = sep ? (size_t)(sep - name) : len;
		if (end == at && (sep || at > 0))
			return err_set(e, "a folder name cannot contain '%c' (%s)", MAIL_FOLDER_SEP,
				       NAME_RULES);
		if (level_ok(s + at, end - at, e) < 0)
			return -1;
		if (!sep)
			break;
		at = end + 1;
	}
	/* Case-insensitively: "trash" beside "Trash" would only confuse. A
	 * sub-folder of one ("Trash.Old") is the user's like any other. */
	for (size_t i = 0; i < sizeof(special_folders) / sizeof(special_folders[0]); i++)
		if (strcasecmp(name, special_folders[i]) == 0)
			return err_set(e, "'%s' is the name of a folder every mailbox has",
				       special_folders[i]);
	return 0;
}

int mailstore_folder_join(const char *parent, const char *typed, char *out, size_t outlen,
			  struct err *e)
{
	const unsigned char *s = (const unsigned char *)typed;
	size_t start = 0, end = strlen(typed);
	uint32_t cp;
	size_t n;

	/* Trimmed at both ends, white space of every kind. */
	while (start < end && (n = utf8_decode((const char *)s + start, &cp)) && start + n <= end &&
	       (is_space(cp) || cp == '\t' || cp == '\r' || cp == '\n'))
		start += n;
	while (end > start) {
		size_t back = end - 1;
		while (back > start && (s[back] & 0xc0) == 0x80)
			back--;
		if (!(n = utf8_decode((const char *)s + back, &cp)) || back + n != end ||
		    !(is_space(cp) || cp == '\t' || cp == '\r' || cp == '\n'))
			break;
		end = back;
	}
	if (start == end)
		return err_set(e, "a folder needs a name; spaces alone are not one (%s)",
			       NAME_RULES);
	if (memchr(s + start, MAIL_FOLDER_SEP, end - start))
		return err_set(e, "a folder name cannot contain '%c'; to make a folder inside "
				  "another, choose that one as its parent", MAIL_FOLDER_SEP);
	if (level_ok(s + start, end - start, e) < 0)
		return -1;
	int w = parent && *parent
			? snprintf(out, outlen, "%s%c%.*s", parent, MAIL_FOLDER_SEP,
				   (int)(end - start), typed + start)
			: snprintf(out, outlen, "%.*s", (int)(end - start), typed + start);
	if (w < 0 || (size_t)w >= outlen || (size_t)w >= MAIL_FOLDER_MAX)
		return err_set(e, "a folder name has at most %d bytes, its parents' names "
				  "included", MAIL_FOLDER_MAX - 1);
	return mailstore_folder_name_ok(out, e);
}

const char *mailstore_folder_leaf(const char *name)
{
	const char *sep = strrchr(name, MAIL_FOLDER_SEP);
	return sep ? sep + 1 : name;
}

int mailstore_folder_depth(const char *name)
{
	int depth = 0;
	for (const char *p = name; (p = strchr(p, MAIL_FOLDER_SEP)); p++)
		depth++;
	return depth;
}

int mailstore_folder_special(const char *name)
{
	for (size_t i = 0; i < sizeof(special_folders) / sizeof(special_folders[0]); i++)
		if (strcasecmp(name, special_folders[i]) == 0)
			return 1;
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

int mailstore_open_imap(const struct mailstore_imap *server, const char *user,
			const char *password, struct mailstore **out, struct err *e)
{
	struct mailstore *ms;
	int rc;

	*out = NULL;
	if (!user || !*user || !password)
		return err_set(e, "no user name or password given");
	if (!(ms = calloc(1, sizeof(*ms))))
		return err_set(e, "out of memory");
	ms->ops = &mailstore_imap_ops;
	if ((rc = mailstore_imap_connect(server, user, password, &ms->be, e)) < 0) {
		free(ms);
		return rc == MAILSTORE_REFUSED ? -2 : -1;
	}
	*out = ms;
	return 0;
}

void mailstore_close_now(struct mailstore **ms)
{
	if (!ms || !*ms)
		return;
	(*ms)->ops->close((*ms)->be);
	free(*ms);
	*ms = NULL;
}

void mailstore_close(struct mailstore **ms)
{
	if (!ms || !*ms)
		return;
	struct mailstore *m = *ms;
	if (m->release) {
		*ms = NULL;
		m->refused = 0;
		m->release(m, m->release_arg);
		return;
	}
	mailstore_close_now(ms);
}

int mailstore_broken(const struct mailstore *ms)
{
	return ms->failed;
}

void mailstore_set_release(struct mailstore *ms, void (*release)(struct mailstore *ms, void *arg),
			   void *arg)
{
	ms->release = release;
	ms->release_arg = arg;
}

int mailstore_alive(struct mailstore *ms, struct err *e)
{
	if (!ms->ops->alive)
		return 0;
	return result(ms, ms->ops->alive(ms->be, e));
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

/* A folder a user may change: an existing one, not a special one. */
static int user_folder_ok(struct mailstore *ms, const char *name, const char *what,
			  struct err *e)
{
	if (folder_ok(name, e) < 0)
		return refuse(ms);
	for (size_t i = 0; i < sizeof(special_folders) / sizeof(special_folders[0]); i++)
		if (strcasecmp(name, special_folders[i]) == 0) {
			err_set(e, "the folder %s cannot be %s", special_folders[i], what);
			return refuse(ms);
		}
	return 0;
}

int mailstore_folder_rename(struct mailstore *ms, const char *from, const char *to,
			    struct err *e)
{
	size_t len;
	if (user_folder_ok(ms, from, "renamed", e) < 0)
		return -1;
	if (mailstore_folder_name_ok(to, e) < 0)
		return refuse(ms);
	if (strcmp(from, to) == 0)
		return 0;
	len = strlen(from);
	if (strncmp(to, from, len) == 0 && to[len] == MAIL_FOLDER_SEP) {
		err_set(e, "the folder %s cannot go inside itself", from);
		return refuse(ms);
	}
	return result(ms, ms->ops->folder_rename(ms->be, from, to, e));
}

int mailstore_folder_delete(struct mailstore *ms, const char *name, struct err *e)
{
	if (user_folder_ok(ms, name, "deleted", e) < 0)
		return -1;
	return result(ms, ms->ops->folder_delete(ms->be, name, e));
}

int mailstore_folder_empty(struct mailstore *ms, const char *name, struct err *e)
{
	if (folder_ok(name, e) < 0)
		return refuse(ms);
	return result(ms, ms->ops->folder_empty(ms->be, name, e));
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

int mailstore_list_threads(struct mailstore *ms, const char *folder, enum mail_sort sort,
			   int ascending, size_t offset, size_t limit, struct mail_summary **out,
			   size_t *n, long *total, struct err *e)
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
	if (!ms->ops->list_threads) {
		err_set(e, "this mail store does not show conversations");
		return refuse(ms);
	}
	return result(ms, ms->ops->list_threads(ms->be, folder, sort, ascending, offset, limit,
						out, n, total, e));
}

int mailstore_thread(struct mailstore *ms, const char *folder, long long thread,
		     struct mail_summary **out, size_t *n, struct err *e)
{
	*out = NULL;
	*n = 0;
	if (folder_ok(folder, e) < 0)
		return refuse(ms);
	if (thread <= 0) {
		err_set(e, "there is no such conversation");
		return refuse(ms);
	}
	if (!ms->ops->thread) {
		err_set(e, "this mail store does not show conversations");
		return refuse(ms);
	}
	return result(ms, ms->ops->thread(ms->be, folder, thread, out, n, e));
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

/* A read that may find the message beyond the parse limits: that answer
 * reaches the caller as it is. */
static int read_result(struct mailstore *ms, int rc)
{
	ms->refused = rc == MAILSTORE_REFUSED;
	return rc == MAILSTORE_TOO_COMPLEX ? rc : rc < 0 ? -1 : rc;
}

/* A part id as IMAP numbers sections: "1", "2.1.3"; never "0", a leading
 * zero, or an empty level. */
static int part_id_ok(const char *part, struct err *e)
{
	size_t len = part ? strlen(part) : 0;
	if (len == 0 || len >= MAIL_PART_ID_MAX)
		return err_set(e, "no such part of the message");
	for (const char *p = part; *p; p++) {
		int start = p == part || p[-1] == '.';
		if (*p == '.' ? start || !p[1] : *p < '0' || *p > '9' || (start && *p == '0'))
			return err_set(e, "no such part of the message");
	}
	return 0;
}

int mailstore_structure(struct mailstore *ms, const char *folder, const char *id,
			struct mail_structure **out, struct err *e)
{
	*out = NULL;
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return read_result(ms, ms->ops->structure(ms->be, folder, id, out, e));
}

int mailstore_part(struct mailstore *ms, const char *folder, const char *id, const char *part,
		   size_t max, struct buf *out, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0 || part_id_ok(part, e) < 0)
		return refuse(ms);
	return read_result(ms, ms->ops->part(ms->be, folder, id, part, max, out, e));
}

int mailstore_raw(struct mailstore *ms, const char *folder, const char *id, size_t max,
		  struct buf *out, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	return read_result(ms, ms->ops->raw(ms->be, folder, id, max, out, e));
}

int mailstore_view(struct mailstore *ms, const char *folder, const char *id,
		   struct mime_message **out, struct err *e)
{
	*out = NULL;
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	if (ms->ops->view)
		return read_result(ms, ms->ops->view(ms->be, folder, id, out, e));
	return read_result(ms, mailstore_view_made(ms, folder, id, out, e));
}

int mailstore_attachment(struct mailstore *ms, const char *folder, const char *id, int index,
			 size_t max, struct buf *out, char *content_type, size_t ctlen,
			 char *filename, size_t fnlen, struct err *e)
{
	if (folder_ok(folder, e) < 0 || id_ok(id, e) < 0)
		return refuse(ms);
	if (index < 1) {
		err_set(e, "no such attachment");
		return refuse(ms);
	}
	if (ms->ops->attachment)
		return read_result(ms, ms->ops->attachment(ms->be, folder, id, index, max, out,
							   content_type, ctlen, filename, fnlen,
							   e));
	return read_result(ms, mailstore_attachment_made(ms, folder, id, index, max, out,
							 content_type, ctlen, filename, fnlen, e));
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

int mailstore_data_read(struct mailstore *ms, const char *name, size_t max, char **data,
			size_t *len, struct err *e)
{
	return result(ms, ms->ops->data_read(ms->be, name, max, data, len, e));
}

int mailstore_data_write(struct mailstore *ms, const char *name, const char *data, size_t len,
			 struct err *e)
{
	return result(ms, ms->ops->data_write(ms->be, name, data, len, e));
}
