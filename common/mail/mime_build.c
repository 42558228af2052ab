/* mime_build.c - new messages to send (text, forwarded messages,
 * uploads) and the quoted text of a reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime.h"
#include "webmsg/mime_scan.h"
#include "mime_private.h"

/* ---- Writing messages ---- */

/* Text typed by the user, valid UTF-8 with LF line ends and a final LF. */
static char *body_text(const char *s)
{
	struct buf raw, b;
	buf_init(&raw, TEXT_MAX);
	buf_init(&b, TEXT_MAX);
	mime_text_put_repaired(&raw, s ? s : "", s ? strlen(s) : 0);
	char *t = mime_text_finish(&raw);
	if (!t)
		return NULL;
	for (const char *p = t; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		buf_append(&b, *p == '\r' ? "\n" : p, 1);
	}
	if (b.len > 0 && b.data[b.len - 1] != '\n')
		buf_append(&b, "\n", 1);
	free(t);
	return mime_text_finish(&b);
}

/* "<a@x> <b@y>" from message IDs as the caller has them, with or without <>,
 * separated by spaces or commas; IDs that could break the header are left out. */
static char *message_ids(const char *s)
{
	struct buf b;
	buf_init(&b, TEXT_MAX);
	char **tokens = g_strsplit_set(s, " \t\r\n,<>", -1);
	for (char **t = tokens; *t; t++)
		if (mime_parse_is_message_id(*t))
			buf_printf(&b, "%s<%s>", b.len ? " " : "", *t);
	g_strfreev(tokens);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return mime_text_finish(&b);
}

static int add_addresses(GMimeParserOptions *o, const char *typed, InternetAddressList *into,
			 const char *header, struct err *e)
{
	if (address_list_into(typed, o, into, e) < 0)
		return err_prefix(e, "%s", header);
	return 0;
}

static GMimeObject *text_part(const char *body)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	GMimeDataWrapper *w =
		g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	/* not g_mime_text_part_set_text: it labels Latin-1-only text iso-8859-1 */
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content(GMIME_PART(tp), w);
	g_mime_part_set_content_encoding(GMIME_PART(tp),
		g_mime_part_get_best_content_encoding(GMIME_PART(tp),
						      GMIME_ENCODING_CONSTRAINT_7BIT));
	g_object_unref(w);
	g_object_unref(s);
	return GMIME_OBJECT(tp);
}

/* Whether serialised MIME is what SMTP wants: 7-bit, no NUL, lines of at
 * most 998 bytes. */
static int smtp_safe(const GByteArray *a)
{
	size_t line = 0;
	for (guint i = 0; i < a->len; i++) {
		unsigned char c = a->data[i];
		if (c == 0 || c >= 0x80)
			return 0;
		line = c == '\n' ? 0 : line + 1;
		if (line > 998)
			return 0;
	}
	return 1;
}

/* A message forwarded as message/rfc822, so that it opens as a message. Its
 * parts are re-encoded for 7-bit transport; NULL when the data is not a
 * message, is beyond the limits of mime_scan.h or still not 7-bit (raw 8-bit
 * headers): it then goes as a file. */
static GMimeObject *forwarded_part(const struct mime_upload *u, GMimeParserOptions *o,
				   const char *filename)
{
	struct err ignored;
	if (mime_scan_buffer(u->data, u->len, &ignored) < 0)
		return NULL;
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(u->data, u->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *inner = g_mime_parser_construct_message(parser, o);
	g_object_unref(parser);
	g_object_unref(s);
	if (!inner)
		return NULL;
	g_mime_object_encode(GMIME_OBJECT(inner), GMIME_ENCODING_CONSTRAINT_7BIT);
	GMimeStream *mem = g_mime_stream_mem_new();
	ssize_t written = g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	int safe = written >= 0 && smtp_safe(bytes);
	g_object_unref(mem);
	if (!safe) {
		g_object_unref(inner);
		return NULL;
	}
	GMimeMessagePart *part = g_mime_message_part_new_with_message("rfc822", inner);
	g_object_unref(inner);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_object_set_content_disposition_parameter(GMIME_OBJECT(part), "filename", filename);
	return GMIME_OBJECT(part);
}

/* An uploaded file as a base64 part. A message/rfc822 upload goes as an
 * attached message when it can; other composite types (message/, multipart/)
 * cannot be base64-encoded, so they go as application/octet-stream. */
static GMimeObject *upload_part(const struct mime_upload *u, size_t n, GMimeParserOptions *o)
{
	char type[65] = "application", sub[65] = "octet-stream";
	const char *ct = u->content_type ? u->content_type : "";
	size_t tlen = strcspn(ct, "/"), slen = ct[tlen] ? strcspn(ct + tlen + 1, "; \t") : 0;
	if (tlen > 0 && tlen < sizeof(type) && slen > 0 && slen < sizeof(sub)) {
		char t[65], s[65];
		memcpy(t, ct, tlen);
		t[tlen] = '\0';
		memcpy(s, ct + tlen + 1, slen);
		s[slen] = '\0';
		if (mime_part_is_token(t) && mime_part_is_token(s) &&
		    g_ascii_strcasecmp(t, "message") != 0 &&
		    g_ascii_strcasecmp(t, "multipart") != 0) {
			for (size_t i = 0; i <= tlen; i++)
				type[i] = g_ascii_tolower(t[i]);
			for (size_t i = 0; i <= slen; i++)
				sub[i] = g_ascii_tolower(s[i]);
		}
	}
	char *name = mime_part_safe_filename(u->filename), fallback[32];
	snprintf(fallback, sizeof(fallback), "attachment-%zu", n);
	const char *filename = name && name[0] ? name : fallback;
	GMimeObject *forwarded = NULL;
	if (u->content_type && g_ascii_strncasecmp(u->content_type, "message/rfc822", 14) == 0 &&
	    u->data && u->len > 0)
		forwarded = forwarded_part(u, o, filename);
	if (forwarded) {
		free(name);
		return forwarded;
	}
	GMimePart *part = g_mime_part_new_with_type(type, sub);
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(u->data ? u->data : "",
							   u->data ? u->len : 0);
	GMimeDataWrapper *w =
		g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(s);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, filename);
	free(name);
	return GMIME_OBJECT(part);
}

int mime_build(const struct mime_compose *c, const char *domain, struct buf *out,
	       char *message_id, size_t idlen, struct err *e)
{
	GMimeParserOptions *o = mime_parse_options_new();
	GMimeFormatOptions *format = g_mime_format_options_new();
	GMimeMessage *msg = g_mime_message_new(TRUE);
	InternetAddressList *bcc = internet_address_list_new();
	char *subject = NULL, *body = NULL, *ids = NULL, *id = NULL;
	int rc = -1;

	if (add_addresses(o, c->from, g_mime_message_get_from(msg), "From", e) < 0 ||
	    add_addresses(o, c->to, g_mime_message_get_to(msg), "To", e) < 0 ||
	    add_addresses(o, c->cc, g_mime_message_get_cc(msg), "Cc", e) < 0 ||
	    add_addresses(o, c->bcc, bcc, "Bcc", e) < 0) /* checked, never written */
		goto out;
	InternetAddressMailbox *sender = mime_parse_first_mailbox(g_mime_message_get_from(msg), 0);
	if (!sender) {
		err_set(e, "the message has no sender address");
		goto out;
	}
	if (c->from_name && c->from_name[0]) {
		char *name = mime_text_clean_line(c->from_name);
		if (!name) {
			err_set(e, "out of memory");
			goto out;
		}
		internet_address_set_name(INTERNET_ADDRESS(sender), name);
		free(name);
	}
	if (!domain || !*domain) /* the Message-ID's right side: the sender's domain */
		domain = address_domain(internet_address_mailbox_get_addr(sender));
	if (!(subject = mime_text_clean_line(c->subject)) || !(body = body_text(c->body))) {
		err_set(e, "out of memory");
		goto out;
	}
	if (subject[0])
		g_mime_message_set_subject(msg, subject, "utf-8");
	GDateTime *now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	id = g_mime_utils_generate_message_id(domain);
	if (!mime_parse_is_message_id(id) || strlen(id) >= idlen) {
		err_set(e, "cannot make a Message-ID for domain '%s'", domain);
		goto out;
	}
	g_mime_message_set_message_id(msg, id);
	if (c->in_reply_to && (ids = message_ids(c->in_reply_to))) {
		ids[strcspn(ids, " ")] = '\0'; /* a reply answers one message */
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", ids, NULL);
		free(ids);
		ids = NULL;
	}
	if (c->references && (ids = message_ids(c->references)))
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", ids, NULL);
	if (c->origin && c->origin[0] && !strpbrk(c->origin, "\r\n"))
		g_mime_object_set_header(GMIME_OBJECT(msg), "X-Webmsg-Origin", c->origin, NULL);

	GMimeObject *text = text_part(body);
	if (c->nattachments == 0) {
		g_mime_message_set_mime_part(msg, text);
	} else {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, text);
		for (size_t i = 0; i < c->nattachments; i++) {
			GMimeObject *part = upload_part(&c->attachments[i], i + 1, o);
			g_mime_multipart_add(mixed, part);
			g_object_unref(part);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	}
	g_object_unref(text);

	/* 7-bit: the relay may not speak 8BITMIME; CRLF: what SMTP carries */
	g_mime_object_encode(GMIME_OBJECT(msg), GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
	GMimeStream *mem = g_mime_stream_mem_new();
	ssize_t written = g_mime_object_write_to_stream(GMIME_OBJECT(msg), format, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (written < 0)
		err_set(e, "cannot write the message");
	else if (buf_append(out, bytes->data, bytes->len) < 0)
		err_set(e, "the message is too large: %u bytes, at most %zu", bytes->len, out->max);
	else
		rc = 0;
	g_object_unref(mem);
	if (rc == 0)
		mime_text_copy_utf8(message_id, idlen, id);
out:
	g_free(id);
	free(ids);
	free(subject);
	free(body);
	g_object_unref(bcc);
	g_object_unref(msg);
	g_mime_format_options_free(format);
	g_mime_parser_options_free(o);
	return rc;
}

/* ---- Replies ---- */

char *mime_quote_reply(const struct mime_message *m)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct buf b;
	struct tm tm;
	if (!m)
		return NULL;
	const char *who = m->from && *m->from ? m->from
			  : m->from_addr && *m->from_addr ? m->from_addr : "the sender";
	buf_init(&b, TEXT_MAX);
	if (m->date && localtime_r(&m->date, &tm)) {
		long off = tm.tm_gmtoff / 60;
		buf_printf(&b, "On %s, %d %s %d %02d:%02d %c%02ld%02ld, %s wrote:\n",
			   days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
			   tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+', labs(off) / 60,
			   labs(off) % 60, who);
	} else {
		buf_printf(&b, "%s wrote:\n", who);
	}
	const char *text = m->text ? m->text : "";
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* an already quoted line gets ">" alone, so quotes read ">>" */
		buf_puts(&b, n == 0 ? ">" : p[0] == '>' ? ">" : "> ");
		buf_append(&b, p, n);
		buf_append(&b, "\n", 1);
		p = nl ? nl + 1 : text + len;
	}
	return mime_text_finish(&b);
}

/* mime.h's name for address_list_parse, kept for its callers. */
int mime_addresses(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		   struct err *e)
{
	return address_list_parse(list, fn, arg, e);
}
