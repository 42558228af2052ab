/* form.h - the fields of a POST body (urlencoded or multipart), collected by
 * MHD's post processor: text fields in memory under a small cap, uploaded
 * files written to an unnamed spool file as they arrive, the CSRF token
 * checked as soon as the first field is complete. */
#ifndef WEBMSGD_FORM_H
#define WEBMSGD_FORM_H

#include <stddef.h>

#include <microhttpd.h>

#include "webmsg/buf.h"

#define FORM_MAX_FIELDS 128
/* A form that checks a CSRF token carries it first: a body that has not
 * delivered it complete within this many bytes is refused. */
#define FORM_CSRF_WINDOW 4096

struct form_limits {
	size_t text_max;   /* bytes of all text fields together, held in memory */
	size_t file_max;   /* bytes of all uploaded files together; 0: files refused */
	const char *spool; /* folder for uploads (borrowed; only when file_max > 0) */
	const char *csrf;  /* the token the first field must carry (borrowed), or NULL */
};

struct form_field {
	char *name;
	char *filename;     /* an uploaded file's name, or NULL */
	char *content_type; /* an uploaded file's type, or NULL */
	struct buf value;   /* a text field's value */
	int fd;             /* an uploaded file's spool file, or -1 (also when it is empty) */
	size_t size;        /* an uploaded file's size */
};

enum form_csrf { FORM_CSRF_UNCHECKED, FORM_CSRF_PENDING, FORM_CSRF_OK, FORM_CSRF_BAD };

struct form {
	struct form_field fields[FORM_MAX_FIELDS];
	size_t n;
	size_t used, files;   /* bytes of text and of files so far */
	struct form_limits lim;
	size_t reserved;      /* bytes of the process's body memory budget this form holds */
	int too_large;        /* the body went over a limit or had too many fields */
	/* The files went over file_max: all of them are dropped, the text fields
	 * kept, so that the page can say why and keep what was typed. The body
	 * is read on (and dropped) up to file_max more, then it is too_large. */
	int files_refused;
	size_t dropped;       /* bytes of files dropped since */
	int failed;           /* a spool file could not be written */
	enum form_csrf csrf;  /* PENDING until the first field is complete */
};

void form_init(struct form *f, const struct form_limits *lim);
/* Closes spool files, wipes values, gives back the memory reservation. */
void form_free(struct form *f);
/* Takes bytes of the memory all forms in flight may hold (cap); -1 when
 * that would go over it: the server is busy. */
int form_reserve(struct form *f, size_t bytes, size_t cap);
/* The MHD_PostDataIterator; cls is the struct form. */
enum MHD_Result form_collect(void *cls, enum MHD_ValueKind kind, const char *key,
			     const char *filename, const char *content_type,
			     const char *transfer_encoding, const char *data, uint64_t off,
			     size_t size);
/* What a body of files may declare: their limit, and as much again that is
 * read and dropped so that a form a little over it comes back with its text. */
#define FORM_FILES_READ_MAX(file_max) (2 * (file_max))

/* A new file with no name in the spool folder dir (as uploads get), open
 * for reading and writing; -1 with errno. */
int form_spool_file(const char *dir);

/* The body is complete: settles a CSRF check still pending. */
void form_finish(struct form *f);
/* The first value of a text field (never NULL: "" when absent). */
const char *form_get(const struct form *f, const char *name);
/* The i-th field of that name, or NULL. */
const struct form_field *form_nth(const struct form *f, const char *name, size_t i);

#endif
