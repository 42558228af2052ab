/* cert_status.c - the certificates webmsgd serves, as the operator needs to
 * see them: who issued them, for which names, how long they last, how they
 * renew, and whether the last renewal failed. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "webmsg/acme.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/term_safe.h"
#include "webmsg/tls_material.h"

#include "core/cert_status.h"

static void date_text(time_t t, char *out, size_t outlen)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(out, outlen, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, outlen, "?");
}

/* How the server certificate renews, and the last failure when it is ACME's. */
static void server_renewal(const struct config_snapshot *cfg, const struct tls_cert_info *info,
			   time_t now, struct cert_status *c)
{
	char record[PATH_MAX], when[32];
	struct acme_renewal r;
	struct err e;
	time_t due;
	int is_due;

	if (!config_str(cfg, SET_SSL_ACME_DIRECTORY)[0]) {
		snprintf(c->renews, sizeof(c->renews), "manual: %s",
			 info->self_signed ? "self-signed" : "imported from a CA");
		return;
	}
	if (acme_renewal_path(cfg, record, sizeof(record), &e) < 0 ||
	    acme_renewal_read(record, &r, &e) < 0) {
		memset(&r, 0, sizeof(r));
		snprintf(c->failure, sizeof(c->failure), "cannot read the renewal record: %s", e.msg);
	}
	if (acme_renewal_due(c->file, now, &is_due, &due, &e) < 0)
		due = now;
	if (r.failures > 0 && acme_renewal_next_try(&r) > due)
		due = acme_renewal_next_try(&r);
	date_text(due > now ? due : now, when, sizeof(when));
	snprintf(c->renews, sizeof(c->renews), "ACME, renewed by %s, next after %s",
		 ACME_RENEW_TIMER, when);
	if (r.failures > 0) {
		char at[32];
		date_text(r.last_failure, at, sizeof(at));
		snprintf(c->failure, sizeof(c->failure), "last renewal failed %s (attempt %d): %s",
			 at, r.failures, r.reason);
	}
}

static void level(struct cert_status *c, int acme)
{
	c->level = CHECK_OK;
	c->hint[0] = '\0';
	if (c->days_left < 0) {
		c->level = CHECK_FAIL;
		snprintf(c->hint, sizeof(c->hint), "%s",
			 acme ? "webmsg-admin ssl acme renew --force, and see why it failed"
			      : "replace it: ssl csr and ssl import, ssl acme, or ssl selfsign --force");
	} else if (c->failure[0] && c->days_left < TLS_CERT_WARN_DAYS) {
		/* A failed renewal is urgent once the certificate is close to its end. */
		c->level = CHECK_FAIL;
		snprintf(c->hint, sizeof(c->hint), "fix what the CA says, then: webmsg-admin ssl "
						   "acme renew --force");
	} else if (c->days_left < TLS_CERT_WARN_DAYS || c->failure[0]) {
		c->level = CHECK_WARN;
		snprintf(c->hint, sizeof(c->hint), "%s",
			 acme ? "the timer retries; to try now: webmsg-admin ssl acme renew --force"
			      : "renew it soon: ssl csr and ssl import, ssl acme, or ssl selfsign "
				"--force");
	}
}

static void fill(struct cert_status *c, const char *what, const char *file)
{
	struct tls_cert_info info;
	struct err e;
	char safe[sizeof(info.issuer)];
	memset(c, 0, sizeof(*c));
	snprintf(c->what, sizeof(c->what), "%s", what);
	term_safe(file, c->file, sizeof(c->file), 0);
	if (tls_cert_info(file, &info, &e) < 0) {
		term_safe(e.msg, c->error, sizeof(c->error), 0);
		c->level = CHECK_FAIL;
		snprintf(c->hint, sizeof(c->hint), "see webmsg-admin ssl show");
		return;
	}
	c->readable = 1;
	term_safe(info.issuer, c->issuer, sizeof(c->issuer), 0);
	term_safe(info.sans[0] ? info.sans : info.subject, safe, sizeof(safe), 0);
	snprintf(c->names, sizeof(c->names), "%s", safe);
	c->days_left = info.days_left;
	snprintf(c->not_after, sizeof(c->not_after), "%s", info.not_after);
}

size_t cert_status_collect(const struct config_snapshot *cfg, time_t now,
			   struct cert_status *out, size_t max)
{
	struct ssl_paths p;
	struct err e;
	size_t n = 0;
	if (max == 0 || ssl_config_paths(cfg, &p, &e) < 0)
		return 0;
	fill(&out[n], "server certificate", p.cert);
	if (out[n].readable) {
		struct tls_cert_info info;
		if (tls_cert_info(p.cert, &info, &e) == 0)
			server_renewal(cfg, &info, now, &out[n]);
	}
	level(&out[n], config_str(cfg, SET_SSL_ACME_DIRECTORY)[0] != '\0');
	n++;
	if (n < max && p.client_ca[0]) {
		fill(&out[n], "client CA file", p.client_ca);
		if (out[n].readable)
			snprintf(out[n].renews, sizeof(out[n].renews), "manual: the CA's own certificate");
		level(&out[n], 0);
		n++;
	}
	return n;
}

void cert_status_line(const struct cert_status *c, char *out, size_t outlen)
{
	char left[64];
	if (!c->readable) {
		snprintf(out, outlen, "%s %s: %s", c->what, c->file, c->error);
		return;
	}
	if (c->days_left < 0)
		snprintf(left, sizeof(left), "expired %ld days ago", -c->days_left);
	else
		snprintf(left, sizeof(left), "%ld days left", c->days_left);
	snprintf(out, outlen, "%s: issuer %s; names %s; %s (until %s); %s%s%s", c->what,
		 c->issuer, c->names, left, c->not_after, c->renews, c->failure[0] ? "; " : "",
		 c->failure);
}
