/* mailstore_imap_thread.c - conversations on an IMAP server: the server
 * threads the folder (UID THREAD REFS, else REFERENCES: RFC 5256), so that
 * no message's headers are fetched here to thread it; the folder's order
 * (its SORT, as the list has it) ranks each conversation by its newest
 * message; a page fetches only its own conversations' messages. The threads
 * are kept on the store (and so on the session's kept connection), as the
 * list keeps the folder's order, until a message comes or goes.
 *
 * libetpan has no THREAD command: it is sent here, and its answer is read
 * by a parser registered with libetpan's extension interface, as libetpan's
 * own mailimap_sort.c reads SORT's. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "mailstore_imap_private.h"

/* Senders named in a conversation's row; more are "…" (as on Maildir). */
#define THREAD_NAMES 4
/* A conversation's newest messages fetched for its row (its senders and
 * whether they are read); the read state of the others is asked with one
 * SEARCH, not fetched. */
#define THREAD_PEEK 20
/* UID ranges in one SEARCH command: servers bound a command's length
 * (Dovecot: 64 KB). */
#define SEARCH_RANGES_MAX 1000

/* ---- the answer: "* THREAD (2)(3 6 (4 23)(44 7 96))" ---- */

void imap_thread_answer_free(struct imap_thread_answer *a)
{
	if (!a)
		return;
	free(a->uids);
	free(a->starts);
	memset(a, 0, sizeof(*a));
}

/* Room for one more item of size bytes in *v (n used of *cap). */
static int room(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t more = *cap ? *cap * 2 : 256;
	void *w = realloc(*v, more * size);
	if (!w)
		return -1;
	*v = w;
	*cap = more;
	return 0;
}

int imap_thread_parse(const char *p, size_t len, size_t *used, struct imap_thread_answer *out,
		      struct err *e)
{
	size_t i = 0, depth = 0, ucap = 0, scap = 0;
	/* What came last: 0 nothing, '(' , ')', ' ' or '1' for a number. */
	char last = 0;

	memset(out, 0, sizeof(*out));
	*used = 0;
	while (i < len && p[i] != '\r' && p[i] != '\n') {
		char c = p[i];
		if (c == '(') {
			if (last == '1') {
				err_set(e, "a list right after a number");
				goto bad;
			}
			if (depth == 0) {
				if (room((void **)&out->starts, &scap, out->nthreads, sizeof(size_t)) < 0)
					goto memory;
				out->starts[out->nthreads++] = out->n;
			}
			if (++depth > IMAP_THREAD_MSGS_MAX) {
				err_set(e, "lists nested deeper than %d", IMAP_THREAD_MSGS_MAX);
				goto bad;
			}
		} else if (c == ')') {
			/* "()" and "( )": a list holds a message or lists. */
			if (depth == 0 || last == '(' || last == ' ') {
				err_set(e, "an empty or unbalanced list");
				goto bad;
			}
			depth--;
		} else if (c == ' ') {
			if (last == ' ' || last == '(' || (last == 0 && i > 0)) {
				err_set(e, "a space out of place");
				goto bad;
			}
		} else if (c >= '1' && c <= '9') {
			uint64_t v = 0;
			size_t digits = 0;
			if (depth == 0 || (last != '(' && last != ' ')) {
				err_set(e, "a number outside of a list");
				goto bad;
			}
			while (i < len && isdigit((unsigned char)p[i]) && digits <= 10) {
				v = v * 10 + (uint64_t)(p[i++] - '0');
				digits++;
			}
			if (digits > 10 || v > UINT32_MAX) {
				err_set(e, "a message number past 4294967295");
				goto bad;
			}
			if (i < len && p[i] != ' ' && p[i] != ')') {
				err_set(e, "a message number not followed by a space or ')'");
				goto bad;
			}
			if (out->n >= IMAP_THREAD_MSGS_MAX) {
				err_set(e, "more than %d messages", IMAP_THREAD_MSGS_MAX);
				goto bad;
			}
			if (room((void **)&out->uids, &ucap, out->n, sizeof(uint32_t)) < 0)
				goto memory;
			out->uids[out->n++] = (uint32_t)v;
			last = '1';
			continue;
		} else {
			err_set(e, "a byte that is no part of a thread list (0x%02x)", (unsigned char)c);
			goto bad;
		}
		/* The first byte may be the space after the word THREAD. */
		last = c == ' ' && i == 0 ? 0 : c;
		i++;
	}
	if (depth) {
		err_set(e, "a list that is not closed");
		goto bad;
	}
	*used = i;
	return 0;
memory:
	imap_thread_answer_free(out);
	return err_set(e, "out of memory");
bad:
	imap_thread_answer_free(out);
	return err_prefix(e, "the mail server's THREAD answer is not valid at byte %zu", i);
}

static int thread_ext_parse(int calling_parser, mailstream *fd, MMAPString *buffer,
			    struct mailimap_parser_context *ctx, size_t *indx,
			    struct mailimap_extension_data **result, size_t progr_rate,
			    progress_function *progr_fun);
static void thread_ext_free(struct mailimap_extension_data *data);

static struct mailimap_extension_api thread_extension = {
	.ext_name = "THREAD",
	.ext_id = -1, /* not one of libetpan's */
	.ext_parser = thread_ext_parse,
	.ext_free = thread_ext_free,
};

/* libetpan asks every registered parser about a response line its own do
 * not know: this one takes "THREAD ..." and nothing else. */
static int thread_ext_parse(int calling_parser, mailstream *fd, MMAPString *buffer,
			    struct mailimap_parser_context *ctx, size_t *indx,
			    struct mailimap_extension_data **result, size_t progr_rate,
			    progress_function *progr_fun)
{
	struct imap_thread_answer *a;
	const char *p;
	size_t left, used;
	struct err e;

	(void)fd, (void)ctx, (void)progr_rate, (void)progr_fun;
	if (calling_parser != MAILIMAP_EXTENDED_PARSER_RESPONSE_DATA || !buffer ||
	    *indx > buffer->len)
		return MAILIMAP_ERROR_PARSE;
	p = buffer->str + *indx;
	left = buffer->len - *indx;
	if (left < 6 || strncasecmp(p, "THREAD", 6) != 0 ||
	    (left > 6 && p[6] != ' ' && p[6] != '\r' && p[6] != '\n'))
		return MAILIMAP_ERROR_PARSE;
	if (!(a = calloc(1, sizeof(*a))))
		return MAILIMAP_ERROR_MEMORY;
	if (imap_thread_parse(p + 6, left - 6, &used, a, &e) < 0) {
		free(a);
		return MAILIMAP_ERROR_PARSE;
	}
	if (!(*result = mailimap_extension_data_new(&thread_extension, 0, a))) {
		imap_thread_answer_free(a);
		free(a);
		return MAILIMAP_ERROR_MEMORY;
	}
	*indx += 6 + used;
	return MAILIMAP_NO_ERROR;
}

static void thread_ext_free(struct mailimap_extension_data *data)
{
	if (!data)
		return;
	if (data->ext_data) {
		imap_thread_answer_free(data->ext_data);
		free(data->ext_data);
	}
	free(data);
}

static int thread_registered;

/* libetpan keeps its parsers in a list it reads without a lock: registering
 * while another thread reads it would race, so it is done once, when the
 * program is loaded, before any thread exists. */
__attribute__((constructor)) static void thread_extension_register(void)
{
	thread_registered = mailimap_extension_register(&thread_extension) == MAILIMAP_NO_ERROR;
}

static void ext_data_free(void *data, void *arg)
{
	(void)arg;
	mailimap_extension_data_free(data);
}

/* UID THREAD of every message of the selected folder into *out: REFS when
 * offered (Dovecot's: threads by Message-ID, References and In-Reply-To
 * only, as the Maildir store does), else REFERENCES (which also joins
 * messages of the same subject). */
static int thread_command(struct imap_store *s, struct imap_thread_answer *out, struct err *e)
{
	const char *cmd = imap_client_caps(s->c) & IMAP_CAP_THREAD_REFS
				  ? "UID THREAD REFS UTF-8 ALL\r\n"
				  : "UID THREAD REFERENCES UTF-8 ALL\r\n";
	struct mailimap *imap = imap_store_session(s);
	struct mailimap_response *resp = NULL;
	int r, state, got = 0;

	memset(out, 0, sizeof(*out));
	if (imap->imap_state != MAILIMAP_STATE_SELECTED)
		return FAIL(s, MAILIMAP_ERROR_BAD_STATE, "thread the folder", e);
	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "thread the folder", e);
	if (mailstream_write(imap->imap_stream, cmd, strlen(cmd)) < 0 ||
	    mailstream_flush(imap->imap_stream) < 0 || !mailimap_read_line(imap))
		return FAIL(s, MAILIMAP_ERROR_STREAM, "thread the folder", e);
	if ((r = mailimap_parse_response(imap, &resp)) != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "thread the folder", e);
	if (imap->imap_response_info && imap->imap_response_info->rsp_extension_list) {
		clist *l = imap->imap_response_info->rsp_extension_list;
		for (clistiter *it = clist_begin(l); it; it = clist_next(it)) {
			struct mailimap_extension_data *d = clist_content(it);
			if (got || d->ext_extension != &thread_extension || !d->ext_data)
				continue;
			*out = *(struct imap_thread_answer *)d->ext_data;
			free(d->ext_data);
			d->ext_data = NULL;
			got = 1;
		}
		clist_foreach(l, ext_data_free, NULL);
		clist_free(l);
		imap->imap_response_info->rsp_extension_list = NULL;
	}
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	if (state != MAILIMAP_RESP_COND_STATE_OK) {
		imap_thread_answer_free(out);
		return FAIL(s, MAILIMAP_ERROR_EXTENSION, "thread the folder", e);
	}
	return 0;
}

/* ---- the folder's conversations, kept ---- */

struct conv {
	uint32_t id;        /* its oldest UID: the conversation's number */
	size_t start, count; /* its UIDs in members[], newest first */
	uint32_t date_rank; /* its newest message's place in the folder, newest first */
	uint32_t key;       /* the same in the order of the page */
};

struct imap_threads {
	char folder[MAIL_FOLDER_MAX];
	uint32_t uidvalidity, uidnext, exists;
	uint32_t *members;
	size_t nmembers;
	struct conv *convs;
	size_t nconvs;
	/* convs' indices in the order sort and ascending say (ordered: made). */
	size_t *order;
	int ordered;
	enum mail_sort sort;
	int ascending;
};

void imap_store_threads_drop(struct imap_store *s)
{
	struct imap_threads *t = s->threads;
	if (!t)
		return;
	free(t->members);
	free(t->convs);
	free(t->order);
	free(t);
	s->threads = NULL;
}

/* A UID's place in an order. */
struct rank {
	uint32_t uid, rank;
};

static int compare_ranks(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	return (x->uid > y->uid) - (x->uid < y->uid);
}

/* The places of s->cache's UIDs (the order just made), by UID. */
static struct rank *ranks_of_cache(struct imap_store *s)
{
	struct rank *r = malloc((s->cache.n ? s->cache.n : 1) * sizeof(*r));
	if (!r)
		return NULL;
	for (size_t i = 0; i < s->cache.n; i++)
		r[i] = (struct rank){ s->cache.uids[i], (uint32_t)i };
	qsort(r, s->cache.n, sizeof(*r), compare_ranks);
	return r;
}

static uint32_t rank_of(const struct rank *r, size_t n, uint32_t uid)
{
	struct rank key = { uid, 0 }, *at = bsearch(&key, r, n, sizeof(*r), compare_ranks);
	return at ? at->rank : UINT32_MAX;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Whether s->threads still holds the selected folder's conversations: as
 * the list's order (cache_fresh in mailstore_imap_list.c), no message came
 * or went, which a NOOP (or the request's own) and a UID SEARCH for UIDs
 * from the next one on tell. */
static int threads_fresh(struct imap_store *s, const char *folder, struct err *e)
{
	struct mailimap_selection_info *si = imap_store_selection(s);
	struct imap_threads *t = s->threads;
	if (!t || strcmp(t->folder, folder) != 0 || t->uidvalidity != si->sel_uidvalidity)
		return 0;
	return imap_store_folder_unchanged(s, t->uidnext, t->exists, "list conversations", e);
}

/* s->threads made anew for the selected folder: the server's THREAD, and
 * its date order (the list's, newest first) for each conversation's newest
 * message. A message the order has and no thread (it came between the two
 * commands) is a conversation of its own until the next check finds it. */
static int threads_build(struct imap_store *s, const char *folder, struct err *e)
{
	struct mailimap_selection_info *si;
	struct imap_thread_answer a;
	struct imap_threads *t = NULL;
	struct rank *ranks = NULL;
	unsigned char *taken = NULL;
	uint32_t next;
	size_t nd;
	int rc = -1;

	imap_store_threads_drop(s);
	if (thread_command(s, &a, e) < 0)
		return -1;
	/* What the folder was when it was threaded: what the next request
	 * checks against. */
	si = imap_store_selection(s);
	next = si->sel_uidnext;
	for (size_t i = 0; i < a.n; i++)
		if (a.uids[i] >= next)
			next = a.uids[i] + 1;
	if (!(t = calloc(1, sizeof(*t)))) {
		err_set(e, "out of memory");
		goto out;
	}
	snprintf(t->folder, sizeof(t->folder), "%s", folder);
	t->uidvalidity = si->sel_uidvalidity;
	t->exists = si->sel_exists;
	t->uidnext = next ? next : 1;
	if (imap_store_sorted_uids(s, folder, MAIL_SORT_DATE, 0, e) < 0)
		goto out;
	nd = s->cache.n;
	if (!(ranks = ranks_of_cache(s)) || !(taken = calloc(nd ? nd : 1, 1)) ||
	    !(t->members = malloc((nd ? nd : 1) * sizeof(*t->members))) ||
	    !(t->convs = malloc((nd ? nd : 1) * sizeof(*t->convs)))) {
		err_set(e, "out of memory");
		goto out;
	}
	/* Each thread's messages still here, each once (a UID the server
	 * names twice belongs to the first thread naming it), newest first. */
	for (size_t i = 0; i < a.nthreads; i++) {
		size_t end = i + 1 < a.nthreads ? a.starts[i + 1] : a.n;
		size_t start = t->nmembers;
		for (size_t j = a.starts[i]; j < end && j < a.n; j++) {
			uint32_t r = rank_of(ranks, nd, a.uids[j]);
			if (r == UINT32_MAX || taken[r])
				continue;
			taken[r] = 1;
			t->members[t->nmembers++] = r; /* its rank for now */
		}
		if (t->nmembers == start)
			continue;
		qsort(t->members + start, t->nmembers - start, sizeof(uint32_t), compare_u32);
		struct conv *c = &t->convs[t->nconvs++];
		*c = (struct conv){ .start = start, .count = t->nmembers - start,
				    .date_rank = t->members[start], .id = UINT32_MAX };
		for (size_t j = start; j < t->nmembers; j++) {
			t->members[j] = s->cache.uids[t->members[j]];
			if (t->members[j] < c->id)
				c->id = t->members[j];
		}
	}
	for (size_t r = 0; r < nd; r++) {
		if (taken[r])
			continue;
		t->convs[t->nconvs++] = (struct conv){ .id = s->cache.uids[r], .start = t->nmembers,
						       .count = 1, .date_rank = (uint32_t)r };
		t->members[t->nmembers++] = s->cache.uids[r];
	}
	s->threads = t;
	t = NULL;
	rc = 0;
out:
	imap_thread_answer_free(&a);
	free(ranks);
	free(taken);
	if (t) {
		free(t->members);
		free(t->convs);
		free(t);
	}
	return rc;
}

static int compare_convs(const void *a, const void *b, void *arg)
{
	const struct conv *convs = arg;
	const struct conv *x = &convs[*(const size_t *)a], *y = &convs[*(const size_t *)b];
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->id > y->id) - (x->id < y->id);
}

/* s->threads->order for sort and ascending: each conversation where its
 * newest message is in the folder's order (the list's: the server's SORT).
 * Newest first by date is the threads' own order and costs no command. */
static int threads_order(struct imap_store *s, const char *folder, enum mail_sort sort,
			 int ascending, struct err *e)
{
	struct imap_threads *t = s->threads;
	struct rank *ranks = NULL;
	size_t nr = 0;

	if (t->ordered && t->sort == sort && t->ascending == ascending)
		return 0;
	t->ordered = 0;
	if (sort != MAIL_SORT_DATE || ascending) {
		if (imap_store_sorted_uids(s, folder, sort, ascending, e) < 0)
			return -1;
		if (!(ranks = ranks_of_cache(s)))
			return err_set(e, "out of memory");
		nr = s->cache.n;
	}
	if (!t->order && !(t->order = malloc((t->nconvs ? t->nconvs : 1) * sizeof(*t->order)))) {
		free(ranks);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < t->nconvs; i++) {
		struct conv *c = &t->convs[i];
		c->key = ranks ? rank_of(ranks, nr, t->members[c->start]) : c->date_rank;
		t->order[i] = i;
	}
	free(ranks);
	if (t->nconvs > 1)
		qsort_r(t->order, t->nconvs, sizeof(*t->order), compare_convs, t->convs);
	t->ordered = 1;
	t->sort = sort;
	t->ascending = ascending;
	return 0;
}

/* s->threads for folder, selected: kept, or made anew. */
static int threads_ready(struct imap_store *s, const char *folder, struct err *e)
{
	int r = threads_fresh(s, folder, e);
	if (r < 0)
		return -1;
	return r ? 0 : threads_build(s, folder, e);
}

static int threads_offered(struct imap_store *s)
{
	return thread_registered &&
	       (imap_client_caps(s->c) & (IMAP_CAP_THREAD_REFS | IMAP_CAP_THREAD_REFERENCES));
}

/* ---- a page of conversations ---- */

/* Adds the UIDs of uids (sorted, n) to set as ranges, from *at on, at most
 * SEARCH_RANGES_MAX of them; *at gets where it stopped. */
static int set_of_ranges(const uint32_t *uids, size_t n, size_t *at, struct mailimap_set **out)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t ranges = 0, i = *at;
	if (!set)
		return -1;
	while (i < n && ranges < SEARCH_RANGES_MAX) {
		uint32_t first = uids[i], last = uids[i];
		while (i + 1 < n && (uids[i + 1] == last || uids[i + 1] == last + 1))
			last = uids[++i];
		i++;
		if (mailimap_set_add_interval(set, first, last) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return -1;
		}
		ranges++;
	}
	*at = i;
	*out = set;
	return 0;
}

/* UNSEEN: libetpan has no helper of its own for it. */
static struct mailimap_search_key *unseen_key(void)
{
	return mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNSEEN, NULL, NULL, NULL, NULL, NULL,
				       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
				       NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
}

/* Which of uids (sorted, n) are unread: unread[i] set for each, with a
 * UID SEARCH UNSEEN of them (a few bytes back, not their flags). */
static int unseen_of(struct imap_store *s, const uint32_t *uids, size_t n, unsigned char *unread,
		     struct err *e)
{
	size_t at = 0;
	while (at < n) {
		struct mailimap_set *set = NULL;
		struct mailimap_search_key *all, *uk = NULL, *un = NULL;
		clist *res = NULL;
		int r;
		if (set_of_ranges(uids, n, &at, &set) < 0)
			return err_set(e, "out of memory");
		if (!(all = mailimap_search_key_new_multiple_empty()) ||
		    !(un = unseen_key()) ||
		    mailimap_search_key_multiple_add(all, un) != MAILIMAP_NO_ERROR ||
		    (un = NULL, !(uk = mailimap_search_key_new_uid(set))) ||
		    (set = NULL, mailimap_search_key_multiple_add(all, uk) != MAILIMAP_NO_ERROR)) {
			if (un)
				mailimap_search_key_free(un);
			if (uk)
				mailimap_search_key_free(uk);
			if (set)
				mailimap_set_free(set);
			if (all)
				mailimap_search_key_free(all);
			return err_set(e, "out of memory");
		}
		r = mailimap_uid_search(imap_store_session(s), NULL, all, &res);
		mailimap_search_key_free(all);
		if (r != MAILIMAP_NO_ERROR)
			return FAIL(s, r, "list conversations", e);
		for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
			uint32_t u = *(uint32_t *)clist_content(it);
			const uint32_t *hit = bsearch(&u, uids, n, sizeof(*uids), compare_u32);
			if (hit)
				unread[hit - uids] = 1;
		}
		mailimap_search_result_free(res);
	}
	return 0;
}

/* The conversation's senders, newest first, each once, into row->from. */
static void senders(struct mail_summary *row, const struct mail_summary *m, size_t n)
{
	char names[THREAD_NAMES][sizeof(row->from)];
	size_t count = 0, o = 0;
	int more = 0;
	for (size_t i = 0; i < n && !more; i++) {
		size_t k;
		if (!m[i].from[0])
			continue;
		for (k = 0; k < count && strcmp(names[k], m[i].from) != 0; k++)
			;
		if (k < count)
			continue;
		if (count == THREAD_NAMES)
			more = 1;
		else
			snprintf(names[count++], sizeof(names[0]), "%s", m[i].from);
	}
	if (count == 0)
		return;
	row->from[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		int w = snprintf(row->from + o, sizeof(row->from) - o, "%s%s", i ? ", " : "",
				 names[i]);
		if (w < 0 || (size_t)w >= sizeof(row->from) - o) {
			row->from[o] = '\0'; /* no name cut in the middle of a character */
			more = 1;
			break;
		}
		o += (size_t)w;
	}
	if (more && o + sizeof(", \u2026") <= sizeof(row->from))
		snprintf(row->from + o, sizeof(row->from) - o, "%s", ", \u2026");
}

int mailstore_imap_list_threads(void *be, const char *folder, enum mail_sort sort,
				int ascending, size_t offset, size_t limit,
				struct mail_summary **out, size_t *n, long *total, struct err *e)
{
	struct imap_store *s = be;
	struct imap_threads *t;
	uint32_t *peek = NULL, *rest = NULL;
	unsigned char *unread = NULL;
	struct mail_summary *m = NULL, *rows = NULL;
	size_t page, npeek = 0, nrest = 0, got = 0, j = 0;
	int r, rc = -1;

	/* A server that cannot thread: single messages, as the Maildir store
	 * lists them when its index cannot thread; the user's choice of
	 * conversations stays usable, and nothing is threaded here (that
	 * would take every message's headers). */
	if (!threads_offered(s))
		return mailstore_imap_list(be, folder, sort, ascending, offset, limit, out, n,
					   total, e);
	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	if (imap_store_selection(s)->sel_exists == 0)
		return 0;
	if (threads_ready(s, folder, e) < 0 || threads_order(s, folder, sort, ascending, e) < 0)
		return -1;
	t = s->threads;
	*total = (long)t->nconvs;
	if (offset >= t->nconvs)
		return 0;
	page = t->nconvs - offset < limit ? t->nconvs - offset : limit;
	for (size_t i = 0; i < page; i++) {
		const struct conv *c = &t->convs[t->order[offset + i]];
		npeek += c->count < THREAD_PEEK ? c->count : THREAD_PEEK;
		nrest += c->count > THREAD_PEEK ? c->count - THREAD_PEEK : 0;
	}
	if (!(peek = malloc(npeek * sizeof(*peek))) || !(m = calloc(npeek, sizeof(*m))) ||
	    !(rows = calloc(page, sizeof(*rows))) ||
	    (nrest && (!(rest = malloc(nrest * sizeof(*rest))) || !(unread = calloc(nrest, 1))))) {
		err_set(e, "out of memory");
		goto out;
	}
	npeek = nrest = 0;
	for (size_t i = 0; i < page; i++) {
		const struct conv *c = &t->convs[t->order[offset + i]];
		for (size_t k = 0; k < c->count; k++) {
			if (k < THREAD_PEEK)
				peek[npeek++] = t->members[c->start + k];
			else
				rest[nrest++] = t->members[c->start + k];
		}
	}
	if (imap_store_fetch_summaries(s, peek, npeek, m, &got, e) < 0)
		goto out;
	if (nrest) {
		qsort(rest, nrest, sizeof(*rest), compare_u32);
		if (unseen_of(s, rest, nrest, unread, e) < 0)
			goto out;
	}
	/* The summaries came in peek's order, those gone meanwhile left out:
	 * each conversation takes its own from the front. */
	*n = 0;
	for (size_t i = 0; i < page; i++) {
		const struct conv *c = &t->convs[t->order[offset + i]];
		size_t first = j, shown = c->count < THREAD_PEEK ? c->count : THREAD_PEEK;
		int all_read = 1;
		for (size_t k = 0; k < shown && j < got; k++) {
			if (strtoul(m[j].id, NULL, 10) != t->members[c->start + k])
				continue;
			all_read &= (m[j].flags & MAIL_SEEN) != 0;
			j++;
		}
		if (j == first)
			continue; /* every message of it went meanwhile */
		for (size_t k = THREAD_PEEK; k < c->count && all_read; k++) {
			uint32_t u = t->members[c->start + k];
			const uint32_t *at = bsearch(&u, rest, nrest, sizeof(*rest), compare_u32);
			if (at && unread[at - rest])
				all_read = 0;
		}
		struct mail_summary *row = &rows[(*n)++];
		*row = m[first];
		row->thread = c->id;
		row->thread_count = (long)c->count;
		/* Unread while any of it is. */
		if (all_read)
			row->flags |= MAIL_SEEN;
		else
			row->flags &= ~(unsigned)MAIL_SEEN;
		if (c->count > 1)
			senders(row, m + first, j - first);
	}
	*out = rows;
	rows = NULL;
	rc = 0;
out:
	free(peek);
	free(rest);
	free(unread);
	free(m);
	free(rows);
	if (rc < 0)
		*n = 0;
	return rc;
}

int mailstore_imap_thread(void *be, const char *folder, long long thread,
			  struct mail_summary **out, size_t *n, struct err *e)
{
	struct imap_store *s = be;
	const struct conv *c = NULL;
	struct imap_threads *t;
	uint32_t *uids;
	size_t k;
	int r;

	if (!threads_offered(s)) {
		err_set(e, "this mail server does not thread conversations (it offers no "
			   "THREAD=REFS or THREAD=REFERENCES)");
		return MAILSTORE_REFUSED;
	}
	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	if (thread > UINT32_MAX || imap_store_selection(s)->sel_exists == 0)
		return 0;
	if (threads_ready(s, folder, e) < 0)
		return -1;
	t = s->threads;
	for (size_t i = 0; i < t->nconvs && !c; i++)
		if (t->convs[i].id == (uint32_t)thread)
			c = &t->convs[i];
	if (!c)
		return 0;
	/* Oldest first, the oldest MAIL_THREAD_MAX of a longer one (as on
	 * Maildir): members are newest first. */
	k = c->count < MAIL_THREAD_MAX ? c->count : MAIL_THREAD_MAX;
	if (!(uids = malloc(k * sizeof(*uids))) || !(*out = calloc(k, sizeof(**out)))) {
		free(uids);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < k; i++)
		uids[i] = t->members[c->start + c->count - 1 - i];
	r = imap_store_fetch_summaries(s, uids, k, *out, n, e);
	free(uids);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		(*out)[i].thread = c->id;
	return 0;
}
