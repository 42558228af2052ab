/* keybar.h - the keys of a screen on one line. */
#ifndef WEBMSG_ADMIN_WIDGETS_KEYBAR_H
#define WEBMSG_ADMIN_WIDGETS_KEYBAR_H

#include <curses.h>

struct keybar_entry {
	const char *fkey;   /* "F2", or NULL */
	const char *letter; /* "a", or a name such as "Tab" */
	const char *label;  /* "Apply" */
};
/* Draws the entries (ended by one with a NULL label) on one line, shortening
 * them when they do not fit: first without the F-key names, then fewer. */
void keybar_draw(WINDOW *w, int y, int width, const struct keybar_entry *entries);

#endif
