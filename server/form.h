/* form.h - the fields of a POST body (urlencoded or multipart), collected by
 * MHD's post processor under a hard limit on their total size. */
#ifndef WEBMSGD_FORM_H
#define WEBMSGD_FORM_H

#include <stddef.h>

#include <microhttpd.h>

#include "webmsg/buf.h"

#define FORM_MAX_FIELDS 128

struct form_field {
	char *name;
	char *filename;     /* an uploaded file's name, or NULL */
	char *content_type; /* an uploaded file's type, or NULL */
	struct buf value;
};

struct form {
	struct form_field fields[FORM_MAX_FIELDS];
	size_t n;
	size_t used, max; /* bytes of values so far, and the limit */
	int too_large;    /* the body went over the limit or had too many fields */
};

void form_init(struct form *f, size_t max);
void form_free(struct form *f);
/* The MHD_PostDataIterator; cls is the struct form. */
enum MHD_Result form_collect(void *cls, enum MHD_ValueKind kind, const char *key,
			     const char *filename, const char *content_type,
			     const char *transfer_encoding, const char *data, uint64_t off,
			     size_t size);
/* The first value of a field (never NULL: "" when absent). */
const char *form_get(const struct form *f, const char *name);
/* The i-th field of that name, or NULL. */
const struct form_field *form_nth(const struct form *f, const char *name, size_t i);

#endif
