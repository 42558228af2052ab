/* mailstore_prefs.c - a user's settings (display name, signature, time zone,
 * messages per page, plain text first) and recent recipients, checked here
 * and kept by the back-end as two small text files ("prefs", "recent"), so
 * that an IMAP back-end can keep them elsewhere later. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"
#include "webmsg/tz.h"
#include "webmsg/utf8.h"
#include "mailstore_backend.h"

#define PREFS_FILE "prefs"
#define RECENT_FILE "recent"
/* Escaped, a value may double; the rest is the keys. */
#define PREFS_FILE_MAX (4 * (MAIL_PREFS_NAME_MAX + MAIL_PREFS_SIGNATURE_MAX) + 1024)
#define RECENT_FILE_MAX (MAIL_RECENT_MAX * (MAIL_ADDRESS_MAX + 1) + 64)

void mailstore_prefs_default(struct mail_prefs *p)
{
	memset(p, 0, sizeof(*p));
	p->per_page = MAIL_PREFS_PER_PAGE_DEFAULT;
}

/* 1 when s is valid UTF-8 with no control character but those in allowed. */
static int text_ok(const char *s, const char *allowed)
{
	while (*s) {
		uint32_t cp;
		size_t n = utf8_decode(s, &cp);
		if (n == 0)
			return 0;
		if ((cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) && !(cp && strchr(allowed, (int)cp)))
			return 0;
		s += n;
	}
	return 1;
}

static int problem(struct mail_prefs_problems *pr, enum mail_prefs_field f, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static int problem(struct mail_prefs_problems *pr, enum mail_prefs_field f, const char *fmt, ...)
{
	va_list ap;
	if (pr) {
		va_start(ap, fmt);
		vsnprintf(pr->msg[f], sizeof(pr->msg[f]), fmt, ap);
		va_end(ap);
		pr->count++;
	}
	return -1;
}

int mailstore_prefs_check(const struct mail_prefs *p, const char *zone_dir,
			  struct mail_prefs_problems *pr)
{
	int rc = 0;
	if (pr)
		memset(pr, 0, sizeof(*pr));
	if (strnlen(p->display_name, sizeof(p->display_name)) >= sizeof(p->display_name))
		rc = problem(pr, MAIL_PREFS_DISPLAY_NAME, "At most %d bytes.",
			     MAIL_PREFS_NAME_MAX - 1);
	else if (!text_ok(p->display_name, ""))
		rc = problem(pr, MAIL_PREFS_DISPLAY_NAME,
			     "A name on one line, without control characters.");
	if (strnlen(p->signature, sizeof(p->signature)) >= sizeof(p->signature))
		rc = problem(pr, MAIL_PREFS_SIGNATURE, "At most %d bytes.",
			     MAIL_PREFS_SIGNATURE_MAX - 1);
	else if (!text_ok(p->signature, "\n\t"))
		rc = problem(pr, MAIL_PREFS_SIGNATURE, "Plain text only, without control characters.");
	if (strnlen(p->zone, sizeof(p->zone)) >= sizeof(p->zone)) {
		rc = problem(pr, MAIL_PREFS_ZONE, "No time zone has so long a name.");
	} else if (p->zone[0] && strcmp(p->zone, "UTC") != 0) {
		struct tz *z = NULL;
		struct err e;
		if (!tz_name_ok(p->zone) || tz_load(zone_dir, p->zone, &z, &e) < 0)
			rc = problem(pr, MAIL_PREFS_ZONE,
				     "Not a time zone this server knows: use a name such as "
				     "Europe/Berlin or America/New_York.");
		tz_free(&z);
	}
	if (p->per_page < MAIL_PREFS_PER_PAGE_MIN || p->per_page > MAIL_PREFS_PER_PAGE_MAX)
		rc = problem(pr, MAIL_PREFS_PER_PAGE, "A number from %d to %d.",
			     MAIL_PREFS_PER_PAGE_MIN, MAIL_PREFS_PER_PAGE_MAX);
	return rc;
}

/* ---- the file: "key=value" lines, '\' and line ends escaped ---- */

static void put_value(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s=", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\r')
			buf_puts(b, "\\r");
		else
			buf_append(b, p, 1);
	}
	buf_puts(b, "\n");
}

/* Unescapes [p, end) into out; a value that does not fit is dropped whole. */
static void get_value(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = 0;
	for (; p < end; p++) {
		char c = *p;
		if (c == '\\' && p + 1 < end) {
			p++;
			c = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
		}
		if (n + 1 >= outlen) {
			out[0] = '\0';
			return;
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

static void prefs_parse(const char *data, size_t len, struct mail_prefs *p)
{
	const char *s = data, *end = data + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *line_end = nl ? nl : end;
		const char *eq = memchr(s, '=', (size_t)(line_end - s));
		if (eq && s[0] != '#') {
			char num[24];
			size_t klen = (size_t)(eq - s);
#define KEY(k) (klen == strlen(k) && memcmp(s, k, klen) == 0)
			if (KEY("display_name"))
				get_value(eq + 1, line_end, p->display_name, sizeof(p->display_name));
			else if (KEY("signature"))
				get_value(eq + 1, line_end, p->signature, sizeof(p->signature));
			else if (KEY("zone"))
				get_value(eq + 1, line_end, p->zone, sizeof(p->zone));
			else if (KEY("per_page") || KEY("plain_first") || KEY("conversations")) {
				char *nend;
				get_value(eq + 1, line_end, num, sizeof(num));
				long v = strtol(num, &nend, 10);
				if (nend != num && !*nend) {
					if (KEY("per_page"))
						p->per_page = v;
					else if (KEY("plain_first"))
						p->plain_first = v != 0;
					else
						p->conversations = v != 0;
				}
			}
#undef KEY
		}
		s = line_end + 1;
	}
}

int mailstore_prefs_get(struct mailstore *ms, struct mail_prefs *out, struct err *e)
{
	char *data;
	size_t len;
	struct mail_prefs_problems pr;
	mailstore_prefs_default(out);
	if (mailstore_data_read(ms, PREFS_FILE, PREFS_FILE_MAX, &data, &len, e) < 0)
		return -1;
	if (!data)
		return 0;
	prefs_parse(data, len, out);
	free(data);
	/* A value the checks refuse now (a zone gone from the system, a file
	 * edited by hand) falls back to its default alone. */
	if (mailstore_prefs_check(out, NULL, &pr) < 0) {
		struct mail_prefs def;
		mailstore_prefs_default(&def);
		if (pr.msg[MAIL_PREFS_DISPLAY_NAME][0])
			memcpy(out->display_name, def.display_name, sizeof(def.display_name));
		if (pr.msg[MAIL_PREFS_SIGNATURE][0])
			memcpy(out->signature, def.signature, sizeof(def.signature));
		if (pr.msg[MAIL_PREFS_ZONE][0])
			memcpy(out->zone, def.zone, sizeof(def.zone));
		if (pr.msg[MAIL_PREFS_PER_PAGE][0])
			out->per_page = def.per_page;
	}
	return 0;
}

int mailstore_prefs_set(struct mailstore *ms, const struct mail_prefs *p, struct err *e)
{
	struct mail_prefs_problems pr;
	struct buf b;
	if (mailstore_prefs_check(p, NULL, &pr) < 0) {
		for (int f = 0; f < MAIL_PREFS_FIELDS; f++)
			if (pr.msg[f][0])
				return err_set(e, "%s", pr.msg[f]);
	}
	buf_init(&b, PREFS_FILE_MAX);
	buf_puts(&b, "# webmsg user settings 1\n");
	put_value(&b, "display_name", p->display_name);
	put_value(&b, "signature", p->signature);
	put_value(&b, "zone", p->zone);
	buf_printf(&b, "per_page=%ld\nplain_first=%d\nconversations=%d\n", p->per_page,
		   p->plain_first ? 1 : 0, p->conversations ? 1 : 0);
	int rc = b.failed ? err_set(e, "out of memory")
			  : mailstore_data_write(ms, PREFS_FILE, b.data, b.len, e);
	buf_free(&b);
	return rc;
}

/* ---- recent recipients: one bare address a line, most recent first ---- */

static int recent_ok(const char *a)
{
	size_t len = strlen(a);
	return len > 0 && len < MAIL_ADDRESS_MAX && strchr(a, '@') && text_ok(a, "") &&
	       !strpbrk(a, " ,;<>\"");
}

int mailstore_recent_get(struct mailstore *ms, char (**out)[MAIL_ADDRESS_MAX], size_t *n,
			 struct err *e)
{
	char *data;
	size_t len;
	*out = NULL;
	*n = 0;
	if (mailstore_data_read(ms, RECENT_FILE, RECENT_FILE_MAX, &data, &len, e) < 0)
		return -1;
	if (!(*out = calloc(MAIL_RECENT_MAX, sizeof(**out)))) {
		free(data);
		return err_set(e, "out of memory");
	}
	if (!data) /* nobody written to yet */
		return 0;
	for (char *s = data, *end = data + len; s < end && *n < MAIL_RECENT_MAX;) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		if (nl)
			*nl = '\0';
		if (recent_ok(s))
			snprintf((*out)[(*n)++], MAIL_ADDRESS_MAX, "%s", s);
		s = nl ? nl + 1 : end;
	}
	free(data);
	return 0;
}

int mailstore_recent_add(struct mailstore *ms, const char *const *addrs, size_t n,
			 struct err *e)
{
	char(*old)[MAIL_ADDRESS_MAX];
	size_t nold, written = 0;
	struct buf b;
	if (mailstore_recent_get(ms, &old, &nold, e) < 0)
		return -1;
	buf_init(&b, RECENT_FILE_MAX);
	/* The new ones first, each once, then the old ones not among them. */
	for (size_t i = 0; i < n && written < MAIL_RECENT_MAX; i++) {
		int dup = !recent_ok(addrs[i]);
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcasecmp(addrs[i], addrs[j]) == 0;
		if (!dup) {
			buf_printf(&b, "%s\n", addrs[i]);
			written++;
		}
	}
	for (size_t i = 0; i < nold && written < MAIL_RECENT_MAX; i++) {
		int dup = 0;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcasecmp(old[i], addrs[j]) == 0;
		if (!dup) {
			buf_printf(&b, "%s\n", old[i]);
			written++;
		}
	}
	free(old);
	int rc = b.failed ? err_set(e, "out of memory")
			  : mailstore_data_write(ms, RECENT_FILE, b.data ? b.data : "", b.len, e);
	buf_free(&b);
	return rc;
}
