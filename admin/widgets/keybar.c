/* keybar.c - the keys of a screen on one line, each as its key and
 * what it does: "F2/a Apply". When they do not fit, the F-key names go
 * first (the letters work everywhere), then the entries that do not fit. */
#include <stdio.h>
#include <string.h>

#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/theme.h"

static void entry_key(const struct keybar_entry *k, int with_fkey, char *out, size_t len)
{
	if (k->fkey && k->letter && with_fkey)
		snprintf(out, len, "%s/%s", k->fkey, k->letter);
	else
		snprintf(out, len, "%s", k->letter ? k->letter : k->fkey);
}

static int needed(const struct keybar_entry *entries, int with_fkey)
{
	char name[32];
	int width = 0;
	for (const struct keybar_entry *k = entries; k->label; k++) {
		entry_key(k, with_fkey, name, sizeof(name));
		width += text_width(name) + 1 + text_width(k->label) + 2;
	}
	return width;
}

void keybar_draw(WINDOW *w, int y, int width, const struct keybar_entry *entries)
{
	char name[32];
	int with_fkey = needed(entries, 1) <= width + 2, col = 0;

	text_put_fill(w, y, 0, width, "", theme_attr(ROLE_KEYTEXT));
	for (const struct keybar_entry *k = entries; k->label; k++) {
		entry_key(k, with_fkey, name, sizeof(name));
		int len = text_width(name) + 1 + text_width(k->label);
		if (col + len > width)
			break;
		col += text_put(w, y, col, width - col, name, 0, theme_attr(ROLE_KEY));
		col++;
		col += text_put(w, y, col, width - col, k->label, 0, theme_attr(ROLE_KEYTEXT));
		col += 2;
	}
}
