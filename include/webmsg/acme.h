/* acme.h - certificates from an ACME CA (RFC 8555, Let's Encrypt and others):
 * the client that webmsg-admin runs (acme.c, acme_jws.c, acme_problem.c) and
 * the http-01 challenge files that webmsgd serves (acme_challenge.c). */
#ifndef WEBMSG_ACME_H
#define WEBMSG_ACME_H

#include <stddef.h>
#include <time.h>

#include "tls_material.h"

struct err;
struct config_snapshot;
struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

#define ACME_LETSENCRYPT "https://acme-v02.api.letsencrypt.org/directory"
#define ACME_LETSENCRYPT_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"

/* The account key in the key store: EC P-256 (ES256), encrypted with the
 * key store's password as the server key is, mode 0600. */
#define ACME_ACCOUNT_KEY "acme-account.key"

/* Where the challenge files are: <the database's folder>/acme-challenge. */
#define ACME_CHALLENGE_DIR "acme-challenge"
#define ACME_CHALLENGE_PATH "/.well-known/acme-challenge/"
/* A token is base64url of at least 128 bits (RFC 8555 section 8.3). */
#define ACME_TOKEN_MAX 128
/* A key authorization: token "." base64url(SHA-256 thumbprint). */
#define ACME_KEYAUTH_MAX (ACME_TOKEN_MAX + 64)
#define ACME_MAX_DOMAINS TLS_MAX_SANS

/* acme_challenge.c: what both programs agree on. */
int acme_challenge_dir(const struct config_snapshot *cfg, char *out, size_t outlen,
		       struct err *e);
/* 1 when token is a plain base64url word of 1..ACME_TOKEN_MAX characters
 * (nothing that could name another file), else 0. */
int acme_token_ok(const char *token);
/* Makes the folder (0755: the worker reads it as service.user; key
 * authorizations are public by design) and writes token's file (0644)
 * whole under a temporary name first. */
int acme_challenge_put(const char *dir, const char *token, const char *keyauth, struct err *e);
void acme_challenge_remove(const char *dir, const char *token);
/* Reads token's file into out (NUL-terminated): 0, or -1 when there is none
 * (not a regular file, too long, or the token is not one). */
int acme_challenge_read(const char *dir, const char *token, char *out, size_t outlen);

/* acme_jws.c: base64url (no padding) and the JSON Web Signatures. */
int acme_b64url(const unsigned char *in, size_t inlen, char *out, size_t outlen);
/* The key's JWK with its members in the order RFC 7638 hashes them, and its
 * thumbprint (base64url of SHA-256 of that JWK). EC P-256 keys only. */
int acme_jwk(struct evp_pkey_st *key, char *out, size_t outlen, struct err *e);
int acme_jwk_thumbprint(struct evp_pkey_st *key, char *out, size_t outlen, struct err *e);
/* A flattened JWS (RFC 7515) signed ES256: the protected header names kid
 * when not NULL, else the key's jwk. payload NULL: POST-as-GET (""). The
 * result is malloc'd (free it). */
int acme_jws(struct evp_pkey_st *key, const char *kid, const char *nonce, const char *url,
	     const char *payload, char **out, struct err *e);

/* acme_problem.c: an error document (RFC 8555 section 6.7) in plain words.
 * type is "urn:ietf:params:acme:error:NAME" (or NULL), detail the CA's own
 * text; http_port is webmsgd's HTTP port for the hint about forwarding, and
 * url the challenge's address when known (else NULL). */
void acme_problem_text(const char *type, const char *detail, const char *url, long http_port,
		       char *out, size_t outlen);

/* acme.c: the client. */
struct acme_order {
	const char *directory;  /* the directory's URL */
	const char *ca_file;    /* PEM for the directory's TLS, or NULL: the system's */
	const char *email;      /* contact; may be NULL */
	const char *domains[ACME_MAX_DOMAINS];
	size_t ndomains;
	enum tls_key_type key_type; /* of the certificate: EC P-256 or RSA 2048 */
	int agree_tos;          /* the operator agreed to the CA's terms of service */
	const char *keystore;   /* holds the account key */
	const char *password;   /* encrypts the account key and the new key */
	const char *challenge_dir;
	long http_port;         /* for messages */
	long timeout;           /* seconds for each request; also bounds each wait */
	/* Called with a line on what is being done (may be NULL). */
	void (*progress)(const char *line, void *arg);
	void *arg;
};

/* Runs the whole order: account, new order, http-01 challenges answered
 * through challenge_dir (removed afterwards), finalize with a CSR from a
 * fresh key, the certificate chain. Nothing in the key store changes but
 * the account key, made on first use. On success *chain_pem holds the
 * certificate and its chain, *key_pem the new key encrypted with the
 * password (both malloc'd; free them). */
int acme_issue(const struct acme_order *o, char **chain_pem, char **key_pem, struct err *e);

/* Reads the directory: *terms gets the address of the CA's terms of service
 * (escaped for a terminal), "" when it has none. */
int acme_directory_terms(const struct acme_order *o, char *terms, size_t len, struct err *e);

/* Whether a certificate is due for renewal: two thirds of its lifetime
 * passed. *due_at (when not NULL) gets when it is or was due. */
int acme_renewal_due(const char *cert_file, time_t now, int *due, time_t *due_at,
		     struct err *e);
/* The CA's suggested renewal window for the certificate (ARI, RFC 9773)
 * when its directory offers renewalInfo: 1 with *start and *end set, 0 when
 * it offers none, -1 when asking failed. */
int acme_renewal_info(const struct acme_order *o, const char *cert_file, time_t *start,
		      time_t *end, struct err *e);
/* The certificate's ARI identifier (RFC 9773 section 4.1): base64url of its
 * authority key identifier, ".", base64url of its serial's DER bytes. */
int acme_ari_cert_id(const char *cert_file, char *out, size_t outlen, struct err *e);

/* acme_renewal.c: when to renew, and failed renewals remembered in a small
 * file beside the database (0600): attempts, when the last one failed, why. */
#define ACME_RENEWAL_STATE "acme-renewal.state"
#define ACME_RETRY_FIRST 3600    /* after a failure, 1 h, then 2 h, 4 h ... */
#define ACME_RETRY_MAX 86400     /* ... at most a day */
#define ACME_RENEW_TIMER "webmsg-acme-renew.timer"
struct acme_renewal {
	int failures;        /* failed attempts since the last success */
	time_t last_failure; /* 0: none */
	char reason[512];    /* of the last failure, one line, safe to print */
};
int acme_renewal_path(const struct config_snapshot *cfg, char *out, size_t outlen,
		      struct err *e);
/* A missing record reads as no failure. */
int acme_renewal_read(const char *path, struct acme_renewal *r, struct err *e);
int acme_renewal_failed(const char *path, time_t now, const char *reason, struct err *e);
/* After a success: the record is removed. */
int acme_renewal_clear(const char *path, struct err *e);
/* Not before this may the next attempt run (0 when nothing failed). */
time_t acme_renewal_next_try(const struct acme_renewal *r);
/* When to renew: a point at fraction [0, 1) of the CA's ARI window when
 * there is one (ari_start > 0), else two thirds of the lifetime. */
time_t acme_renewal_window_at(time_t not_before, time_t not_after, time_t ari_start,
			      time_t ari_end, double fraction);
/* The certificate's validity, read from a PEM file. */
int acme_cert_dates(const char *cert_file, time_t *not_before, time_t *not_after,
		    struct err *e);

#endif
