/* tabs.h - a row of tab labels with the current one marked. */
#ifndef WEBMSG_ADMIN_WIDGETS_TABS_H
#define WEBMSG_ADMIN_WIDGETS_TABS_H

#include <curses.h>

void tabs_draw(WINDOW *w, int y, int x, int width, const char *const *labels, int n, int cur);

#endif
