/* list_state.c - where a user is in a message list: the arguments that say
 * so, the page arithmetic and the addresses that keep it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/buf.h"

#include "list_state.h"

static const char *const sort_names[] = {
	[MAIL_SORT_DATE] = "date",
	[MAIL_SORT_FROM] = "from",
	[MAIL_SORT_SUBJECT] = "subject",
	[MAIL_SORT_TO] = "to",
};

const char *list_state_sort_name(enum mail_sort sort)
{
	return (size_t)sort < sizeof(sort_names) / sizeof(sort_names[0]) ? sort_names[sort]
									  : sort_names[0];
}

int list_state_first_ascending(enum mail_sort sort)
{
	return sort != MAIL_SORT_DATE;
}

/* A page number from an address: digits only; anything else is the first
 * page, and a huge one stops at a bound the arithmetic never overflows with
 * (it is then clamped to the last page). */
static long page_arg(const char *text)
{
	char *end;
	if (!text[0] || text[0] < '0' || text[0] > '9')
		return 0;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (*end != '\0')
		return 0;
	if (errno == ERANGE || n > LIST_PAGE_ARG_MAX)
		return LIST_PAGE_ARG_MAX;
	return n;
}

void list_state_parse(struct list_state *st, const char *folder, const char *query,
		      const char *all, const char *sort, const char *ascending, const char *page)
{
	st->folder = folder[0] ? folder : MAIL_INBOX;
	/* A query of spaces is no search: the folder is shown. */
	st->query = strspn(query, " \t") == strlen(query) ? "" : query;
	st->all = st->query[0] && strcmp(all, "1") == 0;
	st->sort = MAIL_SORT_DATE;
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (strcmp(sort, sort_names[i]) == 0)
			st->sort = (enum mail_sort)i;
	if (strcmp(ascending, "1") == 0)
		st->ascending = 1;
	else if (strcmp(ascending, "0") == 0)
		st->ascending = 0;
	else
		st->ascending = list_state_first_ascending(st->sort);
	st->page = page_arg(page);
	st->page_size = LIST_PAGE_SIZE;
	st->conv = -1;
	st->thread = 0;
}

void list_state_view(struct list_state *st, const char *conv, const char *thread,
		     int conv_default)
{
	if (strcmp(conv, "1") == 0)
		st->conv = 1;
	else if (strcmp(conv, "0") == 0)
		st->conv = 0;
	else
		st->conv = conv_default ? 1 : 0;
	st->thread = 0;
	if (thread[0] >= '1' && thread[0] <= '9' && strspn(thread, "0123456789") == strlen(thread) &&
	    strlen(thread) <= 18)
		st->thread = strtoll(thread, NULL, 10);
	if (!list_state_threads(st))
		st->thread = 0;
}

int list_state_threads(const struct list_state *st)
{
	return st->conv == 1 && !st->query[0];
}

long list_state_clamp(const struct list_state *st, long total)
{
	if (st->page < 0 || total <= 0)
		return 0;
	long last = (total - 1) / st->page_size;
	return st->page > last ? last : st->page;
}

long list_state_page_of(const struct list_state *st, size_t pos)
{
	return (long)(pos / (size_t)st->page_size);
}

/* Percent-encoding as http_url_encode does it, kept here so that this
 * module stands without the HTTP layer (and is tested so). */
static void url_encode(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", c);
	}
}

static void state_args(struct buf *b, const struct list_state *st, enum mail_sort sort,
		       int ascending, long page)
{
	if (st->query[0]) {
		buf_puts(b, "&q=");
		url_encode(b, st->query);
		if (st->all)
			buf_puts(b, "&all=1");
	}
	buf_printf(b, "&s=%s&a=%d&p=%ld", list_state_sort_name(sort), ascending ? 1 : 0, page);
	if (st->conv >= 0)
		buf_printf(b, "&c=%d", st->conv);
	if (st->thread > 0)
		buf_printf(b, "&t=%lld", st->thread);
}

void list_state_url(struct buf *b, const struct list_state *st, enum mail_sort sort,
		    int ascending, long page)
{
	buf_puts(b, "/mail?f=");
	url_encode(b, st->folder);
	state_args(b, st, sort, ascending, page);
}

void list_state_args(struct buf *b, const struct list_state *st, const char *msg_folder,
		     long page)
{
	if (strcmp(msg_folder, st->folder) != 0) {
		buf_puts(b, "&lf=");
		url_encode(b, st->folder);
	}
	state_args(b, st, st->sort, st->ascending, page);
}

long list_state_find(const struct mail_summary *v, size_t n, const char *folder, const char *id,
		     int all)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0 && (!all || strcmp(v[i].folder, folder) == 0))
			return (long)i;
	return -1;
}

int list_state_fetch(struct mailstore *ms, const struct list_state *st, size_t offset,
		     size_t limit, struct mail_summary **out, size_t *n, long *total, int *partial,
		     struct err *e)
{
	*partial = 0;
	if (st->query[0])
		return mailstore_search(ms, st->all ? NULL : st->folder, st->query, st->sort,
					st->ascending, offset, limit, out, n, total, partial, e);
	if (list_state_threads(st) && st->thread > 0) {
		int rc = mailstore_thread(ms, st->folder, st->thread, out, n, e);
		*total = rc == 0 ? (long)*n : 0;
		return rc;
	}
	if (list_state_threads(st))
		return mailstore_list_threads(ms, st->folder, st->sort, st->ascending, offset,
					      limit, out, n, total, e);
	return mailstore_list(ms, st->folder, st->sort, st->ascending, offset, limit, out, n, total,
			      e);
}
