/* fileio.c - writing all of a buffer and reading a whole file under a size
 * cap, done once with EINTR, short transfers and hostile files in mind. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fileio_read_path(const char *path, int flags, size_t max, char **data, size_t *len,
		     struct err *e)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);

	*data = NULL;
	*len = 0;
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
		return too_large(path, max, e);
	}
	int rc = fileio_read_fd(fd, path, max, data, len, e);
	close(fd);
	return rc;
}
