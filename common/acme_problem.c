/* acme_problem.c - an ACME error document (RFC 8555 section 6.7) told to
 * the operator in plain words, with what to do about it where we know. */
#include <stdio.h>
#include <string.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"
#include "webmsg/term_safe.h"

#define PROBLEM_PREFIX "urn:ietf:params:acme:error:"

/* What each problem says: lead, then the challenge's address (about_url)
 * followed by the CA's detail, or the detail alone in brackets; then tail. */
static const struct {
	const char *name;
	const char *lead, *tail;
	int about_url;
	int port_hint; /* ask whether port 80 reaches webmsgd */
} problems[] = {
	{ "connection", "the CA could not reach ", "", 1, 1 },
	{ "unauthorized", "the CA did not get the expected answer from ", "", 1, 1 },
	{ "incorrectResponse", "the CA got a wrong answer from ", "", 1, 1 },
	{ "tls", "the CA could not make a TLS connection for ", "", 1, 1 },
	{ "dns", "the CA could not look up the name of ", " (check the DNS records)", 1, 0 },
	{ "caa", "a CAA record in the DNS does not allow this CA to issue", "", 0, 0 },
	{ "rejectedIdentifier", "the CA will not issue a certificate for these names", "", 0, 0 },
	{ "unsupportedIdentifier", "the CA does not issue for names like these", "", 0, 0 },
	{ "malformed", "the CA found the request malformed", "", 0, 0 },
	{ "rateLimited", "the CA's rate limit is reached", "; try again later", 0, 0 },
	{ "badNonce", "the CA refused the request's nonce again and again", "", 0, 0 },
	{ "userActionRequired", "the CA wants you to do something first", "; see its website", 0,
	  0 },
	{ "externalAccountRequired", "the CA needs an external account binding", "", 0, 0 },
	{ "agreementRequired", "the CA's terms of service must be agreed to",
	  "; give --agree-tos", 0, 0 },
	{ "accountDoesNotExist", "the CA does not know the account", "", 0, 0 },
	{ "badCSR", "the CA refused the certificate request", "", 0, 0 },
	{ "badSignatureAlgorithm", "the CA does not take this signature algorithm", "", 0, 0 },
	{ "badPublicKey", "the CA does not take this kind of key", "", 0, 0 },
	{ "serverInternal", "the CA had an internal error", "; try again later", 0, 0 },
	{ "orderNotReady", "the order was not ready to be finalized", "", 0, 0 },
};

void acme_problem_text(const char *type, const char *detail, const char *url, long http_port,
		       char *out, size_t outlen)
{
	const char *name = type && strncmp(type, PROBLEM_PREFIX, strlen(PROBLEM_PREFIX)) == 0
				   ? type + strlen(PROBLEM_PREFIX)
				   : NULL;
	char port[128] = "";
	size_t i, n = sizeof(problems) / sizeof(problems[0]);

	char safe[ERR_MSG_MAX / 2];
	if (!detail || !detail[0])
		detail = "no details given";
	/* The CA's text on one line, nothing in it a terminal would act on. */
	detail = term_safe(detail, safe, sizeof(safe), 0);
	for (i = 0; name && i < n; i++)
		if (strcmp(problems[i].name, name) == 0)
			break;
	if (!name || i == n) {
		char stype[256];
		if (type)
			type = term_safe(type, stype, sizeof(stype), 0);
		snprintf(out, outlen, "the CA refused: %s%s%s%s", detail, type ? " (" : "",
			 type ? type : "", type ? ")" : "");
		return;
	}
	if (problems[i].port_hint && http_port > 0)
		snprintf(port, sizeof(port), " - is port 80 forwarded to webmsgd's HTTP port %ld?",
			 http_port);
	else if (problems[i].port_hint)
		snprintf(port, sizeof(port), " - is port 80 forwarded to webmsgd's HTTP port?");
	if (problems[i].about_url)
		snprintf(out, outlen, "%s%s: %s%s%s", problems[i].lead,
			 url && url[0] ? url : "the challenge's address", detail, problems[i].tail,
			 port);
	else
		snprintf(out, outlen, "%s (%s)%s%s", problems[i].lead, detail, problems[i].tail, port);
}
