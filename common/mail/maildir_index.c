/* maildir_index.c - the SQLite index beside a Maildir: opening, checking
 * its schema, throwing a corrupt one away, and the transaction helpers.
 * An index of an older schema version is thrown away and rebuilt. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

#include "webmsg/err.h"
#include "maildir_private.h"

/* ---- the index ---- */

/* A deleted message lets go of its Message-ID, which stays as a reference
 * (a message delivered again with it rejoins the conversation), and a
 * conversation none of whose messages is left forgets its ids, so that the
 * table does not grow with every message ever received. */
#define THREAD_RELEASE                                                                        \
	"CREATE TRIGGER messages_unthread AFTER DELETE ON messages WHEN OLD.thread <> 0 BEGIN" \
	"  UPDATE thread_ids SET owner = NULL WHERE msgid = OLD.msgid AND owner = OLD.id;"  \
	"  DELETE FROM thread_ids WHERE thread = OLD.thread AND NOT EXISTS"                   \
	"   (SELECT 1 FROM messages WHERE thread = OLD.thread AND thread <> 0);"             \
	"END;"

static const char index_schema[] =
	"CREATE TABLE folders ("
	"  name TEXT PRIMARY KEY,"
	/* mtimes of new/ and cur/ when last compared; a second of -1: compare again */
	"  new_sec INTEGER NOT NULL, new_nsec INTEGER NOT NULL,"
	"  cur_sec INTEGER NOT NULL, cur_nsec INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  folder TEXT NOT NULL,"
	"  id TEXT NOT NULL,"
	"  dir INTEGER NOT NULL," /* 0 new/, 1 cur/ */
	"  filename TEXT NOT NULL,"
	"  date INTEGER NOT NULL,"
	"  from_name TEXT NOT NULL,"
	"  from_addr TEXT NOT NULL,"
	"  from_sort TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  subject_sort TEXT NOT NULL,"
	"  to_text TEXT NOT NULL DEFAULT '',"
	"  to_sort TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  attachment INTEGER NOT NULL,"
	/* 1 once the message is in the search table: bodies are indexed after
	 * the list, so that a new folder lists as fast as before. */
	"  searchable INTEGER NOT NULL DEFAULT 0,"
	/* Its Message-ID and references ("<a> <b>"), and its conversation: 0
	 * until threaded, which the first conversation list of the folder
	 * does, so that threading costs a new folder's first list nothing. */
	"  msgid TEXT NOT NULL DEFAULT '',"
	"  refs TEXT NOT NULL DEFAULT '',"
	"  thread INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (folder, id));"
	/* Each order a page is asked in is a walk along one of these. */
	"CREATE INDEX messages_date ON messages (folder, date, id);"
	"CREATE INDEX messages_from ON messages (folder, from_sort, date, id);"
	"CREATE INDEX messages_subject ON messages (folder, subject_sort, date, id);"
	/* None for to_sort: only Sent and Drafts are sorted by it, and an index
	 * would cost every delivery to every folder; those are sorted whole. */
	/* What comparing with a directory reads: the few files of new/ without
	 * the many of cur/, and without reading whole rows. */
	"CREATE INDEX messages_files ON messages (folder, dir, filename);"
	/* What is left to index for search: empty once every body is read. */
	"CREATE INDEX messages_unsearchable ON messages (folder) WHERE searchable = 0;"
	/* A folder's conversations, a conversation's messages when it merges,
	 * and what is left to thread. Partial, so that adding a message (not
	 * threaded yet) touches only the last. */
	"CREATE INDEX messages_thread ON messages (folder, thread, date) WHERE thread <> 0;"
	"CREATE INDEX messages_merge ON messages (thread) WHERE thread <> 0;"
	"CREATE INDEX messages_unthreaded ON messages (folder) WHERE thread = 0;"
	/* Each Message-ID seen, as a message's own (owner: the message's id,
	 * its unique name, which moves keep) or only referenced (owner NULL:
	 * a parent not in the mailbox, or not yet), and its conversation. */
	"CREATE TABLE thread_ids ("
	"  msgid TEXT PRIMARY KEY,"
	"  thread INTEGER NOT NULL,"
	"  owner TEXT) WITHOUT ROWID;"
	"CREATE INDEX thread_ids_thread ON thread_ids (thread);"
	"CREATE TABLE thread_next (n INTEGER NOT NULL);"
	THREAD_RELEASE
	"INSERT INTO thread_next VALUES (1);"
	/* Full text: a row per message whose body was read, with the rowid of
	 * its messages row (kept by flag changes and moves, which therefore
	 * never rewrite it). Diacritics folded: "resume" finds "Résumé". */
	"CREATE VIRTUAL TABLE search USING fts5 (sender, recipients, subject, body, attachments,"
	"  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');"
	"CREATE TRIGGER messages_unsearch AFTER DELETE ON messages WHEN OLD.searchable BEGIN"
	"  DELETE FROM search WHERE rowid = OLD.rowid;"
	"END;"
	/* Counted as rows come and go, so that neither a page nor the folder
	 * list counts 100,000 rows each time. (No INSERT OR IGNORE in the
	 * triggers: the outer INSERT OR REPLACE would override it.) */
	"CREATE TABLE counts ("
	"  folder TEXT PRIMARY KEY,"
	"  total INTEGER NOT NULL,"
	"  unread INTEGER NOT NULL);"
	"CREATE TRIGGER messages_insert AFTER INSERT ON messages BEGIN"
	"  INSERT INTO counts SELECT NEW.folder, 0, 0"
	"   WHERE NOT EXISTS (SELECT 1 FROM counts WHERE folder = NEW.folder);"
	"  UPDATE counts SET total = total + 1, unread = unread + (NEW.flags & 1 = 0)"
	"   WHERE folder = NEW.folder;"
	"END;"
	"CREATE TRIGGER messages_delete AFTER DELETE ON messages BEGIN"
	"  UPDATE counts SET total = total - 1, unread = unread - (OLD.flags & 1 = 0)"
	"   WHERE folder = OLD.folder;"
	"END;"
	"CREATE TRIGGER messages_update AFTER UPDATE OF folder, flags ON messages BEGIN"
	"  UPDATE counts SET total = total - 1, unread = unread - (OLD.flags & 1 = 0)"
	"   WHERE folder = OLD.folder;"
	"  INSERT INTO counts SELECT NEW.folder, 0, 0"
	"   WHERE NOT EXISTS (SELECT 1 FROM counts WHERE folder = NEW.folder);"
	"  UPDATE counts SET total = total + 1, unread = unread + (NEW.flags & 1 = 0)"
	"   WHERE folder = NEW.folder;"
	"END;";

int maildir_index_error(struct maildir *md, struct err *e, const char *what)
{
	md->index_failed = 1;
	int code = md->sql ? sqlite3_extended_errcode(md->sql) & 0xff : SQLITE_CANTOPEN;
	switch (code) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		md->broken = 1;
		return err_set(e, "%s: the mail index %s is corrupt", what, md->index_path);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, "%s: the mail index is busy; try again", what);
	case SQLITE_FULL:
		return err_set(e, "%s: the disk holding %s is full", what, md->index_path);
	default:
		return err_set(e, "%s: mail index %s: %s", what, md->index_path,
			       md->sql ? sqlite3_errmsg(md->sql) : "not open");
	}
}

int maildir_index_exec(struct maildir *md, const char *sql, struct err *e)
{
	if (sqlite3_exec(md->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
		return maildir_index_error(md, e, "mail index");
	return 0;
}

int maildir_index_prepare(struct maildir *md, const char *sql, sqlite3_stmt **st, struct err *e)
{
	if (sqlite3_prepare_v2(md->sql, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return maildir_index_error(md, e, "mail index");
	}
	return 0;
}

void maildir_index_rollback(struct maildir *md)
{
	if (md->sql && !sqlite3_get_autocommit(md->sql))
		sqlite3_exec(md->sql, "ROLLBACK", NULL, NULL, NULL);
}

int maildir_index_commit(struct maildir *md, struct err *e)
{
	if (maildir_index_exec(md, "COMMIT", e) < 0) {
		maildir_index_rollback(md);
		return -1;
	}
	return 0;
}

static int pragma_int(struct maildir *md, const char *sql, int *out, struct err *e)
{
	sqlite3_stmt *st;
	if (maildir_index_prepare(md, sql, &st, e) < 0)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return maildir_index_error(md, e, "mail index");
	return 0;
}

void maildir_index_close(struct maildir *md)
{
	if (md->sql)
		sqlite3_close_v2(md->sql);
	md->sql = NULL;
}

/* Removes the index and its journal files. */
static void index_discard(struct maildir *md)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 16];
	maildir_index_close(md);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", md->index_path, suffixes[i]);
		unlink(path);
	}
}

/* Opens the index, creating its tables in an empty file. Returns 1 when the
 * file is not a usable index (corrupt, someone else's, another version). */
/* What brings an index of an older version up to the next one in place;
 * NULL: it is rebuilt from nothing. */
static const char *const index_upgrades[INDEX_VERSION] = {
	[4] = THREAD_RELEASE "DELETE FROM thread_ids WHERE thread NOT IN"
			     " (SELECT thread FROM messages WHERE thread <> 0);",
};

/* Upgrades the open index to INDEX_VERSION: 0 done, 1 when it must be
 * rebuilt instead, -1 on an error. */
static int index_upgrade(struct maildir *md, struct err *e)
{
	int version;
	if (maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0)
		return md->broken ? 1 : -1;
	/* Again inside the transaction: another process may have just done it. */
	if (pragma_int(md, "PRAGMA user_version", &version, e) < 0)
		goto fail;
	for (; version < INDEX_VERSION; version++) {
		char sql[64];
		if (version <= 0 || !index_upgrades[version]) {
			maildir_index_rollback(md);
			return 1;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		if (maildir_index_exec(md, index_upgrades[version], e) < 0 ||
		    maildir_index_exec(md, sql, e) < 0)
			goto fail;
	}
	if (maildir_index_commit(md, e) == 0)
		return 0;
fail:
	maildir_index_rollback(md);
	return md->broken ? 1 : -1;
}

static int index_try_open(struct maildir *md, struct err *e)
{
	int app_id, version, tables;

	/* Created here so that it is 0600 from the start: it holds senders
	 * and subjects. SQLite gives its -wal and -shm files the same mode. */
	int fd = open(md->index_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, "cannot open the mail index %s", md->index_path);
	close(fd);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(md->index_path, &md->sql, flags, NULL) != SQLITE_OK) {
		err_set(e, "cannot open the mail index %s: %s", md->index_path,
			md->sql ? sqlite3_errmsg(md->sql) : "out of memory");
		maildir_index_close(md);
		return -1;
	}
	sqlite3_busy_timeout(md->sql, INDEX_BUSY_MS);
	sqlite3_extended_result_codes(md->sql, 1);
	md->broken = 0;
	if (pragma_int(md, "PRAGMA application_id", &app_id, e) < 0 ||
	    pragma_int(md, "PRAGMA user_version", &version, e) < 0 ||
	    pragma_int(md, "SELECT count(*) FROM sqlite_master", &tables, e) < 0)
		goto fail;
	if (app_id == INDEX_APPLICATION_ID && version == INDEX_VERSION)
		goto ready;
	if (app_id == INDEX_APPLICATION_ID && version > 0 && version < INDEX_VERSION) {
		int rc = index_upgrade(md, e);
		if (rc < 0)
			goto fail;
		if (rc > 0)
			return 1;
		goto ready;
	}
	if (app_id != 0 || version != 0 || tables != 0)
		return 1;
	if (maildir_index_exec(md, "PRAGMA journal_mode = WAL", e) < 0 ||
	    maildir_index_exec(md, "BEGIN IMMEDIATE", e) < 0)
		goto fail;
	/* Again inside the transaction: another process may have just made it. */
	if (pragma_int(md, "SELECT count(*) FROM sqlite_master", &tables, e) < 0)
		goto fail;
	if (tables == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
			 INDEX_APPLICATION_ID, INDEX_VERSION);
		if (maildir_index_exec(md, index_schema, e) < 0 ||
		    maildir_index_exec(md, sql, e) < 0)
			goto fail;
	}
	if (maildir_index_commit(md, e) < 0)
		goto fail;
	if (pragma_int(md, "PRAGMA application_id", &app_id, e) < 0 ||
	    pragma_int(md, "PRAGMA user_version", &version, e) < 0)
		goto fail;
	if (app_id != INDEX_APPLICATION_ID || version != INDEX_VERSION)
		return 1;
ready:
	/* A cache: losing the last transactions in a power cut costs a rescan.
	 * Recursive triggers: rows that INSERT OR REPLACE deletes are counted. */
	if (maildir_index_exec(md, "PRAGMA journal_mode = WAL", e) < 0 ||
	    maildir_index_exec(md, "PRAGMA synchronous = NORMAL", e) < 0 ||
	    maildir_index_exec(md, "PRAGMA recursive_triggers = ON", e) < 0)
		goto fail;
	return 0;
fail:
	maildir_index_rollback(md);
	if (md->broken)
		return 1;
	maildir_index_close(md);
	return -1;
}

/* Makes sure the index is open and sound, rebuilding it from nothing when it
 * is not: it is a cache of the Maildir, and the user never sees it fail. */
int maildir_index_ready(struct maildir *md, struct err *e)
{
	if (md->sql && !md->broken)
		return 0;
	if (md->broken)
		index_discard(md);
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = index_try_open(md, e);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			md->index_failed = 1;
			return -1;
		}
		index_discard(md);
	}
	md->index_failed = 1;
	return err_set(e, "cannot make a mail index at %s", md->index_path);
}

/* After a call that failed: 1 when it failed because the index is corrupt and
 * a fresh index is ready, so that the call is worth running once more. */
int maildir_index_retry(struct maildir *md, int rc, int *tries, struct err *e)
{
	if (rc == 0 || !md->broken || (*tries)++ > 0)
		return 0;
	return maildir_index_ready(md, e) == 0;
}
