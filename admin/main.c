/* main.c - webmsg-admin: global options, opening the configuration database,
 * and running the command named on the command line; without one, at a
 * terminal, the console. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "webmsg/db.h"
#include "webmsg/err.h"

#include "cli/commands.h"
#include "console/console.h"

/* Reads the options before the command. Returns -1 to go on with argv[optind],
 * else the status to exit with. */
static int global_options(int argc, char **argv, const char **path)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0; /* our own messages, with our name rather than argv[0] */
	/* '+': stop at the command; its own options come after it. */
	while ((ch = getopt_long(argc, argv, "+:c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (optarg[0] == '\0') {
				cmd_error("-c needs a database path");
				return CMD_USAGE;
			}
			*path = optarg;
			break;
		case 'h':
			cmd_help_all();
			return CMD_OK;
		case 'V':
			printf("%s %s\n", CMD_PROGRAM, WEBMSG_VERSION);
			return CMD_OK;
		case ':':
			cmd_error("%s needs a value (see '%s help')", argv[optind - 1], CMD_PROGRAM);
			return CMD_USAGE;
		default:
			if (optopt)
				cmd_error("unknown option '-%c' (see '%s help')", optopt, CMD_PROGRAM);
			else
				cmd_error("unknown option '%s' (see '%s help')", argv[optind - 1],
					  CMD_PROGRAM);
			return CMD_USAGE;
		}
	}
	return -1;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct err e;
	int words, rc;

	if (!(ctx->entry = cmd_find(argc, argv, &words)))
		return CMD_USAGE;
	argc -= words;
	argv += words;
	if ((rc = cmd_parse_args(ctx, &argc, argv)) >= 0)
		return rc;
	if ((ctx->entry->flags & CMD_DB) && db_open(ctx->db_path, DB_OPEN_EXISTING, &ctx->db, &e) < 0) {
		/* A command that only reads still runs where the database cannot
		 * be written; otherwise the first reason is the one to show. */
		struct err ro;
		if (!(ctx->entry->flags & CMD_DB_READ) ||
		    db_open(ctx->db_path, DB_OPEN_READONLY, &ctx->db, &ro) < 0)
			return cmd_error("%s", e.msg);
	}
	rc = ctx->entry->fn(ctx, argc, argv);
	db_close(&ctx->db);
	return rc;
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	const char *path = NULL;
	int rc;

	setlocale(LC_ALL, "");
	/* A peer that closes a connection (the TLS probe against a server that
	 * requires a client certificate, a pipe to head) is an error to report,
	 * never a reason to die with the terminal in raw mode. */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	rc = global_options(argc, argv, &path);
	if (rc < 0 && optind == argc && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		/* No command at a terminal: the console. Scripts get the help. */
		rc = console_run(path ? path : db_default_path());
	} else if (rc < 0 && optind == argc) {
		cmd_help_all();
		rc = CMD_OK;
	} else if (rc < 0) {
		ctx.db_path = path ? path : db_default_path();
		rc = run(&ctx, argc - optind, argv + optind);
	}
	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout))
		return cmd_error("cannot write the output: %s", strerror(errno));
	return rc;
}
