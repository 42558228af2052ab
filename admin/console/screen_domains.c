/* screen_domains.c - the mail domains with their numbers of users and their
 * two-step verification (TOTP) policy: add one, delete one (with its users,
 * after confirming), set its policy, open one's users. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/users.h"

#include "console/console.h"
#include "core/accounts.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "widgets/theme.h"

struct domain_row {
	char name[256];
	long users;
	char totp[DOMAIN_TOTP_MAX]; /* its own policy, "inherit" for login.totp's */
};

struct domains_screen {
	struct domain_row *rows;
	int n, cap;
	struct list list;
	int failed;
};

static int add_row(const char *name, long users, void *arg)
{
	struct domains_screen *s = arg;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct domain_row *p = realloc(s->rows, (size_t)cap * sizeof(*p));
		if (!p)
			return 1;
		s->rows = p;
		s->cap = cap;
	}
	snprintf(s->rows[s->n].name, sizeof(s->rows[0].name), "%s", name);
	snprintf(s->rows[s->n].totp, sizeof(s->rows[0].totp), "?");
	s->rows[s->n++].users = users;
	return 0;
}

static int load(struct console *c, struct domains_screen *s)
{
	struct err e;
	s->n = 0;
	if (domain_list(console_db(c), add_row, s, &e) < 0) {
		s->failed = 1;
		console_db_failed(c, &e);
		return -1;
	}
	for (int i = 0; i < s->n; i++)
		if (domain_totp_get(console_db(c), s->rows[i].name, s->rows[i].totp,
				    sizeof(s->rows[i].totp), &e) < 0) {
			console_db_failed(c, &e);
			return -1;
		}
	list_set_count(&s->list, s->n);
	return 0;
}

static void *domains_open(struct console *c, const char *arg)
{
	struct domains_screen *s = calloc(1, sizeof(*s));
	(void)arg;
	if (s)
		load(c, s);
	return s;
}

static void domains_close(void *st)
{
	struct domains_screen *s = st;
	free(s->rows);
	free(s);
}

static void draw_row(WINDOW *w, int y, int x, int width, int i, attr_t a, void *arg)
{
	struct domains_screen *s = arg;
	char users[32];
	snprintf(users, sizeof(users), "%ld user%s", s->rows[i].users, s->rows[i].users == 1 ? "" : "s");
	text_put(w, y, x + 1, width - 26, s->rows[i].name, 0, a);
	text_put(w, y, x + width - 24, 11, s->rows[i].totp, 0, a);
	text_put(w, y, x + width - 12, 11, users, 0, a);
}

static void domains_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct domains_screen *s = st;
	(void)c;
	if (s->n == 0) {
		text_put_wrapped(w, 0, 1, width - 2, h, "There are no mail domains yet. Press n to "
				 "add one; users are then added in it.", theme_attr(ROLE_DIM));
		return;
	}
	text_put(w, 0, 1, width - 26, "Domain", 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	text_put(w, 0, width - 24, 11, "2-step", 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	text_put(w, 0, width - 12, 11, "Users", 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	list_draw(&s->list, w, 1, 0, h - 1, width, focused, draw_row, s);
}

static void add_domain(struct console *c, struct domains_screen *s)
{
	char name[256] = "", norm[256];
	struct err e;
	if (!dialog_input("Add a domain", "Domain name (example.org):", name, sizeof(name)) ||
	    !name[0])
		return;
	if (domain_name_normalize(name, norm, sizeof(norm), &e) < 0 ||
	    domain_add(console_db(c), norm, &e) < 0) {
		console_fail(c, "Add a domain", &e);
		return;
	}
	if (load(c, s) < 0)
		return;
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].name, norm) == 0)
			s->list.cur = i;
	console_tree_changed(c);
}

static void delete_domain(struct console *c, struct domains_screen *s)
{
	char text[600], done[320];
	struct err e;
	const struct domain_row *d = &s->rows[s->list.cur];
	if (d->users > 0)
		snprintf(text, sizeof(text), "Delete the domain %s and its %ld user%s?", d->name,
			 d->users, d->users == 1 ? "" : "s");
	else
		snprintf(text, sizeof(text), "Delete the domain %s?", d->name);
	if (!dialog_confirm("Delete a domain", text))
		return;
	if (accounts_domain_del(console_db(c), d->name, 1, done, sizeof(done), &e) < 0) {
		console_fail(c, "Delete a domain", &e);
		return;
	}
	dialog_message("Delete a domain", done);
	if (load(c, s) == 0)
		console_tree_changed(c);
}

/* The domain's two-step verification policy; off for a domain whose users
 * set up keys is confirmed first (they log on with the password alone). */
static void set_totp(struct console *c, struct domains_screen *s)
{
	/* Distinct first letters: dialog_choice takes them as keys. */
	static const char *const labels[] = { "Inherit", "Required", "Users choose",
					      "Off (password only)", NULL };
	static const char *const values[] = { "inherit", "required", "optional", "off" };
	const struct domain_row *d = &s->rows[s->list.cur];
	char text[600], name[256];
	long enrolled = 0;
	struct err e;
	int def = 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(d->totp, values[i]) == 0)
			def = i;
	snprintf(text, sizeof(text),
		 "Two-step verification (TOTP) for the users of %s. Inherit follows the "
		 "setting login.totp; Required sends users without a key to set one up right "
		 "after the password; Users choose offers it; Off asks nobody for a code, not "
		 "even users who set one up (their keys are kept).", d->name);
	int i = dialog_choice("Two-step verification", text, labels, def);
	if (i < 0)
		return;
	snprintf(name, sizeof(name), "%s", d->name);
	if (domain_totp_enrolled(console_db(c), name, &enrolled, &e) < 0) {
		console_fail(c, "Two-step verification", &e);
		return;
	}
	if (strcmp(values[i], "off") == 0 && enrolled > 0) {
		snprintf(text, sizeof(text),
			 "%ld user%s of %s set up two-step verification. With Off %s logged on "
			 "with the password alone. Turn it off?",
			 enrolled, enrolled == 1 ? "" : "s", name, enrolled == 1 ? "is" : "are");
		if (!dialog_confirm("Two-step verification", text))
			return;
	}
	if (domain_totp_set(console_db(c), name, values[i], &e) < 0) {
		console_fail(c, "Two-step verification", &e);
		return;
	}
	load(c, s);
}

static int domains_key(struct console *c, void *st, int key)
{
	struct domains_screen *s = st;
	if (key == 'n' || key == KEY_IC) {
		add_domain(c, s);
		return 1;
	}
	if (s->n == 0)
		return 0;
	if (key == 'd' || key == KEY_DC) {
		delete_domain(c, s);
		return 1;
	}
	if (key == 't') {
		set_totp(c, s);
		return 1;
	}
	if (key_is_enter(key)) {
		console_go(c, NODE_DOMAIN, s->rows[s->list.cur].name);
		return 1;
	}
	return list_key(&s->list, key, LINES - 8);
}

static const struct keybar_entry *domains_keys(void *st)
{
	static const struct keybar_entry keys[] = { { "Ins", "n", "Add" },
						    { "Del", "d", "Delete" },
						    { NULL, "t", "2-step policy" },
						    { NULL, "Enter", "Users" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_domains = {
	.name = "Domains",
	.help = "The mail domains this server serves, each with its two-step verification "
		"policy and its number of users. Users log on as name@domain. Deleting a "
		"domain deletes its users too, after you confirm it. t sets the domain's "
		"two-step verification (TOTP) policy: inherit (login.totp decides), required "
		"(users without a key set one up right after the password), users choose, "
		"or off: nobody of the domain is asked for a code, not even users who set "
		"one up (their keys are kept, and are asked for again once the policy is "
		"no longer off).",
	.open = domains_open,
	.close = domains_close,
	.draw = domains_draw,
	.key = domains_key,
	.keys = domains_keys,
};
