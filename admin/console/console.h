/* console.h - the ncurses console of webmsg-admin: a tree on the left, the
 * selected item's screen on the right, a title line and a key bar. Each
 * screen is one file (screen_*.c) exporting a `const struct screen`; the
 * console owns the terminal, the database handle and the daemon's state,
 * and screens reach them through the functions here. */
#ifndef WEBMSG_ADMIN_CONSOLE_H
#define WEBMSG_ADMIN_CONSOLE_H

#include <curses.h>
#include <stddef.h>

#include "widgets/keybar.h"
#include "widgets/tree.h"

struct apply_outcome;
struct console;
struct db;
struct err;
struct service_state;

struct screen {
	const char *name; /* the panel's title */
	const char *help; /* shown by F1, with the keys */
	/* The screen's state for arg (a domain for Users, else ""); NULL when out of memory. */
	void *(*open)(struct console *c, const char *arg);
	void (*close)(void *st);
	/* Draws into w, which is h rows of width columns inside the panel's frame. */
	void (*draw)(struct console *c, void *st, WINDOW *w, int h, int width, int focused);
	/* A key while the panel has the focus (and F2 from anywhere): 1 when used. */
	int (*key)(struct console *c, void *st, int key);
	/* The screen's own keys for the key bar (ended by a NULL label). */
	const struct keybar_entry *(*keys)(void *st);
	/* Optional: unsaved changes, which leaving asks to discard. */
	int (*dirty)(void *st);
	/* Optional: once a second while no key comes, to show what changed. */
	void (*tick)(struct console *c, void *st);
	/* Optional: a title of its own ("Users of example.org"). */
	void (*title)(void *st, char *out, size_t len);
};

extern const struct screen screen_status;
extern const struct screen screen_domains;
extern const struct screen screen_users;
extern const struct screen screen_webmsg;
extern const struct screen screen_ssl_wizard;
extern const struct screen screen_logs;
extern const struct screen screen_troubleshoot;
extern const struct screen screen_history;
extern const struct screen screen_compare;

/* Asks question (Yes/No), then reverts to version through apply_revert,
 * the decision and all, as `config revert` does, and shows the result:
 * 1 when reverted, 0 when the operator said no, -1 when refused or failed. */
int screen_history_revert(struct console *c, long version, const char *question);

/* What the tree holds; console_tree.c maps each to its screen. */
enum node_kind {
	NODE_SERVER,
	NODE_DOMAINS,
	NODE_DOMAIN,
	NODE_SERVICES,
	NODE_WEBMSG,
	NODE_SSL,
	NODE_LOGS,
	NODE_TROUBLESHOOT,
	NODE_HISTORY,
	NODE_COMPARE,
};

/* Runs the console until the operator quits; returns an exit status. */
int console_run(const char *db_path);

struct db *console_db(struct console *c);
/* The daemon's state as last read (once a second). */
const struct service_state *console_service(struct console *c);

/* After a change to the configuration: "applied (version N)" (and any note
 * about a restart), or the daemon's error, in a dialog. rc is what the
 * apply_* call returned. */
void console_report(struct console *c, const char *title, int rc, const struct apply_outcome *o,
		    const struct err *e);
/* A failure, in a dialog titled title. */
void console_fail(struct console *c, const char *title, const struct err *e);
/* The database failed: says so and offers Retry (opens it again and shows
 * the screen afresh) or Quit. The caller returns at once after it. */
void console_db_failed(struct console *c, const struct err *e);

/* Domains were added or removed: the tree is built again after this key. */
void console_tree_changed(struct console *c);
/* Shows the node of that kind (and arg) after this key, with the focus on its panel. */
void console_go(struct console *c, enum node_kind kind, const char *arg);

/* console_tree.c */
struct tree;
int console_tree_build(struct tree *t, struct db *db, const char *server, struct err *e);
const struct screen *console_tree_screen(enum node_kind kind);

#endif
