/* mailstore_imap_list.c - the IMAP mail store's lists: summaries from
 * ENVELOPE, pages from the folder's order (the server's SORT, or sorted
 * here) kept until a message comes or goes, and search. */
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

/* Most messages a search collects (over all folders) before sorting. */
#define SEARCH_HITS_MAX 2000
/* Most words of a search. */
#define SEARCH_WORDS_MAX 16

/* ---- summaries ---- */

/* An RFC 2047 header value as UTF-8, at most outlen - 1 bytes. */
static void decode_words(const char *in, char *out, size_t outlen)
{
	char *dec = NULL;
	size_t idx = 0;
	out[0] = '\0';
	if (!in)
		return;
	if (mailmime_encoded_phrase_parse("utf-8", in, strlen(in), &idx, "utf-8", &dec) ==
		    MAILIMF_NO_ERROR &&
	    dec) {
		snprintf(out, outlen, "%s", dec);
		free(dec);
	} else {
		snprintf(out, outlen, "%s", in);
	}
	/* Never a control character in a summary (tabs and line ends of folded
	 * headers included). */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

static void address_text(const struct mailimap_address *a, char *name, size_t namelen,
			 char *addr, size_t addrlen)
{
	snprintf(addr, addrlen, "%s%s%s", a->ad_mailbox_name ? a->ad_mailbox_name : "",
		 a->ad_host_name ? "@" : "", a->ad_host_name ? a->ad_host_name : "");
	decode_words(a->ad_personal_name, name, namelen);
	if (!name[0])
		snprintf(name, namelen, "%s", addr);
}

static time_t zoned(int year, int month, int day, int hour, int min, int sec, int zone)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };
	int sign = zone < 0 ? -1 : 1;
	int z = zone * sign;
	return timegm(&tm) - sign * ((z / 100) * 3600 + (z % 100) * 60);
}

/* The Date header; 0 when it cannot be read. */
static time_t header_date(const char *s)
{
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	time_t t = 0;
	if (s && mailimf_date_time_parse(s, strlen(s), &idx, &dt) == MAILIMF_NO_ERROR && dt) {
		t = zoned(dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min,
			  dt->dt_sec, dt->dt_zone);
		mailimf_date_time_free(dt);
	}
	return t;
}

static void fill_envelope(const struct mailimap_envelope *env, struct mail_summary *m)
{
	time_t d = header_date(env->env_date);
	if (d > 0)
		m->date = d;
	decode_words(env->env_subject, m->subject, sizeof(m->subject));
	if (env->env_from && env->env_from->frm_list && clist_begin(env->env_from->frm_list))
		address_text(clist_content(clist_begin(env->env_from->frm_list)), m->from,
			     sizeof(m->from), m->from_addr, sizeof(m->from_addr));
	if (env->env_to && env->env_to->to_list && clist_begin(env->env_to->to_list)) {
		char addr[320], name[320];
		int more = clist_count(env->env_to->to_list) - 1;
		address_text(clist_content(clist_begin(env->env_to->to_list)), name,
			     sizeof(name), addr, sizeof(addr));
		if (more > 0)
			snprintf(m->to, sizeof(m->to), "%.300s + %d", name, more);
		else
			snprintf(m->to, sizeof(m->to), "%s", name);
	}
}

static unsigned flags_of(const struct mailimap_msg_att_dynamic *dyn)
{
	unsigned f = 0;
	if (!dyn || !dyn->att_list)
		return 0;
	for (clistiter *it = clist_begin(dyn->att_list); it; it = clist_next(it)) {
		struct mailimap_flag_fetch *ff = clist_content(it);
		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER || !ff->fl_flag)
			continue;
		switch (ff->fl_flag->fl_type) {
		case MAILIMAP_FLAG_SEEN: f |= MAIL_SEEN; break;
		case MAILIMAP_FLAG_ANSWERED: f |= MAIL_ANSWERED; break;
		case MAILIMAP_FLAG_FLAGGED: f |= MAIL_FLAGGED; break;
		case MAILIMAP_FLAG_DRAFT: f |= MAIL_DRAFT; break;
		case MAILIMAP_FLAG_KEYWORD:
			if (ff->fl_flag->fl_data.fl_keyword &&
			    strcasecmp(ff->fl_flag->fl_data.fl_keyword, "$Forwarded") == 0)
				f |= MAIL_FORWARDED;
			break;
		default: break;
		}
	}
	return f;
}

/* Whether the Content-Type header in head (the answer to BODY.PEEK[HEADER.FIELDS
 * (CONTENT-TYPE)]) says multipart/mixed: "has an attachment" is guessed from
 * the top-level type alone, as on Maildir (maildir_meta.c), and from the
 * header alone, never the structure, which the server may have to read the
 * whole message for. */
static int mixed_multipart(const char *head, size_t len)
{
	struct mailmime_content *ct = NULL;
	const char *colon;
	size_t idx = 0;
	int mixed = 0;

	if (!head || len < 13 || strncasecmp(head, "Content-Type", 12) != 0 ||
	    !(colon = memchr(head, ':', len)))
		return 0;
	idx = (size_t)(colon + 1 - head);
	if (mailmime_content_parse(head, len, &idx, &ct) != MAILIMF_NO_ERROR || !ct)
		return 0;
	mixed = ct->ct_type && ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		ct->ct_type->tp_data.tp_composite_type &&
		ct->ct_type->tp_data.tp_composite_type->ct_type ==
			MAILMIME_COMPOSITE_TYPE_MULTIPART &&
		ct->ct_subtype && strcasecmp(ct->ct_subtype, "mixed") == 0;
	mailmime_content_free(ct);
	return mixed;
}

/* One FETCH answer as a summary; its UID in *uid (0 when it had none). */
static void fill_summary(const struct mailimap_msg_att *att, struct mail_summary *m,
			 uint32_t *uid)
{
	const struct mailimap_envelope *env = NULL;
	memset(m, 0, sizeof(*m));
	*uid = 0;
	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			m->flags |= flags_of(item->att_data.att_dyn);
			continue;
		}
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID: *uid = st->att_data.att_uid; break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE: m->size = (long)st->att_data.att_rfc822_size; break;
		case MAILIMAP_MSG_ATT_ENVELOPE: env = st->att_data.att_env; break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (st->att_data.att_body_section &&
			    mixed_multipart(st->att_data.att_body_section->sec_body_part,
					    st->att_data.att_body_section->sec_length))
				m->flags |= MAIL_HAS_ATTACHMENT;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE: {
			const struct mailimap_date_time *d = st->att_data.att_internal_date;
			if (!m->date && d)
				m->date = zoned(d->dt_year, d->dt_month, d->dt_day, d->dt_hour,
						d->dt_min, d->dt_sec, d->dt_zone);
			break;
		}
		default: break;
		}
	}
	/* The Date header wins over the delivery time, as on Maildir. */
	if (env)
		fill_envelope(env, m);
	snprintf(m->id, sizeof(m->id), "%u", *uid);
}

/* Where each UID of a page goes: sorted by UID for bsearch. */
struct slot {
	uint32_t uid;
	size_t pos;
};

static int compare_slots(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	return (x->uid > y->uid) - (x->uid < y->uid);
}

/* The FETCH attributes of the summaries a list needs; for_page: also the
 * Content-Type header for the attachment mark, which the page shows and
 * sorting everything here (fetch_all) does not need. */
static struct mailimap_fetch_type *summary_atts(int for_page)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!ft)
		return NULL;
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_envelope());
	if (for_page) {
		clist *names = clist_new();
		char *name = strdup("Content-Type");
		struct mailimap_header_list *hl = NULL;
		struct mailimap_section *sec = NULL;
		struct mailimap_fetch_att *att = NULL;
		if (names && name && clist_append(names, name) == 0) {
			name = NULL;
			if ((hl = mailimap_header_list_new(names)))
				names = NULL;
		}
		if (hl && !(sec = mailimap_section_new_header_fields(hl)))
			mailimap_header_list_free(hl);
		if (sec && !(att = mailimap_fetch_att_new_body_peek_section(sec)))
			mailimap_section_free(sec);
		free(name);
		if (names) {
			for (clistiter *it = clist_begin(names); it; it = clist_next(it))
				free(clist_content(it));
			clist_free(names);
		}
		if (!att || mailimap_fetch_type_new_fetch_att_list_add(ft, att) != MAILIMAP_NO_ERROR) {
			if (att)
				mailimap_fetch_att_free(att);
			mailimap_fetch_type_free(ft);
			return NULL;
		}
	}
	return ft;
}

/* UID FETCH of the summaries of uids (n of them) in the selected folder,
 * into out[] in the order of uids; a message gone meanwhile is left out.
 * *got gets how many were filled. */
int imap_store_fetch_summaries(struct imap_store *s, const uint32_t *uids, size_t n,
			   struct mail_summary *out, size_t *got, struct err *e)
{
	struct mailimap_set *set = NULL;
	struct mailimap_fetch_type *ft = NULL;
	struct slot *slots = NULL;
	unsigned char *filled = NULL;
	clist *res = NULL;
	int r, rc = -1;

	*got = 0;
	if (n == 0)
		return 0;
	if (!(set = mailimap_set_new_empty()) || !(ft = summary_atts(1)) ||
	    !(slots = calloc(n, sizeof(*slots))) || !(filled = calloc(n, 1))) {
		err_set(e, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		mailimap_set_add_single(set, uids[i]);
		slots[i] = (struct slot){ uids[i], i };
	}
	qsort(slots, n, sizeof(*slots), compare_slots);
	r = mailimap_uid_fetch(imap_store_session(s), set, ft, &res);
	if (r != MAILIMAP_NO_ERROR) {
		FAIL(s, r, "list messages", e);
		goto out;
	}
	/* Answers come in the server's order: each to its UID's place. */
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct mail_summary m;
		struct slot key, *at;
		fill_summary(clist_content(it), &m, &key.uid);
		if (!(at = bsearch(&key, slots, n, sizeof(*slots), compare_slots)) ||
		    filled[at->pos])
			continue;
		out[at->pos] = m;
		filled[at->pos] = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (filled[i])
			out[(*got)++] = out[i];
	rc = 0;
out:
	if (res)
		mailimap_fetch_list_free(res);
	if (ft)
		mailimap_fetch_type_free(ft);
	if (set)
		mailimap_set_free(set);
	free(slots);
	free(filled);
	return rc;
}

/* The summaries of every message of the selected folder (UID FETCH 1:*,
 * never a list of UIDs, which could pass the server's longest command). */
static int fetch_all(struct imap_store *s, struct mail_summary **out, size_t *n, struct err *e)
{
	struct mailimap_set *set = mailimap_set_new_interval(1, 0);
	struct mailimap_fetch_type *ft = summary_atts(0);
	clist *res = NULL;
	int r, rc = -1;

	*out = NULL;
	*n = 0;
	if (!set || !ft) {
		err_set(e, "out of memory");
		goto out;
	}
	r = mailimap_uid_fetch(imap_store_session(s), set, ft, &res);
	if (r != MAILIMAP_NO_ERROR) {
		FAIL(s, r, "list messages", e);
		goto out;
	}
	if (clist_count(res) > 0 && !(*out = calloc((size_t)clist_count(res), sizeof(**out)))) {
		err_set(e, "out of memory");
		goto out;
	}
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t uid;
		fill_summary(clist_content(it), &(*out)[*n], &uid);
		if (uid)
			(*n)++;
	}
	rc = 0;
out:
	if (res)
		mailimap_fetch_list_free(res);
	if (ft)
		mailimap_fetch_type_free(ft);
	if (set)
		mailimap_set_free(set);
	return rc;
}

/* ---- sorting here, for servers without SORT ---- */

/* How two summaries compare in the order how = { enum mail_sort, ascending }. */
static int compare_summaries(const void *a, const void *b, void *arg)
{
	const struct mail_summary *x = a, *y = b;
	const int *how = arg;
	unsigned long ux, uy;
	int c = 0;
	switch (how[0]) {
	case MAIL_SORT_FROM: c = strcasecmp(x->from, y->from); break;
	case MAIL_SORT_SUBJECT: c = strcasecmp(x->subject, y->subject); break;
	case MAIL_SORT_TO: c = strcasecmp(x->to, y->to); break;
	default: break;
	}
	if (c == 0)
		c = (x->date > y->date) - (x->date < y->date);
	if (c == 0) {
		ux = strtoul(x->id, NULL, 10);
		uy = strtoul(y->id, NULL, 10);
		c = (ux > uy) - (ux < uy);
	}
	if (c == 0)
		c = strcmp(x->folder, y->folder);
	return how[1] ? c : -c;
}

static void sort_summaries(struct mail_summary *m, size_t n, enum mail_sort sort, int ascending)
{
	int how[2] = { (int)sort, ascending ? 1 : 0 };
	if (n > 1)
		qsort_r(m, n, sizeof(*m), compare_summaries, how);
}

/* All UIDs of the selected folder in order, sorted here from their
 * summaries, for servers without SORT. */
static int sorted_here(struct imap_store *s, enum mail_sort sort, int ascending, uint32_t **uids,
		       size_t *n, struct err *e)
{
	struct mail_summary *m = NULL;
	size_t got = 0;
	*uids = NULL;
	*n = 0;
	if (fetch_all(s, &m, &got, e) < 0)
		return -1;
	if (got && !(*uids = calloc(got, sizeof(**uids)))) {
		free(m);
		return err_set(e, "out of memory");
	}
	sort_summaries(m, got, sort, ascending);
	for (size_t i = 0; i < got; i++)
		(*uids)[i] = (uint32_t)strtoul(m[i].id, NULL, 10);
	free(m);
	*n = got;
	return 0;
}

static struct mailimap_sort_key *sort_key(enum mail_sort sort, int ascending)
{
	int reverse = !ascending;
	switch (sort) {
	case MAIL_SORT_FROM: return mailimap_sort_key_new_from(reverse);
	case MAIL_SORT_SUBJECT: return mailimap_sort_key_new_subject(reverse);
	case MAIL_SORT_TO: return mailimap_sort_key_new_to(reverse);
	default: return mailimap_sort_key_new_date(reverse);
	}
}

/* All UIDs of the selected folder in order, sorted by the server. */
static int sorted_there(struct imap_store *s, enum mail_sort sort, int ascending,
			uint32_t **uids, size_t *n, struct err *e)
{
	struct mailimap_sort_key *key = sort_key(sort, ascending);
	struct mailimap_search_key *all = mailimap_search_key_new_all();
	clist *res = NULL;
	int r;
	*uids = NULL;
	*n = 0;
	if (!key || !all) {
		if (key)
			mailimap_sort_key_free(key);
		if (all)
			mailimap_search_key_free(all);
		return err_set(e, "out of memory");
	}
	r = mailimap_uid_sort(imap_store_session(s), "UTF-8", key, all, &res);
	mailimap_sort_key_free(key);
	mailimap_search_key_free(all);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "sort the folder", e);
	size_t count = (size_t)clist_count(res);
	if (count && !(*uids = calloc(count, sizeof(**uids)))) {
		mailimap_sort_result_free(res);
		return err_set(e, "out of memory");
	}
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		(*uids)[(*n)++] = *(uint32_t *)clist_content(it);
	mailimap_sort_result_free(res);
	return 0;
}

/* Whether the selected folder is as it was when it held exists messages and
 * uidnext was to come next: no message came or went. The NOOP of the
 * request's start (or one here) brings the server's news, and a UID SEARCH
 * for UIDs from uidnext on finds what came. what: for the error. */
int imap_store_folder_unchanged(struct imap_store *s, uint32_t uidnext, uint32_t exists,
				const char *what, struct err *e)
{
	struct mailimap_selection_info *si = imap_store_selection(s);
	clist *res = NULL;
	int r, fresh = 1;
	if (!s->synced && (r = mailimap_noop(imap_store_session(s))) != MAILIMAP_NO_ERROR)
		return FAIL(s, r, what, e);
	s->synced = 0;
	if (exists != si->sel_exists)
		return 0;
	struct mailimap_set *set = mailimap_set_new_interval(uidnext, 0);
	struct mailimap_search_key *key = set ? mailimap_search_key_new_uid(set) : NULL;
	if (!key) {
		if (set)
			mailimap_set_free(set);
		return err_set(e, "out of memory");
	}
	r = mailimap_uid_search(imap_store_session(s), NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, what, e);
	/* "N:*" also matches the newest message when none is as new as N. */
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		if (*(uint32_t *)clist_content(it) >= uidnext)
			fresh = 0;
	mailimap_search_result_free(res);
	return fresh;
}

/* Whether s->cache still holds the selected folder's messages in this
 * order. Sort keys (date, sender, subject, recipient) never change, so the
 * order stands while no message came or went: a NOOP (the kept
 * connection's check at the request's start, else one here) brings the
 * server's EXISTS and EXPUNGE (libetpan keeps the count), and a UID SEARCH for
 * UIDs from the cache's next one on finds mail that came while other mail
 * went (the count alone would not show it). A few bytes each way, instead
 * of the whole folder's order again (600 KB for 100,000 messages). */
static int cache_fresh(struct imap_store *s, const char *folder, enum mail_sort sort,
		       int ascending, struct err *e)
{
	struct mailimap_selection_info *si = imap_store_selection(s);
	if (!s->cache.uids || strcmp(s->cache.folder, folder) != 0 || s->cache.sort != sort ||
	    s->cache.ascending != ascending || s->cache.uidvalidity != si->sel_uidvalidity)
		return 0;
	return imap_store_folder_unchanged(s, s->cache.uidnext, s->cache.exists, "list messages",
					   e);
}

/* s->cache: the selected folder's UIDs in this order, from the server's
 * SORT when it has one, else sorted here; kept on the store (and so on the
 * session's kept connection) until the folder changes. */
int imap_store_sorted_uids(struct imap_store *s, const char *folder, enum mail_sort sort,
			   int ascending, struct err *e)
{
	struct mailimap_selection_info *si = imap_store_selection(s);
	uint32_t *uids = NULL, next = si->sel_uidnext;
	size_t n = 0;
	int r = cache_fresh(s, folder, sort, ascending, e);
	if (r != 0)
		return r < 0 ? r : 0;
	imap_store_cache_drop(s);
	r = (imap_client_caps(s->c) & IMAP_CAP_SORT) && !s->no_sort
		    ? sorted_there(s, sort, ascending, &uids, &n, e)
		    : sorted_here(s, sort, ascending, &uids, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (uids[i] >= next)
			next = uids[i] + 1;
	snprintf(s->cache.folder, sizeof(s->cache.folder), "%s", folder);
	s->cache.sort = sort;
	s->cache.ascending = ascending;
	s->cache.uidvalidity = si->sel_uidvalidity;
	s->cache.uidnext = next ? next : 1;
	s->cache.exists = si->sel_exists;
	s->cache.uids = uids;
	s->cache.n = n;
	return 0;
}

int mailstore_imap_list(void *be, const char *folder, enum mail_sort sort, int ascending,
		     size_t offset, size_t limit, struct mail_summary **out, size_t *n,
		     long *total, struct err *e)
{
	struct imap_store *s = be;
	size_t count, page;
	int r;

	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	*total = (long)imap_store_selection(s)->sel_exists;
	if (*total == 0 || offset >= (size_t)*total)
		return 0;
	if ((r = imap_store_sorted_uids(s, folder, sort, ascending, e)) < 0)
		return r;
	count = s->cache.n;
	*total = (long)count;
	if (offset >= count)
		return 0;
	page = count - offset < limit ? count - offset : limit;
	if (!(*out = calloc(page ? page : 1, sizeof(**out))))
		return err_set(e, "out of memory");
	if (imap_store_fetch_summaries(s, s->cache.uids + offset, page, *out, n, e) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The search key for the words of query (each in the text of the message,
 * headers included: TEXT), NULL when it has none. */
static struct mailimap_search_key *search_key(const char *query, struct err *e)
{
	struct mailimap_search_key *all = mailimap_search_key_new_multiple_empty();
	char word[MAIL_SEARCH_MAX + 1];
	size_t words = 0;
	const char *p = query;

	if (!all) {
		err_set(e, "out of memory");
		return NULL;
	}
	while (*p && words < SEARCH_WORDS_MAX) {
		size_t len = 0;
		while (*p && isspace((unsigned char)*p))
			p++;
		while (p[len] && !isspace((unsigned char)p[len]) && len < MAIL_SEARCH_MAX)
			len++;
		if (!len)
			break;
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		char *w = strdup(word);
		struct mailimap_search_key *k = w ? mailimap_search_key_new_text(w) : NULL;
		if (!k || mailimap_search_key_multiple_add(all, k) != MAILIMAP_NO_ERROR) {
			free(w);
			mailimap_search_key_free(all);
			err_set(e, "out of memory");
			return NULL;
		}
		words++;
	}
	if (!words) {
		mailimap_search_key_free(all);
		err_clear(e);
	}
	return words ? all : NULL;
}

/* The matches of key in one folder, appended to *m (at most
 * SEARCH_HITS_MAX over all). */
static int search_folder(struct imap_store *s, const char *folder, struct mailimap_search_key *key,
			 struct mail_summary **m, size_t *n, size_t *cap, struct err *e)
{
	clist *res = NULL;
	uint32_t *uids;
	size_t count, got, i = 0;
	int r;

	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	r = mailimap_uid_search(imap_store_session(s), "UTF-8", key, &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "search", e);
	count = (size_t)clist_count(res);
	if (count > SEARCH_HITS_MAX - *n)
		count = SEARCH_HITS_MAX - *n;
	if (!count) {
		mailimap_search_result_free(res);
		return 0;
	}
	if (!(uids = calloc(count, sizeof(*uids)))) {
		mailimap_search_result_free(res);
		return err_set(e, "out of memory");
	}
	for (clistiter *it = clist_begin(res); it && i < count; it = clist_next(it))
		uids[i++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	if (*n + count > *cap) {
		size_t want = *n + count;
		struct mail_summary *grown = realloc(*m, want * sizeof(**m));
		if (!grown) {
			free(uids);
			return err_set(e, "out of memory");
		}
		*m = grown;
		*cap = want;
	}
	r = imap_store_fetch_summaries(s, uids, count, *m + *n, &got, e);
	free(uids);
	if (r < 0)
		return -1;
	for (i = 0; i < got; i++)
		snprintf((*m)[*n + i].folder, sizeof((*m)[*n + i].folder), "%s", folder);
	*n += got;
	return 0;
}

int mailstore_imap_search(void *be, const char *folder, const char *query, enum mail_sort sort,
		       int ascending, size_t offset, size_t limit, struct mail_summary **out,
		       size_t *n, long *total, int *partial, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_search_key *key;
	struct mail_summary *m = NULL;
	size_t count = 0, cap = 0;
	int r = 0;

	*partial = 0;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (!(key = search_key(query, e)))
		return e->msg[0] ? -1 : 0;
	if (folder) {
		r = search_folder(s, folder, key, &m, &count, &cap, e);
	} else {
		struct mail_folder *f = NULL;
		size_t nf = 0;
		/* The names the page's folder list found a moment ago, or a list. */
		if (s->names && (f = malloc((s->nnames ? s->nnames : 1) * sizeof(*f)))) {
			memcpy(f, s->names, s->nnames * sizeof(*f));
			nf = s->nnames;
		} else {
			r = mailstore_imap_folders(s, &f, &nf, e);
		}
		for (size_t i = 0; r == 0 && i < nf && count < SEARCH_HITS_MAX; i++)
			r = search_folder(s, f[i].name, key, &m, &count, &cap, e);
		free(f);
	}
	mailimap_search_key_free(key);
	if (r < 0) {
		free(m);
		return r;
	}
	sort_summaries(m, count, sort, ascending);
	*total = (long)count;
	if (offset < count) {
		size_t page = count - offset < limit ? count - offset : limit;
		memmove(m, m + offset, page * sizeof(*m));
		*n = page;
		*out = m;
	} else {
		free(m);
	}
	return 0;
}

