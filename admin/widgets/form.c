/* form.c - a form of fields, one per row: check boxes, choice lists,
 * numbers with their range, text and paths, secrets. Fields for settings take
 * their kind, range, choices and help from the settings table. A changed
 * field is marked with '*'; its error or another operator's value is shown
 * under it. Typing happens only after Enter on a field (or a digit on a
 * number), so letters stay free for the console's keys. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/settings.h"

#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define LABEL_MAX_WIDTH 22
#define NUMBER_WIDTH 10
#define HELP_ROWS 2

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int form_add(struct form *f, const char *label, enum field_kind kind, int page,
	     const char *help)
{
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 8;
		struct form_field *p = realloc(f->fields, (size_t)cap * sizeof(*p));
		if (!p)
			return -1;
		f->fields = p;
		f->cap = cap;
	}
	struct form_field *fd = &f->fields[f->n];
	memset(fd, 0, sizeof(*fd));
	fd->label = label;
	fd->kind = kind;
	fd->page = page;
	fd->setting = FIELD_NONE;
	fd->help = help;
	/* A check box is always on or off. */
	fd->start = dup_or_empty(kind == FIELD_CHECK ? "off" : "");
	fd->value = dup_or_empty(kind == FIELD_CHECK ? "off" : "");
	if (!fd->start || !fd->value) {
		free(fd->start);
		free(fd->value);
		return -1;
	}
	return f->n++;
}

int form_add_setting(struct form *f, int setting, const char *label, int page)
{
	const struct setting *s = settings_get((enum setting_id)setting);
	static const enum field_kind kinds[] = {
		[SETTING_BOOL] = FIELD_CHECK, [SETTING_INT] = FIELD_NUMBER,
		[SETTING_ENUM] = FIELD_CHOICE, [SETTING_STRING] = FIELD_TEXT,
		[SETTING_PATH] = FIELD_PATH,
	};
	if (!s)
		return -1;
	enum field_kind kind = s->flags & SETTING_SECRET ? FIELD_SECRET : kinds[s->type];
	int i = form_add(f, label, kind, page, s->help);
	if (i < 0)
		return -1;
	struct form_field *fd = &f->fields[i];
	fd->setting = setting;
	fd->choices = s->choices;
	fd->min = s->min;
	fd->max = s->max;
	form_reset(f, i, s->def);
	return i;
}

static int replace(char **slot, const char *value)
{
	char *copy = dup_or_empty(value);
	if (!copy)
		return -1;
	if (*slot) {
		explicit_bzero(*slot, strlen(*slot));
		free(*slot);
	}
	*slot = copy;
	return 0;
}

int form_reset(struct form *f, int i, const char *value)
{
	struct form_field *fd = &f->fields[i];
	free(fd->other);
	fd->other = NULL;
	fd->error[0] = '\0';
	return replace(&fd->start, value) < 0 ? -1 : replace(&fd->value, value);
}

static int form_set(struct form *f, int i, const char *value)
{
	f->fields[i].error[0] = '\0';
	return replace(&f->fields[i].value, value);
}

const char *form_value(const struct form *f, int i)
{
	return f->fields[i].value;
}

static int changed(const struct form_field *fd)
{
	return strcmp(fd->start, fd->value) != 0;
}

int form_dirty(const struct form *f)
{
	int n = 0;
	for (int i = 0; i < f->n; i++)
		n += changed(&f->fields[i]);
	return n;
}

void form_free(struct form *f)
{
	for (int i = 0; i < f->n; i++) {
		replace(&f->fields[i].start, "");
		replace(&f->fields[i].value, "");
		free(f->fields[i].start);
		free(f->fields[i].value);
		free(f->fields[i].other);
	}
	free(f->fields);
	explicit_bzero(f->editbuf, sizeof(f->editbuf));
	explicit_bzero(f->before_edit, sizeof(f->before_edit));
	memset(f, 0, sizeof(*f));
}

static int on_page(const struct form *f, int i)
{
	return f->fields[i].page == f->page;
}

/* The next field on the page from i in direction dir, or i when there is none. */
static int next_field(const struct form *f, int i, int dir)
{
	for (int j = i + dir; j >= 0 && j < f->n; j += dir)
		if (on_page(f, j))
			return j;
	return i;
}

void form_show_page(struct form *f, int page)
{
	f->page = page;
	f->top = 0;
	f->editing = 0;
	if (f->n && !on_page(f, f->cur)) {
		f->cur = next_field(f, -1, 1);
		if (f->cur < 0)
			f->cur = 0;
	}
	cursor_clear();
}

/* ---- editing */

static void choice_step(struct form *f, struct form_field *fd, int dir)
{
	int n = 0, at = 0;
	if (!fd->choices)
		return;
	while (fd->choices[n]) {
		if (strcmp(fd->choices[n], fd->value) == 0)
			at = n;
		n++;
	}
	if (n)
		form_set(f, (int)(fd - f->fields), fd->choices[(at + dir + n) % n]);
}

static void begin_edit(struct form *f, struct form_field *fd, const char *initial)
{
	snprintf(f->before_edit, sizeof(f->before_edit), "%s", fd->value);
	snprintf(f->editbuf, sizeof(f->editbuf), "%s", initial);
	memset(&f->edit, 0, sizeof(f->edit));
	edit_start(&f->edit, f->editbuf, sizeof(f->editbuf));
	f->edit.digits = fd->kind == FIELD_NUMBER;
	f->editing = 1;
}

/* Ends typing; the value is checked now, so its error shows at once. */
static void end_edit(struct form *f, int keep)
{
	struct form_field *fd = &f->fields[f->cur];
	struct err e;
	f->editing = 0;
	cursor_clear();
	if (!keep)
		return;
	form_set(f, f->cur, f->editbuf);
	if (fd->setting != FIELD_NONE && changed(fd) &&
	    settings_validate(settings_get((enum setting_id)fd->setting), fd->value, &e) < 0)
		snprintf(fd->error, sizeof(fd->error), "%s", e.msg);
}

static void type_secret(struct form *f, struct form_field *fd)
{
	char buf[1100];
	if (dialog_new_password(fd->label, fd->label, buf, sizeof(buf)))
		form_set(f, (int)(fd - f->fields), buf);
	explicit_bzero(buf, sizeof(buf));
}

static int key_editing(struct form *f, int key)
{
	if (key_is_enter(key) || key == KEY_TAB) {
		end_edit(f, 1);
		return 1;
	}
	if (key == KEY_ESCAPE) {
		snprintf(f->editbuf, sizeof(f->editbuf), "%s", f->before_edit);
		end_edit(f, 0);
		return 1;
	}
	if (key == KEY_UP || key == KEY_DOWN) {
		end_edit(f, 1);
		f->cur = next_field(f, f->cur, key == KEY_UP ? -1 : 1);
		return 1;
	}
	if (key >= KEY_F0 && key <= KEY_F(63)) {
		end_edit(f, 1); /* then the key does what it does elsewhere */
		return 0;
	}
	edit_key(&f->edit, key);
	return 1; /* everything typed belongs to the field */
}

int form_key(struct form *f, int key)
{
	if (f->n == 0)
		return 0;
	if (f->editing)
		return key_editing(f, key);
	struct form_field *fd = &f->fields[f->cur];
	switch (key) {
	case KEY_UP:
	case KEY_DOWN:
		f->cur = next_field(f, f->cur, key == KEY_UP ? -1 : 1);
		return 1;
	case KEY_HOME:
		f->cur = next_field(f, -1, 1);
		return 1;
	case KEY_END:
		f->cur = next_field(f, f->n, -1);
		return 1;
	case ' ':
	case KEY_LEFT:
	case KEY_RIGHT:
		if (fd->kind == FIELD_CHECK && key == ' ')
			form_set(f, f->cur, strcmp(fd->value, "on") == 0 ? "off" : "on");
		else if (fd->kind == FIELD_CHOICE)
			choice_step(f, fd, key == KEY_LEFT ? -1 : 1);
		else
			return 0;
		return 1;
	}
	if (key_is_enter(key)) {
		switch (fd->kind) {
		case FIELD_CHECK:
			form_set(f, f->cur, strcmp(fd->value, "on") == 0 ? "off" : "on");
			break;
		case FIELD_CHOICE:
			choice_step(f, fd, 1);
			break;
		case FIELD_SECRET:
			type_secret(f, fd);
			break;
		default:
			begin_edit(f, fd, fd->value);
		}
		return 1;
	}
	if (fd->kind == FIELD_NUMBER && key < 0x80 && isdigit(key)) {
		char first[2] = { (char)key, '\0' };
		begin_edit(f, fd, first);
		return 1;
	}
	return 0;
}

/* ---- drawing */

/* What is shown under a field whose setting another operator saved meanwhile. */
static void other_note(const struct form_field *fd, char *out, size_t len)
{
	snprintf(out, len, "! another operator saved %s%s",
		 fd->kind == FIELD_SECRET ? "a new secret" : fd->other,
		 strcmp(fd->start, fd->value) != 0 ? "; apply again to save yours instead" : "");
}

/* The rows a field takes: itself, its error and another operator's value. */
static int field_rows(const struct form_field *fd, int width)
{
	char note[ERR_MSG_MAX + 64];
	int rows = 1;
	if (fd->error[0]) {
		snprintf(note, sizeof(note), "! %s", fd->error);
		rows += text_wrap(note, width - 4, NULL, NULL);
	}
	if (fd->other) {
		other_note(fd, note, sizeof(note));
		rows += text_wrap(note, width - 2, NULL, NULL);
	}
	return rows;
}

static void draw_value(struct form *f, int i, WINDOW *w, int y, int x, int width, int focused)
{
	const struct form_field *fd = &f->fields[i];
	char text[256];
	attr_t a = theme_attr(i == f->cur && focused ? ROLE_SELECTED : ROLE_FIELD);

	if (width < 1)
		return;
	if (i == f->cur && f->editing) {
		int box = fd->kind == FIELD_NUMBER && width > NUMBER_WIDTH ? NUMBER_WIDTH : width;
		edit_draw(&f->edit, w, y, x, box, 1);
		return;
	}
	switch (fd->kind) {
	case FIELD_CHECK:
		text_put(w, y, x, width, strcmp(fd->value, "on") == 0 ? "[x]" : "[ ]", 0, a);
		return;
	case FIELD_CHOICE:
		snprintf(text, sizeof(text), "< %s >", fd->value);
		text_put(w, y, x, width, text, 0, a);
		return;
	case FIELD_NUMBER:
		text_put_fill(w, y, x, width > NUMBER_WIDTH ? NUMBER_WIDTH : width, fd->value, a);
		if (width > NUMBER_WIDTH + 2) {
			snprintf(text, sizeof(text), "%ld..%ld", fd->min, fd->max);
			text_put(w, y, x + NUMBER_WIDTH + 2, width - NUMBER_WIDTH - 2, text, 0,
				 theme_attr(ROLE_DIM));
		}
		return;
	case FIELD_SECRET:
		text_put(w, y, x, width, !fd->value[0] ? "(not set)" : changed(fd) ? "(new)" : "(set)",
			 0, a);
		return;
	case FIELD_TEXT:
	case FIELD_PATH:
		/* A long value shows its end, where a path's file name is. */
		{
			int over = text_width(fd->value) - width;
			int drawn = text_put(w, y, x, width, fd->value, over > 0 ? over : 0, a);
			wattrset(w, a);
			for (int c = drawn; c < width; c++)
				mvwaddch(w, y, x + c, ' ');
			wattrset(w, A_NORMAL);
		}
		return;
	}
}

static void draw_field(struct form *f, int i, WINDOW *w, int y, int x, int width, int label_w,
		       int rows_left, int focused)
{
	const struct form_field *fd = &f->fields[i];
	attr_t label_a = theme_attr(i == f->cur ? (focused ? ROLE_NORMAL : ROLE_CURSOR) : ROLE_NORMAL);
	if (changed(fd))
		mvwaddch(w, y, x, '*' | theme_attr(ROLE_WARN));
	text_put(w, y, x + 1, label_w, fd->label, 0, label_a | (i == f->cur ? A_BOLD : 0));
	draw_value(f, i, w, y, x + 2 + label_w, width - 2 - label_w, focused);
	int row = 1;
	if (fd->error[0] && row < rows_left) {
		char line[ERR_MSG_MAX + 4];
		snprintf(line, sizeof(line), "! %s", fd->error);
		row += text_put_wrapped(w, y + row, x + 2, width - 4, rows_left - row, line,
					theme_attr(ROLE_ERROR));
	}
	if (fd->other && row < rows_left) {
		char note[ERR_MSG_MAX + 64];
		other_note(fd, note, sizeof(note));
		text_put_wrapped(w, y + row, x + 2, width - 2, rows_left - row, note,
				 theme_attr(ROLE_WARN));
	}
}

static void draw_help(struct form *f, WINDOW *w, int y, int x, int width)
{
	char help[768], type[160];
	const struct form_field *fd = f->n ? &f->fields[f->cur] : NULL;
	int row = 0;

	wattrset(w, theme_attr(ROLE_FRAME));
	mvwhline(w, y, x, ACS_HLINE, width);
	wattrset(w, A_NORMAL);
	if (f->note[0])
		row += text_put_wrapped(w, y + 1, x, width, 1, f->note, theme_attr(ROLE_WARN));
	if (!fd || !fd->help)
		return;
	if (fd->setting != FIELD_NONE) {
		const struct setting *s = settings_get((enum setting_id)fd->setting);
		settings_describe_type(s, type, sizeof(type));
		snprintf(help, sizeof(help), "%s. %s: %s%s", fd->help, s->name, type,
			 s->flags & SETTING_RESTART ? ", applied at restart" : "");
	} else {
		snprintf(help, sizeof(help), "%s", fd->help);
	}
	text_put_wrapped(w, y + 1 + row, x, width, HELP_ROWS - row, help, theme_attr(ROLE_DIM));
}

void form_draw(struct form *f, WINDOW *w, int y, int x, int h, int width, int focused)
{
	int label_w = 0, area = h - HELP_ROWS - 1;
	if (area < 1) {
		area = h;
	}
	for (int i = 0; i < f->n; i++)
		if (on_page(f, i) && text_width(f->fields[i].label) > label_w)
			label_w = text_width(f->fields[i].label);
	if (label_w > LABEL_MAX_WIDTH)
		label_w = LABEL_MAX_WIDTH;
	if (label_w > width / 2)
		label_w = width / 2;

	/* Scroll so that the field with the cursor and its notes are in view. */
	int before = 0;
	for (int i = 0; i < f->cur; i++)
		if (on_page(f, i))
			before++;
	if (f->top > before)
		f->top = before;
	for (;;) {
		int used = 0, k = 0;
		for (int i = 0; i <= f->cur && i < f->n; i++)
			if (on_page(f, i) && k++ >= f->top)
				used += field_rows(&f->fields[i], width);
		if (used <= area || f->top >= before)
			break;
		f->top++;
	}
	int row = 0, k = 0, last = -1;
	for (int i = 0; i < f->n && row < area; i++) {
		if (!on_page(f, i) || k++ < f->top)
			continue;
		draw_field(f, i, w, y + row, x, width, label_w, area - row, focused);
		row += field_rows(&f->fields[i], width);
		last = row <= area ? i : i - 1;
	}
	if (f->top > 0)
		mvwaddch(w, y, x + width - 1, ACS_UARROW | theme_attr(ROLE_DIM));
	if (next_field(f, last < 0 ? f->n : last, 1) != (last < 0 ? f->n : last))
		mvwaddch(w, y + area - 1, x + width - 1, ACS_DARROW | theme_attr(ROLE_DIM));
	if (h > area)
		draw_help(f, w, y + area, x, width);
}

int form_rows(const struct form *f, int width)
{
	int rows = HELP_ROWS + 1;
	for (int i = 0; i < f->n; i++)
		if (on_page(f, i))
			rows += field_rows(&f->fields[i], width);
	return rows;
}

const struct keybar_entry *form_keys(const struct form *f)
{
	static const struct keybar_entry editing[] = {
		{ NULL, "Enter", "Done" }, { NULL, "Esc", "Undo" }, { NULL, "^U", "Clear" }, { 0 } };
	static const struct keybar_entry check[] = { { NULL, "Space", "Toggle" }, { 0 } };
	static const struct keybar_entry choice[] = { { NULL, "Space", "Choose" }, { 0 } };
	static const struct keybar_entry text[] = { { NULL, "Enter", "Edit" }, { 0 } };
	static const struct keybar_entry secret[] = { { NULL, "Enter", "Type" }, { 0 } };
	if (f->n == 0)
		return editing + 3;
	if (f->editing)
		return editing;
	switch (f->fields[f->cur].kind) {
	case FIELD_CHECK:
		return check;
	case FIELD_CHOICE:
		return choice;
	case FIELD_SECRET:
		return secret;
	default:
		return text;
	}
}
