/* address.h - e-mail addresses: one place that splits "local@domain" and
 * parses the lists of recipients a user types ("Ann <a@x.org>, Team: b@y.org;"),
 * for the compose page, delivery, the outbox and the user accounts. */
#ifndef WEBMSG_ADDRESS_H
#define WEBMSG_ADDRESS_H

#include <stddef.h>

struct err;

/* Splits a bare address at its last '@' (a quoted local part may hold
 * another) into bounded copies of both sides. -1 when there is no '@', a
 * side is empty, or a side does not fit: never a cut address. */
int address_split(const char *address, char *local, size_t locallen, char *domain,
		  size_t domainlen, struct err *e);

/* The domain of a bare address (after its last '@'), borrowed from it; NULL
 * when there is none. */
const char *address_domain(const char *address);

/* 1 when a bare address can be sent to: something before and after its
 * last '@', and no blank, control character or DEL anywhere (UTF-8 local
 * parts and domains are allowed). */
int address_ok(const char *address);

/* 1 when address is one to send from as it is, in a From header and in
 * MAIL FROM: one '@', a dot-atom local part (letters, digits,
 * !#$%&'*+-/=?^_`{|}~ and UTF-8, dots only between them) and a host name
 * (letters, digits, '-' and UTF-8 labels between single dots). No quotes,
 * commas, angle brackets or blanks: nothing that makes a second mailbox. */
int address_sender_ok(const char *address);

/* Parses a list of recipients as a user typed it (or NULL): mailboxes with
 * or without display names, quotes, comments and groups, separated by
 * commas or semicolons. Line breaks count as spaces. An address that does not
 * parse is an error naming it, never dropped. Calls fn (may be NULL) with
 * each bare address, groups' members included; returns their count. */
int address_list_parse(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		       struct err *e);

#endif
