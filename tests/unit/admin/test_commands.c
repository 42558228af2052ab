/* test_commands.c - webmsg-admin's command line as the operator meets it: the
 * table finds one- and two-word commands, options are taken in both spellings
 * and refused where a command has none of them, missing and extra arguments
 * are usage errors with the usage line, misspellings get a suggestion, help
 * is generated from the table, and --password-file gives the first line of
 * the file. What the program prints is captured from its stdout and stderr. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "unit.h"
#include "webmsg/err.h"

#include "cli/commands.h"
#include "cli/prompt.h"

struct fixture {
	struct tmpdir dir;
	char out_path[PATH_MAX];
	char err_path[PATH_MAX];
	int saved_out, saved_err;
	char *out, *err; /* what the last call printed */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "stdout", f->out_path, sizeof(f->out_path));
	tmpdir_file(&f->dir, "stderr", f->err_path, sizeof(f->err_path));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->out);
	free(f->err);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* Sends stdout and stderr to files until capture_end. */
static void capture_start(struct fixture *f)
{
	fflush(stdout);
	fflush(stderr);
	f->saved_out = dup(STDOUT_FILENO);
	f->saved_err = dup(STDERR_FILENO);
	assert_true(f->saved_out >= 0 && f->saved_err >= 0);
	int out = open(f->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int err = open(f->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0 && err >= 0);
	assert_true(dup2(out, STDOUT_FILENO) >= 0 && dup2(err, STDERR_FILENO) >= 0);
	close(out);
	close(err);
}

static void capture_end(struct fixture *f)
{
	size_t len;
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(f->saved_out, STDOUT_FILENO) >= 0);
	assert_true(dup2(f->saved_err, STDERR_FILENO) >= 0);
	close(f->saved_out);
	close(f->saved_err);
	free(f->out);
	free(f->err);
	f->out = file_read(f->out_path, &len);
	f->err = file_read(f->err_path, &len);
	assert_non_null(f->out);
	assert_non_null(f->err);
}

#define MAX_WORDS 16

/* A command line as main hands it over, after the global options: the
 * command's words, then its arguments. */
struct line {
	char *argv[MAX_WORDS + 1];
	int argc;
	char buf[512];
};

static void line_split(struct line *l, const char *text)
{
	assert_true(strlen(text) < sizeof(l->buf));
	snprintf(l->buf, sizeof(l->buf), "%s", text);
	l->argc = 0;
	for (char *save = NULL, *w = strtok_r(l->buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		assert_true(l->argc < MAX_WORDS);
		l->argv[l->argc++] = w;
	}
	l->argv[l->argc] = NULL;
}

/* Finds the command and parses its arguments the way main does; returns what
 * cmd_parse_args returned (-1: the command is to run), or CMD_USAGE when no
 * command matched. ctx, argc and argv describe what the command gets. */
static int parse(struct fixture *f, const char *text, struct cmd_ctx *ctx, int *argc,
		 char ***argv, struct line *l)
{
	int words, rc;
	memset(ctx, 0, sizeof(*ctx));
	line_split(l, text);
	capture_start(f);
	ctx->entry = cmd_find(l->argc, l->argv, &words);
	if (!ctx->entry) {
		capture_end(f);
		return CMD_USAGE;
	}
	*argc = l->argc - words;
	*argv = l->argv + words;
	rc = cmd_parse_args(ctx, argc, *argv);
	capture_end(f);
	return rc;
}

/* One- and two-word names, and what each command is given. */
static void test_table_finds_commands(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	assert_int_equal(parse(f, "check", &ctx, &argc, &argv, &l), -1);
	assert_string_equal(ctx.entry->name, "check");
	assert_int_equal(argc, 0);
	assert_true(ctx.entry->flags & CMD_DB);

	assert_int_equal(parse(f, "config set web.hostname mail.example.org", &ctx, &argc, &argv,
			       &l), -1);
	assert_string_equal(ctx.entry->name, "config set");
	assert_ptr_equal(ctx.entry->fn, cmd_config_set);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "web.hostname");
	assert_string_equal(argv[1], "mail.example.org");
	assert_null(argv[2]);

	/* A command that only reads may run on a database that cannot be written. */
	assert_int_equal(parse(f, "config list", &ctx, &argc, &argv, &l), -1);
	assert_true(ctx.entry->flags & CMD_DB_READ);
	assert_int_equal(parse(f, "config revert 3", &ctx, &argc, &argv, &l), -1);
	assert_false(ctx.entry->flags & CMD_DB_READ);

	/* init opens no database: it makes one at the path. */
	assert_int_equal(parse(f, "init", &ctx, &argc, &argv, &l), -1);
	assert_ptr_equal(ctx.entry->fn, cmd_init);
	assert_false(ctx.entry->flags & CMD_DB);
	assert_true(ctx.entry->flags & CMD_PATH);
	assert_string_equal(f->err, "");
}

/* A misspelt command is refused with the likely one, never run. */
static void test_unknown_commands(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	assert_int_equal(parse(f, "conifg list", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_null(ctx.entry);
	assert_contains(f->err, "webmsg-admin: unknown command 'conifg'; did you mean 'config'?");

	assert_int_equal(parse(f, "user dle a@example.org", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "unknown command 'user dle'; did you mean 'user del'?");

	/* The second word typed alone. */
	assert_int_equal(parse(f, "revoke a@example.org", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "did you mean 'user revoke'?");

	/* A group without its command lists them. */
	assert_int_equal(parse(f, "domain", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "domain needs a command: add, del, list");

	/* Nothing alike: where to look. */
	assert_int_equal(parse(f, "zzzzzzzz", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "unknown command 'zzzzzzzz'; 'webmsg-admin help' lists the commands");
	assert_string_equal(f->out, "");
}

/* --password-file FILE and --password-file=FILE alike; the value is kept
 * for the command and taken out of its arguments. */
static void test_password_file_option(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	assert_int_equal(parse(f, "user add a@example.org --password-file pw.txt", &ctx, &argc,
			       &argv, &l), -1);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "a@example.org");
	assert_int_equal(ctx.opt[OPT_PASSWORD_FILE], 1);
	assert_string_equal(ctx.opt_arg[OPT_PASSWORD_FILE], "pw.txt");

	assert_int_equal(parse(f, "config set --password-file=/run/pw ssl.key_password", &ctx,
			       &argc, &argv, &l), -1);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "ssl.key_password");
	assert_string_equal(ctx.opt_arg[OPT_PASSWORD_FILE], "/run/pw");

	/* Without its value, at the end or empty after '=': a usage error. */
	assert_int_equal(parse(f, "user passwd a@example.org --password-file", &ctx, &argc, &argv,
			       &l), CMD_USAGE);
	assert_contains(f->err, "user passwd: --password-file needs a FILE");
	assert_contains(f->err, "usage: webmsg-admin [-c DB] user passwd ADDRESS "
				"[--password-file FILE]");
	assert_int_equal(parse(f, "user passwd a@example.org --password-file=", &ctx, &argc,
			       &argv, &l), CMD_USAGE);
	assert_contains(f->err, "--password-file needs a FILE");

	/* Passwords are never taken where the command has no use for them. */
	assert_int_equal(parse(f, "user del a@example.org --password-file pw.txt", &ctx, &argc,
			       &argv, &l), CMD_USAGE);
	assert_contains(f->err, "user del: unknown option '--password-file'");
}

static void test_option_errors(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	/* An option the command does not take, with the hint about "--". */
	assert_int_equal(parse(f, "domain add example.org --verbose", &ctx, &argc, &argv, &l),
			 CMD_USAGE);
	assert_contains(f->err, "domain add: unknown option '--verbose' (put -- before an "
				"argument that starts with '-')");
	assert_contains(f->err, "usage: webmsg-admin [-c DB] domain add NAME");

	/* An option nobody takes. */
	assert_int_equal(parse(f, "check --frobnicate", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "check: unknown option '--frobnicate'");

	/* A flag with a value. */
	assert_int_equal(parse(f, "domain del example.org --force=yes", &ctx, &argc, &argv, &l),
			 CMD_USAGE);
	assert_contains(f->err, "domain del: --force takes no value");

	/* Short and long flags are counted. */
	assert_int_equal(parse(f, "config list -v", &ctx, &argc, &argv, &l), -1);
	assert_int_equal(ctx.opt[OPT_VERBOSE], 1);
	assert_int_equal(parse(f, "config list --verbose", &ctx, &argc, &argv, &l), -1);
	assert_int_equal(ctx.opt[OPT_VERBOSE], 1);

	/* After "--" a word that starts with '-' is an argument. */
	assert_int_equal(parse(f, "config set -- web.hostname -x", &ctx, &argc, &argv, &l), -1);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[1], "-x");
	/* A lone "-" is an argument too. */
	assert_int_equal(parse(f, "user list -", &ctx, &argc, &argv, &l), -1);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "-");
}

static void test_argument_counts(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	assert_int_equal(parse(f, "user add", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "user add: missing ADDRESS");
	assert_int_equal(parse(f, "config set web.hostname", &ctx, &argc, &argv, &l), -1);
	assert_int_equal(parse(f, "config get", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "config get: missing KEY");
	/* An optional argument is named without its brackets. */
	assert_int_equal(parse(f, "ssl client-auth", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "missing none|optional|required");

	assert_int_equal(parse(f, "domain add a.org b.org", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "domain add: unexpected argument 'b.org'");
	assert_int_equal(parse(f, "service status now", &ctx, &argc, &argv, &l), CMD_USAGE);
	assert_contains(f->err, "service status: unexpected argument 'now'");
}

/* -h and --help anywhere after the command print its help, and nothing runs. */
static void test_command_help(void **state)
{
	struct fixture *f = *state;
	struct cmd_ctx ctx;
	struct line l;
	char **argv;
	int argc;

	assert_int_equal(parse(f, "user add -h", &ctx, &argc, &argv, &l), CMD_OK);
	assert_contains(f->out, "usage: webmsg-admin [-c DB] user add ADDRESS [--password-file FILE]");
	assert_contains(f->out, "Add a user (name@domain) with a password.");
	assert_contains(f->out, "Passwords are never given on the command line");
	assert_contains(f->out, "--password-file FILE");
	assert_contains(f->out, "-h, --help");
	assert_string_equal(f->err, "");

	/* Help wins over a usage error further on. */
	assert_int_equal(parse(f, "ssl selfsign --help --bogus", &ctx, &argc, &argv, &l), CMD_OK);
	assert_contains(f->out, "--key-type TYPE");
	assert_contains(f->out, "--days N");
	assert_string_equal(f->err, "");
}

/* `help`, `help GROUP`, `help COMMAND`, and help for what does not exist. */
static void test_help_command(void **state)
{
	struct fixture *f = *state;
	struct line l;
	int rc;

	line_split(&l, "");
	capture_start(f);
	rc = cmd_help(NULL, 0, l.argv);
	capture_end(f);
	assert_int_equal(rc, CMD_OK);
	assert_contains(f->out, "usage: webmsg-admin [-c DB] [COMMAND [ARGUMENTS]]");
	/* Every group is listed, from the one table. */
	assert_contains(f->out, "  init ");
	assert_contains(f->out, "  config set KEY VALUE ");
	assert_contains(f->out, "  domain del NAME ");
	assert_contains(f->out, "  user revoke ADDRESS ");
	assert_contains(f->out, "  service reload ");
	assert_contains(f->out, "  ssl client-auth none|optional|required ");
	assert_contains(f->out, "  check ");
	assert_contains(f->out, "Exit status: 0 done, 1 failed, 2 usage error.");

	line_split(&l, "ssl");
	capture_start(f);
	rc = cmd_help(NULL, l.argc, l.argv);
	capture_end(f);
	assert_int_equal(rc, CMD_OK);
	assert_contains(f->out, "ssl selfsign");
	assert_null(strstr(f->out, "user add"));

	line_split(&l, "config revert");
	capture_start(f);
	rc = cmd_help(NULL, l.argc, l.argv);
	capture_end(f);
	assert_int_equal(rc, CMD_OK);
	assert_contains(f->out, "usage: webmsg-admin [-c DB] config revert VERSION");

	line_split(&l, "user frobnicate");
	capture_start(f);
	rc = cmd_help(NULL, l.argc, l.argv);
	capture_end(f);
	assert_int_equal(rc, CMD_USAGE);
	assert_contains(f->err, "unknown command 'user frobnicate'");
}

static void test_mistype(void **state)
{
	(void)state;
	assert_int_equal(cmd_mistype("config", "config"), 0);
	assert_int_equal(cmd_mistype("CONFIG", "config"), 0);
	assert_int_equal(cmd_mistype("conifg", "config"), 1); /* two letters swapped */
	assert_int_equal(cmd_mistype("serv", "service"), 1);   /* an abbreviation */
	assert_int_equal(cmd_mistype("usr", "user"), 1);
	assert_int_equal(cmd_mistype("domain", "ssl"), -1);
	assert_int_equal(cmd_mistype("s", "ssl"), -1);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	file_write(path, text, strlen(text));
	assert_int_equal(chmod(path, mode), 0);
}

/* The file given with --password-file: its first line, without the line end. */
static void test_password_file_reading(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], pw[PROMPT_MAX];
	struct err e = { "" };
	int rc;

	tmpdir_file(&f->dir, "pw", path, sizeof(path));
	write_file(path, "s3cret pass\r\nsecond line\n", 0600);
	capture_start(f);
	rc = prompt_password("Password", path, pw, sizeof(pw), &e);
	capture_end(f);
	assert_int_equal(rc, 0);
	assert_string_equal(pw, "s3cret pass");
	assert_string_equal(f->err, "");

	/* Without a line end at all. */
	write_file(path, "only", 0600);
	assert_int_equal(prompt_password("Password", path, pw, sizeof(pw), &e), 0);
	assert_string_equal(pw, "only");

	/* Readable by others: used, with a warning. */
	write_file(path, "shared\n", 0644);
	capture_start(f);
	rc = prompt_password("Password", path, pw, sizeof(pw), &e);
	capture_end(f);
	assert_int_equal(rc, 0);
	assert_string_equal(pw, "shared");
	assert_contains(f->err, "can be read by other users (chmod 600");

	/* An empty first line is refused, and so is a missing file. */
	write_file(path, "\nlater\n", 0600);
	assert_int_equal(prompt_password("Password", path, pw, sizeof(pw), &e), -1);
	assert_contains(e.msg, "empty password");
	assert_int_equal(prompt_password("Password", "no-such-file", pw, sizeof(pw), &e), -1);
	assert_contains(e.msg, "cannot open no-such-file");

	/* Longer than a password may be: refused, and nothing of it is left. */
	char *longpw = malloc(PROMPT_MAX + 16);
	assert_non_null(longpw);
	memset(longpw, 'x', PROMPT_MAX + 15);
	longpw[PROMPT_MAX + 15] = '\0';
	write_file(path, longpw, 0600);
	free(longpw);
	assert_int_equal(prompt_password("Password", path, pw, sizeof(pw), &e), -1);
	assert_contains(e.msg, "is longer than");
	assert_string_equal(pw, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_finds_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_file_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argument_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_command, setup, teardown),
		cmocka_unit_test(test_mistype),
		cmocka_unit_test_setup_teardown(test_password_file_reading, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
