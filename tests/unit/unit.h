/* unit.h - what every unit test shares: a throw-away folder under /tmp that
 * the test runs in, and whole-file reads and writes for "left untouched" checks.
 * Include after the C headers cmocka needs (stdarg, stddef, stdint, setjmp). */
#ifndef WEBMSG_UNIT_H
#define WEBMSG_UNIT_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

struct tmpdir {
	char path[PATH_MAX];    /* realpath of the folder: what db_dir() reports */
	char old_cwd[PATH_MAX];
};

static inline int unit_remove_entry(const char *path, const struct stat *sb, int flag,
				    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* Makes a fresh folder and changes into it. */
static inline void tmpdir_enter(struct tmpdir *t)
{
	char tmpl[] = "/tmp/webmsg-unit-XXXXXX";
	assert_non_null(getcwd(t->old_cwd, sizeof(t->old_cwd)));
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, t->path));
	assert_int_equal(chdir(t->path), 0);
}

/* Leaves the folder and removes it with everything in it. */
static inline void tmpdir_leave(struct tmpdir *t)
{
	if (chdir(t->old_cwd) != 0 && chdir("/") != 0)
		fail_msg("cannot leave %s", t->path);
	if (t->path[0] && nftw(t->path, unit_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fail_msg("cannot remove %s: %s", t->path, strerror(errno));
	t->path[0] = '\0';
}

/* t->path + "/" + name. */
static inline void tmpdir_file(const struct tmpdir *t, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", t->path, name);
	assert_true(n > 0 && (size_t)n < outlen);
}

static inline int file_exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

/* The whole file, NUL-terminated for convenience (free it); NULL when it is missing. */
static inline char *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0;
	if (!f) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			data = realloc(data, cap);
			assert_non_null(data);
		}
		size_t got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	assert_int_equal(ferror(f), 0);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static inline void file_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A copy of a file's bytes, to show later that nothing wrote to it. */
struct file_copy {
	char *data; /* NULL: the file did not exist */
	size_t len;
};

static inline void file_copy_take(struct file_copy *c, const char *path)
{
	c->data = file_read(path, &c->len);
}

static inline void file_copy_assert_same(const struct file_copy *c, const char *path)
{
	size_t len = 0;
	char *now = file_read(path, &len);
	if (!c->data) {
		assert_null(now);
		return;
	}
	assert_non_null(now);
	assert_int_equal(len, c->len);
	assert_memory_equal(now, c->data, len);
	free(now);
}

static inline void file_copy_free(struct file_copy *c)
{
	free(c->data);
	c->data = NULL;
}

/* Fails showing the message when haystack does not contain needle. */
#define assert_contains(haystack, needle)                                                   \
	do {                                                                                \
		const char *h_ = (haystack), *n_ = (needle);                                \
		if (!strstr(h_, n_))                                                        \
			fail_msg("\"%s\" does not contain \"%s\"", h_, n_);                \
	} while (0)

#endif
