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
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"
#include "webmsg/tls_probe.h"

#include "apply.h"
#include "checks.h"
#include "console.h"
#include "ssl_setup.h"
#include "ssl_wizard.h"

#define MAX_CHANGES 16

static const char *value(struct wizard *w, enum wizard_step step, int field)
{
	return form_value(&w->forms[step], field);
}

static int on(struct wizard *w, enum wizard_step step, int field)
{
	return strcmp(value(w, step, field), "on") == 0;
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
		textview_add(v, ROLE_NORMAL, 0, "Keep the current certificate.");
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

/* Makes or installs the certificate. *files_changed: HTTPS has new files;
 * *pem: the request for a CA, when one was made (to free). */
static int do_certificate(struct wizard *w, const struct config_snapshot *cfg, const char *password,
			  int *files_changed, char **pem)
{
	struct textview *v = &w->view;
	struct err e;

	*files_changed = 0;
	if (w->action == CERT_IMPORT) {
		const char *chain = value(w, STEP_DETAILS, D_CHAIN_FILE);
		dialog_progress("SSL Configuration", "Checking and installing the certificate...");
		if (tls_import(w->keystore, value(w, STEP_DETAILS, D_CERT_FILE), chain[0] ? chain : NULL,
			       config_str(cfg, SET_SSL_KEY_PASSWORD), &e) < 0) {
			textview_add(v, ROLE_ERROR, 0, "%s; nothing was changed", e.msg);
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
	if (ssl_setup_make_key(w->keystore, &w->req, 1, w->replace_cert, NULL, &e) < 0) {
		textview_add(v, ROLE_ERROR, 0, "%s; nothing was changed", e.msg);
		return -1;
	}
	*files_changed = 1;
	textview_add(v, ROLE_OK, 0, "made a self-signed certificate for %s in %s/%s",
		     w->req.subject.cn, w->keystore, TLS_SERVER_CERT);
	dialog_progress("SSL Configuration", "Making the request for a certificate authority...");
	if (ssl_setup_make_key(w->keystore, &w->req, 0, w->replace_request, pem, &e) < 0)
		textview_add(v, ROLE_ERROR, 0, "the request for a CA: %s", e.msg);
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
	return n;
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
	if (checks_probe_https(cfg, &r, host, sizeof(host), &port, &e) < 0) {
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
	int is_new = 0, files_changed = 0;
	long before;
	struct err e;

	textview_clear(&w->view);
	if (config_load(console_db(c), &cfg, &e) < 0 || (before = config_version(console_db(c), &e)) < 0) {
		config_snapshot_free(&cfg);
		textview_add(&w->view, ROLE_ERROR, 0, "%s; nothing was changed", e.msg);
		return;
	}
	if (w->action == CERT_MAKE &&
	    ssl_setup_key_password(cfg, typed[0] ? typed : NULL, password, sizeof(password), &is_new,
				   &e) < 0) {
		textview_add(&w->view, ROLE_ERROR, 0, "%s; nothing was changed", e.msg);
		goto out;
	}
	if (do_certificate(w, cfg, password, &files_changed, &pem) < 0)
		goto out;
	size_t n = collect_changes(w, password, is_new, files_changed, ca, changes);
	dialog_progress("SSL Configuration", "Saving, and asking webmsgd to apply it...");
	int rc = apply_changes(console_db(c), changes, n, &o, &e);
	int unchanged = rc == 0 && o.version == before;
	if (!unchanged || !files_changed)
		report_outcome(w, rc, &o, &e);
	if (rc < 0 && o.version == 0 && is_new && files_changed) {
		/* The new key is useless without its password: that much is kept. */
		struct config_change pw = { SET_SSL_KEY_PASSWORD, password };
		if (apply_changes(console_db(c), &pw, 1, &o, &e) == 0 || o.version > 0)
			textview_add(&w->view, ROLE_WARN, 0, "the new key's password was stored "
				     "(version %ld), so the new files stay usable", o.version);
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
out:
	free(pem);
	explicit_bzero(password, sizeof(password));
	form_reset(&w->forms[STEP_DETAILS], D_PASSWORD, "");
	config_snapshot_free(&cfg);
}
