/* settings_form.c - a form's setting fields against the configuration:
 * filled from it, checked against the settings table, compared with what is
 * saved now (another operator may have saved meanwhile), and saved as one
 * version that the daemon is asked to apply. Nothing is saved unless every
 * changed field is valid and none was changed by someone else. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "webmsg/config.h"
#include "webmsg/settings.h"

#include "console/settings_form.h"
#include "core/apply.h"
#include "widgets/form.h"

static int is_setting(const struct form_field *fd)
{
	return fd->setting != FIELD_NONE;
}

static int changed(const struct form_field *fd)
{
	return strcmp(fd->start, fd->value) != 0;
}

void settings_form_fill(struct form *f, const struct config_snapshot *cfg)
{
	for (int i = 0; i < f->n; i++)
		if (is_setting(&f->fields[i]))
			form_reset(f, i, config_str(cfg, (enum setting_id)f->fields[i].setting));
}

/* A path must name something that exists; relative ones start at the database's folder. */
static int check_path(struct form_field *fd, struct config_snapshot *scratch, struct err *e)
{
	char path[PATH_MAX];
	struct stat sb;
	enum setting_id id = (enum setting_id)fd->setting;

	if (!fd->value[0])
		return 0;
	if (config_snapshot_override(scratch, id, fd->value, e) < 0 ||
	    config_path(scratch, id, path, sizeof(path), e) < 0)
		return -1;
	if (stat(path, &sb) < 0)
		return err_set(e, "%s: %s does not exist", settings_get(id)->name, path);
	return 0;
}

/* Puts the cursor on field i, showing its page. */
static void focus_field(struct form *f, int i)
{
	if (f->fields[i].page != f->page)
		form_show_page(f, f->fields[i].page);
	f->cur = i;
}

/* Checks every changed setting field against the table, and paths for
 * existence; each error goes under its field. Returns how many are bad. */
static int validate(struct form *f, struct db *db, struct err *e)
{
	struct config_snapshot *scratch;
	int bad = 0, first = -1;
	struct err fe;

	if (config_load(db, &scratch, e) < 0)
		return -1;
	for (int i = 0; i < f->n; i++) {
		struct form_field *fd = &f->fields[i];
		fd->error[0] = '\0';
		if (!is_setting(fd) || !changed(fd))
			continue;
		const struct setting *s = settings_get((enum setting_id)fd->setting);
		int rc = settings_validate(s, fd->value, &fe);
		if (rc == 0 && fd->kind == FIELD_PATH)
			rc = check_path(fd, scratch, &fe);
		if (rc < 0) {
			snprintf(fd->error, sizeof(fd->error), "%s", fe.msg);
			bad++;
			if (first < 0)
				first = i;
		}
	}
	config_snapshot_free(&scratch);
	if (first >= 0)
		focus_field(f, first);
	return bad;
}

/* Compares the fields with what is saved now. A field changed here and saved
 * differently meanwhile is a conflict: it keeps the operator's value and
 * shows the other one, and saving it again is then a choice made knowingly.
 * A field not changed here just takes the new value. */
static int conflicts(struct form *f, const struct config_snapshot *now)
{
	int n = 0, first = -1;
	for (int i = 0; i < f->n; i++) {
		struct form_field *fd = &f->fields[i];
		if (!is_setting(fd))
			continue;
		const char *saved = config_str(now, (enum setting_id)fd->setting);
		if (strcmp(saved, fd->start) == 0)
			continue;
		if (!changed(fd)) {
			form_reset(f, i, saved);
			continue;
		}
		char *start = strdup(saved), *other = strdup(saved);
		if (!start || !other) {
			free(start);
			free(other);
			continue;
		}
		free(fd->start);
		fd->start = start;
		free(fd->other);
		fd->other = NULL;
		if (strcmp(fd->value, saved) == 0) {
			free(other); /* both made the same change */
			continue;
		}
		fd->other = other;
		n++;
		if (first < 0)
			first = i;
	}
	if (first >= 0)
		focus_field(f, first);
	return n;
}

enum settings_form_result settings_form_apply(struct form *f, struct db *db,
					      struct apply_outcome *o, struct err *e)
{
	struct config_snapshot *now;
	struct config_change *changes;
	size_t n = 0;
	int bad;

	memset(o, 0, sizeof(*o));
	f->note[0] = '\0';
	for (int i = 0; i < f->n; i++)
		if (is_setting(&f->fields[i]) && changed(&f->fields[i]))
			n++;
	if (n == 0)
		return SETTINGS_FORM_UNCHANGED;
	if ((bad = validate(f, db, e)) < 0)
		return SETTINGS_FORM_FAILED;
	if (bad > 0) {
		snprintf(f->note, sizeof(f->note), "%d field%s to correct; nothing was saved", bad,
			 bad == 1 ? "" : "s");
		return SETTINGS_FORM_INVALID;
	}
	if (config_load(db, &now, e) < 0)
		return SETTINGS_FORM_FAILED;
	int clashes = conflicts(f, now);
	config_snapshot_free(&now);
	if (clashes > 0) {
		snprintf(f->note, sizeof(f->note), "another operator saved %d of these settings "
			 "meanwhile; nothing was saved", clashes);
		return SETTINGS_FORM_CONFLICT;
	}
	if (!(changes = calloc((size_t)f->n, sizeof(*changes)))) {
		err_set(e, "out of memory");
		return SETTINGS_FORM_FAILED;
	}
	n = 0;
	for (int i = 0; i < f->n; i++)
		if (is_setting(&f->fields[i]) && changed(&f->fields[i]))
			changes[n++] = (struct config_change){ (enum setting_id)f->fields[i].setting,
								f->fields[i].value,
								f->fields[i].start };
	if (n == 0) {
		free(changes); /* what was changed here had been saved meanwhile */
		return SETTINGS_FORM_UNCHANGED;
	}
	int rc = apply_changes(db, changes, n, o, e);
	free(changes);
	if (rc < 0 && o->version == 0) {
		snprintf(f->note, sizeof(f->note), "%s", e->msg);
		return SETTINGS_FORM_FAILED;
	}
	/* Saved: the form starts again from what is saved, values as stored. */
	if (config_load(db, &now, e) == 0) {
		settings_form_fill(f, now);
		config_snapshot_free(&now);
	}
	return SETTINGS_FORM_SAVED;
}
