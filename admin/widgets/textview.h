/* textview.h - paragraphs, each wrapped and in its role, scrolled with the
 * arrows and the page keys. */
#ifndef WEBMSG_ADMIN_WIDGETS_TEXTVIEW_H
#define WEBMSG_ADMIN_WIDGETS_TEXTVIEW_H

#include <curses.h>

#include "widgets/theme.h"

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

#endif
