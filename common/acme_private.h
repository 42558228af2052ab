/* acme_private.h - what the pieces of the ACME client share: one run's
 * state, the CA's answers, and the signed requests (acme.c). Not for use
 * outside common/acme*.c; the public API is webmsg/acme.h. */
#ifndef WEBMSG_ACME_PRIVATE_H
#define WEBMSG_ACME_PRIVATE_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"

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
	char renewal_info[URL_MAX]; /* ARI (RFC 9773), when the CA offers it */
};

/* acme.c: the transport. */
void acme_progress(const struct acme *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void acme_answer_free(struct answer *ans);
/* The CA's error document in plain words; url names the challenge. */
int acme_problem(const struct acme *a, json_t *doc, const char *url, struct err *e);
int acme_answer_problem(const struct acme *a, const struct answer *ans, const char *what,
			struct err *e);
/* A signed POST (payload NULL: POST-as-GET); a refused nonce is retried
 * with the fresh one the refusal carries. The answer is the caller's to
 * free; a status >= 400 is left to the caller to explain. */
int acme_post(struct acme *a, const char *url, const char *payload, const char *accept,
	      struct answer *ans, struct err *e);
/* A signed POST whose answer must be a JSON object with a status below 400. */
int acme_post_json(struct acme *a, const char *url, const char *payload, const char *what,
		   json_t **doc, struct answer *ans, struct err *e);
int acme_copy_url(json_t *obj, const char *name, char *out, size_t outlen, int required,
		  struct err *e);

/* acme_account.c: the account key (made once) and the account. */
int acme_account_key(struct acme *a, struct err *e);
int acme_account_register(struct acme *a, struct err *e);

/* acme_order.c: an order, its authorizations and challenges, finalize and
 * the chain. */
int acme_order_place(struct acme *a, char **chain_pem, char **key_pem, struct err *e);

#endif
