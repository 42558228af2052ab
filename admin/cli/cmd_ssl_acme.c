/* cmd_ssl_acme.c - `webmsg-admin ssl acme` and `ssl acme renew`: the server
 * certificate from an ACME CA, installed as `ssl import` installs one, then
 * loaded by a running webmsgd; the renewal is quiet unless it fails. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/term_safe.h"
#include "webmsg/tls_material.h"

#include "cli/commands.h"
#include "core/acme_setup.h"
#include "core/apply.h"
#include "core/ssl_setup.h"

static void show_progress(const char *line, void *arg)
{
	char safe[1024];
	(void)arg;
	printf("  %s\n", term_safe(line, safe, sizeof(safe), 0));
	fflush(stdout);
}

/* The order from the options of `ssl acme`. */
static int order_from_options(struct cmd_ctx *ctx, struct acme_setup *s)
{
	const char *dir = ctx->opt_arg[OPT_DIRECTORY];
	struct err e;

	if (!ctx->opt_arg[OPT_EMAIL])
		return cmd_usage_error(ctx->entry, "ssl acme needs --email ADDRESS (the CA writes "
						   "there about the certificate)");
	for (size_t i = 0; i < ctx->ngiven; i++)
		if (ctx->given[i].opt == OPT_DOMAIN &&
		    acme_setup_add_domain(s, ctx->given[i].arg, &e) < 0)
			return cmd_error("--domain %s: %s", ctx->given[i].arg, e.msg);
	if (s->order.ndomains == 0)
		return cmd_usage_error(ctx->entry, "ssl acme needs --domain NAME (once for each name)");
	if (dir && ctx->opt[OPT_STAGING])
		return cmd_usage_error(ctx->entry, "give --directory or --staging, not both");
	if (ctx->opt[OPT_STAGING])
		dir = ACME_LETSENCRYPT_STAGING;
	if (dir && settings_validate(settings_get(SET_SSL_ACME_DIRECTORY), dir, &e) < 0)
		return cmd_error("--directory: %s", e.msg);
	if (dir)
		s->order.directory = dir;
	if (ctx->opt_arg[OPT_KEY] &&
	    (tls_key_type_parse(ctx->opt_arg[OPT_KEY], &s->order.key_type) < 0 ||
	     (s->order.key_type != TLS_KEY_EC_P256 && s->order.key_type != TLS_KEY_RSA_2048)))
		return cmd_error("--key: '%s' is not ec-p256 or rsa-2048", ctx->opt_arg[OPT_KEY]);
	if (ctx->opt_arg[OPT_CA_FILE]) {
		/* Kept for the renewal, which may run from another folder. */
		if (!realpath(ctx->opt_arg[OPT_CA_FILE], s->ca_file))
			return cmd_error("--ca-file %s: no such file", ctx->opt_arg[OPT_CA_FILE]);
		s->order.ca_file = s->ca_file;
	}
	s->order.email = ctx->opt_arg[OPT_EMAIL];
	s->order.agree_tos = ctx->opt[OPT_AGREE_TOS] > 0;
	return CMD_OK;
}

/* A key store without a key password yet gets one, stored first: the
 * account key and the certificate's key are encrypted with it. */
static int ensure_password(struct cmd_ctx *ctx, const struct config_snapshot *cfg,
			   struct acme_setup *s)
{
	int is_new = 0;
	struct err e;
	if (ssl_setup_key_password(cfg, NULL, s->password, sizeof(s->password), &is_new, &e) < 0)
		return cmd_error("%s", e.msg);
	if (!is_new)
		return CMD_OK;
	struct config_change c = { SET_SSL_KEY_PASSWORD, s->password, NULL };
	return cmd_commit_changes(ctx->db, &c, 1);
}

static int issue(struct cmd_ctx *ctx, struct config_snapshot *cfg)
{
	static struct acme_setup s; /* 28 KiB: not on the stack */
	struct config_change changes[5];
	struct apply_outcome o;
	struct err e;
	int rc;

	if (acme_setup_init(&s, cfg, &e) < 0)
		return cmd_error("%s", e.msg);
	if ((rc = order_from_options(ctx, &s)) != CMD_OK ||
	    (rc = ensure_password(ctx, cfg, &s)) != CMD_OK)
		return rc;
	printf("asking %s for a certificate for %s\n", s.order.directory, s.domains_list);
	s.order.progress = show_progress;
	if (acme_setup_issue(&s, &e) < 0)
		return cmd_error("%s; the current certificate stays", e.msg);
	printf("installed %s/%s\n", s.keystore, TLS_SERVER_CERT);
	/* A new certificate ends any run of failed renewals. */
	char record[PATH_MAX];
	if (acme_renewal_path(cfg, record, sizeof(record), &e) < 0 ||
	    acme_renewal_clear(record, &e) < 0)
		cmd_warn("%s", e.msg);
	/* Saving the settings has a running webmsgd apply them, new files
	 * included; when they are as they were (the same order again) no
	 * version is made, and webmsgd is asked to load the files anyway. */
	size_t n = acme_setup_changes(&s, changes, 5);
	int arc = apply_changes(ctx->db, changes, n, &o, &e);
	if (arc == 0 && o.version == cfg->version && config_bool(cfg, SET_SSL_ENABLE))
		arc = apply_reload_if_running(ctx->db, &o, &e);
	rc = cmd_report(arc, &o, &e);
	if (rc == CMD_OK && !config_bool(cfg, SET_SSL_ENABLE))
		printf("SSL is not enabled: '%s ssl enable' serves the certificate\n", CMD_PROGRAM);
	return rc;
}

/* When the certificate is due: the CA's ARI window when its directory
 * offers one (a random point in it), else two thirds of its lifetime. A
 * certificate that cannot be read is due: renewing it is what mends it. */
static int renewal_due(const struct acme_setup *s, const char *cert, time_t now)
{
	time_t from, to, start, end;
	unsigned char r;
	struct err e;
	if (acme_cert_dates(cert, &from, &to, &e) < 0)
		return 1;
	if (acme_renewal_info(&s->order, cert, &start, &end, &e) != 1)
		start = end = 0; /* no ARI, or the CA cannot say now: the lifetime decides */
	if (RAND_bytes(&r, 1) != 1)
		r = 0;
	return now >= acme_renewal_window_at(from, to, start, end, r / 256.0);
}

static int renew(struct cmd_ctx *ctx, struct config_snapshot *cfg)
{
	static struct acme_setup s;
	struct ssl_paths p;
	struct apply_outcome o;
	struct acme_renewal last;
	char record[PATH_MAX], when[64];
	struct err e, re;
	time_t now = time(NULL);

	if (acme_setup_init(&s, cfg, &e) < 0 || acme_setup_from_config(&s, cfg, &e) < 0 ||
	    ssl_config_paths(cfg, &p, &e) < 0 ||
	    acme_renewal_path(cfg, record, sizeof(record), &e) < 0 ||
	    acme_renewal_read(record, &last, &e) < 0)
		return cmd_error("%s", e.msg);
	if (!ctx->opt[OPT_FORCE]) {
		/* After a failure, wait 1 h, 2 h, 4 h ... at most a day: a CA that
		 * refuses is not asked twice a minute, nor its rate limit spent. */
		if (last.failures > 0 && now < acme_renewal_next_try(&last))
			return CMD_OK;
		if (last.failures == 0 && !renewal_due(&s, p.cert, now))
			return CMD_OK;
	}
	if (acme_setup_issue(&s, &e) < 0) {
		int failures = last.failures + 1;
		if (acme_renewal_failed(record, now, e.msg, &re) < 0)
			cmd_warn("the failure could not be recorded: %s", re.msg);
		last.failures = failures;
		last.last_failure = now;
		time_t next = acme_renewal_next_try(&last);
		struct tm tm;
		if (!localtime_r(&next, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm))
			snprintf(when, sizeof(when), "later");
		return cmd_error("renewing the certificate for %s failed (attempt %d): %s; the "
				 "current certificate stays; next attempt after %s",
				 s.domains_list, failures, e.msg, when);
	}
	if (acme_renewal_clear(record, &re) < 0)
		cmd_warn("%s", re.msg);
	if (config_bool(cfg, SET_SSL_ENABLE) && apply_reload_if_running(ctx->db, &o, &e) < 0)
		return cmd_error("the certificate was renewed but %s", e.msg);
	return CMD_OK;
}

int cmd_ssl_acme(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *cfg;
	struct err e;
	int rc;

	if (argc == 1 && strcmp(argv[0], "renew") != 0)
		return cmd_usage_error(ctx->entry, "ssl acme: unexpected argument '%s' (renew?)",
				       argv[0]);
	if (config_load(ctx->db, &cfg, &e) < 0)
		return cmd_error("%s", e.msg);
	if (argc == 1) {
		if (ctx->opt_arg[OPT_DOMAIN] || ctx->opt_arg[OPT_EMAIL] ||
		    ctx->opt_arg[OPT_DIRECTORY] || ctx->opt[OPT_STAGING])
			rc = cmd_usage_error(ctx->entry, "ssl acme renew takes the names and the CA "
							 "stored by ssl acme; only --force");
		else
			rc = renew(ctx, cfg);
	} else {
		rc = issue(ctx, cfg);
	}
	config_snapshot_free(&cfg);
	return rc;
}
