/* screen_history.c - the configuration's history, newest first, as
 * `config history` prints it (secrets only as "changed"), and a revert to
 * any version through the same decision as `config revert`. */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

#include "console/console.h"
#include "core/apply.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define WHEN_WIDTH 16 /* "2026-01-01 12:00", the minute is enough to tell versions apart */
#define WHO_WIDTH_MAX 24
#define SETTING_NAME_MAX 28 /* wider names are cut: the change matters more */

struct history_row {
	long version;
	char at[32];
	char who[128];
	char key[64];
	char change[512];
};

struct history_screen {
	struct history_row *rows; /* newest version first */
	int n, cap;
	struct list list;
	long latest; /* the version the rows were read at, to notice a newer one */
	int who_width, key_width;
	int show_when, show_who; /* the columns that fit the last drawing */
	int failed;
};

/* A value as the history holds it; NULL was the default, shown with what it is. */
static void value_text(const char *key, const char *v, char *out, size_t len)
{
	const struct setting *s = settings_find(key, NULL);
	if (v)
		snprintf(out, len, "%s", v[0] ? v : "\"\"");
	else if (s)
		snprintf(out, len, "%s (default)", s->def[0] ? s->def : "\"\"");
	else
		snprintf(out, len, "(default)");
}

static int add_row(const struct config_history_entry *h, void *arg)
{
	struct history_screen *s = arg;
	char old[224], new[224];
	const char *arrow = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? "\xe2\x86\x92" : "->";

	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;
		struct history_row *p = realloc(s->rows, (size_t)cap * sizeof(*p));
		if (!p)
			return 1;
		s->rows = p;
		s->cap = cap;
	}
	struct history_row *r = &s->rows[s->n++];
	r->version = h->version;
	/* ISO 8601 with a space for the T, cut at the minute. */
	snprintf(r->at, sizeof(r->at), "%.*s", WHEN_WIDTH, h->at ? h->at : "");
	if (strlen(r->at) > 10 && r->at[10] == 'T')
		r->at[10] = ' ';
	if (h->client && h->client[0])
		snprintf(r->who, sizeof(r->who), "%s from %s", h->who ? h->who : "", h->client);
	else
		snprintf(r->who, sizeof(r->who), "%s", h->who ? h->who : "");
	snprintf(r->key, sizeof(r->key), "%s", h->key ? h->key : "");
	if (h->secret) {
		/* The history never holds a secret's value, and the screen shows none. */
		snprintf(r->change, sizeof(r->change), "changed");
	} else {
		value_text(r->key, h->old_value, old, sizeof(old));
		value_text(r->key, h->new_value, new, sizeof(new));
		snprintf(r->change, sizeof(r->change), "%s %s %s", old, arrow, new);
	}
	int w = text_width(r->who), k = text_width(r->key);
	if (w > s->who_width)
		s->who_width = w > WHO_WIDTH_MAX ? WHO_WIDTH_MAX : w;
	if (k > s->key_width)
		s->key_width = k > SETTING_NAME_MAX ? SETTING_NAME_MAX : k;
	return 0;
}

/* config_history gives the oldest first; the screen wants the newest on top,
 * the changes of one version in the order of their settings. */
static void newest_first(struct history_screen *s)
{
	int from = 0, to = s->n - 1;
	while (from < to) {
		struct history_row t = s->rows[from];
		s->rows[from++] = s->rows[to];
		s->rows[to--] = t;
	}
	for (int i = 0; i < s->n;) {
		int j = i;
		while (j + 1 < s->n && s->rows[j + 1].version == s->rows[i].version)
			j++;
		for (int a = i, b = j; a < b; a++, b--) {
			struct history_row t = s->rows[a];
			s->rows[a] = s->rows[b];
			s->rows[b] = t;
		}
		i = j + 1;
	}
}

static int load(struct console *c, struct history_screen *s)
{
	struct err e;
	long latest = config_version(console_db(c), &e);
	/* The cursor stays on its version when newer ones come in above it. */
	long at = s->list.cur >= 0 && s->list.cur < s->n ? s->rows[s->list.cur].version : -1;
	char key[sizeof(s->rows[0].key)] = "";
	if (at >= 0)
		snprintf(key, sizeof(key), "%s", s->rows[s->list.cur].key);
	s->n = 0;
	s->who_width = 3; /* "Who" */
	s->key_width = 7; /* "Setting" */
	if (latest < 0 || config_history(console_db(c), add_row, s, &e) < 0) {
		s->failed = 1;
		console_db_failed(c, &e);
		return -1;
	}
	s->failed = 0;
	s->latest = latest;
	newest_first(s);
	for (int i = 0; i < s->n && at >= 0; i++)
		if (s->rows[i].version == at && strcmp(s->rows[i].key, key) == 0)
			s->list.cur = i;
	list_set_count(&s->list, s->n);
	return 0;
}

static void *history_open(struct console *c, const char *arg)
{
	struct history_screen *s = calloc(1, sizeof(*s));
	(void)arg;
	if (s) {
		s->list.cur = -1;
		load(c, s);
	}
	return s;
}

static void history_close(void *st)
{
	struct history_screen *s = st;
	free(s->rows);
	free(s);
}

/* A change saved meanwhile (the CLI, another console) shows up within a second. */
static void history_tick(struct console *c, void *st)
{
	struct history_screen *s = st;
	struct err e;
	long latest;
	if (s->failed)
		return;
	latest = config_version(console_db(c), &e);
	if (latest >= 0 && latest != s->latest)
		load(c, s);
}

/* Below this many columns for the change, When and then Who are left out of
 * the rows: the line under the list shows them for the cursor's row. */
#define CHANGE_MIN 30

static void draw_row(WINDOW *w, int y, int x, int width, int i, attr_t a, void *arg)
{
	struct history_screen *s = arg;
	const struct history_row *r = &s->rows[i];
	char version[24];
	int at = x, end = x + width;

	/* The cursor's row is drawn whole in its attribute, the gaps too. */
	text_put_fill(w, y, x, width, "", a);
	snprintf(version, sizeof(version), "%7ld", r->version);
	at += text_put(w, y, at, end - at, version, 0, a) + 2;
	if (s->show_when && at < end)
		text_put(w, y, at, end - at, r->at, 0, a);
	if (s->show_when)
		at += WHEN_WIDTH + 2;
	if (s->show_who && at < end)
		text_put(w, y, at, s->who_width < end - at ? s->who_width : end - at, r->who, 0, a);
	if (s->show_who)
		at += s->who_width + 2;
	if (at < end)
		text_put(w, y, at, s->key_width < end - at ? s->key_width : end - at, r->key, 0, a);
	at += s->key_width + 2;
	if (at < end)
		text_put(w, y, at, end - at, r->change, 0, a);
}

static void history_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct history_screen *s = st;
	char head[256], line[1024];
	int details = h >= 8 ? 3 : 0; /* the cursor's row whole, under the list */
	(void)c;
	if (s->failed)
		return;
	if (s->n == 0) {
		text_put_wrapped(w, 0, 1, width - 2, h, "No change has been saved yet. Each change "
				 "to the configuration makes a version, listed here newest first.",
				 theme_attr(ROLE_DIM));
		return;
	}
	int fixed = 7 + 2 + s->key_width + 2 + CHANGE_MIN;
	s->show_who = width >= fixed + s->who_width + 2;
	s->show_when = width >= fixed + s->who_width + 2 + WHEN_WIDTH + 2;
	snprintf(head, sizeof(head), "%7s  %-*s%s%-*s%s%-*s  %s", "Version",
		 s->show_when ? WHEN_WIDTH : 0, s->show_when ? "When (UTC)" : "",
		 s->show_when ? "  " : "", s->show_who ? s->who_width : 0,
		 s->show_who ? "Who" : "", s->show_who ? "  " : "", s->key_width, "Setting",
		 "Change");
	text_put(w, 0, 0, width, head, 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	list_draw(&s->list, w, 1, 0, h - 1 - details, width, focused, draw_row, s);
	if (!details || s->list.cur < 0)
		return;
	const struct history_row *r = &s->rows[s->list.cur];
	snprintf(line, sizeof(line), "Version %ld, %s UTC, by %s: %s %s", r->version, r->at,
		 r->who, r->key, r->change);
	text_put_wrapped(w, h - details + 1, 1, width - 2, details - 1, line, theme_attr(ROLE_DIM));
}

struct skipped_list {
	char names[256];
};

static void note_skipped(enum setting_id id, void *arg)
{
	struct skipped_list *k = arg;
	size_t len = strlen(k->names);
	snprintf(k->names + len, sizeof(k->names) - len, "%s%s", len ? ", " : "",
		 settings_get(id)->name);
}

int screen_history_revert(struct console *c, long version, const char *question)
{
	struct skipped_list k = { "" };
	struct apply_outcome o;
	struct err e;

	if (!dialog_confirm("Revert", question))
		return 0;
	dialog_progress("Revert", "Checking and saving the configuration...");
	int rc = apply_revert(console_db(c), version, note_skipped, &k, &o, &e);
	if (rc == 0 && k.names[0]) {
		/* Secrets are never in the history: they stay as they are, and the operator is told. */
		size_t len = strlen(o.warning);
		snprintf(o.warning + len, sizeof(o.warning) - len, "%s%s kept as now: secrets are "
			 "not in the history", len ? "; " : "", k.names);
	}
	console_report(c, "Revert", rc, &o, &e);
	return rc < 0 ? -1 : 1;
}

static int history_key(struct console *c, void *st, int key)
{
	struct history_screen *s = st;
	char question[256];
	if (s->failed || s->n == 0)
		return 0;
	if (key_is_enter(key) || key == 'v') {
		long version = s->rows[s->list.cur].version;
		if (version == s->latest) {
			snprintf(question, sizeof(question),
				 "Version %ld is the latest: there is nothing to revert.", version);
			dialog_message("Revert", question);
			return 1;
		}
		snprintf(question, sizeof(question),
			 "Revert to version %ld? Its settings are saved as a new version and "
			 "applied; secrets stay as they are now.", version);
		/* Reverted: the cursor goes to the top, where the new version is. */
		if (screen_history_revert(c, version, question) > 0)
			s->list.cur = -1;
		load(c, s);
		return 1;
	}
	return list_key(&s->list, key, LINES - 8);
}

static const struct keybar_entry *history_keys(void *st)
{
	static const struct keybar_entry keys[] = { { NULL, "Enter/v", "Revert to it" },
						    { NULL, "Up/Down", "Move" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_history = {
	.name = "History",
	.help = "Every saved change to the configuration, newest first: its version, when and "
		"by whom, the setting and its old and new value (a secret only as \"changed\"). "
		"Enter or v on a row reverts to that version: its settings are checked as any "
		"change is (refused, with the setting and the reason, when webmsgd could not "
		"serve them; nothing is saved then), saved as a new version and applied. "
		"Secrets are not in the history and stay as they are.",
	.open = history_open,
	.close = history_close,
	.draw = history_draw,
	.key = history_key,
	.keys = history_keys,
	.tick = history_tick,
};
