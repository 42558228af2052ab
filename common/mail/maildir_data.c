/* maildir_data.c - the user's small files of settings beside the mail
 * (USER/webmsg-prefs, USER/webmsg-recent): Dovecot and Postfix leave files
 * they do not know alone, and no name starts with '.', so none is taken for
 * a folder. Replaced whole through the Maildir's tmp/ (fileio_write_atomic_in). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "maildir_private.h"

#define DATA_PREFIX "webmsg-"

static int data_path(const struct maildir *md, const char *name, const char *suffix, char *out,
		     size_t outlen, struct err *e)
{
	/* Names are this library's own words, never a user's. */
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
			return err_set(e, "'%s' is no name for a settings file", name);
	int n = snprintf(out, outlen, "%s/" DATA_PREFIX "%s%s", md->base, name, suffix);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of %s under %s is too long", name, md->base);
	return 0;
}

int maildir_data_read(void *be, const char *name, size_t max, char **data, size_t *len,
		      struct err *e)
{
	struct maildir *md = be;
	char path[PATH_MAX];
	*data = NULL;
	*len = 0;
	if (data_path(md, name, "", path, sizeof(path), e) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "cannot open %s", path);
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, "%s is not a regular file", path);
	}
	int rc = fileio_read_fd(fd, path, max, data, len, e);
	close(fd);
	return rc;
}

int maildir_data_write(void *be, const char *name, const char *data, size_t len,
		       struct err *e)
{
	struct maildir *md = be;
	char path[PATH_MAX], tmp_dir[PATH_MAX];
	if (data_path(md, name, "", path, sizeof(path), e) < 0)
		return -1;
	/* In the Maildir's tmp/, where half-written files belong; readers and
	 * Dovecot's cleanup know to leave young files there alone. */
	int n = snprintf(tmp_dir, sizeof(tmp_dir), "%s/tmp", md->base);
	if (n < 0 || (size_t)n >= sizeof(tmp_dir))
		return err_set(e, "the path of %s under %s is too long", name, md->base);
	return fileio_write_atomic_in(path, tmp_dir, data, len, 0600, e);
}
