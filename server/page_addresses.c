/* page_addresses.c - address completion for the compose form: GET
 * /mail/addresses?q=PREFIX answers a JSON array of at most 20 addresses that
 * start with PREFIX, the user's recent recipients first, then the users of
 * the user's domain. Under the session (the route needs one); a GET changes
 * nothing, so it needs no CSRF token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "mailbox.h"
#include "pages.h"
#include "privsep.h"
#include "server.h"
#include "webmsg/address.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/json.h"
#include "webmsg/log.h"
#include "webmsg/mailstore.h"

#define ADDRESSES_MAX 20
/* A prefix longer than any address finds nothing anyway. */
#define PREFIX_MAX MAIL_ADDRESS_MAX

struct answer {
	char found[ADDRESSES_MAX][MAIL_ADDRESS_MAX];
	size_t n;
};

static void answer_add(const char *address, void *arg)
{
	struct answer *a = arg;
	if (a->n == ADDRESSES_MAX)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (strcasecmp(a->found[i], address) == 0)
			return;
	snprintf(a->found[a->n++], MAIL_ADDRESS_MAX, "%s", address);
}

enum MHD_Result page_addresses(struct request *r, const char *rest)
{
	const char *q = http_arg(r, "q");
	struct answer *a = calloc(1, sizeof(*a));
	char(*recent)[MAIL_ADDRESS_MAX] = NULL;
	size_t nrecent = 0, qlen;
	struct mailstore *ms;
	struct err e;
	struct buf out;
	(void)rest;

	if (!a)
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.");
	q += strspn(q, " \t");
	qlen = strlen(q);
	/* Longer than any address: nothing starts with it. */
	if (qlen < PREFIX_MAX && mailbox_open(r, &ms, &e) == 0) {
		if (mailstore_recent_get(ms, &recent, &nrecent, &e) < 0)
			log_warnx("%s: recent recipients: %s", log_q(r->sess.user), log_q(e.msg));
		mailstore_close(&ms);
	}
	for (size_t i = 0; i < nrecent; i++)
		if (strncasecmp(recent[i], q, qlen) == 0)
			answer_add(recent[i], a);
	free(recent);
	/* The whole domain only for a prefix: never a list of every user. */
	const char *domain = address_domain(r->sess.user);
	if (qlen > 0 && qlen < PREFIX_MAX && domain && a->n < ADDRESSES_MAX &&
	    privsep_domain_users(r->gen->srv->ps, domain, q, ADDRESSES_MAX, answer_add, a, &e) < 0)
		log_warnx("%s: users of the domain: %s", log_q(r->sess.user), log_q(e.msg));
	buf_init(&out, ADDRESSES_MAX * (MAIL_ADDRESS_MAX * 6 + 4) + 8);
	buf_puts(&out, "[");
	for (size_t i = 0; i < a->n; i++) {
		if (i)
			buf_puts(&out, ",");
		json_string(&out, a->found[i]);
	}
	buf_puts(&out, "]");
	free(a);
	if (out.failed) {
		buf_free(&out);
		return http_send_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.");
	}
	size_t len;
	char *data = buf_steal(&out, &len);
	return http_send_bytes(r, MHD_HTTP_OK, "application/json; charset=utf-8", data, len,
			       NULL);
}
