/* mailstore_imap_message.c - the IMAP mail store's operations on one
 * message: its summary, flags, move, removal, and APPEND. */
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
#include "mime_private.h"
#include "webmsg/buf.h"
#include "webmsg/mime_scan.h"

int mailstore_imap_path(void *be, const char *folder, const char *id, char *path, size_t pathlen,
		     struct err *e)
{
	(void)be, (void)folder, (void)id, (void)path, (void)pathlen;
	return err_set(e, "messages on an IMAP server have no file to read");
}

int mailstore_imap_summary(void *be, const char *folder, const char *id, struct mail_summary *out,
			struct err *e)
{
	struct imap_store *s = be;
	uint32_t uid;
	size_t got;
	int r;
	if (imap_store_uid_parse(id, &uid, e) < 0)
		return MAILSTORE_REFUSED;
	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	if (imap_store_fetch_summaries(s, &uid, 1, out, &got, e) < 0)
		return -1;
	if (!got) {
		err_set(e, "no such message");
		return MAILSTORE_REFUSED;
	}
	s->present = uid;
	return 0;
}

/* Selects folder and checks that the message is there (a FETCH, unless
 * this request found it there already): 0 with its UID. */
static int message_there(struct imap_store *s, const char *folder, const char *id,
			 uint32_t *uid, struct err *e)
{
	struct mail_summary m;
	int r;
	if (imap_store_uid_parse(id, uid, e) < 0)
		return MAILSTORE_REFUSED;
	if ((r = imap_store_select_folder(s, folder, e)) < 0)
		return r;
	if (s->present == *uid)
		return 0;
	return mailstore_imap_summary(s, folder, id, &m, e);
}

/* What to do to one message: the arguments of the set operations. */
struct one_op {
	enum { ONE_FLAGS, ONE_MOVE, ONE_REMOVE } what;
	unsigned set, clear; /* ONE_FLAGS */
	const char *to;      /* ONE_MOVE */
};

/* Runs op on message id of folder (checked to be there) as a set of one
 * UID, with the set operations the whole-folder ones use too. */
static int on_one(struct imap_store *s, const char *folder, const char *id,
		  const struct one_op *op, struct err *e)
{
	struct mailimap_set *one;
	uint32_t uid;
	int r;
	if ((r = message_there(s, folder, id, &uid, e)) < 0)
		return r;
	if (!(one = mailimap_set_new_single(uid)))
		return err_set(e, "out of memory");
	switch (op->what) {
	case ONE_FLAGS:
		r = 0;
		if (op->set)
			r = imap_store_store_flags(s, one, op->set, 1, e);
		if (r == 0 && op->clear)
			r = imap_store_store_flags(s, one, op->clear, 0, e);
		break;
	case ONE_MOVE:
		r = imap_store_move_set(s, one, op->to, e);
		break;
	default:
		r = imap_store_expunge(s, one, e);
		break;
	}
	mailimap_set_free(one);
	return r;
}

int mailstore_imap_set_flags(void *be, const char *folder, const char *id, unsigned set,
			  unsigned clear, struct err *e)
{
	/* Not a flag on the server: what the structure says. */
	const struct one_op op = { .what = ONE_FLAGS,
				   .set = set & ~(unsigned)MAIL_HAS_ATTACHMENT,
				   .clear = clear & ~(unsigned)MAIL_HAS_ATTACHMENT };
	return on_one(be, folder, id, &op, e);
}

int mailstore_imap_move(void *be, const char *folder, const char *id, const char *to,
		     struct err *e)
{
	const struct one_op op = { .what = ONE_MOVE, .to = to };
	return on_one(be, folder, id, &op, e);
}

int mailstore_imap_remove(void *be, const char *folder, const char *id, struct err *e)
{
	const struct one_op op = { .what = ONE_REMOVE };
	return on_one(be, folder, id, &op, e);
}

int mailstore_imap_deliver(void *be, const char *folder, const void *data, size_t len,
			unsigned flags, char *id_out, size_t idlen, struct err *e)
{
	struct imap_store *s = be;
	char mb[MAIL_FOLDER_MAX * 2];
	struct mailimap_flag_list *fl;
	uint32_t validity = 0, uid = 0;
	int r;

	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	if (imap_store_to_server(s, folder, mb, sizeof(mb), e) < 0)
		return MAILSTORE_REFUSED;
	if (!(fl = imap_store_flag_list(flags & ~(unsigned)MAIL_HAS_ATTACHMENT)))
		return err_set(e, "out of memory");
	if (imap_client_caps(s->c) & IMAP_CAP_UIDPLUS)
		r = mailimap_uidplus_append(imap_store_session(s), mb, fl, NULL, data, len, &validity, &uid);
	else
		r = mailimap_append(imap_store_session(s), mb, fl, NULL, data, len);
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
		imap_store_cache_drop(s);
	/* Without UIDPLUS the new message's UID is not known: no id. */
	if (id_out && idlen && uid)
		snprintf(id_out, idlen, "%u", uid);
	return 0;
}


/* ---- reading a message: its structure and single parts, never the whole
 * message for a part of it ---- */

/* The most bytes of a message's header read for the pages (the header is
 * fetched apart from the body: BODY.PEEK[HEADER]). */
#define HEADER_FETCH_MAX (MIME_HEADER_BYTES_MAX)

/* UID FETCH of one message's attributes ft (taken) in the selected folder:
 * its answer in *res (for mailimap_fetch_list_free), NULL when the message
 * is not there. */
static int fetch_one(struct imap_store *s, uint32_t uid, struct mailimap_fetch_type *ft,
		     const char *what, clist **res, struct mailimap_msg_att **att, struct err *e)
{
	struct mailimap_set *one = mailimap_set_new_single(uid);
	int r;
	*res = NULL;
	*att = NULL;
	if (!one || !ft) {
		if (one)
			mailimap_set_free(one);
		if (ft)
			mailimap_fetch_type_free(ft);
		return err_set(e, "out of memory");
	}
	r = mailimap_uid_fetch(imap_store_session(s), one, ft, res);
	mailimap_set_free(one);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, what, e);
	/* The answer for uid: a server may add unasked answers for others. */
	for (clistiter *it = clist_begin(*res); it && !*att; it = clist_next(it)) {
		struct mailimap_msg_att *a = clist_content(it);
		for (clistiter *j = clist_begin(a->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID &&
			    item->att_data.att_static->att_data.att_uid == uid)
				*att = a;
		}
	}
	return 0;
}

/* The static attribute of type in att, or NULL. */
static struct mailimap_msg_att_static *static_att(struct mailimap_msg_att *att, int type)
{
	for (clistiter *j = clist_begin(att->att_list); j; j = clist_next(j)) {
		struct mailimap_msg_att_item *item = clist_content(j);
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == type)
			return item->att_data.att_static;
	}
	return NULL;
}

/* Selects folder and parses id: 0 with uid. */
static int opened(struct imap_store *s, const char *folder, const char *id, uint32_t *uid,
		  struct err *e)
{
	if (imap_store_uid_parse(id, uid, e) < 0)
		return MAILSTORE_REFUSED;
	return imap_store_select_folder(s, folder, e);
}

static int not_there(struct err *e)
{
	err_set(e, "no such message");
	return MAILSTORE_REFUSED;
}

static const char *media_basic(const struct mailimap_media_basic *m)
{
	switch (m->med_type) {
	case MAILIMAP_MEDIA_BASIC_APPLICATION: return "application";
	case MAILIMAP_MEDIA_BASIC_AUDIO: return "audio";
	case MAILIMAP_MEDIA_BASIC_IMAGE: return "image";
	case MAILIMAP_MEDIA_BASIC_MESSAGE: return "message";
	case MAILIMAP_MEDIA_BASIC_VIDEO: return "video";
	default: return m->med_basic_type ? m->med_basic_type : "application";
	}
}

/* The value of parameter name (case ignored) in params, or NULL. */
static const char *param(const struct mailimap_body_fld_param *params, const char *name)
{
	if (!params)
		return NULL;
	for (clistiter *it = clist_begin(params->pa_list); it; it = clist_next(it)) {
		struct mailimap_single_body_fld_param *p = clist_content(it);
		if (p->pa_name && strcasecmp(p->pa_name, name) == 0)
			return p->pa_value;
	}
	return NULL;
}

/* A file name parameter as the server gives it, decoded to UTF-8 (malloc'd):
 * "name*" in RFC 2231's charset''percent-encoded form, else "name" with
 * RFC 2047 encoded words. NULL when there is none. */
static char *file_name(const struct mailimap_body_fld_param *params, const char *name)
{
	char star[32];
	snprintf(star, sizeof(star), "%s*", name);
	const char *v = param(params, star);
	if (v) {
		/* charset'language'value, the language often empty */
		const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
		char charset[64];
		size_t cl = q2 ? (size_t)(q1 - v) : 0;
		snprintf(charset, sizeof(charset), "%.*s", (int)(cl < 63 ? cl : 63), v);
		const char *in = q2 ? q2 + 1 : v;
		char *raw = malloc(strlen(in) + 1), *o = raw;
		if (!raw)
			return NULL;
		for (; *in; in++) {
			if (in[0] == '%' && isxdigit((unsigned char)in[1]) &&
			    isxdigit((unsigned char)in[2])) {
				char hex[3] = { in[1], in[2], 0 };
				*o++ = (char)strtol(hex, NULL, 16);
				in += 2;
			} else {
				*o++ = *in;
			}
		}
		*o = '\0';
		struct buf b;
		buf_init(&b, FILENAME_BYTES_MAX * 4);
		mime_text_put(&b, raw, (size_t)(o - raw), charset[0] ? charset : NULL);
		free(raw);
		char *utf8 = mime_text_finish(&b);
		char *line = utf8 ? mime_text_clean_line(utf8) : NULL;
		free(utf8);
		return line;
	}
	if (!(v = param(params, name)))
		return NULL;
	GMimeParserOptions *o = mime_parse_options_new();
	char *decoded = g_mime_utils_header_decode_text(o, v);
	g_mime_parser_options_free(o);
	char *line = mime_text_clean_line(decoded);
	g_free(decoded);
	return line;
}

struct parts_walk {
	struct mail_structure *st;
	size_t cap;
	int failed;
};

static void add_leaf(struct parts_walk *w, const char *section, const char *type,
		     const char *subtype, const struct mailimap_body_fields *f,
		     const struct mailimap_body_ext_1part *ext)
{
	if (w->failed)
		return;
	if (w->st->nparts >= MIME_PARTS_MAX) {
		w->failed = 1;
		return;
	}
	if (w->st->nparts == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4;
		struct mail_part *grown = realloc(w->st->parts, cap * sizeof(*grown));
		if (!grown) {
			w->failed = 1;
			return;
		}
		w->st->parts = grown;
		w->cap = cap;
	}
	struct mail_part *p = &w->st->parts[w->st->nparts++];
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", section);
	snprintf(p->type, sizeof(p->type), "%s/%s", type, subtype ? subtype : "octet-stream");
	for (char *c = p->type; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	const struct mailimap_body_fld_param *params = f ? f->bd_parameter : NULL;
	const char *charset = param(params, "charset");
	if (charset)
		mime_text_copy_utf8(p->charset, sizeof(p->charset), charset);
	const struct mailimap_body_fld_enc *enc = f ? f->bd_encoding : NULL;
	static const char *const encodings[] = {
		[MAILIMAP_BODY_FLD_ENC_7BIT] = "7bit",
		[MAILIMAP_BODY_FLD_ENC_8BIT] = "8bit",
		[MAILIMAP_BODY_FLD_ENC_BINARY] = "binary",
		[MAILIMAP_BODY_FLD_ENC_BASE64] = "base64",
		[MAILIMAP_BODY_FLD_ENC_QUOTED_PRINTABLE] = "quoted-printable",
	};
	const char *en = !enc ? "" : enc->enc_type == MAILIMAP_BODY_FLD_ENC_OTHER
		? (enc->enc_value ? enc->enc_value : "")
		: enc->enc_type >= 0 && (size_t)enc->enc_type < sizeof(encodings) / sizeof(encodings[0]) &&
		  encodings[enc->enc_type] ? encodings[enc->enc_type] : "";
	for (size_t i = 0; en[i] && i + 1 < sizeof(p->encoding); i++)
		p->encoding[i] = (char)tolower((unsigned char)en[i]);
	const struct mailimap_body_fld_dsp *d = ext ? ext->bd_disposition : NULL;
	if (d && d->dsp_type)
		for (size_t i = 0; d->dsp_type[i] && i + 1 < sizeof(p->disposition); i++)
			p->disposition[i] = (char)tolower((unsigned char)d->dsp_type[i]);
	p->filename = d ? file_name(d->dsp_attributes, "filename") : NULL;
	if (!p->filename)
		p->filename = file_name(params, "name");
	if (f && f->bd_id) {
		const char *cid = f->bd_id + strspn(f->bd_id, "< ");
		size_t len = strcspn(cid, "<> ");
		if (len && !(p->content_id = strndup(cid, len)))
			w->failed = 1;
	}
	/* Decoded sizes are not in BODYSTRUCTURE: base64 has 57 bytes in each
	 * line of 76 characters and a line end. */
	long size = f ? (long)f->bd_size : 0;
	if (f && f->bd_encoding && f->bd_encoding->enc_type == MAILIMAP_BODY_FLD_ENC_BASE64)
		size = size / 78 * 57 + (size % 78) * 3 / 4;
	p->size = size;
}

static void walk_body(struct parts_walk *w, const struct mailimap_body *b, const char *section,
		      int depth)
{
	if (!b || w->failed)
		return;
	if (depth > MIME_DEPTH_MAX) {
		w->failed = 1;
		return;
	}
	if (b->bd_type == MAILIMAP_BODY_MPART && b->bd_data.bd_body_mpart) {
		int i = 0;
		for (clistiter *it = clist_begin(b->bd_data.bd_body_mpart->bd_list); it;
		     it = clist_next(it)) {
			char child[MAIL_PART_ID_MAX];
			int len = snprintf(child, sizeof(child), "%s%s%d", section,
					   section[0] ? "." : "", ++i);
			if (len < 0 || (size_t)len >= sizeof(child)) {
				w->failed = 1;
				return;
			}
			walk_body(w, clist_content(it), child, depth + 1);
		}
		return;
	}
	const struct mailimap_body_type_1part *one = b->bd_data.bd_body_1part;
	const char *leaf = section[0] ? section : "1";
	if (!one)
		return;
	switch (one->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_BASIC:
		add_leaf(w, leaf, media_basic(one->bd_data.bd_type_basic->bd_media_basic),
			 one->bd_data.bd_type_basic->bd_media_basic->med_subtype,
			 one->bd_data.bd_type_basic->bd_fields, one->bd_ext_1part);
		break;
	case MAILIMAP_BODY_TYPE_1PART_MSG:
		add_leaf(w, leaf, "message", "rfc822", one->bd_data.bd_type_msg->bd_fields,
			 one->bd_ext_1part);
		break;
	case MAILIMAP_BODY_TYPE_1PART_TEXT:
		add_leaf(w, leaf, "text", one->bd_data.bd_type_text->bd_media_text,
			 one->bd_data.bd_type_text->bd_fields, one->bd_ext_1part);
		break;
	default:
		break;
	}
}

void imap_store_parts_drop(struct imap_store *s)
{
	free(s->parts.parts);
	memset(&s->parts, 0, sizeof(s->parts));
}

/* Keeps what reading st's parts needs, for message uid of the selected
 * folder (nothing when out of memory: the next part asks again). */
static void parts_keep(struct imap_store *s, uint32_t uid, const struct mail_structure *st)
{
	struct part_memo *v = st->nparts ? calloc(st->nparts, sizeof(*v)) : NULL;
	imap_store_parts_drop(s);
	if (st->nparts && !v)
		return;
	for (size_t i = 0; i < st->nparts; i++) {
		snprintf(v[i].id, sizeof(v[i].id), "%s", st->parts[i].id);
		snprintf(v[i].encoding, sizeof(v[i].encoding), "%s", st->parts[i].encoding);
		v[i].is_message = strcmp(st->parts[i].type, "message/rfc822") == 0;
	}
	snprintf(s->parts.folder, sizeof(s->parts.folder), "%s", s->selected);
	s->parts.uidvalidity = imap_store_selection(s)->sel_uidvalidity;
	s->parts.uid = uid;
	s->parts.parts = v;
	s->parts.n = st->nparts;
}

/* Part id of message uid in the selected folder, when its structure is
 * known; NULL otherwise (*known 0) or when it has no such part (*known 1). */
static const struct part_memo *part_known(struct imap_store *s, uint32_t uid, const char *id,
					  int *known)
{
	*known = s->parts.uid == uid && s->parts.uid &&
		 s->parts.uidvalidity == imap_store_selection(s)->sel_uidvalidity &&
		 strcmp(s->parts.folder, s->selected) == 0;
	for (size_t i = 0; *known && i < s->parts.n; i++)
		if (strcmp(s->parts.parts[i].id, id) == 0)
			return &s->parts.parts[i];
	return NULL;
}

/* The structure of message id; with_header 0: its parts only (no headers
 * fetched or filled), what reading one part needs. */
static int fetch_structure(struct imap_store *s, const char *folder, const char *id,
			   int with_header, struct mail_structure **out, struct err *e)
{
	struct mailimap_msg_att *att;
	struct mailimap_msg_att_static *bs, *hd, *sz;
	struct mail_structure *st = NULL;
	clist *res;
	uint32_t uid;
	int rc;

	*out = NULL;
	if ((rc = opened(s, folder, id, &uid, e)) < 0)
		return rc;
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *header = with_header ? mailimap_section_new_header() : NULL;
	if (ft && !with_header) {
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_bodystructure());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	} else if (ft && header) {
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_bodystructure());
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
		mailimap_fetch_type_new_fetch_att_list_add(
			ft, mailimap_fetch_att_new_body_peek_section_partial(header, 0,
									     HEADER_FETCH_MAX));
	} else if (header) {
		mailimap_section_free(header);
	}
	if (fetch_one(s, uid, ft, "read a message's structure", &res, &att, e) < 0)
		return -1;
	if (!att) {
		mailimap_fetch_list_free(res);
		return not_there(e);
	}
	bs = static_att(att, MAILIMAP_MSG_ATT_BODYSTRUCTURE);
	hd = static_att(att, MAILIMAP_MSG_ATT_BODY_SECTION);
	sz = static_att(att, MAILIMAP_MSG_ATT_RFC822_SIZE);
	rc = -1;
	if (!bs || !bs->att_data.att_bodystructure) {
		err_set(e, "the mail server sent no structure of message %s", id);
		goto out;
	}
	if (!(st = calloc(1, sizeof(*st)))) {
		err_set(e, "out of memory");
		goto out;
	}
	const char *hdata = hd && hd->att_data.att_body_section->sec_body_part
		? hd->att_data.att_body_section->sec_body_part : "";
	size_t hlen = hd && hd->att_data.att_body_section->sec_body_part
		? hd->att_data.att_body_section->sec_length : 0;
	rc = !with_header ? 0 : mime_structure_headers(hlen ? hdata : "\r\n", hlen ? hlen : 2, st, e);
	if (rc == MIME_TOO_COMPLEX) {
		rc = MAILSTORE_TOO_COMPLEX;
		goto out;
	}
	if (rc < 0)
		goto out;
	struct parts_walk w = { st, 0, 0 };
	walk_body(&w, bs->att_data.att_bodystructure, "", 0);
	if (w.failed) {
		err_set(e, "its parts are nested more than %d levels deep or number more than %d",
			MIME_DEPTH_MAX, MIME_PARTS_MAX);
		rc = MAILSTORE_TOO_COMPLEX;
		goto out;
	}
	st->size = sz ? (long)sz->att_data.att_rfc822_size : 0;
	s->present = uid;
	parts_keep(s, uid, st);
	*out = st;
	st = NULL;
	rc = 0;
out:
	mailstore_structure_free(&st);
	mailimap_fetch_list_free(res);
	return rc;
}

int mailstore_imap_structure(void *be, const char *folder, const char *id,
			     struct mail_structure **out, struct err *e)
{
	return fetch_structure(be, folder, id, 1, out, e);
}

/* UID FETCH BODY.PEEK[part]<0.limit> (part NULL: the whole message): the
 * server sends at most limit bytes whatever it holds, so that a part larger
 * than the caller's maximum is never read whole. Appends to out. *more: the
 * content had limit bytes or more (it may be larger). */
static int fetch_section(struct imap_store *s, uint32_t uid, const char *part, uint32_t limit,
			 struct buf *out, int *more, struct err *e)
{
	struct mailimap_section *section;
	struct mailimap_msg_att *att;
	clist *res;
	*more = 0;
	if (part) {
		clist *ids = clist_new();
		const char *p = part;
		if (!ids)
			return err_set(e, "out of memory");
		while (*p) {
			char *end;
			uint32_t *n = malloc(sizeof(*n));
			if (!n || clist_append(ids, n) < 0) {
				free(n);
				for (clistiter *it = clist_begin(ids); it; it = clist_next(it))
					free(clist_content(it));
				clist_free(ids);
				return err_set(e, "out of memory");
			}
			*n = (uint32_t)strtoul(p, &end, 10);
			p = *end == '.' ? end + 1 : end;
		}
		struct mailimap_section_part *sp = mailimap_section_part_new(ids);
		section = sp ? mailimap_section_new_part(sp) : NULL;
	} else {
		section = mailimap_section_new(NULL);
	}
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (ft && section) {
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
		mailimap_fetch_type_new_fetch_att_list_add(
			ft, mailimap_fetch_att_new_body_peek_section_partial(section, 0, limit));
	} else if (section) {
		mailimap_section_free(section);
	}
	if (fetch_one(s, uid, ft, "read a message", &res, &att, e) < 0)
		return -1;
	if (!att) {
		mailimap_fetch_list_free(res);
		return not_there(e);
	}
	struct mailimap_msg_att_static *got = static_att(att, MAILIMAP_MSG_ATT_BODY_SECTION);
	const char *data = got ? got->att_data.att_body_section->sec_body_part : NULL;
	size_t len = data ? got->att_data.att_body_section->sec_length : 0;
	int rc = 0;
	if (len >= limit)
		*more = 1;
	else if (len && buf_append(out, data, len) < 0)
		rc = err_set(e, "the message is too large for its buffer");
	mailimap_fetch_list_free(res);
	return rc;
}

/* Undoes the transfer encoding (base64, quoted-printable, uuencode) of what
 * b holds from from on; others are left as they are. -1 when out of memory. */
static int decode_transfer(const char *encoding, struct buf *b, size_t from)
{
	GMimeContentEncoding enc = g_mime_content_encoding_from_string(encoding);
	size_t len = b->len - from;
	if ((enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	     enc != GMIME_CONTENT_ENCODING_UUENCODE) || len == 0)
		return 0;
	GMimeEncoding state;
	g_mime_encoding_init_decode(&state, enc);
	char *decoded = malloc(g_mime_encoding_outlen(&state, len));
	if (!decoded)
		return -1;
	size_t n = g_mime_encoding_flush(&state, b->data + from, len, decoded);
	/* decoded is never longer than what it was decoded from */
	memcpy(b->data + from, decoded, n);
	free(decoded);
	b->len = from + n;
	b->data[b->len] = '\0';
	return 0;
}

int mailstore_imap_part(void *be, const char *folder, const char *id, const char *part,
			size_t max, struct buf *out, struct err *e)
{
	struct imap_store *s = be;
	struct mail_structure *st;
	uint32_t uid;
	int rc, more, known;

	/* The structure first (unless known): the part's encoding. */
	if ((rc = opened(s, folder, id, &uid, e)) < 0)
		return rc;
	const struct part_memo *p = part_known(s, uid, part, &known);
	if (!known) {
		if ((rc = fetch_structure(s, folder, id, 0, &st, e)) < 0)
			return rc == MAILSTORE_TOO_COMPLEX ? -1 : rc;
		mailstore_structure_free(&st);
		if (!(p = part_known(s, uid, part, &known)) && !known)
			return err_set(e, "out of memory");
	}
	if (!p) {
		err_set(e, "the message has no part %s", part);
		return MAILSTORE_REFUSED;
	}
	char encoding[32];
	snprintf(encoding, sizeof(encoding), "%s", p->encoding);
	int is_message = p->is_message;
	/* What the part may take encoded when it has max bytes decoded: base64
	 * 4 for 3 and its line ends (twice max covers lines down to 8
	 * characters; mailers write 76); quoted-printable at most 3 for 1, and
	 * a soft line break ("=" CR LF) in every 76; the rest as they are. The
	 * decoded bytes are checked against max again below. */
	size_t limit = strcmp(encoding, "base64") == 0 ? max * 2 + 80
		: strcmp(encoding, "quoted-printable") == 0 ? max * 3 + (max / 24 + 1) * 3 + 1
		: max + 1;
	if (limit < max)
		limit = UINT32_MAX - 1; /* wrapped: as much as may be asked */
	if (limit > UINT32_MAX - 1)
		limit = UINT32_MAX - 1;
	size_t from = out->len;
	if ((rc = fetch_section(s, uid, part, (uint32_t)limit, out, &more, e)) < 0)
		return rc;
	if (!more && !is_message && decode_transfer(encoding, out, from) < 0) {
		out->len = from;
		return err_set(e, "out of memory");
	}
	if (more || out->len - from > max) {
		out->len = from;
		err_set(e, "part %s of the message is larger than %zu bytes", part, max);
		return MAILSTORE_REFUSED;
	}
	return 0;
}

int mailstore_imap_raw(void *be, const char *folder, const char *id, size_t max,
		       struct buf *out, struct err *e)
{
	struct imap_store *s = be;
	uint32_t uid;
	int rc, more;
	if ((rc = opened(s, folder, id, &uid, e)) < 0)
		return rc;
	size_t limit = max < UINT32_MAX - 1 ? max + 1 : UINT32_MAX - 1;
	size_t from = out->len;
	if ((rc = fetch_section(s, uid, NULL, (uint32_t)limit, out, &more, e)) < 0)
		return rc;
	if (more || out->len - from > max) {
		out->len = from;
		err_set(e, "the message is larger than %zu bytes", max);
		return MAILSTORE_REFUSED;
	}
	return 0;
}
