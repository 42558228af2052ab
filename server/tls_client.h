/* tls_client.h - client certificates on HTTPS connections. The listener's own
 * key and certificate come from the decision (config_check_tls). */
#ifndef WEBMSGD_TLS_CLIENT_H
#define WEBMSGD_TLS_CLIENT_H

#include <microhttpd.h>

/* The verified client certificate's subject and e-mail, when there is one. */
struct client_identity {
	int verified;
	char subject[512];
	char email[256];
};
void tls_client_identity(struct MHD_Connection *conn, struct client_identity *id);

/* For client_auth=required, as a connection starts (before its handshake):
 * ask for a certificate and fail the handshake without one that verifies. */
void tls_require_client_cert(struct MHD_Connection *conn);

#endif
