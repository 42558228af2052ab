/* config_sync.c - export, compare and import of the configuration file
 * (common/config_file.c has the format): reading the database, writing the
 * file safely and applying an import as one checked change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/fileio.h"
#include "webmsg/totp_store.h"

#include "core/config_sync.h"

int config_sync_export(struct db *db, int secrets, char **out, size_t *len, struct err *e)
{
	struct config_snapshot *s;
	char date[32], host[256];
	struct tm tm;
	time_t now = time(NULL);

	if (config_load(db, &s, e) < 0)
		return -1;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	struct config_file_meta meta = { WEBMSG_VERSION, db_schema_version(db), date, host,
					 secrets };
	int rc = config_file_format(s, &meta, out, len, e);
	config_snapshot_free(&s);
	return rc;
}

int config_sync_write(const char *path, const char *data, size_t len, int secrets,
		      struct err *e)
{
	mode_t mask = umask(0);
	umask(mask);
	/* A file with secrets is 0600 from its first byte; one without, what the umask allows. */
	return fileio_write_atomic(path, data, len, secrets ? 0600 : 0644 & ~mask, e);
}

int config_sync_read(const char *path, struct config_file **out, struct err *e)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		rc = fileio_read_fd(STDIN_FILENO, "standard input", CONFIG_FILE_MAX, &text, &len, e);
	else
		rc = fileio_read_path(path, 0, CONFIG_FILE_MAX, &text, &len, e);
	if (rc < 0)
		return -1;
	rc = config_file_parse(text, len, out, e);
	if (rc < 0)
		err_prefix(e, "%s", strcmp(path, "-") == 0 ? "standard input" : path);
	explicit_bzero(text, len);
	free(text);
	return rc;
}

void config_sync_result_free(struct config_sync_result *r)
{
	config_snapshot_free(&r->before);
	memset(r, 0, sizeof(*r));
}

int config_sync_diff(struct db *db, const struct config_file *f, struct config_sync_result *r,
		     struct err *e)
{
	int sealed;
	memset(r, 0, sizeof(*r));
	/* session.secret is kept only where something is sealed with it: a new
	 * front end takes its model's, as the shared session store needs. */
	if (totp_store_sealed(db, &sealed, e) < 0 || config_load(db, &r->before, e) < 0)
		return -1;
	r->n = config_file_diff(r->before, f, sealed, r->diff);
	for (int i = 0; i < SET_COUNT; i++) {
		if (!config_file_keeps(r->before, f, (enum setting_id)i, sealed))
			continue;
		size_t used = strlen(r->kept);
		snprintf(r->kept + used, sizeof(r->kept) - used, "%s%s", used ? ", " : "",
			 settings_get((enum setting_id)i)->name);
	}
	return 0;
}

/* The configuration the changes make, from the one before. */
static int candidate_of(const struct config_sync_result *r, const struct config_change *changes,
			struct config_snapshot **out, struct err *e)
{
	struct config_snapshot *c;
	if (config_snapshot_new(r->before->version, r->before->dbdir, &c, e) < 0)
		return -1;
	for (int i = 0; i < SET_COUNT; i++)
		if (config_snapshot_override(c, (enum setting_id)i, r->before->values[i], e) < 0)
			goto fail;
	for (size_t i = 0; i < r->n; i++)
		if (config_snapshot_override(c, changes[i].id, changes[i].value, e) < 0)
			goto fail;
	*out = c;
	return 0;
fail:
	config_snapshot_free(&c);
	return -1;
}

int config_sync_import(struct db *db, const struct config_file *f, int dry_run,
		       struct config_sync_result *r, struct err *e)
{
	struct config_change changes[SET_COUNT];
	struct config_snapshot *after = NULL;
	struct config_check_env env;
	int rc;

	if (config_sync_diff(db, f, r, e) < 0)
		return -1;
	/* A setting the file leaves out goes back to its default (NULL). */
	for (size_t i = 0; i < r->n; i++)
		changes[i] = (struct config_change){ r->diff[i].id,
						     r->diff[i].in_file ? r->diff[i].file : NULL,
						     NULL };
	if (r->n == 0)
		return 0;
	if (candidate_of(r, changes, &after, e) < 0)
		return -1;
	config_check_restart(r->before, after, r->restart, sizeof(r->restart));
	if (dry_run) {
		/* The decision config_set's gate makes, without the transaction. */
		rc = config_check_env_running(db, &env, e) < 0 ? -1
		     : config_check_change(r->before, after, &env, e);
		config_snapshot_free(&after);
		return rc;
	}
	config_snapshot_free(&after);
	return apply_changes(db, changes, r->n, &r->outcome, e);
}
