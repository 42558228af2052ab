/* pidfile.c - the daemon's pidfile, locked with fcntl for as long as it runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/err.h"
#include "webmsg/pidfile.h"

struct pidfile {
	int fd;
	char path[PATH_MAX];
};

/* Open-file-description locks belong to our open of the file: closing another
 * descriptor of it (pidfile_holder in the daemon itself) keeps the lock. They
 * do not tell the holder's pid, so that is read from the file. */
static int lock_holder(int fd, pid_t *pid)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -1;
	*pid = 0;
	if (fl.l_type == F_UNLCK)
		return 0;
	/* The holder writes its pid right after locking: give it a moment. */
	for (int tries = 0; tries < 20; tries++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		long v = strtol(buf, NULL, 10);
		if (v > 0) {
			*pid = (pid_t)v;
			return 0;
		}
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	*pid = -1;
	return 0;
}

int pidfile_holder(const char *path, pid_t *pid, struct err *e)
{
	*pid = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "cannot open pidfile %s", path);
	}
	/* F_GETLK asks about a write lock; that needs no write access to the file. */
	int rc = lock_holder(fd, pid);
	close(fd);
	if (rc < 0)
		return err_sys(e, "cannot check the lock on %s", path);
	return 0;
}

int pidfile_acquire(const char *path, struct pidfile **out, struct err *e)
{
	struct pidfile *p;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];

	*out = NULL;
	if (strlen(path) >= sizeof(p->path))
		return err_set(e, "pidfile path too long");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_sys(e, "cannot open pidfile %s", path);
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		pid_t holder = 0;
		int saved = errno;
		lock_holder(fd, &holder);
		close(fd);
		if (saved == EAGAIN || saved == EACCES)
			return err_set(e, "webmsgd is already running as pid %ld (%s)", (long)holder,
				       path);
		errno = saved;
		return err_sys(e, "cannot lock pidfile %s", path);
	}
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		err_sys(e, "cannot write pidfile %s", path);
		close(fd);
		return -1;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		close(fd);
		return err_set(e, "out of memory");
	}
	p->fd = fd;
	snprintf(p->path, sizeof(p->path), "%s", path);
	*out = p;
	return 0;
}

void pidfile_release(struct pidfile **p)
{
	if (!p || !*p)
		return;
	/* Unlink while still holding the lock, so no one takes over a file about to vanish. */
	unlink((*p)->path);
	close((*p)->fd);
	free(*p);
	*p = NULL;
}
