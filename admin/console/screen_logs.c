/* screen_logs.c - the daemon's log: its end when opened, new lines as they
 * come in follow mode, search, and failed logons highlighted (webmsgd logs
 * "logon failed for user NAME from ADDRESS", the line fail2ban matches). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/err.h"

#include "console/console.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/theme.h"

#define READ_TAIL_BYTES (256 * 1024) /* how much of a long log is read when opened */
#define MAX_LINES 5000
#define DROP_LINES 1000
#define LINE_MAX_BYTES 4096
#define FAILED_LOGON "logon failed"

struct logs_screen {
	char path[PATH_MAX];
	char problem[ERR_MSG_MAX]; /* why there is nothing to show, or "" */
	char **lines;
	int n, cap;
	char partial[LINE_MAX_BYTES]; /* the last line, until its newline comes */
	off_t offset;
	dev_t dev;
	ino_t ino;
	int follow;
	int wrap; /* long lines go on over more rows; else Left and Right scroll */
	int top, hscroll, rows;
	char search[128];
	int match; /* the line of the current match, or -1 */
	int failed;
};

static void clear_lines(struct logs_screen *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->lines[i]);
	s->n = 0;
	s->failed = 0;
	s->partial[0] = '\0';
}

static void add_line(struct logs_screen *s, const char *text, size_t len)
{
	if (s->n == MAX_LINES) {
		for (int i = 0; i < DROP_LINES; i++) {
			if (text_find(s->lines[i], FAILED_LOGON))
				s->failed--;
			free(s->lines[i]);
		}
		memmove(s->lines, s->lines + DROP_LINES, (size_t)(s->n - DROP_LINES) * sizeof(char *));
		s->n -= DROP_LINES;
		s->top = s->top > DROP_LINES ? s->top - DROP_LINES : 0;
		s->match = s->match >= DROP_LINES ? s->match - DROP_LINES : -1;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		char **p = realloc(s->lines, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		s->lines = p;
		s->cap = cap;
	}
	char *line = strndup(text, len);
	if (!line)
		return;
	s->lines[s->n++] = line;
	if (text_find(line, FAILED_LOGON))
		s->failed++;
}

/* Splits what was read into lines; an unfinished last line waits in partial. */
static void take(struct logs_screen *s, const char *buf, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t have = strlen(s->partial), n = nl ? (size_t)(nl - buf) : len;
		size_t room = sizeof(s->partial) - 1 - have;
		memcpy(s->partial + have, buf, n < room ? n : room);
		s->partial[have + (n < room ? n : room)] = '\0';
		if (!nl)
			return;
		add_line(s, s->partial, strlen(s->partial));
		s->partial[0] = '\0';
		buf += n + 1;
		len -= n + 1;
	}
}

/* Reads what the file has beyond s->offset; starts over when it was rotated
 * or truncated. */
static void read_more(struct logs_screen *s)
{
	char buf[16384];
	struct stat sb;
	int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(s->problem, sizeof(s->problem), "cannot open %s: %s", s->path,
			 strerror(errno));
		return;
	}
	s->problem[0] = '\0';
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(s->problem, sizeof(s->problem), "%s is not a log file", s->path);
		close(fd);
		return;
	}
	int fresh = sb.st_ino != s->ino || sb.st_dev != s->dev || sb.st_size < s->offset;
	if (fresh) {
		clear_lines(s);
		s->ino = sb.st_ino;
		s->dev = sb.st_dev;
		s->offset = sb.st_size > READ_TAIL_BYTES ? sb.st_size - READ_TAIL_BYTES : 0;
	}
	if (lseek(fd, s->offset, SEEK_SET) < 0) {
		close(fd);
		return;
	}
	int skip_first = fresh && s->offset > 0; /* the first line read is cut */
	ssize_t got;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		const char *p = buf;
		size_t len = (size_t)got;
		s->offset += got;
		if (skip_first) {
			const char *nl = memchr(p, '\n', len);
			if (!nl)
				continue;
			len -= (size_t)(nl + 1 - p);
			p = nl + 1;
			skip_first = 0;
		}
		take(s, p, len);
	}
	close(fd);
}

static void scroll_to_end(struct logs_screen *s)
{
	int rows = s->rows > 0 ? s->rows : 1;
	s->top = s->n > rows ? s->n - rows : 0;
}

static void *logs_open(struct console *c, const char *arg)
{
	struct logs_screen *s = calloc(1, sizeof(*s));
	struct config_snapshot *cfg;
	struct err e;
	(void)arg;
	if (!s)
		return NULL;
	s->follow = 1;
	s->wrap = 1;
	s->match = -1;
	s->rows = LINES;
	if (config_load(console_db(c), &cfg, &e) < 0) {
		console_db_failed(c, &e);
		return s;
	}
	if (config_log_file(cfg, s->path, sizeof(s->path), &e) < 0)
		snprintf(s->problem, sizeof(s->problem), "%s", e.msg);
	else if (!s->path[0])
		snprintf(s->problem, sizeof(s->problem), "webmsgd logs to syslog (log.file is "
			 "\"syslog\"): see journalctl -t webmsgd");
	config_snapshot_free(&cfg);
	if (s->path[0]) {
		read_more(s);
		scroll_to_end(s);
	}
	return s;
}

static void logs_close(void *st)
{
	struct logs_screen *s = st;
	clear_lines(s);
	free(s->lines);
	free(s);
}

static void logs_tick(struct console *c, void *st)
{
	struct logs_screen *s = st;
	(void)c;
	if (!s->path[0] || !s->follow)
		return;
	read_more(s);
	scroll_to_end(s);
}

/* Part of a line (len bytes of text) in up to three pieces: before the
 * search match, the match, after it; skip columns scrolled off to the left. */
static void draw_piece(struct logs_screen *s, WINDOW *w, int y, int width, const char *text,
		       size_t len, int skip, attr_t a)
{
	char line[LINE_MAX_BYTES];
	snprintf(line, sizeof(line), "%.*s", (int)len, text);
	const char *m = s->search[0] ? text_find(line, s->search) : NULL;
	size_t cut[4] = { 0, m ? (size_t)(m - line) : strlen(line), 0, strlen(line) };
	attr_t attrs[3] = { a, theme_attr(ROLE_MATCH), a };
	char part[LINE_MAX_BYTES];
	int col = 0, out = 0;

	cut[2] = m ? cut[1] + strlen(s->search) : cut[3];
	for (int i = 0; i < 3 && out < width; i++) {
		snprintf(part, sizeof(part), "%.*s", (int)(cut[i + 1] - cut[i]), line + cut[i]);
		int pw = text_width(part);
		int from = skip > col ? skip - col : 0;
		if (from < pw)
			out += text_put(w, y, 1 + out, width - out, part, from, attrs[i]);
		col += pw;
	}
}

/* Rows of one wrapped line, drawn from row y while below max. */
struct wrapped {
	struct logs_screen *s;
	WINDOW *w;
	int y, max, width;
	attr_t a;
};

static void draw_wrapped_row(const char *text, size_t len, void *arg)
{
	struct wrapped *r = arg;
	if (r->y < r->max)
		draw_piece(r->s, r->w, r->y, r->width, text, len, 0, r->a);
	r->y++;
}

static int line_rows(const struct logs_screen *s, int i, int width)
{
	return s->wrap ? text_wrap(s->lines[i], width, NULL, NULL) : 1;
}

/* The first line to show so that the last ones fill the rows. */
static int tail_top(const struct logs_screen *s, int rows, int width)
{
	int top = s->n, used = 0;
	while (top > 0 && used + line_rows(s, top - 1, width) <= rows)
		used += line_rows(s, --top, width);
	return top < s->n || s->n == 0 ? top : s->n - 1;
}

static void logs_title(void *st, char *out, size_t len)
{
	struct logs_screen *s = st;
	snprintf(out, len, "Logs%s%s", s->path[0] ? ": " : "", s->path);
}

static void logs_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct logs_screen *s = st;
	char head[300];
	int text_w = width - 1; /* column 0 marks failed logons */
	(void)c;
	(void)focused;
	if (s->problem[0]) {
		text_put_wrapped(w, 0, 1, width - 2, h, s->problem, theme_attr(ROLE_WARN));
		return;
	}
	snprintf(head, sizeof(head), "%d line%s, %d failed logon%s%s%s%s", s->n,
		 s->n == 1 ? "" : "s", s->failed, s->failed == 1 ? "" : "s",
		 s->follow ? ", following" : "", s->search[0] ? ", search: " : "", s->search);
	text_put_fill(w, 0, 0, width, head, theme_attr(ROLE_DIM));
	s->rows = h - 1;
	if (s->follow)
		s->top = tail_top(s, h - 1, text_w);
	if (s->top > s->n - 1)
		s->top = s->n > 0 ? s->n - 1 : 0;
	int y = 1;
	for (int i = s->top; i < s->n && y < h; i++) {
		int failed = text_find(s->lines[i], FAILED_LOGON) != NULL;
		attr_t a = theme_attr(i == s->match ? ROLE_SELECTED : failed ? ROLE_ERROR : ROLE_NORMAL);
		if (failed)
			mvwaddch(w, y, 0, '!' | theme_attr(ROLE_ERROR));
		if (s->wrap) {
			struct wrapped r = { s, w, y, h, text_w, a };
			text_wrap(s->lines[i], text_w, draw_wrapped_row, &r);
			y = r.y;
		} else {
			draw_piece(s, w, y++, text_w, s->lines[i], strlen(s->lines[i]), s->hscroll, a);
		}
	}
	if (s->n == 0)
		text_put(w, 1, 1, width - 1, "(the log is empty)", 0, theme_attr(ROLE_DIM));
}

/* The next line from `from` in direction dir that has the search text, or -1. */
static int find(const struct logs_screen *s, int from, int dir)
{
	for (int i = from; i >= 0 && i < s->n; i += dir)
		if (text_find(s->lines[i], s->search))
			return i;
	return -1;
}

static void go_to_match(struct logs_screen *s, int dir)
{
	int start = s->match >= 0 ? s->match + dir : dir > 0 ? s->top : s->top + s->rows - 1;
	int at = find(s, start, dir);
	if (at < 0)
		at = find(s, dir > 0 ? 0 : s->n - 1, dir); /* wrap around */
	if (at < 0) {
		char text[200];
		snprintf(text, sizeof(text), "\"%s\" is not in the log.", s->search);
		dialog_message("Search", text);
		return;
	}
	s->match = at;
	s->follow = 0;
	if (at < s->top || at >= s->top + s->rows)
		s->top = at > s->rows / 2 ? at - s->rows / 2 : 0;
}

static int logs_key(struct console *c, void *st, int key)
{
	struct logs_screen *s = st;
	int page = s->rows > 1 ? s->rows - 1 : 1;
	(void)c;
	switch (key) {
	case 'f':
		s->follow = !s->follow;
		if (s->follow)
			logs_tick(c, s);
		return 1;
	case '/':
		if (dialog_input("Search", "Find in the log:", s->search, sizeof(s->search))) {
			s->match = -1;
			if (s->search[0])
				go_to_match(s, 1);
		}
		return 1;
	case 'n':
	case 'N':
		if (s->search[0])
			go_to_match(s, key == 'n' ? 1 : -1);
		return 1;
	case 'w':
		s->wrap = !s->wrap;
		s->hscroll = 0;
		return 1;
	case KEY_LEFT:
		s->hscroll = s->hscroll > 8 ? s->hscroll - 8 : 0;
		return 1;
	case KEY_RIGHT:
		if (!s->wrap)
			s->hscroll += 8;
		return 1;
	case KEY_END:
		s->follow = 1;
		scroll_to_end(s);
		return 1;
	}
	int to = s->top;
	if (key == KEY_UP)
		to--;
	else if (key == KEY_DOWN)
		to++;
	else if (key == KEY_PPAGE)
		to -= page;
	else if (key == KEY_NPAGE)
		to += page;
	else if (key == KEY_HOME)
		to = 0;
	else
		return 0;
	s->follow = 0;
	s->top = to < 0 ? 0 : to;
	return 1;
}

static const struct keybar_entry *logs_keys(void *st)
{
	static const struct keybar_entry keys[] = { { NULL, "f", "Follow" },
						    { NULL, "/", "Search" },
						    { NULL, "n/N", "Next/prev" },
						    { NULL, "w", "Wrap" },
						    { NULL, "End", "Latest" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_logs = {
	.name = "Logs",
	.help = "The daemon's log (log.file). Follow mode shows new lines as they are written; "
		"scrolling up leaves it and End comes back. Failed logons are marked with ! and "
		"highlighted; / searches, n and N go to the next and previous match. Long lines "
		"go on over more rows; w turns that off, and then Left and Right scroll them.",
	.open = logs_open,
	.close = logs_close,
	.draw = logs_draw,
	.key = logs_key,
	.keys = logs_keys,
	.tick = logs_tick,
	.title = logs_title,
};
