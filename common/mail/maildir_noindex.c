/* maildir_noindex.c - folders and messages read from the directories when
 * the index cannot be used (a full disk, a read-only file system). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* ---- without the index ---- */

/* A message name as it may be used in a path: one component, not hidden. */
int maildir_noindex_name_ok(const char *name, size_t len)
{
	return len > 0 && len <= NAME_MAX && name[0] != '.' && strlen(name) == len &&
	       !memchr(name, '/', len);
}

/* Total and unread of a folder, counted in its directories. */
void maildir_noindex_count(const char *dir, long *total, long *unread)
{
	struct entries l = { 0 };
	*total = *unread = 0;
	if (maildir_entries_read(dir, ALL_DIRS, &l, NULL) == 0)
		for (size_t i = 0; i < l.n; i++) {
			(*total)++;
			if (!(maildir_flags_of_name(l.v[i].name) & MAIL_SEEN))
				(*unread)++;
		}
	maildir_entries_free(&l);
}

int maildir_noindex_folders(struct maildir *md, struct mail_folder **out, size_t *n, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX];
	if (maildir_folders_on_disk(md, &v, &nv, e) < 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < nv; i++)
		if (maildir_folder_dir(md, v[i].name, dir, sizeof(dir), NULL) == 0)
			maildir_noindex_count(dir, &v[i].total, &v[i].unread);
	*out = v;
	*n = nv;
	return 0;
}

/* An entry with the delivery time its unique name begins with, read once:
 * sorting 100,000 names by arrival is then mostly comparing numbers. */
struct arrival {
	unsigned long long when;
	const struct entry *x;
};

/* In version order (numbers by value) names are in the order of arrival. */
static int arrival_newest_first(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;
	if (x->when != y->when)
		return x->when < y->when ? 1 : -1;
	return strverscmp(y->x->name, x->x->name);
}

/* The entries newest first (free it); NULL when out of memory. */
static struct arrival *by_arrival(const struct entries *l)
{
	struct arrival *v = malloc((l->n ? l->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		v[i].x = &l->v[i];
		v[i].when = strtoull(l->v[i].name, NULL, 10);
	}
	if (l->n > 1)
		qsort(v, l->n, sizeof(*v), arrival_newest_first);
	return v;
}

void maildir_noindex_summary(struct maildir *md, const char *dir, const struct entry *x,
			     char *buf, struct mail_summary *s)
{
	char path[PATH_MAX];
	struct meta m;
	long size = 0;
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%.*s", (int)x->idlen, x->name);
	s->flags = maildir_flags_of_name(x->name);
	if (maildir_file_path(dir, x->dir, x->name, path, sizeof(path), NULL) < 0 ||
	    maildir_meta_read(md, path, buf, &m, &size) != 0)
		return;
	s->date = m.date;
	snprintf(s->from, sizeof(s->from), "%s", m.from_name[0] ? m.from_name : m.from_addr);
	snprintf(s->from_addr, sizeof(s->from_addr), "%s", m.from_addr);
	snprintf(s->subject, sizeof(s->subject), "%s", m.subject);
	snprintf(s->to, sizeof(s->to), "%s", m.to);
	s->size = size;
	if (m.attachment)
		s->flags |= MAIL_HAS_ATTACHMENT;
}

/* A page of a folder read from its directories, by arrival whatever the sort
 * asked: sorting by sender or subject would read every message's headers. */
int maildir_noindex_list(struct maildir *md, const char *folder, int ascending, size_t offset,
			 size_t limit, struct mail_summary **out, size_t *n, long *total,
			 struct err *e)
{
	struct entries l = { 0 };
	char dir[PATH_MAX], *buf = NULL;
	struct mail_summary *v = NULL;
	struct arrival *order = NULL;
	size_t nv = 0;

	if (maildir_folder_existing(md, folder, dir, sizeof(dir), e) < 0)
		return MAILSTORE_REFUSED;
	if (maildir_entries_read(dir, ALL_DIRS, &l, e) < 0)
		goto fail;
	if (!(order = by_arrival(&l))) {
		err_set(e, "out of memory");
		goto fail;
	}
	*total = (long)l.n;
	if (offset < l.n) {
		size_t want = limit && limit < l.n - offset ? limit : l.n - offset;
		if (!(v = calloc(want, sizeof(*v))) || !(buf = malloc(HEADER_MAX))) {
			err_set(e, "out of memory");
			goto fail;
		}
		for (; nv < want; nv++) {
			size_t at = ascending ? l.n - 1 - offset - nv : offset + nv;
			maildir_noindex_summary(md, dir, order[at].x, buf, &v[nv]);
		}
	}
	free(order);
	free(buf);
	maildir_entries_free(&l);
	*out = v;
	*n = nv;
	return 0;
fail:
	free(order);
	free(buf);
	free(v);
	maildir_entries_free(&l);
	*total = 0;
	return -1;
}
