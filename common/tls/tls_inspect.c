/* tls_inspect.c - looking at what is there: a certificate's details, and the
 * checks the daemon relies on before it loads a pair or a CA file. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_private.h"

static void general_name_text(const GENERAL_NAME *g, char *out, size_t outlen)
{
	char text[256], addr[INET6_ADDRSTRLEN];
	int type;
	const ASN1_STRING *s = GENERAL_NAME_get0_value(g, &type);
	const char *label;

	switch (type) {
	case GEN_DNS:
		label = "DNS";
		break;
	case GEN_EMAIL:
		label = "email";
		break;
	case GEN_URI:
		label = "URI";
		break;
	case GEN_IPADD: {
		int len = ASN1_STRING_length(s);
		const unsigned char *ip = ASN1_STRING_get0_data(s);
		if ((len == 4 && inet_ntop(AF_INET, ip, addr, sizeof(addr))) ||
		    (len == 16 && inet_ntop(AF_INET6, ip, addr, sizeof(addr))))
			snprintf(out, outlen, "IP Address:%s", addr);
		else
			snprintf(out, outlen, "IP Address:<invalid>");
		return;
	}
	default:
		snprintf(out, outlen, "other name");
		return;
	}
	snprintf(out, outlen, "%s:%s", label,
		 tls_subject_printable((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
			   text, sizeof(text)));
}

/* "DNS:example.org, IP Address:192.0.2.1", ending in ", ..." when they do not all fit. */
static void sans_text(X509 *x, char *out, size_t outlen)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		char one[300];
		const char *sep = i ? ", " : "";
		general_name_text(sk_GENERAL_NAME_value(names, i), one, sizeof(one));
		/* Room is kept for ", ..." after it. */
		if (used + strlen(sep) + strlen(one) + sizeof(", ...") > outlen) {
			snprintf(out + used, outlen - used, "%s...", sep);
			break;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", sep, one);
	}
	GENERAL_NAMES_free(names);
}

/* Whole days, a day begun counting: a certificate made for 365 days has 365
 * left, one ending within the hour 1; negative once it has expired. */
static long days_left(const ASN1_TIME *not_after)
{
	int day = 0, sec = 0;
	if (!ASN1_TIME_diff(&day, &sec, NULL, not_after))
		return 0;
	long total = (long)day * 86400 + sec;
	if (total > 0)
		return (total + 86399) / 86400;
	return -((-total + 86399) / 86400);
}

static void key_text(EVP_PKEY *pk, char *out, size_t outlen)
{
	char group[48];
	const char *nist;
	int id;

	if (!pk) {
		snprintf(out, outlen, "unknown key");
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) == 1) {
			nist = EC_curve_nid2nist(OBJ_sn2nid(group));
			snprintf(out, outlen, "EC %s", nist ? nist : group);
		} else {
			snprintf(out, outlen, "EC %d bits", EVP_PKEY_get_bits(pk));
		}
		break;
	case EVP_PKEY_RSA:
		snprintf(out, outlen, "RSA %d bits", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_RSA_PSS:
		snprintf(out, outlen, "RSA-PSS %d bits", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_ED25519:
		snprintf(out, outlen, "Ed25519");
		break;
	case EVP_PKEY_ED448:
		snprintf(out, outlen, "Ed448");
		break;
	default:
		snprintf(out, outlen, "%s %d bits", OBJ_nid2sn(id), EVP_PKEY_get_bits(pk));
		break;
	}
}

static void fingerprint_text(X509 *x, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t k = 0;
	if (X509_digest(x, EVP_sha256(), md, &mdlen))
		for (unsigned int i = 0; i < mdlen && k + 4 <= outlen; i++) {
			if (i)
				out[k++] = ':';
			out[k++] = hex[md[i] >> 4];
			out[k++] = hex[md[i] & 15];
		}
	out[k] = '\0';
}

/* The details of one certificate, as tls_cert_info gives them. */
static void cert_info_of(X509 *x, struct tls_cert_info *info)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);
	BIGNUM *bn;
	char *hex = NULL;

	memset(info, 0, sizeof(*info));
	tls_read_name_text(X509_get_subject_name(x), info->subject, sizeof(info->subject));
	tls_read_name_text(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
	sans_text(x, info->sans, sizeof(info->sans));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn && (hex = BN_bn2hex(bn)))
		snprintf(info->serial, sizeof(info->serial), "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	tls_read_time_text(X509_get0_notBefore(x), info->not_before, sizeof(info->not_before));
	tls_read_time_text(X509_get0_notAfter(x), info->not_after, sizeof(info->not_after));
	info->days_left = days_left(X509_get0_notAfter(x));
	key_text(pub, info->key_desc, sizeof(info->key_desc));
	fingerprint_text(x, info->sha256, sizeof(info->sha256));
	info->self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
			    pub && X509_verify(x, pub) == 1;
	info->server_auth = tls_read_usage_problem(x) == NULL;
}

int tls_cert_info(const char *cert_file, struct tls_cert_info *info, struct err *e)
{
	STACK_OF(X509) *certs = NULL;

	memset(info, 0, sizeof(*info));
	ERR_clear_error();
	if (tls_read_certs(cert_file, "certificate", 1, &certs, e) < 0)
		return -1;
	cert_info_of(sk_X509_value(certs, 0), info);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}

/* What a memory BIO holds, as a NUL-terminated copy of our own. */
static int bio_copy(BIO *bio, char **out, struct err *e)
{
	const char *data;
	size_t len = tls_make_bio_data(bio, &data);
	*out = malloc(len + 1);
	if (!*out)
		return err_set(e, "out of memory");
	memcpy(*out, data, len);
	(*out)[len] = '\0';
	return 0;
}

static int certs_pem(STACK_OF(X509) *certs, char **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = -1;
	if (!bio) {
		err_ssl(e, "cannot write the certificates as PEM");
		goto done;
	}
	for (int i = 0; i < sk_X509_num(certs); i++) {
		if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i))) {
			err_ssl(e, "cannot write the certificates as PEM");
			goto done;
		}
	}
	rc = bio_copy(bio, out, e);
done:
	BIO_free(bio);
	return rc;
}

/* The key unencrypted. The BIO is a secure-memory one: OpenSSL wipes its
 * buffer, and every buffer it outgrew, when it frees them. */
static int key_pem_plain(EVP_PKEY *key, char **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	int rc = -1;
	if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		err_ssl(e, "cannot write the private key as PEM");
	else
		rc = bio_copy(bio, out, e);
	BIO_free(bio);
	return rc;
}

void tls_pem_free(char **pem)
{
	if (!pem || !*pem)
		return;
	OPENSSL_cleanse(*pem, strlen(*pem));
	free(*pem);
	*pem = NULL;
}

int tls_check_pair(const char *cert_file, const char *key_file, const char *password,
		   struct err *e)
{
	return tls_load_pair(cert_file, key_file, password, NULL, NULL, NULL, e);
}

int tls_load_pair(const char *cert_file, const char *key_file, const char *password,
		  char **cert_pem, char **key_pem, struct tls_cert_info *info, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *key = NULL, *pub;
	X509 *x;
	char *cert_out = NULL, *key_out = NULL;
	int rc = -1;

	ERR_clear_error();
	/* PEM only: that is what the daemon's TLS library loads. */
	if (tls_read_certs(cert_file, "certificate", 0, &certs, e) < 0 ||
	    tls_read_key(key_file, password, &key, e) < 0)
		goto done;
	x = sk_X509_value(certs, 0);
	pub = X509_get0_pubkey(x);
	if (!pub || EVP_PKEY_eq(pub, key) != 1) {
		err_set(e, "the certificate does not match the private key");
		goto done;
	}
	if (tls_read_check_dates(x, "the certificate", e) < 0)
		goto done;
	if ((cert_pem && certs_pem(certs, &cert_out, e) < 0) ||
	    (key_pem && key_pem_plain(key, &key_out, e) < 0))
		goto done;
	if (info)
		cert_info_of(x, info);
	if (cert_pem)
		*cert_pem = cert_out;
	if (key_pem)
		*key_pem = key_out;
	cert_out = key_out = NULL;
	rc = 0;
done:
	tls_pem_free(&cert_out);
	tls_pem_free(&key_out);
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

int tls_check_ca_file(const char *ca_file, int *count, struct err *e)
{
	return tls_load_ca_file(ca_file, count, NULL, e);
}

int tls_load_ca_file(const char *ca_file, int *count, char **pem, struct err *e)
{
	STACK_OF(X509) *certs = NULL;
	int rc = 0;
	if (count)
		*count = 0;
	ERR_clear_error();
	if (tls_read_certs(ca_file, "CA", 0, &certs, e) < 0)
		return -1;
	if (pem)
		rc = certs_pem(certs, pem, e);
	if (count && rc == 0)
		*count = sk_X509_num(certs);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}
