/* cmd_init.c - init: creating a new configuration database. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "webmsg/db.h"
#include "webmsg/err.h"

#include "cli/commands.h"

/* The library would only say "No such file or directory"; say which folder. */
static int check_folder(const char *path)
{
	char tmp[PATH_MAX];
	struct stat sb;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return cmd_error("the database path is too long");
	const char *dir = dirname(tmp);
	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return cmd_error("cannot create %s: the folder %s does not exist; create it "
					 "first (mkdir -p -m 700 %s)", path, dir, dir);
		return cmd_error("cannot create %s: %s: %s", path, dir, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return cmd_error("cannot create %s: %s is not a folder", path, dir);
	return CMD_OK;
}

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct db *db;
	struct err e;

	(void)argc;
	(void)argv;
	if (check_folder(ctx->db_path) != CMD_OK)
		return CMD_FAIL;
	if (db_open(ctx->db_path, DB_CREATE, &db, &e) < 0)
		return cmd_error("%s", e.msg);
	printf("created %s (schema version %d)\n", db_path(db), db_schema_version(db));
	db_close(&db);
	return CMD_OK;
}
