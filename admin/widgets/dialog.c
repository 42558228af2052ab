/* dialog.c - modal dialogs in the middle of the screen: a message, a
 * choice of buttons, a line of input, a password typed twice, a progress
 * note. Each runs its own key loop; what is behind it is drawn again on
 * every turn through the background function, so resizes are followed. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "widgets/dialog.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define DIALOG_MAX_WIDTH 76
#define DIALOG_MIN_WIDTH 36

static void (*background)(void *arg);
static void *background_arg;

void dialog_set_background(void (*draw)(void *arg), void *arg)
{
	background = draw;
	background_arg = arg;
}

/* Plain curses until the owner hands over its own reader. */
static int curses_key(int timeout_ms)
{
	timeout(timeout_ms);
	return getch();
}

static int (*read_key)(int timeout_ms) = curses_key;

void dialog_set_input(int (*key)(int timeout_ms))
{
	read_key = key ? key : curses_key;
}

struct dialog {
	const char *title;
	const char *text;
	enum role role;
	const char *const *buttons;
	int button;
	struct edit *edit; /* an input line, or NULL */
	int scroll;
	int text_rows; /* rows of text shown, set by draw */
};

static int text_lines(const char *text, int width)
{
	return text && *text ? text_wrap(text, width, NULL, NULL) : 0;
}

struct lines_from {
	WINDOW *w;
	int y, x, width, skip, rows, row;
	attr_t a;
};

static void put_line(const char *line, size_t len, void *arg)
{
	struct lines_from *l = arg;
	char buf[1024];
	int i = l->row++ - l->skip;
	if (i < 0 || i >= l->rows)
		return;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
	text_put(l->w, l->y + i, l->x, l->width, buf, 0, l->a);
}

/* Draws the dialog over what is behind it and shows the frame. */
static void dialog_draw(struct dialog *d)
{
	cursor_clear();
	if (background)
		background(background_arg);
	else
		wnoutrefresh(stdscr);

	int width = COLS - 4 < DIALOG_MAX_WIDTH ? COLS - 4 : DIALOG_MAX_WIDTH;
	if (!d->edit) {
		/* A short message gets a narrower box, wide enough for its buttons. */
		int want = (d->text ? text_width(d->text) : 0) + 6, buttons = 4;
		for (int n = 0; d->buttons[n]; n++)
			buttons += (int)strlen(d->buttons[n]) + 5;
		if (want < buttons)
			want = buttons;
		if (want < DIALOG_MIN_WIDTH)
			want = DIALOG_MIN_WIDTH;
		if (want < width)
			width = want;
	}
	if (width < 10)
		width = COLS;
	int inner = width - 4;
	int lines = text_lines(d->text, inner);
	int fixed = 4 + (d->edit ? 2 : 0);
	int height = lines + fixed;
	if (height > LINES - 2)
		height = LINES - 2 > fixed + 1 ? LINES - 2 : fixed + 1;
	d->text_rows = height - fixed;
	if (d->scroll > lines - d->text_rows)
		d->scroll = lines - d->text_rows > 0 ? lines - d->text_rows : 0;

	WINDOW *w = newwin(height, width, (LINES - height) / 2, (COLS - width) / 2);
	if (!w) {
		doupdate();
		return;
	}
	keypad(w, TRUE);
	wbkgdset(w, ' ' | theme_attr(ROLE_NORMAL));
	werase(w);
	wattrset(w, theme_attr(d->role == ROLE_NORMAL ? ROLE_FRAME : d->role));
	box(w, 0, 0);
	wattrset(w, A_NORMAL);
	if (d->title) {
		char title[128];
		snprintf(title, sizeof(title), " %s ", d->title);
		text_put(w, 0, 2, width - 4, title, 0, theme_attr(ROLE_TITLE));
	}
	struct lines_from l = { w, 1, 2, inner, d->scroll, d->text_rows, 0,
				theme_attr(d->role) };
	if (d->text)
		text_wrap(d->text, inner, put_line, &l);
	if (d->scroll > 0)
		mvwaddch(w, 1, width - 2, ACS_UARROW);
	if (d->scroll + d->text_rows < lines)
		mvwaddch(w, d->text_rows, width - 2, ACS_DARROW);
	if (d->edit)
		edit_draw(d->edit, w, d->text_rows + 2, 2, inner, 1);
	/* The buttons, right-aligned on the last row inside the box. */
	int col = width - 2;
	for (int n = 0; d->buttons[n]; n++)
		col -= (int)strlen(d->buttons[n]) + 4 + 1;
	if (col < 2)
		col = 2;
	for (int n = 0; d->buttons[n]; n++) {
		char label[64];
		snprintf(label, sizeof(label), "< %s >", d->buttons[n]);
		col += text_put(w, height - 2, col, width - 2 - col, label, 0,
				theme_attr(n == d->button ? ROLE_SELECTED : ROLE_NORMAL)) + 1;
	}
	wnoutrefresh(w);
	cursor_place();
	doupdate();
	delwin(w);
}

/* Runs the dialog until a button is chosen; returns its index, or -1 for Esc. */
static int dialog_run(struct dialog *d)
{
	int nbuttons = 0;
	while (d->buttons[nbuttons])
		nbuttons++;
	for (;;) {
		dialog_draw(d);
		int key = read_key(-1);
		if (key == ERR || key == KEY_RESIZE)
			continue;
		if (key == KEY_ESCAPE)
			return -1;
		if (key_is_enter(key))
			return d->button;
		if (d->edit && edit_key(d->edit, key))
			continue;
		switch (key) {
		case KEY_LEFT:
		case KEY_BTAB:
			d->button = (d->button + nbuttons - 1) % nbuttons;
			continue;
		case KEY_RIGHT:
		case KEY_TAB:
			d->button = (d->button + 1) % nbuttons;
			continue;
		case KEY_UP:
			d->scroll = d->scroll > 0 ? d->scroll - 1 : 0;
			continue;
		case KEY_DOWN:
			d->scroll++;
			continue;
		case KEY_PPAGE:
			d->scroll = d->scroll > d->text_rows ? d->scroll - d->text_rows : 0;
			continue;
		case KEY_NPAGE:
			d->scroll += d->text_rows;
			continue;
		}
		for (int n = 0; n < nbuttons && !d->edit && key < 0x80; n++)
			if (tolower(key) == tolower((unsigned char)d->buttons[n][0]))
				return n;
	}
}

void dialog_message(const char *title, const char *text)
{
	static const char *const ok[] = { "OK", NULL };
	struct dialog d = { .title = title, .text = text, .role = ROLE_NORMAL, .buttons = ok };
	dialog_run(&d);
}

void dialog_error(const char *title, const char *text)
{
	static const char *const ok[] = { "OK", NULL };
	struct dialog d = { .title = title, .text = text, .role = ROLE_ERROR, .buttons = ok };
	dialog_run(&d);
}

int dialog_choice(const char *title, const char *text, const char *const *buttons, int def)
{
	struct dialog d = { .title = title, .text = text, .role = ROLE_NORMAL, .buttons = buttons,
			    .button = def };
	return dialog_run(&d);
}

int dialog_confirm(const char *title, const char *text)
{
	static const char *const yes_no[] = { "Yes", "No", NULL };
	return dialog_choice(title, text, yes_no, 1) == 0;
}

static int input(const char *title, const char *prompt, char *buf, size_t cap, int secret)
{
	static const char *const ok_cancel[] = { "OK", "Cancel", NULL };
	struct edit ed = { 0 };
	edit_start(&ed, buf, cap);
	ed.secret = secret;
	struct dialog d = { .title = title, .text = prompt, .role = ROLE_NORMAL,
			    .buttons = ok_cancel, .edit = &ed };
	int rc = dialog_run(&d) == 0;
	cursor_clear();
	return rc;
}

int dialog_input(const char *title, const char *prompt, char *buf, size_t cap)
{
	return input(title, prompt, buf, cap, 0);
}

int dialog_new_password(const char *title, const char *what, char *buf, size_t cap)
{
	char again[1100], prompt[512];
	int rc = 0;
	if (cap > sizeof(again))
		cap = sizeof(again);
	for (;;) {
		buf[0] = again[0] = '\0';
		snprintf(prompt, sizeof(prompt), "%s (what you type is not shown):", what);
		if (!input(title, prompt, buf, cap, 1))
			break;
		if (!buf[0]) {
			dialog_error(title, "An empty password is not accepted.");
			continue;
		}
		if (!input(title, "Again, to be sure:", again, cap, 1))
			break;
		if (strcmp(buf, again) == 0) {
			rc = 1;
			break;
		}
		dialog_error(title, "The two passwords differ. Type them again.");
	}
	explicit_bzero(again, sizeof(again));
	if (!rc)
		explicit_bzero(buf, cap);
	return rc;
}

void dialog_progress(const char *title, const char *text)
{
	static const char *const none[] = { NULL };
	struct dialog d = { .title = title, .text = text, .role = ROLE_NORMAL, .buttons = none };
	dialog_draw(&d);
}
