/* form.h - fields built from the settings table, or of a screen's own,
 * edited in place. Nothing is saved by editing: the owner of the form saves. */
#ifndef WEBMSG_ADMIN_WIDGETS_FORM_H
#define WEBMSG_ADMIN_WIDGETS_FORM_H

#include <curses.h>
#include <stddef.h>

#include "webmsg/err.h"

#include "widgets/keybar.h"
#include "widgets/text.h"

enum field_kind {
	FIELD_CHECK,  /* a check box: "on" / "off"; Space toggles */
	FIELD_CHOICE, /* one of choices; Space, Left, Right cycle */
	FIELD_NUMBER, /* digits within [min, max] */
	FIELD_TEXT,
	FIELD_PATH,   /* a file or folder that must exist (relative: to the database's folder) */
	FIELD_SECRET, /* typed twice without echo in a dialog; shown as set or not */
};

#define FIELD_NONE (-1) /* a field that is not a setting */

struct form_field {
	const char *label;
	enum field_kind kind;
	int setting;                /* enum setting_id, or FIELD_NONE */
	int page;                   /* the tab that shows it */
	const char *help;
	const char *const *choices; /* FIELD_CHOICE, NULL-terminated */
	long min, max;              /* FIELD_NUMBER */
	char *start;                /* the value the form was filled with (or last saved) */
	char *value;                /* the value as edited */
	char *other;                /* another operator's value, saved meanwhile; or NULL */
	char error[ERR_MSG_MAX];    /* shown under the field; "" when none */
};

struct form {
	struct form_field *fields;
	int n, cap;
	int cur;     /* the field with the cursor */
	int top;     /* the first row shown */
	int page;    /* the tab shown */
	int editing; /* the cursor's field is being typed into */
	struct edit edit;
	char editbuf[4096];
	char before_edit[4096]; /* for Esc */
	char note[ERR_MSG_MAX]; /* a line above the help: the last apply's trouble */
};

/* A field of the screen's own (setting FIELD_NONE); value "" to start with. */
int form_add(struct form *f, const char *label, enum field_kind kind, int page,
	     const char *help);
/* A field for a setting: its kind, range, choices and help from the table. */
int form_add_setting(struct form *f, int setting, const char *label, int page);
/* Sets a field's value and its start: nothing changed yet. */
int form_reset(struct form *f, int i, const char *value);
const char *form_value(const struct form *f, int i);
/* How many fields differ from their start. */
int form_dirty(const struct form *f);
void form_free(struct form *f);
void form_show_page(struct form *f, int page);
/* Keys for the field with the cursor; 1 when used. */
int form_key(struct form *f, int key);
/* Draws the visible page's fields in (y, x, h, width): the last two rows
 * hold the help of the field with the cursor. */
void form_draw(struct form *f, WINDOW *w, int y, int x, int h, int width, int focused);
/* The rows the page shown needs: its fields with their notes, and the help. */
int form_rows(const struct form *f, int width);
/* The key bar entries that fit what the cursor is on (ended by a NULL label). */
const struct keybar_entry *form_keys(const struct form *f);

#endif
