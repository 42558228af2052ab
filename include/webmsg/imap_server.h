/* imap_server.h - the IMAP server's address and TLS mode as the settings
 * mail.imap_server and mail.imap_tls give them: one parser, used by the
 * settings' checks, the configuration check and the IMAP mail store alike. */
#ifndef WEBMSG_IMAP_SERVER_H
#define WEBMSG_IMAP_SERVER_H

#include <stddef.h>

struct err;

enum imap_tls { IMAP_TLS_IMPLICIT, IMAP_TLS_STARTTLS, IMAP_TLS_NONE };

#define IMAP_HOST_MAX 256

/* "implicit", "starttls" or "none". */
int imap_server_tls_parse(const char *s, enum imap_tls *out, struct err *e);
/* host:port, [v6]:port or a bare host (the port then 993 for implicit TLS,
 * 143 otherwise): host gets the name or address without brackets. */
int imap_server_parse(const char *s, enum imap_tls tls, char host[IMAP_HOST_MAX],
		      unsigned *port, struct err *e);
/* 1 when host is this machine: localhost, 127.0.0.0/8 or ::1, where a
 * connection without TLS is allowed. */
int imap_server_loopback(const char *host);
/* The addresses of host as numbers, separated by spaces ("192.0.2.7
 * 2001:db8::7"), at most IMAP_ADDRS_MAX in getaddrinfo's order (DNS, the
 * hosts file): the parent resolves mail.imap_server at each start and
 * reload and hands them to the workers, whose sandbox allows no lookup; the
 * name stays for the certificate's check. An address resolves to itself. */
#define IMAP_ADDRS_MAX 8
#define IMAP_ADDRS_LEN (IMAP_ADDRS_MAX * 48)
int imap_server_resolve(const char *host, char out[IMAP_ADDRS_LEN], struct err *e);

#endif
