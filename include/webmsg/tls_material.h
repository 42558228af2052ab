/* tls_material.h - keys, certificates and certificate requests in the key
 * store (OpenSSL). Files are PEM, as Apache and nginx read them: the private
 * key is encrypted PKCS#8 (AES-256, PBKDF2) and its password lives in the
 * configuration. Every file written here is mode 0600. */
#ifndef WEBMSG_TLS_MATERIAL_H
#define WEBMSG_TLS_MATERIAL_H

#include <stddef.h>
#include <time.h>

struct err;

/* The key store's file names. A request for a CA gets its own key, which
 * becomes the server key only when the CA's certificate is imported. */
#define TLS_SERVER_KEY "server.key"
#define TLS_SERVER_CERT "server.crt"
#define TLS_SERVER_CHAIN "chain.crt"
#define TLS_REQUEST_KEY "request.key"
#define TLS_REQUEST_CSR "request.csr"

#define TLS_MAX_SANS 32
#define TLS_PASSWORD_MAX 128

enum tls_key_type {
	TLS_KEY_EC_P256, /* the default */
	TLS_KEY_EC_P384,
	TLS_KEY_RSA_2048,
	TLS_KEY_RSA_3072,
	TLS_KEY_RSA_4096,
	TLS_KEY_TYPES
};

/* "ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096". */
const char *tls_key_type_name(enum tls_key_type t);
int tls_key_type_parse(const char *name, enum tls_key_type *out);

struct tls_subject {
	char cn[256]; /* required */
	char o[128], ou[128], l[128], st[128];
	char c[3];    /* ISO 3166 two letters, or "" */
	char email[256];
	/* Alternative names, "example.org" or "192.0.2.1" or "::1" (an IP when it
	 * parses as one); the common name is added when it is not among them. */
	char sans[TLS_MAX_SANS][256];
	size_t nsans;
};

struct tls_request {
	enum tls_key_type key_type;
	struct tls_subject subject;
	int days;             /* validity of a self-signed certificate, 1..3650 */
	const char *password; /* encrypts the new private key; at least 8 characters */
};

/* Checks the subject and the alternative names, with a message naming the bad field. */
int tls_subject_validate(const struct tls_subject *s, struct err *e);

/* A random password for a key: 32 characters from OpenSSL's generator. */
int tls_password_generate(char *out, size_t outlen, struct err *e);

/* The key store must be an existing folder we can write to; nothing is created. */
int tls_keystore_check(const char *dir, struct err *e);

/* Makes server.key and a self-signed server.crt (X.509 v3, CA:FALSE,
 * digitalSignature [+ keyEncipherment for RSA], serverAuth, subject and
 * authority key identifiers, random 128-bit serial, SHA-256). Existing files
 * are refused unless force is set; then the old pair is first renamed to
 * NAME.YYYYMMDDTHHMMSS.bak. */
int tls_selfsign(const char *keystore, const struct tls_request *req, int force, struct err *e);

/* Makes request.key and request.csr (PKCS#10 with the same subject and SANs,
 * SHA-256). pem_out, when not NULL, gets the request as PEM (free it). */
int tls_csr(const char *keystore, const struct tls_request *req, int force, char **pem_out,
	    struct err *e);

/* Installs the certificate a CA sent back for request.key (or for the current
 * server.key when it is a renewal), and its chain. Refused, with the reason,
 * when the certificate does not match the key, has expired or is not yet
 * valid, is not a server certificate (extendedKeyUsage without serverAuth, or
 * CA:TRUE), or the chain does not lead from it to a certificate that signs
 * itself or to the last one given. Then server.crt, chain.crt and server.key
 * are replaced (the old ones kept as .bak). */
int tls_import(const char *keystore, const char *cert_file, const char *chain_file,
	       const char *password, struct err *e);
/* The same checks and installation for a certificate chain in memory (the
 * leaf first, as an ACME CA sends it) and the key made for it, PEM encrypted
 * with password: it becomes server.key (the old one kept as .bak). */
int tls_import_issued(const char *keystore, const char *chain_pem, const char *key_pem,
		      const char *password, struct err *e);

struct tls_cert_info {
	char subject[512];
	char issuer[512];
	char sans[1024];     /* "DNS:example.org, IP Address:192.0.2.1" */
	char serial[128];    /* hex */
	char not_before[32]; /* "2026-11-27 10:00:00 UTC" */
	char not_after[32];
	long days_left;      /* negative once expired */
	char key_desc[64];   /* "EC P-256", "RSA 3072 bits" */
	char sha256[100];    /* "AB:CD:..." */
	int self_signed;
	int server_auth;     /* usable for a TLS server */
};

int tls_cert_info(const char *cert_file, struct tls_cert_info *info, struct err *e);

/* A certificate with fewer days left is a warning wherever it is shown
 * (check, service status, the console's screens): the one threshold.
 * ACME renews at two thirds of the lifetime, long before it. */
#define TLS_CERT_WARN_DAYS 14

/* Everything the daemon needs before it loads a pair: both files readable,
 * the key decrypts with the password ("cannot decrypt the private key with
 * the stored password"), they match, the certificate is valid now. */
int tls_check_pair(const char *cert_file, const char *key_file, const char *password,
		   struct err *e);

/* A PEM file of one or more CA certificates, for client authentication. */
int tls_check_ca_file(const char *ca_file, int *count, struct err *e);

/* The same checks, handing over what they checked as PEM in memory, written
 * again from what was parsed: a server loads exactly that and never reads the
 * files a second time. cert_pem (when not NULL) gets every certificate of
 * cert_file in order, key_pem (when not NULL) the private key DECRYPTED, as
 * unencrypted PKCS#8 PEM: whoever holds it needs no password, so it is never
 * logged and is freed with tls_pem_free. info (when not NULL) gets the
 * details of the certificate checked. Nothing is handed over on failure. */
int tls_load_pair(const char *cert_file, const char *key_file, const char *password,
		  char **cert_pem, char **key_pem, struct tls_cert_info *info, struct err *e);
int tls_load_ca_file(const char *ca_file, int *count, char **pem, struct err *e);

/* Wipes (it may be a private key) and frees a PEM handed over above; sets
 * *pem to NULL, accepts NULL. */
void tls_pem_free(char **pem);

#endif
