/* test_form.c - collecting a POST's fields: the CSRF token must be the first
 * field and right, text fields are capped, files go to an unnamed spool file,
 * and the memory all forms hold is capped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "form.h"

#define TOKEN "tok-0123456789abcdefghijklmnopqrstuvwxyzABCD"

static enum MHD_Result put(struct form *f, const char *key, const char *filename,
			   const char *data, uint64_t off)
{
	return form_collect(f, MHD_POSTDATA_KIND, key, filename, filename ? "text/plain" : NULL,
			    NULL, data, off, strlen(data));
}

static void test_token_first_and_right(void **state)
{
	struct form_limits lim = { 1024, 0, NULL, TOKEN };
	struct form f;
	(void)state;
	form_init(&f, &lim);
	assert_int_equal(f.csrf, FORM_CSRF_PENDING);
	/* MHD hands a value over in pieces. */
	assert_int_equal(put(&f, "csrf", NULL, "tok-0123456789abcdefghij", 0), MHD_YES);
	assert_int_equal(put(&f, "csrf", NULL, "klmnopqrstuvwxyzABCD", 24), MHD_YES);
	assert_int_equal(f.csrf, FORM_CSRF_PENDING);
	assert_int_equal(put(&f, "to", NULL, "bob@example.org", 0), MHD_YES);
	assert_int_equal(f.csrf, FORM_CSRF_OK);
	assert_string_equal(form_get(&f, "to"), "bob@example.org");
	form_free(&f);
}

static void test_token_wrong_or_not_first(void **state)
{
	struct form_limits lim = { 1024, 0, NULL, TOKEN };
	struct form f;
	(void)state;
	form_init(&f, &lim);
	assert_int_equal(put(&f, "csrf", NULL, "tok-forged", 0), MHD_YES);
	assert_int_equal(put(&f, "to", NULL, "bob@example.org", 0), MHD_NO);
	assert_int_equal(f.csrf, FORM_CSRF_BAD);
	form_free(&f);

	form_init(&f, &lim);
	assert_int_equal(put(&f, "to", NULL, "bob@example.org", 0), MHD_NO);
	assert_int_equal(f.csrf, FORM_CSRF_BAD);
	form_free(&f);

	/* The only field: settled when the body ends. */
	form_init(&f, &lim);
	assert_int_equal(put(&f, "csrf", NULL, TOKEN, 0), MHD_YES);
	form_finish(&f);
	assert_int_equal(f.csrf, FORM_CSRF_OK);
	form_free(&f);
}

static void test_text_capped(void **state)
{
	struct form_limits lim = { 16, 0, NULL, NULL };
	struct form f;
	(void)state;
	form_init(&f, &lim);
	assert_int_equal(f.csrf, FORM_CSRF_UNCHECKED);
	assert_int_equal(put(&f, "a", NULL, "0123456789", 0), MHD_YES);
	assert_int_equal(put(&f, "b", NULL, "0123456789", 0), MHD_NO);
	assert_true(f.too_large);
	form_free(&f);
	/* No file where the route takes none. */
	form_init(&f, &lim);
	assert_int_equal(put(&f, "attachment", "a.txt", "x", 0), MHD_NO);
	assert_true(f.too_large);
	form_free(&f);
}

static void test_file_to_spool(void **state)
{
	char dir[] = "/tmp/test_form.XXXXXX";
	(void)state;
	assert_non_null(mkdtemp(dir));
	struct form_limits lim = { 64, 1 << 20, dir, NULL };
	struct form f;
	form_init(&f, &lim);
	assert_int_equal(put(&f, "attachment", "a.txt", "hello, ", 0), MHD_YES);
	assert_int_equal(put(&f, "attachment", "a.txt", "world", 7), MHD_YES);
	const struct form_field *a = form_nth(&f, "attachment", 0);
	assert_non_null(a);
	assert_int_equal(a->size, 12);
	assert_true(a->fd >= 0);
	assert_null(a->value.data);
	assert_int_equal(f.used, 0);
	char back[32] = "";
	assert_int_equal(pread(a->fd, back, sizeof(back), 0), 12);
	assert_string_equal(back, "hello, world");
	struct stat st;
	assert_int_equal(fstat(a->fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_nlink, 0); /* nothing to clean up, ever */
	assert_string_equal(form_get(&f, "attachment"), "");
	form_free(&f);
	assert_int_equal(rmdir(dir), 0); /* left empty */
}

/* Files over the limit are dropped, the text kept; a body far over it ends. */
static void test_files_over_limit_keep_text(void **state)
{
	char dir[] = "/tmp/test_form.XXXXXX";
	(void)state;
	assert_non_null(mkdtemp(dir));
	struct form_limits lim = { 64, 8, dir, NULL };
	struct form f;
	form_init(&f, &lim);
	assert_int_equal(put(&f, "body", NULL, "my words", 0), MHD_YES);
	assert_int_equal(put(&f, "attachment", "a.bin", "123456", 0), MHD_YES);
	assert_int_equal(put(&f, "attachment", "a.bin", "789", 6), MHD_YES);
	assert_true(f.files_refused);
	assert_false(f.too_large);
	const struct form_field *a = form_nth(&f, "attachment", 0);
	assert_int_equal(a->fd, -1);
	assert_int_equal(a->size, 0);
	assert_string_equal(form_get(&f, "body"), "my words");
	assert_int_equal(put(&f, "attachment", "a.bin", "012345678", 9), MHD_NO);
	assert_true(f.too_large);
	form_free(&f);
	assert_int_equal(rmdir(dir), 0);
}

static void test_memory_budget(void **state)
{
	struct form_limits lim = { 64, 0, NULL, NULL };
	struct form a, b;
	(void)state;
	form_init(&a, &lim);
	form_init(&b, &lim);
	assert_int_equal(form_reserve(&a, 600, 1000), 0);
	assert_int_equal(form_reserve(&b, 600, 1000), -1);
	form_free(&a);
	assert_int_equal(form_reserve(&b, 600, 1000), 0);
	form_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_first_and_right),
		cmocka_unit_test(test_token_wrong_or_not_first),
		cmocka_unit_test(test_text_capped),
		cmocka_unit_test(test_file_to_spool),
		cmocka_unit_test(test_files_over_limit_keep_text),
		cmocka_unit_test(test_memory_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
