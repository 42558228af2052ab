/* list.h - a scrolling list of rows with a cursor. */
#ifndef WEBMSG_ADMIN_WIDGETS_LIST_H
#define WEBMSG_ADMIN_WIDGETS_LIST_H

#include <curses.h>

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

#endif
