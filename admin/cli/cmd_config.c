/* cmd_config.c - config list, get, set, unset, history and revert: settings
 * through config.h, then asking a running webmsgd to apply the new version. */
#include <langinfo.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

#include "cli/commands.h"
#include "cli/prompt.h"
#include "core/apply.h"
#include "core/numbers.h"

/* The setting probably meant by an unknown name, typed whole or without the
 * part before the dot: the single closest one, or NULL. */
static const struct setting *nearest_setting(const char *name)
{
	const struct setting *near = NULL;
	int best = -1, ties = 0;

	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *t = settings_get((enum setting_id)i);
		const char *dot = strchr(t->name, '.');
		int d = cmd_mistype(name, t->name), d2 = dot ? cmd_mistype(name, dot + 1) : -1;
		if (d < 0 || (d2 >= 0 && d2 < d))
			d = d2;
		if (d < 0 || (best >= 0 && d > best))
			continue;
		ties = d == best ? ties + 1 : 1;
		best = d;
		near = t;
	}
	return ties == 1 ? near : NULL;
}

/* Finds a setting by name; otherwise says so, naming the one probably meant. */
static const struct setting *find_setting(const char *name, enum setting_id *id)
{
	const struct setting *s = settings_find(name, id);
	if (s)
		return s;
	if ((s = nearest_setting(name)))
		cmd_error("unknown setting '%s'; did you mean %s?", name, s->name);
	else
		cmd_error("unknown setting '%s' ('%s config list' shows them all)", name, CMD_PROGRAM);
	return NULL;
}

/* A value as a person reads it: "" stays visible. */
static const char *value_text(const char *v)
{
	return v[0] ? v : "\"\"";
}

/* A value in the history; NULL was the default, shown with what it is. */
static void print_history_value(const char *key, const char *v)
{
	const struct setting *s = settings_find(key, NULL);
	if (v)
		printf("%s", value_text(v));
	else if (s)
		printf("%s (default)", value_text(s->def));
	else
		printf("(default)");
}

static void list_one(const struct config_snapshot *snap, enum setting_id id, int width,
		     int verbose)
{
	const struct setting *s = settings_get(id);
	const char *v = config_str(snap, id);
	char type[160];

	printf("%-*s  %s%s\n", width, s->name,
	       s->flags & SETTING_SECRET ? (v[0] ? "(set)" : "(not set)") : value_text(v),
	       snap->stored[id] ? "" : "  (default)");
	if (!verbose)
		return;
	settings_describe_type(s, type, sizeof(type));
	printf("    %s, applied %s\n    %s\n", type,
	       s->flags & SETTING_RESTART ? "at restart" : "on reload", s->help);
}

int cmd_config_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *snap;
	struct err e;
	int width = 0;

	(void)argc;
	(void)argv;
	if (config_load(ctx->db, &snap, &e) < 0)
		return cmd_error("%s", e.msg);
	for (int i = 0; i < SET_COUNT; i++)
		if ((int)strlen(settings_get((enum setting_id)i)->name) > width)
			width = (int)strlen(settings_get((enum setting_id)i)->name);
	for (int i = 0; i < SET_COUNT; i++)
		list_one(snap, (enum setting_id)i, width, ctx->opt[OPT_VERBOSE]);
	config_snapshot_free(&snap);
	return CMD_OK;
}

int cmd_config_get(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_snapshot *snap;
	struct err e;
	enum setting_id id;
	const struct setting *s = find_setting(argv[0], &id);

	(void)argc;
	if (!s)
		return CMD_FAIL;
	if (s->flags & SETTING_SECRET)
		return cmd_error("%s is a secret and is never printed ('%s config list' shows "
				 "whether it is set)", s->name, CMD_PROGRAM);
	if (config_load(ctx->db, &snap, &e) < 0)
		return cmd_error("%s", e.msg);
	printf("%s\n", config_str(snap, id));
	config_snapshot_free(&snap);
	return CMD_OK;
}

int cmd_report(int rc, const struct apply_outcome *o, const struct err *e)
{
	if (rc < 0)
		cmd_error("%s", e->msg);
	else if (o->text[0])
		printf("%s\n", o->text);
	if (o->warning[0])
		cmd_warn("%s", o->warning);
	else if (o->restart[0])
		printf("%s\n", o->restart);
	return rc < 0 ? CMD_FAIL : CMD_OK;
}

int cmd_commit_changes(struct db *db, const struct config_change *changes, size_t n)
{
	struct apply_outcome o;
	struct err e;
	return cmd_report(apply_changes(db, changes, n, &o, &e), &o, &e);
}

/* Saves one change (value NULL: back to the default) and applies it. */
static int commit(struct cmd_ctx *ctx, enum setting_id id, const char *value)
{
	struct config_change change = { id, value };
	return cmd_commit_changes(ctx->db, &change, 1);
}

static int set_secret(struct cmd_ctx *ctx, const struct setting *s, enum setting_id id)
{
	char value[PROMPT_MAX], what[200];
	struct err e;
	int rc;

	snprintf(what, sizeof(what), "%s (%s)", s->help, s->name);
	if (prompt_password(what, ctx->opt_arg[OPT_PASSWORD_FILE], value, sizeof(value), &e) < 0)
		rc = cmd_error("%s", e.msg);
	else
		rc = commit(ctx, id, value);
	explicit_bzero(value, sizeof(value));
	return rc;
}

int cmd_config_set(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum setting_id id;
	const struct setting *s = find_setting(argv[0], &id);

	if (!s)
		return CMD_FAIL;
	if ((s->flags & SETTING_SECRET) && argc > 1)
		return cmd_error("%s is a secret and is not taken from the command line, where other "
				 "users can see it and the shell's history keeps it; nothing was "
				 "saved. Leave the value out to type it, or use --password-file FILE",
				 s->name);
	if (s->flags & SETTING_SECRET)
		return set_secret(ctx, s, id);
	if (ctx->opt[OPT_PASSWORD_FILE])
		return cmd_usage_error(ctx->entry, "--password-file is for secrets; %s is not one",
				       s->name);
	if (argc < 2)
		return cmd_usage_error(ctx->entry, "config set: missing VALUE ('%s config unset %s' "
				       "puts it back to its default)", CMD_PROGRAM, s->name);
	return commit(ctx, id, argv[1]);
}

int cmd_config_unset(struct cmd_ctx *ctx, int argc, char **argv)
{
	enum setting_id id;
	(void)argc;
	if (!find_setting(argv[0], &id))
		return CMD_FAIL;
	return commit(ctx, id, NULL);
}

/* Two passes over the history: the first measures the columns, the second prints. */
struct history_view {
	int pass;
	int who_width, key_width;
	long rows;
	const char *arrow;
};

static void who_text(const struct config_history_entry *h, char *out, size_t outlen)
{
	if (h->client[0])
		snprintf(out, outlen, "%s from %s", h->who, h->client);
	else
		snprintf(out, outlen, "%s", h->who);
}

static int history_row(const struct config_history_entry *h, void *arg)
{
	struct history_view *v = arg;
	char who[200];

	who_text(h, who, sizeof(who));
	if (v->pass == 0) {
		if ((int)strlen(who) > v->who_width)
			v->who_width = (int)strlen(who);
		if ((int)strlen(h->key) > v->key_width)
			v->key_width = (int)strlen(h->key);
		v->rows++;
		return 0;
	}
	printf("%7ld  %-20s  %-*s  %-*s  ", h->version, h->at, v->who_width, who, v->key_width,
	       h->key);
	if (h->secret) {
		printf("(secret changed)\n");
		return 0;
	}
	print_history_value(h->key, h->old_value);
	printf(" %s ", v->arrow);
	print_history_value(h->key, h->new_value);
	putchar('\n');
	return 0;
}

int cmd_config_history(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct history_view v = { 0, 3, 7, 0, "->" };
	struct err e;

	(void)argc;
	(void)argv;
	if (strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
		v.arrow = "\xe2\x86\x92"; /* U+2192 RIGHTWARDS ARROW */
	if (config_history(ctx->db, history_row, &v, &e) < 0)
		return cmd_error("%s", e.msg);
	if (v.rows == 0)
		return CMD_OK;
	printf("%7s  %-20s  %-*s  %-*s  %s\n", "version", "time (UTC)", v.who_width, "who",
	       v.key_width, "setting", "change");
	v.pass = 1;
	if (config_history(ctx->db, history_row, &v, &e) < 0)
		return cmd_error("%s", e.msg);
	return CMD_OK;
}

static void report_skipped(enum setting_id id, void *arg)
{
	(void)arg;
	printf("%s is a secret and was not reverted\n", settings_get(id)->name);
}

int cmd_config_revert(struct cmd_ctx *ctx, int argc, char **argv)
{
	long version;

	(void)argc;
	if (numbers_parse_long(argv[0], 0, LONG_MAX, &version) < 0)
		return cmd_usage_error(ctx->entry, "config revert: '%s' is not a version number "
				       "('%s config history' lists them)", argv[0], CMD_PROGRAM);
	struct apply_outcome o;
	struct err e;
	return cmd_report(apply_revert(ctx->db, version, report_skipped, NULL, &o, &e), &o, &e);
}
