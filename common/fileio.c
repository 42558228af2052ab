/* fileio.c - writing all of a buffer, replacing a file whole, and reading a
 * whole file under a size cap, done once with EINTR, short transfers, crashes
 * and hostile files in mind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"

int fileio_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) { /* would loop for ever */
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The folder of path, so that the rename in it is made durable too. */
static int sync_parent(const char *path, struct err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int n = !slash ? snprintf(dir, sizeof(dir), ".")
		: slash == path ? snprintf(dir, sizeof(dir), "/")
				: snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return err_set(e, "the path %s is too long", path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		err_sys(e, "cannot sync the folder %s", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			struct err *e)
{
	return fileio_write_atomic_in(path, NULL, data, len, mode, e);
}

int fileio_write_atomic_in(const char *path, const char *tmp_dir, const void *data,
			   size_t len, mode_t mode, struct err *e)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	if (!*base)
		return err_set(e, "%s names a folder, not a file", path);
	/* Beside path unless the caller has a folder for it on the same file
	 * system (rename stays in one); hidden, so that nothing serving the
	 * folder by name hands out a half-written file. */
	int n = tmp_dir ? snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", tmp_dir, base)
			: snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(base - path), path,
				   base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(e, "the path %s is too long", path);
	/* 0600 until the data is in: a secret is never readable by others,
	 * not even for a moment. mkostemp creates with O_EXCL, which never
	 * follows a link planted under the name (O_NOFOLLOW's job). */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "cannot create a file %s %s", tmp_dir ? "in" : "beside",
			       tmp_dir ? tmp_dir : path);
	if (fileio_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		err_sys(e, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		err_sys(e, "cannot write %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		err_sys(e, "cannot put %s in place", path);
		unlink(tmp);
		return -1;
	}
	return sync_parent(path, e);
}

/* "1 MiB", "64 KiB" or "100 bytes": the cap as a person reads it. */
static void size_text(size_t n, char *out, size_t outlen)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(out, outlen, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", n / 1024);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

static int too_large(const char *name, size_t max, struct err *e)
{
	char text[32];
	size_text(max, text, sizeof(text));
	return err_set(e, "%s is larger than %s", name, text);
}

int fileio_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
		   struct err *e)
{
	size_t cap = 4096, n = 0;
	char *buf;

	*data = NULL;
	*len = 0;
	if (max < SIZE_MAX - 2 && cap > max + 2)
		cap = max + 2; /* room for one byte past the cap, and the NUL */
	if (!(buf = malloc(cap)))
		return err_set(e, "out of memory");
	for (;;) {
		if (n + 1 >= cap) {
			size_t want = cap * 2;
			if (max < SIZE_MAX - 2 && want > max + 2)
				want = max + 2;
			char *p = want > cap ? realloc(buf, want) : NULL;
			if (!p) {
				free(buf);
				return err_set(e, "out of memory reading %s", name);
			}
			buf = p;
			cap = want;
		}
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_sys(e, "cannot read %s", name);
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			free(buf);
			return too_large(name, max, e);
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* Opens a regular file of at most max bytes for reading: the fd, -1, or -2
 * when the file is larger. */
static int open_regular(const char *path, int flags, size_t max, struct err *e)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return err_sys(e, "cannot read %s", path);
	/* fstat of what was opened: a FIFO or a device would block or never end. */
	if (fstat(fd, &sb) < 0) {
		err_sys(e, "cannot read %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, "%s is not a file", path);
	}
	if ((unsigned long long)sb.st_size > max) {
		close(fd);
		too_large(path, max, e);
		return -2;
	}
	return fd;
}

int fileio_read_path(const char *path, int flags, size_t max, char **data, size_t *len,
		     struct err *e)
{
	*data = NULL;
	*len = 0;
	int fd = open_regular(path, flags, max, e);
	if (fd < 0)
		return -1;
	int rc = fileio_read_fd(fd, path, max, data, len, e);
	close(fd);
	return rc;
}

int fileio_append_path(const char *path, int flags, struct buf *b, struct err *e)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;
	char chunk[65536];
	int fd = open_regular(path, flags, room, e);
	if (fd < 0) {
		if (fd == -2)
			b->failed = 1; /* too large, found before reading */
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(e, "cannot read %s", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf_append(b, chunk, (size_t)n) < 0) {
			close(fd);
			return too_large(path, room, e); /* it grew while being read */
		}
	}
	close(fd);
	return 0;
}
