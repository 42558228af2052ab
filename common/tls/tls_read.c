/* tls_read.c - reading private keys and certificates (OpenSSL), and the
 * checks every loaded certificate goes through: dates, usage, names for messages. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_private.h"

/* Hands OpenSSL the stored password. Without a callback OpenSSL would ask
 * for one on the terminal, which library code must never do. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
	const char *password = u;
	(void)rwflag;
	if (!password)
		return -1;
	size_t len = strlen(password);
	if (len > (size_t)size)
		return -1;
	memcpy(buf, password, len);
	return (int)len;
}

int tls_read_key(const char *path, const char *password, EVP_PKEY **out, struct err *e)
{
	struct tls_file_data f;
	BIO *bio;
	int encrypted, has_key;

	*out = NULL;
	if (tls_files_read(path, "key", &f, e) < 0)
		return -1;
	encrypted = strstr(f.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
		    strstr(f.data, "Proc-Type: 4,ENCRYPTED") != NULL;
	has_key = strstr(f.data, "PRIVATE KEY-----") != NULL;
	bio = BIO_new_mem_buf(f.data, (int)f.len);
	if (bio) {
		*out = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)password);
		BIO_free(bio);
	}
	tls_file_data_free(&f);
	if (*out) {
		ERR_clear_error();
		return 0;
	}
	if (encrypted) {
		ERR_clear_error();
		return err_set(e, "cannot decrypt the private key with the stored password");
	}
	if (has_key)
		return err_ssl(e, "cannot read the private key in %s", path);
	ERR_clear_error();
	return err_set(e, "no PEM private key in %s", path);
}

/* The certificates of a PEM file in order (blocks of other kinds, such as a
 * key, are skipped); with allow_der also a single DER certificate, as some CAs
 * send them. */
int tls_read_certs(const char *path, const char *what, int allow_der, STACK_OF(X509) **out,
		   struct err *e)
{
	struct tls_file_data f;
	int rc;

	*out = NULL;
	if (tls_files_read(path, what, &f, e) < 0)
		return -1;
	rc = tls_read_certs_data(f.data, f.len, path, allow_der, out, e);
	tls_file_data_free(&f);
	return rc;
}

int tls_read_certs_data(const char *pem, size_t pemlen, const char *path, int allow_der,
			STACK_OF(X509) **out, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	int blocks = 0, rc = -1;

	*out = NULL;
	certs = sk_X509_new_null();
	bio = BIO_new_mem_buf(pem, (int)pemlen);
	if (!certs || !bio) {
		err_ssl(e, "cannot read %s", path);
		goto done;
	}
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long len = 0;
		X509 *x = NULL;
		int is_cert, trusted;

		if (!PEM_read_bio(bio, &name, &header, &data, &len)) {
			unsigned long code = ERR_peek_last_error();
			if (ERR_GET_LIB(code) == ERR_LIB_PEM &&
			    ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			err_ssl(e, "%s: PEM block %d is damaged", path, blocks + 1);
			goto done;
		}
		blocks++;
		trusted = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
		is_cert = trusted || strcmp(name, PEM_STRING_X509) == 0 ||
			  strcmp(name, PEM_STRING_X509_OLD) == 0;
		if (is_cert) {
			const unsigned char *p = data;
			x = trusted ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (is_cert && !x) {
			err_ssl(e, "%s: certificate %d cannot be read", path,
				sk_X509_num(certs) + 1);
			goto done;
		}
		if (x && !sk_X509_push(certs, x)) {
			X509_free(x);
			err_ssl(e, "cannot read %s", path);
			goto done;
		}
	}
	if (blocks == 0 && allow_der) {
		const unsigned char *p = (const unsigned char *)pem;
		X509 *x = d2i_X509(NULL, &p, (long)pemlen);
		if (x && !sk_X509_push(certs, x))
			X509_free(x);
		ERR_clear_error();
	}
	if (sk_X509_num(certs) == 0) {
		err_set(e, "no %scertificate in %s", allow_der ? "" : "PEM ", path);
		goto done;
	}
	*out = certs;
	certs = NULL;
	rc = 0;
done:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* "CN=www.example.org, O=Example, C=FR", UTF-8 kept, control characters
 * escaped, cut with "..." when it does not fit. */
const char *tls_read_name_text(const X509_NAME *name, char *out, size_t outlen)
{
	unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) |
			      XN_FLAG_SEP_CPLUS_SPC;
	BIO *bio = BIO_new(BIO_s_mem());
	out[0] = '\0';
	if (bio && X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
		char *data;
		long len = BIO_get_mem_data(bio, &data);
		size_t n = len > 0 ? (size_t)len : 0;
		int cut = n >= outlen;
		if (cut)
			n = outlen - 1;
		memcpy(out, data, n);
		out[n] = '\0';
		if (cut && n >= 3)
			memcpy(out + n - 3, "...", 3);
	}
	BIO_free(bio);
	return out;
}

/* "2026-11-27 10:00:00 UTC" */
const char *tls_read_time_text(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm) || strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, outlen, "an unreadable date");
	return out;
}

int tls_read_check_dates(X509 *x, const char *what, struct err *e)
{
	char when[32];
	int cmp = X509_cmp_current_time(X509_get0_notAfter(x));
	if (cmp == 0)
		return err_set(e, "%s has an unreadable expiry date", what);
	if (cmp < 0)
		return err_set(e, "%s expired on %s", what,
			       tls_read_time_text(X509_get0_notAfter(x), when, sizeof(when)));
	cmp = X509_cmp_current_time(X509_get0_notBefore(x));
	if (cmp == 0)
		return err_set(e, "%s has an unreadable start date", what);
	if (cmp > 0)
		return err_set(e, "%s is not valid before %s", what,
			       tls_read_time_text(X509_get0_notBefore(x), when, sizeof(when)));
	return 0;
}

/* Why a certificate cannot serve TLS (NULL: it can). TLS 1.3 and ECDHE sign
 * the handshake, hence digitalSignature when a keyUsage is present. */
const char *tls_read_usage_problem(X509 *x)
{
	uint32_t flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID)
		return "its extensions cannot be read";
	if (flags & EXFLAG_CA)
		return "it is a CA certificate (basicConstraints CA:TRUE)";
	if ((flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(x) & XKU_SSL_SERVER))
		return "its extended key usage does not include TLS server authentication "
		       "(serverAuth)";
	if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE))
		return "its key usage does not allow digital signatures (digitalSignature), which "
		       "TLS needs";
	return NULL;
}
