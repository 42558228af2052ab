/* config.h - reading and changing settings. The only module that runs SQL on
 * settings. Every change is one transaction that bumps the configuration
 * version and records who made it, when, and the old and new values. */
#ifndef WEBMSG_CONFIG_H
#define WEBMSG_CONFIG_H

#include <stddef.h>
#include "settings.h"

struct db;
struct err;

/* Every setting's value at one configuration version. */
struct config_snapshot {
	long version;
	char *dbdir;
	char *values[SET_COUNT]; /* never NULL: the stored value or the default */
	unsigned char stored[SET_COUNT]; /* 1 when set explicitly, 0 when the default */
};

int config_load(struct db *db, struct config_snapshot **out, struct err *e);
void config_snapshot_free(struct config_snapshot **s);
const char *config_str(const struct config_snapshot *s, enum setting_id id);
long config_int(const struct config_snapshot *s, enum setting_id id);
int config_bool(const struct config_snapshot *s, enum setting_id id);
/* A path setting resolved against the database's folder; "" stays "". */
int config_path(const struct config_snapshot *s, enum setting_id id, char *out, size_t outlen,
		struct err *e);
/* The daemon's log file resolved like config_path, or "" when log.file is
 * "syslog". */
int config_log_file(const struct config_snapshot *s, char *out, size_t outlen, struct err *e);
/* web.hostname, or this machine's name when it is empty. */
void config_hostname(const struct config_snapshot *s, char *out, size_t outlen);

/* A snapshot of every default, for a process that gets the values from
 * elsewhere (the worker, from its parent) through config_snapshot_override. */
int config_snapshot_new(long version, const char *dbdir, struct config_snapshot **out,
			struct err *e);

/* Replaces one value in a snapshot (after validating it), to check a
 * configuration before it is saved. value NULL: the default. */
int config_snapshot_override(struct config_snapshot *s, enum setting_id id, const char *value,
			     struct err *e);

/* Who changes the configuration: the OS user and, over SSH, the client address. */
struct config_who {
	char user[96];
	char client[64];
};
void config_who_current(struct config_who *who);

struct config_change {
	enum setting_id id;
	const char *value; /* NULL puts the setting back to its default */
	/* When not NULL: the value (as config_str gives it) this change was made
	 * against; if the setting holds another one by now, nothing is saved. */
	const char *expected;
};

/* Validates every change, then applies all of them in one transaction as one
 * new version; a change whose expected value is no longer the setting's fails
 * the whole ("... was changed meanwhile"). Changes that leave a value as it was are dropped; when nothing
 * changes no version is made and *version_out is the current one. */
int config_set(struct db *db, const struct config_change *changes, size_t n,
	       const struct config_who *who, long *version_out, struct err *e);
/* The decision a change has to pass before it is committed: called inside the
 * change's transaction with the configuration as it was and as the changes
 * make it; returning -1 (e set) refuses the change and nothing is saved. */
struct config_gate {
	int (*fn)(const struct config_snapshot *current, const struct config_snapshot *candidate,
		  void *arg, struct err *e);
	void *arg;
};
/* config_set with a gate (NULL: none). */
int config_set_gated(struct db *db, const struct config_change *changes, size_t n,
		     const struct config_who *who, const struct config_gate *gate,
		     long *version_out, struct err *e);
/* The settings of an earlier version, as config_revert would restore them
 * (secrets as they are now, the history never holds them). */
int config_load_version(struct db *db, long version, struct config_snapshot **out,
			struct err *e);
/* The latest configuration version (0 for a new database), or -1. */
long config_version(struct db *db, struct err *e);
/* Stores a random value (32 bytes from OpenSSL, in hex) for the secret
 * setting id unless one is stored already; inside the caller's transaction,
 * with no new version (the history never holds a secret). For keys the
 * program makes itself: at init and on the upgrade that introduces them. */
int config_secret_make(struct db *db, enum setting_id id, struct err *e);

struct config_history_entry {
	long version;
	const char *at; /* UTC, ISO 8601 */
	const char *who;
	const char *client; /* "" when local */
	const char *key;
	const char *old_value; /* NULL: was the default; secrets: NULL */
	const char *new_value; /* NULL: back to the default; secrets: NULL */
	int secret;
};
typedef int (*config_history_fn)(const struct config_history_entry *h, void *arg);
/* Calls fn for each recorded change, oldest first; stops when fn returns non-zero. */
int config_history(struct db *db, config_history_fn fn, void *arg, struct err *e);

/* Makes a new version whose settings are those of `version`. Secrets are not
 * kept in the history, so they stay as they are; each one that differs is
 * reported through skipped (may be NULL). */
int config_revert(struct db *db, long version, const struct config_who *who,
		  void (*skipped)(enum setting_id id, void *arg), void *arg, long *version_out,
		  struct err *e);
/* config_revert with a gate (NULL: none). */
int config_revert_gated(struct db *db, long version, const struct config_who *who,
			void (*skipped)(enum setting_id id, void *arg), void *arg,
			const struct config_gate *gate, long *version_out, struct err *e);

#endif
