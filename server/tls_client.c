/* tls_client.c - client certificates on the connections of the HTTPS
 * listener: asking for one, and who it says the client is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "tls_client.h"

static gnutls_session_t tls_session(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

void tls_require_client_cert(struct MHD_Connection *conn)
{
	gnutls_session_t s = tls_session(conn);
	if (!s)
		return;
	gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	/* Verified against the trust list during the handshake itself. */
	gnutls_session_set_verify_cert(s, NULL, 0);
}

void tls_client_identity(struct MHD_Connection *conn, struct client_identity *id)
{
	gnutls_session_t s = tls_session(conn);
	unsigned status = 0, n = 0;
	memset(id, 0, sizeof(*id));
	if (!s || gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0)
		return;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
	gnutls_x509_crt_t crt;
	if (!peers || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0) {
		size_t len = sizeof(id->subject);
		if (gnutls_x509_crt_get_dn(crt, id->subject, &len) == 0)
			id->verified = 1;
		len = sizeof(id->email);
		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_PKCS9_EMAIL, 0, 0, id->email,
						  &len) < 0) {
			/* Or the first e-mail alternative name. */
			len = sizeof(id->email);
			unsigned type;
			for (unsigned i = 0;; i++) {
				len = sizeof(id->email);
				int rc = gnutls_x509_crt_get_subject_alt_name2(crt, i, id->email, &len,
									       &type, NULL);
				if (rc < 0) {
					id->email[0] = '\0';
					break;
				}
				if (rc == GNUTLS_SAN_RFC822NAME)
					break;
			}
		}
	}
	gnutls_x509_crt_deinit(crt);
}
