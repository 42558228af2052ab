/* screen_ssl_wizard.c - SSL Configuration, a wizard with Back, Next and
 * Cancel: 1. the key store, 2. the certificate (the current one kept, offered
 * first when it can be; a new self-signed one with a request for a CA, filled
 * from the current one; or the CA's answer imported), 3. the
 * cipher profile, 4. client authentication, 5. Enable SSL and Force SSL;
 * then a summary, and only then are files made and settings saved
 * (ssl_wizard_finish.c). Each step checks what it was given before the next:
 * steps 1 and 2 in ssl_wizard_cert.c (the ACME choice in ssl_wizard_acme.c),
 * 3 to 5 in ssl_wizard_settings.c. This file is the screen: its forms,
 * drawing, keys and the moves between steps. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "console/console.h"
#include "console/settings_form.h"
#include "console/ssl_wizard.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

#define DEFAULT_DAYS "365"
#define INTRO_ROWS 4

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

static struct form *form_of(struct wizard *w)
{
	return w->step < FORM_STEPS ? &w->forms[w->step] : NULL;
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
	form_reset(&w->forms[STEP_DETAILS], D_ACME_KEY_TYPE, wizard_acme_key_types[0]);
	form_reset(&w->forms[STEP_DETAILS], D_ACME_AGREE, "off");
	w->acme_terms[0] = '\0';
	w->looked_at[0] = '\0';
	w->has_current = 0;
	wizard_set_choices(w, 0);
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
	form_add_setting(&w->forms[STEP_KEYSTORE], SET_SSL_KEYSTORE, "Key store folder", 0);
	form_add(&w->forms[STEP_CERT], "Certificate", FIELD_CHOICE, 0,
		 "What HTTPS will present to browsers");
	wizard_build_details(&w->forms[STEP_DETAILS]);
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
		wizard_describe_ciphers(w);
	if (w->step == STEP_CERT || (w->step == STEP_DETAILS && w->action == CERT_KEEP))
		wizard_describe_cert(c, w);
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

void wizard_field_error(struct form *f, int i, const struct err *e)
{
	snprintf(f->fields[i].error, sizeof(f->fields[i].error), "%s", e->msg);
	f->cur = i;
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
		return wizard_check_keystore(c, w);
	case STEP_CERT:
		return wizard_check_cert_choice(w);
	case STEP_DETAILS:
		return w->action == CERT_MAKE	  ? wizard_check_request(w)
		       : w->action == CERT_IMPORT ? wizard_check_import(w)
		       : w->action == CERT_ACME	  ? wizard_check_acme(w)
						  : 0;
	case STEP_CIPHERS:
		return wizard_check_ciphers(c, w);
	case STEP_CLIENTS:
		return wizard_check_clients(c, w);
	case STEP_ENABLE:
		return wizard_check_enable(c, w);
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

