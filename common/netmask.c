/* netmask.c - lists of IP addresses and networks, and the client address
 * behind trusted proxies (X-Forwarded-For read from the right). */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/netmask.h"

/* INET6_ADDRSTRLEN plus "/128" and some room for what is not an address. */
#define ENTRY_MAX 64

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An address as family and bytes; IPv4-mapped IPv6 becomes IPv4. */
static int address_of(const char *text, int *family, unsigned char addr[16])
{
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) != 1)
		return -1;
	*family = AF_INET6;
	if (memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		memmove(addr, addr + 12, 4);
		*family = AF_INET;
	}
	return 0;
}

static int parse_one(const char *entry, struct netmask *m, struct err *e)
{
	char text[ENTRY_MAX];
	snprintf(text, sizeof(text), "%s", entry);
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (address_of(text, &m->family, m->addr) < 0)
		return err_set(e, "'%s' is not an IP address or network (address/bits)", entry);
	int written_v6 = strchr(text, ':') != NULL, max = written_v6 ? 128 : 32;
	long bits = max;
	if (slash) {
		char *end;
		bits = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || bits < 0 || bits > max)
			return err_set(e, "'%s': the prefix length must be 0 to %d", entry, max);
	}
	/* ::ffff:10.0.0.0/104 is 10.0.0.0/8. */
	if (m->family == AF_INET && written_v6) {
		if (bits < 96)
			return err_set(e, "'%s': an IPv4 network written as IPv6 needs a prefix "
					  "of 96 bits or more", entry);
		bits -= 96;
	}
	m->bits = (int)bits;
	return 0;
}

int netmask_list_parse(const char *text, struct netmask_list *out, struct err *e)
{
	out->n = 0;
	const char *p = text ? text : "";
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		size_t len = strcspn(p, ", \t\r\n");
		char entry[ENTRY_MAX];
		if (len >= sizeof(entry))
			return err_set(e, "'%.40s...' is not an IP address or network", p);
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (out->n == NETMASK_MAX)
			return err_set(e, "at most %d addresses or networks", NETMASK_MAX);
		if (parse_one(entry, &out->m[out->n], e) < 0)
			return -1;
		out->n++;
		p += len;
	}
}

static int has(const struct netmask_list *l, int family, const unsigned char *addr)
{
	for (size_t i = 0; l && i < l->n; i++) {
		const struct netmask *m = &l->m[i];
		if (m->family != family)
			continue;
		int whole = m->bits / 8, rest = m->bits % 8;
		if (memcmp(m->addr, addr, (size_t)whole) != 0)
			continue;
		if (rest) {
			unsigned char mask = (unsigned char)(0xff << (8 - rest));
			if ((m->addr[whole] & mask) != (addr[whole] & mask))
				continue;
		}
		return 1;
	}
	return 0;
}

int netmask_list_has(const struct netmask_list *l, const struct sockaddr *sa)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET)
		return has(l, AF_INET, (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return 0;
	const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a, v4_mapped, sizeof(v4_mapped)) == 0)
		return has(l, AF_INET, a + 12);
	return has(l, AF_INET6, a);
}

int netmask_list_has_text(const struct netmask_list *l, const char *ip)
{
	int family;
	unsigned char addr[16];
	return address_of(ip, &family, addr) == 0 && has(l, family, addr);
}

/* The entry of list that ends at end (exclusive), trimmed, into out;
 * returns where it starts. */
static const char *entry_before(const char *list, const char *end, char *out, size_t outlen)
{
	const char *start = end;
	while (start > list && start[-1] != ',')
		start--;
	const char *s = start, *t = end;
	while (s < t && isspace((unsigned char)*s))
		s++;
	while (t > s && isspace((unsigned char)t[-1]))
		t--;
	size_t n = (size_t)(t - s);
	if (n >= outlen)
		n = 0; /* too long to be an address: read as none */
	memcpy(out, s, n);
	out[n] = '\0';
	return start;
}

void netmask_forwarded_client(const struct netmask_list *trusted, const char *peer,
			      const char *forwarded, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", peer);
	if (!forwarded || !trusted || trusted->n == 0 || !netmask_list_has_text(trusted, peer))
		return;
	const char *end = forwarded + strlen(forwarded);
	while (end > forwarded) {
		char entry[ENTRY_MAX];
		const char *start = entry_before(forwarded, end, entry, sizeof(entry));
		int family;
		unsigned char addr[16];
		if (address_of(entry, &family, addr) < 0)
			return; /* the last proxy passed (or the peer) is what is known */
		char text[INET6_ADDRSTRLEN];
		inet_ntop(family, addr, text, sizeof(text));
		snprintf(out, outlen, "%s", text);
		if (!has(trusted, family, addr))
			return;
		end = start > forwarded ? start - 1 : forwarded;
	}
}
