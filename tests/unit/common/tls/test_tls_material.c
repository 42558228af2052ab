/* test_tls_material.c - the key store as the SSL wizard uses it: self-signed
 * certificates, requests for a CA, importing what a CA (made here with the
 * OpenSSL API) sends back, and the refusals with their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/tls_material.h"

#define PASSWORD "correct horse battery"

static int setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	tmpdir_enter(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmpdir *t = *state;
	tmpdir_leave(t);
	free(t);
	return 0;
}

static void ok(int rc, const struct err *e)
{
	if (rc != 0)
		fail_msg("%s", e->msg);
}

static void request_init(struct tls_request *r, enum tls_key_type type)
{
	memset(r, 0, sizeof(*r));
	r->key_type = type;
	strcpy(r->subject.cn, "www.example.org");
	strcpy(r->subject.o, "Example");
	strcpy(r->subject.c, "FR");
	strcpy(r->subject.email, "admin@example.org");
	strcpy(r->subject.sans[0], "example.org");
	strcpy(r->subject.sans[1], "192.0.2.1");
	r->subject.nsans = 2;
	r->days = 365;
	r->password = PASSWORD;
}

static void selfsign(const struct tmpdir *t, enum tls_key_type type)
{
	struct tls_request r;
	struct err e = { "" };
	request_init(&r, type);
	ok(tls_selfsign(t->path, &r, 0, &e), &e);
}

static void csr(const struct tmpdir *t)
{
	struct tls_request r;
	struct err e = { "" };
	request_init(&r, TLS_KEY_EC_P256);
	ok(tls_csr(t->path, &r, 0, NULL, &e), &e);
}

static void assert_mode_0600(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	if ((sb.st_mode & 07777) != 0600)
		fail_msg("%s has mode %o", path, (unsigned)(sb.st_mode & 07777));
}

/* The names in the folder that start with prefix and end with suffix. */
static int count_entries(const struct tmpdir *t, const char *prefix, const char *suffix)
{
	DIR *d = opendir(t->path);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), slen = strlen(suffix);
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && len >= slen &&
		    strcmp(de->d_name + len - slen, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int entries(const struct tmpdir *t)
{
	return count_entries(t, "", "") - 2; /* . and .. */
}

static int password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	if (!u)
		return -1; /* never let OpenSSL prompt on the terminal */
	int len = (int)strlen(u);
	if (len > size)
		return -1;
	memcpy(buf, u, (size_t)len);
	return len;
}

/* The key in path, or NULL when it does not load with that password. */
static EVP_PKEY *load_key(const char *path, const char *password)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, password_cb, (void *)password);
	fclose(f);
	ERR_clear_error();
	return k;
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static int count_pem_certs(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int n = 0;
	assert_non_null(f);
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		X509_free(x);
		n++;
	}
	fclose(f);
	ERR_clear_error();
	return n;
}

static void write_certs(const char *path, X509 *const *certs, size_t n)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(PEM_write_X509(f, certs[i]), 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- a small CA, made the way a real one would ---- */

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509V3_set_ctx_nodb(&ctx);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

struct leaf_spec {
	long from, to;          /* validity, seconds from now */
	const char *eku;        /* NULL: none */
	const char *basic;      /* basicConstraints */
	const char *key_usage;  /* NULL: none */
};

static const struct leaf_spec good_leaf = {
	-3600, 90L * 86400, "serverAuth,clientAuth", "critical,CA:FALSE", "critical,digitalSignature"
};

/* A certificate for pub, issued by issuer with issuer_key (NULL: self-signed with pub's key). */
static X509 *issue(EVP_PKEY *pub, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		   const struct leaf_spec *spec)
{
	X509 *x = X509_new();
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(random() & 0xffffff) + 1),
			 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), spec->from));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), spec->to));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)), 1);
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	add_ext(x, issuer ? issuer : x, NID_basic_constraints, spec->basic);
	if (spec->key_usage)
		add_ext(x, issuer ? issuer : x, NID_key_usage, spec->key_usage);
	if (spec->eku)
		add_ext(x, issuer ? issuer : x, NID_ext_key_usage, spec->eku);
	add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

struct ca {
	EVP_PKEY *key;
	X509 *cert;
};

static const struct leaf_spec ca_spec = {
	-86400, 3650L * 86400, NULL, "critical,CA:TRUE", "critical,keyCertSign,cRLSign"
};

/* A root (issuer NULL) or an intermediate. */
static void ca_make(struct ca *ca, const char *cn, const struct ca *issuer)
{
	ca->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ca->key);
	ca->cert = issue(ca->key, cn, issuer ? issuer->cert : NULL,
			 issuer ? issuer->key : ca->key, &ca_spec);
}

static void ca_free(struct ca *ca)
{
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
}

/* The public key of the key store's request.csr. */
static EVP_PKEY *request_pubkey(const struct tmpdir *t)
{
	char path[PATH_MAX];
	tmpdir_file(t, TLS_REQUEST_CSR, path, sizeof(path));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	X509_REQ *req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(req);
	EVP_PKEY *pub = X509_REQ_get_pubkey(req);
	assert_non_null(pub);
	X509_REQ_free(req);
	return pub;
}

/* ---- self-signed certificates ---- */

static void test_selfsign(void **state)
{
	struct tmpdir *t = *state;
	static const struct {
		enum tls_key_type type;
		const char *key_desc;
		int key_encipherment;
	} cases[] = {
		{ TLS_KEY_EC_P256, "EC P-256", 0 },
		{ TLS_KEY_RSA_2048, "RSA 2048 bits", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char key[PATH_MAX], crt[PATH_MAX];
		struct tls_cert_info info;
		struct err e = { "" };

		selfsign(t, cases[i].type);
		tmpdir_file(t, TLS_SERVER_KEY, key, sizeof(key));
		tmpdir_file(t, TLS_SERVER_CERT, crt, sizeof(crt));
		assert_mode_0600(key);
		assert_mode_0600(crt);
		assert_int_equal(entries(t), 2); /* no temporary file left */

		char *pem = file_read(key, NULL);
		assert_non_null(pem);
		assert_contains(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----");
		free(pem);
		EVP_PKEY *k = load_key(key, PASSWORD);
		assert_non_null(k);
		assert_null(load_key(key, NULL));
		assert_null(load_key(key, "wrong password"));

		X509 *x = load_cert(crt);
		assert_int_equal(X509_get_version(x), X509_VERSION_3);
		assert_int_equal(X509_check_private_key(x, k), 1);
		uint32_t flags = X509_get_extension_flags(x);
		assert_true(flags & EXFLAG_BCONS);
		assert_false(flags & EXFLAG_CA);
		assert_true(flags & EXFLAG_SS);
		assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_SERVER);
		assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
		assert_int_equal(!!(X509_get_key_usage(x) & KU_KEY_ENCIPHERMENT),
				 cases[i].key_encipherment);
		assert_non_null(X509_get0_subject_key_id(x));
		assert_non_null(X509_get0_authority_key_id(x));
		assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(x),
						       X509_get0_authority_key_id(x)),
				 0);
		/* A 128-bit random serial: 16 bytes, or 17 with a leading zero. */
		assert_true(ASN1_STRING_length(X509_get0_serialNumber(x)) >= 8);
		assert_int_equal(X509_get_signature_nid(x),
				 cases[i].key_encipherment ? NID_sha256WithRSAEncryption
							   : NID_ecdsa_with_SHA256);

		ok(tls_cert_info(crt, &info, &e), &e);
		assert_contains(info.subject, "CN=www.example.org");
		assert_contains(info.subject, "O=Example");
		assert_contains(info.subject, "C=FR");
		assert_string_equal(info.subject, info.issuer);
		assert_contains(info.sans, "DNS:www.example.org");
		assert_contains(info.sans, "DNS:example.org");
		assert_contains(info.sans, "IP Address:192.0.2.1");
		assert_true(info.days_left == 365 || info.days_left == 364);
		assert_string_equal(info.key_desc, cases[i].key_desc);
		assert_int_equal(info.self_signed, 1);
		assert_int_equal(info.server_auth, 1);
		assert_true(strlen(info.serial) >= 16);
		assert_contains(info.not_after, " UTC");

		/* The fingerprint as browsers show it, and the certificate's own. */
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		char expect[100] = "";
		assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
		for (unsigned int j = 0; j < mdlen; j++)
			snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect),
				 j ? ":%02X" : "%02X", md[j]);
		assert_int_equal(strlen(info.sha256), 95);
		assert_string_equal(info.sha256, expect);

		ok(tls_check_pair(crt, key, PASSWORD, &e), &e);
		X509_free(x);
		EVP_PKEY_free(k);
		unlink(key);
		unlink(crt);
	}
}

static void test_selfsign_force(void **state)
{
	struct tmpdir *t = *state;
	struct tls_request r;
	struct err e = { "" };
	struct file_copy old_key, old_crt;
	char key[PATH_MAX], crt[PATH_MAX], chain[PATH_MAX];

	selfsign(t, TLS_KEY_EC_P256);
	tmpdir_file(t, TLS_SERVER_KEY, key, sizeof(key));
	tmpdir_file(t, TLS_SERVER_CERT, crt, sizeof(crt));
	tmpdir_file(t, TLS_SERVER_CHAIN, chain, sizeof(chain));
	file_copy_take(&old_key, key);
	file_copy_take(&old_crt, crt);

	request_init(&r, TLS_KEY_EC_P384);
	assert_int_equal(tls_selfsign(t->path, &r, 0, &e), -1);
	assert_contains(e.msg, "server.key already exists");
	file_copy_assert_same(&old_key, key);
	file_copy_assert_same(&old_crt, crt);
	assert_int_equal(entries(t), 2);

	/* A chain left from a CA does not go with a self-signed certificate. */
	file_write(chain, "stale\n", 6);
	ok(tls_selfsign(t->path, &r, 1, &e), &e);
	assert_false(file_exists(chain));
	assert_int_equal(count_entries(t, "server.key.", ".bak"), 1);
	assert_int_equal(count_entries(t, "server.crt.", ".bak"), 1);
	assert_int_equal(count_entries(t, "chain.crt.", ".bak"), 1);
	assert_int_equal(entries(t), 5);

	/* The backups hold the old pair, and the new pair is another. */
	DIR *d = opendir(t->path);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		tmpdir_file(t, de->d_name, path, sizeof(path));
		if (strncmp(de->d_name, "server.key.", 11) == 0) {
			file_copy_assert_same(&old_key, path);
			assert_mode_0600(path);
		} else if (strncmp(de->d_name, "server.crt.", 11) == 0) {
			file_copy_assert_same(&old_crt, path);
		}
	}
	closedir(d);
	char *now = file_read(key, NULL);
	assert_string_not_equal(now, old_key.data);
	free(now);
	struct tls_cert_info info;
	ok(tls_cert_info(crt, &info, &e), &e);
	assert_string_equal(info.key_desc, "EC P-384");
	ok(tls_check_pair(crt, key, PASSWORD, &e), &e);

	/* Twice in the same second: a second backup, none overwritten. */
	ok(tls_selfsign(t->path, &r, 1, &e), &e);
	ok(tls_selfsign(t->path, &r, 1, &e), &e);
	assert_int_equal(count_entries(t, "server.key.", ".bak"), 3);
	assert_int_equal(count_entries(t, ".", ".tmp"), 0);
	file_copy_free(&old_key);
	file_copy_free(&old_crt);
}

/* ---- requests ---- */

static void test_csr(void **state)
{
	struct tmpdir *t = *state;
	struct tls_request r;
	struct err e = { "" };
	char key[PATH_MAX], path[PATH_MAX];
	char *pem = NULL;

	request_init(&r, TLS_KEY_RSA_2048);
	ok(tls_csr(t->path, &r, 0, &pem, &e), &e);
	assert_non_null(pem);
	tmpdir_file(t, TLS_REQUEST_KEY, key, sizeof(key));
	tmpdir_file(t, TLS_REQUEST_CSR, path, sizeof(path));
	assert_mode_0600(key);
	assert_mode_0600(path);
	assert_int_equal(entries(t), 2); /* and no server.key */
	char *file = file_read(path, NULL);
	assert_string_equal(file, pem);
	free(file);

	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	BIO_free(bio);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	EVP_PKEY *k = load_key(key, PASSWORD);
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_eq(k, X509_REQ_get0_pubkey(req)), 1);

	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	assert_non_null(exts);
	GENERAL_NAMES *sans = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	assert_non_null(sans);
	assert_int_equal(sk_GENERAL_NAME_num(sans), 3);
	int type;
	const ASN1_STRING *s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(sans, 0), &type);
	assert_int_equal(type, GEN_DNS);
	assert_string_equal((const char *)ASN1_STRING_get0_data(s), "www.example.org");
	s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(sans, 2), &type);
	assert_int_equal(type, GEN_IPADD);
	assert_int_equal(ASN1_STRING_length(s), 4);
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	free(pem);

	/* A second request needs force, and keeps the first as a backup. */
	assert_int_equal(tls_csr(t->path, &r, 0, &pem, &e), -1);
	assert_null(pem);
	assert_contains(e.msg, "request.key already exists");
	ok(tls_csr(t->path, &r, 1, NULL, &e), &e);
	assert_int_equal(count_entries(t, "request.key.", ".bak"), 1);
	assert_int_equal(count_entries(t, "request.csr.", ".bak"), 1);
}

/* ---- importing the CA's answer ---- */

static void test_import(void **state)
{
	struct tmpdir *t = *state;
	struct err e = { "" };
	struct ca root, inter;
	char reply[PATH_MAX], chain_in[PATH_MAX], key[PATH_MAX], crt[PATH_MAX], chain[PATH_MAX];

	/* The server runs self-signed while the request is with the CA. */
	selfsign(t, TLS_KEY_EC_P256);
	csr(t);
	ca_make(&root, "Test Root CA", NULL);
	ca_make(&inter, "Test Intermediate", &root);
	EVP_PKEY *pub = request_pubkey(t);
	X509 *leaf = issue(pub, "www.example.org", inter.cert, inter.key, &good_leaf);
	tmpdir_file(t, "reply.crt", reply, sizeof(reply));
	tmpdir_file(t, "ca-chain.pem", chain_in, sizeof(chain_in));
	write_certs(reply, &leaf, 1);
	X509 *pair[] = { inter.cert, root.cert };
	write_certs(chain_in, pair, 2);

	ok(tls_import(t->path, reply, chain_in, PASSWORD, &e), &e);
	tmpdir_file(t, TLS_SERVER_KEY, key, sizeof(key));
	tmpdir_file(t, TLS_SERVER_CERT, crt, sizeof(crt));
	tmpdir_file(t, TLS_SERVER_CHAIN, chain, sizeof(chain));
	X509 *installed = load_cert(crt);
	assert_int_equal(X509_cmp(installed, leaf), 0);
	X509_free(installed);
	assert_int_equal(count_pem_certs(crt), 1);
	assert_int_equal(count_pem_certs(chain), 2);
	installed = load_cert(chain);
	assert_int_equal(X509_cmp(installed, inter.cert), 0);
	X509_free(installed);
	assert_mode_0600(crt);
	assert_mode_0600(chain);
	assert_mode_0600(key);
	/* The request's key became the server's; the self-signed pair is kept. */
	assert_false(file_exists(TLS_REQUEST_KEY));
	ok(tls_check_pair(crt, key, PASSWORD, &e), &e);
	assert_int_equal(count_entries(t, "server.key.", ".bak"), 1);
	assert_int_equal(count_entries(t, "server.crt.", ".bak"), 1);

	struct tls_cert_info info;
	ok(tls_cert_info(crt, &info, &e), &e);
	assert_int_equal(info.self_signed, 0);
	assert_int_equal(info.server_auth, 1);
	assert_string_equal(info.issuer, "CN=Test Intermediate");
	assert_true(info.days_left == 90 || info.days_left == 89);

	/* A renewal for the same key, leaf and chain in one file, no chain file:
	 * server.key stays, the old chain becomes a backup and the new one is written. */
	struct file_copy old_key;
	file_copy_take(&old_key, key);
	X509 *renewed = issue(pub, "www.example.org", inter.cert, inter.key, &good_leaf);
	X509 *all[] = { renewed, inter.cert };
	write_certs(reply, all, 2);
	ok(tls_import(t->path, reply, NULL, PASSWORD, &e), &e);
	file_copy_assert_same(&old_key, key);
	installed = load_cert(crt);
	assert_int_equal(X509_cmp(installed, renewed), 0);
	X509_free(installed);
	assert_int_equal(count_pem_certs(chain), 1);
	assert_int_equal(count_entries(t, "chain.crt.", ".bak"), 1);
	assert_int_equal(count_entries(t, ".", ".tmp"), 0);

	/* Only the leaf: the chain is set aside. */
	write_certs(reply, &renewed, 1);
	ok(tls_import(t->path, reply, "", PASSWORD, &e), &e);
	assert_false(file_exists(chain));

	file_copy_free(&old_key);
	X509_free(renewed);
	X509_free(leaf);
	EVP_PKEY_free(pub);
	ca_free(&inter);
	ca_free(&root);
}

enum bad_import { OTHER_KEY, EXPIRED, NOT_YET, CLIENT_ONLY, IS_CA, WRONG_CA, BROKEN_CHAIN };

static void test_import_refused(void **state)
{
	struct tmpdir *t = *state;
	static const struct {
		enum bad_import what;
		const char *message;
	} cases[] = {
		{ OTHER_KEY, "the certificate does not match the private key of the request "
			     "(request.key) nor the server key" },
		{ EXPIRED, "the certificate expired on " },
		{ NOT_YET, "the certificate is not valid before " },
		{ CLIENT_ONLY, "the certificate is not a server certificate: its extended key "
			       "usage does not include TLS server authentication (serverAuth)" },
		{ IS_CA, "the certificate is not a server certificate: it is a CA certificate "
			 "(basicConstraints CA:TRUE)" },
		{ WRONG_CA, "chain.crt: certificate 1 (subject CN=Test Root CA) did not issue "
			    "certificate 1 of reply.crt (subject CN=www.example.org)" },
		{ BROKEN_CHAIN, "chain.crt: certificate 2 (subject CN=Other CA) did not issue "
				"certificate 1 (subject CN=Test Intermediate)" },
	};
	struct ca root, other, inter;
	char reply[PATH_MAX], chain_in[PATH_MAX];
	const char *kept[] = { TLS_SERVER_KEY, TLS_SERVER_CERT, TLS_REQUEST_KEY, TLS_REQUEST_CSR };
	struct file_copy copies[4];

	selfsign(t, TLS_KEY_EC_P256);
	csr(t);
	ca_make(&root, "Test Root CA", NULL);
	ca_make(&other, "Other CA", NULL);
	ca_make(&inter, "Test Intermediate", &root);
	EVP_PKEY *pub = request_pubkey(t);
	/* The CA's files, in a folder of their own as they would be. */
	tmpdir_file(t, "from-ca", reply, sizeof(reply));
	assert_int_equal(mkdir(reply, 0700), 0);
	tmpdir_file(t, "from-ca/reply.crt", reply, sizeof(reply));
	tmpdir_file(t, "from-ca/chain.crt", chain_in, sizeof(chain_in));
	for (size_t i = 0; i < 4; i++)
		file_copy_take(&copies[i], kept[i]);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct leaf_spec spec = good_leaf;
		struct err e = { "" };
		EVP_PKEY *stranger = NULL;
		EVP_PKEY *key = pub;
		struct ca *issuer = &root;
		X509 *chain[2] = { root.cert, NULL };
		size_t nchain = 1;

		switch (cases[i].what) {
		case OTHER_KEY:
			stranger = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
			key = stranger;
			break;
		case EXPIRED:
			spec.from = -30L * 86400;
			spec.to = -86400;
			break;
		case NOT_YET:
			spec.from = 86400;
			break;
		case CLIENT_ONLY:
			spec.eku = "clientAuth";
			break;
		case IS_CA:
			spec.basic = "critical,CA:TRUE";
			break;
		case WRONG_CA:
			issuer = &other;
			break;
		case BROKEN_CHAIN:
			issuer = &inter;
			chain[0] = inter.cert;
			chain[1] = other.cert;
			nchain = 2;
			break;
		}
		X509 *leaf = issue(key, "www.example.org", issuer->cert, issuer->key, &spec);
		write_certs(reply, &leaf, 1);
		write_certs(chain_in, chain, nchain);
		int before = entries(t);
		assert_int_equal(tls_import(t->path, reply, chain_in, PASSWORD, &e), -1);
		if (!strstr(e.msg, cases[i].message))
			fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, e.msg,
				 cases[i].message);
		/* Nothing in the key store changed. */
		assert_int_equal(entries(t), before);
		for (size_t j = 0; j < 4; j++)
			file_copy_assert_same(&copies[j], kept[j]);
		X509_free(leaf);
		EVP_PKEY_free(stranger);
	}
	for (size_t i = 0; i < 4; i++)
		file_copy_free(&copies[i]);
	EVP_PKEY_free(pub);
	ca_free(&inter);
	ca_free(&other);
	ca_free(&root);
}

/* ---- checks before the daemon loads a pair ---- */

static void test_check_pair(void **state)
{
	struct tmpdir *t = *state;
	struct err e = { "" };
	char key[PATH_MAX], crt[PATH_MAX], req_key[PATH_MAX], missing[PATH_MAX], msg[PATH_MAX + 64];

	selfsign(t, TLS_KEY_EC_P256);
	csr(t);
	tmpdir_file(t, TLS_SERVER_KEY, key, sizeof(key));
	tmpdir_file(t, TLS_SERVER_CERT, crt, sizeof(crt));
	tmpdir_file(t, TLS_REQUEST_KEY, req_key, sizeof(req_key));
	tmpdir_file(t, "nothing.crt", missing, sizeof(missing));

	ok(tls_check_pair(crt, key, PASSWORD, &e), &e);

	assert_int_equal(tls_check_pair(crt, key, "not the password", &e), -1);
	assert_string_equal(e.msg, "cannot decrypt the private key with the stored password");

	assert_int_equal(tls_check_pair(missing, key, PASSWORD, &e), -1);
	snprintf(msg, sizeof(msg), "certificate file %s not found", missing);
	assert_string_equal(e.msg, msg);

	assert_int_equal(tls_check_pair(crt, missing, PASSWORD, &e), -1);
	assert_contains(e.msg, "not found");

	assert_int_equal(tls_check_pair(crt, req_key, PASSWORD, &e), -1);
	assert_string_equal(e.msg, "the certificate does not match the private key");

	/* A key file that holds a certificate instead. */
	assert_int_equal(tls_check_pair(crt, crt, PASSWORD, &e), -1);
	assert_contains(e.msg, "no PEM private key in");

	/* An expired certificate for the request's key. */
	struct ca root;
	struct leaf_spec spec = good_leaf;
	spec.from = -30L * 86400;
	spec.to = -86400;
	ca_make(&root, "Test Root CA", NULL);
	EVP_PKEY *pub = request_pubkey(t);
	X509 *old = issue(pub, "www.example.org", root.cert, root.key, &spec);
	write_certs(missing, &old, 1);
	assert_int_equal(tls_check_pair(missing, req_key, PASSWORD, &e), -1);
	assert_contains(e.msg, "the certificate expired on ");
	assert_contains(e.msg, " UTC");

	struct tls_cert_info info;
	ok(tls_cert_info(missing, &info, &e), &e);
	assert_true(info.days_left < 0);
	X509_free(old);
	EVP_PKEY_free(pub);
	ca_free(&root);
}

static void test_check_ca_file(void **state)
{
	struct tmpdir *t = *state;
	struct err e = { "" };
	struct ca a, b;
	char path[PATH_MAX];
	int count = -1;

	ca_make(&a, "CA one", NULL);
	ca_make(&b, "CA two", NULL);
	tmpdir_file(t, "clients-ca.pem", path, sizeof(path));
	X509 *both[] = { a.cert, b.cert };
	write_certs(path, both, 2);
	ok(tls_check_ca_file(path, &count, &e), &e);
	assert_int_equal(count, 2);

	file_write(path, "", 0);
	assert_int_equal(tls_check_ca_file(path, &count, &e), -1);
	assert_contains(e.msg, "no PEM certificate in");
	assert_int_equal(count, 0);

	static const char damaged[] = "-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n"
				      "-----END CERTIFICATE-----\n";
	file_write(path, damaged, sizeof(damaged) - 1);
	assert_int_equal(tls_check_ca_file(path, &count, &e), -1);

	unlink(path);
	assert_int_equal(tls_check_ca_file(path, &count, &e), -1);
	assert_contains(e.msg, "not found");
	ca_free(&a);
	ca_free(&b);
}

/* What the server is handed: the certificates it was given, the key decrypted
 * (for RSA as for EC), and nothing when a check fails. */
static void test_load_pair(void **state)
{
	struct tmpdir *t = *state;
	struct err e = { "" };
	char key[PATH_MAX], crt[PATH_MAX], req_key[PATH_MAX];
	static const enum tls_key_type types[] = { TLS_KEY_EC_P384, TLS_KEY_RSA_2048 };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct tls_request r;
		char *cert_pem = NULL, *key_pem = NULL;
		request_init(&r, types[i]);
		ok(tls_selfsign(t->path, &r, 1, &e), &e);
		tmpdir_file(t, TLS_SERVER_KEY, key, sizeof(key));
		tmpdir_file(t, TLS_SERVER_CERT, crt, sizeof(crt));
		struct tls_cert_info info;
		ok(tls_load_pair(crt, key, PASSWORD, &cert_pem, &key_pem, &info, &e), &e);
		assert_string_equal(info.key_desc, i == 0 ? "EC P-384" : "RSA 2048 bits");
		assert_int_equal(info.server_auth, 1);
		assert_null(strstr(key_pem, "ENCRYPTED"));
		BIO *kb = BIO_new_mem_buf(key_pem, -1), *cb = BIO_new_mem_buf(cert_pem, -1);
		EVP_PKEY *pk = PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)"");
		X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
		assert_non_null(pk);
		assert_non_null(x);
		assert_int_equal(X509_check_private_key(x, pk), 1);
		EVP_PKEY_free(pk);
		X509_free(x);
		BIO_free(kb);
		BIO_free(cb);
		tls_pem_free(&cert_pem);
		tls_pem_free(&key_pem);
		assert_null(key_pem);
	}

	char *cert_pem = NULL, *key_pem = NULL;
	csr(t);
	tmpdir_file(t, TLS_REQUEST_KEY, req_key, sizeof(req_key));
	assert_int_equal(tls_load_pair(crt, req_key, PASSWORD, &cert_pem, &key_pem, NULL, &e), -1);
	assert_string_equal(e.msg, "the certificate does not match the private key");
	assert_null(cert_pem);
	assert_null(key_pem);
	assert_int_equal(tls_load_pair(crt, key, "not the password", &cert_pem, &key_pem, NULL, &e), -1);
	assert_null(key_pem);

	/* A CA file: every certificate, in order. */
	struct ca a, b;
	char path[PATH_MAX], *pem = NULL;
	int count = 0;
	ca_make(&a, "CA one", NULL);
	ca_make(&b, "CA two", NULL);
	tmpdir_file(t, "clients-ca.pem", path, sizeof(path));
	X509 *both[] = { a.cert, b.cert };
	write_certs(path, both, 2);
	ok(tls_load_ca_file(path, &count, &pem, &e), &e);
	assert_int_equal(count, 2);
	const char *second = strstr(pem + 1, "-----BEGIN CERTIFICATE-----");
	assert_non_null(second);
	assert_null(strstr(second + 1, "-----BEGIN CERTIFICATE-----"));
	tls_pem_free(&pem);
	ca_free(&a);
	ca_free(&b);
	ERR_clear_error();
}

/* ---- what a person types ---- */

enum field { CN, COUNTRY, EMAIL, SAN, ORG };

static void test_subject_validate(void **state)
{
	(void)state;
	static const struct {
		enum field field;
		const char *value;
		const char *message; /* NULL: accepted */
	} cases[] = {
		{ CN, "", "the common name is required" },
		{ CN, "My Server", "the common name \"My Server\" may hold only" },
		{ CN, "192.0.2.10", NULL },
		{ CN, "*.example.org", NULL },
		{ CN, "mailhost", NULL },
		{ COUNTRY, "", NULL },
		{ COUNTRY, "fr", NULL },
		{ COUNTRY, "F", "the country must be two letters" },
		{ COUNTRY, "F1", "the country must be two letters" },
		{ EMAIL, "", NULL },
		{ EMAIL, "postmaster@example.org", NULL },
		{ EMAIL, "postmaster", "the e-mail address \"postmaster\" needs a name before an @" },
		{ EMAIL, "a@b@example.org", "has more than one @" },
		{ EMAIL, "a b@example.org", "cannot appear in an address" },
		{ EMAIL, "admin@exa_mple.org", "does not end in a valid domain name" },
		{ SAN, "mail.example.org", NULL },
		{ SAN, "*.example.org", NULL },
		{ SAN, "::1", NULL },
		{ SAN, "2001:db8::25", NULL },
		{ SAN, "xn--bcher-kva.example", NULL },
		{ SAN, "bad_name.example.org", "the alternative name \"bad_name.example.org\" may hold only" },
		{ SAN, "-mail.example.org", "starts or ends with a hyphen" },
		{ SAN, "mail..example.org", "has an empty label" },
		{ SAN, "example.org.", "has an empty label" },
		{ SAN, "www.*.example.org", "may hold only" },
		{ SAN, "*.org", "wildcard over a whole top-level domain" },
		{ SAN, "192.0.2.300", "ends in a number" },
		{ SAN, "", "alternative name 1 is empty" },
		{ SAN, "a.bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopq.org",
		  "label longer than 63" },
		{ ORG, "Exämple SA", NULL },
		{ ORG, "Evil\x1b[31m", "the organization contains a control character" },
		{ ORG, "\xff\xfe", "the organization is not valid UTF-8" },
		{ ORG, "An organization name that goes on and on beyond sixty-four characters",
		  "the organization is longer than 64 characters" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tls_request r;
		struct err e = { "" };
		request_init(&r, TLS_KEY_EC_P256);
		switch (cases[i].field) {
		case CN:
			snprintf(r.subject.cn, sizeof(r.subject.cn), "%s", cases[i].value);
			break;
		case COUNTRY:
			snprintf(r.subject.c, sizeof(r.subject.c), "%s", cases[i].value);
			break;
		case EMAIL:
			snprintf(r.subject.email, sizeof(r.subject.email), "%s", cases[i].value);
			break;
		case SAN:
			snprintf(r.subject.sans[0], sizeof(r.subject.sans[0]), "%s", cases[i].value);
			break;
		case ORG:
			snprintf(r.subject.o, sizeof(r.subject.o), "%s", cases[i].value);
			break;
		}
		int rc = tls_subject_validate(&r.subject, &e);
		if (!cases[i].message) {
			if (rc != 0)
				fail_msg("case %zu (%s) refused: %s", i, cases[i].value, e.msg);
		} else {
			if (rc != -1)
				fail_msg("case %zu (%s) accepted", i, cases[i].value);
			if (!strstr(e.msg, cases[i].message))
				fail_msg("case %zu: \"%s\" does not contain \"%s\"", i, e.msg,
					 cases[i].message);
		}
	}
}

/* A bad request is refused before anything is written. */
static void test_request_refused(void **state)
{
	struct tmpdir *t = *state;
	struct tls_request r;
	struct err e = { "" };

	request_init(&r, TLS_KEY_EC_P256);
	r.password = "short";
	assert_int_equal(tls_selfsign(t->path, &r, 0, &e), -1);
	assert_contains(e.msg, "at least 8 characters");
	request_init(&r, TLS_KEY_EC_P256);
	r.days = 0;
	assert_int_equal(tls_selfsign(t->path, &r, 0, &e), -1);
	assert_contains(e.msg, "1 to 3650 days");
	r.days = 3651;
	assert_int_equal(tls_selfsign(t->path, &r, 0, &e), -1);
	request_init(&r, TLS_KEY_EC_P256);
	memcpy(r.subject.c, "XYZ", sizeof(r.subject.c)); /* no room left for the end */
	assert_int_equal(tls_csr(t->path, &r, 0, NULL, &e), -1);
	assert_int_equal(entries(t), 0);
}

static void test_keystore_check(void **state)
{
	struct tmpdir *t = *state;
	struct err e = { "" };
	char missing[PATH_MAX], file[PATH_MAX];
	struct tls_request r;

	ok(tls_keystore_check(t->path, &e), &e);

	tmpdir_file(t, "keys", missing, sizeof(missing));
	assert_int_equal(tls_keystore_check(missing, &e), -1);
	assert_contains(e.msg, "does not exist");
	assert_false(file_exists(missing));

	tmpdir_file(t, "a-file", file, sizeof(file));
	file_write(file, "x", 1);
	assert_int_equal(tls_keystore_check(file, &e), -1);
	assert_contains(e.msg, "is not a folder");

	/* Nor does making a certificate create the folder. */
	request_init(&r, TLS_KEY_EC_P256);
	assert_int_equal(tls_selfsign(missing, &r, 0, &e), -1);
	assert_contains(e.msg, "does not exist");
	assert_false(file_exists(missing));
	assert_int_equal(entries(t), 1);
	char *data = file_read(file, NULL);
	assert_string_equal(data, "x");
	free(data);
}

static void test_password_generate(void **state)
{
	(void)state;
	char a[TLS_PASSWORD_MAX], b[TLS_PASSWORD_MAX], small[32];
	struct err e = { "" };

	ok(tls_password_generate(a, sizeof(a), &e), &e);
	ok(tls_password_generate(b, sizeof(b), &e), &e);
	assert_int_equal(strlen(a), 32);
	for (const char *p = a; *p; p++)
		assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9'));
	assert_string_not_equal(a, b);
	assert_int_equal(tls_password_generate(small, sizeof(small), &e), -1);
}

static void test_key_types(void **state)
{
	(void)state;
	for (int i = 0; i < TLS_KEY_TYPES; i++) {
		enum tls_key_type back;
		const char *name = tls_key_type_name((enum tls_key_type)i);
		assert_non_null(name);
		assert_int_equal(tls_key_type_parse(name, &back), 0);
		assert_int_equal(back, i);
	}
	enum tls_key_type k;
	assert_int_equal(tls_key_type_parse("rsa-1024", &k), -1);
	assert_int_equal(tls_key_type_parse("ec-p256", &k), 0);
	assert_int_equal(k, TLS_KEY_EC_P256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_selfsign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selfsign_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_ca_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_pair, setup, teardown),
		cmocka_unit_test(test_subject_validate),
		cmocka_unit_test_setup_teardown(test_request_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keystore_check, setup, teardown),
		cmocka_unit_test(test_password_generate),
		cmocka_unit_test(test_key_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
