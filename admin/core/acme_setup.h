/* acme_setup.h - getting the server certificate from an ACME CA, as the
 * `ssl acme` command does it (and the SSL wizard may): the order filled from
 * the configuration, the certificate issued and installed through the
 * import's checks, and the settings that remember how, for renewal. */
#ifndef WEBMSG_ADMIN_ACME_SETUP_H
#define WEBMSG_ADMIN_ACME_SETUP_H

#include <limits.h>
#include <stddef.h>

#include "webmsg/acme.h"
#include "webmsg/config.h"

struct err;

#define ACME_SETUP_TIMEOUT 60 /* seconds for each request and each wait */

/* An order and the memory its strings point into. */
struct acme_setup {
	struct acme_order order;
	char keystore[PATH_MAX];
	char challenge_dir[PATH_MAX];
	char ca_file[PATH_MAX];
	char names[ACME_MAX_DOMAINS][256];         /* the order's domains point here */
	char domains_list[ACME_MAX_DOMAINS * 256]; /* "a.example,b.example" */
	char password[TLS_PASSWORD_MAX + 1];
};

/* What comes from the configuration whatever the order: key store,
 * challenge folder, HTTP port, timeout, the stored key password. */
int acme_setup_init(struct acme_setup *s, const struct config_snapshot *cfg, struct err *e);
/* The order of the certificate installed before (ssl.acme_*), for renewal. */
int acme_setup_from_config(struct acme_setup *s, const struct config_snapshot *cfg,
			   struct err *e);
/* Adds a name (checked as a host name) to the order. */
int acme_setup_add_domain(struct acme_setup *s, const char *name, struct err *e);
/* Issues the certificate and installs it with its new key (tls_import_issued).
 * On failure nothing in the key store changed but, the first time, the
 * account key. */
int acme_setup_issue(struct acme_setup *s, struct err *e);
/* The settings that remember the order (5 changes); their values point into s. */
size_t acme_setup_changes(struct acme_setup *s, struct config_change *changes, size_t max);

#endif
