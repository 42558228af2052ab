/* config_file.h - the exported configuration file that copies settings
 * between machines: writing it from a snapshot, reading it back strictly
 * (checksum first, then every line), and comparing it with a snapshot.
 *
 * The file is text, one line each:
 *     # a comment
 *     @field = "value"        header: format, product, version, schema, date, host, secrets
 *     key = "value"           a setting that differs from its default
 *     @sha256 = "hex"         last line: SHA-256 of every byte before it
 * Values are in double quotes with \\ \" \n \r \t and \xHH escapes, so any
 * value (newlines, quotes, UTF-8) comes back byte for byte. */
#ifndef WEBMSG_CONFIG_FILE_H
#define WEBMSG_CONFIG_FILE_H

#include <stddef.h>

#include "settings.h"

struct config_snapshot;
struct err;

/* The largest file read back: far more than every setting at its longest. */
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_FILE_FORMAT "webmsg-config 1"
#define CONFIG_FILE_PRODUCT "webmsg"

/* What the header says about where the file comes from. */
struct config_file_meta {
	const char *version; /* the program's version */
	int schema;          /* the database's schema version */
	const char *date;    /* UTC, ISO 8601 */
	const char *host;    /* the machine's name */
	int secrets;         /* 1: the secret settings are written too */
};

/* Writes the file for every setting of s that differs from its default
 * (secrets only when meta->secrets) into *out (free it), *len bytes. */
int config_file_format(const struct config_snapshot *s, const struct config_file_meta *meta,
		       char **out, size_t *len, struct err *e);

/* A file read back. Header strings are "" when absent. */
struct config_file {
	char version[64], date[64], host[256];
	int schema;
	int secrets;              /* the header says secrets are in the file */
	char *values[SET_COUNT];  /* NULL: the file leaves the setting out */
	int lines[SET_COUNT];     /* where each value is, for messages */
};

/* Checks the checksum (a file changed or cut after export is refused,
 * saying which), then parses every line strictly: errors name the line;
 * a key twice, an unknown key (all of them are listed) or a secret in a
 * file whose header says it has none are refused. Values are not checked
 * against their settings here: importing does that, through config_set. */
int config_file_parse(const char *text, size_t len, struct config_file **out, struct err *e);
void config_file_free(struct config_file **f);

/* One setting that is not the same here and in the file. */
struct config_file_diff {
	enum setting_id id;
	const char *here; /* borrowed from the snapshot */
	const char *file; /* borrowed from the file, or the default it stands for */
	int in_file;      /* 0: the file leaves it out, so it stands for the default */
};

/* The settings that differ between s and f, in the table's order, into out
 * (room for SET_COUNT); returns how many. A setting the file leaves out
 * stands for its default, except a secret, which is compared only when the
 * file carries secrets (and then without its value leaving this module in
 * any message). Values are compared in their canonical spelling. sealed:
 * as for config_file_keeps. */
size_t config_file_diff(const struct config_snapshot *s, const struct config_file *f,
			int sealed, struct config_file_diff *out);
/* 1 when f has another value for setting id than s, but s keeps its own: a
 * SETTING_KEEP setting (session.secret) that is set in s is not replaced by
 * an import while data of s's database is sealed with it (sealed: 1, see
 * totp_store_sealed), so config_file_diff leaves it out. With nothing
 * sealed (a new front end taking its model's settings) it is replaced like
 * any other: front ends sharing a session store need the same one. */
int config_file_keeps(const struct config_snapshot *s, const struct config_file *f,
		      enum setting_id id, int sealed);

/* The quoted, escaped spelling of a value as the file writes it, into out;
 * -1 when it does not fit. For showing values safely on a terminal too. */
int config_file_quote(const char *value, char *out, size_t outlen);

#endif
