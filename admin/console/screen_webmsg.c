/* screen_webmsg.c - Services, Web Messaging: the General tab (host, address,
 * HTTP port, sessions, Remember me, Expire page views, mail, SMTP) and the
 * Advanced tab (Enable SSL, Force SSL, HTTPS port, HSTS, and what client
 * authentication is set to). Both tabs are one form, applied together. */
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
#include "core/apply.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/keybar.h"
#include "widgets/tabs.h"
#include "widgets/text.h"
#include "widgets/theme.h"

enum { TAB_GENERAL, TAB_ADVANCED, TABS };

static const char *const tab_labels[TABS] = { "General", "Advanced" };

static const struct {
	enum setting_id id;
	const char *label;
	int tab;
} fields[] = {
	{ SET_WEB_HOSTNAME, "Host name", TAB_GENERAL },
	{ SET_WEB_BIND, "Bind address", TAB_GENERAL },
	{ SET_WEB_HTTP_PORT, "HTTP port", TAB_GENERAL },
	{ SET_SESSION_IDLE_TIMEOUT, "Idle timeout (s)", TAB_GENERAL },
	{ SET_SESSION_MAX_LIFETIME, "Session lifetime (s)", TAB_GENERAL },
	{ SET_LOGIN_REMEMBER_ME, "Remember me", TAB_GENERAL },
	{ SET_LOGIN_REMEMBER_DAYS, "Remember for (days)", TAB_GENERAL },
	{ SET_LOGIN_EXPIRE_PAGES_DEFAULT, "Expire page views", TAB_GENERAL },
	{ SET_MAIL_ROOT, "Mail root", TAB_GENERAL },
	{ SET_MAIL_MAX_MESSAGE_MB, "Largest message (MiB)", TAB_GENERAL },
	{ SET_SMTP_RELAY, "SMTP relay", TAB_GENERAL },
	{ SET_SMTP_TLS, "SMTP STARTTLS", TAB_GENERAL },
	{ SET_SMTP_USER, "SMTP user", TAB_GENERAL },
	{ SET_SMTP_PASSWORD, "SMTP password", TAB_GENERAL },
	{ SET_MAIL_QUOTA_MB, "Mailbox quota (MiB)", TAB_GENERAL },
	{ SET_SMTP_TIMEOUT, "SMTP timeout (s)", TAB_GENERAL },
	{ SET_SMTP_RETRY_DELAY, "SMTP retry after (s)", TAB_GENERAL },
	{ SET_SMTP_MAX_ATTEMPTS, "SMTP tries", TAB_GENERAL },
	{ SET_SMTP_QUEUE_DIR, "SMTP queue folder", TAB_GENERAL },
	{ SET_SSL_ENABLE, "Enable SSL", TAB_ADVANCED },
	{ SET_SSL_FORCE, "Force SSL", TAB_ADVANCED },
	{ SET_WEB_HTTPS_PORT, "HTTPS port", TAB_ADVANCED },
	{ SET_SSL_HSTS_MAX_AGE, "HSTS max-age (s)", TAB_ADVANCED },
	{ SET_WEB_MAX_CONNECTIONS, "Connections", TAB_ADVANCED },
	{ SET_WEB_MAX_CONNECTIONS_PER_ADDRESS, "Per address", TAB_ADVANCED },
	{ SET_WEB_HEADER_TIMEOUT, "Header timeout (s)", TAB_ADVANCED },
	{ SET_WEB_BODY_MIN_RATE, "Body min rate (B/s)", TAB_ADVANCED },
	{ SET_WEB_BODY_MEMORY_MB, "Form memory (MiB)", TAB_ADVANCED },
	{ SET_SESSION_MAX_SESSIONS, "Sessions", TAB_ADVANCED },
	{ SET_SESSION_MAX_PER_USER, "Sessions per user", TAB_ADVANCED },
	{ SET_LOGIN_THROTTLE_PAIR_FAILURES, "Failures user+address", TAB_ADVANCED },
	{ SET_LOGIN_THROTTLE_USER_FAILURES, "Failures per user", TAB_ADVANCED },
	{ SET_LOGIN_THROTTLE_ADDRESS_FAILURES, "Failures per address", TAB_ADVANCED },
	{ SET_LOGIN_THROTTLE_MAX_DELAY, "Longest delay (s)", TAB_ADVANCED },
	{ SET_LOGIN_RESUME_PER_MINUTE, "Remembered per min", TAB_ADVANCED },
};

#define SUMMARY_ROWS 3

struct webmsg_screen {
	struct form form;
	char client_auth[600]; /* what client authentication is set to */
	char ciphers[200];
};

/* The Advanced tab's summary of what the SSL Configuration wizard sets. */
static void summarize(const struct config_snapshot *cfg, struct webmsg_screen *s)
{
	struct ssl_paths p;
	struct err e;
	int count = 0;
	const char *mode = config_str(cfg, SET_SSL_CLIENT_AUTH);

	if (ssl_config_client_auth(cfg) == CLIENT_AUTH_NONE)
		snprintf(s->client_auth, sizeof(s->client_auth), "none (recommended)");
	else if (ssl_config_paths(cfg, &p, &e) < 0 || !p.client_ca[0])
		snprintf(s->client_auth, sizeof(s->client_auth), "%s, but no CA file is set", mode);
	else if (tls_check_ca_file(p.client_ca, &count, &e) < 0)
		snprintf(s->client_auth, sizeof(s->client_auth), "%s: %s", mode, e.msg);
	else
		snprintf(s->client_auth, sizeof(s->client_auth), "%s, %d CA certificate%s in %s",
			 mode, count, count == 1 ? "" : "s", p.client_ca);
	snprintf(s->ciphers, sizeof(s->ciphers), "%s", config_str(cfg, SET_SSL_CIPHER_PROFILE));
}

static int load(struct console *c, struct webmsg_screen *s, int fill)
{
	struct config_snapshot *cfg;
	struct err e;
	if (config_load(console_db(c), &cfg, &e) < 0) {
		console_db_failed(c, &e);
		return -1;
	}
	if (fill)
		settings_form_fill(&s->form, cfg);
	summarize(cfg, s);
	config_snapshot_free(&cfg);
	return 0;
}

static void *webmsg_open(struct console *c, const char *arg)
{
	struct webmsg_screen *s = calloc(1, sizeof(*s));
	(void)arg;
	if (!s)
		return NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		form_add_setting(&s->form, fields[i].id, fields[i].label, fields[i].tab);
	form_show_page(&s->form, TAB_GENERAL);
	load(c, s, 1);
	return s;
}

static void webmsg_close(void *st)
{
	struct webmsg_screen *s = st;
	form_free(&s->form);
	free(s);
}

static void webmsg_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct webmsg_screen *s = st;
	int y = 2;
	(void)c;
	tabs_draw(w, 0, 0, width, tab_labels, TABS, s->form.page);
	if (s->form.page == TAB_ADVANCED) {
		char line[900];
		snprintf(line, sizeof(line), "Client authentication: %s. Cipher profile: %s. SSL "
			 "Configuration sets both.", s->client_auth, s->ciphers);
		y += text_put_wrapped(w, y, 1, width - 1, SUMMARY_ROWS, line, theme_attr(ROLE_DIM)) + 1;
	}
	form_draw(&s->form, w, y, 0, h - y, width, focused);
}

/* What another operator saved meanwhile, field by field, for the warning. */
static void conflict_text(const struct form *f, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "Another operator saved these settings after you "
				       "opened this form:\n");
	for (int i = 0; i < f->n && used < len; i++) {
		const struct form_field *fd = &f->fields[i];
		if (!fd->other)
			continue;
		if (fd->kind == FIELD_SECRET) /* neither is ever shown */
			used += (size_t)snprintf(out + used, len - used, "\n  %s: a new one",
						 fd->label);
		else
			used += (size_t)snprintf(out + used, len - used, "\n  %s: now %s (yours: %s)",
						 fd->label, fd->other, fd->value);
	}
	if (used < len)
		snprintf(out + used, len - used, "\n\nNothing was saved. Apply again to replace "
			 "their values with yours, or change the fields.");
}

static void apply(struct console *c, struct webmsg_screen *s)
{
	struct apply_outcome o;
	struct err e;
	char text[2048];

	if (s->form.editing)
		form_key(&s->form, '\r');
	dialog_progress("Apply", "Saving, and asking webmsgd to apply it...");
	switch (settings_form_apply(&s->form, console_db(c), &o, &e)) {
	case SETTINGS_FORM_UNCHANGED:
		dialog_message("Apply", "Nothing to apply: no field was changed.");
		break;
	case SETTINGS_FORM_INVALID:
		break; /* the errors are under the fields */
	case SETTINGS_FORM_CONFLICT:
		conflict_text(&s->form, text, sizeof(text));
		dialog_error("Changed meanwhile", text);
		break;
	case SETTINGS_FORM_FAILED:
		console_fail(c, "Apply", &e);
		break;
	case SETTINGS_FORM_SAVED:
		console_report(c, "Apply", o.text[0] ? 0 : -1, &o, &e);
		load(c, s, 0);
		break;
	}
}

static int webmsg_key(struct console *c, void *st, int key)
{
	struct webmsg_screen *s = st;
	if (s->form.editing && form_key(&s->form, key))
		return 1;
	if (key == KEY_F(2) || key == 'a') {
		apply(c, s);
		return 1;
	}
	if (key == KEY_F(3) || key == 't') {
		form_show_page(&s->form, (s->form.page + 1) % TABS);
		return 1;
	}
	return form_key(&s->form, key);
}

static const struct keybar_entry *webmsg_keys(void *st)
{
	static struct keybar_entry keys[8];
	struct webmsg_screen *s = st;
	int n = 0;
	for (const struct keybar_entry *k = form_keys(&s->form); k->label && n < 4; k++)
		keys[n++] = *k;
	if (!s->form.editing) {
		keys[n++] = (struct keybar_entry){ "F2", "a", "Apply" };
		keys[n++] = (struct keybar_entry){ "F3", "t", "Tab page" };
		keys[n++] = (struct keybar_entry){ NULL, "Esc", "Tree" };
	}
	keys[n] = (struct keybar_entry){ 0 };
	return keys;
}

static int webmsg_dirty(void *st)
{
	return form_dirty(&((struct webmsg_screen *)st)->form);
}

const struct screen screen_webmsg = {
	.name = "Web Messaging",
	.help = "The webmail service. General: where it listens for plain HTTP, how long "
		"sessions last, whether users may ask to be remembered and whether \"Expire page "
		"views\" is ticked on the logon page, the mail store, the largest message a user may "
		"send, and the SMTP relay with its STARTTLS and authentication (the password is "
		"typed twice and never shown). "
		"Advanced: HTTPS (Enable SSL), Force SSL, which redirects plain HTTP to HTTPS and "
		"sends HSTS, and the HTTPS port. Nothing is saved until you apply (F2 or a); "
		"then webmsgd applies the new configuration without a restart and its answer is "
		"shown. A change that would keep HTTPS from starting is refused.",
	.open = webmsg_open,
	.close = webmsg_close,
	.draw = webmsg_draw,
	.key = webmsg_key,
	.keys = webmsg_keys,
	.dirty = webmsg_dirty,
};
