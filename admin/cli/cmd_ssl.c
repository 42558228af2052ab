/* cmd_ssl.c - `webmsg-admin ssl ...`: the key store, self-signed certificates
 * and requests for a CA, importing the CA's answer, cipher profiles, client
 * authentication, Enable SSL and Force SSL. A change that would leave HTTPS
 * unable to start is refused before anything is saved. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/term_safe.h"
#include "webmsg/tls_material.h"

#include "cli/commands.h"
#include "cli/prompt.h"
#include "core/apply.h"
#include "core/numbers.h"
#include "core/ssl_setup.h"

#define DEFAULT_DAYS 365

static int load(struct cmd_ctx *ctx, struct config_snapshot **cfg, struct ssl_paths *p)
{
	struct err e;
	if (config_load(ctx->db, cfg, &e) < 0 || (p && ssl_config_paths(*cfg, p, &e) < 0)) {
		config_snapshot_free(cfg);
		return cmd_error("%s", e.msg);
	}
	return CMD_OK;
}

/* Saves the changes after the decision every door asks (apply_changes). */
static int checked_commit(struct cmd_ctx *ctx, const struct config_change *changes, size_t n)
{
	return cmd_commit_changes(ctx->db, changes, n);
}

int cmd_ssl_keystore(struct cmd_ctx *ctx, int argc, char **argv)
{
	char dir[PATH_MAX];
	struct err e;
	(void)argc;
	if (ssl_setup_keystore(argv[0], dir, &e) < 0)
		return cmd_error("%s", e.msg);
	struct config_change c = { SET_SSL_KEYSTORE, dir };
	return cmd_commit_changes(ctx->db, &c, 1);
}

/* The subject and the rest of a request, from the options. A part not given
 * is the current certificate's, so a renewal needs no options; its names (the
 * common name and the alternative names) only when --cn names the same host
 * or is not given, and --san replaces its alternative names. */
static int read_request(struct cmd_ctx *ctx, const struct config_snapshot *cfg,
			struct tls_request *req)
{
	static struct ssl_setup_current cur; /* 9 KiB: not on the stack */
	static const struct {
		enum cmd_option opt;
		size_t offset, size;
	} fields[] = {
		{ OPT_CN, offsetof(struct tls_subject, cn), sizeof(((struct tls_subject *)0)->cn) },
		{ OPT_ORG, offsetof(struct tls_subject, o), sizeof(((struct tls_subject *)0)->o) },
		{ OPT_UNIT, offsetof(struct tls_subject, ou), sizeof(((struct tls_subject *)0)->ou) },
		{ OPT_LOCALITY, offsetof(struct tls_subject, l), sizeof(((struct tls_subject *)0)->l) },
		{ OPT_STATE, offsetof(struct tls_subject, st), sizeof(((struct tls_subject *)0)->st) },
		{ OPT_COUNTRY, offsetof(struct tls_subject, c), sizeof(((struct tls_subject *)0)->c) },
		{ OPT_EMAIL, offsetof(struct tls_subject, email),
		  sizeof(((struct tls_subject *)0)->email) },
	};
	struct tls_subject *s = &req->subject;
	struct err e;
	long days = DEFAULT_DAYS;

	memset(req, 0, sizeof(*req));
	config_hostname(cfg, s->cn, sizeof(s->cn));
	if (ssl_setup_current(cfg, &cur, &e) == 0) {
		const char *cn = ctx->opt_arg[OPT_CN];
		int same = !cn || strcasecmp(cn, cur.subject.cn) == 0;
		char host[sizeof(s->cn)];
		memcpy(host, s->cn, sizeof(host));
		*s = cur.subject;
		if (!same || ctx->opt_arg[OPT_SAN])
			s->nsans = 0;
		if (!same || !s->cn[0])
			memcpy(s->cn, host, sizeof(s->cn));
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = ctx->opt_arg[fields[i].opt];
		if (v && snprintf((char *)s + fields[i].offset, fields[i].size, "%s", v) >=
				 (int)fields[i].size)
			return cmd_error("--%s: too long", fields[i].opt == OPT_COUNTRY ? "country" : "value");
	}
	if (ssl_setup_parse_sans(ctx->opt_arg[OPT_SAN], s, &e) < 0)
		return cmd_error("--san: %s", e.msg);
	if (ctx->opt_arg[OPT_KEY_TYPE] && tls_key_type_parse(ctx->opt_arg[OPT_KEY_TYPE],
							     &req->key_type) < 0)
		return cmd_error("--key-type: '%s' is not one of ec-p256, ec-p384, rsa-2048, "
				 "rsa-3072, rsa-4096", ctx->opt_arg[OPT_KEY_TYPE]);
	if (ctx->opt_arg[OPT_DAYS] && numbers_parse_long(ctx->opt_arg[OPT_DAYS], 1, 3650, &days) < 0)
		return cmd_error("--days: '%s' is not a number of days from 1 to 3650",
				 ctx->opt_arg[OPT_DAYS]);
	req->days = (int)days;
	if (tls_subject_validate(s, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}

/* The key password: from --password-file, else the one already stored, else a new
 * random one. *is_new says whether it must be stored. */
static int key_password(struct cmd_ctx *ctx, const struct config_snapshot *cfg, char *out,
			size_t outlen, int *is_new)
{
	char given[PROMPT_MAX];
	const char *file = ctx->opt_arg[OPT_PASSWORD_FILE];
	struct err e;
	int rc = 0;
	if (file && prompt_password("Key password", file, given, sizeof(given), &e) < 0)
		rc = cmd_error("%s", e.msg);
	else if (ssl_setup_key_password(cfg, file ? given : NULL, out, outlen, is_new, &e) < 0)
		rc = cmd_error("%s", e.msg);
	explicit_bzero(given, sizeof(given));
	return rc;
}

/* Has a running daemon that serves HTTPS load the new files. */
static int reload_if_running(struct cmd_ctx *ctx)
{
	struct apply_outcome o;
	struct err e;
	return cmd_report(apply_reload_if_running(ctx->db, &o, &e), &o, &e);
}

/* What selfsign and csr share: the request, the password, the files, then the
 * configuration, so a running daemon serves the result. */
static int make_key(struct cmd_ctx *ctx, int selfsigned)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	struct tls_request req;
	char password[PROMPT_MAX];
	char *pem = NULL;
	struct err e;
	int is_new, rc;

	if (load(ctx, &cfg, &p) != CMD_OK)
		return CMD_FAIL;
	if ((rc = read_request(ctx, cfg, &req)) != CMD_OK ||
	    (rc = key_password(ctx, cfg, password, sizeof(password), &is_new)) != CMD_OK)
		goto out;
	req.password = password;
	if (ssl_setup_make_key(p.keystore, &req, selfsigned, ctx->opt[OPT_FORCE] > 0, &pem, &e) <
	    0) {
		rc = cmd_error("%s", e.msg);
		goto out;
	}
	if (selfsigned)
		printf("made a self-signed certificate for %s in %s/%s\n", req.subject.cn,
		       p.keystore, TLS_SERVER_CERT);
	else
		printf("%sthe request is in %s/%s; send it to your certificate authority, then "
		       "install its answer with '%s ssl import --cert FILE [--chain FILE]'\n",
		       pem, p.keystore, TLS_REQUEST_CSR, CMD_PROGRAM);
	struct config_change c = { SET_SSL_KEY_PASSWORD, password };
	if (is_new)
		rc = cmd_commit_changes(ctx->db, &c, 1);
	else if (selfsigned && config_bool(cfg, SET_SSL_ENABLE))
		rc = reload_if_running(ctx);
	if (rc != CMD_OK && is_new)
		cmd_warn("the new key's password is not stored; store it with '%s config set "
			 "ssl.key_password'", CMD_PROGRAM);
out:
	explicit_bzero(password, sizeof(password));
	free(pem);
	config_snapshot_free(&cfg);
	return rc;
}

int cmd_ssl_selfsign(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return make_key(ctx, 1);
}

int cmd_ssl_csr(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return make_key(ctx, 0);
}

int cmd_ssl_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	struct err e;
	int rc = CMD_OK;
	(void)argc;
	(void)argv;
	if (!ctx->opt_arg[OPT_CERT])
		return cmd_usage_error(ctx->entry, "ssl import needs --cert FILE");
	if (load(ctx, &cfg, &p) != CMD_OK)
		return CMD_FAIL;
	if (tls_import(p.keystore, ctx->opt_arg[OPT_CERT], ctx->opt_arg[OPT_CHAIN],
		       config_str(cfg, SET_SSL_KEY_PASSWORD), &e) < 0)
		rc = cmd_error("%s", e.msg);
	else {
		printf("installed %s/%s\n", p.keystore, TLS_SERVER_CERT);
		if (config_bool(cfg, SET_SSL_ENABLE))
			rc = reload_if_running(ctx);
	}
	config_snapshot_free(&cfg);
	return rc;
}

int cmd_ssl_show(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *cfg;
	struct ssl_paths p;
	struct tls_cert_info i;
	struct err e;
	(void)argc;
	(void)argv;
	if (load(ctx, &cfg, &p) != CMD_OK)
		return CMD_FAIL;
	int enabled = config_bool(cfg, SET_SSL_ENABLE), force = config_bool(cfg, SET_SSL_FORCE);
	config_snapshot_free(&cfg);
	if (tls_cert_info(p.cert, &i, &e) < 0)
		return cmd_error("%s", e.msg);
	const struct {
		const char *label, *value;
	} rows[] = {
		{ "certificate", p.cert },
		{ "subject", i.subject },
		{ "alternative names", i.sans },
		{ "issuer", i.issuer },
		{ "kind", i.self_signed ? "self-signed" : "issued by a certificate authority" },
		{ "serial", i.serial },
		{ "valid from", i.not_before },
		{ "valid until", i.not_after },
		{ "key", i.key_desc },
		{ "SHA-256 fingerprint", i.sha256 },
		{ "chain", p.chain[0] ? p.chain : "none" },
		{ "SSL", enabled ? (force ? "enabled, Force SSL on" : "enabled") : "disabled" },
	};
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		char safe[1024];
		printf("%-20s %s\n", rows[r].label, term_safe(rows[r].value, safe, sizeof(safe), 0));
	}
	if (i.days_left < 0)
		printf("%-20s expired %ld days ago\n", "days left", -i.days_left);
	else
		printf("%-20s %ld\n", "days left", i.days_left);
	return CMD_OK;
}

static void print_item(const char *what, void *arg)
{
	printf("  %s%s\n", (const char *)arg, what);
}

/* Lists the profiles, and what the chosen one allows as GnuTLS computes it. */
static int describe_profiles(const struct config_snapshot *cfg)
{
	const char *current = config_str(cfg, SET_SSL_CIPHER_PROFILE), *priority;
	struct err e;
	for (size_t i = 0; cipher_profile_at(i); i++) {
		const struct cipher_profile *cp = cipher_profile_at(i);
		printf("%s %-13s %s\n", strcmp(cp->name, current) == 0 ? "*" : " ", cp->name,
		       cp->description);
	}
	if (cipher_profile_priority(current, config_str(cfg, SET_SSL_PRIORITY), &priority, &e) < 0)
		return cmd_error("%s", e.msg);
	printf("\n%s allows (priority %s):\n", current, priority);
	if (cipher_profile_describe(priority, print_item, print_item, "", &e) < 0)
		return cmd_error("%s", e.msg);
	const struct cipher_profile *cp = cipher_profile_find(current);
	if (cp && cp->warning)
		cmd_warn("%s", cp->warning);
	return CMD_OK;
}

int cmd_ssl_ciphers(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *cfg;
	int rc = CMD_OK;
	if (argc == 1) {
		const char *priority = ctx->opt_arg[OPT_PRIORITY];
		if (!cipher_profile_find(argv[0]))
			return cmd_error("there is no cipher profile '%s' (modern, intermediate, "
					 "compatible, custom)", argv[0]);
		if (strcmp(argv[0], "custom") == 0 && !priority)
			return cmd_usage_error(ctx->entry, "the custom profile needs --priority STRING");
		struct config_change c[] = { { SET_SSL_CIPHER_PROFILE, argv[0] },
					     { SET_SSL_PRIORITY, priority } };
		rc = checked_commit(ctx, c, priority ? 2 : 1);
		if (rc != CMD_OK)
			return rc;
	}
	if (load(ctx, &cfg, NULL) != CMD_OK)
		return CMD_FAIL;
	rc = describe_profiles(cfg);
	config_snapshot_free(&cfg);
	return rc;
}

int cmd_ssl_client_auth(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_change c[2] = { 0 };
	char ca[PATH_MAX];
	struct err e;
	size_t n;
	(void)argc;
	if (ssl_setup_client_auth(argv[0], ctx->opt_arg[OPT_CA], c, &n, ca, &e) < 0)
		return cmd_error("%s", e.msg);
	return checked_commit(ctx, c, n);
}

int cmd_ssl_enable(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct config_change c = { SET_SSL_ENABLE, "on" };
	return checked_commit(ctx, &c, 1);
}

int cmd_ssl_disable(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* Force SSL goes off with it: the decision's rule, as in the console. */
	struct config_change c = { SET_SSL_ENABLE, "off" };
	return checked_commit(ctx, &c, 1);
}

int cmd_ssl_force(struct cmd_ctx *ctx, int argc, char **argv)
{
	int on;
	(void)argc;
	if (settings_parse_bool(argv[0], &on) < 0)
		return cmd_usage_error(ctx->entry, "'%s' is not on or off", argv[0]);
	/* Turning Force SSL on brings SSL with it: the decision's rule. */
	struct config_change c = { SET_SSL_FORCE, on ? "on" : "off" };
	return checked_commit(ctx, &c, 1);
}
