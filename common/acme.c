/* acme.c - the ACME client (RFC 8555) webmsg-admin runs: directory, nonces,
 * account, order, http-01 challenges, finalize and the certificate chain,
 * over libcurl with a timeout on every request, JSON read with jansson.
 * Nothing in the key store changes here but the account key, made once; the
 * caller installs the result through the import's checks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"

#define ANSWER_MAX (1024 * 1024) /* a certificate chain is a few KiB */
#define URL_MAX 2048
#define NONCE_MAX 256
#define BAD_NONCE_TRIES 3
#define POLL_DEFAULT_DELAY 1
#define POLL_MAX_DELAY 10
#define KEY_FILE_MAX (64 * 1024)

struct answer {
	long status;
	char *body; /* NUL-terminated */
	size_t len;
	int too_large;
	char nonce[NONCE_MAX];
	char location[URL_MAX];
	long retry_after; /* seconds, 0: none given */
};

struct acme {
	const struct acme_order *o;
	CURL *curl;
	EVP_PKEY *account;
	char thumbprint[64];
	char kid[URL_MAX];
	char nonce[NONCE_MAX];
	char new_nonce[URL_MAX], new_account[URL_MAX], new_order[URL_MAX];
	char terms[URL_MAX];
};

static void progress(const struct acme *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct acme *a, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if (!a->o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->o->progress(line, a->o->arg);
}

static void answer_free(struct answer *ans)
{
	free(ans->body);
	memset(ans, 0, sizeof(*ans));
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct answer *ans = arg;
	size_t len = size * n;
	if (ans->len + len > ANSWER_MAX) {
		ans->too_large = 1;
		return 0;
	}
	char *p = realloc(ans->body, ans->len + len + 1);
	if (!p)
		return 0;
	memcpy(p + ans->len, data, len);
	ans->body = p;
	ans->len += len;
	p[ans->len] = '\0';
	return len;
}

/* Copies a header's value (blanks and the line end trimmed) when its name is name. */
static int header_value(const char *line, size_t len, const char *name, char *out,
			size_t outlen)
{
	size_t nlen = strlen(name);
	if (len <= nlen + 1 || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return 0;
	const char *v = line + nlen + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	if ((size_t)(end - v) >= outlen)
		return 0; /* too long to be what we want: ignored */
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = '\0';
	return 1;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct answer *ans = arg;
	size_t len = size * n;
	char value[32];
	header_value(data, len, "Replay-Nonce", ans->nonce, sizeof(ans->nonce));
	header_value(data, len, "Location", ans->location, sizeof(ans->location));
	/* Seconds only; an HTTP date falls back to the default delay. */
	if (header_value(data, len, "Retry-After", value, sizeof(value))) {
		char *end;
		long s = strtol(value, &end, 10);
		if (end != value && *end == '\0' && s > 0)
			ans->retry_after = s;
	}
	return len;
}

/* One request: GET when body is NULL, else a POST of the JWS. */
static int http_do(struct acme *a, const char *url, const char *body, const char *accept,
		   struct answer *ans, struct err *e)
{
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	memset(ans, 0, sizeof(*ans));
	curl_easy_reset(a->curl);
	headers = curl_slist_append(headers, "Content-Type: application/jose+json");
	if (accept) {
		char h[128];
		snprintf(h, sizeof(h), "Accept: %s", accept);
		headers = curl_slist_append(headers, h);
	}
	curl_easy_setopt(a->curl, CURLOPT_URL, url);
	curl_easy_setopt(a->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT, a->o->timeout);
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT, a->o->timeout);
	curl_easy_setopt(a->curl, CURLOPT_USERAGENT, "webmsg-admin (ACME)");
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(a->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(a->curl, CURLOPT_HEADERDATA, ans);
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, headers);
	if (a->o->ca_file && a->o->ca_file[0])
		curl_easy_setopt(a->curl, CURLOPT_CAINFO, a->o->ca_file);
	if (body) {
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = curl_easy_perform(a->curl);
	curl_slist_free_all(headers);
	if (rc == CURLE_OK)
		curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &ans->status);
	if (ans->too_large) {
		answer_free(ans);
		return err_set(e, "%s: the CA's answer is larger than %d bytes", url, ANSWER_MAX);
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
		answer_free(ans);
		return err_set(e, "cannot trust the ACME server at %s: %s (give its CA with "
				  "--ca-file)",
			       url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	if (rc != CURLE_OK) {
		answer_free(ans);
		return err_set(e, "cannot reach the ACME server at %s: %s", url,
			       errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	if (!ans->body) {
		ans->body = calloc(1, 1);
		if (!ans->body)
			return err_set(e, "out of memory");
	}
	return 0;
}

/* The CA's error document in plain words; url names the challenge. */
static int problem(const struct acme *a, json_t *doc, const char *url, struct err *e)
{
	char text[ERR_MSG_MAX];
	const char *type = json_string_value(json_object_get(doc, "type"));
	const char *detail = json_string_value(json_object_get(doc, "detail"));
	json_t *subs = json_object_get(doc, "subproblems");
	/* The first subproblem says which name failed, and why. */
	if (json_is_array(subs) && json_array_size(subs) > 0) {
		json_t *s = json_array_get(subs, 0);
		if (json_string_value(json_object_get(s, "type")))
			type = json_string_value(json_object_get(s, "type"));
		if (json_string_value(json_object_get(s, "detail")))
			detail = json_string_value(json_object_get(s, "detail"));
	}
	acme_problem_text(type, detail, url, a->o->http_port, text, sizeof(text));
	return err_set(e, "%s", text);
}

static int answer_problem(const struct acme *a, const struct answer *ans, const char *what,
			  struct err *e)
{
	json_t *doc = json_loadb(ans->body, ans->len, 0, NULL);
	int rc;
	if (doc && json_is_object(doc) && json_object_get(doc, "type"))
		rc = problem(a, doc, NULL, e);
	else
		rc = err_set(e, "%s: the CA answered HTTP %ld", what, ans->status);
	json_decref(doc);
	return rc;
}

static int is_bad_nonce(const struct answer *ans)
{
	json_t *doc;
	int bad = 0;
	if (ans->status != 400)
		return 0;
	doc = json_loadb(ans->body, ans->len, 0, NULL);
	bad = doc && json_string_value(json_object_get(doc, "type")) &&
	      strcmp(json_string_value(json_object_get(doc, "type")),
		     "urn:ietf:params:acme:error:badNonce") == 0;
	json_decref(doc);
	return bad;
}

static int fresh_nonce(struct acme *a, struct err *e)
{
	struct answer ans;
	if (http_do(a, a->new_nonce, NULL, NULL, &ans, e) < 0)
		return err_prefix(e, "new nonce");
	snprintf(a->nonce, sizeof(a->nonce), "%s", ans.nonce);
	answer_free(&ans);
	if (!a->nonce[0])
		return err_set(e, "the CA gave no nonce (%s)", a->new_nonce);
	return 0;
}

/* A signed POST (payload NULL: POST-as-GET); a refused nonce is retried
 * with the fresh one the refusal carries. The answer is the caller's to
 * free; a status >= 400 is left to the caller to explain. */
static int post(struct acme *a, const char *url, const char *payload, const char *accept,
		struct answer *ans, struct err *e)
{
	for (int tries = 0;; tries++) {
		char *jws = NULL;
		if (!a->nonce[0] && fresh_nonce(a, e) < 0)
			return -1;
		if (acme_jws(a->account, a->kid[0] ? a->kid : NULL, a->nonce, url, payload, &jws,
			     e) < 0)
			return -1;
		a->nonce[0] = '\0'; /* a nonce is used once */
		int rc = http_do(a, url, jws, accept, ans, e);
		free(jws);
		if (rc < 0)
			return -1;
		snprintf(a->nonce, sizeof(a->nonce), "%s", ans->nonce);
		if (!is_bad_nonce(ans) || tries + 1 >= BAD_NONCE_TRIES)
			return 0;
		answer_free(ans);
	}
}

/* A signed POST whose answer must be a JSON object with a status below 400. */
static int post_json(struct acme *a, const char *url, const char *payload, const char *what,
		     json_t **doc, struct answer *ans, struct err *e)
{
	json_error_t je;
	*doc = NULL;
	if (post(a, url, payload, NULL, ans, e) < 0)
		return err_prefix(e, "%s", what);
	if (ans->status >= 400) {
		answer_problem(a, ans, what, e);
		answer_free(ans);
		return -1;
	}
	*doc = json_loadb(ans->body, ans->len, 0, &je);
	if (!*doc || !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		answer_free(ans);
		return err_set(e, "%s: the CA's answer is not a JSON object", what);
	}
	return 0;
}

static int copy_url(json_t *obj, const char *name, char *out, size_t outlen, int required,
		    struct err *e)
{
	const char *v = json_string_value(json_object_get(obj, name));
	out[0] = '\0';
	if (!v)
		return required ? err_set(e, "the CA's answer has no %s", name) : 0;
	if (strlen(v) >= outlen)
		return err_set(e, "the CA's %s is too long", name);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int directory(struct acme *a, struct err *e)
{
	struct answer ans;
	json_t *doc;
	int rc = -1;
	progress(a, "directory %s", a->o->directory);
	if (http_do(a, a->o->directory, NULL, NULL, &ans, e) < 0)
		return -1;
	doc = json_loadb(ans.body, ans.len, 0, NULL);
	if (ans.status != 200 || !json_is_object(doc))
		err_set(e, "%s is not an ACME directory (HTTP %ld)", a->o->directory, ans.status);
	else if (copy_url(doc, "newNonce", a->new_nonce, sizeof(a->new_nonce), 1, e) == 0 &&
		 copy_url(doc, "newAccount", a->new_account, sizeof(a->new_account), 1, e) == 0 &&
		 copy_url(doc, "newOrder", a->new_order, sizeof(a->new_order), 1, e) == 0 &&
		 copy_url(json_object_get(doc, "meta"), "termsOfService", a->terms,
			  sizeof(a->terms), 0, e) == 0)
		rc = 0;
	/* Asked before anything is made, the account key included. */
	if (rc == 0 && a->terms[0] && !a->o->agree_tos)
		rc = err_set(e, "the CA's terms of service (%s) must be agreed to: read them, then "
				"give --agree-tos",
			     a->terms);
	json_decref(doc);
	answer_free(&ans);
	return rc;
}

/* The account key: read from the key store, or made and stored (0600,
 * encrypted with the key store's password) the first time. */
static int account_key(struct acme *a, struct err *e)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	const char *password = a->o->password;
	char *data = NULL;
	size_t len;
	BIO *bio;
	int n = snprintf(path, sizeof(path), "%s/%s", a->o->keystore, ACME_ACCOUNT_KEY);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, "the path of the account key is too long");
	if (access(path, F_OK) == 0) {
		if (fileio_read_path(path, O_NOFOLLOW, KEY_FILE_MAX, &data, &len, e) < 0)
			return -1;
		bio = BIO_new_mem_buf(data, (int)len);
		a->account = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)password) : NULL;
		BIO_free(bio);
		OPENSSL_cleanse(data, len);
		free(data);
		if (!a->account) {
			ERR_clear_error();
			return err_set(e, "cannot decrypt %s with the stored key password", path);
		}
		return 0;
	}
	progress(a, "making the account key %s", path);
	a->account = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	bio = BIO_new(BIO_s_mem());
	if (!a->account || !bio ||
	    !PEM_write_bio_PKCS8PrivateKey(bio, a->account, EVP_aes_256_cbc(), password,
					   (int)strlen(password), NULL, NULL)) {
		BIO_free(bio);
		return err_ssl(e, "cannot make the ACME account key");
	}
	char *pem;
	long pemlen = BIO_get_mem_data(bio, &pem);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = n > 0 && (size_t)n < sizeof(tmp)
			 ? open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600)
			 : -1;
	if (fd < 0 || fchmod(fd, 0600) < 0 || fileio_write_all(fd, pem, (size_t)pemlen) < 0 ||
	    fsync(fd) < 0) {
		err_sys(e, "cannot write %s", tmp);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		BIO_free(bio);
		return -1;
	}
	BIO_free(bio);
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err_sys(e, "cannot put %s in place", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int account(struct acme *a, struct err *e)
{
	struct answer ans;
	json_t *req, *doc = NULL;
	char *payload;
	int rc;

	req = json_pack("{s:b}", "termsOfServiceAgreed", a->o->agree_tos ? 1 : 0);
	if (req && a->o->email && a->o->email[0]) {
		char mailto[320];
		if (snprintf(mailto, sizeof(mailto), "mailto:%s", a->o->email) >=
		    (int)sizeof(mailto)) {
			json_decref(req);
			return err_set(e, "the e-mail address is too long");
		}
		json_object_set_new(req, "contact", json_pack("[s]", mailto));
	}
	payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!payload)
		return err_set(e, "out of memory");
	progress(a, "account");
	rc = post_json(a, a->new_account, payload, "new account", &doc, &ans, e);
	free(payload);
	if (rc < 0)
		return -1;
	if (!ans.location[0])
		rc = err_set(e, "the CA did not say where the account is");
	else
		snprintf(a->kid, sizeof(a->kid), "%s", ans.location);
	json_decref(doc);
	answer_free(&ans);
	return rc;
}

/* Asks for url until its status is neither pending nor processing, within
 * the order's timeout; *doc gets the last answer. */
static int poll(struct acme *a, const char *url, const char *what, json_t **doc, struct err *e)
{
	time_t deadline = time(NULL) + a->o->timeout;
	for (;;) {
		struct answer ans;
		const char *status;
		long delay;
		if (post_json(a, url, NULL, what, doc, &ans, e) < 0)
			return -1;
		delay = ans.retry_after > 0 ? ans.retry_after : POLL_DEFAULT_DELAY;
		answer_free(&ans);
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

	if (post_json(a, authz_url, NULL, "authorization", &doc, &ans, e) < 0)
		return -1;
	answer_free(&ans);
	const char *status = json_string_value(json_object_get(doc, "status"));
	const char *ident = json_string_value(
		json_object_get(json_object_get(doc, "identifier"), "value"));
	snprintf(name, sizeof(name), "%s", ident ? ident : "?");
	if (status && strcmp(status, "valid") == 0) {
		progress(a, "%s: already authorized", name);
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
	if (copy_url(ch, "url", ch_url, sizeof(ch_url), 1, e) < 0)
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

	progress(a, "%s: answering the http-01 challenge at %s", name, where);
	if (post_json(a, ch_url, "{}", "challenge", &doc, &ans, e) < 0)
		goto done;
	answer_free(&ans);
	json_decref(doc);
	doc = NULL;
	if (poll(a, authz_url, "authorization", &doc, e) < 0)
		goto done;
	status = json_string_value(json_object_get(doc, "status"));
	if (strcmp(status, "valid") == 0) {
		progress(a, "%s: authorized", name);
		rc = 0;
		goto done;
	}
	/* Why: the error of the challenge that failed. */
	challenges = json_object_get(doc, "challenges");
	json_array_foreach(challenges, i, ch) {
		if (json_is_object(json_object_get(ch, "error"))) {
			problem(a, json_object_get(ch, "error"), where, e);
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
	size_t plen = strlen(csr) + 16;
	payload = malloc(plen);
	if (!payload) {
		free(csr);
		return err_set(e, "out of memory");
	}
	snprintf(payload, plen, "{\"csr\":\"%s\"}", csr);
	free(csr);
	progress(a, "finalizing the order");
	if (post_json(a, finalize_url, payload, "finalize", &doc, &ans, e) < 0)
		goto done;
	answer_free(&ans);
	json_decref(doc);
	if (poll(a, order_url, "order", &doc, e) < 0)
		goto done;
	const char *status = json_string_value(json_object_get(doc, "status"));
	if (strcmp(status, "valid") != 0) {
		if (json_is_object(json_object_get(doc, "error")))
			problem(a, json_object_get(doc, "error"), NULL, e);
		else
			err_set(e, "the CA did not issue the certificate (order %s)", status);
		goto done;
	}
	if (copy_url(doc, "certificate", cert_url, sizeof(cert_url), 1, e) < 0)
		goto done;
	progress(a, "downloading the certificate");
	if (post(a, cert_url, NULL, "application/pem-certificate-chain", &ans, e) < 0)
		goto done;
	if (ans.status != 200) {
		answer_problem(a, &ans, "certificate", e);
		answer_free(&ans);
		goto done;
	}
	*chain = ans.body;
	ans.body = NULL;
	answer_free(&ans);
	rc = 0;
done:
	json_decref(doc);
	free(payload);
	return rc;
}

static int order(struct acme *a, char **chain_pem, char **key_pem, struct err *e)
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
	progress(a, "new order");
	if (post_json(a, a->new_order, payload, "new order", &doc, &ans, e) < 0)
		goto done;
	snprintf(order_url, sizeof(order_url), "%s", ans.location);
	answer_free(&ans);
	if (!order_url[0]) {
		err_set(e, "the CA did not say where the order is");
		goto done;
	}
	if (copy_url(doc, "finalize", finalize_url, sizeof(finalize_url), 1, e) < 0)
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

int acme_issue(const struct acme_order *o, char **chain_pem, char **key_pem, struct err *e)
{
	struct acme *a;
	int rc = -1;

	*chain_pem = NULL;
	*key_pem = NULL;
	if (o->ndomains == 0)
		return err_set(e, "give at least one name (--domain)");
	if (!o->password || strlen(o->password) < 8)
		return err_set(e, "the key store has no key password yet (make a key first or set "
				  "ssl.key_password)");
	if (o->timeout <= 0)
		return err_set(e, "the timeout must be positive");
	a = calloc(1, sizeof(*a));
	if (!a)
		return err_set(e, "out of memory");
	a->o = o;
	a->curl = curl_easy_init();
	if (!a->curl) {
		err_set(e, "cannot start libcurl");
		goto done;
	}
	if (directory(a, e) < 0 || account_key(a, e) < 0 ||
	    acme_jwk_thumbprint(a->account, a->thumbprint, sizeof(a->thumbprint), e) < 0 ||
	    account(a, e) < 0 || order(a, chain_pem, key_pem, e) < 0)
		goto done;
	rc = 0;
done:
	if (a->curl)
		curl_easy_cleanup(a->curl);
	EVP_PKEY_free(a->account);
	free(a);
	ERR_clear_error();
	return rc;
}

int acme_renewal_due(const char *cert_file, time_t now, int *due, time_t *due_at,
		     struct err *e)
{
	char *data = NULL;
	size_t len;
	BIO *bio;
	X509 *x;
	struct tm nb, na;
	if (fileio_read_path(cert_file, O_NOFOLLOW, KEY_FILE_MAX, &data, &len, e) < 0)
		return -1;
	bio = BIO_new_mem_buf(data, (int)len);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(data);
	if (!x || !ASN1_TIME_to_tm(X509_get0_notBefore(x), &nb) ||
	    !ASN1_TIME_to_tm(X509_get0_notAfter(x), &na)) {
		X509_free(x);
		return err_ssl(e, "cannot read the certificate %s", cert_file);
	}
	X509_free(x);
	time_t from = timegm(&nb), to = timegm(&na);
	time_t at = from + (to - from) / 3 * 2;
	*due = now >= at;
	if (due_at)
		*due_at = at;
	return 0;
}
