/* maildir_meta.c - what the index holds of a message (date, sender,
 * subject, attachment, the ids that thread it), read from its header block
 * only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "maildir_private.h"

/* ---- headers ---- */

/* Reads the start of a message: at most max bytes, stopping once the blank
 * line that ends the header has been read. */
static ssize_t read_header_block(int fd, char *buf, size_t max)
{
	size_t n = 0;
	while (n < max) {
		size_t want = max - n < 8192 ? max - n : 8192;
		ssize_t got = read(fd, buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		size_t from = n >= 2 ? n - 2 : 0;
		n += (size_t)got;
		if (memmem(buf + from, n - from, "\n\n", 2) ||
		    memmem(buf + from, n - from, "\n\r\n", 3))
			break;
	}
	return (ssize_t)n;
}

struct raw_headers {
	char *subject, *from, *to, *date, *content_type; /* unfolded values, or NULL */
	char *message_id, *in_reply_to, *references;
};

/* The first Subject, From, To, Date and Content-Type of a header block, unfolded
 * and trimmed. Stops at the blank line; a header cut by HEADER_MAX counts as
 * far as it goes. */
static void scan_headers(const char *p, size_t len, struct raw_headers *h)
{
	static const struct {
		const char *name;
		size_t offset;
	} wanted[] = {
		{ "Subject", offsetof(struct raw_headers, subject) },
		{ "From", offsetof(struct raw_headers, from) },
		{ "To", offsetof(struct raw_headers, to) },
		{ "Date", offsetof(struct raw_headers, date) },
		{ "Content-Type", offsetof(struct raw_headers, content_type) },
		{ "Message-ID", offsetof(struct raw_headers, message_id) },
		{ "In-Reply-To", offsetof(struct raw_headers, in_reply_to) },
		{ "References", offsetof(struct raw_headers, references) },
	};
	size_t i = 0;

	memset(h, 0, sizeof(*h));
	while (i < len) {
		size_t start = i, end = i;
		if (p[i] == '\n' || (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			break;
		/* A field runs on over lines that start with white space. */
		for (;;) {
			const char *nl = memchr(p + end, '\n', len - end);
			end = nl ? (size_t)(nl - p) + 1 : len;
			if (end < len && (p[end] == ' ' || p[end] == '\t'))
				continue;
			break;
		}
		i = end;
		const char *colon = memchr(p + start, ':', end - start);
		if (!colon)
			continue;
		const char *name = p + start;
		size_t namelen = (size_t)(colon - name);
		while (namelen > 0 && (name[namelen - 1] == ' ' || name[namelen - 1] == '\t'))
			namelen--;
		for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
			char **slot = (char **)((char *)h + wanted[w].offset);
			if (*slot || strlen(wanted[w].name) != namelen ||
			    strncasecmp(name, wanted[w].name, namelen) != 0)
				continue;
			const char *v = colon + 1, *vend = p + end;
			char *out = malloc((size_t)(vend - v) + 1), *o = out;
			if (!out)
				return;
			for (; v < vend; v++)
				if (*v != '\r' && *v != '\n')
					*o++ = *v ? *v : ' ';
			while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
				o--;
			*o = '\0';
			size_t skip = strspn(out, " \t");
			memmove(out, out + skip, strlen(out + skip) + 1);
			*slot = out;
		}
	}
}

static void raw_headers_free(struct raw_headers *h)
{
	free(h->subject);
	free(h->from);
	free(h->to);
	free(h->date);
	free(h->content_type);
	free(h->message_id);
	free(h->in_reply_to);
	free(h->references);
}

/* Copies text as valid UTF-8 on one line: invalid bytes become U+FFFD, line
 * breaks and tabs a space, runs of spaces one, other control characters go,
 * and a cut falls between characters. */
static void clean_text(const char *in, char *out, size_t outlen)
{
	char *valid = NULL;
	size_t o = 0;

	if (!g_utf8_validate(in, -1, NULL))
		in = valid = g_utf8_make_valid(in, -1);
	for (const char *p = in; *p; p = g_utf8_next_char(p)) {
		gunichar ch = g_utf8_get_char(p);
		const char *bytes = p;
		size_t n = (size_t)(g_utf8_next_char(p) - p);
		if (ch == '\t' || ch == '\r' || ch == '\n')
			ch = ' ';
		else if (g_unichar_iscntrl(ch))
			continue;
		if (ch == ' ') {
			if (o == 0 || out[o - 1] == ' ')
				continue;
			bytes = " ", n = 1;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, bytes, n);
		o += n;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	g_free(valid);
}

static void decode_text(struct maildir *md, const char *raw, char *out, size_t outlen)
{
	char *text = g_mime_utils_header_decode_text(md->options, raw);
	clean_text(text ? text : "", out, outlen);
	g_free(text);
}

/* The first mailbox of an address list: its display name and address
 * (either may come back empty). "Team: ann@x.org, bob@x.org;" is taken as its
 * first member. Returns how many addresses the list holds at its top. */
static int first_address(struct maildir *md, const char *raw, char *name, size_t namelen,
			 char *addr, size_t addrlen)
{
	InternetAddressList *list = internet_address_list_parse(md->options, raw);
	InternetAddress *ia = NULL;
	int count = list ? internet_address_list_length(list) : 0;

	name[0] = addr[0] = '\0';
	if (count > 0)
		ia = internet_address_list_get_address(list, 0);
	if (ia && INTERNET_ADDRESS_IS_GROUP(ia)) {
		InternetAddressList *members =
			internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
		ia = members && internet_address_list_length(members) > 0
			     ? internet_address_list_get_address(members, 0)
			     : NULL;
	}
	if (ia && INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		const char *n = internet_address_get_name(ia);
		const char *a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		clean_text(n ? n : "", name, namelen);
		clean_text(a ? a : "", addr, addrlen);
	}
	if (list)
		g_object_unref(list);
	return count;
}

static void decode_from(struct maildir *md, const char *raw, struct meta *m)
{
	first_address(md, raw, m->from_name, sizeof(m->from_name), m->from_addr,
		      sizeof(m->from_addr));
	/* Not an address at all, or an empty one: show what it says. */
	if (!m->from_name[0] && !m->from_addr[0])
		decode_text(md, raw, m->from_name, sizeof(m->from_name));
}

/* The recipients as a list of sent mail shows them: the first one's name
 * (else address), and "+ N" for the others. */
static void decode_to(struct maildir *md, const char *raw, struct meta *m)
{
	char name[sizeof(m->to)], addr[sizeof(m->to)];
	int count = first_address(md, raw, name, sizeof(name), addr, sizeof(addr));
	const char *first = name[0] ? name : addr;
	if (!first[0]) {
		decode_text(md, raw, m->to, sizeof(m->to));
		return;
	}
	if (count > 1)
		snprintf(m->to, sizeof(m->to), "%.280s + %d", first, count - 1);
	else
		snprintf(m->to, sizeof(m->to), "%s", first);
}

/* What the index keeps of a message whose header block is p; fallback_date
 * (the delivery time) stands in for a missing or unreadable Date. */
void maildir_meta_parse(struct maildir *md, const char *p, size_t len, time_t fallback_date,
			struct meta *m)
{
	struct raw_headers h;

	memset(m, 0, sizeof(*m));
	m->date = fallback_date;
	scan_headers(p, len, &h);
	if (h.subject)
		decode_text(md, h.subject, m->subject, sizeof(m->subject));
	if (h.from)
		decode_from(md, h.from, m);
	if (h.to)
		decode_to(md, h.to, m);
	if (h.date) {
		GDateTime *dt = g_mime_utils_header_decode_date(h.date);
		if (dt) {
			m->date = (time_t)g_date_time_to_unix(dt);
			g_date_time_unref(dt);
		}
	}
	/* "Has an attachment" is guessed from the top-level type alone, as
	 * many clients do: multipart/mixed nearly always carries files, while
	 * text with an HTML alternative is multipart/alternative. Reading
	 * bodies to be exact would make listing a new folder read every byte. */
	if (h.content_type) {
		GMimeContentType *ct = g_mime_content_type_parse(md->options, h.content_type);
		if (ct) {
			m->attachment = g_mime_content_type_is_type(ct, "multipart", "mixed");
			g_object_unref(ct);
		}
	}
	if (h.message_id)
		maildir_thread_ids(h.message_id, 1, m->msgid, sizeof(m->msgid));
	maildir_thread_refs(h.references, h.in_reply_to, m->refs, sizeof(m->refs));
	raw_headers_free(&h);
}

/* Reads the headers of the message at path. Returns 1 when the file is gone
 * (moved or deleted by another program meanwhile) or is not a regular file. */
int maildir_meta_read(struct maildir *md, const char *path, char *buf, struct meta *m, long *size)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 1;
	}
	ssize_t n = read_header_block(fd, buf, HEADER_MAX);
	close(fd);
	if (n < 0)
		return 1;
	maildir_meta_parse(md, buf, (size_t)n, sb.st_mtim.tv_sec, m);
	*size = (long)sb.st_size;
	return 0;
}

/* The key a text sorts by: case-folded and normalised, and for subjects
 * without the "Re:" and "Fwd:" that replies put in front. Free with g_free. */
char *maildir_meta_sort_key(const char *text, int subject)
{
	static const char *const prefixes[] = { "re:", "fwd:", "fw:" };
	int again = subject;
	while (again) {
		again = 0;
		text += strspn(text, " ");
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t n = strlen(prefixes[i]);
			if (strncasecmp(text, prefixes[i], n) == 0) {
				text += n;
				again = 1;
			}
		}
	}
	char *folded = g_utf8_casefold(text, -1);
	char *key = g_utf8_normalize(folded, -1, G_NORMALIZE_ALL);
	g_free(folded);
	return key ? key : g_strdup("");
}
