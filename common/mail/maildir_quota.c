/* maildir_quota.c - the mailbox's limit as Maildir++ keeps it in
 * "maildirsize", recalculated from the directories when it cannot be
 * trusted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/mailstore.h"
#include "mailstore_backend.h"
#include "maildir_private.h"

/* ---- quota (Maildir++ maildirsize) ---- */

int maildir_quota_path(const struct maildir *md, char *out, size_t outlen)
{
	return snprintf(out, outlen, "%s/" QUOTA_FILE, md->base) < (int)outlen ? 0 : -1;
}

/* The size a Maildir++ name carries (",S=1234" in its unique part), else -1. */
static long long name_size(const char *name)
{
	size_t idlen = maildir_id_len(name);
	for (const char *p = name; (p = strstr(p, ",S=")) && (size_t)(p - name) < idlen; p += 3) {
		char *end;
		errno = 0;
		long long v = strtoll(p + 3, &end, 10);
		if (end != p + 3 && errno == 0 && v >= 0 &&
		    (end == name + idlen || *end == ','))
			return v;
	}
	return -1;
}

/* What the mailbox holds, counted in the directories of every folder. */
static int quota_scan(struct maildir *md, long long *bytes, long long *count, struct err *e)
{
	struct mail_folder *v = NULL;
	size_t nv = 0;
	char dir[PATH_MAX], path[PATH_MAX];

	*bytes = *count = 0;
	if (maildir_folders_on_disk(md, &v, &nv, e) < 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < nv; i++) {
		if (maildir_folder_dir(md, v[i].name, dir, sizeof(dir), NULL) < 0)
			continue;
		for (int sub = DIR_NEW; sub <= DIR_CUR; sub++) {
			struct dirent *de;
			DIR *d;
			snprintf(path, sizeof(path), "%s/%s", dir, maildir_subdirs[sub]);
			if (!(d = opendir(path)))
				continue;
			while ((de = readdir(d))) {
				struct stat sb;
				long long size = name_size(de->d_name);
				if (de->d_name[0] == '.')
					continue;
				if (size < 0) {
					if (maildir_file_path(dir, sub, de->d_name, path,
							      sizeof(path), NULL) < 0 ||
					    lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
						continue;
					size = (long long)sb.st_size;
				}
				*bytes += size;
				(*count)++;
			}
			closedir(d);
		}
	}
	free(v);
	return 0;
}

/* Counts again and writes a new maildirsize (through tmp/ and a rename, so
 * that a reader sees the old file or the new). Failing to write it is no
 * error: the numbers are right, and the next check counts again. */
static int quota_recalc(struct maildir *md, long long *bytes, long long *count, struct err *e)
{
	char unique[MAIL_ID_MAX], tmp[PATH_MAX], path[PATH_MAX], text[96];
	if (quota_scan(md, bytes, count, e) < 0)
		return -1;
	maildir_unique_name(md, unique, sizeof(unique));
	int n = snprintf(text, sizeof(text), "%lldS\n%lld %lld\n", md->quota, *bytes, *count);
	if (maildir_quota_path(md, path, sizeof(path)) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", md->base, unique) >= (int)sizeof(tmp))
		return 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return 0;
	int ok = fileio_write_all(fd, text, (size_t)n) == 0;
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
		unlink(tmp);
	return 0;
}

/* Reads maildirsize. Returns 1 when it must be recalculated: missing,
 * longer than Maildir++ allows, of another limit (or with a message count
 * limit, which this server does not keep), or not as it should read. */
static int quota_read(struct maildir *md, long long *bytes, long long *count, time_t *mtime)
{
	char path[PATH_MAX], buf[QUOTA_FILE_MAX + 2], *p, *end;
	struct stat sb;
	size_t n = 0;
	long long limit = -1;

	*bytes = *count = 0;
	if (maildir_quota_path(md, path, sizeof(path)) < 0)
		return 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > QUOTA_FILE_MAX) {
		close(fd);
		return 1;
	}
	while (n < QUOTA_FILE_MAX + 1) {
		ssize_t got = read(fd, buf + n, QUOTA_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n > QUOTA_FILE_MAX || n == 0 || buf[n - 1] != '\n')
		return 1; /* too long, empty, or a line being written */
	buf[n] = '\0';
	*mtime = sb.st_mtime;
	/* "1073741824S" or "1073741824S,1000C": the limits, by letter. */
	for (p = buf; *p != '\n';) {
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0)
			return 1;
		if (*end == 'S')
			limit = v;
		else if (*end != 'C' || v != 0)
			return 1;
		p = end + 1;
		if (*p == ',')
			p++;
		else if (*p != '\n')
			return 1;
	}
	if (limit != md->quota)
		return 1;
	/* Then "BYTES COUNT" per line, padded or not, negative for removals. */
	for (p++; *p;) {
		long long b, c;
		errno = 0;
		b = strtoll(p, &end, 10);
		if (end == p || (*end != ' ' && *end != '\t'))
			return 1;
		p = end;
		c = strtoll(p, &end, 10);
		if (end == p || errno)
			return 1;
		p = end + strspn(end, " \t");
		if (*p != '\n')
			return 1;
		p++;
		*bytes += b;
		*count += c;
	}
	return 0;
}

/* Whether len more bytes fit: MAILSTORE_REFUSED with a message for the
 * sender when they do not. */
int maildir_quota_check(struct maildir *md, size_t len, struct err *e)
{
	long long bytes, count;
	time_t mtime = 0;
	int fresh = 0;

	if (md->quota <= 0)
		return 0;
	if (quota_read(md, &bytes, &count, &mtime) != 0) {
		if (quota_recalc(md, &bytes, &count, e) < 0)
			return -1;
		fresh = 1;
	}
	/* Over the limit by an old count: another program may have removed
	 * mail without saying so; count again before refusing. */
	if (bytes + (long long)len > md->quota && !fresh &&
	    time(NULL) - mtime > QUOTA_STALE_SECONDS &&
	    quota_recalc(md, &bytes, &count, e) < 0)
		return -1;
	if (bytes < 0 || bytes + (long long)len <= md->quota)
		return 0;
	err_set(e, "the mailbox of %s is full: %.1f MB of %.0f MB used, and the message is %.1f MB",
		md->address, (double)bytes / MIB, (double)md->quota / MIB, (double)len / MIB);
	return MAILSTORE_REFUSED;
}

/* Records a change in maildirsize. Without a limit the file is removed, so
 * that a limit set later starts from a count, not from a stale sum. */
void maildir_quota_add(struct maildir *md, long long bytes, long long count)
{
	char path[PATH_MAX], line[64];
	if (maildir_quota_path(md, path, sizeof(path)) < 0)
		return;
	if (md->quota <= 0) {
		unlink(path);
		return;
	}
	/* Missing: the next check counts. O_APPEND: lines of several writers
	 * do not overwrite each other. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	int n = snprintf(line, sizeof(line), "%lld %lld\n", bytes, count);
	if (fileio_write_all(fd, line, (size_t)n) < 0)
		unlink(path); /* half a line: count again next time */
	close(fd);
}

void maildir_quota_set(void *be, long long bytes)
{
	((struct maildir *)be)->quota = bytes;
}

int maildir_quota_usage(void *be, long long *bytes, long long *limit, struct err *e)
{
	struct maildir *md = be;
	long long count;
	time_t mtime;
	*limit = md->quota;
	if (md->quota > 0 && quota_read(md, bytes, &count, &mtime) == 0)
		return 0;
	return md->quota > 0 ? quota_recalc(md, bytes, &count, e)
			     : quota_scan(md, bytes, &count, e);
}
