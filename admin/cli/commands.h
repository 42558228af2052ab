/* commands.h - the command-line side of webmsg-admin: one table of commands,
 * their options, the help generated from it, and what each command file exports. */
#ifndef WEBMSG_ADMIN_COMMANDS_H
#define WEBMSG_ADMIN_COMMANDS_H

#include <stddef.h>

#include "core/program.h"

#define CMD_PROGRAM PROGRAM_NAME

/* Exit statuses. CMD_STOPPED is LSB's "program is not running", for `service status`. */
enum cmd_status { CMD_OK = 0, CMD_FAIL = 1, CMD_USAGE = 2, CMD_STOPPED = 3 };

/* Options a command may accept after its name; each entry lists the ones it takes. */
enum cmd_option {
	OPT_VERBOSE,
	OPT_FORCE,
	OPT_PASSWORD_FILE,
	/* certificates */
	OPT_KEY_TYPE,
	OPT_CN,
	OPT_ORG,
	OPT_UNIT,
	OPT_LOCALITY,
	OPT_STATE,
	OPT_COUNTRY,
	OPT_EMAIL,
	OPT_SAN,
	OPT_DAYS,
	OPT_CERT,
	OPT_CHAIN,
	OPT_CA,
	OPT_PRIORITY,
	/* configuration files */
	OPT_WITH_SECRETS,
	OPT_DRY_RUN,
	/* ACME */
	OPT_DOMAIN,
	OPT_DIRECTORY,
	OPT_STAGING,
	OPT_CA_FILE,
	OPT_KEY,
	OPT_AGREE_TOS,
	OPT_COUNT
};
#define CMD_OPT(o) (1u << (o))
_Static_assert(OPT_COUNT <= 32, "a command's options are bits of an unsigned");
#define CMD_GIVEN_MAX 32

enum cmd_flags {
	CMD_DB = 1 << 0,   /* main opens the existing database before running the command */
	CMD_PATH = 1 << 1, /* the command uses the database path itself (init) */
	CMD_DB_READ = 1 << 2, /* with CMD_DB: only reads, so it also runs on a database
			       * that cannot be written (opened read-only then) */
};

struct db;
struct cmd_entry;

/* What a command runs with. Owned by main; db is NULL unless the entry has CMD_DB. */
struct cmd_ctx {
	const char *db_path;
	struct db *db;
	const struct cmd_entry *entry;
	int opt[OPT_COUNT];             /* how often each option was given */
	const char *opt_arg[OPT_COUNT]; /* the value of an option that takes one (the last) */
	/* Every value given, in order, for the options that may be repeated. */
	struct {
		enum cmd_option opt;
		const char *arg;
	} given[CMD_GIVEN_MAX];
	size_t ngiven;
};

/* argv holds only the command's arguments, options removed. Returns an exit status. */
typedef int (*cmd_fn)(struct cmd_ctx *ctx, int argc, char **argv);

struct cmd_entry {
	const char *name;   /* one or two words: "init", "config set" */
	const char *usage;  /* the arguments: "KEY VALUE", "[DOMAIN]" */
	const char *help;   /* one line for the command list */
	const char *detail; /* more for `help COMMAND`, or NULL */
	int min_args, max_args;
	unsigned options; /* CMD_OPT(...) bits */
	unsigned flags;   /* enum cmd_flags */
	cmd_fn fn;
};

/* Finds the command named by the first words of argv and stores how many words
 * its name took; prints the usage error and returns NULL when there is none. */
const struct cmd_entry *cmd_find(int argc, char **argv, int *words);
/* Moves options into ctx and the remaining arguments to the front of argv, then
 * checks their number. Returns -1 when the command is to run; otherwise the
 * exit status, after printing a usage error or the command's help (-h, --help). */
int cmd_parse_args(struct cmd_ctx *ctx, int *argc, char **argv);
/* The help for every command, on standard output. */
void cmd_help_all(void);

/* "webmsg-admin: <message>" on stderr; returns CMD_FAIL. */
int cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The message, then the command's usage line; returns CMD_USAGE. */
int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* How far typed is from candidate as a slip of the keyboard: 0 the same (but
 * for case), 1 or 2 a likely misspelling or an abbreviation, -1 too different. */
int cmd_mistype(const char *typed, const char *candidate);

struct config_change;
struct apply_outcome;
struct err;
/* Saves the changes as one version and has a running webmsgd apply it,
 * printing "applied (version N)" or the daemon's error. Returns an exit status. */
int cmd_commit_changes(struct db *db, const struct config_change *changes, size_t n);
/* Prints what an apply_* call (which returned rc) came to; returns an exit status. */
int cmd_report(int rc, const struct apply_outcome *o, const struct err *e);

int cmd_help(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_init(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_list(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_get(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_set(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_unset(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_history(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_revert(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_export(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_import(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config_diff(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_domain_add(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_domain_del(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_domain_list(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_domain_show(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_domain_set(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_add(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_del(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_passwd(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_revoke(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_totp(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_user_list(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_service_start(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_service_stop(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_service_restart(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_service_reload(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_service_status(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_keystore(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_selfsign(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_csr(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_import(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_show(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_ciphers(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_client_auth(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_enable(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_disable(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_force(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_ssl_acme(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_check(struct cmd_ctx *ctx, int argc, char **argv);

#endif
