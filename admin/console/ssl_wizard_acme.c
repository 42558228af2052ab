/* ssl_wizard_acme.c - the SSL wizard's fourth choice for the certificate:
 * from an ACME CA. Its details are checked as `ssl acme` checks them, and
 * the CA's directory is asked for its terms before the wizard goes on. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/acme.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"
#include "webmsg/tls_material.h"

#include "console/ssl_wizard.h"
#include "core/acme_setup.h"
#include "widgets/dialog.h"
#include "widgets/form.h"

/* The ACME order as typed: the same checks as `ssl acme`, then the CA's
 * directory is read, which proves it answers and names its terms of
 * service; those must be agreed to before anything is made. */
int wizard_acme_order(struct wizard *w, struct acme_setup *s, struct err *e, int *field)
{
	struct form *f = &w->forms[STEP_DETAILS];
	const char *dir = form_value(f, D_ACME_DIRECTORY), *url = form_value(f, D_ACME_URL),
		   *ca = form_value(f, D_ACME_CA_FILE);
	char names[sizeof(s->domains_list)];

	*field = D_ACME_EMAIL;
	if (!form_value(f, D_ACME_EMAIL)[0] || !strchr(form_value(f, D_ACME_EMAIL), '@'))
		return err_set(e, "an e-mail address: the CA writes there about the certificate");
	s->order.email = form_value(f, D_ACME_EMAIL);
	*field = D_ACME_NAMES;
	snprintf(names, sizeof(names), "%s", form_value(f, D_ACME_NAMES));
	for (char *p = names, *next; p && *p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		p += strspn(p, " ");
		p[strcspn(p, " ")] = '\0';
		if (*p && acme_setup_add_domain(s, p, e) < 0)
			return -1;
	}
	if (s->order.ndomains == 0)
		return err_set(e, "at least one host name");
	*field = strcmp(dir, ACME_DIR_OTHER) == 0 ? D_ACME_URL : D_ACME_DIRECTORY;
	s->order.directory = strcmp(dir, ACME_DIR_STAGING) == 0	 ? ACME_LETSENCRYPT_STAGING
			     : strcmp(dir, ACME_DIR_OTHER) == 0 ? url
								 : ACME_LETSENCRYPT;
	if (settings_validate(settings_get(SET_SSL_ACME_DIRECTORY), s->order.directory, e) < 0)
		return -1;
	*field = D_ACME_CA_FILE;
	if (ca[0] && !realpath(ca, s->ca_file))
		return err_set(e, "%s does not exist", ca);
	s->order.ca_file = ca[0] ? s->ca_file : NULL;
	*field = D_ACME_KEY_TYPE;
	if (tls_key_type_parse(form_value(f, D_ACME_KEY_TYPE), &s->order.key_type) < 0)
		return err_set(e, "not a key type");
	s->order.agree_tos = strcmp(form_value(f, D_ACME_AGREE), "on") == 0;
	return 0;
}

int wizard_check_acme(struct wizard *w)
{
	static struct acme_setup s; /* 28 KiB: not on the stack */
	struct form *f = &w->forms[STEP_DETAILS];
	struct err e;
	int field;

	memset(&s, 0, sizeof(s));
	s.order.timeout = ACME_SETUP_TIMEOUT;
	if (wizard_acme_order(w, &s, &e, &field) < 0) {
		wizard_field_error(f, field, &e);
		return -1;
	}
	dialog_progress("SSL Configuration", "Asking the CA for its directory...");
	if (acme_directory_terms(&s.order, w->acme_terms, sizeof(w->acme_terms), &e) < 0) {
		wizard_field_error(f, strcmp(form_value(f, D_ACME_DIRECTORY), ACME_DIR_OTHER) == 0
				       ? D_ACME_URL
				       : D_ACME_DIRECTORY,
			    &e);
		return -1;
	}
	if (w->acme_terms[0] && !s.order.agree_tos) {
		err_set(&e, "read the CA's terms of service at %s, then tick this to agree",
			w->acme_terms);
		wizard_field_error(f, D_ACME_AGREE, &e);
		return -1;
	}
	return 0;
}
