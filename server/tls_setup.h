/* tls_setup.h - the TLS material one generation's HTTPS listener starts with,
 * read and checked in full before anything is swapped in. */
#ifndef WEBMSGD_TLS_SETUP_H
#define WEBMSGD_TLS_SETUP_H

#include <microhttpd.h>

#include "webmsg/ssl_config.h"

struct config_snapshot;
struct err;

struct tls_setup {
	char *cert_pem;   /* the certificate followed by its chain */
	char *key_pem;
	char *trust_pem;  /* client CAs, or NULL */
	const char *password; /* borrowed from the snapshot */
	const char *priority; /* borrowed from the snapshot or the profile table */
	enum client_auth client_auth;
};

/* Reads the files check_config has checked. Failures read "SSL initialisation
 * failed: <what to fix>". */
int tls_setup_load(const struct config_snapshot *cfg, struct tls_setup *t, struct err *e);
void tls_setup_free(struct tls_setup *t);

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
