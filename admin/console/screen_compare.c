/* screen_compare.c - "Compare with exported file": the settings that differ
 * between this configuration and a file from `config export` on another
 * machine, as `config diff` prints them, and an import of the file after a
 * confirmation, through the same checks as `config import`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/config_file.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

#include "console/console.h"
#include "core/config_sync.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define VALUE_WIDTH 24 /* each value column at most; the line below shows the row whole */

struct compare_screen {
	char path[PATH_MAX];
	struct config_file *file; /* NULL until a file was read */
	struct config_sync_result result;
	struct list list;
	int key_width;
	char problem[ERR_MSG_MAX]; /* why the file could not be read, or "" */
};

/* A value as the screen shows it: escaped, a secret never. */
static void value_text(const struct config_file_diff *d, const char *v, int present, char *out,
		       size_t len)
{
	if (settings_get(d->id)->flags & SETTING_SECRET)
		snprintf(out, len, "%s", v[0] ? "(secret set)" : "(not set)");
	else if (config_file_quote(v, out, len) < 0)
		snprintf(out, len, "(%zu bytes)", strlen(v));
	size_t used = strlen(out);
	if (!present)
		snprintf(out + used, len - used, " (default)");
}

static void forget(struct compare_screen *s)
{
	config_sync_result_free(&s->result);
	config_file_free(&s->file);
	list_set_count(&s->list, 0);
}

/* Reads s->path again and compares it with the database. */
static void load(struct console *c, struct compare_screen *s)
{
	struct err e;
	forget(s);
	s->problem[0] = '\0';
	if (!s->path[0])
		return;
	if (config_sync_read(s->path, &s->file, &e) < 0) {
		snprintf(s->problem, sizeof(s->problem), "%s", e.msg);
		return;
	}
	if (config_sync_diff(console_db(c), s->file, &s->result, &e) < 0) {
		config_file_free(&s->file);
		console_db_failed(c, &e);
		return;
	}
	s->key_width = 7;
	for (size_t i = 0; i < s->result.n; i++) {
		int k = text_width(settings_get(s->result.diff[i].id)->name);
		if (k > s->key_width)
			s->key_width = k;
	}
	list_set_count(&s->list, (int)s->result.n);
}

static void *compare_open(struct console *c, const char *arg)
{
	struct compare_screen *s = calloc(1, sizeof(*s));
	(void)c;
	(void)arg;
	if (s)
		s->list.cur = -1;
	return s;
}

static void compare_close(void *st)
{
	struct compare_screen *s = st;
	forget(s);
	free(s);
}

static void draw_row(WINDOW *w, int y, int x, int width, int i, attr_t a, void *arg)
{
	struct compare_screen *s = arg;
	const struct config_file_diff *d = &s->result.diff[i];
	char here[256], there[256];
	int at = x, end = x + width;

	value_text(d, d->here, s->result.before->stored[d->id], here, sizeof(here));
	value_text(d, d->file, d->in_file, there, sizeof(there));
	text_put_fill(w, y, x, width, "", a);
	at += text_put(w, y, at, s->key_width < end - at ? s->key_width : end - at,
		       settings_get(d->id)->name, 0, a) + 2;
	if (at < end)
		text_put(w, y, at, VALUE_WIDTH < end - at ? VALUE_WIDTH : end - at, here, 0, a);
	at += VALUE_WIDTH + 2;
	if (at < end)
		text_put(w, y, at, end - at, there, 0, a);
}

static void compare_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct compare_screen *s = st;
	char line[1024];
	(void)c;
	if (!s->path[0]) {
		text_put_wrapped(w, 0, 1, width - 2, h,
				 "Compare this configuration with a file exported on another "
				 "machine ('webmsg-admin config export FILE'). Press o to give the "
				 "file's path.", theme_attr(ROLE_NORMAL));
		return;
	}
	snprintf(line, sizeof(line), "File: %s", s->path);
	text_put(w, 0, 1, width - 2, line, 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	if (s->problem[0]) {
		text_put_wrapped(w, 2, 1, width - 2, h - 2, s->problem, theme_attr(ROLE_ERROR));
		return;
	}
	if (!s->file)
		return;
	snprintf(line, sizeof(line), "Exported on %s at %s (version %s, secrets %s)",
		 s->file->host[0] ? s->file->host : "?", s->file->date[0] ? s->file->date : "?",
		 s->file->version[0] ? s->file->version : "?",
		 s->file->secrets ? "included" : "left out");
	text_put(w, 1, 1, width - 2, line, 0, theme_attr(ROLE_DIM));
	if (s->result.n == 0) {
		text_put_wrapped(w, 3, 1, width - 2, h - 3,
				 "The same: every setting here is as in the file.",
				 theme_attr(ROLE_OK));
		return;
	}
	snprintf(line, sizeof(line), "%-*s  %-*s  %s", s->key_width, "Setting", VALUE_WIDTH,
		 "Here", "File");
	text_put(w, 3, 0, width, line, 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	int details = h >= 12 ? 3 : 0;
	list_draw(&s->list, w, 4, 0, h - 4 - details, width, focused, draw_row, s);
	if (!details || s->list.cur < 0)
		return;
	const struct config_file_diff *d = &s->result.diff[s->list.cur];
	char here[512], there[512];
	value_text(d, d->here, s->result.before->stored[d->id], here, sizeof(here));
	value_text(d, d->file, d->in_file, there, sizeof(there));
	snprintf(line, sizeof(line), "%s: here %s, in the file %s", settings_get(d->id)->name,
		 here, there);
	text_put_wrapped(w, h - details + 1, 1, width - 2, details - 1, line,
			 theme_attr(ROLE_DIM));
}

static void import_file(struct console *c, struct compare_screen *s)
{
	struct config_sync_result r;
	char question[512];
	struct err e;

	if (!s->file || s->result.n == 0) {
		dialog_message("Import", s->file ? "Nothing to import: every setting is as in the "
						 "file."
						 : "Open a file first (o).");
		return;
	}
	snprintf(question, sizeof(question),
		 "Import %s? %zu setting%s will change as listed; settings the file leaves out go "
		 "back to their defaults%s. Everything is checked first and saved as one "
		 "version, or nothing is.",
		 s->path, s->result.n, s->result.n == 1 ? "" : "s",
		 s->file->secrets ? "" : ", secrets stay as they are");
	if (!dialog_confirm("Import", question))
		return;
	dialog_progress("Import", "Checking and saving the configuration...");
	int rc = config_sync_import(console_db(c), s->file, 0, &r, &e);
	if (rc == 0 && r.restart[0] && !r.outcome.restart[0] && !r.outcome.warning[0])
		snprintf(r.outcome.restart, sizeof(r.outcome.restart),
			 "%s takes effect at the next restart", r.restart);
	console_report(c, "Import", rc, &r.outcome, &e);
	config_sync_result_free(&r);
	load(c, s);
}

static int compare_key(struct console *c, void *st, int key)
{
	struct compare_screen *s = st;
	char path[PATH_MAX];
	if (key == 'o' || (key_is_enter(key) && !s->file)) {
		snprintf(path, sizeof(path), "%s", s->path);
		if (dialog_input("Compare with exported file", "Path of the exported file:", path,
				 sizeof(path)) && path[0]) {
			snprintf(s->path, sizeof(s->path), "%s", path);
			s->list.cur = -1;
			load(c, s);
		}
		return 1;
	}
	/* F2 is every screen's Apply: here, the file. */
	if (key == 'i' || key == KEY_F(2)) {
		import_file(c, s);
		return 1;
	}
	return s->result.n > 0 ? list_key(&s->list, key, LINES - 10) : 0;
}

static const struct keybar_entry *compare_keys(void *st)
{
	static const struct keybar_entry keys[] = { { NULL, "o", "Open file" },
						    { "F2", "i", "Import" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_compare = {
	.name = "Compare with exported file",
	.help = "Shows the settings that differ between this configuration and a file "
		"written by 'webmsg-admin config export' on another machine: each with its "
		"value here and in the file (a setting the file leaves out stands for its "
		"default; secrets are never shown). o asks for the file's path (Enter on it "
		"again reads the file again), F2 or i imports it after a confirmation: every setting is checked as "
		"'config import' checks it and saved as one version, or nothing is saved.",
	.open = compare_open,
	.close = compare_close,
	.draw = compare_draw,
	.key = compare_key,
	.keys = compare_keys,
};
