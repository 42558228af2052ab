/* address.c - e-mail addresses: "local@domain" split in one place, and the
 * lists of recipients a user types, parsed with GMime and checked mailbox by
 * mailbox (what the compose page, delivery and the outbox rely on). */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "webmsg/address.h"
#include "webmsg/err.h"
#include "mime_private.h"

/* A list being parsed into one InternetAddressList. */
struct list_parse {
	GMimeParserOptions *options;
	InternetAddressList *into;
	struct err *e;
};

int address_split(const char *address, char *local, size_t locallen, char *domain,
		  size_t domainlen, struct err *e)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	if (!at || at == address || !at[1])
		return err_set(e, "'%s' is not an e-mail address of the form name@domain",
			       address ? address : "");
	size_t n = (size_t)(at - address);
	if (n >= locallen || strlen(at + 1) >= domainlen)
		return err_set(e, "the e-mail address '%s' is too long", address);
	memcpy(local, address, n);
	local[n] = '\0';
	memcpy(domain, at + 1, strlen(at + 1) + 1);
	return 0;
}

const char *address_domain(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	return at && at[1] ? at + 1 : NULL;
}

int address_ok(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	if (!at || at == address || !at[1])
		return 0;
	for (const char *p = address; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* A run of dot-separated non-empty parts of the bytes ok takes (and UTF-8). */
static int dotted(const char *p, const char *end, int (*ok)(unsigned char c))
{
	if (p == end || *p == '.' || end[-1] == '.')
		return 0;
	for (; p < end; p++)
		if (*p == '.' ? p[1] == '.' : !((unsigned char)*p >= 0x80 || ok((unsigned char)*p)))
			return 0;
	return 1;
}

static int atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

int address_sender_ok(const char *address)
{
	const char *at = address ? strchr(address, '@') : NULL;
	return at && !strchr(at + 1, '@') && dotted(address, at, atext) &&
	       dotted(at + 1, at + strlen(at), label_char);
}

static int mailbox_ok(InternetAddressMailbox *mb)
{
	return address_ok(internet_address_mailbox_get_addr(mb));
}

/* Whether every mailbox of a list (and of its groups) has a full address. */
static int list_ok(InternetAddressList *l, int depth)
{
	int n = internet_address_list_length(l);
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			if (!mailbox_ok(INTERNET_ADDRESS_MAILBOX(a)))
				return 0;
		} else if (depth > 0 ||
			   !list_ok(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
				    depth + 1)) {
			return 0;
		}
	}
	return 1;
}

/* Parses one address (or group) as typed into the list. */
static int parse_one(const char *one, struct list_parse *lp)
{
	InternetAddressList *l = internet_address_list_parse(lp->options, one);
	if (!l || internet_address_list_length(l) == 0 || !list_ok(l, 0)) {
		if (l)
			g_object_unref(l);
		return err_set(lp->e, "'%s' is not an e-mail address", one);
	}
	internet_address_list_append(lp->into, l);
	g_object_unref(l);
	return 0;
}

/* Parses a list as typed, one address at a time: GMime skips what it cannot
 * parse within a list, and a recipient must never be dropped silently. The
 * list is split at the commas and semicolons that separate addresses, not
 * those within quotes, <>, comments or a group ("Team: a@x.org, b@y.org;"). */
static int split_list(const char *typed, struct list_parse *lp)
{
	const char *start = typed;
	int quote = 0, angle = 0, comment = 0, group = 0;
	for (const char *p = start;; p++) {
		char ch = *p;
		int cut = 0;
		if (ch == '\0') {
			cut = 1;
		} else if (quote || comment) {
			if (ch == '\\' && p[1])
				p++;
			else if (quote && ch == '"')
				quote = 0;
			else if (comment && ch == '(')
				comment++;
			else if (comment && ch == ')')
				comment--;
		} else if (ch == '"') {
			quote = 1;
		} else if (ch == '(') {
			comment = 1;
		} else if (ch == '<') {
			angle = 1;
		} else if (ch == '>') {
			angle = 0;
		} else if (angle) {
			continue;
		} else if (ch == ':') {
			group = 1;
		} else if (ch == ';') {
			cut = group ? 2 : 1; /* 2: the ';' ends a group and belongs to it */
			group = 0;
		} else if (ch == ',' && !group) {
			cut = 1;
		}
		if (!cut)
			continue;
		const char *end = cut == 2 ? p + 1 : p;
		while (start < end && g_ascii_isspace(*start))
			start++;
		while (end > start && g_ascii_isspace(end[-1]))
			end--;
		if (end > start) {
			char *one = g_strndup(start, (gsize)(end - start));
			int rc = parse_one(one, lp);
			g_free(one);
			if (rc < 0)
				return -1;
		}
		if (ch == '\0')
			return 0;
		start = p + 1;
	}
}

int address_list_into(const char *list, GMimeParserOptions *options, InternetAddressList *into,
		      struct err *e)
{
	struct list_parse lp = { options, into, e };
	/* line breaks typed or pasted into a field are spaces, never new headers */
	char *typed = mime_text_clean_line(list);
	if (!typed)
		return err_set(e, "out of memory");
	int rc = split_list(typed, &lp);
	free(typed);
	return rc;
}

static int each_mailbox(InternetAddressList *l, void (*fn)(const char *, void *), void *arg)
{
	int n = internet_address_list_length(l), count = 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			count += each_mailbox(internet_address_group_get_members(
						      INTERNET_ADDRESS_GROUP(a)),
					      fn, arg);
			continue;
		}
		if (fn)
			fn(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), arg);
		count++;
	}
	return count;
}

int address_list_parse(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		       struct err *e)
{
	GMimeParserOptions *options = mime_parse_options_new();
	InternetAddressList *into = internet_address_list_new();
	int rc = address_list_into(list, options, into, e);
	if (rc == 0)
		rc = each_mailbox(into, fn, arg);
	g_object_unref(into);
	g_mime_parser_options_free(options);
	return rc;
}
