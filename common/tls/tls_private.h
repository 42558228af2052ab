/* tls_private.h - what the pieces of common/tls/ share: the key store's
 * files, reading keys and certificates, and the checks on what was typed.
 * Not for use outside common/tls/; the public API is webmsg/tls_material.h. */
#ifndef WEBMSG_TLS_PRIVATE_H
#define WEBMSG_TLS_PRIVATE_H

#include <limits.h>
#include <stddef.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "webmsg/err.h"
#include "webmsg/tls_material.h"

#define NAME_TEXT_MAX 160 /* a subject quoted in a message */

/* tls_subject.c */
const char *tls_subject_printable(const char *in, size_t inlen, char *out, size_t outlen);
int tls_subject_ip_parse(const char *name, unsigned char ip[16]);
int tls_subject_password_check(const char *password, struct err *e);

/* tls_files.c */
struct tls_file_data {
	char *data; /* NUL-terminated; owned */
	size_t len;
};

/* A file written whole under a temporary name beside its final one; rename()
 * then puts it in place in one step, so a crash leaves the old file or the
 * new one, never half of one. */
struct tls_staged {
	const char *name; /* in the key store */
	char tmp[PATH_MAX];
	char path[PATH_MAX];
	int pending; /* tmp exists and is ours to remove */
	/* For tls_files_install_set: */
	int remove;        /* no new file: the current one is moved to a backup */
	int had_old;       /* a file was there before; bak holds it */
	char bak[PATH_MAX];
};

int tls_files_join(char *out, size_t outlen, const char *dir, const char *name, struct err *e);
const char *tls_files_base_name(const char *path);
void tls_file_data_free(struct tls_file_data *f);
int tls_files_read(const char *path, const char *what, struct tls_file_data *f, struct err *e);
int tls_files_stage_write(struct tls_staged *s, const char *dir, const char *name,
			  const char *data, size_t len, struct err *e);
void tls_files_stage_discard(struct tls_staged *s);
int tls_files_stamp(char *out, size_t outlen, struct err *e);
int tls_files_backup(const char *dir, const char *name, const char *stamp, int keep,
		     struct err *e);
int tls_files_install(const char *dir, struct tls_staged *s, const char *stamp, struct err *e);
/* Files that only make sense together (a key and its certificate and chain)
 * installed as one: each staged file (or, with remove, none) takes its place
 * with the old one kept as a backup; when any step fails, those already in
 * place are put back from their backups, so the old set keeps serving. */
int tls_files_install_set(const char *dir, struct tls_staged *const *set, size_t n, const char *stamp,
			  struct err *e);
void tls_files_sync_dir(const char *dir);
int tls_files_refuse_existing(const char *dir, const char *const *names, size_t n,
			      struct err *e);

/* tls_read.c */
int tls_read_key(const char *path, const char *password, EVP_PKEY **out, struct err *e);
int tls_read_certs(const char *path, const char *what, int allow_der, STACK_OF(X509) **out,
		   struct err *e);
/* The same on data already in memory; path names it in messages. */
int tls_read_certs_data(const char *data, size_t len, const char *path, int allow_der,
			STACK_OF(X509) **out, struct err *e);
const char *tls_read_name_text(const X509_NAME *name, char *out, size_t outlen);
const char *tls_read_time_text(const ASN1_TIME *t, char *out, size_t outlen);
int tls_read_check_dates(X509 *x, const char *what, struct err *e);
const char *tls_read_usage_problem(X509 *x);

/* tls_make.c */
size_t tls_make_bio_data(BIO *bio, const char **data);

#endif
