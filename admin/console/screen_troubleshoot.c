/* screen_troubleshoot.c - the checks of `webmsg-admin check` (core/troubleshoot.c), each
 * OK / WARN / FAIL with the hint for what fails. They run when the screen
 * has been shown for a moment, and again on Enter or c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/err.h"

#include "console/console.h"
#include "core/troubleshoot.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/text.h"
#include "widgets/textview.h"
#include "widgets/theme.h"

struct troubleshoot_screen {
	struct textview view;
	int ran;
	int failed, warned;
};

static const enum role level_roles[] = {
	[CHECK_OK] = ROLE_OK, [CHECK_WARN] = ROLE_WARN, [CHECK_FAIL] = ROLE_ERROR,
	[CHECK_SKIP] = ROLE_DIM,
};

static void add_result(const struct check_result *r, void *arg)
{
	struct troubleshoot_screen *s = arg;
	textview_add(&s->view, level_roles[r->level], 0, "%-4s %s", troubleshoot_level_label(r->level),
		     r->text);
	if (r->level != CHECK_OK && r->level != CHECK_SKIP && r->hint[0])
		textview_add(&s->view, ROLE_NORMAL, 5, "-> %s", r->hint);
	s->failed += r->level == CHECK_FAIL;
	s->warned += r->level == CHECK_WARN;
}

static void run(struct console *c, struct troubleshoot_screen *s)
{
	struct err e;
	dialog_progress("Troubleshoot", "Checking SSL, the service and the configuration...");
	textview_clear(&s->view);
	s->failed = s->warned = 0;
	s->ran = 1;
	if (troubleshoot_run(console_db(c), add_result, s, &e) < 0) {
		console_db_failed(c, &e);
		return;
	}
	textview_add(&s->view, s->failed ? ROLE_ERROR : s->warned ? ROLE_WARN : ROLE_OK, 0,
		     "\n%d failed, %d warning%s. Enter or c checks again.", s->failed, s->warned,
		     s->warned == 1 ? "" : "s");
}

static void *troubleshoot_open(struct console *c, const char *arg)
{
	(void)c;
	(void)arg;
	return calloc(1, sizeof(struct troubleshoot_screen));
}

static void troubleshoot_close(void *st)
{
	struct troubleshoot_screen *s = st;
	textview_clear(&s->view);
	free(s);
}

static void troubleshoot_tick(struct console *c, void *st)
{
	struct troubleshoot_screen *s = st;
	if (!s->ran)
		run(c, s);
}

static void troubleshoot_draw(struct console *c, void *st, WINDOW *w, int h, int width,
			      int focused)
{
	struct troubleshoot_screen *s = st;
	(void)c;
	(void)focused;
	if (!s->ran) {
		text_put_wrapped(w, 0, 1, width - 2, h, "Checking in a moment (Enter checks now)...",
				 theme_attr(ROLE_DIM));
		return;
	}
	textview_draw(&s->view, w, 0, 1, h, width - 1);
}

static int troubleshoot_key(struct console *c, void *st, int key)
{
	struct troubleshoot_screen *s = st;
	if (key_is_enter(key) || key == 'c') {
		run(c, s);
		return 1;
	}
	return textview_key(&s->view, key);
}

static const struct keybar_entry *troubleshoot_keys(void *st)
{
	static const struct keybar_entry keys[] = { { NULL, "Enter/c", "Check again" },
						    { NULL, "Up/Down", "Scroll" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_troubleshoot = {
	.name = "Troubleshoot",
	.help = "The same checks as `webmsg-admin check`: the database, SSL (key store, "
		"certificate and key, expiry, cipher profile, client authentication), the service "
		"(running, configuration version, last reload) and a real HTTPS handshake. Each "
		"failure comes with what to do about it.",
	.open = troubleshoot_open,
	.close = troubleshoot_close,
	.draw = troubleshoot_draw,
	.key = troubleshoot_key,
	.keys = troubleshoot_keys,
	.tick = troubleshoot_tick,
};
