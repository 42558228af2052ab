/* test_acme_challenge.c - the http-01 challenge files: only base64url
 * tokens name a file, the files are public (0644 in a 0755 folder) and
 * written whole, and only small regular files are read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>
#include <sys/types.h>

#include "unit.h"
#include "webmsg/acme.h"
#include "webmsg/err.h"

static void test_tokens(void **state)
{
	static const char *const good[] = { "abc", "A-b_9", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA" };
	static const char *const bad[] = { "", "..", "a/b", "../x", "a.b", "a b", "a%2Fb", "a\nb",
					   "é" };
	char longest[ACME_TOKEN_MAX + 2];
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(acme_token_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(acme_token_ok(bad[i]));
	assert_false(acme_token_ok(NULL));
	memset(longest, 'a', sizeof(longest));
	longest[ACME_TOKEN_MAX] = '\0';
	assert_true(acme_token_ok(longest));
	longest[ACME_TOKEN_MAX] = 'a';
	longest[ACME_TOKEN_MAX + 1] = '\0';
	assert_false(acme_token_ok(longest));
}

static void test_put_read_remove(void **state)
{
	struct tmpdir t;
	char dir[PATH_MAX], path[PATH_MAX], out[ACME_KEYAUTH_MAX + 2];
	struct stat sb;
	struct err e;
	(void)state;
	tmpdir_enter(&t);
	tmpdir_file(&t, "acme-challenge", dir, sizeof(dir));
	mode_t old = umask(077);
	assert_int_equal(acme_challenge_put(dir, "tok-1", "tok-1.thumb", &e), 0);
	umask(old);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0755);
	snprintf(path, sizeof(path), "%s/tok-1", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(acme_challenge_read(dir, "tok-1", out, sizeof(out)), 0);
	assert_string_equal(out, "tok-1.thumb");

	/* A token that is not one is neither written nor looked up. */
	assert_int_equal(acme_challenge_put(dir, "../evil", "x", &e), -1);
	assert_int_equal(acme_challenge_read(dir, "../acme-challenge/tok-1", out, sizeof(out)), -1);
	/* A folder or a link where a file should be is not read. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(acme_challenge_read(dir, "sub", out, sizeof(out)), -1);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(acme_challenge_read(dir, "link", out, sizeof(out)), -1);
	/* Too large for the buffer: not cut short, refused. */
	assert_int_equal(acme_challenge_read(dir, "tok-1", out, 5), -1);

	acme_challenge_remove(dir, "tok-1");
	assert_int_equal(acme_challenge_read(dir, "tok-1", out, sizeof(out)), -1);
	tmpdir_leave(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_put_read_remove),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
