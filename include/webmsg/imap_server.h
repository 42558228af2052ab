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
/* 1 when the workers can find host without DNS, which their sandbox does
 * not allow: an address, or a name in the hosts file (/etc/hosts). */
int imap_server_found_without_dns(const char *host, const char *hosts_file);

#endif
