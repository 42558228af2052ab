/* tls_setup.c - loading certificates and keys for the HTTPS listener, and
 * client certificates on its connections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "tls_setup.h"
#include "webmsg/buf.h"
#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

#define PEM_MAX (1 << 20)

static int read_pem(const char *path, const char *what, struct buf *b, struct err *e)
{
	FILE *f = fopen(path, "re");
	char chunk[4096];
	size_t n;
	if (!f)
		return err_sys(e, "cannot read the %s %s", what, path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	if (b->failed)
		return err_set(e, "the %s %s is larger than 1 MiB", what, path);
	return 0;
}

static char *steal(struct buf *b)
{
	return buf_steal(b, NULL);
}

int tls_setup_load(const struct config_snapshot *cfg, struct tls_setup *t, struct err *e)
{
	struct ssl_paths p;
	struct buf cert, key, trust;

	memset(t, 0, sizeof(*t));
	buf_init(&cert, PEM_MAX);
	buf_init(&key, PEM_MAX);
	buf_init(&trust, PEM_MAX);
	t->password = config_str(cfg, SET_SSL_KEY_PASSWORD);
	t->client_auth = ssl_config_client_auth(cfg);
	/* check_config has checked all of it (MHD would only say it did not start). */
	if (ssl_config_paths(cfg, &p, e) < 0 ||
	    cipher_profile_priority(config_str(cfg, SET_SSL_CIPHER_PROFILE),
				    config_str(cfg, SET_SSL_PRIORITY), &t->priority, e) < 0 ||
	    read_pem(p.cert, "certificate", &cert, e) < 0 || read_pem(p.key, "key", &key, e) < 0)
		goto fail;
	if (p.chain[0]) {
		buf_puts(&cert, "\n");
		if (read_pem(p.chain, "chain file", &cert, e) < 0)
			goto fail;
	}
	if (t->client_auth != CLIENT_AUTH_NONE) {
		if (read_pem(p.client_ca, "client CA file", &trust, e) < 0)
			goto fail;
		t->trust_pem = steal(&trust);
	}
	t->cert_pem = steal(&cert);
	t->key_pem = steal(&key);
	return 0;
fail:
	buf_free(&cert);
	buf_free(&key);
	buf_free(&trust);
	tls_setup_free(t);
	return err_prefix(e, "SSL initialisation failed");
}

void tls_setup_free(struct tls_setup *t)
{
	if (t->key_pem) /* a private key: leave nothing of it in freed memory */
		explicit_bzero(t->key_pem, strlen(t->key_pem));
	free(t->cert_pem);
	free(t->key_pem);
	free(t->trust_pem);
	t->cert_pem = t->key_pem = t->trust_pem = NULL;
}

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
