/* ssl_wizard_finish.c - the SSL wizard's summary and what its Apply does:
 * the key and certificate (and request) made or the CA's answer imported,
 * every setting saved as one version through apply_changes, the daemon's
 * answer, and a handshake with the HTTPS port showing what it negotiates. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/service.h"
#include "webmsg/settings.h"
#include "webmsg/term_safe.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"
#include "webmsg/tls_probe.h"

#include "console/console.h"
#include "console/ssl_wizard.h"
#include "core/acme_setup.h"
#include "core/apply.h"
#include "core/ssl_setup.h"
#include "core/troubleshoot.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

#define MAX_CHANGES 24

/* The ACME order of the last Apply (28 KiB: not on the stack); the settings
 * saved after it point into it. */
static struct acme_setup acme;

static const char *value(struct wizard *w, enum wizard_step step, int field)
{
	return form_value(&w->forms[step], field);
}

static int on(struct wizard *w, enum wizard_step step, int field)
{
	return strcmp(value(w, step, field), "on") == 0;
}

static const char *acme_directory_url(struct wizard *w)
{
	const char *dir = value(w, STEP_DETAILS, D_ACME_DIRECTORY);
	return strcmp(dir, ACME_DIR_STAGING) == 0 ? ACME_LETSENCRYPT_STAGING
	       : strcmp(dir, ACME_DIR_OTHER) == 0 ? value(w, STEP_DETAILS, D_ACME_URL)
						  : ACME_LETSENCRYPT;
}

static void summary_certificate(struct wizard *w)
{
	struct textview *v = &w->view;
	const struct tls_subject *s = &w->req.subject;
	const char *typed = value(w, STEP_DETAILS, D_PASSWORD);

	switch (w->action) {
	case CERT_MAKE:
		textview_add(v, ROLE_NORMAL, 0, "Make a new %s key and a self-signed certificate "
			     "for %s, valid %d days%s%s.", tls_key_type_name(w->req.key_type), s->cn,
			     w->req.days, s->nsans ? ", also for " : "",
			     s->nsans ? value(w, STEP_DETAILS, D_SANS) : "");
		if (w->replace_cert)
			textview_add(v, ROLE_WARN, 2, "The current %s and %s are kept as .bak files.",
				     TLS_SERVER_CERT, TLS_SERVER_KEY);
		textview_add(v, ROLE_NORMAL, 0, "Make a request for a certificate authority (%s) "
			     "with the same subject and its own key.", TLS_REQUEST_CSR);
		if (w->replace_request)
			textview_add(v, ROLE_WARN, 2, "The current request is kept as .bak files.");
		textview_add(v, ROLE_NORMAL, 0, "Key password: %s.",
			     typed[0] ? "the one you typed" : "the stored one, or a new random one");
		break;
	case CERT_IMPORT:
		textview_add(v, ROLE_NORMAL, 0, "Install %s as the certificate%s%s, after checking "
			     "it against the request's key.", value(w, STEP_DETAILS, D_CERT_FILE),
			     value(w, STEP_DETAILS, D_CHAIN_FILE)[0] ? ", with the chain " : "",
			     value(w, STEP_DETAILS, D_CHAIN_FILE));
		break;
	case CERT_KEEP:
		textview_add(v, ROLE_NORMAL, 0, "Keep the current certificate (%s) and its key.",
			     w->has_current ? w->current.cert : "as configured");
		break;
	case CERT_ACME:
		textview_add(v, ROLE_NORMAL, 0, "Ask the ACME CA at %s for a certificate for %s "
			     "(a new %s key), answering its http-01 challenges on webmsgd's HTTP "
			     "port; it is installed as ssl import installs one.",
			     acme_directory_url(w), value(w, STEP_DETAILS, D_ACME_NAMES),
			     value(w, STEP_DETAILS, D_ACME_KEY_TYPE));
		if (w->acme_terms[0])
			textview_add(v, ROLE_NORMAL, 2, "You agree to the CA's terms of service: %s",
				     w->acme_terms);
		if (w->replace_cert)
			textview_add(v, ROLE_WARN, 2, "The current %s and %s are kept as .bak files.",
				     TLS_SERVER_CERT, TLS_SERVER_KEY);
		textview_add(v, ROLE_NORMAL, 0, "It renews by itself: %s (systemctl enable --now "
			     "%s).", ACME_RENEW_TIMER, ACME_RENEW_TIMER);
		break;
	}
	if (w->action != CERT_KEEP && w->explicit_files)
		textview_add(v, ROLE_NORMAL, 0, "ssl.cert_file, ssl.key_file and ssl.chain_file go "
			     "back to the key store's files.");
}

void wizard_summary(struct console *c, struct wizard *w)
{
	struct textview *v = &w->view;
	const char *mode = value(w, STEP_CLIENTS, 0);
	(void)c;

	textview_clear(v);
	textview_add(v, ROLE_NORMAL, 0, "Key store: %s.", w->keystore);
	summary_certificate(w);
	textview_add(v, ROLE_NORMAL, 0, "Cipher profile: %s%s%s.", value(w, STEP_CIPHERS, 0),
		     value(w, STEP_CIPHERS, 1)[0] ? ", priority " : "", value(w, STEP_CIPHERS, 1));
	if (strcmp(mode, "none") == 0)
		textview_add(v, ROLE_NORMAL, 0, "Client certificates: none.");
	else
		textview_add(v, ROLE_NORMAL, 0, "Client certificates: %s, issued by the CAs in %s.",
			     mode, value(w, STEP_CLIENTS, 1));
	if (on(w, STEP_ENABLE, 0))
		textview_add(v, ROLE_NORMAL, 0, "SSL: enabled on port %s, Force SSL %s.",
			     value(w, STEP_ENABLE, 2), on(w, STEP_ENABLE, 1) ? "on" : "off");
	else
		textview_add(v, ROLE_WARN, 0, "SSL: disabled; the files are made but not served.");
	textview_add(v, ROLE_DIM, 0, "Then the settings are saved as one configuration version, "
		     "webmsgd applies it, and the console connects to the HTTPS port.");
}

/* Each step of the order, in the progress dialog while it runs. */
static void acme_progress_line(const char *line, void *arg)
{
	char text[600], safe[512];
	(void)arg;
	snprintf(text, sizeof(text), "Getting the certificate from the CA...\n\n%s",
		 term_safe(line, safe, sizeof(safe), 0));
	dialog_progress("SSL Configuration", text);
}

/* The certificate from the ACME CA, the same way `ssl acme` gets it. */
static int do_acme(struct wizard *w, const struct config_snapshot *cfg, const char *password,
		   struct err *e)
{
	struct textview *v = &w->view;
	int field;
	if (acme_setup_init(&acme, cfg, e) < 0 || wizard_acme_order(w, &acme, e, &field) < 0)
		return -1;
	/* The key store of step 1 and the password may be new: both are saved
	 * with the settings after this. */
	if (snprintf(acme.password, sizeof(acme.password), "%s", password) >=
		    (int)sizeof(acme.password) ||
	    snprintf(acme.keystore, sizeof(acme.keystore), "%s", w->keystore) >=
		    (int)sizeof(acme.keystore))
		return err_set(e, "the key password or the key store's path is too long");
	acme.order.progress = acme_progress_line;
	dialog_progress("SSL Configuration", "Getting the certificate from the CA...");
	if (acme_setup_issue(&acme, e) < 0) {
		char safe[ERR_MSG_MAX];
		/* The CA's words, in a dialog the operator must acknowledge. */
		dialog_error("Certificate from the CA", term_safe(e->msg, safe, sizeof(safe),
								  TERM_SAFE_NEWLINES));
		textview_add(v, ROLE_ERROR, 0, "%s; the current certificate stays", e->msg);
		return -1;
	}
	textview_add(v, ROLE_OK, 0, "installed the CA's certificate for %s in %s/%s",
		     acme.domains_list, w->keystore, TLS_SERVER_CERT);
	return 0;
}

/* Makes or installs the certificate. *files_changed: HTTPS has new files;
 * *pem: the request for a CA, when one was made (to free). */
static int do_certificate(struct wizard *w, const struct config_snapshot *cfg, const char *password,
			  int *files_changed, char **pem, struct err *e)
{
	struct textview *v = &w->view;
	struct err req_e;

	*files_changed = 0;
	if (w->action == CERT_ACME) {
		if (do_acme(w, cfg, password, e) < 0)
			return -1;
		*files_changed = 1;
		return 0;
	}
	if (w->action == CERT_IMPORT) {
		const char *chain = value(w, STEP_DETAILS, D_CHAIN_FILE);
		dialog_progress("SSL Configuration", "Checking and installing the certificate...");
		if (tls_import(w->keystore, value(w, STEP_DETAILS, D_CERT_FILE), chain[0] ? chain : NULL,
			       config_str(cfg, SET_SSL_KEY_PASSWORD), e) < 0) {
			textview_add(v, ROLE_ERROR, 0, "%s; nothing was changed", e->msg);
			return -1;
		}
		*files_changed = 1;
		textview_add(v, ROLE_OK, 0, "installed %s/%s", w->keystore, TLS_SERVER_CERT);
		return 0;
	}
	if (w->action != CERT_MAKE)
		return 0;
	w->req.password = password;
	dialog_progress("SSL Configuration", "Making the key and the self-signed certificate...");
	if (ssl_setup_make_key(w->keystore, &w->req, 1, w->replace_cert, NULL, e) < 0) {
		textview_add(v, ROLE_ERROR, 0, "%s; nothing was changed", e->msg);
		w->req.password = NULL;
		return -1;
	}
	*files_changed = 1;
	textview_add(v, ROLE_OK, 0, "made a self-signed certificate for %s in %s/%s",
		     w->req.subject.cn, w->keystore, TLS_SERVER_CERT);
	dialog_progress("SSL Configuration", "Making the request for a certificate authority...");
	if (ssl_setup_make_key(w->keystore, &w->req, 0, w->replace_request, pem, &req_e) < 0)
		textview_add(v, ROLE_ERROR, 0, "the request for a CA: %s", req_e.msg);
	w->req.password = NULL;
	return 0;
}

/* The request for a CA comes last: it is long, and what happened matters first. */
static void show_request(struct wizard *w, const char *pem)
{
	textview_add(&w->view, ROLE_OK, 0, "\nthe request is in %s/%s; send it to your "
		     "certificate authority, then import its answer here (step 2):", w->keystore,
		     TLS_REQUEST_CSR);
	textview_add(&w->view, ROLE_NORMAL, 0, "%s", pem);
}

/* Every setting the wizard sets, as one list of changes. */
static size_t collect_changes(struct wizard *w, const char *password,
			      int store_password, int files_changed, char *ca,
			      struct config_change *out)
{
	struct config_change client[2] = { 0 };
	struct err e;
	size_t n = 0, nclient = 0;

	out[n++] = (struct config_change){ SET_SSL_KEYSTORE, w->keystore };
	if (store_password)
		out[n++] = (struct config_change){ SET_SSL_KEY_PASSWORD, password };
	if (files_changed && w->explicit_files) {
		out[n++] = (struct config_change){ SET_SSL_CERT_FILE, NULL };
		out[n++] = (struct config_change){ SET_SSL_KEY_FILE, NULL };
		out[n++] = (struct config_change){ SET_SSL_CHAIN_FILE, NULL };
	}
	out[n++] = (struct config_change){ SET_SSL_CIPHER_PROFILE, value(w, STEP_CIPHERS, 0) };
	out[n++] = (struct config_change){ SET_SSL_PRIORITY, value(w, STEP_CIPHERS, 1) };
	const char *file = value(w, STEP_CLIENTS, 1);
	if (ssl_setup_client_auth(value(w, STEP_CLIENTS, 0), file[0] ? file : NULL, client,
				  &nclient, ca, &e) < 0)
		nclient = 1; /* checked at step 4; apply_changes says what is wrong now */
	client[0].value = value(w, STEP_CLIENTS, 0);
	for (size_t i = 0; i < nclient; i++)
		out[n++] = client[i];
	out[n++] = (struct config_change){ SET_SSL_ENABLE, value(w, STEP_ENABLE, 0) };
	out[n++] = (struct config_change){ SET_SSL_FORCE, value(w, STEP_ENABLE, 1) };
	out[n++] = (struct config_change){ SET_WEB_HTTPS_PORT, value(w, STEP_ENABLE, 2) };
	/* How the certificate was obtained, for its renewal; a certificate made
	 * or imported otherwise is renewed by hand, not by the timer. */
	if (w->action == CERT_ACME && files_changed)
		n += acme_setup_changes(&acme, out + n, MAX_CHANGES - n);
	else if (files_changed)
		out[n++] = (struct config_change){ SET_SSL_ACME_DIRECTORY, NULL };
	return n;
}

/* The step that asks for setting id, and its field there (*field -1: none). */
static enum wizard_step step_of(struct wizard *w, enum setting_id id, int *field)
{
	*field = -1;
	if (id == SET_SSL_KEY_PASSWORD) {
		*field = D_PASSWORD;
		return STEP_DETAILS;
	}
	for (int s = 0; s < FORM_STEPS; s++)
		for (int i = 0; i < w->forms[s].n; i++)
			if (w->forms[s].fields[i].setting == (int)id) {
				*field = i;
				return (enum wizard_step)s;
			}
	return STEP_CERT; /* ssl.cert_file, key_file, chain_file follow the certificate */
}

/* Shows another operator's value under the field. A field not changed here
 * takes it; one changed here keeps what was typed, and applying again is
 * then a choice made knowingly. */
static void mark_other(struct form *f, int i, const char *now)
{
	struct form_field *fd = &f->fields[i];
	int secret = fd->kind == FIELD_SECRET;
	char *other;

	if (!secret && strcmp(fd->value, fd->start) == 0) {
		form_reset(f, i, now);
	} else if (!secret) {
		char *start = strdup(now);
		if (start) {
			free(fd->start);
			fd->start = start;
		}
	}
	if ((other = strdup(secret ? "" : now))) {
		free(fd->other);
		fd->other = other;
	}
}

/* Apply could not save: back to the step that asks for what failed, what
 * was typed kept, the reason under its field (field -1: in the step's note). */
static void back_to(struct wizard *w, enum wizard_step step, int field, const char *why)
{
	struct form *f = &w->forms[step];
	w->step = step;
	w->view_for[0] = '\0';
	if (field >= 0) {
		snprintf(f->fields[field].error, sizeof(f->fields[field].error), "%s", why);
		if (f->fields[field].page != f->page)
			form_show_page(f, f->fields[field].page);
		f->cur = field;
	}
	if (snprintf(f->note, sizeof(f->note), "Apply: %s", why) >= (int)sizeof(f->note))
		snprintf(f->note + sizeof(f->note) - 4, 4, "...");
}

/* Compare and set, as the forms do: every setting the wizard is about to
 * save against its value when the wizard was opened. Each one another
 * operator saved since is shown at its step, and the wizard goes back to the
 * first of them with nothing made or saved. now becomes what the next Apply
 * compares with. Returns how many there were. */
static int changed_meanwhile(struct wizard *w, struct config_snapshot **now,
			     const struct config_change *changes, size_t n)
{
	enum wizard_step first = STEP_SUMMARY;
	char names[ERR_MSG_MAX] = "";
	int count = 0;

	for (size_t k = 0; k < n; k++) {
		enum setting_id id = changes[k].id;
		const char *cur = config_str(*now, id);
		int field;
		if (strcmp(config_str(w->opened, id), cur) == 0)
			continue;
		enum wizard_step s = step_of(w, id, &field);
		struct form *f = &w->forms[s];
		if (field >= 0 && f->fields[field].kind != FIELD_SECRET &&
		    strcmp(f->fields[field].value, cur) == 0) {
			form_reset(f, field, cur); /* both made the same change */
			continue;
		}
		if (field >= 0)
			mark_other(f, field, cur);
		size_t used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
			 settings_get(id)->name);
		count++;
		if (s < first)
			first = s;
	}
	if (count == 0)
		return 0;
	config_snapshot_free(&w->opened);
	w->opened = *now;
	*now = NULL;
	char why[ERR_MSG_MAX];
	snprintf(why, sizeof(why), "another operator saved %s meanwhile; nothing was saved", names);
	back_to(w, first, -1, why);
	return count;
}

/* After a refusal that saved nothing: the step of the setting the reason
 * names ("web.https_port: ..."), else the last step. */
static void back_to_reason(struct wizard *w, const char *why)
{
	for (int id = 0; id < SET_COUNT; id++) {
		const char *name = settings_get((enum setting_id)id)->name;
		size_t len = strlen(name);
		int field;
		if (strncmp(why, name, len) == 0 && (why[len] == ':' || why[len] == ' ')) {
			enum wizard_step s = step_of(w, (enum setting_id)id, &field);
			back_to(w, s, field, why);
			return;
		}
	}
	back_to(w, STEP_ENABLE, -1, why);
}

static void report_outcome(struct wizard *w, int rc, const struct apply_outcome *o,
			   const struct err *e)
{
	if (rc < 0)
		textview_add(&w->view, ROLE_ERROR, 0, "%s", e->msg);
	else
		textview_add(&w->view, ROLE_OK, 0, "%s", o->text);
	if (o->restart[0])
		textview_add(&w->view, ROLE_WARN, 0, "%s", o->restart);
	if (o->warning[0])
		textview_add(&w->view, ROLE_WARN, 0, "%s", o->warning);
}

/* Connects to the HTTPS port as a browser would and says what it got. */
static void probe(struct console *c, struct wizard *w)
{
	struct config_snapshot *cfg;
	struct tls_probe_result r;
	struct tls_cert_info info;
	struct ssl_paths p;
	char host[64];
	int port;
	pid_t pid;
	struct err e;

	if (service_pid(console_db(c), &pid, &e) < 0 || config_load(console_db(c), &cfg, &e) < 0) {
		textview_add(&w->view, ROLE_ERROR, 0, "%s", e.msg);
		return;
	}
	if (!pid) {
		textview_add(&w->view, ROLE_WARN, 0, "webmsgd is not running: start it (s), then "
			     "see the handshake in Troubleshoot.");
		config_snapshot_free(&cfg);
		return;
	}
	dialog_progress("SSL Configuration", "Connecting to the HTTPS port...");
	if (troubleshoot_probe_https(cfg, &r, host, sizeof(host), &port, &e) < 0) {
		textview_add(&w->view, ROLE_ERROR, 0, "HTTPS handshake: %s", e.msg);
	} else {
		textview_add(&w->view, ROLE_OK, 0, "HTTPS on %s port %d: %s, %s", host, port,
			     r.protocol, r.cipher);
		textview_add(&w->view, ROLE_OK, 2, "certificate SHA-256 %s", r.sha256);
		if (ssl_config_paths(cfg, &p, &e) == 0 && tls_cert_info(p.cert, &info, &e) == 0)
			textview_add(&w->view, strcmp(info.sha256, r.sha256) == 0 ? ROLE_OK : ROLE_WARN,
				     2, strcmp(info.sha256, r.sha256) == 0
					    ? "that is %s, as configured"
					    : "but %s is a different one: see Troubleshoot", p.cert);
	}
	config_snapshot_free(&cfg);
}

void wizard_finish(struct console *c, struct wizard *w)
{
	struct config_change changes[MAX_CHANGES] = { 0 };
	struct config_snapshot *cfg;
	struct apply_outcome o;
	char password[TLS_PASSWORD_MAX + 2] = "", ca[PATH_MAX] = "", *pem = NULL;
	const char *typed = value(w, STEP_DETAILS, D_PASSWORD);
	int is_new = 0, files_changed = 0, done = 0;
	long before;
	struct err e;

	textview_clear(&w->view);
	if (!w->opened) {
		textview_add(&w->view, ROLE_ERROR, 0, "the configuration could not be read when the "
			     "wizard started, so changes since cannot be told; nothing was changed");
		return;
	}
	if (config_load(console_db(c), &cfg, &e) < 0 || (before = config_version(console_db(c), &e)) < 0) {
		config_snapshot_free(&cfg);
		textview_add(&w->view, ROLE_ERROR, 0, "%s; nothing was changed", e.msg);
		return;
	}
	if ((w->action == CERT_MAKE || w->action == CERT_ACME) &&
	    ssl_setup_key_password(cfg, typed[0] ? typed : NULL, password, sizeof(password), &is_new,
				   &e) < 0) {
		back_to(w, STEP_DETAILS, D_PASSWORD, e.msg);
		goto out;
	}
	/* Compared before any file is made: a key whose password cannot be saved is lost. */
	size_t n = collect_changes(w, password, is_new, w->action != CERT_KEEP, ca, changes);
	if (changed_meanwhile(w, &cfg, changes, n) > 0)
		goto out;
	if (do_certificate(w, cfg, password, &files_changed, &pem, &e) < 0) {
		back_to(w, STEP_DETAILS, w->action == CERT_IMPORT ? D_CERT_FILE : -1, e.msg);
		if (w->action == CERT_ACME) {
			/* The key password is needed by the renewals to come. */
			struct config_change pw = { SET_SSL_KEY_PASSWORD, password, NULL };
			if (is_new && apply_changes(console_db(c), &pw, 1, &o, &e) == 0)
				(void)config_snapshot_override(w->opened, SET_SSL_KEY_PASSWORD,
							       password, &e);
		}
		goto out;
	}
	n = collect_changes(w, password, is_new, files_changed, ca, changes);
	for (size_t k = 0; k < n; k++)
		changes[k].expected = config_str(w->opened, changes[k].id);
	dialog_progress("SSL Configuration", "Saving, and asking webmsgd to apply it...");
	int rc = apply_changes(console_db(c), changes, n, &o, &e);
	int unchanged = rc == 0 && o.version == before;
	if (!unchanged || !files_changed)
		report_outcome(w, rc, &o, &e);
	if (rc < 0 && o.version == 0) {
		/* Nothing was saved: back to the step to correct, what was typed kept. */
		char why[ERR_MSG_MAX];
		if (snprintf(why, sizeof(why), "%s%s", e.msg,
			     files_changed ? " (the new files stay in the key store)" : "") >=
		    (int)sizeof(why))
			snprintf(why, sizeof(why), "%s", e.msg);
		if (is_new && files_changed) {
			/* The new key is useless without its password: that much is kept. */
			struct config_change pw = { SET_SSL_KEY_PASSWORD, password, NULL };
			if (apply_changes(console_db(c), &pw, 1, &o, &e) == 0 || o.version > 0)
				/* saved here: the next Apply must not take it for another operator's */
				(void)config_snapshot_override(w->opened, SET_SSL_KEY_PASSWORD,
							       password, &e);
		}
		back_to_reason(w, why);
		goto out;
	}
	if (unchanged && files_changed) {
		/* No setting changed, but the files did: the daemon loads them again. */
		rc = apply_reload_if_running(console_db(c), &o, &e);
		if (rc < 0 || o.text[0])
			report_outcome(w, rc, &o, &e);
	}
	if (rc == 0 && on(w, STEP_ENABLE, 0))
		probe(c, w);
	if (pem)
		show_request(w, pem);
	done = 1;
out:
	free(pem);
	explicit_bzero(password, sizeof(password));
	if (done) /* after a failure what was typed stays, for Apply again */
		form_reset(&w->forms[STEP_DETAILS], D_PASSWORD, "");
	config_snapshot_free(&cfg);
}
