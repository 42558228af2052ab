/* screen_status.c - the server: whether webmsgd runs, its pid and uptime,
 * where it listens, the configuration version it serves against the latest,
 * the last start or reload and its message, the certificate and the open
 * webmail sessions. Read again once a second. Where the version served is
 * not the latest saved, v reverts to the served one. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "console/console.h"
#include "core/cert_status.h"
#include "core/numbers.h"
#include "core/service_control.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define LABEL_WIDTH 15

struct status_screen {
	int ssl, force;
	long https_port;
	char cert_path[PATH_MAX];
	int have_cert;
	struct tls_cert_info cert;
	char cert_error[ERR_MSG_MAX];
	char config_error[ERR_MSG_MAX];
	char unserved[1024]; /* settings saved but not served, or "" */
	struct cert_status certs[CERT_STATUS_MAX]; /* issuer, names, renewal */
	size_t ncerts;
	long served;         /* the version the running daemon serves, when it is not the
			      * latest saved; 0 otherwise */
};

/* The SSL settings and the certificate, which the daemon's row does not hold. */
static void read_ssl(struct console *c, struct status_screen *s)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	struct err e;

	s->config_error[0] = s->cert_error[0] = s->unserved[0] = '\0';
	s->have_cert = 0;
	const struct service_state *svc = console_service(c);
	s->served = svc->pid && service_control_reported(svc) &&
				    svc->status.config_version != svc->latest
			    ? svc->status.config_version
			    : 0;
	if (service_control_reported(svc) &&
	    service_control_differences(console_db(c), svc->status.config_version, s->unserved,
				    sizeof(s->unserved), &e) < 0)
		snprintf(s->unserved, sizeof(s->unserved), "cannot tell: %s", e.msg);
	if (config_load(console_db(c), &cfg, &e) < 0) {
		snprintf(s->config_error, sizeof(s->config_error), "%s", e.msg);
		return;
	}
	s->ssl = config_bool(cfg, SET_SSL_ENABLE);
	s->force = config_bool(cfg, SET_SSL_FORCE);
	s->https_port = config_int(cfg, SET_WEB_HTTPS_PORT);
	if (ssl_config_paths(cfg, &p, &e) < 0)
		snprintf(s->cert_error, sizeof(s->cert_error), "%s", e.msg);
	else if (tls_cert_info(p.cert, &s->cert, &e) < 0)
		snprintf(s->cert_error, sizeof(s->cert_error), "%s", e.msg);
	else
		s->have_cert = 1;
	s->ncerts = cert_status_collect(cfg, time(NULL), s->certs, CERT_STATUS_MAX);
	config_snapshot_free(&cfg);
}

static void *status_open(struct console *c, const char *arg)
{
	struct status_screen *s = calloc(1, sizeof(*s));
	(void)arg;
	if (s)
		read_ssl(c, s);
	return s;
}

static void status_close(void *st)
{
	free(st);
}

static void status_tick(struct console *c, void *st)
{
	read_ssl(c, st);
}

struct rows {
	WINDOW *w;
	int y, h, width;
};

static void row(struct rows *r, const char *label, const char *value, enum role role)
{
	if (r->y < r->h)
		r->y += text_label_value(r->w, r->y, r->width, LABEL_WIDTH, r->h - r->y, label, value,
					 theme_attr(role));
}

/* One row per listener, named by its scheme. */
static void listeners(struct rows *r, const char *list)
{
	char one[256];
	int any = 0;
	for (const char *p = list; *p; p += strspn(p, " ")) {
		size_t len = strcspn(p, " ");
		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		row(r, strncmp(one, "https:", 6) == 0 ? "HTTPS" : "HTTP", one, ROLE_NORMAL);
		p += len;
		any = 1;
	}
	if (!any)
		row(r, "Listening", "nothing", ROLE_WARN);
}

static void draw_running(struct rows *r, const struct service_state *svc,
			 const struct status_screen *s)
{
	const struct service_status *st = &svc->status;
	char text[640], up[32];
	if (!service_control_reported(svc)) {
		snprintf(text, sizeof(text), "running (pid %ld), not reported yet", (long)svc->pid);
		row(r, "State", text, ROLE_OK);
		return;
	}
	numbers_format_duration((long)time(NULL) - st->started_at, up, sizeof(up));
	snprintf(text, sizeof(text), "running (pid %ld), up %s", (long)svc->pid, up);
	row(r, "State", text, ROLE_OK);
	listeners(r, st->listeners);
	snprintf(text, sizeof(text), "version %ld applied, latest %ld%s", st->config_version,
		 svc->latest,
		 st->config_version < svc->latest ? " (r reloads, v reverts to the served one)" : "");
	row(r, "Configuration", text, st->config_version < svc->latest ? ROLE_WARN : ROLE_NORMAL);
	if (s->unserved[0])
		row(r, "Not served yet", s->unserved, ROLE_WARN);
	snprintf(text, sizeof(text), "%s%s%s", st->result, st->message[0] ? ": " : "", st->message);
	row(r, "Last reload", text, strcmp(st->result, "ok") == 0 ? ROLE_NORMAL : ROLE_ERROR);
	snprintf(text, sizeof(text), "%ld active", st->sessions);
	row(r, "Sessions", text, ROLE_NORMAL);
}

static void draw_stopped(struct rows *r, const struct service_state *svc)
{
	char text[640];
	row(r, "State", "stopped (s starts it)", ROLE_WARN);
	if (svc->present && strcmp(svc->status.result, "error") == 0)
		row(r, "Last start", svc->status.message, ROLE_ERROR);
	snprintf(text, sizeof(text), "latest version %ld", svc->latest);
	row(r, "Configuration", text, ROLE_NORMAL);
}

static void draw_ssl(struct rows *r, const struct status_screen *s)
{
	char text[640];
	snprintf(text, sizeof(text), "%s", s->ssl ? (s->force ? "enabled, Force SSL on"
							      : "enabled, Force SSL off")
						  : "disabled (Services, Web Messaging, Advanced)");
	/* Saved settings: what is served is in the listener rows above. */
	row(r, "SSL (saved)", text, s->ssl ? ROLE_NORMAL : ROLE_WARN);
	if (!s->have_cert) {
		row(r, "Certificate", s->cert_error, s->ssl ? ROLE_ERROR : ROLE_DIM);
		return;
	}
	row(r, "Certificate", s->cert.subject, ROLE_NORMAL);
	if (s->cert.days_left < 0)
		snprintf(text, sizeof(text), "expired on %s", s->cert.not_after);
	else
		snprintf(text, sizeof(text), "%ld (until %s)%s", s->cert.days_left, s->cert.not_after,
			 s->cert.self_signed ? ", self-signed" : "");
	row(r, "Days left", text, s->cert.days_left < TLS_CERT_WARN_DAYS ? ROLE_WARN : ROLE_NORMAL);
	/* The same as check and service status say (core/cert_status.c). */
	static const int roles[] = { [CHECK_OK] = ROLE_NORMAL, [CHECK_WARN] = ROLE_WARN,
				     [CHECK_FAIL] = ROLE_ERROR, [CHECK_SKIP] = ROLE_DIM };
	for (size_t i = 0; i < s->ncerts; i++) {
		const struct cert_status *cs = &s->certs[i];
		if (i == 0 && cs->readable) {
			row(r, "Issuer", cs->issuer, ROLE_NORMAL);
			row(r, "Names", cs->names, ROLE_NORMAL);
			row(r, "Renews", cs->renews, roles[cs->level]);
			if (cs->failure[0])
				row(r, "Renewal", cs->failure, roles[cs->level]);
		} else if (i > 0 && !cs->readable) {
			row(r, "Client CA", cs->error, roles[cs->level]);
		} else if (i > 0) {
			char line[2048];
			cert_status_line(cs, line, sizeof(line));
			row(r, "Client CA", line + strlen(cs->what) + 2, roles[cs->level]);
		}
	}
}

static void status_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct status_screen *s = st;
	const struct service_state *svc = console_service(c);
	struct rows r = { w, 0, h, width };
	(void)focused;
	if (svc->pid)
		draw_running(&r, svc, s);
	else
		draw_stopped(&r, svc);
	r.y++;
	if (s->config_error[0])
		row(&r, "Configuration", s->config_error, ROLE_ERROR);
	else
		draw_ssl(&r, s);
}

/* Saved and served differ (a change the daemon could not apply, or one made
 * behind the program's back): go back to what is served, through the same
 * decision and revert as the History screen and `config revert`. */
static void revert_to_served(struct console *c, struct status_screen *s)
{
	char question[ERR_MSG_MAX + 1400];
	long latest = console_service(c)->latest;
	snprintf(question, sizeof(question),
		 "Revert to version %ld, the version being served? The settings saved since "
		 "(version %ld)%s%s are undone as a new version, and webmsgd applies it; secrets "
		 "stay as they are now.",
		 s->served, latest, s->unserved[0] ? ": " : "", s->unserved);
	screen_history_revert(c, s->served, question);
	read_ssl(c, s);
}

static int status_key(struct console *c, void *st, int key)
{
	struct status_screen *s = st;
	if (key == 'v' && s->served > 0) {
		revert_to_served(c, s);
		return 1;
	}
	return 0;
}

static const struct keybar_entry *status_keys(void *st)
{
	static const struct keybar_entry keys[] = { { "F6", "s", "Start/Stop" },
						    { "F5", "r", "Reload" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	static const struct keybar_entry differ[] = { { NULL, "v", "Revert to the version being served" },
						      { "F6", "s", "Start/Stop" },
						      { "F5", "r", "Reload" },
						      { NULL, "Esc", "Tree" },
						      { 0 } };
	const struct status_screen *s = st;
	return s && s->served > 0 ? differ : keys;
}

const struct screen screen_status = {
	.name = "Status",
	.help = "The server: whether webmsgd runs, where it listens, the configuration version "
		"it serves and the latest one, the result of its last start or reload, open "
		"sessions and the certificate HTTPS uses. It is read again every second. When "
		"the version served is not the latest saved, v reverts to the served version "
		"(after you confirm it), checked and saved as a new version like any change.",
	.open = status_open,
	.close = status_close,
	.draw = status_draw,
	.key = status_key,
	.keys = status_keys,
	.tick = status_tick,
};
