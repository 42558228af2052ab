/* commands.c - the table of webmsg-admin's commands and everything generated
 * from it: lookup, option parsing, usage errors with suggestions, and help. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/term_safe.h"

#include "cli/commands.h"

#define HELP_WIDTH 79
#define SYNOPSIS_MAX 640

#define PASSWORD_DETAIL                                                                        \
	"Passwords are never given on the command line: type it twice at the terminal, or "    \
	"give --password-file FILE, or send it on standard input; the first line is used."

#define CERT_OPTIONS                                                                           \
	(CMD_OPT(OPT_KEY_TYPE) | CMD_OPT(OPT_CN) | CMD_OPT(OPT_ORG) | CMD_OPT(OPT_UNIT) |          \
	 CMD_OPT(OPT_LOCALITY) | CMD_OPT(OPT_STATE) | CMD_OPT(OPT_COUNTRY) |                      \
	 CMD_OPT(OPT_EMAIL) | CMD_OPT(OPT_SAN) | CMD_OPT(OPT_PASSWORD_FILE) | CMD_OPT(OPT_FORCE))

static const struct cmd_entry table[] = {
	{ "init", "", "Create the configuration database",
	  "Creates a new database (mode 0600) at the path given with -c, or the default one. "
	  "An existing file is never touched, and the folder must exist.",
	  0, 0, 0, CMD_PATH, cmd_init },
	{ "config list", "", "Show every setting and its value",
	  "A value marked (default) is not stored. Secrets show only whether they are set. "
	  "With -v, also each setting's type, whether it needs a restart, and what it is for.",
	  0, 0, CMD_OPT(OPT_VERBOSE), CMD_DB | CMD_DB_READ, cmd_config_list },
	{ "config get", "KEY", "Print one setting's value", "Secrets are never printed.", 1, 1, 0,
	  CMD_DB | CMD_DB_READ, cmd_config_get },
	{ "config set", "KEY VALUE", "Change a setting and apply it",
	  "The value is checked against the setting's type (see config list -v). A running "
	  "webmsgd is asked to apply the new version, and its answer is shown. A secret such as "
	  "ssl.key_password is never given on the command line: leave VALUE out and type it "
	  "twice, or give --password-file FILE, or send it on standard input.",
	  1, 2, CMD_OPT(OPT_PASSWORD_FILE), CMD_DB, cmd_config_set },
	{ "config unset", "KEY", "Put a setting back to its default and apply it", NULL, 1, 1, 0,
	  CMD_DB, cmd_config_unset },
	{ "config history", "", "Show every change: when, who, old and new value",
	  "Values of secrets are never recorded, only that they changed.", 0, 0, 0,
	  CMD_DB | CMD_DB_READ, cmd_config_history },
	{ "config revert", "VERSION", "Make a new version like VERSION and apply it",
	  "The new version has every setting as it was in VERSION (0: the defaults). Secrets are "
	  "not kept in the history, so they stay as they are.",
	  1, 1, 0, CMD_DB, cmd_config_revert },
	{ "config export", "[FILE|-]", "Write the settings to a file for another machine",
	  "Every setting that differs from its default, with a header (product, version, "
	  "schema, date, host) and a SHA-256 checksum as the last line; to standard output "
	  "without FILE or with -. Secrets (ssl.key_password, smtp.password, the session "
	  "store's password) are left out unless --with-secrets is given; then FILE is made "
	  "with mode 0600 and standard output is refused when it is a terminal. FILE is "
	  "replaced, never written into, so an old file's wider mode is not kept. Users, "
	  "domains and the TLS key and certificate files are not settings: copy the key "
	  "store files with scp -p.",
	  0, 1, CMD_OPT(OPT_WITH_SECRETS), CMD_DB | CMD_DB_READ, cmd_config_export },
	{ "config import", "FILE|-", "Make the settings those of an exported file",
	  "The checksum is verified first (an edited or cut file is refused) and every line "
	  "parsed strictly; unknown settings are refused and listed. Then every setting is "
	  "changed in one version through the checks of config set: all or nothing. Settings "
	  "the file leaves out go back to their defaults; secrets the file does not carry are "
	  "kept. Prints what changed and whether a restart is needed; a running webmsgd "
	  "applies the rest at once. --dry-run checks and prints without saving.",
	  1, 1, CMD_OPT(OPT_DRY_RUN), CMD_DB, cmd_config_import },
	{ "config diff", "FILE|-", "Show the settings that differ from an exported file",
	  "One line per setting: its value here and in the file (a setting the file leaves "
	  "out stands for its default). Secrets are compared only when the file carries them, "
	  "and never shown. Exit status: 0 the same, 1 different, 2 the file could not be "
	  "read.",
	  1, 1, 0, CMD_DB | CMD_DB_READ, cmd_config_diff },
	{ "domain add", "NAME", "Add a mail domain", NULL, 1, 1, 0, CMD_DB, cmd_domain_add },
	{ "domain del", "NAME", "Delete a mail domain",
	  "A domain that still has users is refused unless --force is given, which deletes its "
	  "users too.",
	  1, 1, CMD_OPT(OPT_FORCE), CMD_DB, cmd_domain_del },
	{ "domain list", "", "List the mail domains, how many users each has and its TOTP policy",
	  NULL, 0, 0, 0, CMD_DB, cmd_domain_list },
	{ "domain show", "NAME", "Show a mail domain: its users and its TOTP policy", NULL, 1, 1, 0,
	  CMD_DB, cmd_domain_show },
	{ "domain set", "NAME totp off|optional|required|inherit",
	  "Set a domain's two-step verification (TOTP) policy",
	  "inherit (the default) follows login.totp. required: users of the domain without a "
	  "second factor set it up right after the password. optional: users choose. off: "
	  "users of the domain are not offered it and are not asked for a code, even those who "
	  "set one up (their keys are kept: inherit, optional or required asks for them "
	  "again); the command says how many enrolled users that is. Applies at the next "
	  "logon, and to remembered logons when they resume.",
	  3, 3, 0, CMD_DB, cmd_domain_set },
	{ "user add", "ADDRESS", "Add a user (name@domain) with a password", PASSWORD_DETAIL, 1, 1,
	  CMD_OPT(OPT_PASSWORD_FILE), CMD_DB, cmd_user_add },
	{ "user del", "ADDRESS", "Delete a user", NULL, 1, 1, 0, CMD_DB, cmd_user_del },
	{ "user passwd", "ADDRESS", "Change a user's password", PASSWORD_DETAIL, 1, 1,
	  CMD_OPT(OPT_PASSWORD_FILE), CMD_DB, cmd_user_passwd },
	{ "user revoke", "ADDRESS", "End a user's sessions and remembered logons (\"Remember me\")",
	  "Browsers that kept the user logged on must log on again with the password.", 1, 1, 0,
	  CMD_DB, cmd_user_revoke },
	{ "user totp", "reset ADDRESS",
	  "Turn off a user's two-step verification (TOTP) and end the user's sessions",
	  "For a user who lost the phone and the recovery codes: the password alone logs on "
	  "until the user sets it up again. The reset is recorded in the system log.",
	  2, 2, 0, CMD_DB, cmd_user_totp },
	{ "user list", "[DOMAIN]", "List the users, with the date each was added", NULL, 0, 1, 0,
	  CMD_DB, cmd_user_list },
	{ "service start", "", "Start webmsgd and show where it listens", NULL, 0, 0, 0, CMD_DB,
	  cmd_service_start },
	{ "service stop", "", "Stop webmsgd", NULL, 0, 0, 0, CMD_DB, cmd_service_stop },
	{ "service restart", "", "Stop webmsgd if it runs, then start it",
	  "Settings shown as \"applied at restart\" by config list -v take effect only this way.",
	  0, 0, 0, CMD_DB, cmd_service_restart },
	{ "service reload", "", "Make webmsgd apply the latest configuration",
	  "When the new configuration cannot be applied, webmsgd keeps serving the old one and "
	  "the reason is shown.",
	  0, 0, 0, CMD_DB, cmd_service_reload },
	{ "service status", "", "Show whether webmsgd runs and what it applied",
	  "Exit status: 0 when webmsgd is running, 3 when it is stopped, 1 when that cannot be "
	  "told.",
	  0, 0, 0, CMD_DB, cmd_service_status },
	{ "ssl keystore", "DIR", "Set the folder for keys, certificates and requests",
	  "The folder must exist and be writable; nothing is created.", 1, 1, 0, CMD_DB,
	  cmd_ssl_keystore },
	{ "ssl selfsign", "", "Make a private key and a self-signed certificate",
	  "The key is encrypted; its password comes from --password-file, or is the one "
	  "already stored, or is generated, and is stored in the configuration. Existing "
	  "files are kept as .bak with --force and never overwritten without it.",
	  0, 0, CERT_OPTIONS | CMD_OPT(OPT_DAYS), CMD_DB, cmd_ssl_selfsign },
	{ "ssl csr", "", "Make a private key and a certificate request for a CA",
	  "The request is printed and saved as request.csr; install the CA's answer with "
	  "ssl import.",
	  0, 0, CERT_OPTIONS, CMD_DB, cmd_ssl_csr },
	{ "ssl import", "", "Install the certificate a CA sent back, and its chain",
	  "Refused when it does not match the key of the request, has expired or is not a "
	  "server certificate.",
	  0, 0, CMD_OPT(OPT_CERT) | CMD_OPT(OPT_CHAIN), CMD_DB, cmd_ssl_import },
	{ "ssl show", "", "Describe the server certificate", NULL, 0, 0, 0, CMD_DB, cmd_ssl_show },
	{ "ssl ciphers", "[PROFILE]", "Show or choose the cipher profile",
	  "Profiles: modern (TLS 1.3 only), intermediate (TLS 1.2 and 1.3; the default), "
	  "compatible (older versions and suites, weak), custom (--priority STRING, checked "
	  "before it is saved). Prints the versions and suites the profile allows.",
	  0, 1, CMD_OPT(OPT_PRIORITY), CMD_DB, cmd_ssl_ciphers },
	{ "ssl client-auth", "none|optional|required", "Ask browsers for client certificates",
	  "none is recommended. optional asks and shows a verified identity; required refuses "
	  "connections without a certificate issued by the --ca FILE authorities.",
	  1, 1, CMD_OPT(OPT_CA), CMD_DB, cmd_ssl_client_auth },
	{ "ssl enable", "", "Listen for HTTPS (checked first)", NULL, 0, 0, 0, CMD_DB,
	  cmd_ssl_enable },
	{ "ssl disable", "", "Stop listening for HTTPS (Force SSL goes off too)", NULL, 0, 0, 0,
	  CMD_DB, cmd_ssl_disable },
	{ "ssl force", "on|off", "Redirect plain HTTP to HTTPS and send HSTS", NULL, 1, 1, 0,
	  CMD_DB, cmd_ssl_force },
	{ "ssl acme", "[renew]", "Get a certificate from an ACME CA (Let's Encrypt), or renew it",
	  "Needs --email and one --domain for each name (repeat it); the CA checks each name "
	  "over plain HTTP on port 80, which must reach webmsgd's HTTP port (Force SSL never "
	  "redirects /.well-known/acme-challenge/). Default CA: Let's Encrypt; --staging for "
	  "its staging directory, --directory URL for another CA, --ca-file PEM to trust its "
	  "HTTPS. The certificate goes through the checks of ssl import (the old files kept as "
	  ".bak) and a running webmsgd loads it. 'ssl acme renew' renews the certificate the "
	  "same way once two thirds of its lifetime passed (at once with --force), prints "
	  "nothing when all is well, and keeps the current certificate when it fails.",
	  0, 1,
	  CMD_OPT(OPT_EMAIL) | CMD_OPT(OPT_DOMAIN) | CMD_OPT(OPT_DIRECTORY) | CMD_OPT(OPT_STAGING) |
		  CMD_OPT(OPT_CA_FILE) | CMD_OPT(OPT_KEY) | CMD_OPT(OPT_AGREE_TOS) |
		  CMD_OPT(OPT_FORCE),
	  CMD_DB, cmd_ssl_acme },
	{ "check", "", "Troubleshoot: check SSL, the service and the configuration",
	  "One line per check: OK, WARN or FAIL with what to do. Exit status 1 when any check "
	  "fails.",
	  0, 0, 0, CMD_DB, cmd_check },
	{ "help", "[COMMAND]", "Show help for every command or one", NULL, 0, 2, 0, 0, cmd_help },
};
#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static const struct cmd_option_def {
	char short_name; /* 0: long name only */
	const char *long_name;
	const char *arg; /* NULL: takes no value */
	const char *help;
} option_defs[OPT_COUNT] = {
	[OPT_VERBOSE] = { 'v', "verbose", NULL, "also show each setting's type and help" },
	[OPT_FORCE] = { 0, "force", NULL, "go ahead although something is deleted or replaced" },
	[OPT_PASSWORD_FILE] = { 0, "password-file", "FILE",
				"read the password from the first line of FILE" },
	[OPT_KEY_TYPE] = { 0, "key-type", "TYPE",
			   "ec-p256 (default), ec-p384, rsa-2048, rsa-3072 or rsa-4096" },
	[OPT_CN] = { 0, "cn", "NAME", "common name (default: web.hostname)" },
	[OPT_ORG] = { 0, "org", "O", "organisation" },
	[OPT_UNIT] = { 0, "unit", "OU", "organisational unit" },
	[OPT_LOCALITY] = { 0, "locality", "L", "town or city" },
	[OPT_STATE] = { 0, "state", "ST", "state or province" },
	[OPT_COUNTRY] = { 0, "country", "C", "two-letter country code" },
	[OPT_EMAIL] = { 0, "email", "ADDRESS", "e-mail address of the administrator" },
	[OPT_SAN] = { 0, "san", "NAMES", "more host names and IP addresses, separated by commas (blanks around them are dropped)" },
	[OPT_DAYS] = { 0, "days", "N", "days the certificate is valid (default 365)" },
	[OPT_CERT] = { 0, "cert", "FILE", "the certificate the CA sent (PEM)" },
	[OPT_CHAIN] = { 0, "chain", "FILE", "the CA's intermediate certificates (PEM)" },
	[OPT_CA] = { 0, "ca", "FILE", "CA certificates that client certificates must chain to" },
	[OPT_PRIORITY] = { 0, "priority", "STRING", "GnuTLS priority string for the custom profile" },
	[OPT_WITH_SECRETS] = { 0, "with-secrets", NULL, "also write the secret settings" },
	[OPT_DRY_RUN] = { 0, "dry-run", NULL, "check and show the changes, save nothing" },
	[OPT_DOMAIN] = { 0, "domain", "NAME", "a host name of the certificate (repeat for more)" },
	[OPT_DIRECTORY] = { 0, "directory", "URL", "the ACME CA's directory (default: Let's Encrypt)" },
	[OPT_STAGING] = { 0, "staging", NULL, "Let's Encrypt's staging directory, for trials" },
	[OPT_CA_FILE] = { 0, "ca-file", "PEM", "CA certificates to trust for the directory's HTTPS" },
	[OPT_KEY] = { 0, "key", "TYPE", "the certificate's key: ec-p256 (default) or rsa-2048" },
	[OPT_AGREE_TOS] = { 0, "agree-tos", NULL, "agree to the CA's terms of service" },
};

static void __attribute__((format(printf, 2, 0)))
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	/* Messages carry text from outside (a CA's details, a certificate's
	 * subject): escaped before it reaches the terminal. */
	char text[ERR_MSG_MAX * 2], safe[ERR_MSG_MAX * 2];
	vsnprintf(text, sizeof(text), fmt, ap);
	fflush(stdout); /* keep the order of what was already printed */
	fprintf(stderr, "%s: %s%s\n", CMD_PROGRAM, prefix,
		term_safe(text, safe, sizeof(safe), TERM_SAFE_NEWLINES));
}

int cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	return CMD_FAIL;
}

void cmd_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

/* Length of the first word of a command name: its group. */
static size_t group_len(const char *name)
{
	return strcspn(name, " ");
}

static int in_group(const struct cmd_entry *c, const char *group)
{
	size_t n = group_len(c->name);
	return strlen(group) == n && strncmp(c->name, group, n) == 0;
}

/* Whether table[i] starts a group: the table lists a group's commands together. */
static int first_of_group(size_t i)
{
	size_t n = group_len(table[i].name);
	return i == 0 || group_len(table[i - 1].name) != n ||
	       strncmp(table[i].name, table[i - 1].name, n) != 0;
}

static int is_group(const char *word)
{
	for (size_t i = 0; i < TABLE_SIZE; i++)
		if (in_group(&table[i], word))
			return 1;
	return 0;
}

/* How many words of argv name c (1 or 2), or 0 when they do not. */
static int name_matches(const struct cmd_entry *c, int argc, char **argv)
{
	size_t n = group_len(c->name);
	if (argc < 1 || !in_group(c, argv[0]))
		return 0;
	if (c->name[n] == '\0')
		return 1;
	return argc >= 2 && strcmp(c->name + n + 1, argv[1]) == 0 ? 2 : 0;
}

static const struct cmd_entry *lookup(int argc, char **argv, int *words)
{
	for (size_t i = 0; i < TABLE_SIZE; i++)
		if ((*words = name_matches(&table[i], argc, argv)) > 0)
			return &table[i];
	return NULL;
}

/* "config set KEY VALUE [--password-file FILE]" */
static void synopsis(const struct cmd_entry *c, int with_options, char *out, size_t outlen)
{
	size_t len = (size_t)snprintf(out, outlen, "%s%s%s", c->name, c->usage[0] ? " " : "",
				      c->usage);
	for (int o = 0; with_options && o < OPT_COUNT && len < outlen; o++) {
		const struct cmd_option_def *d = &option_defs[o];
		if (!(c->options & CMD_OPT(o)))
			continue;
		if (d->short_name)
			len += (size_t)snprintf(out + len, outlen - len, " [-%c]", d->short_name);
		else
			len += (size_t)snprintf(out + len, outlen - len, " [--%s%s%s]", d->long_name,
						d->arg ? " " : "", d->arg ? d->arg : "");
	}
}

static void print_usage_line(FILE *f, const struct cmd_entry *c)
{
	char syn[SYNOPSIS_MAX];
	synopsis(c, 1, syn, sizeof(syn));
	fprintf(f, "usage: %s%s %s\n", CMD_PROGRAM, c->flags & (CMD_DB | CMD_PATH) ? " [-c DB]" : "",
		syn);
}

int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	print_usage_line(stderr, c);
	return CMD_USAGE;
}

/* Adds "'name'" to a list of suggestions joined by " or ". */
static void suggest(char *out, size_t outlen, const char *name, size_t namelen)
{
	size_t len = strlen(out);
	snprintf(out + len, outlen - len, "%s'%.*s'", len ? " or " : "", (int)namelen, name);
}

static void unknown_in_group(int argc, char **argv)
{
	char list[256] = "", near[256] = "";
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (!in_group(&table[i], argv[0]) || table[i].name[strlen(argv[0])] == '\0')
			continue;
		const char *sub = table[i].name + strlen(argv[0]) + 1;
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", sub);
		if (argc >= 2 && cmd_mistype(argv[1], sub) >= 0)
			suggest(near, sizeof(near), table[i].name, strlen(table[i].name));
	}
	if (argc < 2)
		cmd_error("%s needs a command: %s", argv[0], list);
	else if (near[0])
		cmd_error("unknown command '%s %s'; did you mean %s?", argv[0], argv[1], near);
	else
		cmd_error("unknown command '%s %s'; the %s commands are: %s", argv[0], argv[1],
			  argv[0], list);
}

/* Suggests groups that look alike, or whole commands whose second word was typed alone. */
static void unknown_command(int argc, char **argv)
{
	char near[256] = "";
	if (is_group(argv[0])) {
		unknown_in_group(argc, argv);
		return;
	}
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		size_t n = group_len(table[i].name);
		char group[64];
		snprintf(group, sizeof(group), "%.*s", (int)n, table[i].name);
		if (first_of_group(i) && cmd_mistype(argv[0], group) >= 0)
			suggest(near, sizeof(near), group, n);
		else if (table[i].name[n] && strcmp(table[i].name + n + 1, argv[0]) == 0)
			suggest(near, sizeof(near), table[i].name, strlen(table[i].name));
	}
	if (near[0])
		cmd_error("unknown command '%s'; did you mean %s?", argv[0], near);
	else
		cmd_error("unknown command '%s'; '%s help' lists the commands", argv[0],
			  CMD_PROGRAM);
}

const struct cmd_entry *cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry *c = lookup(argc, argv, words);
	if (!c)
		unknown_command(argc, argv);
	return c;
}

/* The n-th word of the usage, without brackets, for "missing VALUE". */
static void usage_word(const struct cmd_entry *c, int n, char *out, size_t outlen)
{
	const char *p = c->usage;
	for (; n > 0 && *p; n--) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	p += strspn(p, "[");
	snprintf(out, outlen, "%.*s", (int)strcspn(p, " ]"), p);
}

static int find_option(const char *arg, size_t len)
{
	for (int o = 0; o < OPT_COUNT; o++) {
		const struct cmd_option_def *d = &option_defs[o];
		if (arg[1] == '-' ? strlen(d->long_name) == len - 2 &&
					    strncmp(arg + 2, d->long_name, len - 2) == 0
				  : len == 2 && arg[1] == d->short_name)
			return o;
	}
	return -1;
}

/* Takes the option at argv[*i] (and its value, which may be the next argument).
 * Returns CMD_OK, or CMD_USAGE after saying what is wrong. */
static int take_option(struct cmd_ctx *ctx, int argc, char **argv, int *i)
{
	const struct cmd_entry *c = ctx->entry;
	const char *arg = argv[*i], *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
	int o = find_option(arg, eq ? (size_t)(eq - arg) : strlen(arg));

	if (o < 0 || !(c->options & CMD_OPT(o)))
		return cmd_usage_error(c, "%s: unknown option '%s'%s", c->name, arg,
				       c->max_args > 0 ? " (put -- before an argument that starts "
							 "with '-')" : "");
	const struct cmd_option_def *d = &option_defs[o];
	ctx->opt[o]++;
	if (!d->arg && eq)
		return cmd_usage_error(c, "%s: --%s takes no value", c->name, d->long_name);
	if (!d->arg)
		return CMD_OK;
	if (eq)
		ctx->opt_arg[o] = eq + 1;
	else if (*i + 1 < argc)
		ctx->opt_arg[o] = argv[++*i];
	if (!ctx->opt_arg[o] || !ctx->opt_arg[o][0])
		return cmd_usage_error(c, "%s: --%s needs a %s", c->name, d->long_name, d->arg);
	if (ctx->ngiven == CMD_GIVEN_MAX)
		return cmd_usage_error(c, "%s: too many options", c->name);
	ctx->given[ctx->ngiven].opt = (enum cmd_option)o;
	ctx->given[ctx->ngiven++].arg = ctx->opt_arg[o];
	return CMD_OK;
}

static void print_command_help(const struct cmd_entry *c);

int cmd_parse_args(struct cmd_ctx *ctx, int *argc, char **argv)
{
	const struct cmd_entry *c = ctx->entry;
	int n = 0, only_args = 0;
	char word[32];

	for (int i = 0; i < *argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			argv[n++] = a;
		} else if (strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_command_help(c);
			return CMD_OK;
		} else if (take_option(ctx, *argc, argv, &i) != CMD_OK) {
			return CMD_USAGE;
		}
	}
	*argc = n;
	argv[n] = NULL;
	if (n < c->min_args) {
		usage_word(c, n, word, sizeof(word));
		return cmd_usage_error(c, "%s: missing %s", c->name, word);
	}
	if (n > c->max_args)
		return cmd_usage_error(c, "%s: unexpected argument '%s'", c->name, argv[c->max_args]);
	return -1;
}

/* Prints text from column indent, wrapping between words before HELP_WIDTH. */
static void print_wrapped(const char *text, int indent)
{
	int col = indent;
	printf("%*s", indent, "");
	for (const char *p = text + strspn(text, " "); *p; p += strspn(p, " ")) {
		int w = (int)strcspn(p, " ");
		if (col > indent && col + 1 + w > HELP_WIDTH) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", w, p);
		col += w;
		p += w;
	}
	putchar('\n');
}

/* The command list, of one group (group != NULL) or of all. */
static void print_list(const char *group)
{
	char syn[SYNOPSIS_MAX];
	int width = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < TABLE_SIZE; i++) {
			const struct cmd_entry *c = &table[i];
			if (group && !in_group(c, group))
				continue;
			synopsis(c, 0, syn, sizeof(syn));
			if (pass == 0 && (int)strlen(syn) > width)
				width = (int)strlen(syn);
			else if (pass == 1)
				printf("  %-*s  %s\n", width, syn, c->help);
		}
	}
}

static void print_footer(void)
{
	printf("\n'%s help COMMAND' shows a command's options and more about it.\n", CMD_PROGRAM);
}

void cmd_help_all(void)
{
	printf("usage: %s [-c DB] [COMMAND [ARGUMENTS]]\n\n", CMD_PROGRAM);
	print_wrapped("Administers webmsg: its settings, mail domains and users, and the "
		      "webmsgd service. Without a command, at a terminal, it opens the "
		      "administrator's console.", 0);
	printf("\noptions:\n");
	printf("  -c DB          the configuration database; without -c:\n");
	printf("                 %s\n", db_default_path());
	printf("  -h, --help     this help\n");
	printf("  -V, --version  the version\n");
	printf("\ncommands:\n");
	print_list(NULL);
	print_footer();
	printf("Exit status: 0 done, 1 failed, 2 usage error.\n");
}

static void print_command_help(const struct cmd_entry *c)
{
	print_usage_line(stdout, c);
	printf("\n%s.\n", c->help);
	if (c->detail) {
		putchar('\n');
		print_wrapped(c->detail, 0);
	}
	printf("\noptions:\n");
	for (int o = 0; o < OPT_COUNT; o++) {
		const struct cmd_option_def *d = &option_defs[o];
		char names[64];
		int len;
		if (!(c->options & CMD_OPT(o)))
			continue;
		if (d->short_name)
			len = snprintf(names, sizeof(names), "-%c, ", d->short_name);
		else
			len = snprintf(names, sizeof(names), "    ");
		snprintf(names + len, sizeof(names) - (size_t)len, "--%s%s%s", d->long_name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		printf("  %-26s %s\n", names, d->help);
	}
	printf("  %-26s %s\n", "-h, --help", "this help");
}

int cmd_help(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *c;
	int words;
	(void)ctx;
	if (argc == 0) {
		cmd_help_all();
		return CMD_OK;
	}
	if ((c = lookup(argc, argv, &words)) && words == argc) {
		print_command_help(c);
		return CMD_OK;
	}
	if (argc == 1 && is_group(argv[0])) {
		printf("%s commands:\n", argv[0]);
		print_list(argv[0]);
		print_footer();
		return CMD_OK;
	}
	unknown_command(argc, argv);
	return CMD_USAGE;
}

static int same_char(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Edit distance with adjacent transpositions, case-insensitive; both at most 64 long. */
static int distance(const char *a, const char *b)
{
	int rows[3][65];
	size_t la = strlen(a), lb = strlen(b);
	int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = !same_char(a[i - 1], b[j - 1]);
			int d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2]) &&
			    same_char(a[i - 2], b[j - 1]) &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

int cmd_mistype(const char *typed, const char *candidate)
{
	size_t lt = strlen(typed), lc = strlen(candidate);
	if (lt >= 2 && lt < lc && strncasecmp(typed, candidate, lt) == 0)
		return 1;
	if (lt > 64 || lc > 64)
		return -1;
	int d = distance(typed, candidate);
	return d <= (lc <= 4 ? 1 : 2) ? d : -1;
}
