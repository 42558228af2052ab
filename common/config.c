/* config.c - settings in the database: snapshots, versioned changes with their
 * history, and revert. The only module that runs SQL on settings. */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>


#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"

/* Reads the settings as the open transaction sees them (the changes it made
 * included): the candidate a change is checked as, or the saved one. */
static int read_snapshot(struct db *db, struct config_snapshot **out, struct err *e)
{
	struct config_snapshot *s;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->dbdir = strdup(db_dir(db))))
		goto oom;
	if ((s->version = config_version(db, e)) < 0)
		goto fail;
	if (db_prepare(db, "SELECT key, value FROM settings", &st, e) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum setting_id id;
		const char *key = (const char *)sqlite3_column_text(st, 0);
		/* A key this version does not know (written by a newer one) is ignored. */
		if (!settings_find(key, &id))
			continue;
		free(s->values[id]);
		if (!(s->values[id] = strdup((const char *)sqlite3_column_text(st, 1))))
			goto oom;
		s->stored[id] = 1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		db_error(db, e, "cannot read settings");
		goto fail;
	}
	for (int i = 0; i < SET_COUNT; i++)
		if (!s->values[i] && !(s->values[i] = strdup(settings_get((enum setting_id)i)->def)))
			goto oom;
	*out = s;
	return 0;
oom:
	err_set(e, "out of memory");
fail:
	sqlite3_finalize(st);
	config_snapshot_free(&s);
	return -1;
}

int config_load(struct db *db, struct config_snapshot **out, struct err *e)
{
	*out = NULL;
	/* One read transaction: the values and the version agree. */
	if (db_exec(db, "BEGIN", e) < 0)
		return -1;
	if (read_snapshot(db, out, e) < 0) {
		db_rollback(db);
		return -1;
	}
	db_exec(db, "COMMIT", NULL);
	return 0;
}

void config_snapshot_free(struct config_snapshot **s)
{
	if (!s || !*s)
		return;
	for (int i = 0; i < SET_COUNT; i++)
		free((*s)->values[i]);
	free((*s)->dbdir);
	free(*s);
	*s = NULL;
}

int config_snapshot_new(long version, const char *dbdir, struct config_snapshot **out,
			struct err *e)
{
	struct config_snapshot *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s || !(s->dbdir = strdup(dbdir)))
		goto oom;
	s->version = version;
	for (int i = 0; i < SET_COUNT; i++)
		if (!(s->values[i] = strdup(settings_get((enum setting_id)i)->def)))
			goto oom;
	*out = s;
	return 0;
oom:
	config_snapshot_free(&s);
	return err_set(e, "out of memory");
}

int config_snapshot_override(struct config_snapshot *s, enum setting_id id, const char *value,
			     struct err *e)
{
	const struct setting *set = settings_get(id);
	char norm[4096];
	char *copy;
	if (!value)
		value = set->def;
	else if (settings_normalize(set, value, norm, sizeof(norm), e) < 0)
		return -1;
	else
		value = norm;
	if (!(copy = strdup(value)))
		return err_set(e, "out of memory");
	free(s->values[id]);
	s->values[id] = copy;
	return 0;
}

const char *config_str(const struct config_snapshot *s, enum setting_id id)
{
	return s->values[id];
}

long config_int(const struct config_snapshot *s, enum setting_id id)
{
	return strtol(s->values[id], NULL, 10);
}

int config_bool(const struct config_snapshot *s, enum setting_id id)
{
	int b = 0;
	settings_parse_bool(s->values[id], &b);
	return b;
}

int config_path(const struct config_snapshot *s, enum setting_id id, char *out, size_t outlen,
		struct err *e)
{
	const char *v = s->values[id];
	int n;
	if (v[0] == '\0' || v[0] == '/')
		n = snprintf(out, outlen, "%s", v);
	else
		n = snprintf(out, outlen, "%s/%s", s->dbdir, v);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "%s: path too long", settings_get(id)->name);
	return 0;
}

int config_log_file(const struct config_snapshot *s, char *out, size_t outlen, struct err *e)
{
	if (strcmp(s->values[SET_LOG_FILE], "syslog") == 0) {
		out[0] = '\0';
		return 0;
	}
	return config_path(s, SET_LOG_FILE, out, outlen, e);
}

void config_hostname(const struct config_snapshot *s, char *out, size_t outlen)
{
	const char *v = s->values[SET_WEB_HOSTNAME];
	if (v[0] != '\0') {
		snprintf(out, outlen, "%s", v);
		return;
	}
	if (gethostname(out, outlen) < 0 || out[0] == '\0')
		snprintf(out, outlen, "localhost");
	out[outlen - 1] = '\0';
}

void config_who_current(struct config_who *who)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	const char *ssh = getenv("SSH_CLIENT");
	char name[40];

	if (pw)
		snprintf(name, sizeof(name), "%.39s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid %ld", (long)getuid());
	if (sudo && *sudo && strcmp(sudo, name) != 0)
		snprintf(who->user, sizeof(who->user), "%s (sudo from %.32s)", name, sudo);
	else
		snprintf(who->user, sizeof(who->user), "%s", name);
	/* SSH_CLIENT is "address port port": keep the address. */
	who->client[0] = '\0';
	if (ssh)
		snprintf(who->client, sizeof(who->client), "%.*s", (int)strcspn(ssh, " "), ssh);
}

long config_version(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	long v = -1;
	if (db_prepare(db, "SELECT coalesce(max(version), 0) FROM config_versions", &st, e) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		db_error(db, e, "cannot read the configuration version");
	sqlite3_finalize(st);
	return v;
}

static void now_iso(char *out, size_t outlen)
{
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int bind_text_or_null(sqlite3_stmt *st, int col, const char *v)
{
	return v ? sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, col);
}

/* The stored value of one setting inside the open transaction; NULL for the default. */
static int stored_value(struct db *db, const char *key, char **out, struct err *e)
{
	sqlite3_stmt *st;
	*out = NULL;
	if (db_prepare(db, "SELECT value FROM settings WHERE key = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !(*out = strdup((const char *)sqlite3_column_text(st, 0))))
		rc = SQLITE_NOMEM;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, e, "cannot read settings");
	return 0;
}

int config_secret_make(struct db *db, enum setting_id id, struct err *e)
{
	const struct setting *set = settings_get(id);
	unsigned char rnd[32];
	char hex[65];
	sqlite3_stmt *st;
	if (!set || !(set->flags & SETTING_SECRET))
		return err_set(e, "not a secret setting");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_ssl(e, "cannot make %s", set->name);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (db_prepare(db, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, set->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot store a secret setting");
	return 0;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Applies one change inside the open transaction; *changed tells whether it did anything. */
static int apply_one(struct db *db, long version, const struct config_change *c, const char *value,
		     int *changed, struct err *e)
{
	const struct setting *s = settings_get(c->id);
	sqlite3_stmt *st = NULL;
	char *old = NULL;
	int secret = (s->flags & SETTING_SECRET) != 0;

	*changed = 0;
	if (stored_value(db, s->name, &old, e) < 0)
		return -1;
	/* Compare-and-set, inside the transaction: no other writer slips in between. */
	if (c->expected && strcmp(c->expected, old ? old : s->def) != 0) {
		if (secret)
			err_set(e, "%s was changed meanwhile; nothing was saved", s->name);
		else
			err_set(e, "%s was changed meanwhile (it is now '%s'); nothing was saved",
				s->name, old ? old : s->def);
		free(old);
		return -1;
	}
	if (same(old, value)) {
		free(old);
		return 0;
	}
	const char *sql = value ? "INSERT INTO settings (key, value) VALUES (?1, ?2) "
				  "ON CONFLICT (key) DO UPDATE SET value = ?2"
				: "DELETE FROM settings WHERE key = ?1";
	if (db_prepare(db, sql, &st, e) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_db;
	sqlite3_finalize(st);

	if (db_prepare(db, "INSERT INTO config_changes (version, key, old_value, new_value, secret) "
			   "VALUES (?, ?, ?, ?, ?)", &st, e) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, secret ? NULL : old);
	bind_text_or_null(st, 4, secret ? NULL : value);
	sqlite3_bind_int(st, 5, secret);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_db;
	sqlite3_finalize(st);
	free(old);
	*changed = 1;
	return 0;
fail_db:
	db_error(db, e, "cannot save settings");
fail:
	sqlite3_finalize(st);
	free(old);
	return -1;
}

static int insert_version(struct db *db, long version, const struct config_who *who, struct err *e)
{
	sqlite3_stmt *st;
	char at[32];
	now_iso(at, sizeof(at));
	if (db_prepare(db, "INSERT INTO config_versions (version, at, who, client) "
			   "VALUES (?, ?, ?, ?)", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, who->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, who->client, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot save settings");
	return 0;
}

/* The gate sees the configuration before and after the changes, both read
 * inside the write transaction, so what it passes is exactly what commits. */
static int run_gate(struct db *db, const struct config_gate *gate,
		    struct config_snapshot *current, struct err *e)
{
	struct config_snapshot *candidate;
	if (read_snapshot(db, &candidate, e) < 0)
		return -1;
	int rc = gate->fn(current, candidate, gate->arg, e);
	config_snapshot_free(&candidate);
	return rc;
}

int config_set(struct db *db, const struct config_change *changes, size_t n,
	       const struct config_who *who, long *version_out, struct err *e)
{
	return config_set_gated(db, changes, n, who, NULL, version_out, e);
}

int config_set_gated(struct db *db, const struct config_change *changes, size_t n,
		     const struct config_who *who, const struct config_gate *gate,
		     long *version_out, struct err *e)
{
	struct config_snapshot *current = NULL;
	char(*norm)[4096] = NULL;
	long version;
	int any = 0;

	if (n > 0 && !(norm = calloc(n, sizeof(*norm))))
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct setting *s = settings_get(changes[i].id);
		if (!s) {
			free(norm);
			return err_set(e, "unknown setting");
		}
		if (changes[i].value &&
		    settings_normalize(s, changes[i].value, norm[i], sizeof(norm[i]), e) < 0) {
			free(norm);
			return -1;
		}
	}
	if (db_begin(db, e) < 0)
		goto fail;
	if ((version = config_version(db, e)) < 0)
		goto fail_tx;
	if (gate && read_snapshot(db, &current, e) < 0)
		goto fail_tx;
	version++;
	if (insert_version(db, version, who, e) < 0)
		goto fail_tx;
	for (size_t i = 0; i < n; i++) {
		int changed;
		if (apply_one(db, version, &changes[i], changes[i].value ? norm[i] : NULL, &changed,
			      e) < 0)
			goto fail_tx;
		any |= changed;
	}
	if (!any) {
		db_rollback(db);
		version--;
	} else if (gate && run_gate(db, gate, current, e) < 0) {
		goto fail_tx;
	} else if (db_commit(db, e) < 0) {
		goto fail;
	}
	config_snapshot_free(&current);
	free(norm);
	if (version_out)
		*version_out = version;
	return 0;
fail_tx:
	db_rollback(db);
fail:
	config_snapshot_free(&current);
	free(norm);
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int config_history(struct db *db, config_history_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	int rc;
	if (db_prepare(db, "SELECT v.version, v.at, v.who, v.client, c.key, c.old_value, "
			   "c.new_value, c.secret FROM config_changes c "
			   "JOIN config_versions v USING (version) ORDER BY v.version, c.key",
		       &st, e) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct config_history_entry h = {
			.version = sqlite3_column_int64(st, 0),
			.at = col_text(st, 1),
			.who = col_text(st, 2),
			.client = col_text(st, 3),
			.key = col_text(st, 4),
			.old_value = col_text(st, 5),
			.new_value = col_text(st, 6),
			.secret = sqlite3_column_int(st, 7),
		};
		if (fn(&h, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(db, e, "cannot read the history");
	return 0;
}

/* The stored value a key had at `version`: the new value of its last change
 * up to then, else the old value of its first change after, else today's. */
static int value_at(struct db *db, const char *key, long version, char **out, int *known,
		    struct err *e)
{
	static const char *const queries[] = {
		"SELECT new_value FROM config_changes WHERE key = ?1 AND version <= ?2 "
		"ORDER BY version DESC LIMIT 1",
		"SELECT old_value FROM config_changes WHERE key = ?1 AND version > ?2 "
		"ORDER BY version ASC LIMIT 1",
	};
	*out = NULL;
	*known = 0;
	for (size_t q = 0; q < 2 && !*known; q++) {
		sqlite3_stmt *st;
		if (db_prepare(db, queries[q], &st, e) < 0)
			return -1;
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*known = 1;
			const char *v = col_text(st, 0);
			if (v && !(*out = strdup(v)))
				rc = SQLITE_NOMEM;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_error(db, e, "cannot read the history");
	}
	if (!*known)
		return stored_value(db, key, out, e);
	return 0;
}

int config_revert(struct db *db, long version, const struct config_who *who,
		  void (*skipped)(enum setting_id id, void *arg), void *arg, long *version_out,
		  struct err *e)
{
	return config_revert_gated(db, version, who, skipped, arg, NULL, version_out, e);
}

int config_revert_gated(struct db *db, long version, const struct config_who *who,
			void (*skipped)(enum setting_id id, void *arg), void *arg,
			const struct config_gate *gate, long *version_out, struct err *e)
{
	struct config_change changes[SET_COUNT] = { 0 };
	char *values[SET_COUNT] = { 0 };
	size_t n = 0;
	int rc = -1;
	long latest = config_version(db, e);

	if (latest < 0)
		return -1;
	if (version < 0 || version > latest)
		return err_set(e, "there is no configuration version %ld (the latest is %ld)",
			       version, latest);
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		int known;
		if (value_at(db, s->name, version, &values[i], &known, e) < 0)
			goto out;
		if (s->flags & SETTING_SECRET) {
			/* The history never holds a secret's value; say if it changed since. */
			sqlite3_stmt *st;
			if (db_prepare(db, "SELECT 1 FROM config_changes WHERE key = ? AND version > ?",
				       &st, e) < 0)
				goto out;
			sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, version);
			if (sqlite3_step(st) == SQLITE_ROW && skipped)
				skipped((enum setting_id)i, arg);
			sqlite3_finalize(st);
			continue;
		}
		changes[n].id = (enum setting_id)i;
		changes[n].value = values[i];
		n++;
	}
	rc = config_set_gated(db, changes, n, who, gate, version_out, e);
out:
	for (int i = 0; i < SET_COUNT; i++)
		free(values[i]);
	return rc;
}

int config_load_version(struct db *db, long version, struct config_snapshot **out, struct err *e)
{
	struct config_snapshot *s;
	*out = NULL;
	if (config_load(db, &s, e) < 0)
		return -1;
	if (version == s->version) {
		*out = s;
		return 0;
	}
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *set = settings_get((enum setting_id)i);
		char *v;
		int known;
		/* The history holds no secret: it stays as it is now. */
		if (set->flags & SETTING_SECRET)
			continue;
		if (value_at(db, set->name, version, &v, &known, e) < 0) {
			config_snapshot_free(&s);
			return -1;
		}
		if (!v && !(v = strdup(set->def))) {
			config_snapshot_free(&s);
			return err_set(e, "out of memory");
		}
		free(s->values[i]);
		s->values[i] = v;
	}
	s->version = version;
	*out = s;
	return 0;
}
