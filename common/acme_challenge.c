/* acme_challenge.c - the http-01 challenge files: webmsg-admin writes a key
 * authorization under its token's name, webmsgd's worker serves it from
 * /.well-known/acme-challenge/TOKEN. Key authorizations are public by design
 * (RFC 8555 section 8.3), so the files are world-readable: the worker reads
 * them as service.user. No OpenSSL or libcurl here: the worker links this. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/acme.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"

int acme_challenge_dir(const struct config_snapshot *cfg, char *out, size_t outlen,
		       struct err *e)
{
	int n = snprintf(out, outlen, "%s/%s", cfg->dbdir, ACME_CHALLENGE_DIR);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of the ACME challenge folder is too long");
	return 0;
}

int acme_token_ok(const char *token)
{
	size_t n = 0;
	if (!token)
		return 0;
	for (; token[n]; n++) {
		char c = token[n];
		if (n >= ACME_TOKEN_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return n > 0;
}

static int token_path(const char *dir, const char *token, char *out, size_t outlen,
		      struct err *e)
{
	int n;
	if (!acme_token_ok(token))
		return err_set(e, "the CA sent a challenge token that is not base64url");
	n = snprintf(out, outlen, "%s/%s", dir, token);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(e, "the path of a challenge file is too long");
	return 0;
}

int acme_challenge_put(const char *dir, const char *token, const char *keyauth, struct err *e)
{
	char path[PATH_MAX];
	struct stat sb;

	if (token_path(dir, token, path, sizeof(path), e) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, "cannot make %s", dir);
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set(e, "%s is not a folder", dir);
	/* The umask may have taken bits away; webmsgd's worker must read it. */
	if ((sb.st_mode & 0777) != 0755 && chmod(dir, 0755) < 0)
		return err_sys(e, "cannot make %s readable for webmsgd", dir);
	/* Whole or not at all: the CA may ask the moment it is told to. */
	return fileio_write_atomic(path, keyauth, strlen(keyauth), 0644, e);
}

void acme_challenge_remove(const char *dir, const char *token)
{
	char path[PATH_MAX];
	struct err e;
	if (token_path(dir, token, path, sizeof(path), &e) == 0)
		(void)unlink(path);
}

int acme_challenge_read(const char *dir, const char *token, char *out, size_t outlen)
{
	char path[PATH_MAX];
	struct stat sb;
	struct err e;
	ssize_t n;
	size_t got = 0;
	int fd;

	if (outlen == 0 || token_path(dir, token, path, sizeof(path), &e) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	/* Only a small regular file: never a FIFO or a device put there. */
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (size_t)sb.st_size >= outlen) {
		close(fd);
		return -1;
	}
	while (got < outlen - 1) {
		n = read(fd, out + got, outlen - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	out[got] = '\0';
	return got > 0 ? 0 : -1;
}
