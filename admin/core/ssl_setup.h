/* ssl_setup.h - the steps of setting up SSL that the ssl commands and the
 * console's SSL configuration wizard share: the key store, the key's
 * password, making a key with a certificate or a request, and client
 * authentication. None of them prints; messages say what to fix. */
#ifndef WEBMSG_ADMIN_SSL_SETUP_H
#define WEBMSG_ADMIN_SSL_SETUP_H

#include <stddef.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/tls_material.h"

struct db;
struct err;
struct tls_request;
struct tls_subject;

/* dir must be an existing folder we can write to; out (PATH_MAX) gets its absolute path. */
int ssl_setup_keystore(const char *dir, char *out, struct err *e);

/* A key password typed or read from a file: the length rule of every
 * password (PASSWORD_MIN) up to TLS_PASSWORD_MAX, no control characters. */
int ssl_setup_check_password(const char *given, struct err *e);

/* The key's password: given (typed, or read from a file) when not NULL, else
 * the one stored, else a new random one. *is_new: it is not the stored one,
 * so it has to be stored with the key. */
int ssl_setup_key_password(const struct config_snapshot *cfg, const char *given, char *out,
			   size_t outlen, int *is_new, struct err *e);

/* Makes a key in keystore and either a self-signed certificate (server.key,
 * server.crt) or a request for a CA (request.key, request.csr; *pem_out, when
 * not NULL, gets the request to free). Existing files are kept as .bak with
 * force and refused without it. */
int ssl_setup_make_key(const char *keystore, const struct tls_request *req, int selfsigned,
		       int force, char **pem_out, struct err *e);

/* Adds the names in list, separated by commas (blanks around each are
 * dropped, blanks inside one refused), to the subject's alternative names. */
int ssl_setup_parse_sans(const char *list, struct tls_subject *s, struct err *e);

/* The changes that set client authentication to mode (none|optional|required)
 * with the CA file ca (NULL: keep the one set), its path made absolute.
 * Whether the mode has a readable CA file is decided when they are saved.
 * changes gets 1 or 2 entries (*n); their values point into mode and ca_buf
 * (PATH_MAX). */
int ssl_setup_client_auth(const char *mode, const char *ca, struct config_change changes[2],
			  size_t *n, char *ca_buf, struct err *e);

/* The certificate HTTPS presents with cfg (ssl.cert_file, or the key store's
 * server.crt) and what a successor would start from. */
struct ssl_setup_current {
	char cert[PATH_MAX];
	/* Its subject and names; the common name is left out of the names, as
	 * it is added to them again when a certificate is made. */
	struct tls_subject subject;
	/* It can be kept: its key is there, decrypts with the stored password
	 * and matches it, and it is valid now (tls_check_pair, as the decision). */
	int usable;
	char why_not[ERR_MSG_MAX]; /* when not usable */
};

/* -1 (with the reason) when there is no certificate to read. */
int ssl_setup_current(const struct config_snapshot *cfg, struct ssl_setup_current *cur,
		      struct err *e);

/* "a.example, 192.0.2.1": the names of s, as ssl_setup_parse_sans reads them. */
void ssl_setup_format_sans(const struct tls_subject *s, char *out, size_t outlen);

#endif
