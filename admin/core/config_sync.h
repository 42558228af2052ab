/* config_sync.h - copying the configuration between machines: export to a
 * file, compare with one, import one. `config export/diff/import` and the
 * console's "Compare with exported file" screen both go through here. */
#ifndef WEBMSG_ADMIN_CONFIG_SYNC_H
#define WEBMSG_ADMIN_CONFIG_SYNC_H

#include <stddef.h>

#include "webmsg/config_file.h"
#include "webmsg/err.h"

#include "core/apply.h"

struct db;
struct config_snapshot;

/* The file text for db's settings (free *out). */
int config_sync_export(struct db *db, int secrets, char **out, size_t *len, struct err *e);

/* Writes data to path as a new file renamed over any old one, so the mode is
 * always ours (0600 with secrets, else 0644 less the umask) and a reader
 * never sees half a file. */
int config_sync_write(const char *path, const char *data, size_t len, int secrets,
		      struct err *e);

/* Reads and checks an exported file ("-": standard input). Messages start
 * with the file's name. */
int config_sync_read(const char *path, struct config_file **out, struct err *e);

/* What importing f would change in db, or did change. */
struct config_sync_result {
	struct config_snapshot *before;           /* the settings before (owned) */
	struct config_file_diff diff[SET_COUNT];  /* borrowed from before and the file */
	size_t n;
	char restart[320]; /* the settings of the change that need a restart, or "" */
	char kept[160];    /* settings the file has another value for that are kept
			    * here (config_file_keeps), or "" */
	struct apply_outcome outcome;             /* import only */
};
void config_sync_result_free(struct config_sync_result *r);

/* The settings that differ between db and f. */
int config_sync_diff(struct db *db, const struct config_file *f, struct config_sync_result *r,
		     struct err *e);

/* Makes db's settings those of f in one version, through the same checks
 * and apply as `config set` (all or nothing; a refused setting is named with
 * the reason). dry_run: every check, nothing saved. */
int config_sync_import(struct db *db, const struct config_file *f, int dry_run,
		       struct config_sync_result *r, struct err *e);

#endif
