/* tls_inspect_names.c - a certificate's subject and alternative names as a
 * struct tls_subject (OpenSSL), for making its successor. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "webmsg/err.h"
#include "webmsg/tls_inspect_names.h"
#include "webmsg/tls_material.h"

/* Copies len bytes of UTF-8 into out when they fit and have no control
 * character; otherwise out stays empty. */
static void take(char *out, size_t outlen, const unsigned char *data, int len)
{
	out[0] = '\0';
	if (len <= 0 || (size_t)len >= outlen)
		return;
	for (int i = 0; i < len; i++)
		if (data[i] < 0x20 || data[i] == 0x7f)
			return;
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
}

static void name_part(const X509_NAME *name, int nid, char *out, size_t outlen)
{
	int at = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	out[0] = '\0';
	if (at < 0)
		return;
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
	int len = ASN1_STRING_to_UTF8(&utf8, s);
	if (len >= 0)
		take(out, outlen, utf8, len);
	OPENSSL_free(utf8);
}

static void alt_names(X509 *x, struct tls_subject *s)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && s->nsans < TLS_MAX_SANS; i++) {
		int type;
		const ASN1_STRING *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, i), &type);
		const unsigned char *data = ASN1_STRING_get0_data(v);
		int len = ASN1_STRING_length(v);
		char *out = s->sans[s->nsans];
		out[0] = '\0';
		if (type == GEN_DNS)
			take(out, sizeof(s->sans[0]), data, len);
		else if (type == GEN_IPADD && (len == 4 || len == 16) &&
			 !inet_ntop(len == 4 ? AF_INET : AF_INET6, data, out, sizeof(s->sans[0])))
			out[0] = '\0';
		if (out[0])
			s->nsans++;
	}
	GENERAL_NAMES_free(names);
}

int tls_cert_subject(const char *cert_file, struct tls_subject *out, struct err *e)
{
	struct tls_cert_info info;
	X509 *x = NULL;
	BIO *bio;

	memset(out, 0, sizeof(*out));
	/* The file checks (a regular file, not too large, a certificate in it)
	 * are tls_cert_info's; what passes them is read here once more. */
	if (tls_cert_info(cert_file, &info, e) < 0)
		return -1;
	ERR_clear_error();
	if ((bio = BIO_new_file(cert_file, "rb"))) {
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!x && BIO_reset(bio) == 0)
			x = d2i_X509_bio(bio, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	if (!x)
		return err_set(e, "cannot read the certificate in %s", cert_file);
	const X509_NAME *name = X509_get_subject_name(x);
	name_part(name, NID_commonName, out->cn, sizeof(out->cn));
	name_part(name, NID_organizationName, out->o, sizeof(out->o));
	name_part(name, NID_organizationalUnitName, out->ou, sizeof(out->ou));
	name_part(name, NID_localityName, out->l, sizeof(out->l));
	name_part(name, NID_stateOrProvinceName, out->st, sizeof(out->st));
	name_part(name, NID_countryName, out->c, sizeof(out->c));
	name_part(name, NID_pkcs9_emailAddress, out->email, sizeof(out->email));
	alt_names(x, out);
	X509_free(x);
	return 0;
}
