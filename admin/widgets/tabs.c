/* tabs.c - a row of tab labels, the current one selected:
 * " General | Advanced ". */
#include <stdio.h>

#include "widgets/tabs.h"
#include "widgets/text.h"
#include "widgets/theme.h"

void tabs_draw(WINDOW *w, int y, int x, int width, const char *const *labels, int n, int cur)
{
	int col = 0;
	for (int i = 0; i < n && col < width; i++) {
		if (i > 0) {
			mvwaddch(w, y, x + col, ACS_VLINE | theme_attr(ROLE_FRAME));
			col++;
		}
		char label[64];
		snprintf(label, sizeof(label), " %s ", labels[i]);
		col += text_put(w, y, x + col, width - col, label, 0,
				theme_attr(i == cur ? ROLE_SELECTED : ROLE_NORMAL));
	}
	wattrset(w, theme_attr(ROLE_FRAME));
	if (col < width)
		mvwhline(w, y + 1, x, ACS_HLINE, width);
	wattrset(w, A_NORMAL);
}
