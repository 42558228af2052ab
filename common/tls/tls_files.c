/* tls_files.c - the key store's files: read with a size cap, written whole
 * under a temporary name, the old one kept as a backup, then renamed in place. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "tls_private.h"

#define FILE_MAX (1024 * 1024) /* no certificate, chain or key file is bigger */
#define TEMP_ATTEMPTS 10
#define BACKUP_ATTEMPTS 100

int tls_files_join(char *out, size_t outlen, const char *dir, const char *name, struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path %s/%s is too long", dir, name);
	return 0;
}

const char *tls_files_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

void tls_file_data_free(struct tls_file_data *f)
{
	if (f->data) {
		/* It may be a private key. */
		OPENSSL_cleanse(f->data, f->len);
		free(f->data);
	}
	f->data = NULL;
	f->len = 0;
}

/* what names the file in "certificate file X not found". */
int tls_files_read(const char *path, const char *what, struct tls_file_data *f, struct err *e)
{
	struct stat sb;
	int fd;
	f->data = NULL;
	f->len = 0;
	if (!path || !*path)
		return err_set(e, "no %s file given", what);
	/* O_NONBLOCK: a FIFO in its place must not hang us before the check below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, "%s file %s not found", what, path);
		return err_sys(e, "cannot read %s", path);
	}
	if (fstat(fd, &sb) != 0) {
		err_sys(e, "cannot read %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return err_set(e, "%s is not a file", path);
	}
	if (sb.st_size > FILE_MAX) {
		close(fd);
		return err_set(e, "%s is larger than %d KiB: not a %s file", path, FILE_MAX / 1024,
			       what);
	}
	f->data = malloc((size_t)sb.st_size + 1);
	if (!f->data) {
		close(fd);
		return err_sys(e, "cannot read %s", path);
	}
	while (f->len < (size_t)sb.st_size) {
		ssize_t got = read(fd, f->data + f->len, (size_t)sb.st_size - f->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_sys(e, "cannot read %s", path);
			close(fd);
			tls_file_data_free(f);
			return -1;
		}
		if (got == 0)
			break;
		f->len += (size_t)got;
	}
	f->data[f->len] = '\0';
	close(fd);
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int tls_files_stage_write(struct tls_staged *s, const char *dir, const char *name,
			  const char *data, size_t len, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	char suffix[2 * sizeof(rnd) + 1];
	int fd = -1;

	s->name = name;
	s->pending = 0;
	if (tls_files_join(s->path, sizeof(s->path), dir, name, e) < 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return err_ssl(e, "cannot name a temporary file");
		for (size_t i = 0; i < sizeof(rnd); i++) {
			suffix[2 * i] = hex[rnd[i] >> 4];
			suffix[2 * i + 1] = hex[rnd[i] & 15];
		}
		suffix[2 * sizeof(rnd)] = '\0';
		int n = snprintf(s->tmp, sizeof(s->tmp), "%s/.%s.%s.tmp", dir, name, suffix);
		if (n < 0 || (size_t)n >= sizeof(s->tmp))
			return err_set(e, "the path %s/%s is too long", dir, name);
		fd = open(s->tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt + 1 == TEMP_ATTEMPTS)
			return err_sys(e, "cannot create a file in %s", dir);
	}
	s->pending = 1;
	/* The umask can only take bits away; make it exactly owner-only anyway. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		err_sys(e, "cannot write %s", s->path);
		close(fd);
		unlink(s->tmp);
		s->pending = 0;
		return -1;
	}
	if (close(fd) != 0) {
		err_sys(e, "cannot write %s", s->path);
		unlink(s->tmp);
		s->pending = 0;
		return -1;
	}
	return 0;
}

void tls_files_stage_discard(struct tls_staged *s)
{
	if (s->pending)
		unlink(s->tmp);
	s->pending = 0;
}

/* The current local time as it goes in backup names: YYYYMMDDTHHMMSS. */
int tls_files_stamp(char *out, size_t outlen, struct err *e)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || strftime(out, outlen, "%Y%m%dT%H%M%S", &tm) == 0)
		return err_set(e, "cannot read the clock");
	return 0;
}

/* Keeps the current NAME, if any, as NAME.STAMP.bak. With keep the file also
 * stays where it is (a hard link), so that the rename that follows replaces
 * it in one step and it is never missing in between; without keep it is
 * moved away. A backup is never overwritten. */
/* As tls_files_backup; bak (PATH_MAX) gets the backup's path, empty when
 * there was no file. */
static int backup_to(const char *dir, const char *name, const char *stamp, int keep, char *bak,
		     struct err *e)
{
	char path[PATH_MAX];
	struct stat sb;

	if (tls_files_join(path, sizeof(path), dir, name, e) < 0)
		return -1;
	bak[0] = '\0';
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "cannot reach %s", path);
	}
	for (int i = 0; i < BACKUP_ATTEMPTS; i++) {
		int n = i == 0 ? snprintf(bak, PATH_MAX, "%s.%s.bak", path, stamp)
			       : snprintf(bak, PATH_MAX, "%s.%s-%d.bak", path, stamp, i);
		if (n < 0 || (size_t)n >= PATH_MAX)
			return err_set(e, "the path of a backup of %s is too long", path);
		if (keep) {
			if (link(path, bak) == 0)
				return 0;
			if (errno == EEXIST)
				continue;
			/* No hard links on this file system: move it instead. */
			if (errno != EPERM && errno != EOPNOTSUPP && errno != EXDEV &&
			    errno != EMLINK) {
				bak[0] = '\0';
				return err_sys(e, "cannot keep a backup of %s", path);
			}
		}
		if (lstat(bak, &sb) == 0)
			continue;
		if (rename(path, bak) == 0)
			return 0;
		bak[0] = '\0';
		return err_sys(e, "cannot keep a backup of %s", path);
	}
	bak[0] = '\0';
	return err_set(e, "too many backups of %s in the same second", path);
}

int tls_files_backup(const char *dir, const char *name, const char *stamp, int keep, struct err *e)
{
	char bak[PATH_MAX];
	return backup_to(dir, name, stamp, keep, bak, e);
}

/* The old file becomes a backup and the staged one takes its place. */
int tls_files_install(const char *dir, struct tls_staged *s, const char *stamp, struct err *e)
{
	if (tls_files_backup(dir, s->name, stamp, 1, e) < 0)
		return -1;
	if (rename(s->tmp, s->path) != 0)
		return err_sys(e, "cannot put %s in place", s->path);
	s->pending = 0;
	return 0;
}

/* Puts back what set[0..n) replaced: the old file from its backup, or no
 * file where there was none. */
static void install_undo(struct tls_staged *const *set, size_t n)
{
	while (n-- > 0) {
		struct tls_staged *s = set[n];
		struct stat a, b;
		/* Still the old file (its rename failed): rename() between two links
		 * of one file does nothing, so the backup is dropped instead. */
		if (s->had_old && lstat(s->bak, &a) == 0 && lstat(s->path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			(void)unlink(s->bak);
		else if (s->had_old)
			(void)rename(s->bak, s->path);
		else if (!s->remove)
			(void)unlink(s->path);
		s->had_old = 0;
	}
}

int tls_files_install_set(const char *dir, struct tls_staged *const *set, size_t n,
			  const char *stamp, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct tls_staged *s = set[i];
		if (!s->remove && !s->pending) {
			install_undo(set, i);
			return err_set(e, "%s was not written", s->name);
		}
		if (s->remove && tls_files_join(s->path, sizeof(s->path), dir, s->name, e) < 0) {
			install_undo(set, i);
			return -1;
		}
		/* Kept in place (a hard link) when replaced, so it is never missing. */
		if (backup_to(dir, s->name, stamp, !s->remove, s->bak, e) < 0) {
			install_undo(set, i);
			return -1;
		}
		s->had_old = s->bak[0] != '\0';
		if (!s->remove && rename(s->tmp, s->path) != 0) {
			err_sys(e, "cannot put %s in place", s->path);
			install_undo(set, i + 1);
			return -1;
		}
		if (!s->remove)
			s->pending = 0;
	}
	return 0;
}

/* Makes the renames durable too. Best effort: the files themselves are
 * already complete, and some file systems cannot sync a folder. */
void tls_files_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int tls_files_refuse_existing(const char *dir, const char *const *names, size_t n, struct err *e)
{
	char path[PATH_MAX];
	struct stat sb;
	for (size_t i = 0; i < n; i++) {
		if (tls_files_join(path, sizeof(path), dir, names[i], e) < 0)
			return -1;
		if (lstat(path, &sb) == 0)
			return err_set(e, "%s already exists in %s; replacing it must be forced (the "
					  "old files are then kept as NAME.DATE.bak)",
				       names[i], dir);
		if (errno != ENOENT)
			return err_sys(e, "cannot reach %s", path);
	}
	return 0;
}
