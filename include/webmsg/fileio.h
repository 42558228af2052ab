/* fileio.h - the few file operations every module repeated: write all of a
 * buffer through interruptions and short writes, replace a file whole, and
 * read a whole file that must not be larger than a cap. */
#ifndef WEBMSG_FILEIO_H
#define WEBMSG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

struct err;

/* Writes len bytes, again after EINTR and short writes. 0, or -1 with errno
 * set (a write that makes no progress counts as EIO), so that the caller
 * names the file in its own message. */
int fileio_write_all(int fd, const void *data, size_t len);

/* Replaces path with data, whole or not at all, also across a crash: written
 * to a new hidden file beside it (".NAME.XXXXXX", made 0600 and only then
 * given mode, exactly: no umask), fsynced, renamed over path, then the
 * folder fsynced. A link at path is replaced, never followed. On failure the
 * old file is untouched and the temporary one is gone. */
int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			struct err *e);

/* The same with the temporary file (".NAME.XXXXXX") made in tmp_dir instead
 * of beside path: a Maildir's tmp/, where half-written files belong and
 * cleaners know to wait. tmp_dir must be on path's file system; NULL is
 * beside path. */
int fileio_write_atomic_in(const char *path, const char *tmp_dir, const void *data,
			   size_t len, mode_t mode, struct err *e);

/* Reads fd to its end into a new buffer of *len bytes plus a NUL (free
 * *data). More than max bytes is an error, found without reading more than
 * max + 1 of them. name is the file's name in messages. */
int fileio_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
		   struct err *e);

/* Opens path read-only with O_CLOEXEC and the extra open flags (O_NOFOLLOW,
 * O_NONBLOCK), refuses anything but a regular file and a file larger than
 * max, and reads it as fileio_read_fd does. */
int fileio_read_path(const char *path, int flags, size_t max, char **data, size_t *len,
		     struct err *e);

/* Appends the whole of a regular file to b (opened as fileio_read_path
 * opens it), up to b's maximum: a file that does not fit is an error and
 * b->failed is set. */
struct buf;
int fileio_append_path(const char *path, int flags, struct buf *b, struct err *e);

#endif
