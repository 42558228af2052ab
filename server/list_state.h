/* list_state.h - where a user is in a message list (folder or search, sort,
 * page), carried in every address the list leads to so that a message, an
 * action or Back returns to the same page in the same order. */
#ifndef WEBMSGD_LIST_STATE_H
#define WEBMSGD_LIST_STATE_H

#include <stddef.h>

#include "webmsg/mailstore.h"

struct buf;
struct err;
struct mailstore;

/* Messages on a page of the list, unless the user's settings say otherwise. */
#define LIST_PAGE_SIZE 50
/* The highest page number taken from an address; beyond it is the last page. */
#define LIST_PAGE_ARG_MAX 100000000L

/* Borrowed strings: they live as long as the request they came from. */
struct list_state {
	const char *folder; /* the list's folder (a search in all folders: where it began) */
	const char *query;  /* "" when not searching */
	int all;            /* the search is in all folders */
	enum mail_sort sort;
	int ascending;
	long page; /* from 0 */
	long page_size; /* messages a page; LIST_PAGE_SIZE unless set */
	int conv;       /* conversations: 1 on, 0 off, -1 not said (then off) */
	long long thread; /* > 0: the list is this conversation's messages */
};

/* The state from an address's arguments (each "" when absent): f folder,
 * q query, all "1", s sort name, a "1"/"0", p page. An unknown sort is the
 * date; a missing direction is the sort's first one; a page that is no
 * number or negative is the first. */
void list_state_parse(struct list_state *st, const char *folder, const char *query,
		      const char *all, const char *sort, const char *ascending, const char *page);
/* The conversation view from an address's arguments: c "1"/"0" (else
 * conv_default, the user's setting) and t a conversation (digits, else
 * none). A search is never shown as conversations; its c is kept for the
 * way back. */
void list_state_view(struct list_state *st, const char *conv, const char *thread,
		     int conv_default);
/* 1 when the list shows conversations (not a search). */
int list_state_threads(const struct list_state *st);
/* "date", "from", "subject". */
const char *list_state_sort_name(enum mail_sort sort);
/* The direction a column sorts in at its first click: names and subjects
 * A to Z, dates newest first. */
int list_state_first_ascending(enum mail_sort sort);
/* The page a list of total messages can show for page: the last one when
 * page is beyond it, the first for an empty list. */
long list_state_clamp(const struct list_state *st, long total);
/* The page that holds the message at position pos (from 0). */
long list_state_page_of(const struct list_state *st, size_t pos);
/* "/mail?f=..&q=..&all=1&s=..&a=..&p=..": the list in this state, with
 * another sort, direction and page. */
void list_state_url(struct buf *b, const struct list_state *st, enum mail_sort sort,
		    int ascending, long page);
/* "&lf=..&q=..&all=1&s=..&a=..&p=..": the state appended to a message's
 * address (lf only when the list's folder is not the message's). */
void list_state_args(struct buf *b, const struct list_state *st, const char *msg_folder,
		     long page);

/* Messages [offset, offset + limit) of the list in this state: the folder's,
 * its conversations', one conversation's (all of it, up to MAIL_THREAD_MAX)
 * or the search's (then *partial as mailstore_search says). Free *out. */
int list_state_fetch(struct mailstore *ms, const struct list_state *st, size_t offset,
		     size_t limit, struct mail_summary **out, size_t *n, long *total, int *partial,
		     struct err *e);

/* The message's place in a window of a list (v[0, n)), comparing the folder
 * too when the list is a search in all folders; -1 when it is not there. */
long list_state_find(const struct mail_summary *v, size_t n, const char *folder, const char *id,
		     int all);

#endif
