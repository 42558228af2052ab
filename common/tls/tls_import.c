/* tls_import.c - importing the certificate a CA sent back, with its chain,
 * after checking it matches a key of ours and can serve TLS. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_private.h"

/* A certificate of an import and where it came from, for messages. */
struct cert_ref {
	X509 *x;          /* borrowed from its file's stack */
	const char *file; /* base name of that file */
	int n;            /* its place in that file, from 1 */
};

/* The key the certificate was made for: the request's, else the server's
 * (a renewal). from_request tells which. */
static int find_key(const char *keystore, X509 *leaf, const char *password, EVP_PKEY **out,
		    int *from_request, struct err *e)
{
	static const char *const names[] = { TLS_REQUEST_KEY, TLS_SERVER_KEY };
	EVP_PKEY *pub = X509_get0_pubkey(leaf);
	struct err first = { "" };
	int found = 0;

	*out = NULL;
	if (!pub)
		return err_ssl(e, "cannot read the public key of the certificate");
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat sb;
		struct err le;
		EVP_PKEY *k = NULL;
		if (tls_files_join(path, sizeof(path), keystore, names[i], e) < 0)
			return -1;
		if (lstat(path, &sb) != 0 && errno == ENOENT)
			continue;
		found = 1;
		if (tls_read_key(path, password, &k, &le) < 0) {
			if (!first.msg[0])
				err_set(&first, "%s: %s", names[i], le.msg);
			continue;
		}
		if (EVP_PKEY_eq(pub, k) == 1) {
			*out = k;
			*from_request = i == 0;
			ERR_clear_error();
			return 0;
		}
		EVP_PKEY_free(k);
	}
	ERR_clear_error();
	if (first.msg[0])
		return err_set(e, "%s", first.msg);
	if (!found)
		return err_set(e, "there is no private key in %s (%s or %s): make a certificate "
				  "request first",
			       keystore, TLS_REQUEST_KEY, TLS_SERVER_KEY);
	return err_set(e, "the certificate does not match the private key of the request (%s) "
			  "nor the server key",
		       TLS_REQUEST_KEY);
}

/* Each certificate must be issued by the next one: names, key identifiers and
 * the signature itself. Where the chain ends is the CA's business. */
static int check_chain(const struct cert_ref *refs, size_t n, struct err *e)
{
	for (size_t i = 1; i < n; i++) {
		const struct cert_ref *child = &refs[i - 1], *parent = &refs[i];
		char psub[NAME_TEXT_MAX], csub[NAME_TEXT_MAX], what[NAME_TEXT_MAX + 300];
		EVP_PKEY *pk = X509_get0_pubkey(parent->x);
		int same_file = strcmp(child->file, parent->file) == 0;
		int issued;

		tls_read_name_text(X509_get_subject_name(parent->x), psub, sizeof(psub));
		tls_read_name_text(X509_get_subject_name(child->x), csub, sizeof(csub));
		snprintf(what, sizeof(what), "%s: certificate %d (subject %s)", parent->file,
			 parent->n, psub);
		issued = X509_check_issued(parent->x, child->x);
		if (!pk || X509_verify(child->x, pk) != 1 ||
		    (issued != X509_V_OK && issued != X509_V_ERR_KEYUSAGE_NO_CERTSIGN)) {
			ERR_clear_error();
			return err_set(e, "%s did not issue certificate %d%s%s (subject %s)", what,
				       child->n, same_file ? "" : " of ",
				       same_file ? "" : child->file, csub);
		}
		if (issued == X509_V_ERR_KEYUSAGE_NO_CERTSIGN || !X509_check_ca(parent->x))
			return err_set(e, "%s is not a CA certificate and may not sign others",
				       what);
		if (tls_read_check_dates(parent->x, what, e) < 0)
			return -1;
	}
	ERR_clear_error();
	return 0;
}

static int pem_certs(const struct cert_ref *refs, size_t n, BIO **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	*out = NULL;
	for (size_t i = 0; bio && i < n; i++) {
		if (!PEM_write_bio_X509(bio, refs[i].x)) {
			BIO_free(bio);
			bio = NULL;
		}
	}
	if (!bio)
		return err_ssl(e, "cannot write the certificates");
	*out = bio;
	return 0;
}

/* What both imports share: the certificates given (the leaf first) and an
 * optional chain, checked, then installed with their key. key_pem, when not
 * NULL, is the key made for the certificate (encrypted with the password),
 * installed as server.key; else the key is the request's or the server's. */
static int import_certs(const char *keystore, STACK_OF(X509) *given, const char *given_name,
			STACK_OF(X509) *extra, const char *extra_name, const char *key_pem,
			const char *password, struct err *e)
{
	struct cert_ref *refs = NULL;
	size_t nrefs = 0;
	struct tls_staged crt = { 0 }, chain = { 0 }, newkey = { 0 };
	EVP_PKEY *key = NULL;
	BIO *cbio = NULL, *chbio = NULL;
	int from_request = 0, rc = -1;
	const char *problem, *data;
	size_t len;
	char stamp[32], from[PATH_MAX];
	struct tls_file_data reqkey = { 0 };

	refs = calloc((size_t)sk_X509_num(given) + (size_t)(extra ? sk_X509_num(extra) : 0),
		      sizeof(*refs));
	if (!refs) {
		err_sys(e, "cannot import the certificate");
		goto done;
	}
	/* The leaf may come followed by its chain, and the chain file may repeat it. */
	for (int i = 0; i < sk_X509_num(given); i++)
		refs[nrefs++] = (struct cert_ref){ sk_X509_value(given, i), given_name, i + 1 };
	for (int i = 0; extra && i < sk_X509_num(extra); i++) {
		X509 *x = sk_X509_value(extra, i);
		int seen = 0;
		for (size_t j = 0; j < nrefs && !seen; j++)
			seen = X509_cmp(refs[j].x, x) == 0;
		if (!seen)
			refs[nrefs++] = (struct cert_ref){ x, extra_name, i + 1 };
	}

	if (key_pem) {
		BIO *kb = BIO_new_mem_buf(key_pem, -1);
		key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)password) : NULL;
		BIO_free(kb);
		if (!key) {
			err_ssl(e, "cannot read the certificate's new key");
			goto done;
		}
		if (EVP_PKEY_eq(X509_get0_pubkey(refs[0].x), key) != 1) {
			err_set(e, "the certificate does not match the key made for it");
			goto done;
		}
	} else if (find_key(keystore, refs[0].x, password, &key, &from_request, e) < 0) {
		goto done;
	}
	if (tls_read_check_dates(refs[0].x, "the certificate", e) < 0)
		goto done;
	if ((problem = tls_read_usage_problem(refs[0].x))) {
		err_set(e, "the certificate is not a server certificate: %s", problem);
		goto done;
	}
	if (check_chain(refs, nrefs, e) < 0)
		goto done;

	if (pem_certs(refs, 1, &cbio, e) < 0)
		goto done;
	len = tls_make_bio_data(cbio, &data);
	if (tls_files_stage_write(&crt, keystore, TLS_SERVER_CERT, data, len, e) < 0)
		goto done;
	if (nrefs > 1) {
		if (pem_certs(refs + 1, nrefs - 1, &chbio, e) < 0)
			goto done;
		len = tls_make_bio_data(chbio, &data);
		if (tls_files_stage_write(&chain, keystore, TLS_SERVER_CHAIN, data, len, e) < 0)
			goto done;
	}
	if (key_pem && tls_files_stage_write(&newkey, keystore, TLS_SERVER_KEY, key_pem,
					     strlen(key_pem), e) < 0)
		goto done;
	if (!key_pem && from_request) {
		/* The request's key, already encrypted with the password, becomes the
		 * server's: a copy is installed with the rest, the request's file
		 * removed once all is in place. */
		if (tls_files_join(from, sizeof(from), keystore, TLS_REQUEST_KEY, e) < 0 ||
		    tls_files_read(from, "request key", &reqkey, e) < 0 ||
		    tls_files_stage_write(&newkey, keystore, TLS_SERVER_KEY, reqkey.data, reqkey.len,
					  e) < 0)
			goto done;
	}
	if (tls_files_stamp(stamp, sizeof(stamp), e) < 0)
		goto done;
	/* Key, certificate and chain go in as one: a failure part way puts the
	 * old ones back, so a key never serves beside another key's certificate. */
	struct tls_staged *set[3];
	size_t nset = 0;
	if (newkey.pending)
		set[nset++] = &newkey;
	set[nset++] = &crt;
	if (nrefs <= 1) {
		/* No chain now: an old one must not stay beside the new certificate. */
		chain.name = TLS_SERVER_CHAIN;
		chain.remove = 1;
	}
	set[nset++] = &chain;
	if (tls_files_install_set(keystore, set, nset, stamp, e) < 0)
		goto done; /* what is still staged is discarded below */
	if (!key_pem && from_request)
		(void)unlink(from);
	rc = 0;
done:
	tls_files_stage_discard(&crt);
	tls_files_stage_discard(&chain);
	tls_files_stage_discard(&newkey);
	tls_file_data_free(&reqkey);
	if (crt.path[0])
		tls_files_sync_dir(keystore);
	BIO_free(cbio);
	BIO_free(chbio);
	EVP_PKEY_free(key);
	free(refs);
	ERR_clear_error();
	return rc;
}

int tls_import(const char *keystore, const char *cert_file, const char *chain_file,
	       const char *password, struct err *e)
{
	STACK_OF(X509) *given = NULL, *extra = NULL;
	int rc = -1;

	ERR_clear_error();
	if (tls_keystore_check(keystore, e) < 0)
		return -1;
	if (tls_read_certs(cert_file, "certificate", 1, &given, e) == 0 &&
	    (!chain_file || !*chain_file ||
	     tls_read_certs(chain_file, "chain", 1, &extra, e) == 0))
		rc = import_certs(keystore, given, tls_files_base_name(cert_file), extra,
				  chain_file ? tls_files_base_name(chain_file) : "", NULL, password,
				  e);
	sk_X509_pop_free(given, X509_free);
	sk_X509_pop_free(extra, X509_free);
	ERR_clear_error();
	return rc;
}

int tls_import_issued(const char *keystore, const char *chain_pem, const char *key_pem,
		      const char *password, struct err *e)
{
	STACK_OF(X509) *given = NULL;
	int rc = -1;

	ERR_clear_error();
	if (tls_keystore_check(keystore, e) < 0)
		return -1;
	if (tls_read_certs_data(chain_pem, strlen(chain_pem), "the CA's certificate chain", 0,
				&given, e) == 0)
		rc = import_certs(keystore, given, "the CA's chain", NULL, NULL, key_pem, password,
				  e);
	sk_X509_pop_free(given, X509_free);
	ERR_clear_error();
	return rc;
}
