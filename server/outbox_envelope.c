/* outbox_envelope.c - the outbox's files: each message is a pair of files in
 * the spool folder: ID.eml, the message as it goes to the relay, and ID.env,
 * its envelope (sender, recipients, tries so far, when to try next, the last
 * error). ID.env is written after ID.eml and is what makes a message queued;
 * it is replaced whole (written in tmp/, fsynced, renamed) after every try,
 * so a crash leaves the old or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbox_private.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/log.h"

int outbox_envelope_path(const struct outbox *ob, const char *sub, const char *id,
			 const char *ext, char *out, size_t outlen, struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s%s%s", ob->dir, sub, id, ext);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the outbox path %s is too long", ob->dir);
	return 0;
}

/* Writes ID.ext durably: in tmp/, fsynced, renamed, the folder fsynced. */
int outbox_envelope_write_file(const struct outbox *ob, const char *id, const char *ext,
			       const void *data, size_t len, struct err *e)
{
	char tmp_dir[PATH_MAX], dst[PATH_MAX];
	if (outbox_envelope_path(ob, "tmp", "", "", tmp_dir, sizeof(tmp_dir), e) < 0 ||
	    outbox_envelope_path(ob, "", id, ext, dst, sizeof(dst), e) < 0)
		return -1;
	return fileio_write_atomic_in(dst, tmp_dir, data, len, 0600, e);
}

/* One line of an envelope: no line ends or other control characters. */
static void put_field(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s ", key);
	for (const char *p = value; *p; p++)
		buf_append(b, (unsigned char)*p < 0x20 || *p == 0x7f ? " " : p, 1);
	buf_puts(b, "\n");
}

int outbox_envelope_write(const struct outbox *ob, const char *id, const struct envelope *env,
			  struct err *e)
{
	struct buf b;
	buf_init(&b, ENV_MAX);
	buf_puts(&b, "webmsg-outbox 1\n");
	put_field(&b, "from", env->sender[0] ? env->sender : "<>");
	for (size_t i = 0; i < env->nrcpt; i++)
		put_field(&b, "to", env->rcpt[i]);
	buf_printf(&b, "queued %ld\nattempts %ld\nnext %ld\n", env->queued, env->attempts,
		   env->next);
	if (env->error[0])
		put_field(&b, "error", env->error);
	int rc = b.failed ? err_set(e, "the envelope of %s is too large", id)
			  : outbox_envelope_write_file(ob, id, ".env", b.data, b.len, e);
	buf_free(&b);
	return rc;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

int outbox_envelope_read(const struct outbox *ob, const char *id, struct envelope *env,
			 struct err *e)
{
	char path[PATH_MAX];
	struct buf b;
	memset(env, 0, sizeof(*env));
	if (outbox_envelope_path(ob, "", id, ".env", path, sizeof(path), e) < 0)
		return -1;
	buf_init(&b, ENV_MAX);
	/* Written by the worker: never followed through a link, never a FIFO. */
	if (fileio_append_path(path, O_NOFOLLOW | O_NONBLOCK, &b, e) < 0 && !b.failed) {
		buf_free(&b);
		return -1;
	}
	int bad = b.failed || !b.data || strncmp(b.data, "webmsg-outbox 1\n", 16) != 0, from = 0;
	for (char *line = b.data, *nl; !bad && line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		char *value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = '\0';
		if (strcmp(line, "from") == 0) /* once; "<>" is the null sender */
			bad = from++ || !*value ||
			      snprintf(env->sender, sizeof(env->sender), "%s",
				       strcmp(value, "<>") == 0 ? "" : value) >= (int)sizeof(env->sender);
		else if (strcmp(line, "to") == 0)
			bad = env->nrcpt == RCPT_MAX ||
			      snprintf(env->rcpt[env->nrcpt++], sizeof(env->rcpt[0]), "%s", value) >=
				      (int)sizeof(env->rcpt[0]);
		else if (strcmp(line, "queued") == 0)
			bad = parse_long(value, &env->queued);
		else if (strcmp(line, "attempts") == 0)
			bad = parse_long(value, &env->attempts);
		else if (strcmp(line, "next") == 0)
			bad = parse_long(value, &env->next);
		else if (strcmp(line, "error") == 0)
			snprintf(env->error, sizeof(env->error), "%s", value);
	}
	buf_free(&b);
	/* Null only when it says <>, never by a missing line. */
	if (bad || !from || (env->sender[0] && !strchr(env->sender, '@')) || env->nrcpt == 0)
		return err_set(e, "%s is not an outbox envelope", path);
	return 0;
}

void outbox_envelope_remove(const struct outbox *ob, const char *id)
{
	char path[PATH_MAX];
	struct err e;
	/* The envelope first: without it the message is no longer queued. */
	if (outbox_envelope_path(ob, "", id, ".env", path, sizeof(path), &e) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		log_warn("outbox: cannot remove %s", path);
	if (outbox_envelope_path(ob, "", id, ".eml", path, sizeof(path), &e) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		log_warn("outbox: cannot remove %s", path);
}
