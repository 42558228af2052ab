/* acme_order.c - one ACME order: new order, each authorization's http-01
 * challenge answered through the challenge folder, finalize with a CSR from
 * a fresh key, and the certificate chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme_private.h"

/* Asks for url until its status is neither pending nor processing, within
 * the order's timeout; *doc gets the last answer. */
static int poll(struct acme *a, const char *url, const char *what, json_t **doc, struct err *e)
{
	time_t deadline = time(NULL) + a->o->timeout;
	for (;;) {
		struct answer ans;
		const char *status;
		long delay;
		if (acme_post_json(a, url, NULL, what, doc, &ans, e) < 0)
			return -1;
		delay = ans.retry_after > 0 ? ans.retry_after : POLL_DEFAULT_DELAY;
		acme_answer_free(&ans);
		status = json_string_value(json_object_get(*doc, "status"));
		if (!status) {
			json_decref(*doc);
			*doc = NULL;
			return err_set(e, "%s: the CA's answer has no status", what);
		}
		if (strcmp(status, "pending") != 0 && strcmp(status, "processing") != 0)
			return 0;
		if (delay > POLL_MAX_DELAY)
			delay = POLL_MAX_DELAY;
		if (time(NULL) + delay > deadline) {
			json_decref(*doc);
			*doc = NULL;
			return err_set(e, "%s: still %s after %ld seconds", what, status,
				       a->o->timeout);
		}
		json_decref(*doc);
		*doc = NULL;
		sleep((unsigned)delay);
	}
}

/* Tokens written so far, removed when the order is over. */
struct tokens {
	char list[ACME_MAX_DOMAINS][ACME_TOKEN_MAX + 1];
	size_t n;
};

static int authorize(struct acme *a, const char *authz_url, struct tokens *t, struct err *e)
{
	struct answer ans;
	json_t *doc = NULL, *challenges, *ch = NULL;
	char ch_url[URL_MAX], token[ACME_TOKEN_MAX + 1], keyauth[ACME_KEYAUTH_MAX + 1],
		where[URL_MAX + 300], name[256];
	size_t i;
	int rc = -1;

	if (acme_post_json(a, authz_url, NULL, "authorization", &doc, &ans, e) < 0)
		return -1;
	acme_answer_free(&ans);
	const char *status = json_string_value(json_object_get(doc, "status"));
	const char *ident = json_string_value(
		json_object_get(json_object_get(doc, "identifier"), "value"));
	snprintf(name, sizeof(name), "%s", ident ? ident : "?");
	if (status && strcmp(status, "valid") == 0) {
		acme_progress(a, "%s: already authorized", name);
		json_decref(doc);
		return 0;
	}
	challenges = json_object_get(doc, "challenges");
	json_array_foreach(challenges, i, ch) {
		const char *type = json_string_value(json_object_get(ch, "type"));
		if (type && strcmp(type, "http-01") == 0)
			break;
	}
	if (!json_is_array(challenges) || i == json_array_size(challenges)) {
		err_set(e, "the CA offers no http-01 challenge for %s", name);
		goto done;
	}
	if (acme_copy_url(ch, "url", ch_url, sizeof(ch_url), 1, e) < 0)
		goto done;
	const char *tok = json_string_value(json_object_get(ch, "token"));
	if (!acme_token_ok(tok)) {
		err_set(e, "the CA sent a challenge token for %s that is not base64url", name);
		goto done;
	}
	snprintf(token, sizeof(token), "%s", tok);
	snprintf(keyauth, sizeof(keyauth), "%s.%s", token, a->thumbprint);
	snprintf(where, sizeof(where), "http://%s%s%s", name, ACME_CHALLENGE_PATH, token);
	if (acme_challenge_put(a->o->challenge_dir, token, keyauth, e) < 0)
		goto done;
	if (t->n < ACME_MAX_DOMAINS)
		memcpy(t->list[t->n++], token, sizeof(token));
	json_decref(doc);
	doc = NULL;

	acme_progress(a, "%s: answering the http-01 challenge at %s", name, where);
	if (acme_post_json(a, ch_url, "{}", "challenge", &doc, &ans, e) < 0)
		goto done;
	acme_answer_free(&ans);
	json_decref(doc);
	doc = NULL;
	if (poll(a, authz_url, "authorization", &doc, e) < 0)
		goto done;
	status = json_string_value(json_object_get(doc, "status"));
	if (strcmp(status, "valid") == 0) {
		acme_progress(a, "%s: authorized", name);
		rc = 0;
		goto done;
	}
	/* Why: the error of the challenge that failed. */
	challenges = json_object_get(doc, "challenges");
	json_array_foreach(challenges, i, ch) {
		if (json_is_object(json_object_get(ch, "error"))) {
			acme_problem(a, json_object_get(ch, "error"), where, e);
			goto done;
		}
	}
	err_set(e, "the CA did not authorize %s (status %s)", name, status);
done:
	json_decref(doc);
	return rc;
}

/* The request for the names, signed by the new key, as base64url DER. */
static int make_csr(const struct acme_order *o, EVP_PKEY *key, char **out, struct err *e)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	GENERAL_NAMES *sans = GENERAL_NAMES_new();
	X509_EXTENSION *ext = NULL;
	unsigned char *der = NULL;
	int derlen, rc = -1;

	*out = NULL;
	if (!req || !name || !exts || !sans ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)o->domains[0], -1, -1, 0) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, key))
		goto fail;
	for (size_t i = 0; i < o->ndomains; i++) {
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		if (!gn || !s || !ASN1_STRING_set(s, o->domains[i], -1)) {
			GENERAL_NAME_free(gn);
			ASN1_IA5STRING_free(s);
			goto fail;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, s);
		if (!sk_GENERAL_NAME_push(sans, gn)) {
			GENERAL_NAME_free(gn);
			goto fail;
		}
	}
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, sans);
	if (!ext || !sk_X509_EXTENSION_push(exts, ext))
		goto fail;
	ext = NULL;
	if (!X509_REQ_add_extensions(req, exts) || !X509_REQ_sign(req, key, EVP_sha256()) ||
	    (derlen = i2d_X509_REQ(req, &der)) <= 0)
		goto fail;
	size_t cap = (size_t)derlen / 3 * 4 + 8;
	*out = malloc(cap);
	if (!*out || acme_b64url(der, (size_t)derlen, *out, cap) < 0) {
		free(*out);
		*out = NULL;
		goto fail;
	}
	rc = 0;
	goto done;
fail:
	err_ssl(e, "cannot make the certificate request");
done:
	OPENSSL_free(der);
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(sans);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return rc;
}

static EVP_PKEY *new_key(enum tls_key_type t, struct err *e)
{
	EVP_PKEY *k = t == TLS_KEY_RSA_2048 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
					    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k)
		err_ssl(e, "cannot make the certificate's key");
	return k;
}

static int key_to_pem(EVP_PKEY *key, const char *password, char **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	*out = NULL;
	if (!bio || !PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), password,
						   (int)strlen(password), NULL, NULL)) {
		BIO_free(bio);
		return err_ssl(e, "cannot encrypt the certificate's key");
	}
	n = BIO_get_mem_data(bio, &p);
	*out = n > 0 ? strndup(p, (size_t)n) : NULL;
	BIO_free(bio);
	return *out ? 0 : err_set(e, "out of memory");
}

/* finalize, wait for the certificate, download the chain. */
static int finalize(struct acme *a, const char *order_url, const char *finalize_url,
		    EVP_PKEY *key, char **chain, struct err *e)
{
	struct answer ans;
	json_t *doc = NULL;
	char *csr = NULL, *payload = NULL, cert_url[URL_MAX];
	int rc = -1;

	if (make_csr(a->o, key, &csr, e) < 0)
		return -1;
	json_t *req = json_pack("{s:s}", "csr", csr);
	free(csr);
	payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!payload)
		return err_set(e, "out of memory");
	acme_progress(a, "finalizing the order");
	if (acme_post_json(a, finalize_url, payload, "finalize", &doc, &ans, e) < 0)
		goto done;
	acme_answer_free(&ans);
	json_decref(doc);
	if (poll(a, order_url, "order", &doc, e) < 0)
		goto done;
	const char *status = json_string_value(json_object_get(doc, "status"));
	if (strcmp(status, "valid") != 0) {
		if (json_is_object(json_object_get(doc, "error")))
			acme_problem(a, json_object_get(doc, "error"), NULL, e);
		else
			err_set(e, "the CA did not issue the certificate (order %s)", status);
		goto done;
	}
	if (acme_copy_url(doc, "certificate", cert_url, sizeof(cert_url), 1, e) < 0)
		goto done;
	acme_progress(a, "downloading the certificate");
	if (acme_post(a, cert_url, NULL, "application/pem-certificate-chain", &ans, e) < 0)
		goto done;
	if (ans.status != 200) {
		acme_answer_problem(a, &ans, "certificate", e);
		acme_answer_free(&ans);
		goto done;
	}
	*chain = ans.body;
	ans.body = NULL;
	acme_answer_free(&ans);
	rc = 0;
done:
	json_decref(doc);
	free(payload);
	return rc;
}

int acme_order_place(struct acme *a, char **chain_pem, char **key_pem, struct err *e)
{
	struct answer ans;
	json_t *req = json_object(), *ids = json_array(), *doc = NULL, *authzs;
	char order_url[URL_MAX], finalize_url[URL_MAX], *payload = NULL;
	struct tokens *t = calloc(1, sizeof(*t));
	EVP_PKEY *key = NULL;
	size_t i;
	json_t *v;
	int rc = -1;

	if (!req || !ids || !t) {
		err_set(e, "out of memory");
		goto done;
	}
	for (i = 0; i < a->o->ndomains; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns", "value",
						     a->o->domains[i]));
	json_object_set(req, "identifiers", ids);
	payload = json_dumps(req, JSON_COMPACT);
	if (!payload) {
		err_set(e, "out of memory");
		goto done;
	}
	acme_progress(a, "new order");
	if (acme_post_json(a, a->new_order, payload, "new order", &doc, &ans, e) < 0)
		goto done;
	snprintf(order_url, sizeof(order_url), "%s", ans.location);
	acme_answer_free(&ans);
	if (!order_url[0]) {
		err_set(e, "the CA did not say where the order is");
		goto done;
	}
	if (acme_copy_url(doc, "finalize", finalize_url, sizeof(finalize_url), 1, e) < 0)
		goto done;
	authzs = json_object_get(doc, "authorizations");
	if (!json_is_array(authzs) || json_array_size(authzs) == 0) {
		err_set(e, "the CA's order has no authorizations");
		goto done;
	}
	json_array_foreach(authzs, i, v) {
		if (!json_string_value(v)) {
			err_set(e, "the CA's order has a wrong authorization");
			goto done;
		}
		if (authorize(a, json_string_value(v), t, e) < 0)
			goto done;
	}
	if (!(key = new_key(a->o->key_type, e)) ||
	    finalize(a, order_url, finalize_url, key, chain_pem, e) < 0)
		goto done;
	if (key_to_pem(key, a->o->password, key_pem, e) < 0) {
		free(*chain_pem);
		*chain_pem = NULL;
		goto done;
	}
	rc = 0;
done:
	for (i = 0; t && i < t->n; i++)
		acme_challenge_remove(a->o->challenge_dir, t->list[i]);
	free(t);
	EVP_PKEY_free(key);
	free(payload);
	json_decref(doc);
	json_decref(ids);
	json_decref(req);
	return rc;
}
