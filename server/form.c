/* form.c - collecting POST fields. */
#include <stdlib.h>
#include <string.h>

#include "form.h"

void form_init(struct form *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
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
	}
	f->n = 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

enum MHD_Result form_collect(void *cls, enum MHD_ValueKind kind, const char *key,
			     const char *filename, const char *content_type,
			     const char *transfer_encoding, const char *data, uint64_t off,
			     size_t size)
{
	struct form *f = cls;
	struct form_field *field;
	(void)kind;
	(void)transfer_encoding;
	if (f->too_large)
		return MHD_NO;
	/* MHD hands a field over in pieces; a piece at offset 0 starts a new one. */
	if (off == 0 || f->n == 0) {
		if (f->n == FORM_MAX_FIELDS) {
			f->too_large = 1;
			return MHD_NO;
		}
		field = &f->fields[f->n];
		memset(field, 0, sizeof(*field));
		/* A multipart part without a name="" comes with key NULL: it
		 * gets the empty name, which no page asks for. */
		field->name = strdup(key ? key : "");
		field->filename = dup_or_null(filename);
		field->content_type = dup_or_null(content_type);
		buf_init(&field->value, f->max);
		f->n++;
		if (!field->name)
			return MHD_NO;
	}
	field = &f->fields[f->n - 1];
	if (f->used + size > f->max || buf_append(&field->value, data, size) < 0) {
		f->too_large = 1;
		return MHD_NO;
	}
	f->used += size;
	return MHD_YES;
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
	return field && field->value.data ? field->value.data : "";
}
