/* text.c - text in a terminal cell grid: UTF-8 measured and clipped
 * to a width, wrapped at spaces, and edited on one line. Control characters
 * and bytes that do not decode are drawn as '?', so text from a log or a
 * certificate can never move the cursor or change the terminal's state. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "widgets/text.h"
#include "widgets/theme.h"

int key_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static int key_is_backspace(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == KEY_CTRL('h');
}

/* The character at s: its byte length in *len and its width; bad is set for
 * what is drawn as '?' (width 1). */
static int char_at(const char *s, size_t *len, int *bad)
{
	mbstate_t st;
	wchar_t wc;
	memset(&st, 0, sizeof(st));
	size_t n = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &st);
	*bad = 0;
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*len = 1;
		*bad = 1;
		return 1;
	}
	*len = n;
	int w = wcwidth(wc);
	if (w < 0 || iswcntrl((wint_t)wc)) {
		*bad = wc != L'\t';
		return 1;
	}
	return w;
}

int text_width(const char *s)
{
	int w = 0, bad;
	size_t n;
	for (; *s; s += n)
		w += char_at(s, &n, &bad);
	return w;
}

int text_put(WINDOW *w, int y, int x, int width, const char *s, int skip, attr_t a)
{
	int col = 0, drawn = 0, bad;
	size_t n;

	if (width <= 0 || !s)
		return 0;
	wattrset(w, a);
	wmove(w, y, x);
	for (; *s; s += n) {
		int cw = char_at(s, &n, &bad);
		if (col < skip) {
			col += cw;
			continue;
		}
		if (drawn + cw > width)
			break;
		if (bad)
			waddch(w, '?');
		else if (*s == '\t')
			waddch(w, ' ');
		else
			waddnstr(w, s, (int)n);
		drawn += cw;
	}
	wattrset(w, A_NORMAL);
	return drawn;
}

void text_put_fill(WINDOW *w, int y, int x, int width, const char *s, attr_t a)
{
	int drawn = text_put(w, y, x, width, s, 0, a);
	wattrset(w, a);
	for (int i = drawn; i < width; i++)
		mvwaddch(w, y, x + i, ' ');
	wattrset(w, A_NORMAL);
}

int text_wrap(const char *s, int width, void (*fn)(const char *line, size_t len, void *arg),
	      void *arg)
{
	int lines = 0, bad;
	size_t n;

	if (width < 1)
		width = 1;
	for (;; lines++) {
		const char *start = s, *space = NULL;
		int w = 0;
		while (*s && *s != '\n') {
			int cw = char_at(s, &n, &bad);
			if (*s == ' ')
				space = s;
			if (w + cw > width && s > start)
				break;
			w += cw;
			s += n;
		}
		if (*s && *s != '\n') {
			/* Full: break at the last space, which is not shown. */
			const char *end = space && space > start ? space : s;
			if (fn)
				fn(start, (size_t)(end - start), arg);
			s = end == space ? space + 1 : s;
			continue;
		}
		if (fn)
			fn(start, (size_t)(s - start), arg);
		if (!*s++)
			return lines + 1;
	}
}

struct wrapped_draw {
	WINDOW *w;
	int y, x, width, max, row;
	attr_t a;
};

static void draw_wrapped_line(const char *line, size_t len, void *arg)
{
	struct wrapped_draw *d = arg;
	char buf[1024];
	if (d->row >= d->max)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
	text_put(d->w, d->y + d->row, d->x, d->width, buf, 0, d->a);
	d->row++;
}

int text_put_wrapped(WINDOW *w, int y, int x, int width, int max_rows, const char *s, attr_t a)
{
	struct wrapped_draw d = { w, y, x, width, max_rows, 0, a };
	text_wrap(s, width, draw_wrapped_line, &d);
	return d.row;
}

int text_label_value(WINDOW *w, int y, int width, int label_w, int max_rows, const char *label,
		     const char *value, attr_t a)
{
	if (max_rows < 1)
		return 0;
	text_put(w, y, 0, label_w, label, 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	return text_put_wrapped(w, y, label_w + 1, width - label_w - 1, max_rows, value, a);
}

const char *text_find(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return NULL;
	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* ---- the cursor */

/* Screen coordinates: the window asking may be gone when the frame ends. */
static struct {
	int wanted;
	int y, x;
} cursor;

void cursor_request(WINDOW *w, int y, int x)
{
	int by, bx;
	getbegyx(w, by, bx);
	cursor.wanted = 1;
	cursor.y = by + y;
	cursor.x = bx + x;
}

void cursor_clear(void)
{
	cursor.wanted = 0;
}

void cursor_place(void)
{
	if (!cursor.wanted) {
		curs_set(0);
		return;
	}
	setsyx(cursor.y, cursor.x);
	curs_set(1);
}

/* ---- the line editor */

void edit_start(struct edit *ed, char *buf, size_t cap)
{
	ed->buf = buf;
	ed->cap = cap;
	ed->pos = strlen(buf);
}

static int continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static void insert(struct edit *ed, char c)
{
	size_t len = strlen(ed->buf);
	if (len + 1 >= ed->cap)
		return;
	memmove(ed->buf + ed->pos + 1, ed->buf + ed->pos, len - ed->pos + 1);
	ed->buf[ed->pos++] = c;
}

static size_t next_char(const struct edit *ed, size_t pos)
{
	if (!ed->buf[pos])
		return pos;
	pos++;
	while (ed->buf[pos] && continuation(ed->buf[pos]))
		pos++;
	return pos;
}

static size_t prev_char(const struct edit *ed, size_t pos)
{
	while (pos > 0 && continuation(ed->buf[--pos]))
		;
	return pos;
}

static void cut(struct edit *ed, size_t from, size_t to)
{
	memmove(ed->buf + from, ed->buf + to, strlen(ed->buf + to) + 1);
	ed->pos = from;
}

int edit_key(struct edit *ed, int key)
{
	if (key_is_backspace(key)) {
		if (ed->pos > 0)
			cut(ed, prev_char(ed, ed->pos), ed->pos);
		return 1;
	}
	switch (key) {
	case KEY_DC:
		cut(ed, ed->pos, next_char(ed, ed->pos));
		return 1;
	case KEY_LEFT:
		ed->pos = prev_char(ed, ed->pos);
		return 1;
	case KEY_RIGHT:
		ed->pos = next_char(ed, ed->pos);
		return 1;
	case KEY_HOME:
	case KEY_CTRL('a'):
		ed->pos = 0;
		return 1;
	case KEY_END:
	case KEY_CTRL('e'):
		ed->pos = strlen(ed->buf);
		return 1;
	case KEY_CTRL('u'):
		cut(ed, 0, strlen(ed->buf));
		return 1;
	case KEY_CTRL('k'):
		ed->buf[ed->pos] = '\0';
		return 1;
	}
	if (key < 0x20 || key == 0x7f || key > 0xff)
		return 0;
	if (ed->digits && !isdigit(key) && !(key == '-' && ed->pos == 0))
		return 1; /* swallowed: a number field takes nothing else */
	insert(ed, (char)key);
	return 1;
}

void edit_draw(const struct edit *ed, WINDOW *w, int y, int x, int width, int active)
{
	attr_t a = theme_attr(ROLE_FIELD);
	char before[4096];
	int col = 0, skip = 0;

	if (width < 1)
		return;
	if (!ed->secret) {
		snprintf(before, sizeof(before), "%.*s", (int)ed->pos, ed->buf);
		col = text_width(before);
		if (col >= width)
			skip = col - width + 1;
	}
	int drawn = ed->secret ? 0 : text_put(w, y, x, width, ed->buf, skip, a);
	wattrset(w, a);
	for (int i = drawn; i < width; i++)
		mvwaddch(w, y, x + i, ' ');
	wattrset(w, A_NORMAL);
	if (active)
		cursor_request(w, y, x + col - skip);
}
