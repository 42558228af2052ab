/* tls_make.c - making keys, self-signed certificates and requests for a CA
 * (OpenSSL 3.0); every file lands whole or not at all. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_private.h"

#define DAYS_MAX 3650
#define SERIAL_BITS 128
/* notBefore is set a little in the past so that a client whose clock is a few
 * minutes slow does not see a brand new certificate as not yet valid. */
#define CLOCK_SKEW_SECONDS 300

#define BACKUP_ATTEMPTS 100

static const struct key_type {
	const char *name;
	const char *curve; /* NULL: RSA */
	unsigned int bits;
} key_types[TLS_KEY_TYPES] = {
	[TLS_KEY_EC_P256] = { "ec-p256", "P-256", 256 },
	[TLS_KEY_EC_P384] = { "ec-p384", "P-384", 384 },
	[TLS_KEY_RSA_2048] = { "rsa-2048", NULL, 2048 },
	[TLS_KEY_RSA_3072] = { "rsa-3072", NULL, 3072 },
	[TLS_KEY_RSA_4096] = { "rsa-4096", NULL, 4096 },
};

const char *tls_key_type_name(enum tls_key_type t)
{
	if ((unsigned)t >= TLS_KEY_TYPES)
		return NULL;
	return key_types[t].name;
}

int tls_key_type_parse(const char *name, enum tls_key_type *out)
{
	for (int i = 0; i < TLS_KEY_TYPES; i++) {
		if (name && strcasecmp(name, key_types[i].name) == 0) {
			*out = (enum tls_key_type)i;
			return 0;
		}
	}
	return -1;
}

static EVP_PKEY *make_key(enum tls_key_type t, struct err *e)
{
	const struct key_type *k = &key_types[t];
	EVP_PKEY *pk = k->curve ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", k->curve)
				: EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)k->bits);
	if (!pk)
		err_ssl(e, "cannot make a %s key", k->name);
	return pk;
}

static int fill_name(X509_NAME *n, const struct tls_subject *s, struct err *e)
{
	char c[3] = { 0 };
	for (int i = 0; i < 2 && s->c[i]; i++)
		c[i] = s->c[i] >= 'a' && s->c[i] <= 'z' ? (char)(s->c[i] - 'a' + 'A') : s->c[i];
	const struct {
		int nid;
		const char *value;
	} parts[] = {
		{ NID_countryName, c },
		{ NID_stateOrProvinceName, s->st },
		{ NID_localityName, s->l },
		{ NID_organizationName, s->o },
		{ NID_organizationalUnitName, s->ou },
		{ NID_commonName, s->cn },
		{ NID_pkcs9_emailAddress, s->email },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i].value[0] &&
		    !X509_NAME_add_entry_by_NID(n, parts[i].nid, MBSTRING_UTF8,
						(const unsigned char *)parts[i].value, -1, -1, 0))
			return err_ssl(e, "cannot put the %s in the certificate",
				       OBJ_nid2ln(parts[i].nid));
	return 0;
}

static int same_host(const char *a, const char *b)
{
	unsigned char ipa[16], ipb[16];
	int la = tls_subject_ip_parse(a, ipa), lb = tls_subject_ip_parse(b, ipb);
	if (la || lb)
		return la == lb && memcmp(ipa, ipb, (size_t)la) == 0;
	return strcasecmp(a, b) == 0;
}

static int add_general_name(GENERAL_NAMES *names, const char *value)
{
	unsigned char ip[16];
	int iplen = tls_subject_ip_parse(value, ip);
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *str = iplen ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	int ok = g && str &&
		 (iplen ? ASN1_OCTET_STRING_set(str, ip, iplen) : ASN1_STRING_set(str, value, -1));
	if (!ok) {
		ASN1_STRING_free(str);
		GENERAL_NAME_free(g);
		return -1;
	}
	GENERAL_NAME_set0_value(g, iplen ? GEN_IPADD : GEN_DNS, str);
	if (!sk_GENERAL_NAME_push(names, g)) {
		GENERAL_NAME_free(g);
		return -1;
	}
	return 0;
}

/* subjectAltName: the common name first, then the other names, each once.
 * Built as a structure rather than a configuration string, so no name can
 * inject another entry. */
static X509_EXTENSION *make_san(const struct tls_subject *s, struct err *e)
{
	GENERAL_NAMES *names = GENERAL_NAMES_new();
	X509_EXTENSION *ext = NULL;
	int ok = names && add_general_name(names, s->cn) == 0;
	for (size_t i = 0; ok && i < s->nsans; i++) {
		int seen = same_host(s->sans[i], s->cn);
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_host(s->sans[i], s->sans[j]);
		if (!seen)
			ok = add_general_name(names, s->sans[i]) == 0;
	}
	if (ok)
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names);
	GENERAL_NAMES_free(names);
	if (!ext)
		err_ssl(e, "cannot make the subjectAltName extension");
	return ext;
}

struct ext_spec {
	int nid;
	const char *value;
};

/* What makes a certificate a TLS server's and nothing else; the certificate
 * and the request carry the same. */
static size_t server_exts(enum tls_key_type t, struct ext_spec *out)
{
	out[0] = (struct ext_spec){ NID_basic_constraints, "critical,CA:FALSE" };
	/* RSA key exchange (TLS 1.2 without ECDHE) encrypts with the key. */
	out[1] = (struct ext_spec){ NID_key_usage, key_types[t].curve
							   ? "critical,digitalSignature"
							   : "critical,digitalSignature,keyEncipherment" };
	out[2] = (struct ext_spec){ NID_ext_key_usage, "serverAuth" };
	return 3;
}

static X509_EXTENSION *conf_ext(X509V3_CTX *ctx, const struct ext_spec *spec, struct err *e)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, spec->nid, spec->value);
	if (!ext)
		err_ssl(e, "cannot make the %s extension", OBJ_nid2sn(spec->nid));
	return ext;
}

static int cert_add_ext(X509 *x, X509_EXTENSION *ext, struct err *e)
{
	int ok = ext && X509_add_ext(x, ext, -1);
	if (ext && !ok)
		err_ssl(e, "cannot add an extension to the certificate");
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int set_serial(X509 *x, struct err *e)
{
	BIGNUM *bn = BN_new();
	int ok = bn != NULL;
	do
		ok = ok && BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	while (ok && BN_is_zero(bn));
	ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	if (!ok)
		return err_ssl(e, "cannot make a serial number");
	return 0;
}

static X509 *make_cert(EVP_PKEY *pk, const struct tls_request *req, struct err *e)
{
	static const struct ext_spec key_ids[] = {
		{ NID_subject_key_identifier, "hash" },
		/* "always": OpenSSL leaves it out of self-signed certificates otherwise. */
		{ NID_authority_key_identifier, "keyid:always" },
	};
	struct ext_spec exts[3];
	size_t nexts = server_exts(req->key_type, exts);
	X509V3_CTX ctx;
	X509 *x = X509_new();

	if (!x) {
		err_ssl(e, "cannot make a certificate");
		return NULL;
	}
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -CLOCK_SKEW_SECONDS) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), req->days, 0, NULL) ||
	    !X509_set_pubkey(x, pk)) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	if (set_serial(x, e) < 0 || fill_name(X509_get_subject_name(x), &req->subject, e) < 0)
		goto fail;
	if (!X509_set_issuer_name(x, X509_get_subject_name(x))) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	/* Self-signed: the certificate is its own issuer. */
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509V3_set_ctx_nodb(&ctx);
	if (!X509V3_set_issuer_pkey(&ctx, pk)) {
		err_ssl(e, "cannot make a certificate");
		goto fail;
	}
	for (size_t i = 0; i < nexts; i++)
		if (cert_add_ext(x, conf_ext(&ctx, &exts[i], e), e) < 0)
			goto fail;
	if (cert_add_ext(x, make_san(&req->subject, e), e) < 0)
		goto fail;
	/* The subject key identifier must be there before the authority one copies it. */
	for (size_t i = 0; i < sizeof(key_ids) / sizeof(key_ids[0]); i++)
		if (cert_add_ext(x, conf_ext(&ctx, &key_ids[i], e), e) < 0)
			goto fail;
	if (!X509_sign(x, pk, EVP_sha256())) {
		err_ssl(e, "cannot sign the certificate");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static X509_REQ *make_req(EVP_PKEY *pk, const struct tls_request *req, struct err *e)
{
	struct ext_spec specs[3];
	size_t nspecs = server_exts(req->key_type, specs);
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_REQ *r = X509_REQ_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	if (!r || !exts || !X509_REQ_set_version(r, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_pubkey(r, pk)) {
		err_ssl(e, "cannot make a certificate request");
		goto fail;
	}
	if (fill_name(X509_REQ_get_subject_name(r), &req->subject, e) < 0)
		goto fail;
	X509V3_set_ctx(&ctx, NULL, NULL, r, NULL, 0);
	X509V3_set_ctx_nodb(&ctx);
	for (size_t i = 0; i <= nspecs; i++) {
		ext = i < nspecs ? conf_ext(&ctx, &specs[i], e) : make_san(&req->subject, e);
		if (!ext)
			goto fail;
		if (!sk_X509_EXTENSION_push(exts, ext)) {
			X509_EXTENSION_free(ext);
			err_ssl(e, "cannot make a certificate request");
			goto fail;
		}
	}
	if (!X509_REQ_add_extensions(r, exts)) {
		err_ssl(e, "cannot add the extensions to the request");
		goto fail;
	}
	if (!X509_REQ_sign(r, pk, EVP_sha256())) {
		err_ssl(e, "cannot sign the certificate request");
		goto fail;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r;
fail:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(r);
	return NULL;
}

/* A memory BIO's contents, borrowed until the BIO is freed. */
size_t tls_make_bio_data(BIO *bio, const char **data)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	*data = p;
	return n > 0 ? (size_t)n : 0;
}

static BIO *key_pem(EVP_PKEY *pk, const char *password, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PKCS8PrivateKey(bio, pk, EVP_aes_256_cbc(), password,
						   (int)strlen(password), NULL, NULL)) {
		BIO_free(bio);
		err_ssl(e, "cannot encrypt the private key");
		return NULL;
	}
	return bio;
}

static int check_request(const char *keystore, const struct tls_request *req, int need_days,
			 struct err *e)
{
	if (!req)
		return err_set(e, "nothing to make");
	if ((unsigned)req->key_type >= TLS_KEY_TYPES)
		return err_set(e, "unknown key type %d", (int)req->key_type);
	if (need_days && (req->days < 1 || req->days > DAYS_MAX))
		return err_set(e, "the certificate must be valid for 1 to %d days", DAYS_MAX);
	if (tls_subject_password_check(req->password, e) < 0 || tls_subject_validate(&req->subject, e) < 0)
		return -1;
	return tls_keystore_check(keystore, e);
}

int tls_selfsign(const char *keystore, const struct tls_request *req, int force, struct err *e)
{
	static const char *const names[] = { TLS_SERVER_KEY, TLS_SERVER_CERT, TLS_SERVER_CHAIN };
	struct tls_staged key = { 0 }, crt = { 0 };
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	const char *data;
	size_t len;
	char stamp[32];
	int rc = -1;

	ERR_clear_error();
	if (check_request(keystore, req, 1, e) < 0)
		return -1;
	if (!force && tls_files_refuse_existing(keystore, names, sizeof(names) / sizeof(names[0]), e) < 0)
		return -1;
	if (!(pk = make_key(req->key_type, e)) || !(x = make_cert(pk, req, e)) ||
	    !(kbio = key_pem(pk, req->password, e)))
		goto done;
	cbio = BIO_new(BIO_s_mem());
	if (!cbio || !PEM_write_bio_X509(cbio, x)) {
		err_ssl(e, "cannot write the certificate");
		goto done;
	}
	len = tls_make_bio_data(kbio, &data);
	if (tls_files_stage_write(&key, keystore, TLS_SERVER_KEY, data, len, e) < 0)
		goto done;
	len = tls_make_bio_data(cbio, &data);
	if (tls_files_stage_write(&crt, keystore, TLS_SERVER_CERT, data, len, e) < 0 ||
	    tls_files_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	/* A chain left from a CA's certificate does not lead from this one. */
	if (tls_files_install(keystore, &key, stamp, e) < 0 || tls_files_install(keystore, &crt, stamp, e) < 0 ||
	    tls_files_backup(keystore, TLS_SERVER_CHAIN, stamp, 0, e) < 0)
		goto done;
	rc = 0;
done:
	tls_files_stage_discard(&key);
	tls_files_stage_discard(&crt);
	if (key.path[0])
		tls_files_sync_dir(keystore);
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

int tls_csr(const char *keystore, const struct tls_request *req, int force, char **pem_out,
	    struct err *e)
{
	static const char *const names[] = { TLS_REQUEST_KEY, TLS_REQUEST_CSR };
	struct tls_staged key = { 0 }, csr = { 0 };
	EVP_PKEY *pk = NULL;
	X509_REQ *r = NULL;
	BIO *kbio = NULL, *rbio = NULL;
	const char *data;
	size_t len;
	char stamp[32];
	char *copy = NULL;
	int rc = -1;

	if (pem_out)
		*pem_out = NULL;
	ERR_clear_error();
	if (check_request(keystore, req, 0, e) < 0)
		return -1;
	if (!force && tls_files_refuse_existing(keystore, names, sizeof(names) / sizeof(names[0]), e) < 0)
		return -1;
	if (!(pk = make_key(req->key_type, e)) || !(r = make_req(pk, req, e)) ||
	    !(kbio = key_pem(pk, req->password, e)))
		goto done;
	rbio = BIO_new(BIO_s_mem());
	if (!rbio || !PEM_write_bio_X509_REQ(rbio, r)) {
		err_ssl(e, "cannot write the certificate request");
		goto done;
	}
	len = tls_make_bio_data(rbio, &data);
	if (pem_out) {
		copy = malloc(len + 1);
		if (!copy) {
			err_sys(e, "cannot copy the certificate request");
			goto done;
		}
		memcpy(copy, data, len);
		copy[len] = '\0';
	}
	if (tls_files_stage_write(&csr, keystore, TLS_REQUEST_CSR, data, len, e) < 0)
		goto done;
	len = tls_make_bio_data(kbio, &data);
	if (tls_files_stage_write(&key, keystore, TLS_REQUEST_KEY, data, len, e) < 0 ||
	    tls_files_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	if (tls_files_install(keystore, &key, stamp, e) < 0 || tls_files_install(keystore, &csr, stamp, e) < 0)
		goto done;
	if (pem_out) {
		*pem_out = copy;
		copy = NULL;
	}
	rc = 0;
done:
	tls_files_stage_discard(&key);
	tls_files_stage_discard(&csr);
	if (csr.path[0])
		tls_files_sync_dir(keystore);
	free(copy);
	BIO_free(kbio);
	BIO_free(rbio);
	X509_REQ_free(r);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}
