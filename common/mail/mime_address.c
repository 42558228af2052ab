/* mime_address.c - lists of recipients as a user types them, parsed with
 * GMime and checked mailbox by mailbox. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/mime.h"
#include "webmsg/mime_scan.h"
#include "mime_private.h"

/* ---- Addresses ---- */

static int mailbox_ok(InternetAddressMailbox *mb)
{
	const char *addr = internet_address_mailbox_get_addr(mb);
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1])
		return 0;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
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

/* Parses a list as the user typed it (or NULL) into lp->into. */
int mime_address_parse_list(const char *list, struct list_parse *lp)
{
	/* line breaks typed or pasted into a field are spaces, never new headers */
	char *typed = mime_text_clean_line(list);
	if (!typed)
		return err_set(lp->e, "out of memory");
	int rc = split_list(typed, lp);
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

int mime_addresses(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		   struct err *e)
{
	struct list_parse lp = { mime_parse_options_new(), internet_address_list_new(), e };
	int rc = mime_address_parse_list(list, &lp);
	if (rc == 0)
		rc = each_mailbox(lp.into, fn, arg);
	g_object_unref(lp.into);
	g_mime_parser_options_free(lp.options);
	return rc;
}
