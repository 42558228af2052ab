/* form.c - collecting POST fields: text in memory under a cap, files
 * streamed to unnamed spool files, the CSRF token checked first. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "form.h"
#include "webmsg/fileio.h"
#include "webmsg/log.h"
#include "webmsg/token.h"

/* Bytes of the body memory budget taken by all forms in flight. */
static atomic_size_t form_memory;

void form_init(struct form *f, const struct form_limits *lim)
{
	memset(f, 0, sizeof(*f));
	f->lim = *lim;
	f->csrf = lim->csrf ? FORM_CSRF_PENDING : FORM_CSRF_UNCHECKED;
}

int form_reserve(struct form *f, size_t bytes, size_t cap)
{
	size_t before = atomic_fetch_add(&form_memory, bytes);
	if (before + bytes > cap) {
		atomic_fetch_sub(&form_memory, bytes);
		return -1;
	}
	f->reserved += bytes;
	return 0;
}

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].filename);
		free(f->fields[i].content_type);
		/* Passwords pass through here: leave nothing behind. */
		if (f->fields[i].value.data)
			explicit_bzero(f->fields[i].value.data, f->fields[i].value.len);
		buf_free(&f->fields[i].value);
		if (f->fields[i].fd >= 0)
			close(f->fields[i].fd);
	}
	f->n = 0;
	if (f->reserved)
		atomic_fetch_sub(&form_memory, f->reserved);
	f->reserved = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A file that has no name: nothing is left behind when the request ends or
 * the process dies. Where the file system has no O_TMPFILE, a named one is
 * unlinked at once. */
int form_spool_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/upload.XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* The first field is complete: it must be the token. */
static void check_csrf(struct form *f)
{
	if (f->csrf != FORM_CSRF_PENDING || f->n == 0)
		return;
	const struct form_field *first = &f->fields[0];
	int ok = strcmp(first->name, "csrf") == 0 && !first->filename && first->value.data &&
		 token_equal(first->value.data, f->lim.csrf);
	f->csrf = ok ? FORM_CSRF_OK : FORM_CSRF_BAD;
}

static enum MHD_Result new_field(struct form *f, const char *key, const char *filename,
				 const char *content_type)
{
	/* A multipart part without a name="" comes with key NULL: it gets the
	 * empty name, which no page asks for. */
	if (!key)
		key = "";
	if (f->csrf == FORM_CSRF_PENDING) {
		if (f->n == 0 && strcmp(key, "csrf") != 0)
			f->csrf = FORM_CSRF_BAD;
		else
			check_csrf(f);
		if (f->csrf == FORM_CSRF_BAD)
			return MHD_NO;
	}
	if (f->n == FORM_MAX_FIELDS || (filename && f->lim.file_max == 0)) {
		f->too_large = 1;
		return MHD_NO;
	}
	struct form_field *field = &f->fields[f->n];
	memset(field, 0, sizeof(*field));
	field->fd = -1;
	field->name = strdup(key);
	field->filename = dup_or_null(filename);
	field->content_type = dup_or_null(content_type);
	buf_init(&field->value, f->lim.text_max);
	f->n++;
	return field->name ? MHD_YES : MHD_NO;
}

enum MHD_Result form_collect(void *cls, enum MHD_ValueKind kind, const char *key,
			     const char *filename, const char *content_type,
			     const char *transfer_encoding, const char *data, uint64_t off,
			     size_t size)
{
	struct form *f = cls;
	(void)kind;
	(void)transfer_encoding;
	if (f->too_large || f->failed || f->csrf == FORM_CSRF_BAD)
		return MHD_NO;
	/* MHD hands a field over in pieces; a piece at offset 0 starts a new one. */
	if ((off == 0 || f->n == 0) && new_field(f, key, filename, content_type) != MHD_YES)
		return MHD_NO;
	struct form_field *field = &f->fields[f->n - 1];
	if (size == 0)
		return MHD_YES;
	if (!field->filename) {
		if (f->used + size > f->lim.text_max ||
		    buf_append(&field->value, data, size) < 0) {
			f->too_large = 1;
			return MHD_NO;
		}
		f->used += size;
		return MHD_YES;
	}
	if (f->files_refused || f->files + size > f->lim.file_max) {
		if (!f->files_refused) {
			/* Spool files are unnamed: closed, they are gone. */
			for (size_t i = 0; i < f->n; i++)
				if (f->fields[i].fd >= 0) {
					close(f->fields[i].fd);
					f->fields[i].fd = -1;
					f->fields[i].size = 0;
				}
			f->files_refused = 1;
		}
		f->dropped += size;
		if (f->files + f->dropped > FORM_FILES_READ_MAX(f->lim.file_max)) {
			f->too_large = 1;
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (field->fd < 0 && (field->fd = form_spool_file(f->lim.spool)) < 0) {
		log_warn("cannot open an upload file in %s", f->lim.spool);
		f->failed = 1;
		return MHD_NO;
	}
	if (fileio_write_all(field->fd, data, size) < 0) {
		log_warn("cannot write an upload file in %s", f->lim.spool);
		f->failed = 1;
		return MHD_NO;
	}
	field->size += size;
	f->files += size;
	return MHD_YES;
}

void form_finish(struct form *f)
{
	check_csrf(f);
}

const struct form_field *form_nth(const struct form *f, const char *name, size_t i)
{
	for (size_t k = 0; k < f->n; k++)
		if (strcmp(f->fields[k].name, name) == 0 && i-- == 0)
			return &f->fields[k];
	return NULL;
}

const char *form_get(const struct form *f, const char *name)
{
	const struct form_field *field = form_nth(f, name, 0);
	return field && !field->filename && field->value.data ? field->value.data : "";
}
