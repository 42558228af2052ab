/* list.c - a list of rows with a cursor, scrolled to keep it in view.
 * The owner draws each row; the list picks the attribute and the rows shown. */
#include "widgets/list.h"
#include "widgets/text.h"
#include "widgets/theme.h"

void list_set_count(struct list *l, int n)
{
	l->n = n;
	if (n == 0)
		l->cur = -1;
	else if (l->cur < 0)
		l->cur = 0;
	else if (l->cur >= n)
		l->cur = n - 1;
	if (l->top > l->cur)
		l->top = l->cur < 0 ? 0 : l->cur;
}

int list_key(struct list *l, int key, int page)
{
	int to = l->cur;
	if (page < 1)
		page = 1;
	switch (key) {
	case KEY_UP:
		to--;
		break;
	case KEY_DOWN:
		to++;
		break;
	case KEY_PPAGE:
		to -= page;
		break;
	case KEY_NPAGE:
		to += page;
		break;
	case KEY_HOME:
		to = 0;
		break;
	case KEY_END:
		to = l->n - 1;
		break;
	default:
		return 0;
	}
	if (l->n == 0)
		return 1;
	l->cur = to < 0 ? 0 : to >= l->n ? l->n - 1 : to;
	return 1;
}

void list_draw(struct list *l, WINDOW *w, int y, int x, int h, int width, int focused,
	       list_row_fn row, void *arg)
{
	if (h < 1)
		return;
	if (l->cur >= 0 && l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + h)
		l->top = l->cur - h + 1;
	if (l->top > 0 && l->top + h > l->n)
		l->top = l->n - h > 0 ? l->n - h : 0;
	for (int i = 0; i < h && l->top + i < l->n; i++) {
		int r = l->top + i;
		attr_t a = r != l->cur ? theme_attr(ROLE_NORMAL)
			   : focused   ? theme_attr(ROLE_SELECTED)
				       : theme_attr(ROLE_CURSOR);
		if (r == l->cur)
			text_put_fill(w, y + i, x, width, "", a);
		row(w, y + i, x, width, r, a, arg);
	}
	/* Where more rows are, an arrow at the right edge says so. */
	if (l->top > 0)
		mvwaddch(w, y, x + width - 1, ACS_UARROW | theme_attr(ROLE_DIM));
	if (l->top + h < l->n)
		mvwaddch(w, y + h - 1, x + width - 1, ACS_DARROW | theme_attr(ROLE_DIM));
}
