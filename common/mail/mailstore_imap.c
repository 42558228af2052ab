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
#include "imap_client.h"
#include "mailstore_backend.h"

/* Most messages a search collects (over all folders) before sorting. */
#define SEARCH_HITS_MAX 2000
/* Most words of a search. */
#define SEARCH_WORDS_MAX 16

enum special { SP_SENT, SP_DRAFTS, SP_TRASH, SP_COUNT };
static const char *const special_name[SP_COUNT] = { MAIL_SENT, MAIL_DRAFTS, MAIL_TRASH };
static const char *const special_flag[SP_COUNT] = { "Sent", "Drafts", "Trash" };

/* The sort order of one folder, kept between pages when the server has no
 * SORT: the UIDs in order, and what they were sorted from. */
struct sorted {
	char folder[MAIL_FOLDER_MAX];
	enum mail_sort sort;
	int ascending;
	uint32_t uidvalidity, uidnext, exists;
	uint32_t *uids;
	size_t n;
};

struct imap_store {
	struct imap_client *c;
	char delim; /* the server's hierarchy separator; 0 when flat */
	char special[SP_COUNT][MAIL_FOLDER_MAX]; /* the server's names */
	char selected[MAIL_FOLDER_MAX];           /* webmsg's name, "" : none */
	struct sorted cache;
	int no_sort; /* act as if the server had no SORT (tests) */
};

static void cache_drop(struct imap_store *s)
{
	free(s->cache.uids);
	memset(&s->cache, 0, sizeof(s->cache));
}

/* ---- names ---- */

/* webmsg's folder name to the server's mailbox name. */
static int to_server(struct imap_store *s, const char *name, char *out, size_t outlen,
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
	/* Modified UTF-7 (RFC 3501 5.1.3) is not spoken yet: ASCII names only. */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p >= 0x80 || *p == '&' || (s->delim && *p == (unsigned char)s->delim &&
						 s->delim != MAIL_FOLDER_SEP))
			return err_set(e, "this mail server's folder names are limited to plain "
					  "letters, digits and punctuation without '&'");
	if (snprintf(out, outlen, "%s", name) >= (int)outlen)
		return err_set(e, "the folder name is too long");
	for (char *p = out; *p; p++)
		if (*p == MAIL_FOLDER_SEP)
			*p = s->delim ? s->delim : MAIL_FOLDER_SEP;
	return 0;
}

/* The server's mailbox name to webmsg's, 0; -1 for one webmsg cannot name. */
static int from_server(struct imap_store *s, const char *mb, char delim, char *out,
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
	if (snprintf(out, outlen, "%s", mb) >= (int)outlen || strchr(mb, '/') || mb[0] == '.')
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

static int uid_parse(const char *id, uint32_t *uid, struct err *e)
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

static struct mailimap *session(struct imap_store *s)
{
	imap_client_begin(s->c);
	return imap_client_session(s->c);
}

/* SELECTs folder unless it is the one selected. A mailbox the server does
 * not have is a refusal (the user's), like Maildir's missing folder. */
static int select_folder(struct imap_store *s, const char *folder, struct err *e)
{
	char mb[MAIL_FOLDER_MAX * 2];
	int r;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (strcmp(s->selected, folder) == 0)
		return 0;
	if (to_server(s, folder, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	s->selected[0] = '\0';
	r = mailimap_select(session(s), mb);
	if (r == MAILIMAP_ERROR_SELECT) {
		err_set(e, "no folder named '%.*s'", 64, folder);
		return MAILSTORE_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "open a folder", e);
	snprintf(s->selected, sizeof(s->selected), "%s", folder);
	return 0;
}

static struct mailimap_selection_info *selection(struct imap_store *s)
{
	return imap_client_session(s->c)->imap_selection_info;
}

static struct mailimap_flag_list *flag_list(unsigned flags)
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
static int store_flags(struct imap_store *s, struct mailimap_set *set, unsigned flags, int add,
		       struct err *e)
{
	struct mailimap_flag_list *fl = flag_list(flags);
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
	r = mailimap_uid_store(session(s), set, att);
	mailimap_store_att_flags_free(att);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "change flags", e);
}

/* Removes the messages of set in the selected folder for good: \Deleted,
 * then UID EXPUNGE of just them (UIDPLUS), else EXPUNGE. */
static int expunge(struct imap_store *s, struct mailimap_set *set, struct err *e)
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
	r = mailimap_uid_store(session(s), set, att);
	mailimap_store_att_flags_free(att);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "delete a message", e);
	if (imap_client_caps(s->c) & IMAP_CAP_UIDPLUS)
		r = mailimap_uid_expunge(session(s), set);
	else
		r = mailimap_expunge(session(s));
	cache_drop(s);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "delete a message", e);
}

/* Copies set from the selected folder to the mailbox to, and removes it here
 * (MOVE when offered). */
static int move_set(struct imap_store *s, struct mailimap_set *set, const char *to,
		    struct err *e)
{
	char mb[MAIL_FOLDER_MAX * 2];
	int r;
	if (to_server(s, to, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	cache_drop(s);
	if (imap_client_caps(s->c) & IMAP_CAP_MOVE) {
		r = mailimap_uid_move(session(s), set, mb);
	} else {
		r = mailimap_uid_copy(session(s), set, mb);
		if (r == MAILIMAP_NO_ERROR)
			return expunge(s, set, e);
	}
	if (r == MAILIMAP_ERROR_UID_MOVE || r == MAILIMAP_ERROR_UID_COPY) {
		err_set(e, "no folder named '%.*s'", 64, to);
		return MAILSTORE_REFUSED;
	}
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "move a message", e);
}

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

/* The summaries the FETCH attributes of a list need. */
static struct mailimap_fetch_type *summary_atts(void)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!ft)
		return NULL;
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_envelope());
	return ft;
}

/* UID FETCH of the summaries of uids (n of them) in the selected folder,
 * into out[] in the order of uids; a message gone meanwhile is left out.
 * *got gets how many were filled. */
static int fetch_summaries(struct imap_store *s, const uint32_t *uids, size_t n,
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
	if (!(set = mailimap_set_new_empty()) || !(ft = summary_atts()) ||
	    !(slots = calloc(n, sizeof(*slots))) || !(filled = calloc(n, 1))) {
		err_set(e, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		mailimap_set_add_single(set, uids[i]);
		slots[i] = (struct slot){ uids[i], i };
	}
	qsort(slots, n, sizeof(*slots), compare_slots);
	r = mailimap_uid_fetch(session(s), set, ft, &res);
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
	struct mailimap_fetch_type *ft = summary_atts();
	clist *res = NULL;
	int r, rc = -1;

	*out = NULL;
	*n = 0;
	if (!set || !ft) {
		err_set(e, "out of memory");
		goto out;
	}
	r = mailimap_uid_fetch(session(s), set, ft, &res);
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
 * summaries, kept in s->cache until the folder changes. */
static int sorted_here(struct imap_store *s, const char *folder, enum mail_sort sort,
		       int ascending, struct err *e)
{
	struct mailimap_selection_info *si = selection(s);
	uint32_t *uids = NULL;
	struct mail_summary *m = NULL;
	size_t got = 0, i;

	if (s->cache.uids && strcmp(s->cache.folder, folder) == 0 && s->cache.sort == sort &&
	    s->cache.ascending == ascending && s->cache.uidvalidity == si->sel_uidvalidity &&
	    s->cache.uidnext == si->sel_uidnext && s->cache.exists == si->sel_exists)
		return 0;
	cache_drop(s);
	if (fetch_all(s, &m, &got, e) < 0)
		return -1;
	if (got && !(uids = calloc(got, sizeof(*uids)))) {
		free(m);
		return err_set(e, "out of memory");
	}
	sort_summaries(m, got, sort, ascending);
	for (i = 0; i < got; i++)
		uids[i] = (uint32_t)strtoul(m[i].id, NULL, 10);
	free(m);
	snprintf(s->cache.folder, sizeof(s->cache.folder), "%s", folder);
	s->cache.sort = sort;
	s->cache.ascending = ascending;
	s->cache.uidvalidity = si->sel_uidvalidity;
	s->cache.uidnext = si->sel_uidnext;
	s->cache.exists = si->sel_exists;
	s->cache.uids = uids;
	s->cache.n = got;
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
	cache_drop(s);
	imap_client_close(&s->c);
	free(s);
}

/* One LIST answer: the mailbox's special use (SP_COUNT: none) and whether
 * it can be selected. */
static int special_use(const struct mailimap_mailbox_list *mb, int *selectable)
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

	r = mailimap_list(session(s), "", "*", &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "list folders", e);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		int selectable, sp = special_use(mb, &selectable);
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
	mailimap_list_result_free(res);
	for (int i = 0; i < SP_COUNT; i++) {
		if (found[i])
			continue;
		r = mailimap_create(session(s), s->special[i]);
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
	if (imap_server_tls_parse(server->tls, &cfg.tls, e) < 0 ||
	    imap_server_parse(server->server, cfg.tls, cfg.host, &cfg.port, e) < 0)
		return err_prefix(e, "the mail server's settings");
	if (server->ca_file &&
	    snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%s", server->ca_file) >=
		    (int)sizeof(cfg.ca_file))
		return err_set(e, "mail.imap_ca_file: the path is too long");
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

static int imap_folders(void *be, struct mail_folder **out, size_t *n, struct err *e)
{
	struct imap_store *s = be;
	clist *res = NULL;
	struct mail_folder *f = NULL;
	size_t count = 0;
	int r;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	r = mailimap_list(session(s), "", "*", &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "list folders", e);
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

		special_use(mb, &selectable);
		if (!selectable || from_server(s, mb->mb_name, mb->mb_delimiter, cur->name,
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
		r = mailimap_status(session(s), mb->mb_name, atts, &st);
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
	if (to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	snprintf(pattern, sizeof(pattern), "%s%c*", mb, s->delim ? s->delim : MAIL_FOLDER_SEP);
	r = mailimap_list(session(s), "", mb, &res);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "list folders", e);
	found = clist_count(res) > 0;
	mailimap_list_result_free(res);
	if (children) {
		*children = 0;
		if (s->delim && (r = mailimap_list(session(s), "", pattern, &res)) == MAILIMAP_NO_ERROR) {
			*children = clist_count(res) > 0;
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

static int imap_folder_create(void *be, const char *name, struct err *e)
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
	if (to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	r = mailimap_create(session(s), mb);
	if (r == MAILIMAP_ERROR_CREATE) {
		char why[ERR_MSG_MAX];
		FAIL(s, r, "create the folder", e);
		snprintf(why, sizeof(why), "%s", e->msg);
		err_set(e, "%s", why);
		return MAILSTORE_REFUSED;
	}
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "create a folder", e);
}

static int imap_folder_rename(void *be, const char *from, const char *to, struct err *e)
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
	if (to_server(s, from, a, sizeof(a), e) < 0 || to_server(s, to, b, sizeof(b), e) < 0)
		return MAILSTORE_REFUSED;
	/* Not with the mailbox selected (libetpan has no UNSELECT; CLOSE would
	 * expunge): INBOX instead. */
	cache_drop(s);
	if ((r = select_folder(s, MAIL_INBOX, e)) < 0)
		return r;
	r = mailimap_rename(session(s), a, b);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "rename the folder", e);
}

static int imap_folder_delete(void *be, const char *name, struct err *e)
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
	if ((r = select_folder(s, name, e)) < 0)
		return r;
	/* Its messages to Trash first, where the user can still find them. */
	if (selection(s)->sel_exists > 0) {
		if (!(all = mailimap_set_new_interval(1, 0)))
			return err_set(e, "out of memory");
		r = move_set(s, all, MAIL_TRASH, e);
		mailimap_set_free(all);
		if (r < 0)
			return r;
	}
	if ((r = select_folder(s, MAIL_INBOX, e)) < 0)
		return r;
	if (to_server(s, name, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	r = mailimap_delete(session(s), mb);
	return r == MAILIMAP_NO_ERROR ? 0 : FAIL(s, r, "delete the folder", e);
}

static int imap_folder_empty(void *be, const char *name, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *all;
	int r;
	if ((r = select_folder(s, name, e)) < 0)
		return r;
	if (selection(s)->sel_exists == 0)
		return 0;
	if (!(all = mailimap_set_new_interval(1, 0)))
		return err_set(e, "out of memory");
	r = expunge(s, all, e);
	mailimap_set_free(all);
	return r;
}

static int imap_list(void *be, const char *folder, enum mail_sort sort, int ascending,
		     size_t offset, size_t limit, struct mail_summary **out, size_t *n,
		     long *total, struct err *e)
{
	struct imap_store *s = be;
	uint32_t *uids = NULL;
	size_t count = 0, page;
	clist *res = NULL;
	int r, rc = -1;

	if ((r = select_folder(s, folder, e)) < 0)
		return r;
	*total = (long)selection(s)->sel_exists;
	if (*total == 0 || offset >= (size_t)*total)
		return 0;
	if ((imap_client_caps(s->c) & IMAP_CAP_SORT) && !s->no_sort) {
		struct mailimap_sort_key *key = sort_key(sort, ascending);
		struct mailimap_search_key *all = mailimap_search_key_new_all();
		if (!key || !all) {
			if (key)
				mailimap_sort_key_free(key);
			if (all)
				mailimap_search_key_free(all);
			return err_set(e, "out of memory");
		}
		r = mailimap_uid_sort(session(s), "UTF-8", key, all, &res);
		mailimap_sort_key_free(key);
		mailimap_search_key_free(all);
		if (r != MAILIMAP_NO_ERROR)
			return FAIL(s, r, "sort the folder", e);
		count = (size_t)clist_count(res);
		if (count && !(uids = calloc(count, sizeof(*uids)))) {
			mailimap_sort_result_free(res);
			return err_set(e, "out of memory");
		}
		size_t i = 0;
		for (clistiter *it = clist_begin(res); it; it = clist_next(it))
			uids[i++] = *(uint32_t *)clist_content(it);
		mailimap_sort_result_free(res);
	} else {
		/* Mail that came or went since the last command: a NOOP brings
		 * its EXISTS and EXPUNGE, which the cache's check compares. */
		if ((r = mailimap_noop(session(s))) != MAILIMAP_NO_ERROR)
			return FAIL(s, r, "list messages", e);
		if (sorted_here(s, folder, sort, ascending, e) < 0)
			return -1;
		count = s->cache.n;
		if (count && !(uids = calloc(count, sizeof(*uids))))
			return err_set(e, "out of memory");
		if (count)
			memcpy(uids, s->cache.uids, count * sizeof(*uids));
	}
	*total = (long)count;
	if (offset >= count) {
		free(uids);
		return 0;
	}
	page = count - offset < limit ? count - offset : limit;
	if (!(*out = calloc(page ? page : 1, sizeof(**out)))) {
		err_set(e, "out of memory");
		goto done;
	}
	if (fetch_summaries(s, uids + offset, page, *out, n, e) < 0) {
		free(*out);
		*out = NULL;
		goto done;
	}
	rc = 0;
done:
	free(uids);
	return rc;
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

	if ((r = select_folder(s, folder, e)) < 0)
		return r;
	r = mailimap_uid_search(session(s), "UTF-8", key, &res);
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
	r = fetch_summaries(s, uids, count, *m + *n, &got, e);
	free(uids);
	if (r < 0)
		return -1;
	for (i = 0; i < got; i++)
		snprintf((*m)[*n + i].folder, sizeof((*m)[*n + i].folder), "%s", folder);
	*n += got;
	return 0;
}

static int imap_search(void *be, const char *folder, const char *query, enum mail_sort sort,
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
		if ((r = imap_folders(s, &f, &nf, e)) == 0)
			for (size_t i = 0; i < nf && r == 0 && count < SEARCH_HITS_MAX; i++)
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

static int imap_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
		     struct err *e)
{
	(void)be, (void)folder, (void)id, (void)path, (void)pathlen;
	return err_set(e, "messages on an IMAP server have no file to read");
}

static int imap_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
			struct err *e)
{
	struct imap_store *s = be;
	uint32_t uid;
	size_t got;
	int r;
	if (uid_parse(id, &uid, e) < 0)
		return MAILSTORE_REFUSED;
	if ((r = select_folder(s, folder, e)) < 0)
		return r;
	if (fetch_summaries(s, &uid, 1, out, &got, e) < 0)
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
	int r = imap_summary(s, folder, id, &m, e);
	return r < 0 ? r : uid_parse(id, uid, e);
}

static int imap_set_flags(void *be, const char *folder, const char *id, unsigned set,
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
		r = store_flags(s, one, set, 1, e);
	if (r == 0 && clear)
		r = store_flags(s, one, clear, 0, e);
	mailimap_set_free(one);
	return r;
}

static int imap_move(void *be, const char *folder, const char *id, const char *to,
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
	r = move_set(s, one, to, e);
	mailimap_set_free(one);
	return r;
}

static int imap_remove(void *be, const char *folder, const char *id, struct err *e)
{
	struct imap_store *s = be;
	struct mailimap_set *one;
	uint32_t uid;
	int r;
	if ((r = message_there(s, folder, id, &uid, e)) < 0)
		return r;
	if (!(one = mailimap_set_new_single(uid)))
		return err_set(e, "out of memory");
	r = expunge(s, one, e);
	mailimap_set_free(one);
	return r;
}

static int imap_deliver(void *be, const char *folder, const void *data, size_t len,
			unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	struct imap_store *s = be;
	char mb[MAIL_FOLDER_MAX * 2];
	struct mailimap_flag_list *fl;
	uint32_t validity = 0, uid = 0;
	int r;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (to_server(s, folder, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	if (!(fl = flag_list(flags & ~(unsigned)MAIL_HAS_ATTACHMENT)))
		return err_set(e, "out of memory");
	if (imap_client_caps(s->c) & IMAP_CAP_UIDPLUS)
		r = mailimap_uidplus_append(session(s), mb, fl, NULL, data, len, &validity, &uid);
	else
		r = mailimap_append(session(s), mb, fl, NULL, data, len);
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
		cache_drop(s);
	/* Without UIDPLUS the new message's UID is not known: no id. */
	if (id_out && idlen && uid)
		snprintf(id_out, idlen, "%u", uid);
	return 0;
}

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

/* The user's settings files have no place on the server yet: defaults are
 * read, and saving says so. */
static int imap_data_read(void *be, const char *name, size_t max, char **data, size_t *len,
			  struct err *e)
{
	(void)be, (void)name, (void)max, (void)e;
	*data = NULL;
	*len = 0;
	return 0;
}

static int imap_data_write(void *be, const char *name, const char *data, size_t len,
			   struct err *e)
{
	(void)be, (void)name, (void)data, (void)len;
	err_set(e, "settings cannot be saved with this mail server yet");
	return MAILSTORE_REFUSED;
}

const struct mailstore_ops mailstore_imap_ops = {
	.name = "imap",
	.open = imap_open,
	.close = imap_close,
	.folders = imap_folders,
	.folder_create = imap_folder_create,
	.folder_rename = imap_folder_rename,
	.folder_delete = imap_folder_delete,
	.folder_empty = imap_folder_empty,
	.list = imap_list,
	.search = imap_search,
	.path = imap_path,
	.summary = imap_summary,
	.set_flags = imap_set_flags,
	.move = imap_move,
	.remove = imap_remove,
	.deliver = imap_deliver,
	.set_quota = imap_set_quota,
	.usage = imap_usage,
	.degraded = imap_degraded,
	.data_read = imap_data_read,
	.data_write = imap_data_write,
};
