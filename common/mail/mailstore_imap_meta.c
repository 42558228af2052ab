/* mailstore_imap_meta.c - a user's small files of settings ("prefs",
 * "recent") on the IMAP server, as METADATA server entries (RFC 5464)
 * /private/vendor/webmsg/NAME: every front end of the same server sees them.
 *
 * libetpan has no METADATA. Its extension API (mailimap_extension_register,
 * as libetpan's own SORT, ID and QUOTA are written) parses the untagged
 * "* METADATA" answer here, so that libetpan still takes every other answer
 * of the command (EXISTS, EXPUNGE, FETCH) into the session's state;
 * GETMETADATA goes out as libetpan's custom command, SETMETADATA (whose
 * value is a literal) on the session's stream the way libetpan's APPEND
 * does. A value's length is the server's word: above IMAP_META_VALUE_MAX
 * nothing is read or allocated, and the answer fails as one that is not
 * IMAP (the connection is given up). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "webmsg/err.h"
#include "mailstore_imap_meta.h"
#include "mailstore_imap_private.h"

/* Entries one answer may carry: webmsg asks for one at a time. */
#define META_ENTRIES_MAX 4
/* Entries one answer may carry, of any mailbox: a hostile server's answer
 * stays small (each literal grows libetpan's buffer). */
#define META_ANSWER_ENTRIES_MAX 64
/* An entry's name: ours are short; anything longer is not an answer to us. */
#define META_NAME_MAX 256

struct meta_entry {
	char *name;
	char *value; /* NULL: NIL, none */
	size_t len;
};

/* One "* METADATA" answer: the server's entries (mailbox "") it holds. */
struct meta_answer {
	size_t n;
	struct meta_entry e[META_ENTRIES_MAX];
};

static int meta_parse(int calling_parser, mailstream *fd, MMAPString *buffer,
		      struct mailimap_parser_context *parser_ctx, size_t *indx,
		      struct mailimap_extension_data **result, size_t progr_rate,
		      progress_function *progr_fun);
static void meta_free(struct mailimap_extension_data *ext_data);

static struct mailimap_extension_api meta_api = {
	.ext_name = "METADATA",
	.ext_id = -1, /* not one of libetpan's */
	.ext_parser = meta_parse,
	.ext_free = meta_free,
};

static void answer_free(struct meta_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->e[i].name);
		free(a->e[i].value);
	}
	free(a);
}

static void meta_free(struct mailimap_extension_data *ext_data)
{
	if (!ext_data)
		return;
	answer_free(ext_data->ext_data);
	free(ext_data);
}

/* ---- reading the answer: a cursor on libetpan's line buffer ----
 *
 * libetpan has read the answer's line up to its LF into buffer; a literal
 * ends a line, and the line after it is read (appended) once the literal's
 * bytes are. Every function returns MAILIMAP_NO_ERROR, MAILIMAP_ERROR_PARSE
 * (not what the grammar or the limits allow), _STREAM or _MEMORY. */

struct cursor {
	mailstream *fd;
	MMAPString *buf;
	size_t pos;
};

static int peek(const struct cursor *c)
{
	return c->pos < c->buf->len ? (unsigned char)c->buf->str[c->pos] : -1;
}

static int expect(struct cursor *c, char ch)
{
	if (peek(c) != (unsigned char)ch)
		return MAILIMAP_ERROR_PARSE;
	c->pos++;
	return MAILIMAP_NO_ERROR;
}

/* RFC 3501's ASTRING-CHAR (']' included): not a special, a space, a
 * control or 8-bit. */
static int astring_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("(){%*\"\\", ch);
}

/* The word w (case aside) and then no more of an atom. */
static int word(const struct cursor *c, const char *w)
{
	size_t n = strlen(w);
	return c->buf->len - c->pos >= n && strncasecmp(c->buf->str + c->pos, w, n) == 0 &&
	       (c->pos + n == c->buf->len || !astring_char((unsigned char)c->buf->str[c->pos + n]));
}

/* Reads exactly n bytes of a literal from the stream into out. */
static int read_exactly(mailstream *fd, char *out, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = mailstream_read(fd, out + got, n - got);
		if (r <= 0) /* an error, the timeout, or the server gone */
			return MAILIMAP_ERROR_STREAM;
		got += (size_t)r;
	}
	return MAILIMAP_NO_ERROR;
}

/* A literal "{N}" CRLF, or literal8 "~{N}" CRLF, then N bytes: at most max. */
static int literal(struct cursor *c, size_t max, char **out, size_t *len)
{
	unsigned long long n = 0;
	size_t digits = 0;
	int r;

	if (peek(c) == '~')
		c->pos++;
	if ((r = expect(c, '{')) != MAILIMAP_NO_ERROR)
		return r;
	while (peek(c) >= '0' && peek(c) <= '9') {
		/* Ten digits hold any 32-bit length; more is no length we take. */
		if (++digits > 10)
			return MAILIMAP_ERROR_PARSE;
		n = n * 10 + (unsigned)(peek(c) - '0');
		c->pos++;
	}
	if (!digits || expect(c, '}') != MAILIMAP_NO_ERROR || expect(c, '\r') != MAILIMAP_NO_ERROR ||
	    expect(c, '\n') != MAILIMAP_NO_ERROR)
		return MAILIMAP_ERROR_PARSE;
	/* The line ended with the length: its bytes are still on the stream. */
	if (n > max || c->pos != c->buf->len || !c->fd)
		return MAILIMAP_ERROR_PARSE;
	if (!(*out = malloc((size_t)n + 1)))
		return MAILIMAP_ERROR_MEMORY;
	if ((r = read_exactly(c->fd, *out, (size_t)n)) != MAILIMAP_NO_ERROR) {
		free(*out);
		*out = NULL;
		return r;
	}
	(*out)[n] = '\0';
	*len = (size_t)n;
	/* The rest of the answer is the next line; none: the server is gone. */
	size_t before = c->buf->len;
	if (!mailstream_read_line_append(c->fd, c->buf) || c->buf->len == before) {
		free(*out);
		*out = NULL;
		return MAILIMAP_ERROR_STREAM;
	}
	return MAILIMAP_NO_ERROR;
}

/* A quoted string: '\' only before '"' or '\', never a CR or LF. */
static int quoted(struct cursor *c, size_t max, char **out, size_t *len)
{
	size_t n = 0;
	char *s;
	c->pos++; /* the opening quote */
	/* Shorter than what is left of the line: the line bounds it. */
	if (!(s = malloc(c->buf->len - c->pos + 1)))
		return MAILIMAP_ERROR_MEMORY;
	for (;;) {
		int ch = peek(c);
		if (ch == '"')
			break;
		if (ch == '\\') {
			c->pos++;
			ch = peek(c);
			if (ch != '"' && ch != '\\')
				ch = -1;
		}
		if (ch < 0 || ch == '\r' || ch == '\n' || ch == 0 || n >= max) {
			free(s);
			return MAILIMAP_ERROR_PARSE;
		}
		s[n++] = (char)ch;
		c->pos++;
	}
	c->pos++;
	s[n] = '\0';
	*out = s;
	*len = n;
	return MAILIMAP_NO_ERROR;
}

/* An IMAP string (quoted or literal), NIL when nil_ok (*out NULL), or an
 * atom when atom_ok (an astring); at most max bytes. */
static int string(struct cursor *c, size_t max, int nil_ok, int atom_ok, char **out,
		  size_t *len)
{
	int ch = peek(c);
	*out = NULL;
	*len = 0;
	if (ch == '"')
		return quoted(c, max, out, len);
	if (ch == '{' || ch == '~')
		return literal(c, max, out, len);
	if (nil_ok && word(c, "NIL")) {
		c->pos += 3;
		return MAILIMAP_NO_ERROR;
	}
	if (!atom_ok || !astring_char(ch))
		return MAILIMAP_ERROR_PARSE;
	size_t start = c->pos;
	while (astring_char(peek(c)))
		c->pos++;
	if (c->pos - start > max)
		return MAILIMAP_ERROR_PARSE;
	if (!(*out = strndup(c->buf->str + start, c->pos - start)))
		return MAILIMAP_ERROR_MEMORY;
	*len = c->pos - start;
	return MAILIMAP_NO_ERROR;
}

/* metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)
 * entry-values  = "(" entry SP value *(SP entry SP value) ")"
 * entry-list    = entry *(SP entry)       ; unsolicited: names alone */
static int answer_parse(struct cursor *c, struct meta_answer *a)
{
	char *mailbox, *s;
	size_t len, seen = 0;
	int r, server;

	if ((r = string(c, META_NAME_MAX, 0, 1, &mailbox, &len)) != MAILIMAP_NO_ERROR)
		return r;
	server = len == 0;
	free(mailbox);
	if ((r = expect(c, ' ')) != MAILIMAP_NO_ERROR)
		return r;
	if (peek(c) != '(') {
		/* A change the server tells of unasked: its names are skipped. */
		for (;;) {
			if (++seen > META_ANSWER_ENTRIES_MAX)
				return MAILIMAP_ERROR_PARSE;
			if ((r = string(c, META_NAME_MAX, 0, 1, &s, &len)) != MAILIMAP_NO_ERROR)
				return r;
			free(s);
			if (peek(c) != ' ')
				return MAILIMAP_NO_ERROR;
			c->pos++;
		}
	}
	c->pos++;
	for (;;) {
		struct meta_entry en = { 0 };
		if (++seen > META_ANSWER_ENTRIES_MAX)
			return MAILIMAP_ERROR_PARSE;
		if ((r = string(c, META_NAME_MAX, 0, 1, &en.name, &len)) != MAILIMAP_NO_ERROR)
			return r;
		if ((r = expect(c, ' ')) != MAILIMAP_NO_ERROR ||
		    (r = string(c, IMAP_META_VALUE_MAX, 1, 0, &en.value, &en.len)) !=
			    MAILIMAP_NO_ERROR) {
			free(en.name);
			return r;
		}
		if (server && a->n < META_ENTRIES_MAX) {
			a->e[a->n++] = en;
		} else {
			/* Another mailbox's, or more than webmsg ever asks for. */
			free(en.name);
			free(en.value);
			if (server)
				return MAILIMAP_ERROR_PARSE;
		}
		if (peek(c) == ')')
			break;
		if ((r = expect(c, ' ')) != MAILIMAP_NO_ERROR)
			return r;
	}
	c->pos++;
	return MAILIMAP_NO_ERROR;
}

/* libetpan's hook for an untagged answer none of its own parsers took:
 * "* METADATA ..." is ours, anything else is left (MAILIMAP_ERROR_PARSE)
 * without a byte read. On success *indx is at the answer's CRLF. */
static int meta_parse(int calling_parser, mailstream *fd, MMAPString *buffer,
		      struct mailimap_parser_context *parser_ctx, size_t *indx,
		      struct mailimap_extension_data **result, size_t progr_rate,
		      progress_function *progr_fun)
{
	struct cursor c = { .fd = fd, .buf = buffer, .pos = *indx };
	struct meta_answer *a;
	int r;
	(void)parser_ctx, (void)progr_rate, (void)progr_fun;

	if (calling_parser != MAILIMAP_EXTENDED_PARSER_RESPONSE_DATA || !word(&c, "METADATA"))
		return MAILIMAP_ERROR_PARSE;
	c.pos += strlen("METADATA");
	if (expect(&c, ' ') != MAILIMAP_NO_ERROR)
		return MAILIMAP_ERROR_PARSE;
	if (!(a = calloc(1, sizeof(*a))))
		return MAILIMAP_ERROR_MEMORY;
	if ((r = answer_parse(&c, a)) != MAILIMAP_NO_ERROR) {
		answer_free(a);
		return r;
	}
	if (!(*result = mailimap_extension_data_new(&meta_api, 0, a))) {
		answer_free(a);
		return MAILIMAP_ERROR_MEMORY;
	}
	*indx = c.pos;
	return MAILIMAP_NO_ERROR;
}

static void register_once(void)
{
	/* Fails only without memory: METADATA answers then fail to parse,
	 * which says so where settings are read. */
	(void)mailimap_extension_register(&meta_api);
}

void imap_meta_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_once);
}

/* ---- the commands ---- */

/* The value of entry in the METADATA answers of the last command, taken
 * from libetpan's list (found: 1 even for NIL). */
static int take_value(struct mailimap *imap, const char *entry, char **value, size_t *len)
{
	struct mailimap_response_info *ri = imap->imap_response_info;
	int found = 0;
	if (!ri || !ri->rsp_extension_list)
		return 0;
	for (clistiter *it = clist_begin(ri->rsp_extension_list); it; it = clist_next(it)) {
		struct mailimap_extension_data *d = clist_content(it);
		struct meta_answer *a;
		if (d->ext_extension != &meta_api || !(a = d->ext_data))
			continue;
		for (size_t i = 0; i < a->n; i++) {
			if (strcasecmp(a->e[i].name, entry) != 0)
				continue;
			free(*value);
			*value = a->e[i].value;
			*len = a->e[i].len;
			a->e[i].value = NULL;
			found = 1;
		}
	}
	return found;
}

/* An entry name this module sends: an atom it made itself. */
static int entry_ok(const char *entry)
{
	if (!entry[0] || strlen(entry) > META_NAME_MAX)
		return 0;
	for (const char *p = entry; *p; p++)
		if (!astring_char((unsigned char)*p) || *p == ']')
			return 0;
	return 1;
}

/* The answer's next line into the session's line buffer; NULL when the
 * server is gone (libetpan gives an empty line at the end of the stream). */
static const char *read_line(struct mailimap *imap)
{
	const char *line = mailimap_read_line(imap);
	return line && line[0] ? line : NULL;
}

/* The answer whose first line is in the session's line buffer, up to the
 * tagged end: OK, MAILIMAP_ERROR_EXTENSION for a NO, _PROTOCOL for a BAD. */
static int tagged_answer(struct mailimap *imap)
{
	struct mailimap_response *resp;
	int r = mailimap_parse_response(imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	int state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
	mailimap_response_free(resp);
	return state == MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR : MAILIMAP_ERROR_EXTENSION;
}

/* Sends the one-line command text and reads its answer (libetpan's
 * custom command would end it with a space some servers refuse). */
static int command(struct mailimap *imap, const char *text)
{
	int r;
	size_t n = strlen(text);
	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, text, n) != (ssize_t)n ||
	    mailstream_write(imap->imap_stream, "\r\n", 2) != 2 ||
	    mailstream_flush(imap->imap_stream) == -1 || !read_line(imap))
		return MAILIMAP_ERROR_STREAM;
	return tagged_answer(imap);
}

int imap_meta_get(struct mailimap *imap, const char *entry, size_t max, char **value,
		  size_t *len)
{
	char cmd[META_NAME_MAX + 64];
	int r, n;

	*value = NULL;
	*len = 0;
	if (max > IMAP_META_VALUE_MAX)
		max = IMAP_META_VALUE_MAX;
	if (!entry_ok(entry))
		return MAILIMAP_ERROR_INVAL;
	n = snprintf(cmd, sizeof(cmd), "GETMETADATA (MAXSIZE %zu) \"\" (%s)", max, entry);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return MAILIMAP_ERROR_INVAL;
	if ((r = command(imap, cmd)) != MAILIMAP_NO_ERROR)
		return r;
	take_value(imap, entry, value, len);
	/* Too large for MAXSIZE: OK [METADATA LONGENTRIES n] and no value.
	 * A server that sends it all the same is held to max here. */
	struct mailimap_response_info *ri = imap->imap_response_info;
	if ((!*value && ri && ri->rsp_atom && strcasecmp(ri->rsp_atom, "METADATA") == 0 &&
	     ri->rsp_value && strncasecmp(ri->rsp_value, "LONGENTRIES", 11) == 0) ||
	    *len > max) {
		free(*value);
		*value = NULL;
		*len = 0;
		return IMAP_META_TOO_LARGE;
	}
	return MAILIMAP_NO_ERROR;
}

/* Waits for the server's "+" before a synchronizing literal. Untagged news
 * before it is skipped (and said in *untagged); a tagged answer instead is
 * the command's end. 1: go on; else the command's result. */
static int go_ahead(struct mailimap *imap, int *untagged)
{
	/* A server that only sends news is not answering: bounded. */
	for (int lines = 0; lines < 1000; lines++) {
		const char *line = read_line(imap);
		if (!line)
			return MAILIMAP_ERROR_STREAM;
		if (line[0] == '+')
			return 1;
		if (line[0] != '*') {
			int r = tagged_answer(imap);
			/* Refused before the value was sent: nothing more to read. */
			return r == MAILIMAP_NO_ERROR ? MAILIMAP_ERROR_PROTOCOL : r;
		}
		/* A literal inside news would be read as lines: news of this
		 * kind (FETCH with a literal) is not expected here; the
		 * connection is given up rather than misread. */
		if (strchr(line, '{'))
			return MAILIMAP_ERROR_PARSE;
		*untagged = 1;
	}
	return MAILIMAP_ERROR_PARSE;
}

int imap_meta_set(struct mailimap *imap, int literal_plus, const char *entry, const char *value,
		  size_t len, int *untagged)
{
	char head[META_NAME_MAX + 64];
	int r, n;

	*untagged = 0;
	if (!entry_ok(entry) || len > IMAP_META_VALUE_MAX || memchr(value, '\0', len))
		return MAILIMAP_ERROR_INVAL;
	n = snprintf(head, sizeof(head), "SETMETADATA \"\" (%s {%zu%s}\r\n", entry, len,
		     literal_plus ? "+" : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return MAILIMAP_ERROR_INVAL;
	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, head, (size_t)n) != n)
		return MAILIMAP_ERROR_STREAM;
	if (!literal_plus) {
		if (mailstream_flush(imap->imap_stream) == -1)
			return MAILIMAP_ERROR_STREAM;
		if ((r = go_ahead(imap, untagged)) != 1)
			return r;
	}
	if ((len && mailstream_write(imap->imap_stream, value, len) != (ssize_t)len) ||
	    mailstream_write(imap->imap_stream, ")\r\n", 3) != 3 ||
	    mailstream_flush(imap->imap_stream) == -1)
		return MAILIMAP_ERROR_STREAM;
	if (!read_line(imap))
		return MAILIMAP_ERROR_STREAM;
	return tagged_answer(imap);
}

/* ---- the store's settings files ---- */

#define NO_METADATA                                                                            \
	"This mail server does not keep settings (IMAP METADATA). Ask the administrator to "   \
	"enable it (Dovecot: mail_attribute_dict and imap_metadata = yes)."

/* The entry of the settings file name: names are this library's own words
 * (as maildir_data.c takes them), never a user's. */
static int entry_of(const char *name, char *out, size_t outlen, struct err *e)
{
	size_t n = strlen(name);
	if (!n || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz-") != n)
		return err_set(e, "'%.40s' is no name for a settings file", name);
	snprintf(out, outlen, IMAP_META_PREFIX "%s", name);
	return 0;
}

int imap_store_data_read(struct imap_store *s, const char *name, size_t max, char **data,
			 size_t *len, struct err *e)
{
	char entry[128];
	int r;
	*data = NULL;
	*len = 0;
	if (entry_of(name, entry, sizeof(entry), e) < 0)
		return -1;
	/* Nowhere to keep them: the defaults, as on a first logon. */
	if (!(imap_client_caps(s->c) & IMAP_CAP_METADATA))
		return 0;
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	r = imap_meta_get(imap_store_session(s), entry, max, data, len);
	if (r == IMAP_META_TOO_LARGE)
		return err_set(e, "the settings '%s' on the mail server are larger than %zu bytes",
			       name, max);
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "read the settings", e);
	return 0;
}

int imap_store_data_write(struct imap_store *s, const char *name, const char *data, size_t len,
			  struct err *e)
{
	char entry[128];
	int r, untagged = 0;
	if (entry_of(name, entry, sizeof(entry), e) < 0)
		return -1;
	if (!(imap_client_caps(s->c) & IMAP_CAP_METADATA)) {
		err_set(e, NO_METADATA);
		return MAILSTORE_REFUSED;
	}
	if (len > IMAP_META_VALUE_MAX || memchr(data, '\0', len))
		return err_set(e, "the settings '%s' cannot be kept on the mail server: more than "
				  "%d bytes, or not text", name, IMAP_META_VALUE_MAX);
	if (imap_client_broken(s->c))
		return FAIL(s, 0, "", e);
	r = imap_meta_set(imap_store_session(s), imap_client_caps(s->c) & IMAP_CAP_LITERALPLUS,
			  entry, data, len, &untagged);
	if (untagged) {
		/* News of the selected folder went by unread: open it afresh. */
		s->selected[0] = '\0';
		s->present = 0;
		imap_store_cache_drop(s);
	}
	if (r == MAILIMAP_ERROR_EXTENSION) {
		/* Its NO (too large, too many, not allowed): the server's words. */
		FAIL(s, r, "save the settings", e);
		return MAILSTORE_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return FAIL(s, r, "save the settings", e);
	return 0;
}
