/* screen_users.c - the users of one domain: add one (a password typed twice
 * without echo), delete one after confirming, set a password, end the
 * user's remembered logons ("Remember me"), and reset the user's two-step
 * verification (TOTP). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/password.h"
#include "webmsg/users.h"

#include "console/console.h"
#include "core/accounts.h"
#include "widgets/dialog.h"
#include "widgets/keybar.h"
#include "widgets/list.h"
#include "widgets/text.h"
#include "widgets/theme.h"

struct user_row {
	char address[USER_ADDRESS_MAX];
	char created[11]; /* the date */
};

struct users_screen {
	char domain[256];
	char imap[600]; /* mail.store imap: the line that says where users live; "" else */
	struct user_row *rows;
	int n, cap;
	struct list list;
};

static int add_row(const char *address, const char *created, void *arg)
{
	struct users_screen *s = arg;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 32;
		struct user_row *p = realloc(s->rows, (size_t)cap * sizeof(*p));
		if (!p)
			return 1;
		s->rows = p;
		s->cap = cap;
	}
	snprintf(s->rows[s->n].address, sizeof(s->rows[0].address), "%s", address);
	snprintf(s->rows[s->n++].created, sizeof(s->rows[0].created), "%.10s", created);
	return 0;
}

static int load(struct console *c, struct users_screen *s)
{
	struct err e;
	s->n = 0;
	if (user_list(console_db(c), s->domain, add_row, s, &e) < 0) {
		console_db_failed(c, &e);
		return -1;
	}
	list_set_count(&s->list, s->n);
	return 0;
}

/* With mail.store imap the IMAP server's accounts log on, not these. */
static void imap_note(struct console *c, struct users_screen *s)
{
	struct config_snapshot *cfg;
	struct err e;
	s->imap[0] = '\0';
	if (config_load(console_db(c), &cfg, &e) < 0)
		return;
	const char *domain = config_str(cfg, SET_MAIL_IMAP_SENDER_DOMAIN);
	if (strcmp(config_str(cfg, SET_MAIL_STORE), "imap") == 0)
		snprintf(s->imap, sizeof(s->imap),
			 "mail.store is imap: users log on with their accounts on the IMAP server "
			 "%s, not with these (an account here keeps its two-step verification). "
			 "Names without @ send as NAME@%s (mail.imap_sender_domain).",
			 config_str(cfg, SET_MAIL_IMAP_SERVER),
			 domain[0] ? domain : "? - none set, they cannot send");
	config_snapshot_free(&cfg);
}

static void *users_open(struct console *c, const char *arg)
{
	struct users_screen *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->domain, sizeof(s->domain), "%s", arg);
	imap_note(c, s);
	load(c, s);
	return s;
}

static void users_close(void *st)
{
	struct users_screen *s = st;
	free(s->rows);
	free(s);
}

static void users_title(void *st, char *out, size_t len)
{
	snprintf(out, len, "Users of %s", ((struct users_screen *)st)->domain);
}

static void draw_row(WINDOW *w, int y, int x, int width, int i, attr_t a, void *arg)
{
	struct users_screen *s = arg;
	text_put(w, y, x + 1, width - 14, s->rows[i].address, 0, a);
	text_put(w, y, x + width - 12, 11, s->rows[i].created, 0, a);
}

static void users_draw(struct console *c, void *st, WINDOW *w, int h, int width, int focused)
{
	struct users_screen *s = st;
	int y = 0;
	(void)c;
	if (s->imap[0] && h > 8) {
		y = text_put_wrapped(w, 0, 1, width - 2, 5, s->imap, theme_attr(ROLE_DIM)) + 1;
		h -= y;
	}
	if (s->n == 0) {
		text_put_wrapped(w, y, 1, width - 2, h, "This domain has no users yet. Press n to "
				 "add one.", theme_attr(ROLE_DIM));
		return;
	}
	text_put(w, y, 1, width - 14, "User", 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	text_put(w, y, width - 12, 11, "Added", 0, theme_attr(ROLE_NORMAL) | A_BOLD);
	list_draw(&s->list, w, y + 1, 0, h - 1, width, focused, draw_row, s);
}

static void select_user(struct users_screen *s, const char *address)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].address, address) == 0)
			s->list.cur = i;
}

static void add_user(struct console *c, struct users_screen *s)
{
	char name[USER_ADDRESS_MAX] = "", arg[USER_ADDRESS_MAX + 260], address[USER_ADDRESS_MAX];
	char password[PASSWORD_MAX + 2], what[USER_ADDRESS_MAX + 32], prompt[300];
	struct err e;

	snprintf(prompt, sizeof(prompt), "User name (the part before @%s):", s->domain);
	if (!dialog_input("Add a user", prompt, name, sizeof(name)) || !name[0])
		return;
	if (strchr(name, '@'))
		snprintf(arg, sizeof(arg), "%s", name);
	else
		snprintf(arg, sizeof(arg), "%s@%s", name, s->domain);
	if (accounts_user_check(console_db(c), arg, 0, address, sizeof(address), &e) < 0) {
		console_fail(c, "Add a user", &e);
		return;
	}
	snprintf(what, sizeof(what), "Password for %s", address);
	if (!dialog_new_password("Add a user", what, password, sizeof(password)))
		return;
	dialog_progress("Add a user", "Hashing the password...");
	int rc = user_add(console_db(c), address, password, &e);
	explicit_bzero(password, sizeof(password));
	if (rc < 0) {
		console_fail(c, "Add a user", &e);
		return;
	}
	if (load(c, s) == 0)
		select_user(s, address);
	snprintf(what, sizeof(what), "added user %s", address);
	dialog_message("Add a user", what);
}

static void set_password(struct console *c, struct users_screen *s)
{
	char password[PASSWORD_MAX + 2], what[USER_ADDRESS_MAX + 40];
	const char *address = s->rows[s->list.cur].address;
	struct err e;

	snprintf(what, sizeof(what), "New password for %s", address);
	if (!dialog_new_password("Set the password", what, password, sizeof(password)))
		return;
	dialog_progress("Set the password", "Hashing the password...");
	int rc = user_set_password(console_db(c), address, password, &e);
	explicit_bzero(password, sizeof(password));
	if (rc < 0) {
		console_fail(c, "Set the password", &e);
		return;
	}
	snprintf(what, sizeof(what), "changed the password of %s", address);
	dialog_message("Set the password", what);
}

static void delete_user(struct console *c, struct users_screen *s)
{
	char text[USER_ADDRESS_MAX + 64];
	const char *address = s->rows[s->list.cur].address;
	struct err e;

	snprintf(text, sizeof(text), "Delete the user %s?", address);
	if (!dialog_confirm("Delete a user", text))
		return;
	if (user_del(console_db(c), address, &e) < 0) {
		console_fail(c, "Delete a user", &e);
		return;
	}
	snprintf(text, sizeof(text), "deleted user %s", address);
	load(c, s);
	dialog_message("Delete a user", text);
}

static void revoke(struct console *c, struct users_screen *s)
{
	char text[USER_ADDRESS_MAX + 128];
	const char *address = s->rows[s->list.cur].address;
	struct err e;

	snprintf(text, sizeof(text), "End every session and remembered logon of %s? The user "
		 "must log on with the password again everywhere.", address);
	if (!dialog_confirm("Log the user off", text))
		return;
	if (accounts_user_revoke(console_db(c), address, text, sizeof(text), &e) < 0) {
		console_fail(c, "Log the user off", &e);
		return;
	}
	dialog_message("Log the user off", text);
}

/* For a user who lost the phone and the recovery codes. */
static void totp_reset(struct console *c, struct users_screen *s)
{
	char text[USER_ADDRESS_MAX + 256];
	const char *address = s->rows[s->list.cur].address;
	struct err e;

	snprintf(text, sizeof(text), "Turn off two-step verification of %s and end the user's "
		 "sessions? The password alone logs on until the user sets it up again.", address);
	if (!dialog_confirm("Reset two-step verification", text))
		return;
	if (accounts_user_totp_reset(console_db(c), address, text, sizeof(text), &e) < 0) {
		console_fail(c, "Reset two-step verification", &e);
		return;
	}
	dialog_message("Reset two-step verification", text);
}

static int users_key(struct console *c, void *st, int key)
{
	struct users_screen *s = st;
	if (key == 'n' || key == KEY_IC) {
		add_user(c, s);
		return 1;
	}
	if (s->n == 0)
		return 0;
	if (key == 'd' || key == KEY_DC)
		delete_user(c, s);
	else if (key == 'p' || key_is_enter(key))
		set_password(c, s);
	else if (key == 'v')
		revoke(c, s);
	else if (key == 't')
		totp_reset(c, s);
	else
		return list_key(&s->list, key, LINES - 8);
	return 1;
}

static const struct keybar_entry *users_keys(void *st)
{
	static const struct keybar_entry keys[] = { { "Ins", "n", "Add" },
						    { "Del", "d", "Delete" },
						    { NULL, "p", "Password" },
						    { NULL, "v", "Log off everywhere" },
						    { NULL, "t", "Reset 2-step" },
						    { NULL, "Esc", "Tree" },
						    { 0 } };
	(void)st;
	return keys;
}

const struct screen screen_users = {
	.name = "Users",
	.help = "The users of this domain, who log on to Web Messaging as name@domain. "
		"Passwords are typed twice and never shown; they are stored as Argon2id hashes. "
		"Revoke ends the user's remembered logons (\"Remember me\"), for a lost laptop "
		"or a shared computer. Reset 2-step turns off a user's two-step verification "
		"(TOTP) and ends the user's sessions, for a lost phone.",
	.open = users_open,
	.close = users_close,
	.draw = users_draw,
	.key = users_key,
	.keys = users_keys,
	.title = users_title,
};
