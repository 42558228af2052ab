/* widgets.h - the console's shared widgets: semantic colours, clipped text,
 * a line editor, list, tree, form, tabs, dialogs and the key bar. Widgets
 * draw what they are given into a curses window; none of them reads the
 * database except the form's apply (widget_form_apply.c), which goes through
 * config.h like every other writer. */
#ifndef WEBMSG_ADMIN_WIDGETS_H
#define WEBMSG_ADMIN_WIDGETS_H

#include <curses.h>
#include <stddef.h>

#include "webmsg/err.h"

/* ---- keys: curses key codes; typed characters arrive as bytes (UTF-8 a byte at a time) */
#define KEY_ESCAPE 27
#define KEY_TAB '\t'
#define KEY_CTRL(c) ((c) & 0x1f)
/* Enter as terminals send it. */
int key_is_enter(int key);

/* ---- colours as roles (widget_theme.c); monochrome terminals get attributes */
enum role {
	ROLE_NORMAL,
	ROLE_TITLE,    /* the title line */
	ROLE_FRAME,    /* boxes */
	ROLE_SELECTED, /* the cursor of the widget that has the focus */
	ROLE_CURSOR,   /* the cursor of a widget without the focus */
	ROLE_FIELD,    /* an input field */
	ROLE_ERROR,
	ROLE_OK,
	ROLE_WARN,
	ROLE_KEY,      /* a key's name in the key bar */
	ROLE_KEYTEXT,  /* what the key does */
	ROLE_MATCH,    /* a search match */
	ROLE_DIM,      /* notes, help */
	ROLE_COUNT
};
void theme_init(void);
attr_t theme_attr(enum role r);

/* ---- text (widget_text.c): UTF-8 drawn clipped to a width; control and
 * undecodable bytes are shown as '?', so no text can move the cursor. */
int text_width(const char *s);
/* Draws s at (y, x) in at most width columns, after skipping `skip` columns;
 * returns the columns drawn. */
int text_put(WINDOW *w, int y, int x, int width, const char *s, int skip, attr_t a);
/* Like text_put, then spaces in a up to width. */
void text_put_fill(WINDOW *w, int y, int x, int width, const char *s, attr_t a);
/* Breaks s into lines of at most width columns at spaces (and at '\n');
 * calls fn for each line (not NUL-terminated) and returns how many there are. */
int text_wrap(const char *s, int width, void (*fn)(const char *line, size_t len, void *arg),
	      void *arg);
/* Draws s wrapped from row y, at most max_rows rows; returns the rows used. */
int text_put_wrapped(WINDOW *w, int y, int x, int width, int max_rows, const char *s,
		     attr_t a);
/* "label   value" from row y: the value wrapped in the columns after
 * label_w; returns the rows used (at most max_rows). */
int text_label_value(WINDOW *w, int y, int width, int label_w, int max_rows, const char *label,
		     const char *value, attr_t a);
/* Case-insensitive search for ASCII needles in s. */
const char *text_find(const char *s, const char *needle);

/* ---- the terminal's cursor (widget_text.c): shown only where something is
 * being typed. Widgets ask for it while drawing; the frame places it last. */
void cursor_request(WINDOW *w, int y, int x);
void cursor_clear(void);
/* After every wnoutrefresh of a frame, before doupdate. */
void cursor_place(void);

/* ---- a one-line editor (widget_text.c) */
struct edit {
	char *buf; /* owned by the caller, NUL-terminated */
	size_t cap;
	size_t pos;    /* the cursor, a byte offset at a character boundary */
	int digits;    /* accepts only digits (and '-' first) */
	int secret;    /* nothing typed is shown */
};
void edit_start(struct edit *ed, char *buf, size_t cap);
/* 1 when the key changed the text or moved the cursor. */
int edit_key(struct edit *ed, int key);
/* Draws the field and, when active, puts the cursor in it. */
void edit_draw(const struct edit *ed, WINDOW *w, int y, int x, int width, int active);

/* ---- list (widget_list.c): a scrolling list of rows with a cursor */
struct list {
	int n;   /* rows */
	int cur; /* the cursor, -1 when empty */
	int top; /* first row shown */
};
typedef void (*list_row_fn)(WINDOW *w, int y, int x, int width, int row, attr_t a, void *arg);
void list_set_count(struct list *l, int n);
/* Up, Down, PgUp, PgDn, Home, End; page is the rows shown. 1 when used. */
int list_key(struct list *l, int key, int page);
/* Draws rows in (y, x, h, width); a is ROLE_SELECTED on the cursor when focused. */
void list_draw(struct list *l, WINDOW *w, int y, int x, int h, int width, int focused,
	       list_row_fn row, void *arg);

/* ---- text view (widget_textview.c): paragraphs, each wrapped and in its
 * role, scrolled with the arrows and the page keys */
struct textview_para {
	char *text;
	enum role role;
	int indent;
};
struct textview {
	struct textview_para *paras;
	int n, cap;
	int scroll; /* the first row shown */
	int rows;   /* rows of the last drawing, for the page keys */
};
void textview_clear(struct textview *tv);
int textview_add(struct textview *tv, enum role role, int indent, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void textview_draw(struct textview *tv, WINDOW *w, int y, int x, int h, int width);
int textview_key(struct textview *tv, int key);

/* ---- tree (widget_tree.c): the console's left side */
#define TREE_LABEL_MAX 96
#define TREE_ARG_MAX 256
struct tree_node {
	char label[TREE_LABEL_MAX];
	int depth;
	int kind;               /* what the owner makes of it */
	char arg[TREE_ARG_MAX]; /* a domain name, for instance */
	int collapsed;
};
struct tree {
	struct tree_node *nodes;
	int n, cap;
	int cur;
	int top;
};
int tree_add(struct tree *t, int depth, int kind, const char *label, const char *arg);
void tree_clear(struct tree *t);
void tree_free(struct tree *t);
/* The index of the node of that kind and arg, or -1. */
int tree_find(const struct tree *t, int kind, const char *arg);
/* Up, Down, Home, End, PgUp, PgDn, Left (collapse or go to the parent),
 * Right (expand). 1 when used. */
int tree_key(struct tree *t, int key, int page);
void tree_draw(struct tree *t, WINDOW *w, int y, int x, int h, int width, int focused);

/* ---- tabs (widget_tabs.c) */
void tabs_draw(WINDOW *w, int y, int x, int width, const char *const *labels, int n, int cur);

/* ---- key bar (widget_keybar.c) */
struct keybar_entry {
	const char *fkey;   /* "F2", or NULL */
	const char *letter; /* "a", or a name such as "Tab" */
	const char *label;  /* "Apply" */
};
/* Draws the entries (ended by one with a NULL label) on one line, shortening
 * them when they do not fit: first without the F-key names, then fewer. */
void keybar_draw(WINDOW *w, int y, int width, const struct keybar_entry *entries);

/* ---- form (widget_form.c): fields built from the settings table, or of a
 * screen's own. Nothing is saved by editing: form_apply saves. */
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

/* ---- form_apply (widget_form_apply.c) */
struct db;
struct config_snapshot;
struct apply_outcome;
enum form_result {
	FORM_UNCHANGED, /* nothing to save */
	FORM_INVALID,   /* errors are shown under the fields; nothing saved */
	FORM_CONFLICT,  /* another operator saved some of them meanwhile; shown, nothing saved */
	FORM_FAILED,    /* e says why */
	FORM_SAVED,     /* o says what the daemon made of it */
};
/* Fills the setting fields from cfg; start and value alike. */
void form_fill(struct form *f, const struct config_snapshot *cfg);
/* Validates, compares with the configuration saved now, then saves the
 * changed setting fields as one version through apply_changes. */
enum form_result form_apply(struct form *f, struct db *db, struct apply_outcome *o,
			    struct err *e);

/* ---- dialogs (widget_dialog.c): modal, centred, redrawing what is behind
 * them (and following resizes) through the background function. */
void dialog_set_background(void (*draw)(void *arg), void *arg);
/* Text wrapped to fit, scrolled when long; Enter or Esc closes. */
void dialog_message(const char *title, const char *text);
/* Like dialog_message, in the error role. */
void dialog_error(const char *title, const char *text);
/* Buttons (NULL-terminated) chosen with arrows, Tab, Enter or their first
 * letter; returns the index, or -1 for Esc. */
int dialog_choice(const char *title, const char *text, const char *const *labels, int def);
/* 1 for yes, 0 for no or Esc. */
int dialog_confirm(const char *title, const char *text);
/* A line typed into buf (which holds the initial value); 1 when Enter. */
int dialog_input(const char *title, const char *prompt, char *buf, size_t cap);
/* A password typed twice without echo; 1 when both match and are not empty,
 * 0 when cancelled (mismatches are said and asked again). */
int dialog_new_password(const char *title, const char *what, char *buf, size_t cap);
/* Draws a note and returns at once, for work that makes the operator wait. */
void dialog_progress(const char *title, const char *text);

#endif
