/* ssl_wizard_cert.c - the SSL wizard's steps 1 and 2: the key store folder,
 * the certificate HTTPS presents now (kept, or the start of a new one), and
 * what to do about the certificate with its details form: a new self-signed
 * one and a request, or the CA's answer imported (ACME: ssl_wizard_acme.c). */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "console/console.h"
#include "console/ssl_wizard.h"
#include "core/numbers.h"
#include "core/ssl_setup.h"
#include "widgets/form.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

static const char *const cert_labels[CERT_ACTIONS] = {
	[CERT_MAKE] = "New self-signed, and a request for a CA",
	[CERT_IMPORT] = "Import the CA's certificate",
	[CERT_KEEP] = "Keep the current certificate",
	[CERT_ACME] = "From an ACME CA (Let's Encrypt), renewed by itself",
};
static const char *const acme_dirs[] = { ACME_DIR_PRODUCTION, ACME_DIR_STAGING, ACME_DIR_OTHER,
					 NULL };
const char *const wizard_acme_key_types[] = { "ec-p256", "rsa-2048", NULL };
static const char *key_types[TLS_KEY_TYPES + 1];

/* The details form's subject fields and where each goes in the request. */
static const struct {
	enum detail_field field;
	const char *label, *help;
	size_t offset, size;
} subject_fields[] = {
	{ D_CN, "Common name", "The host name users type (required)",
	  offsetof(struct tls_subject, cn), sizeof(((struct tls_subject *)0)->cn) },
	{ D_ORG, "Organisation", "O, optional", offsetof(struct tls_subject, o),
	  sizeof(((struct tls_subject *)0)->o) },
	{ D_UNIT, "Unit", "OU, optional", offsetof(struct tls_subject, ou),
	  sizeof(((struct tls_subject *)0)->ou) },
	{ D_LOCALITY, "Town or city", "L, optional", offsetof(struct tls_subject, l),
	  sizeof(((struct tls_subject *)0)->l) },
	{ D_STATE, "State or province", "ST, optional", offsetof(struct tls_subject, st),
	  sizeof(((struct tls_subject *)0)->st) },
	{ D_COUNTRY, "Country", "C: two letters (DE, US), optional",
	  offsetof(struct tls_subject, c), sizeof(((struct tls_subject *)0)->c) },
	{ D_EMAIL, "E-mail", "The administrator's address, optional",
	  offsetof(struct tls_subject, email), sizeof(((struct tls_subject *)0)->email) },
};

void wizard_build_details(struct form *f)
{
	for (int t = 0; t < TLS_KEY_TYPES; t++)
		key_types[t] = tls_key_type_name((enum tls_key_type)t);
	form_add(f, "Key type", FIELD_CHOICE, CERT_MAKE,
		 "EC keys are small and fast; RSA suits very old clients");
	f->fields[D_KEY_TYPE].choices = key_types;
	for (size_t i = 0; i < sizeof(subject_fields) / sizeof(subject_fields[0]); i++)
		form_add(f, subject_fields[i].label, FIELD_TEXT, CERT_MAKE, subject_fields[i].help);
	form_add(f, "Alternative names", FIELD_TEXT, CERT_MAKE,
		 "More host names and IP addresses, separated by commas");
	form_add(f, "Valid for (days)", FIELD_NUMBER, CERT_MAKE,
		 "How long the self-signed certificate is valid");
	f->fields[D_DAYS].min = 1;
	f->fields[D_DAYS].max = 3650;
	form_add(f, "Key password", FIELD_SECRET, CERT_MAKE,
		 "Encrypts the private key; not set: the stored one, or a new random one");
	form_add(f, "Certificate file", FIELD_PATH, CERT_IMPORT, "The CA's certificate (PEM)");
	form_add(f, "Chain file", FIELD_PATH, CERT_IMPORT,
		 "The CA's intermediate certificates (PEM); may stay empty");
	form_add(f, "E-mail", FIELD_TEXT, CERT_ACME, "The CA writes there about the certificate");
	form_add(f, "Host names", FIELD_TEXT, CERT_ACME,
		 "One or more, separated by commas; each must reach this server");
	form_add(f, "Directory", FIELD_CHOICE, CERT_ACME, "The CA (Space changes it)");
	f->fields[D_ACME_DIRECTORY].choices = acme_dirs;
	form_add(f, "Directory URL", FIELD_TEXT, CERT_ACME,
		 "Another CA's directory (https://...); only with Another CA");
	form_add(f, "CA file", FIELD_PATH, CERT_ACME,
		 "CA certificates for the directory's HTTPS; empty: the system's");
	form_add(f, "Key type", FIELD_CHOICE, CERT_ACME, "Of the certificate's new key");
	f->fields[D_ACME_KEY_TYPE].choices = wizard_acme_key_types;
	form_add(f, "Agree to the terms", FIELD_CHECK, CERT_ACME,
		 "The CA's terms of service, shown here once the CA was asked");
}

/* STEP_CERT's choices: keeping the current certificate first when it can be
 * kept, and chosen to start with. */
void wizard_set_choices(struct wizard *w, int can_keep)
{
	size_t n = 0;
	if (can_keep)
		w->choice_action[n++] = CERT_KEEP;
	w->choice_action[n++] = CERT_MAKE;
	w->choice_action[n++] = CERT_IMPORT;
	w->choice_action[n++] = CERT_ACME;
	for (size_t i = 0; i < n; i++)
		w->choices[i] = cert_labels[w->choice_action[i]];
	w->choices[n] = NULL;
	w->forms[STEP_CERT].fields[0].choices = w->choices;
	form_reset(&w->forms[STEP_CERT], 0, w->choices[0]);
}

/* The certificate in the key store chosen at step 1. */
void wizard_describe_cert(struct console *c, struct wizard *w)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	struct tls_cert_info i;
	struct err e;
	char key[sizeof(w->view_for)];

	snprintf(key, sizeof(key), "cert %s", w->keystore);
	if (strcmp(key, w->view_for) == 0)
		return;
	snprintf(w->view_for, sizeof(w->view_for), "%s", key);
	textview_clear(&w->view);
	if (config_load(console_db(c), &cfg, &e) < 0 ||
	    config_snapshot_override(cfg, SET_SSL_KEYSTORE, w->keystore, &e) < 0 ||
	    ssl_config_paths(cfg, &p, &e) < 0 || tls_cert_info(p.cert, &i, &e) < 0) {
		config_snapshot_free(&cfg);
		textview_add(&w->view, ROLE_DIM, 0, "Now: %s", e.msg);
		return;
	}
	config_snapshot_free(&cfg);
	textview_add(&w->view, ROLE_NORMAL, 0, "Now: %s", p.cert);
	textview_add(&w->view, ROLE_DIM, 2, "subject %s", i.subject);
	textview_add(&w->view, ROLE_DIM, 2, "issuer %s%s", i.issuer,
		     i.self_signed ? " (self-signed)" : "");
	textview_add(&w->view, i.days_left < TLS_CERT_WARN_DAYS ? ROLE_WARN : ROLE_DIM, 2,
		     "valid until %s (%ld days)", i.not_after, i.days_left);
	textview_add(&w->view, ROLE_DIM, 2, "SHA-256 %s", i.sha256);
	if (w->has_current && !w->current.usable)
		textview_add(&w->view, ROLE_WARN, 0, "It cannot be kept: %s", w->current.why_not);
}

/* What HTTPS would present with the key store just passed: whether it can be
 * kept, and its subject and names as the start of a new certificate or
 * request, so that a renewal is Enter after Enter. Looked at again only when
 * the folder changed: what was typed before going back stays. */
static void look_at_current(struct console *c, struct wizard *w)
{
	struct form *d = &w->forms[STEP_DETAILS];
	const struct tls_subject *cur = &w->current.subject;
	struct config_snapshot *cfg = NULL;
	char sans[TLS_MAX_SANS * 258], host[256];
	struct err e;

	if (strcmp(w->looked_at, w->keystore) == 0)
		return;
	snprintf(w->looked_at, sizeof(w->looked_at), "%s", w->keystore);
	w->view_for[0] = '\0';
	if (config_load(console_db(c), &cfg, &e) < 0 ||
	    config_snapshot_override(cfg, SET_SSL_KEYSTORE, w->keystore, &e) < 0) {
		config_snapshot_free(&cfg);
		return; /* the forms stay as filled; the decision says more at step 5 */
	}
	w->has_current = ssl_setup_current(cfg, &w->current, &e) == 0;
	config_hostname(cfg, host, sizeof(host));
	config_snapshot_free(&cfg);
	wizard_set_choices(w, w->has_current && w->current.usable);
	for (size_t i = 0; i < sizeof(subject_fields) / sizeof(subject_fields[0]); i++)
		form_reset(d, (int)subject_fields[i].field,
			   w->has_current ? (const char *)cur + subject_fields[i].offset : "");
	if (!w->has_current || !cur->cn[0])
		form_reset(d, D_CN, host);
	sans[0] = '\0';
	if (w->has_current)
		ssl_setup_format_sans(cur, sans, sizeof(sans));
	form_reset(d, D_SANS, sans);
}

int wizard_check_keystore(struct console *c, struct wizard *w)
{
	struct form *f = &w->forms[STEP_KEYSTORE];
	char dir[PATH_MAX];
	struct err e;
	const char *v = form_value(f, 0);

	/* A relative folder is taken from the database's, as in every path setting. */
	if (v[0] == '/')
		snprintf(dir, sizeof(dir), "%s", v);
	else
		snprintf(dir, sizeof(dir), "%s/%s", db_dir(console_db(c)), v);
	if (!v[0] || ssl_setup_keystore(dir, w->keystore, &e) < 0) {
		if (!v[0])
			err_set(&e, "name the folder");
		wizard_field_error(f, 0, &e);
		return -1;
	}
	look_at_current(c, w);
	return 0;
}

static int exists_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

int wizard_check_cert_choice(struct wizard *w)
{
	const char *v = form_value(&w->forms[STEP_CERT], 0);
	struct err e;
	for (int i = 0; w->choices[i]; i++)
		if (strcmp(v, w->choices[i]) == 0)
			w->action = w->choice_action[i];
	w->replace_cert = exists_in(w->keystore, TLS_SERVER_CERT) ||
			  exists_in(w->keystore, TLS_SERVER_KEY);
	w->replace_request = exists_in(w->keystore, TLS_REQUEST_CSR) ||
			     exists_in(w->keystore, TLS_REQUEST_KEY);
	if (w->action == CERT_IMPORT && !exists_in(w->keystore, TLS_REQUEST_KEY) &&
	    !exists_in(w->keystore, TLS_SERVER_KEY)) {
		err_set(&e, "there is no request in %s to import an answer for: make one first",
			w->keystore);
		wizard_field_error(&w->forms[STEP_CERT], 0, &e);
		return -1;
	}
	if (w->action == CERT_KEEP && !(w->has_current && w->current.usable)) {
		/* Offered only when it can be kept; the files may have gone since. */
		err_set(&e, "the current certificate cannot be kept: %s",
			w->has_current ? w->current.why_not : "there is none");
		wizard_field_error(&w->forms[STEP_CERT], 0, &e);
		return -1;
	}
	form_show_page(&w->forms[STEP_DETAILS], (int)w->action);
	w->view_for[0] = '\0';
	return 0;
}

/* The subject's rules are tls_subject_validate's. It is asked about the
 * common name alone, then with each other part, then with the alternative
 * names, so its message goes under the field it is about; then the whole. */
static int check_subject(struct form *f, const struct tls_subject *s)
{
	static struct tls_subject one; /* 9 KiB: not on the stack */
	struct err e;
	int field = D_CN;

	memset(&one, 0, sizeof(one));
	memcpy(one.cn, s->cn, sizeof(one.cn));
	int rc = tls_subject_validate(&one, &e);
	for (size_t i = 1; rc == 0 && i < sizeof(subject_fields) / sizeof(subject_fields[0]); i++) {
		field = (int)subject_fields[i].field;
		memcpy((char *)&one + subject_fields[i].offset,
		       (const char *)s + subject_fields[i].offset, subject_fields[i].size);
		rc = tls_subject_validate(&one, &e);
		memset((char *)&one + subject_fields[i].offset, 0, subject_fields[i].size);
	}
	if (rc == 0) {
		field = D_SANS;
		memcpy(one.sans, s->sans, sizeof(one.sans));
		one.nsans = s->nsans;
		rc = tls_subject_validate(&one, &e);
	}
	if (rc == 0 && tls_subject_validate(s, &e) < 0) {
		snprintf(f->note, sizeof(f->note), "%s", e.msg);
		return -1;
	}
	if (rc < 0)
		wizard_field_error(f, field, &e);
	return rc;
}

int wizard_check_request(struct wizard *w)
{
	struct form *f = &w->forms[STEP_DETAILS];
	struct tls_request *req = &w->req;
	struct err e;
	long days;

	memset(req, 0, sizeof(*req));
	if (tls_key_type_parse(form_value(f, D_KEY_TYPE), &req->key_type) < 0)
		req->key_type = TLS_KEY_EC_P256;
	for (size_t i = 0; i < sizeof(subject_fields) / sizeof(subject_fields[0]); i++) {
		const char *v = form_value(f, (int)subject_fields[i].field);
		if (snprintf((char *)&req->subject + subject_fields[i].offset, subject_fields[i].size,
			     "%s", v) >= (int)subject_fields[i].size) {
			err_set(&e, "at most %zu characters", subject_fields[i].size - 1);
			wizard_field_error(f, (int)subject_fields[i].field, &e);
			return -1;
		}
	}
	if (ssl_setup_parse_sans(form_value(f, D_SANS), &req->subject, &e) < 0) {
		wizard_field_error(f, D_SANS, &e);
		return -1;
	}
	if (numbers_parse_long(form_value(f, D_DAYS), 1, 3650, &days) < 0) {
		err_set(&e, "a number of days from 1 to 3650");
		wizard_field_error(f, D_DAYS, &e);
		return -1;
	}
	req->days = (int)days;
	if (check_subject(f, &req->subject) < 0)
		return -1;
	const char *typed = form_value(f, D_PASSWORD);
	if (typed[0] && ssl_setup_check_password(typed, &e) < 0) {
		wizard_field_error(f, D_PASSWORD, &e);
		return -1;
	}
	return 0;
}

int wizard_check_import(struct wizard *w)
{
	static const char *const keys[] = { TLS_REQUEST_KEY, TLS_SERVER_KEY };
	struct form *f = &w->forms[STEP_DETAILS];
	const char *password = w->opened ? config_str(w->opened, SET_SSL_KEY_PASSWORD) : "";
	struct stat sb;
	struct err e, first = { "" };
	for (int i = D_CERT_FILE; i <= D_CHAIN_FILE; i++) {
		const char *v = form_value(f, i);
		if ((i == D_CERT_FILE || v[0]) && stat(v, &sb) < 0) {
			err_set(&e, v[0] ? "%s does not exist" : "name the CA's certificate file", v);
			wizard_field_error(f, i, &e);
			return -1;
		}
	}
	/* The certificate must be for the request's key, or the server's (a
	 * renewal), as the import takes them; the pair check is the decision's. */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char key[PATH_MAX + 64];
		snprintf(key, sizeof(key), "%s/%s", w->keystore, keys[k]);
		if (!exists_in(w->keystore, keys[k]))
			continue;
		if (tls_check_pair(form_value(f, D_CERT_FILE), key, password, &e) == 0)
			return 0;
		if (!first.msg[0])
			err_set(&first, "%s: %s", keys[k], e.msg);
	}
	if (!first.msg[0])
		err_set(&first, "there is no key in %s for it: make a request first", w->keystore);
	wizard_field_error(f, D_CERT_FILE, &first);
	return -1;
}
