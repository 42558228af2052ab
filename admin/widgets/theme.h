/* theme.h - colours as roles, declared once; monochrome terminals get
 * attributes instead. */
#ifndef WEBMSG_ADMIN_WIDGETS_THEME_H
#define WEBMSG_ADMIN_WIDGETS_THEME_H

#include <curses.h>

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

#endif
