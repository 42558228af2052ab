/* text.h - keys as the terminal sends them, UTF-8 text drawn clipped to
 * a width, the terminal's cursor, and a one-line editor. */
#ifndef WEBMSG_ADMIN_WIDGETS_TEXT_H
#define WEBMSG_ADMIN_WIDGETS_TEXT_H

#include <curses.h>
#include <stddef.h>

/* Keys: curses key codes; typed characters arrive as bytes (UTF-8 a byte at a time). */
#define KEY_ESCAPE 27
#define KEY_TAB '\t'
#define KEY_CTRL(c) ((c) & 0x1f)
/* Enter as terminals send it. */
int key_is_enter(int key);

/* Text: UTF-8 drawn clipped to a width; control and undecodable bytes are
 * shown as '?', so no text can move the cursor. */
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

/* The terminal's cursor: shown only where something is being typed. Widgets
 * ask for it while drawing; the frame places it last. */
void cursor_request(WINDOW *w, int y, int x);
void cursor_clear(void);
/* After every wnoutrefresh of a frame, before doupdate. */
void cursor_place(void);

/* A one-line editor. */
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

#endif
