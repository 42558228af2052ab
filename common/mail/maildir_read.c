/* maildir_read.c - reading one message of a Maildir for the pages: its
 * structure, one part, the whole file, and what a page shows of it, each a
 * GMime parse of the message's file (mime_*.c). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/mailstore.h"
#include "webmsg/mime.h"
#include "mailstore_backend.h"
#include "maildir_private.h"
#include "mime_private.h"

/* A result of mime_*.c as the back-end's. */
static int from_mime(int rc)
{
	if (rc == MIME_TOO_COMPLEX)
		return MAILSTORE_TOO_COMPLEX;
	if (rc == MIME_TOO_LARGE || rc == MIME_NO_PART)
		return MAILSTORE_REFUSED;
	return rc < 0 ? -1 : rc;
}

int maildir_read_structure(void *be, const char *folder, const char *id,
			   struct mail_structure **out, struct err *e)
{
	char path[4096];
	int rc = maildir_message_path(be, folder, id, path, sizeof(path), e);
	return rc < 0 ? rc : from_mime(mime_structure_file(path, out, e));
}

int maildir_read_part(void *be, const char *folder, const char *id, const char *part,
		      size_t max, struct buf *out, struct err *e)
{
	char path[4096];
	int rc = maildir_message_path(be, folder, id, path, sizeof(path), e);
	if (rc < 0)
		return rc;
	return from_mime(mime_structure_part_file(path, part, max, out, e));
}

int maildir_read_raw(void *be, const char *folder, const char *id, size_t max,
		     struct buf *out, struct err *e)
{
	char path[4096];
	struct stat st;
	int rc = maildir_message_path(be, folder, id, path, sizeof(path), e);
	if (rc < 0)
		return rc;
	if (stat(path, &st) < 0)
		return err_sys(e, "cannot read %s", path);
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		err_set(e, "the message is larger than %zu bytes: %lld bytes", max,
			(long long)st.st_size);
		return MAILSTORE_REFUSED;
	}
	/* bounded again while reading: the file may grow meanwhile */
	struct buf room;
	buf_init(&room, max);
	if (fileio_append_path(path, O_NONBLOCK, &room, e) < 0) {
		buf_free(&room);
		return err_prefix(e, "cannot read the message");
	}
	rc = room.len && buf_append(out, room.data, room.len) < 0 ? -1 : 0;
	buf_free(&room);
	return rc < 0 ? err_set(e, "the message is too large for its buffer") : 0;
}

/* One parse of the file for the whole page, as before there was an
 * interface for it: the quickest way on a local disk. */
int maildir_read_view(void *be, const char *folder, const char *id, struct mime_message **out,
		      struct err *e)
{
	char path[4096];
	int rc = maildir_message_path(be, folder, id, path, sizeof(path), e);
	return rc < 0 ? rc : from_mime(mime_parse_file(path, out, e));
}

int maildir_read_attachment(void *be, const char *folder, const char *id, int index,
			    size_t max, struct buf *out, char *content_type, size_t ctlen,
			    char *filename, size_t fnlen, struct err *e)
{
	char path[4096];
	int rc = maildir_message_path(be, folder, id, path, sizeof(path), e);
	if (rc < 0)
		return rc;
	/* mime_attachment_data fills at most out's room: the caller's maximum
	 * is that room for the call. */
	size_t keep = out->max;
	if (out->max > out->len && out->max - out->len > max)
		out->max = out->len + max;
	rc = mime_attachment_data(path, index, out, content_type, ctlen, filename, fnlen, e);
	out->max = keep;
	return from_mime(rc);
}
