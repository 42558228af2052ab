/* theme.c - colours as roles, declared once. Without colours (or with
 * NO_COLOR set) each role is an attribute, so a vt100 still shows what is
 * selected, what is an error and where the keys are. */
#include <stdlib.h>

#include "widgets/theme.h"

static const struct {
	short fg, bg;  /* -1: the terminal's default */
	attr_t color;  /* added to the colour pair */
	attr_t mono;   /* without colours */
} roles[ROLE_COUNT] = {
	[ROLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[ROLE_FRAME] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[ROLE_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_CURSOR] = { -1, -1, A_BOLD | A_UNDERLINE, A_UNDERLINE },
	[ROLE_FIELD] = { -1, -1, A_UNDERLINE, A_UNDERLINE },
	[ROLE_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_OK] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[ROLE_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_KEY] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_KEYTEXT] = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_MATCH] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE | A_BOLD },
	[ROLE_DIM] = { -1, -1, A_DIM, A_NORMAL },
};

static attr_t attrs[ROLE_COUNT];

void theme_init(void)
{
	const char *no_color = getenv("NO_COLOR");
	int color = has_colors() && !(no_color && *no_color) && start_color() == OK;

	/* Without the terminal's own default colours, white on black stands in. */
	int defaults = color && use_default_colors() == OK;
	for (int r = 0; r < ROLE_COUNT; r++) {
		attrs[r] = roles[r].mono;
		if (!color)
			continue;
		attrs[r] = roles[r].color;
		if (roles[r].fg != -1 || roles[r].bg != -1) {
			short fg = roles[r].fg, bg = roles[r].bg;
			if (!defaults && fg == -1)
				fg = COLOR_WHITE;
			if (!defaults && bg == -1)
				bg = COLOR_BLACK;
			init_pair((short)r, fg, bg);
			attrs[r] |= COLOR_PAIR(r);
		}
	}
}

attr_t theme_attr(enum role r)
{
	return attrs[r];
}
