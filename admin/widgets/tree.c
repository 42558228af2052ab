/* tree.c - the tree on the console's left: nodes in order with their
 * depth, drawn with guide lines, folded and unfolded with Left and Right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/text.h"
#include "widgets/theme.h"
#include "widgets/tree.h"

int tree_add(struct tree *t, int depth, int kind, const char *label, const char *arg)
{
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		struct tree_node *p = realloc(t->nodes, (size_t)cap * sizeof(*p));
		if (!p)
			return -1;
		t->nodes = p;
		t->cap = cap;
	}
	struct tree_node *nd = &t->nodes[t->n++];
	memset(nd, 0, sizeof(*nd));
	nd->depth = depth;
	nd->kind = kind;
	snprintf(nd->label, sizeof(nd->label), "%s", label);
	snprintf(nd->arg, sizeof(nd->arg), "%s", arg ? arg : "");
	return t->n - 1;
}

void tree_clear(struct tree *t)
{
	t->n = 0;
}

void tree_free(struct tree *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}

static int has_children(const struct tree *t, int i)
{
	return i + 1 < t->n && t->nodes[i + 1].depth > t->nodes[i].depth;
}

static int parent_of(const struct tree *t, int i)
{
	for (int p = i - 1; p >= 0; p--)
		if (t->nodes[p].depth < t->nodes[i].depth)
			return p;
	return -1;
}

/* 1 when the node is shown: no folded node above it. */
static int tree_visible(const struct tree *t, int i)
{
	for (int p = parent_of(t, i); p >= 0; p = parent_of(t, p))
		if (t->nodes[p].collapsed)
			return 0;
	return 1;
}

int tree_find(const struct tree *t, int kind, const char *arg)
{
	for (int i = 0; i < t->n; i++)
		if (t->nodes[i].kind == kind && strcmp(t->nodes[i].arg, arg ? arg : "") == 0)
			return i;
	return -1;
}

/* The visible node `steps` away from i (negative: upwards), stopping at the ends. */
static int step(const struct tree *t, int i, int steps)
{
	int dir = steps < 0 ? -1 : 1;
	for (int left = abs(steps); left > 0; left--) {
		int j = i + dir;
		while (j >= 0 && j < t->n && !tree_visible(t, j))
			j += dir;
		if (j < 0 || j >= t->n)
			break;
		i = j;
	}
	return i;
}

int tree_key(struct tree *t, int key, int page)
{
	struct tree_node *nd = t->n ? &t->nodes[t->cur] : NULL;
	if (!nd)
		return 0;
	switch (key) {
	case KEY_UP:
		t->cur = step(t, t->cur, -1);
		return 1;
	case KEY_DOWN:
		t->cur = step(t, t->cur, 1);
		return 1;
	case KEY_PPAGE:
		t->cur = step(t, t->cur, -page);
		return 1;
	case KEY_NPAGE:
		t->cur = step(t, t->cur, page);
		return 1;
	case KEY_HOME:
		t->cur = 0;
		return 1;
	case KEY_END:
		t->cur = step(t, t->cur, t->n);
		return 1;
	case KEY_LEFT:
		if (has_children(t, t->cur) && !nd->collapsed)
			nd->collapsed = 1;
		else if (parent_of(t, t->cur) >= 0)
			t->cur = parent_of(t, t->cur);
		return 1;
	case KEY_RIGHT:
		if (has_children(t, t->cur) && nd->collapsed)
			nd->collapsed = 0;
		else if (has_children(t, t->cur))
			t->cur = step(t, t->cur, 1);
		return 1;
	}
	return 0;
}

/* Whether node i is the last of its parent's children. */
static int last_child(const struct tree *t, int i)
{
	for (int j = i + 1; j < t->n; j++) {
		if (t->nodes[j].depth < t->nodes[i].depth)
			return 1;
		if (t->nodes[j].depth == t->nodes[i].depth)
			return 0;
	}
	return 1;
}

/* The guide lines of node i: for each ancestor level, a line when that
 * ancestor has siblings still to come, then the node's own corner. */
static int draw_guides(const struct tree *t, int i, WINDOW *w, int y, int x, int width)
{
	int depth = t->nodes[i].depth, col = 0;
	chtype frame = theme_attr(ROLE_FRAME);
	for (int level = 1; level <= depth && col + 2 <= width; level++, col += 2) {
		int anc = i;
		while (t->nodes[anc].depth > level)
			anc = parent_of(t, anc);
		chtype c = level == depth ? (last_child(t, i) ? ACS_LLCORNER : ACS_LTEE)
					  : (last_child(t, anc) ? ' ' : ACS_VLINE);
		mvwaddch(w, y, x + col, c | frame);
		mvwaddch(w, y, x + col + 1, (level == depth ? ACS_HLINE : ' ') | frame);
	}
	return col;
}

void tree_draw(struct tree *t, WINDOW *w, int y, int x, int h, int width, int focused)
{
	int rows[512], nrows = 0, at = 0;
	for (int i = 0; i < t->n && nrows < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
		if (!tree_visible(t, i))
			continue;
		if (i == t->cur)
			at = nrows;
		rows[nrows++] = i;
	}
	if (at < t->top)
		t->top = at;
	if (at >= t->top + h)
		t->top = at - h + 1;
	if (t->top + h > nrows)
		t->top = nrows - h > 0 ? nrows - h : 0;
	for (int r = 0; r < h && t->top + r < nrows; r++) {
		int i = rows[t->top + r];
		struct tree_node *nd = &t->nodes[i];
		attr_t a = i != t->cur ? theme_attr(ROLE_NORMAL)
			   : focused   ? theme_attr(ROLE_SELECTED)
				       : theme_attr(ROLE_CURSOR);
		int col = draw_guides(t, i, w, y + r, x, width);
		char label[TREE_LABEL_MAX + 4];
		snprintf(label, sizeof(label), "%s%s", has_children(t, i) && nd->collapsed ? "+" : "",
			 nd->label);
		text_put_fill(w, y + r, x + col, width - col, label, a);
	}
	if (t->top > 0)
		mvwaddch(w, y, x + width - 1, ACS_UARROW | theme_attr(ROLE_DIM));
	if (t->top + h < nrows)
		mvwaddch(w, y + h - 1, x + width - 1, ACS_DARROW | theme_attr(ROLE_DIM));
}
