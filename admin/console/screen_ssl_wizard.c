/* screen_ssl_wizard.c - SSL Configuration, a wizard with Back, Next and
 * Cancel: 1. the key store, 2. the certificate (the current one kept, offered
 * first when it can be; a new self-signed one with a request for a CA, filled
 * from the current one; or the CA's answer imported), 3. the
 * cipher profile, 4. client authentication, 5. Enable SSL and Force SSL;
 * then a summary, and only then are files made and settings saved
 * (ssl_wizard_finish.c). Each step checks what it was given before the next. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "console/console.h"
#include "console/settings_form.h"
#include "console/ssl_wizard.h"
#include "core/acme_setup.h"
#include "core/numbers.h"
#include "core/ssl_setup.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

#define DEFAULT_DAYS "365"
#define INTRO_ROWS 4

static const char *const cert_labels[CERT_ACTIONS] = {
	[CERT_MAKE] = "New self-signed, and a request for a CA",
	[CERT_IMPORT] = "Import the CA's certificate",
	[CERT_KEEP] = "Keep the current certificate",
	[CERT_ACME] = "From an ACME CA (Let's Encrypt), renewed by itself",
};
static const char *const acme_dirs[] = { ACME_DIR_PRODUCTION, ACME_DIR_STAGING, ACME_DIR_OTHER,
					 NULL };
static const char *const acme_key_types[] = { "ec-p256", "rsa-2048", NULL };
static const char *key_types[TLS_KEY_TYPES + 1];

static const struct {
	const char *title; /* in the panel's title */
	const char *tag;   /* in the progress line */
	int number;        /* the step's number there */
	const char *intro;
} steps[STEP_COUNT] = {
	[STEP_KEYSTORE] = { "Key store", "Store", 1,
			    "Keys, certificates and requests are kept in this folder as PEM files, "
			    "as Apache and nginx read them. It must exist and be writable; nothing "
			    "is created." },
	[STEP_CERT] = { "Certificate", "Cert", 2,
			"A self-signed certificate makes HTTPS work at once (browsers warn about "
			"it); the request goes to a certificate authority, whose answer you import "
			"here later." },
	[STEP_DETAILS] = { "Certificate", "Cert", 2, NULL },
	[STEP_CIPHERS] = { "Ciphers", "Ciphers", 3,
			   "The protocol versions and cipher suites HTTPS offers. intermediate "
			   "suits nearly every browser in use." },
	[STEP_CLIENTS] = { "Clients", "Clients", 4,
			   "Browsers can be asked for a client certificate. We recommend none: any "
			   "browser connects, users log on with their password." },
	[STEP_ENABLE] = { "Enable", "Enable", 5,
			  "Enable SSL turns HTTPS on. Force SSL sends every plain-HTTP visitor to "
			  "HTTPS and tells browsers to stay there (HSTS)." },
	[STEP_SUMMARY] = { "Summary", "Summary", 6,
			   "Nothing has been changed yet. Apply (Enter, F2 or a) does this:" },
	[STEP_RESULT] = { "Done", "Done", 6, NULL },
};

static const char *const detail_intros[] = {
	[CERT_MAKE] = "The subject: the common name is the host name users type; more names and "
		      "addresses go in the alternative names, separated by commas.",
	[CERT_IMPORT] = "The certificate the CA sent for the request made here earlier, and its "
			"intermediate certificates (the chain), as PEM files.",
	[CERT_KEEP] = "The certificate HTTPS presents now stays, with its key; the next steps "
		      "still apply:",
	[CERT_ACME] = "The CA checks each name over plain HTTP (port 80 must reach webmsgd's HTTP "
		      "port, and webmsgd must run); the certificate then renews by itself.",
};

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

static struct form *form_of(struct wizard *w)
{
	return w->step < FORM_STEPS ? &w->forms[w->step] : NULL;
}

static void build_details(struct form *f)
{
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
	f->fields[D_ACME_KEY_TYPE].choices = acme_key_types;
	form_add(f, "Agree to the terms", FIELD_CHECK, CERT_ACME,
		 "The CA's terms of service, shown here once the CA was asked");
}

/* STEP_CERT's choices: keeping the current certificate first when it can be
 * kept, and chosen to start with. */
static void set_choices(struct wizard *w, int can_keep)
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

/* The forms as the configuration is now; the key store resolved. */
static int fill(struct console *c, struct wizard *w)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	char cn[256];
	struct err e;

	if (config_load(console_db(c), &cfg, &e) < 0) {
		console_db_failed(c, &e);
		return -1;
	}
	for (int i = 0; i < FORM_STEPS; i++) {
		struct form *f = &w->forms[i];
		for (int k = 0; k < f->n; k++)
			if (f->fields[k].setting == FIELD_NONE)
				form_reset(f, k, ""); /* the wizard's own fields start empty */
		settings_form_fill(f, cfg);
		f->note[0] = '\0';
	}
	if (ssl_config_paths(cfg, &p, &e) == 0)
		form_reset(&w->forms[STEP_KEYSTORE], 0, p.keystore);
	config_hostname(cfg, cn, sizeof(cn));
	form_reset(&w->forms[STEP_DETAILS], D_KEY_TYPE, tls_key_type_name(TLS_KEY_EC_P256));
	form_reset(&w->forms[STEP_DETAILS], D_CN, cn);
	form_reset(&w->forms[STEP_DETAILS], D_DAYS, DEFAULT_DAYS);
	form_reset(&w->forms[STEP_DETAILS], D_ACME_NAMES, cn);
	form_reset(&w->forms[STEP_DETAILS], D_ACME_DIRECTORY, ACME_DIR_PRODUCTION);
	form_reset(&w->forms[STEP_DETAILS], D_ACME_KEY_TYPE, acme_key_types[0]);
	form_reset(&w->forms[STEP_DETAILS], D_ACME_AGREE, "off");
	w->acme_terms[0] = '\0';
	w->looked_at[0] = '\0';
	w->has_current = 0;
	set_choices(w, 0);
	form_reset(&w->forms[STEP_ENABLE], 0, "on"); /* what the wizard is for */
	w->explicit_files = cfg->stored[SET_SSL_CERT_FILE] || cfg->stored[SET_SSL_KEY_FILE] ||
			    cfg->stored[SET_SSL_CHAIN_FILE];
	config_snapshot_free(&w->opened);
	w->opened = cfg; /* what Apply compares with */
	return 0;
}

static void restart(struct console *c, struct wizard *w)
{
	w->step = STEP_KEYSTORE;
	w->view_for[0] = '\0';
	textview_clear(&w->view);
	for (int i = 0; i < FORM_STEPS; i++)
		form_show_page(&w->forms[i], 0);
	fill(c, w);
}

static void *wizard_open(struct console *c, const char *arg)
{
	struct wizard *w = calloc(1, sizeof(*w));
	(void)arg;
	if (!w)
		return NULL;
	for (int t = 0; t < TLS_KEY_TYPES; t++)
		key_types[t] = tls_key_type_name((enum tls_key_type)t);
	form_add_setting(&w->forms[STEP_KEYSTORE], SET_SSL_KEYSTORE, "Key store folder", 0);
	form_add(&w->forms[STEP_CERT], "Certificate", FIELD_CHOICE, 0,
		 "What HTTPS will present to browsers");
	build_details(&w->forms[STEP_DETAILS]);
	form_add_setting(&w->forms[STEP_CIPHERS], SET_SSL_CIPHER_PROFILE, "Cipher profile", 0);
	form_add_setting(&w->forms[STEP_CIPHERS], SET_SSL_PRIORITY, "Priority string", 0);
	form_add_setting(&w->forms[STEP_CLIENTS], SET_SSL_CLIENT_AUTH, "Client certificates", 0);
	form_add_setting(&w->forms[STEP_CLIENTS], SET_SSL_CLIENT_CA_FILE, "CA file", 0);
	form_add_setting(&w->forms[STEP_ENABLE], SET_SSL_ENABLE, "Enable SSL", 0);
	form_add_setting(&w->forms[STEP_ENABLE], SET_SSL_FORCE, "Force SSL", 0);
	form_add_setting(&w->forms[STEP_ENABLE], SET_WEB_HTTPS_PORT, "HTTPS port", 0);
	restart(c, w);
	return w;
}

static void wizard_close(void *st)
{
	struct wizard *w = st;
	for (int i = 0; i < FORM_STEPS; i++)
		form_free(&w->forms[i]);
	textview_clear(&w->view);
	explicit_bzero(&w->req, sizeof(w->req));
	config_snapshot_free(&w->opened);
	free(w);
}

static int wizard_dirty(void *st)
{
	struct wizard *w = st;
	if (w->step != STEP_KEYSTORE && w->step != STEP_RESULT)
		return 1;
	for (int i = 0; i < FORM_STEPS; i++)
		if (form_dirty(&w->forms[i]))
			return 1;
	return 0;
}

/* ---- what the view under a form shows */

/* What a priority string allows, as GnuTLS lists it. */
struct allowed {
	char versions[512];
	char suites[2048];
};

static void join(char *list, size_t len, const char *what)
{
	size_t used = strlen(list);
	snprintf(list + used, len - used, "%s%s", used ? ", " : "", what);
}

static void add_version(const char *what, void *arg)
{
	struct allowed *a = arg;
	join(a->versions, sizeof(a->versions), what);
}

static void add_suite(const char *what, void *arg)
{
	struct allowed *a = arg;
	join(a->suites, sizeof(a->suites), what);
}

static void describe_ciphers(struct wizard *w)
{
	const char *profile = form_value(&w->forms[STEP_CIPHERS], 0);
	const char *custom = form_value(&w->forms[STEP_CIPHERS], 1);
	const struct cipher_profile *cp = cipher_profile_find(profile);
	char key[sizeof(w->view_for)];
	struct allowed allowed = { "", "" };
	const char *priority;
	struct err e;

	snprintf(key, sizeof(key), "ciphers %s\n%s", profile, custom);
	if (strcmp(key, w->view_for) == 0)
		return;
	snprintf(w->view_for, sizeof(w->view_for), "%s", key);
	textview_clear(&w->view);
	if (cp)
		textview_add(&w->view, ROLE_NORMAL, 0, "%s", cp->description);
	if (cp && cp->warning)
		textview_add(&w->view, ROLE_WARN, 0, "%s", cp->warning);
	if (cipher_profile_priority(profile, custom, &priority, &e) < 0 ||
	    cipher_profile_describe(priority, add_version, add_suite, &allowed, &e) < 0) {
		textview_add(&w->view, ROLE_ERROR, 0, "%s", e.msg);
		return;
	}
	textview_add(&w->view, ROLE_DIM, 0, "Versions: %s", allowed.versions);
	textview_add(&w->view, ROLE_DIM, 0, "Suites: %s", allowed.suites);
}

/* The certificate in the key store chosen at step 1. */
static void describe_cert(struct console *c, struct wizard *w)
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
	textview_add(&w->view, i.days_left < 30 ? ROLE_WARN : ROLE_DIM, 2,
		     "valid until %s (%ld days)", i.not_after, i.days_left);
	textview_add(&w->view, ROLE_DIM, 2, "SHA-256 %s", i.sha256);
	if (w->has_current && !w->current.usable)
		textview_add(&w->view, ROLE_WARN, 0, "It cannot be kept: %s", w->current.why_not);
}

static int show_view(const struct wizard *w)
{
	return w->step == STEP_CERT || w->step == STEP_CIPHERS ||
	       (w->step == STEP_DETAILS && w->action == CERT_KEEP) || w->step >= STEP_SUMMARY;
}

/* ---- drawing */

static void draw_progress(struct wizard *w, WINDOW *win, int width)
{
	int col = 0;
	for (int s = STEP_KEYSTORE; s <= STEP_ENABLE && col < width; s++) {
		if (s == STEP_DETAILS)
			continue;
		char label[48];
		snprintf(label, sizeof(label), "%s%d %s", col ? " > " : "", steps[s].number,
			 steps[s].tag);
		int current = steps[s].number == steps[w->step].number && w->step < STEP_SUMMARY;
		col += text_put(win, 0, col, width - col, label, 0,
				theme_attr(current ? ROLE_SELECTED : ROLE_DIM));
	}
}

static void draw_buttons(struct wizard *w, WINDOW *win, int y, int width)
{
	const char *next = w->step == STEP_SUMMARY ? "< Apply >"
			   : w->step == STEP_RESULT ? "< Done >"
						    : "< Next >";
	char line[128];
	snprintf(line, sizeof(line), "%s  %s  %s", w->step > STEP_KEYSTORE && w->step < STEP_RESULT
						     ? "< Back >" : "        ",
		 next, w->step < STEP_RESULT ? "< Cancel >" : "");
	int len = text_width(line);
	text_put(win, y, width - len - 1 > 0 ? width - len - 1 : 0, width, line, 0,
		 theme_attr(ROLE_NORMAL) | A_BOLD);
}

static void wizard_draw(struct console *c, void *st, WINDOW *win, int h, int width,
			int focused)
{
	struct wizard *w = st;
	struct form *f = form_of(w);
	const char *intro = w->step == STEP_DETAILS ? detail_intros[w->action] : steps[w->step].intro;
	int y = 2;

	draw_progress(w, win, width);
	if (w->step == STEP_CIPHERS)
		describe_ciphers(w);
	if (w->step == STEP_CERT || (w->step == STEP_DETAILS && w->action == CERT_KEEP))
		describe_cert(c, w);
	if (intro)
		y += text_put_wrapped(win, y, 0, width, INTRO_ROWS, intro, theme_attr(ROLE_NORMAL));
	y++;
	int rows = h - 1 - y; /* the last row holds the buttons */
	if (f && f->n && (w->step != STEP_DETAILS || w->action != CERT_KEEP)) {
		int need = form_rows(f, width);
		int fh = show_view(w) && need < rows - 2 ? need : rows;
		form_draw(f, win, y, 0, fh, width, focused);
		y += fh + 1;
		rows -= fh + 1;
	}
	if (show_view(w) && rows > 0)
		textview_draw(&w->view, win, y, 0, rows, width);
	draw_buttons(w, win, h - 1, width);
}

/* ---- checking each step before the next */

static void field_error(struct form *f, int i, const struct err *e)
{
	snprintf(f->fields[i].error, sizeof(f->fields[i].error), "%s", e->msg);
	f->cur = i;
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
	set_choices(w, w->has_current && w->current.usable);
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

static int check_keystore(struct console *c, struct wizard *w)
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
		field_error(f, 0, &e);
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

static int check_cert_choice(struct wizard *w)
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
		field_error(&w->forms[STEP_CERT], 0, &e);
		return -1;
	}
	if (w->action == CERT_KEEP && !(w->has_current && w->current.usable)) {
		/* Offered only when it can be kept; the files may have gone since. */
		err_set(&e, "the current certificate cannot be kept: %s",
			w->has_current ? w->current.why_not : "there is none");
		field_error(&w->forms[STEP_CERT], 0, &e);
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
		field_error(f, field, &e);
	return rc;
}

static int check_request(struct wizard *w)
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
			field_error(f, (int)subject_fields[i].field, &e);
			return -1;
		}
	}
	if (ssl_setup_parse_sans(form_value(f, D_SANS), &req->subject, &e) < 0) {
		field_error(f, D_SANS, &e);
		return -1;
	}
	if (numbers_parse_long(form_value(f, D_DAYS), 1, 3650, &days) < 0) {
		err_set(&e, "a number of days from 1 to 3650");
		field_error(f, D_DAYS, &e);
		return -1;
	}
	req->days = (int)days;
	if (check_subject(f, &req->subject) < 0)
		return -1;
	const char *typed = form_value(f, D_PASSWORD);
	if (typed[0] && ssl_setup_check_password(typed, &e) < 0) {
		field_error(f, D_PASSWORD, &e);
		return -1;
	}
	return 0;
}

static int check_import(struct wizard *w)
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
			field_error(f, i, &e);
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
	field_error(f, D_CERT_FILE, &first);
	return -1;
}

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

static int check_acme(struct wizard *w)
{
	static struct acme_setup s; /* 28 KiB: not on the stack */
	struct form *f = &w->forms[STEP_DETAILS];
	struct err e;
	int field;

	memset(&s, 0, sizeof(s));
	s.order.timeout = ACME_SETUP_TIMEOUT;
	if (wizard_acme_order(w, &s, &e, &field) < 0) {
		field_error(f, field, &e);
		return -1;
	}
	dialog_progress("SSL Configuration", "Asking the CA for its directory...");
	if (acme_directory_terms(&s.order, w->acme_terms, sizeof(w->acme_terms), &e) < 0) {
		field_error(f, strcmp(form_value(f, D_ACME_DIRECTORY), ACME_DIR_OTHER) == 0
				       ? D_ACME_URL
				       : D_ACME_DIRECTORY,
			    &e);
		return -1;
	}
	if (w->acme_terms[0] && !s.order.agree_tos) {
		err_set(&e, "read the CA's terms of service at %s, then tick this to agree",
			w->acme_terms);
		field_error(f, D_ACME_AGREE, &e);
		return -1;
	}
	return 0;
}

/* The setting fields of a step against the settings table. */
static int check_settings(struct form *f)
{
	struct err e;
	for (int i = 0; i < f->n; i++)
		if (f->fields[i].setting != FIELD_NONE &&
		    settings_validate(settings_get((enum setting_id)f->fields[i].setting),
				      f->fields[i].value, &e) < 0) {
			field_error(f, i, &e);
			return -1;
		}
	return 0;
}

/* The decision (config_check) on what the steps up to this one would save,
 * the certificate still to be made when it is: a failure goes under the
 * field of its setting on this step, or in the step's note. */
static int decide_step(struct console *c, struct wizard *w)
{
	struct form *f = &w->forms[w->step];
	struct config_change client[2] = { 0 };
	struct config_snapshot *current = NULL, *candidate = NULL;
	struct config_check_env env;
	char ca[PATH_MAX];
	size_t nclient = 0;
	struct err e;
	int rc = -1;

	if (config_check_env_running(console_db(c), &env, &e) < 0 ||
	    config_load(console_db(c), &current, &e) < 0 ||
	    config_load(console_db(c), &candidate, &e) < 0 ||
	    config_snapshot_override(candidate, SET_SSL_KEYSTORE, w->keystore, &e) < 0)
		goto out;
	env.material_pending = w->action != CERT_KEEP;
	for (int step = STEP_CIPHERS; step <= (int)w->step; step++) {
		const struct form *sf = &w->forms[step];
		if (step == STEP_CLIENTS)
			continue; /* its CA file is resolved as the ssl command does, below */
		for (int i = 0; i < sf->n; i++)
			if (sf->fields[i].setting != FIELD_NONE &&
			    config_snapshot_override(candidate, (enum setting_id)sf->fields[i].setting,
						     sf->fields[i].value, &e) < 0)
				goto out;
	}
	if (w->step >= STEP_CLIENTS) {
		const char *file = form_value(&w->forms[STEP_CLIENTS], 1);
		if (ssl_setup_client_auth(form_value(&w->forms[STEP_CLIENTS], 0),
					  file[0] ? file : NULL, client, &nclient, ca, &e) < 0)
			goto out;
		for (size_t i = 0; i < nclient; i++)
			if (config_snapshot_override(candidate, client[i].id, client[i].value, &e) < 0)
				goto out;
	}
	rc = config_check_change(current, candidate, &env, &e);
out:
	config_snapshot_free(&current);
	config_snapshot_free(&candidate);
	if (rc == 0)
		return 0;
	for (int i = 0; i < f->n; i++) {
		const struct setting *st = f->fields[i].setting != FIELD_NONE
						  ? settings_get((enum setting_id)f->fields[i].setting)
						  : NULL;
		size_t len = st ? strlen(st->name) : 0;
		if (st && strncmp(e.msg, st->name, len) == 0 && e.msg[len] == ':') {
			field_error(f, i, &e);
			return -1;
		}
	}
	snprintf(f->note, sizeof(f->note), "%s", e.msg);
	return -1;
}

static int check_ciphers(struct console *c, struct wizard *w)
{
	if (check_settings(&w->forms[STEP_CIPHERS]) < 0)
		return -1;
	return decide_step(c, w);
}

static int check_clients(struct console *c, struct wizard *w)
{
	struct form *f = &w->forms[STEP_CLIENTS];
	struct config_change changes[2] = { 0 };
	const char *file = form_value(f, 1);
	char ca[PATH_MAX];
	struct err e;
	size_t n;

	if (check_settings(f) < 0)
		return -1;
	if (ssl_setup_client_auth(form_value(f, 0), file[0] ? file : NULL, changes, &n, ca,
				  &e) < 0) {
		field_error(f, 1, &e);
		return -1;
	}
	return decide_step(c, w);
}

/* Ports, Force SSL and everything before: the same decision the save takes,
 * before any key or certificate is made. */
static int check_enable(struct console *c, struct wizard *w)
{
	if (check_settings(&w->forms[STEP_ENABLE]) < 0)
		return -1;
	return decide_step(c, w);
}

/* Checks the step shown; 0 when the next one may come. */
static int check_step(struct console *c, struct wizard *w)
{
	struct form *f = form_of(w);
	if (f) {
		f->note[0] = '\0';
		for (int i = 0; i < f->n; i++)
			f->fields[i].error[0] = '\0';
	}
	switch (w->step) {
	case STEP_KEYSTORE:
		return check_keystore(c, w);
	case STEP_CERT:
		return check_cert_choice(w);
	case STEP_DETAILS:
		return w->action == CERT_MAKE	  ? check_request(w)
		       : w->action == CERT_IMPORT ? check_import(w)
		       : w->action == CERT_ACME	  ? check_acme(w)
						  : 0;
	case STEP_CIPHERS:
		return check_ciphers(c, w);
	case STEP_CLIENTS:
		return check_clients(c, w);
	case STEP_ENABLE:
		return check_enable(c, w);
	default:
		return 0;
	}
}

/* ---- moving between steps */

static void next(struct console *c, struct wizard *w)
{
	struct form *f = form_of(w);
	if (f && f->editing)
		form_key(f, '\r');
	if (w->step == STEP_RESULT) {
		restart(c, w);
		return;
	}
	if (w->step == STEP_SUMMARY) {
		w->step = STEP_RESULT;
		w->view_for[0] = '\0';
		wizard_finish(c, w);
		return;
	}
	if (check_step(c, w) < 0)
		return;
	w->step++;
	w->view_for[0] = '\0';
	if (w->step == STEP_SUMMARY)
		wizard_summary(c, w);
}

static void back(struct wizard *w)
{
	struct form *f = form_of(w);
	if (f && f->editing)
		form_key(f, KEY_ESCAPE);
	if (w->step == STEP_KEYSTORE || w->step == STEP_RESULT)
		return;
	w->step--;
	w->view_for[0] = '\0';
}

static void cancel(struct console *c, struct wizard *w)
{
	if (wizard_dirty(w) && !dialog_confirm("Cancel", "Leave the SSL configuration? Nothing "
					       "has been changed, and what you entered is dropped."))
		return;
	restart(c, w);
}

static int wizard_key(struct console *c, void *st, int key)
{
	struct wizard *w = st;
	struct form *f = form_of(w);

	if (f && f->editing && form_key(f, key))
		return 1;
	if (key == KEY_F(2) || key == 'a') {
		if (w->step == STEP_SUMMARY) /* nothing is applied before the summary */
			next(c, w);
		return 1;
	}
	if (key == KEY_F(4) || key == 'n' ||
	    (key_is_enter(key) && (w->step >= STEP_SUMMARY ||
				   (w->step == STEP_DETAILS && w->action == CERT_KEEP)))) {
		next(c, w);
		return 1;
	}
	if (key == KEY_F(3) || key == 'b') {
		back(w);
		return 1;
	}
	if (key == KEY_ESCAPE || key == 'c') {
		if (w->step == STEP_KEYSTORE && !wizard_dirty(w))
			return 0; /* back to the tree */
		cancel(c, w);
		return 1;
	}
	if (f && (w->step != STEP_DETAILS || w->action != CERT_KEEP) && form_key(f, key))
		return 1;
	return show_view(w) && textview_key(&w->view, key);
}

static const struct keybar_entry *wizard_keys(void *st)
{
	static struct keybar_entry keys[10];
	struct wizard *w = st;
	struct form *f = form_of(w);
	int n = 0;
	if (f && f->n && (w->step != STEP_DETAILS || w->action != CERT_KEEP))
		for (const struct keybar_entry *k = form_keys(f); k->label && n < 4; k++)
			keys[n++] = *k;
	if (!f || !f->editing) {
		if (w->step > STEP_KEYSTORE && w->step < STEP_RESULT)
			keys[n++] = (struct keybar_entry){ "F3", "b", "Back" };
		keys[n++] = (struct keybar_entry){ w->step == STEP_SUMMARY ? "F2" : "F4",
						   w->step == STEP_SUMMARY ? "a" : "n",
						   w->step == STEP_SUMMARY ? "Apply"
						   : w->step == STEP_RESULT ? "Done"
									    : "Next" };
		if (w->step < STEP_RESULT)
			keys[n++] = (struct keybar_entry){ "Esc", "c", "Cancel" };
	}
	keys[n] = (struct keybar_entry){ 0 };
	return keys;
}

static void wizard_title(void *st, char *out, size_t len)
{
	struct wizard *w = st;
	if (w->step < STEP_SUMMARY)
		snprintf(out, len, "SSL Configuration: step %d of 5, %s", steps[w->step].number,
			 steps[w->step].title);
	else
		snprintf(out, len, "SSL Configuration: %s", steps[w->step].title);
}

const struct screen screen_ssl_wizard = {
	.name = "SSL Configuration",
	.help = "Sets up HTTPS step by step: the key store folder, the certificate (the current "
		"one kept, a new self-signed one and a request for a certificate authority "
		"starting from the current one's names, or the CA's answer imported), the "
		"cipher profile, client certificates, and Enable SSL. Nothing "
		"changes before the summary's Apply; then the files are made, the settings saved "
		"as one version, webmsgd reloads, and a connection to the HTTPS port shows the "
		"protocol, cipher and certificate it negotiates.",
	.open = wizard_open,
	.close = wizard_close,
	.draw = wizard_draw,
	.key = wizard_key,
	.keys = wizard_keys,
	.dirty = wizard_dirty,
	.title = wizard_title,
};
