/* db.h - the configuration database: one SQLite file in WAL mode, mode 0600,
 * its schema brought up to date by the numbered migrations in share/sql/. */
#ifndef WEBMSG_DB_H
#define WEBMSG_DB_H

#include <sqlite3.h>

struct err;
struct db;

enum db_open_mode {
	DB_OPEN_EXISTING, /* refuse a missing, empty or foreign file */
	DB_CREATE,        /* create a new database; refuse when the file exists */
	DB_OPEN_READONLY, /* as DB_OPEN_EXISTING, for reading only, and never migrated: for a
			   * database on a read-only file system or without write permission */
};

/* The path programs use when given none: $WEBMSG_CONFIG, else the installed default. */
const char *db_default_path(void);

/* Opens, checks what the file is, and applies pending migrations in one
 * transaction. A database written by a newer webmsg is refused. Nothing is
 * ever written to a file that is not a webmsg database. */
int db_open(const char *path, enum db_open_mode mode, struct db **out, struct err *e);
void db_close(struct db **db);

sqlite3 *db_sqlite(struct db *db);
const char *db_path(const struct db *db);
/* The folder holding the database: relative paths in settings start there. */
const char *db_dir(const struct db *db);
int db_schema_version(struct db *db);
/* The schema version this build writes. */
int db_schema_latest(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
void db_rollback(struct db *db);
int db_exec(struct db *db, const char *sql, struct err *e);
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e);
/* Fills e with "what: <reason>", naming a locked or corrupt database plainly. Returns -1. */
int db_error(struct db *db, struct err *e, const char *what);

#endif
