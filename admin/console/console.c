/* console.c - the console's main loop: the layout (title, tree, panel, key
 * bars), the focus, switching screens, the keys that work everywhere
 * (help, start, stop, restart, reload, quit), the daemon's state read once a
 * second, and a database that goes away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/term_safe.h"

#include "console/console.h"
#include "console/terminal.h"
#include "core/apply.h"
#include "core/service_control.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/theme.h"
#include "widgets/tree.h"

#define MIN_COLS 60
#define MIN_LINES 16
#define KEY_WAIT_MS 250
#define TICK_MS 1000

struct console {
	const char *db_path;
	struct db *db;
	struct tree tree;
	int panel_focus;             /* the keys go to the panel, else to the tree */
	int shown;                   /* the tree node whose screen is shown */
	const struct screen *screen; /* and that screen, with its state */
	void *st;
	struct service_state svc;    /* read once a second */
	char server[256];            /* web.hostname or this machine's name */
	long last_tick;
	int quit;
	/* Asked for while a screen handles a key; done after it returns. */
	int reopen, rebuild, go;
	enum node_kind go_kind;
	char go_arg[TREE_ARG_MAX];
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct db *console_db(struct console *c)
{
	return c->db;
}

const struct service_state *console_service(struct console *c)
{
	return &c->svc;
}

void console_tree_changed(struct console *c)
{
	c->rebuild = 1;
}

void console_go(struct console *c, enum node_kind kind, const char *arg)
{
	c->go = 1;
	c->go_kind = kind;
	snprintf(c->go_arg, sizeof(c->go_arg), "%s", arg ? arg : "");
}

void console_report(struct console *c, const char *title, int rc, const struct apply_outcome *o,
		    const struct err *e)
{
	char text[ERR_MSG_MAX * 2 + 512], safe[sizeof(text)];
	(void)c;
	if (rc < 0) {
		snprintf(text, sizeof(text), "%s%s%s", e->msg, o->restart[0] ? "\n\n" : "",
			 o->restart);
		dialog_error(title, term_safe(text, safe, sizeof(safe), TERM_SAFE_NEWLINES));
		return;
	}
	snprintf(text, sizeof(text), "%s%s%s%s%s", o->text, o->restart[0] ? "\n\n" : "",
		 o->restart, o->warning[0] ? "\n\nwarning: " : "", o->warning);
	dialog_message(title, term_safe(text, safe, sizeof(safe), TERM_SAFE_NEWLINES));
}

void console_fail(struct console *c, const char *title, const struct err *e)
{
	char safe[ERR_MSG_MAX * 2];
	(void)c;
	/* The same escaping as the CLI's messages (text from a CA, a certificate). */
	dialog_error(title, term_safe(e->msg, safe, sizeof(safe), TERM_SAFE_NEWLINES));
}

/* ---- screens */

static void close_screen(struct console *c)
{
	if (c->screen && c->st)
		c->screen->close(c->st);
	c->st = NULL;
	c->screen = NULL;
	cursor_clear();
}

static void open_screen(struct console *c, int node)
{
	close_screen(c);
	if (node < 0 || node >= c->tree.n)
		node = 0;
	c->shown = node;
	c->screen = console_tree_screen((enum node_kind)c->tree.nodes[node].kind);
	c->st = c->screen->open(c, c->tree.nodes[node].arg);
}

/* Whether the shown screen may be left: no unsaved changes, or the operator
 * lets them go. */
static int may_leave(struct console *c)
{
	char text[256];
	if (!c->screen || !c->st || !c->screen->dirty || !c->screen->dirty(c->st))
		return 1;
	snprintf(text, sizeof(text), "%s has changes that are not applied. Discard them?",
		 c->screen->name);
	return dialog_confirm("Unsaved changes", text);
}

/* The tree's cursor moved: show its node, unless the operator keeps the changes. */
static void follow_tree(struct console *c, int before)
{
	if (c->tree.cur == c->shown)
		return;
	if (!may_leave(c)) {
		c->tree.cur = before;
		return;
	}
	open_screen(c, c->tree.cur);
}

/* ---- the daemon's state and the tree */

/* Reads the daemon's state and the server's name; 0, or -1 with e. */
static int read_state(struct console *c, struct err *e)
{
	struct config_snapshot *cfg;
	if (service_control_state(c->db, &c->svc, e) < 0 || config_load(c->db, &cfg, e) < 0)
		return -1;
	config_hostname(cfg, c->server, sizeof(c->server));
	config_snapshot_free(&cfg);
	return 0;
}

/* Builds the tree again. The cursor stays on the node shown, folded nodes
 * stay folded; when the node shown is gone (a domain deleted), the cursor
 * goes to Domains and *gone is set. */
static int rebuild_tree(struct console *c, int *gone, struct err *e)
{
	struct {
		int kind;
		char arg[TREE_ARG_MAX];
	} shown = { NODE_SERVER, "" }, folded[16];
	int nfolded = 0;

	if (c->tree.n) {
		shown.kind = c->tree.nodes[c->shown].kind;
		snprintf(shown.arg, sizeof(shown.arg), "%s", c->tree.nodes[c->shown].arg);
	}
	for (int i = 0; i < c->tree.n && nfolded < 16; i++)
		if (c->tree.nodes[i].collapsed) {
			folded[nfolded].kind = c->tree.nodes[i].kind;
			snprintf(folded[nfolded++].arg, sizeof(folded[0].arg), "%s",
				 c->tree.nodes[i].arg);
		}
	if (console_tree_build(&c->tree, c->db, c->server, e) < 0)
		return -1;
	for (int i = 0; i < nfolded; i++) {
		int at = tree_find(&c->tree, folded[i].kind, folded[i].arg);
		if (at >= 0)
			c->tree.nodes[at].collapsed = 1;
	}
	int at = tree_find(&c->tree, shown.kind, shown.arg);
	*gone = at < 0;
	if (at < 0)
		at = tree_find(&c->tree, NODE_DOMAINS, "");
	c->tree.cur = c->shown = at >= 0 ? at : 0;
	return 0;
}

/* Opens the database, retrying while the operator asks to. 0 when open. */
static int open_db(struct console *c)
{
	static const char *const buttons[] = { "Retry", "Quit", NULL };
	struct err e;
	char text[ERR_MSG_MAX + 512];
	while (db_open(c->db_path, DB_OPEN_EXISTING, &c->db, &e) < 0) {
		snprintf(text, sizeof(text), "The configuration database is unavailable:\n\n%s\n\n"
			 "Retry when it is back, or quit.", e.msg);
		if (dialog_choice("Database unavailable", text, buttons, 0) != 0) {
			c->quit = 1;
			return -1;
		}
	}
	return 0;
}

void console_db_failed(struct console *c, const struct err *e)
{
	static const char *const buttons[] = { "Retry", "Quit", NULL };
	char text[ERR_MSG_MAX + 512];
	struct err re;

	snprintf(text, sizeof(text), "The configuration database cannot be read:\n\n%s\n\nRetry "
		 "when it is back, or quit.", e->msg);
	if (dialog_choice("Database unavailable", text, buttons, 0) != 0) {
		c->quit = 1;
		return;
	}
	db_close(&c->db);
	if (open_db(c) < 0)
		return;
	/* Whatever the screen held may be stale: it starts afresh. */
	int gone;
	if (read_state(c, &re) < 0 || rebuild_tree(c, &gone, &re) < 0) {
		console_db_failed(c, &re);
		return;
	}
	c->reopen = 1;
}

static void tick(struct console *c)
{
	struct err e;
	c->last_tick = now_ms();
	if (read_state(c, &e) < 0) {
		console_db_failed(c, &e);
		return;
	}
	if (c->tree.n && c->tree.nodes[0].kind == NODE_SERVER)
		snprintf(c->tree.nodes[0].label, sizeof(c->tree.nodes[0].label), "%s", c->server);
	if (c->screen && c->st && c->screen->tick)
		c->screen->tick(c, c->st);
}

/* ---- drawing */

static int tree_width(void)
{
	int w = COLS / 4;
	return w < 22 ? 22 : w > 30 ? 30 : w;
}

static void draw_title(struct console *c)
{
	char left[320], right[160];
	attr_t a = theme_attr(ROLE_TITLE);
	snprintf(left, sizeof(left), " webmsg-admin: %s", c->server);
	if (c->svc.pid && service_control_reported(&c->svc))
		snprintf(right, sizeof(right), "webmsgd running (pid %ld), %ld session%s, "
			 "version %ld of %ld ", (long)c->svc.pid, c->svc.status.sessions,
			 c->svc.status.sessions == 1 ? "" : "s", c->svc.status.config_version,
			 c->svc.latest);
	else if (c->svc.pid)
		snprintf(right, sizeof(right), "webmsgd running (pid %ld) ", (long)c->svc.pid);
	else
		snprintf(right, sizeof(right), "webmsgd stopped ");
	text_put_fill(stdscr, 0, 0, COLS, left, a);
	int rw = text_width(right);
	if (rw + text_width(left) + 2 <= COLS)
		text_put(stdscr, 0, COLS - rw, rw, right, 0, a);
}

/* A frame with a title on its top edge; the focused one stands out. */
static void draw_box(int y, int x, int h, int w, const char *title, int focused)
{
	WINDOW *box_w = derwin(stdscr, h, w, y, x);
	if (!box_w)
		return;
	wattrset(box_w, theme_attr(ROLE_FRAME) | (focused ? A_BOLD : 0));
	box(box_w, 0, 0);
	wattrset(box_w, A_NORMAL);
	if (title && w > 6) {
		char t[TREE_LABEL_MAX + 64];
		snprintf(t, sizeof(t), " %s ", title);
		text_put(box_w, 0, 2, w - 4, t, 0,
			 focused ? theme_attr(ROLE_TITLE) : theme_attr(ROLE_NORMAL) | A_BOLD);
	}
	delwin(box_w);
}

static const struct keybar_entry *global_keys(struct console *c)
{
	static struct keybar_entry keys[8];
	int n = 0;
	keys[n++] = (struct keybar_entry){ "F1", "?", "Help" };
	keys[n++] = (struct keybar_entry){ "F5", "r", "Reload" };
	keys[n++] = (struct keybar_entry){ "F6", "s", c->svc.pid ? "Stop" : "Start" };
	keys[n++] = (struct keybar_entry){ "F7", "R", "Restart" };
	keys[n++] = (struct keybar_entry){ "F10", "q", "Quit" };
	keys[n++] = (struct keybar_entry){ NULL, "Tab", c->panel_focus ? "Tree" : "Panel" };
	keys[n] = (struct keybar_entry){ 0 };
	return keys;
}

static const struct keybar_entry *tree_keys(void)
{
	static const struct keybar_entry keys[] = {
		{ NULL, "Up/Down", "Move" }, { NULL, "Left/Right", "Fold" },
		{ NULL, "Enter", "Open" },   { "F2", "a", "Apply" }, { 0 } };
	return keys;
}

static void draw(void *arg)
{
	struct console *c = arg;
	cursor_clear();
	werase(stdscr);
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		char text[128];
		snprintf(text, sizeof(text), "The console needs at least %dx%d; this terminal is "
			 "%dx%d. Make it larger, or press q to quit.", MIN_COLS, MIN_LINES, COLS, LINES);
		text_put_wrapped(stdscr, 0, 0, COLS, LINES, text, A_NORMAL);
		wnoutrefresh(stdscr);
		return;
	}
	int tw = tree_width(), body = LINES - 3;
	draw_title(c);
	draw_box(1, 0, body, tw, "webmsg", !c->panel_focus);
	tree_draw(&c->tree, stdscr, 2, 1, body - 2, tw - 2, !c->panel_focus);

	char title[TREE_LABEL_MAX + 64] = "";
	if (c->screen && c->st && c->screen->title)
		c->screen->title(c->st, title, sizeof(title));
	else if (c->screen)
		snprintf(title, sizeof(title), "%s", c->screen->name);
	draw_box(1, tw, body, COLS - tw, title, c->panel_focus);
	WINDOW *panel = derwin(stdscr, body - 2, COLS - tw - 2, 2, tw + 1);
	if (panel && c->screen && c->st)
		c->screen->draw(c, c->st, panel, body - 2, COLS - tw - 2, c->panel_focus);
	if (panel)
		delwin(panel);

	const struct keybar_entry *own = c->screen && c->st && c->screen->keys
						 ? c->screen->keys(c->st)
						 : NULL;
	keybar_draw(stdscr, LINES - 2, COLS, c->panel_focus && own ? own : tree_keys());
	keybar_draw(stdscr, LINES - 1, COLS, global_keys(c));
	wnoutrefresh(stdscr);
}

static void frame(struct console *c)
{
	draw(c);
	cursor_place();
	doupdate();
}

/* ---- the keys that work everywhere */

static void help(struct console *c)
{
	char text[4096];
	size_t len = 0;
	const struct keybar_entry *lists[] = {
		c->screen && c->st && c->screen->keys ? c->screen->keys(c->st) : NULL,
		tree_keys(), global_keys(c) };
	const char *heads[] = { "On this screen:", "In the tree:", "Everywhere:" };

	len += (size_t)snprintf(text, sizeof(text), "%s\n",
				c->screen && c->screen->help ? c->screen->help : "");
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]) && len < sizeof(text); l++) {
		if (!lists[l])
			continue;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "\n%s", heads[l]);
		for (const struct keybar_entry *k = lists[l]; k->label && len < sizeof(text); k++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %s%s%s %s",
						k == lists[l] ? "" : ",", k->fkey ? k->fkey : "",
						k->fkey && k->letter ? "/" : "",
						k->letter ? k->letter : "", k->label);
	}
	if (len < sizeof(text))
		snprintf(text + len, sizeof(text) - len, "\n\nLetters work where F-keys do not "
			 "arrive; Esc leaves a field or goes back to the tree.");
	dialog_message(c->screen ? c->screen->name : "Help", text);
}

typedef int (*service_fn)(struct db *db, char *text, size_t len, struct err *e);

/* Runs service actions in turn (restart: stop, then start) and shows what each said. */
static void service_action(struct console *c, const char *title, const char *doing,
			   const service_fn *fns, size_t n)
{
	char text[1200] = "", line[512];
	struct err e;
	dialog_progress(title, doing);
	for (size_t i = 0; i < n; i++) {
		if (fns[i](c->db, line, sizeof(line), &e) < 0) {
			size_t len = strlen(text);
			snprintf(text + len, sizeof(text) - len, "%s%s", len ? "\n" : "", e.msg);
			tick(c);
			dialog_error(title, text);
			return;
		}
		size_t len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%s%s", len ? "\n" : "", line);
	}
	tick(c);
	dialog_message(title, text);
}

/* A restart ends every session: say how many and ask. Nothing stops when
 * the latest configuration could not be served (service_control_restart). */
static void restart_asked(struct console *c)
{
	static const service_fn start[] = { service_control_start };
	static const service_fn restart[] = { service_control_restart };
	char text[300];
	long n = service_control_reported(&c->svc) ? c->svc.status.sessions : 0;

	if (!c->svc.pid) {
		service_action(c, "Start", "Starting webmsgd...", start, 1);
		return;
	}
	snprintf(text, sizeof(text), "Restart webmsgd? It ends %ld Web Messaging session%s; "
		 "those users log on again.", n, n == 1 ? "" : "s");
	if (dialog_confirm("Restart", text))
		service_action(c, "Restart", "Checking the configuration and restarting webmsgd...",
			       restart, 1);
}

static int global_key(struct console *c, int key)
{
	static const service_fn reload[] = { service_control_reload };
	static const service_fn start[] = { service_control_start };
	static const service_fn stop[] = { service_control_stop };

	if (key == KEY_F(1) || key == '?') {
		help(c);
	} else if (key == KEY_F(5) || key == 'r') {
		service_action(c, "Reload", "Asking webmsgd to apply the latest configuration...",
			       reload, 1);
	} else if (key == KEY_F(6) || key == 's') {
		if (!c->svc.pid)
			service_action(c, "Start", "Starting webmsgd...", start, 1);
		else if (dialog_confirm("Stop", "Stop webmsgd? Web Messaging users are cut off "
					"until it is started again."))
			service_action(c, "Stop", "Stopping webmsgd...", stop, 1);
	} else if (key == KEY_F(7) || key == 'R') {
		restart_asked(c);
	} else if (key == KEY_F(10) || key == 'q') {
		if (may_leave(c))
			c->quit = 1;
	} else if (key == KEY_TAB || key == KEY_BTAB) {
		c->panel_focus = !c->panel_focus;
	} else if (key == KEY_F(2) || key == 'a') {
		/* Apply from the tree: the screen shown is what it applies to. */
		if (c->screen && c->st)
			c->screen->key(c, c->st, KEY_F(2));
	} else {
		return 0;
	}
	return 1;
}

static void tree_key_pressed(struct console *c, int key)
{
	int before = c->tree.cur;
	int page = LINES - 5;
	if (key_is_enter(key)) {
		c->panel_focus = 1;
		return;
	}
	if (key == KEY_RIGHT && !(before + 1 < c->tree.n &&
				  c->tree.nodes[before + 1].depth > c->tree.nodes[before].depth)) {
		c->panel_focus = 1; /* a leaf: Right goes into its panel */
		return;
	}
	if (tree_key(&c->tree, key, page > 1 ? page : 1)) {
		follow_tree(c, before);
		return;
	}
	global_key(c, key);
}

static void key_pressed(struct console *c, int key)
{
	if (!c->panel_focus) {
		tree_key_pressed(c, key);
		return;
	}
	if (c->screen && c->st && c->screen->key(c, c->st, key))
		return;
	if (key == KEY_ESCAPE) {
		c->panel_focus = 0;
		return;
	}
	global_key(c, key);
}

/* What screens asked for while they handled a key. */
static void after_key(struct console *c)
{
	struct err e;
	if (c->quit)
		return;
	if (c->rebuild) {
		int gone;
		c->rebuild = 0;
		if (rebuild_tree(c, &gone, &e) < 0) {
			console_db_failed(c, &e);
			return;
		}
		if (gone)
			c->reopen = 1;
	}
	if (c->go) {
		c->go = 0;
		int at = tree_find(&c->tree, (int)c->go_kind, c->go_arg);
		if (at >= 0 && at != c->shown && may_leave(c)) {
			c->tree.cur = at;
			open_screen(c, at);
			c->panel_focus = 1;
		}
	}
	if (c->reopen && !c->quit) {
		c->reopen = 0;
		open_screen(c, c->tree.cur);
	}
}

int console_run(const char *db_path)
{
	struct console c = { .db_path = db_path };
	struct err e;

	if (terminal_open(&e) < 0) {
		fprintf(stderr, "webmsg-admin: %s\n", e.msg);
		return 1;
	}
	dialog_set_background(draw, &c);
	dialog_set_input(terminal_key);
	snprintf(c.server, sizeof(c.server), "webmsg");
	int gone;
	if (open_db(&c) == 0 && (read_state(&c, &e) < 0 || rebuild_tree(&c, &gone, &e) < 0))
		console_db_failed(&c, &e);
	if (!c.quit) {
		c.tree.cur = 0;
		open_screen(&c, 0);
		c.reopen = 0;
		c.last_tick = now_ms();
	}
	while (!c.quit) {
		frame(&c);
		int key = terminal_key(KEY_WAIT_MS);
		if (key == ERR || key == KEY_RESIZE) {
			if (now_ms() - c.last_tick >= TICK_MS)
				tick(&c);
		} else if (COLS < MIN_COLS || LINES < MIN_LINES) {
			if (key == 'q' || key == KEY_F(10))
				c.quit = 1;
		} else {
			key_pressed(&c, key);
		}
		after_key(&c);
	}
	close_screen(&c);
	tree_free(&c.tree);
	db_close(&c.db);
	terminal_close();
	return 0;
}
