/* ssl_wizard_settings.c - the SSL wizard's steps 3 to 5: the cipher profile
 * (and what it allows, under the form), client certificates, and Enable SSL
 * with Force SSL; each checked against the settings table and then by the
 * same decision (config_check) the save takes. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

#include "console/console.h"
#include "console/ssl_wizard.h"
#include "core/ssl_setup.h"
#include "widgets/form.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

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

void wizard_describe_ciphers(struct wizard *w)
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

/* The setting fields of a step against the settings table. */
static int check_settings(struct form *f)
{
	struct err e;
	for (int i = 0; i < f->n; i++)
		if (f->fields[i].setting != FIELD_NONE &&
		    settings_validate(settings_get((enum setting_id)f->fields[i].setting),
				      f->fields[i].value, &e) < 0) {
			wizard_field_error(f, i, &e);
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
			wizard_field_error(f, i, &e);
			return -1;
		}
	}
	snprintf(f->note, sizeof(f->note), "%s", e.msg);
	return -1;
}

int wizard_check_ciphers(struct console *c, struct wizard *w)
{
	if (check_settings(&w->forms[STEP_CIPHERS]) < 0)
		return -1;
	return decide_step(c, w);
}

int wizard_check_clients(struct console *c, struct wizard *w)
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
		wizard_field_error(f, 1, &e);
		return -1;
	}
	return decide_step(c, w);
}

/* Ports, Force SSL and everything before: the same decision the save takes,
 * before any key or certificate is made. */
int wizard_check_enable(struct console *c, struct wizard *w)
{
	if (check_settings(&w->forms[STEP_ENABLE]) < 0)
		return -1;
	return decide_step(c, w);
}
