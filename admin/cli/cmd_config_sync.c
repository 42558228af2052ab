/* cmd_config_sync.c - config export, import and diff: the configuration
 * copied between machines as a checked text file (core/config_sync.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/config_file.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/settings.h"

#include "cli/commands.h"
#include "core/config_sync.h"

/* diff's exit status when it could not compare, as diff(1) says trouble. */
#define DIFF_TROUBLE 2

int cmd_config_export(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *path = argc > 0 ? argv[0] : "-";
	int secrets = ctx->opt[OPT_WITH_SECRETS] > 0;
	struct err e;
	char *text;
	size_t len;
	int rc = CMD_OK;

	/* Secrets on a screen stay in its scrollback and over the shoulder. */
	if (secrets && strcmp(path, "-") == 0 && isatty(STDOUT_FILENO))
		return cmd_error("--with-secrets does not write to a terminal; give a FILE (made "
				 "with mode 0600) or redirect the output");
	if (config_sync_export(ctx->db, secrets, &text, &len, &e) < 0)
		return cmd_error("%s", e.msg);
	if (strcmp(path, "-") == 0) {
		if (fwrite(text, 1, len, stdout) != len)
			rc = cmd_error("cannot write the configuration to standard output");
	} else if (config_sync_write(path, text, len, secrets, &e) < 0) {
		rc = cmd_error("%s", e.msg);
	} else {
		fprintf(stderr, "%s: exported to %s%s\n", CMD_PROGRAM, path,
			secrets ? " (with secrets, mode 0600)" : " (secrets left out)");
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* A value for a terminal: quoted and escaped, secrets never shown. */
static void show_value(const struct config_file_diff *d, const char *v, int present, char *out,
		       size_t outlen)
{
	if (settings_get(d->id)->flags & SETTING_SECRET)
		snprintf(out, outlen, "%s", v[0] ? "(secret set)" : "(not set)");
	else if (config_file_quote(v, out, outlen) < 0)
		snprintf(out, outlen, "(%zu bytes)", strlen(v));
	size_t used = strlen(out);
	if (!present)
		snprintf(out + used, outlen - used, " (default)");
}

/* One table: setting, here, file (or old -> new for what an import did). */
static void print_diff(const struct config_sync_result *r, const char *here_title,
		       const char *file_title)
{
	int width = 7;
	char a[256], b[256];

	for (size_t i = 0; i < r->n; i++)
		if ((int)strlen(settings_get(r->diff[i].id)->name) > width)
			width = (int)strlen(settings_get(r->diff[i].id)->name);
	printf("%-*s  %-30s  %s\n", width, "setting", here_title, file_title);
	for (size_t i = 0; i < r->n; i++) {
		const struct config_file_diff *d = &r->diff[i];
		const struct setting *s = settings_get(d->id);
		show_value(d, d->here, r->before->stored[d->id], a, sizeof(a));
		show_value(d, d->file, d->in_file, b, sizeof(b));
		if ((s->flags & SETTING_SECRET) && d->here[0] && d->file[0])
			snprintf(b, sizeof(b), "(secret, different)");
		printf("%-*s  %-30s  %s\n", width, s->name, a, b);
	}
}

/* A setting the file would change that an import never replaces here. */
static void print_kept(const struct config_sync_result *r)
{
	if (r->kept[0])
		printf("%s: the file has another value; kept here, not replaced by an import "
		       "while TOTP keys of this database are sealed with it\n",
		       r->kept);
}

int cmd_config_diff(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_sync_result r;
	struct config_file *f;
	struct err e;

	(void)argc;
	if (config_sync_read(argv[0], &f, &e) < 0) {
		cmd_error("%s", e.msg);
		return DIFF_TROUBLE;
	}
	if (config_sync_diff(ctx->db, f, &r, &e) < 0) {
		config_file_free(&f);
		cmd_error("%s", e.msg);
		return DIFF_TROUBLE;
	}
	if (r.n == 0)
		printf("the same: every setting is as in %s\n", argv[0]);
	else
		print_diff(&r, "here", "file");
	print_kept(&r);
	int rc = r.n == 0 ? CMD_OK : CMD_FAIL;
	config_sync_result_free(&r);
	config_file_free(&f);
	return rc;
}

int cmd_config_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_sync_result r;
	struct config_file *f;
	struct err e;
	int dry = ctx->opt[OPT_DRY_RUN] > 0, rc;

	(void)argc;
	if (config_sync_read(argv[0], &f, &e) < 0)
		return cmd_error("%s; nothing was imported", e.msg);
	int imported = config_sync_import(ctx->db, f, dry, &r, &e);
	print_kept(&r);
	if (imported < 0) {
		/* Saved but not applied by the daemon: say what was saved. */
		int saved = r.outcome.version > 0 && !dry;
		if (saved && r.n > 0)
			print_diff(&r, "before", "now");
		rc = cmd_error("%s%s", e.msg,
			       saved || strstr(e.msg, "nothing was saved") ? ""
									     : "; nothing was imported");
		goto out;
	}
	if (r.n == 0) {
		printf("unchanged: every setting is already as in %s\n", argv[0]);
		rc = CMD_OK;
		goto out;
	}
	print_diff(&r, "before", dry ? "would be" : "now");
	if (dry) {
		printf("dry run: %zu setting%s would change; the checks pass; nothing was saved\n",
		       r.n, r.n == 1 ? "" : "s");
		if (r.restart[0])
			printf("%s would need a restart ('%s service restart')\n", r.restart,
			       CMD_PROGRAM);
		rc = CMD_OK;
		goto out;
	}
	rc = cmd_report(0, &r.outcome, &e);
	if (strstr(r.outcome.text, "not running"))
		printf("start webmsgd to use them ('%s service start')\n", CMD_PROGRAM);
	else if (r.restart[0] && !r.outcome.restart[0])
		printf("%s takes effect at the next restart ('%s service restart')\n", r.restart,
		       CMD_PROGRAM);
out:
	config_sync_result_free(&r);
	config_file_free(&f);
	return rc;
}
