/* acme.c - the ACME client (RFC 8555) webmsg-admin runs: the transport
 * (libcurl with a timeout on every request, nonces, signed requests, the
 * CA's error documents), the directory, and the whole run (acme_issue).
 * Nothing in the key store changes here but the account key, made once; the
 * caller installs the result through the import's checks. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "webmsg/fileio.h"
#include "webmsg/term_safe.h"

#include "acme_private.h"

void acme_progress(const struct acme *a, const char *fmt, ...)
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

void acme_answer_free(struct answer *ans)
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
		acme_answer_free(ans);
		return err_set(e, "%s: the CA's answer is larger than %d bytes", url, ANSWER_MAX);
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
		acme_answer_free(ans);
		return err_set(e, "cannot trust the ACME server at %s: %s (give its CA with "
				  "--ca-file)",
			       url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	if (rc != CURLE_OK) {
		acme_answer_free(ans);
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
int acme_problem(const struct acme *a, json_t *doc, const char *url, struct err *e)
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

int acme_answer_problem(const struct acme *a, const struct answer *ans, const char *what,
			  struct err *e)
{
	json_t *doc = json_loadb(ans->body, ans->len, 0, NULL);
	int rc;
	if (doc && json_is_object(doc) && json_object_get(doc, "type"))
		rc = acme_problem(a, doc, NULL, e);
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
	acme_answer_free(&ans);
	if (!a->nonce[0])
		return err_set(e, "the CA gave no nonce (%s)", a->new_nonce);
	return 0;
}

/* A signed POST (payload NULL: POST-as-GET); a refused nonce is retried
 * with the fresh one the refusal carries. The answer is the caller's to
 * free; a status >= 400 is left to the caller to explain. */
int acme_post(struct acme *a, const char *url, const char *payload, const char *accept,
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
		acme_answer_free(ans);
	}
}

/* A signed POST whose answer must be a JSON object with a status below 400. */
int acme_post_json(struct acme *a, const char *url, const char *payload, const char *what,
		     json_t **doc, struct answer *ans, struct err *e)
{
	json_error_t je;
	*doc = NULL;
	if (acme_post(a, url, payload, NULL, ans, e) < 0)
		return err_prefix(e, "%s", what);
	if (ans->status >= 400) {
		acme_answer_problem(a, ans, what, e);
		acme_answer_free(ans);
		return -1;
	}
	*doc = json_loadb(ans->body, ans->len, 0, &je);
	if (!*doc || !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		acme_answer_free(ans);
		return err_set(e, "%s: the CA's answer is not a JSON object", what);
	}
	return 0;
}

int acme_copy_url(json_t *obj, const char *name, char *out, size_t outlen, int required,
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
	acme_progress(a, "directory %s", a->o->directory);
	if (http_do(a, a->o->directory, NULL, NULL, &ans, e) < 0)
		return -1;
	doc = json_loadb(ans.body, ans.len, 0, NULL);
	if (ans.status != 200 || !json_is_object(doc))
		err_set(e, "%s is not an ACME directory (HTTP %ld)", a->o->directory, ans.status);
	else if (acme_copy_url(doc, "newNonce", a->new_nonce, sizeof(a->new_nonce), 1, e) == 0 &&
		 acme_copy_url(doc, "newAccount", a->new_account, sizeof(a->new_account), 1, e) == 0 &&
		 acme_copy_url(doc, "newOrder", a->new_order, sizeof(a->new_order), 1, e) == 0 &&
		 acme_copy_url(json_object_get(doc, "meta"), "termsOfService", a->terms,
			  sizeof(a->terms), 0, e) == 0 &&
		 acme_copy_url(doc, "renewalInfo", a->renewal_info, sizeof(a->renewal_info), 0,
			       e) == 0)
		rc = 0;
	/* Asked before anything is made, the account key included. */
	if (rc == 0 && a->terms[0] && !a->o->agree_tos) {
		char safe[URL_MAX];
		rc = err_set(e, "the CA's terms of service (%s) must be agreed to: read them, then "
				"give --agree-tos",
			     term_safe(a->terms, safe, sizeof(safe), 0));
	}
	json_decref(doc);
	acme_answer_free(&ans);
	return rc;
}
int acme_directory_terms(const struct acme_order *o, char *terms, size_t len, struct err *e)
{
	struct acme_order asked = *o;
	struct acme *a = calloc(1, sizeof(*a));
	int rc = -1;
	if (!a)
		return err_set(e, "out of memory");
	asked.agree_tos = 1; /* only asking what the terms are */
	a->o = &asked;
	if (!(a->curl = curl_easy_init()))
		err_set(e, "cannot start libcurl");
	else if (directory(a, e) == 0) {
		term_safe(a->terms, terms, len, 0);
		rc = 0;
	}
	if (a->curl)
		curl_easy_cleanup(a->curl);
	free(a);
	ERR_clear_error();
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
	if (directory(a, e) < 0 || acme_account_key(a, e) < 0 ||
	    acme_jwk_thumbprint(a->account, a->thumbprint, sizeof(a->thumbprint), e) < 0 ||
	    acme_account_register(a, e) < 0 || acme_order_place(a, chain_pem, key_pem, e) < 0)
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
	time_t from, to, at;
	if (acme_cert_dates(cert_file, &from, &to, e) < 0)
		return -1;
	at = acme_renewal_window_at(from, to, 0, 0, 0);
	*due = now >= at;
	if (due_at)
		*due_at = at;
	return 0;
}

/* RFC 3339 as ARI gives it ("2025-01-02T04:00:00Z", maybe with a fraction
 * of a second or an offset of zero): seconds since 1970, or -1. */
static time_t rfc3339(const char *s)
{
	struct tm tm;
	const char *end;
	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (strcmp(end, "Z") != 0 && strcmp(end, "z") != 0 && strcmp(end, "+00:00") != 0)
		return -1;
	return timegm(&tm);
}

int acme_ari_cert_id(const char *cert_file, char *out, size_t outlen, struct err *e)
{
	char *data = NULL, aki64[128], ser64[128];
	size_t len;
	BIO *bio;
	X509 *x;
	int rc = -1;
	if (fileio_read_path(cert_file, O_NOFOLLOW, KEY_FILE_MAX, &data, &len, e) < 0)
		return -1;
	bio = BIO_new_mem_buf(data, (int)len);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	free(data);
	const ASN1_OCTET_STRING *aki = x ? X509_get0_authority_key_id(x) : NULL;
	const ASN1_INTEGER *serial = x ? X509_get0_serialNumber(x) : NULL;
	/* The serial's DER content octets, with the leading 0 a positive number
	 * whose top bit is set gets: the DER of the INTEGER without its tag and
	 * (short: serials are at most 20 bytes) length. */
	unsigned char *der = NULL;
	int derlen = serial ? i2d_ASN1_INTEGER(serial, &der) : -1;
	if (!aki || derlen < 3 || der[0] != V_ASN1_INTEGER || (der[1] & 0x80) ||
	    der[1] != derlen - 2 ||
	    acme_b64url(ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki), aki64,
			sizeof(aki64)) < 0 ||
	    acme_b64url(der + 2, (size_t)derlen - 2, ser64, sizeof(ser64)) < 0)
		err_set(e, "%s has no authority key identifier or serial for ARI", cert_file);
	else if (snprintf(out, outlen, "%s.%s", aki64, ser64) >= (int)outlen)
		err_set(e, "the certificate's ARI identifier is too long");
	else
		rc = 0;
	OPENSSL_free(der);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int acme_renewal_info(const struct acme_order *o, const char *cert_file, time_t *start,
		      time_t *end, struct err *e)
{
	struct acme *a = calloc(1, sizeof(*a));
	struct answer ans;
	char id[300], url[URL_MAX + 300];
	json_t *doc = NULL, *win;
	int rc = -1;

	*start = *end = 0;
	if (!a)
		return err_set(e, "out of memory");
	a->o = o;
	if (!(a->curl = curl_easy_init())) {
		err_set(e, "cannot start libcurl");
		goto done;
	}
	if (directory(a, e) < 0)
		goto done;
	if (!a->renewal_info[0]) {
		rc = 0; /* the CA offers no ARI */
		goto done;
	}
	if (acme_ari_cert_id(cert_file, id, sizeof(id), e) < 0)
		goto done;
	snprintf(url, sizeof(url), "%s%s%s", a->renewal_info,
		 a->renewal_info[strlen(a->renewal_info) - 1] == '/' ? "" : "/", id);
	if (http_do(a, url, NULL, NULL, &ans, e) < 0)
		goto done;
	doc = ans.status == 200 ? json_loadb(ans.body, ans.len, 0, NULL) : NULL;
	acme_answer_free(&ans);
	win = json_object_get(doc, "suggestedWindow");
	*start = rfc3339(json_string_value(json_object_get(win, "start")));
	*end = rfc3339(json_string_value(json_object_get(win, "end")));
	if (*start <= 0 || *end < *start) {
		*start = *end = 0;
		err_set(e, "the CA's renewal information at %s has no window", url);
		goto done;
	}
	rc = 1;
done:
	json_decref(doc);
	if (a->curl)
		curl_easy_cleanup(a->curl);
	free(a);
	ERR_clear_error();
	return rc;
}
