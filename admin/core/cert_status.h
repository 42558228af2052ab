/* cert_status.h - every certificate webmsgd serves (the HTTPS server
 * certificate; the client-CA file when client authentication has one):
 * issuer, names, days left, how it renews and the last failed renewal,
 * with a level. `service status`, the console's status screen and `check`
 * show the same lines. */
#ifndef WEBMSG_ADMIN_CORE_CERT_STATUS_H
#define WEBMSG_ADMIN_CORE_CERT_STATUS_H

#include <time.h>

#include "core/troubleshoot.h"

struct config_snapshot;

#define CERT_STATUS_MAX 2

struct cert_status {
	char what[64];     /* "server certificate", "client CA file" */
	char file[256];
	int readable;
	char error[256];   /* when not readable */
	char issuer[256];
	char names[512];   /* the SANs, else the subject */
	long days_left;    /* negative once expired */
	char not_after[32];
	char renews[256];  /* "ACME, renewed by ..., next after DATE" / "manual: self-signed" */
	char failure[700]; /* the last failed renewal ("" when none) */
	enum check_level level;
	char hint[256];
};

/* Fills out[0..n) (n returned, at most max) as of now; never fails: what
 * cannot be read says so in its entry. Text is safe to print. */
size_t cert_status_collect(const struct config_snapshot *cfg, time_t now,
			   struct cert_status *out, size_t max);
/* One line: "server certificate: issuer X; names Y; 20 days left (until
 * DATE); ACME, renewed by ...". */
void cert_status_line(const struct cert_status *c, char *out, size_t outlen);

#endif
