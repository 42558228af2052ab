/* netmask.h - lists of IP addresses and networks ("192.0.2.10, 10.0.0.0/8,
 * 2001:db8::/32"), as web.trusted_proxies names the proxies in front of
 * webmsgd, and the client address a request came from through them. */
#ifndef WEBMSG_NETMASK_H
#define WEBMSG_NETMASK_H

#include <stddef.h>
#include <sys/socket.h>

struct err;

#define NETMASK_MAX 32 /* networks in one list */

struct netmask {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct netmask_list {
	size_t n;
	struct netmask m[NETMASK_MAX];
};

/* Parses text: addresses or networks (address/bits), separated by commas
 * or blanks; empty text is an empty list. -1 with what is wrong. */
int netmask_list_parse(const char *text, struct netmask_list *out, struct err *e);

/* Whether the address (sockaddr, or text) is in the list. An IPv4 address
 * written as IPv6 (::ffff:192.0.2.1, as a dual-stack socket reports it)
 * counts as the IPv4 one. Text that is no address is in no list. */
int netmask_list_has(const struct netmask_list *l, const struct sockaddr *sa);
int netmask_list_has_text(const struct netmask_list *l, const char *ip);

/* The client behind trusted proxies: peer is the address the connection
 * came from (text) and forwarded the X-Forwarded-For values (comma
 * separated, oldest first; NULL or "" when none). When the peer is a
 * trusted proxy, the client is the last address of forwarded that is not
 * one, read from the right, as each proxy appends the address it got the
 * request from; anything before it may be forged by the client and is never
 * read. A peer that is not trusted is the client, whatever it sent. An entry
 * that is no address ends the walk at the last proxy passed. */
void netmask_forwarded_client(const struct netmask_list *trusted, const char *peer,
			      const char *forwarded, char *out, size_t outlen);

#endif
