/* textview.c - paragraphs of text in roles (an OK line, a failure, a
 * hint indented under it), wrapped to the width and scrolled. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "widgets/text.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

void textview_clear(struct textview *tv)
{
	for (int i = 0; i < tv->n; i++)
		free(tv->paras[i].text);
	free(tv->paras);
	tv->paras = NULL;
	tv->n = tv->cap = tv->scroll = 0;
}

int textview_add(struct textview *tv, enum role role, int indent, const char *fmt, ...)
{
	va_list ap;
	char *text;
	if (tv->n == tv->cap) {
		int cap = tv->cap ? tv->cap * 2 : 16;
		struct textview_para *p = realloc(tv->paras, (size_t)cap * sizeof(*p));
		if (!p)
			return -1;
		tv->paras = p;
		tv->cap = cap;
	}
	va_start(ap, fmt);
	int rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	tv->paras[tv->n++] = (struct textview_para){ text, role, indent };
	return 0;
}

struct draw_state {
	WINDOW *w;
	int y, x, h, width, indent;
	int row; /* rows so far, counted from the first paragraph */
	int first;
	attr_t a;
};

static void line(const char *s, size_t len, void *arg)
{
	struct draw_state *d = arg;
	char buf[1024];
	int at = d->row++ - d->first;
	if (at < 0 || at >= d->h)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, s);
	text_put(d->w, d->y + at, d->x + d->indent, d->width - d->indent, buf, 0, d->a);
}

void textview_draw(struct textview *tv, WINDOW *w, int y, int x, int h, int width)
{
	int total = 0;
	for (int i = 0; i < tv->n; i++)
		total += text_wrap(tv->paras[i].text, width - 1 - tv->paras[i].indent, NULL, NULL);
	if (tv->scroll > total - h)
		tv->scroll = total - h > 0 ? total - h : 0;
	tv->rows = h;
	struct draw_state d = { w, y, x, h, width - 1, 0, 0, tv->scroll, 0 };
	for (int i = 0; i < tv->n && d.row - d.first < h; i++) {
		d.indent = tv->paras[i].indent;
		d.a = theme_attr(tv->paras[i].role);
		text_wrap(tv->paras[i].text, width - 1 - d.indent, line, &d);
	}
	if (tv->scroll > 0)
		mvwaddch(w, y, x + width - 1, ACS_UARROW | theme_attr(ROLE_DIM));
	if (tv->scroll + h < total)
		mvwaddch(w, y + h - 1, x + width - 1, ACS_DARROW | theme_attr(ROLE_DIM));
}

int textview_key(struct textview *tv, int key)
{
	int page = tv->rows > 1 ? tv->rows - 1 : 1;
	switch (key) {
	case KEY_UP:
		tv->scroll--;
		break;
	case KEY_DOWN:
		tv->scroll++;
		break;
	case KEY_PPAGE:
		tv->scroll -= page;
		break;
	case KEY_NPAGE:
		tv->scroll += page;
		break;
	case KEY_HOME:
		tv->scroll = 0;
		break;
	case KEY_END:
		tv->scroll = 1 << 20;
		break;
	default:
		return 0;
	}
	if (tv->scroll < 0)
		tv->scroll = 0;
	return 1;
}
