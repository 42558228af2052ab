/* imap_server.c - parses mail.imap_server and mail.imap_tls, and resolves
 * the server's name (no IMAP library needed: the settings check them in
 * every build). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/err.h"
#include "webmsg/imap_server.h"

int imap_server_tls_parse(const char *s, enum imap_tls *out, struct err *e)
{
	if (strcmp(s, "implicit") == 0)
		*out = IMAP_TLS_IMPLICIT;
	else if (strcmp(s, "starttls") == 0)
		*out = IMAP_TLS_STARTTLS;
	else if (strcmp(s, "none") == 0)
		*out = IMAP_TLS_NONE;
	else
		return err_set(e, "'%s' is not implicit, starttls or none", s);
	return 0;
}

int imap_server_parse(const char *s, enum imap_tls tls, char host_out[IMAP_HOST_MAX],
		      unsigned *port_out, struct err *e)
{
	const char *host = s, *colon = NULL;
	size_t hostlen;
	long port = tls == IMAP_TLS_IMPLICIT ? 993 : 143;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return err_set(e, "'%s' is not host:port ([address]:port for IPv6)", s);
		host = s + 1;
		hostlen = (size_t)(close - host);
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return err_set(e, "'%s': write an IPv6 address in brackets, [::1]:993", s);
		hostlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hostlen == 0 || hostlen >= IMAP_HOST_MAX)
		return err_set(e, "'%s' names no mail server (host:port)", s);
	for (size_t i = 0; i < hostlen; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == ':'))
			return err_set(e, "'%.*s' is not a host name or address", (int)hostlen,
				       host);
	}
	if (colon) {
		char *end;
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
			return err_set(e, "'%s': the port is a number from 1 to 65535", s);
	}
	memcpy(host_out, host, hostlen);
	host_out[hostlen] = '\0';
	*port_out = (unsigned)port;
	return 0;
}

int imap_server_resolve(const char *host, char out[IMAP_ADDRS_LEN], struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	size_t len = 0, n = 0;
	int rc;

	out[0] = '\0';
	if (!host[0])
		return err_set(e, "no host name");
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return err_set(e, "%s cannot be resolved: %s", host,
			       rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	for (struct addrinfo *ai = res; ai && n < IMAP_ADDRS_MAX; ai = ai->ai_next) {
		char num[INET6_ADDRSTRLEN];
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num), NULL, 0,
				NI_NUMERICHOST) != 0)
			continue;
		/* The same address again (another protocol's answer): once. */
		int seen = 0;
		for (const char *p = out; *p && !seen; p += strcspn(p, " "), p += *p == ' ') {
			size_t l = strcspn(p, " ");
			seen = l == strlen(num) && strncmp(p, num, l) == 0;
		}
		if (seen)
			continue;
		int w = snprintf(out + len, IMAP_ADDRS_LEN - len, "%s%s", len ? " " : "", num);
		if (w < 0 || (size_t)w >= IMAP_ADDRS_LEN - len) {
			out[len] = '\0';
			break;
		}
		len += (size_t)w;
		n++;
	}
	freeaddrinfo(res);
	if (!n)
		return err_set(e, "%s has no IPv4 or IPv6 address", host);
	return 0;
}

int imap_server_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}
