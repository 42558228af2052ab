/* tree.h - the console's left side: nodes with a depth, a kind and an
 * argument for their owner, collapsed or not. */
#ifndef WEBMSG_ADMIN_WIDGETS_TREE_H
#define WEBMSG_ADMIN_WIDGETS_TREE_H

#include <curses.h>

#define TREE_LABEL_MAX 96
#define TREE_ARG_MAX 256
struct tree_node {
	char label[TREE_LABEL_MAX];
	int depth;
	int kind;               /* what the owner makes of it */
	char arg[TREE_ARG_MAX]; /* a domain name, for instance */
	int collapsed;
};
struct tree {
	struct tree_node *nodes;
	int n, cap;
	int cur;
	int top;
};
int tree_add(struct tree *t, int depth, int kind, const char *label, const char *arg);
void tree_clear(struct tree *t);
void tree_free(struct tree *t);
/* The index of the node of that kind and arg, or -1. */
int tree_find(const struct tree *t, int kind, const char *arg);
/* Up, Down, Home, End, PgUp, PgDn, Left (collapse or go to the parent),
 * Right (expand). 1 when used. */
int tree_key(struct tree *t, int key, int page);
void tree_draw(struct tree *t, WINDOW *w, int y, int x, int h, int width, int focused);

#endif
