/* db.c - opening the configuration database safely and migrating its schema. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "migrations.h"
#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/remember.h"

/* 006-remember-moved.sql drops remember_tokens. */
#define DB_REMEMBER_MOVED 6
/* The schema version that brings TOTP, whose sealing key the program makes. */
#define DB_TOTP 7

/* PRAGMA application_id of a webmsg database: "wems". */
#define WEBMSG_APPLICATION_ID 2003133299
#define SQLITE_HEADER "SQLite format 3"

struct db {
	sqlite3 *sql;
	char path[PATH_MAX];
	char dir[PATH_MAX];
};

const char *db_default_path(void)
{
	const char *env = getenv("WEBMSG_CONFIG");
	return env && *env ? env : WEBMSG_DEFAULT_DB;
}

int db_schema_latest(void)
{
	return migrations[migrations_count - 1].version;
}

sqlite3 *db_sqlite(struct db *db)
{
	return db->sql;
}

const char *db_path(const struct db *db)
{
	return db->path;
}

const char *db_dir(const struct db *db)
{
	return db->dir;
}

int db_error(struct db *db, struct err *e, const char *what)
{
	int code = sqlite3_extended_errcode(db->sql) & 0xff;
	const char *msg = sqlite3_errmsg(db->sql);
	switch (code) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, "%s: %s is locked by another program; try again", what, db->path);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return err_set(e, "%s: %s is corrupt (%s); restore it from a backup", what, db->path,
			       msg);
	case SQLITE_READONLY:
		return err_set(e, "%s: %s is read-only; check its owner and mode", what, db->path);
	case SQLITE_FULL:
		return err_set(e, "%s: the disk holding %s is full", what, db->path);
	default:
		return err_set(e, "%s: %s", what, msg);
	}
}

int db_exec(struct db *db, const char *sql, struct err *e)
{
	if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, e, "database");
	return 0;
}

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(db, e, "database");
	return 0;
}

int db_begin(struct db *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int db_commit(struct db *db, struct err *e)
{
	if (db_exec(db, "COMMIT", e) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

static int pragma_int(struct db *db, const char *sql, int *out, struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, sql, &st, e) < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, e, "database");
	return 0;
}

int db_schema_version(struct db *db)
{
	int v = -1;
	pragma_int(db, "PRAGMA user_version", &v, NULL);
	return v;
}

/* The file must exist and be a regular file. Only stat(): opening and closing
 * the file here would drop the fcntl locks SQLite holds on it for another
 * connection of this process (the daemon has two). */
static int check_exists(const char *path, struct err *e)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return err_set(e, "no configuration database at %s (create one with: "
					  "webmsg-admin -c %s init)", path, path);
		return err_sys(e, "cannot open %s", path);
	}
	if (!S_ISREG(sb.st_mode))
		return err_set(e, "%s is not a regular file", path);
	return 0;
}

/* Refuses anything that is not an SQLite file before SQLite may write to it,
 * reading the header through SQLite's own file handle. */
static int check_header(struct db *db, struct err *e)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 size = 0;
	char head[16];
	if (sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
	    !f->pMethods || f->pMethods->xFileSize(f, &size) != SQLITE_OK)
		return err_set(e, "cannot read %s", db->path);
	if (size == 0)
		return err_set(e, "%s is empty, not a webmsg configuration database; it was left "
				  "untouched", db->path);
	if (size < (sqlite3_int64)sizeof(head) ||
	    f->pMethods->xRead(f, head, sizeof(head), 0) != SQLITE_OK ||
	    memcmp(head, SQLITE_HEADER, sizeof(SQLITE_HEADER)) != 0)
		return err_set(e, "%s is not an SQLite database (corrupt, or some other file); it "
				  "was left untouched", db->path);
	return 0;
}

static int create_file(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(e, "%s already exists; it was left untouched", path);
		return err_sys(e, "cannot create %s", path);
	}
	close(fd);
	return 0;
}

static int check_integrity(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	if (db_prepare(db, "PRAGMA quick_check", &st, e) < 0)
		return -1;
	int rc = sqlite3_step(st);
	int ok = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	if (rc == SQLITE_ROW && !ok) {
		const char *why = (const char *)sqlite3_column_text(st, 0);
		err_set(e, "%s is corrupt (%.*s); restore it from a backup", db->path,
			(int)strcspn(why, "\n"), why);
	}
	else if (rc != SQLITE_ROW)
		db_error(db, e, "cannot read the database");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* Refuses a database that is not ours before anything writes to it. */
static int check_identity(struct db *db, struct err *e)
{
	int version, app_id, tables;
	if (pragma_int(db, "PRAGMA user_version", &version, e) < 0 ||
	    pragma_int(db, "PRAGMA application_id", &app_id, e) < 0 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables, e) < 0)
		return -1;
	if ((version > 0 && app_id != WEBMSG_APPLICATION_ID) || (version == 0 && tables > 0))
		return err_set(e, "%s is an SQLite database of some other program; it was left "
				  "untouched", db->path);
	if (version > db_schema_latest())
		return err_set(e, "%s has schema version %d, written by a newer webmsg; this one "
				  "knows versions up to %d. Upgrade webmsg", db->path, version,
			       db_schema_latest());
	return 0;
}

static int migrate(struct db *db, struct err *e)
{
	int version;

	if (db_begin(db, e) < 0)
		return -1;
	/* Again inside the transaction: another program may have migrated meanwhile. */
	if (check_identity(db, e) < 0 || pragma_int(db, "PRAGMA user_version", &version, e) < 0)
		goto fail;
	for (int i = 0; i < migrations_count; i++) {
		char sql[64];
		if (migrations[i].version <= version)
			continue;
		/* The one migration that moves data out of this file: copied
		 * into the session store before the table is dropped. */
		if (migrations[i].version == DB_REMEMBER_MOVED && remember_move_from_db(db, e) < 0)
			goto fail;
		if (sqlite3_exec(db->sql, migrations[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			db_error(db, e, migrations[i].name);
			goto fail;
		}
		if (migrations[i].version == DB_TOTP &&
		    config_secret_make(db, SET_SESSION_SECRET, e) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", migrations[i].version);
		if (db_exec(db, sql, e) < 0)
			goto fail;
	}
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

/* "file:PATH?immutable=1" with the characters a URI gives a meaning to escaped. */
static int immutable_uri(const char *path, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen < 6)
		return -1;
	memcpy(out, "file:", 5);
	n = 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (n + 4 >= outlen)
			return -1;
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20)
			n += (size_t)snprintf(out + n, outlen - n, "%%%02X", *p);
		else
			out[n++] = (char)*p;
	}
	return snprintf(out + n, outlen - n, "?immutable=1") < (int)(outlen - n) ? 0 : -1;
}

/* Opens for reading only, and checks what the file is. */
static int open_readonly_as(struct db *db, int immutable, struct err *e)
{
	char uri[PATH_MAX * 3 + 32];
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;
	const char *name = db->path;

	if (immutable) {
		if (immutable_uri(db->path, uri, sizeof(uri)) < 0)
			return err_set(e, "database path too long");
		name = uri;
		flags |= SQLITE_OPEN_URI;
	}
	if (sqlite3_open_v2(name, &db->sql, flags, NULL) != SQLITE_OK)
		return err_set(e, "cannot open %s: %s", db->path,
			       db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
	sqlite3_busy_timeout(db->sql, 5000);
	sqlite3_extended_result_codes(db->sql, 1);
	if (check_header(db, e) < 0 || check_integrity(db, e) < 0 || check_identity(db, e) < 0)
		return -1;
	int version = db_schema_version(db);
	if (version != db_schema_latest())
		return err_set(e, "%s has schema version %d and this webmsg reads version %d: it "
				  "cannot be upgraded while it cannot be written", db->path, version,
			       db_schema_latest());
	return 0;
}

/* A WAL database is read through its -shm file, which cannot be made on a
 * read-only file system or without write permission: then it is read as
 * immutable, from the database file alone (what was written but not yet
 * checkpointed into it is not seen). */
static int open_readonly(struct db *db, struct err *e)
{
	struct statvfs vfs;
	if (!(statvfs(db->dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) &&
	    open_readonly_as(db, 0, e) == 0)
		return 0;
	sqlite3_close_v2(db->sql);
	db->sql = NULL;
	return open_readonly_as(db, 1, e);
}

int db_open(const char *path, enum db_open_mode mode, struct db **out, struct err *e)
{
	struct db *db;
	char tmp[PATH_MAX];

	*out = NULL;
	if (strlen(path) >= sizeof(db->path))
		return err_set(e, "database path too long");
	if (mode == DB_CREATE ? create_file(path, e) < 0 : check_exists(path, e) < 0)
		return -1;
	if (!(db = calloc(1, sizeof(*db))))
		return err_set(e, "out of memory");
	if (!realpath(path, db->path))
		snprintf(db->path, sizeof(db->path), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s", db->path);
	snprintf(db->dir, sizeof(db->dir), "%s", dirname(tmp));

	if (mode == DB_OPEN_READONLY) {
		if (open_readonly(db, e) < 0)
			goto fail;
		*out = db;
		return 0;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(db->path, &db->sql, flags, NULL) != SQLITE_OK) {
		err_set(e, "cannot open %s: %s", db->path,
			db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->sql, 5000);
	sqlite3_extended_result_codes(db->sql, 1);
	if ((mode == DB_OPEN_EXISTING && check_header(db, e) < 0) || check_integrity(db, e) < 0 || check_identity(db, e) < 0 ||
	    db_exec(db, "PRAGMA foreign_keys = ON", e) < 0)
		goto fail;
	if (db_exec(db, "PRAGMA journal_mode = WAL", e) < 0 || migrate(db, e) < 0)
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(&db);
	if (mode == DB_CREATE) /* ours, and never usable */
		unlink(path);
	return -1;
}

void db_close(struct db **db)
{
	if (!db || !*db)
		return;
	sqlite3_close_v2((*db)->sql);
	free(*db);
	*db = NULL;
}
