/* test_tls_files.c - the key store's files installed as a set: a key, its
 * certificate and chain go in together, and a failure part way puts the old
 * ones back, so a key never serves beside another key's certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "tls_private.h"

static int setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	tmpdir_enter(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmpdir *t = *state;
	tmpdir_leave(t);
	free(t);
	return 0;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The file's text, or "(none)". */
static const char *get(const char *name, char *out, size_t outlen)
{
	FILE *f = fopen(name, "r");
	size_t n;
	if (!f)
		return "(none)";
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

/* How many names in the folder contain part. */
static int count(const char *part)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, part) != NULL;
	closedir(d);
	return n;
}

static void old_set(void)
{
	put(TLS_SERVER_KEY, "old key");
	put(TLS_SERVER_CERT, "old cert");
	put(TLS_SERVER_CHAIN, "old chain");
}

static void stage(struct tls_staged *s, const struct tmpdir *t, const char *name,
		  const char *text)
{
	struct err e;
	memset(s, 0, sizeof(*s));
	if (tls_files_stage_write(s, t->path, name, text, strlen(text), &e) < 0)
		fail_msg("%s", e.msg);
}

static void assert_old_set(void)
{
	char buf[64];
	assert_string_equal(get(TLS_SERVER_KEY, buf, sizeof(buf)), "old key");
	assert_string_equal(get(TLS_SERVER_CERT, buf, sizeof(buf)), "old cert");
	assert_string_equal(get(TLS_SERVER_CHAIN, buf, sizeof(buf)), "old chain");
}

static void test_install_set(void **state)
{
	struct tmpdir *t = *state;
	struct tls_staged key, crt, chain, *set[] = { &key, &crt, &chain };
	char buf[64];
	struct err e;

	old_set();
	stage(&key, t, TLS_SERVER_KEY, "new key");
	stage(&crt, t, TLS_SERVER_CERT, "new cert");
	stage(&chain, t, TLS_SERVER_CHAIN, "new chain");
	assert_int_equal(tls_files_install_set(t->path, set, 3, "20260101T000000", &e), 0);
	assert_string_equal(get(TLS_SERVER_KEY, buf, sizeof(buf)), "new key");
	assert_string_equal(get(TLS_SERVER_CERT, buf, sizeof(buf)), "new cert");
	assert_string_equal(get(TLS_SERVER_CHAIN, buf, sizeof(buf)), "new chain");
	assert_string_equal(get(TLS_SERVER_KEY ".20260101T000000.bak", buf, sizeof(buf)), "old key");
	assert_string_equal(get(TLS_SERVER_CERT ".20260101T000000.bak", buf, sizeof(buf)),
			    "old cert");
	assert_int_equal(count(".tmp"), 0);
}

/* Each step of the set fails in turn (its staged file is gone): the old
 * key, certificate and chain are all still there, as they were. */
static void test_install_set_fails_part_way(void **state)
{
	struct tmpdir *t = *state;
	for (int failing = 0; failing < 3; failing++) {
		struct tls_staged key, crt, chain, *set[] = { &key, &crt, &chain };
		struct err e;
		old_set();
		stage(&key, t, TLS_SERVER_KEY, "new key");
		stage(&crt, t, TLS_SERVER_CERT, "new cert");
		stage(&chain, t, TLS_SERVER_CHAIN, "new chain");
		assert_int_equal(unlink(set[failing]->tmp), 0);
		assert_int_equal(tls_files_install_set(t->path, set, 3, "20260101T000000", &e), -1);
		assert_non_null(strstr(e.msg, "cannot put"));
		assert_old_set();
		for (int i = 0; i < 3; i++)
			tls_files_stage_discard(set[i]);
		assert_int_equal(count(".tmp"), 0);
		assert_int_equal(count(".bak"), 0);
	}
}

/* A certificate without a chain: the old chain is moved away with the rest,
 * and comes back when the set fails. */
static void test_install_set_removes_old_chain(void **state)
{
	struct tmpdir *t = *state;
	struct tls_staged crt, chain = { .name = TLS_SERVER_CHAIN, .remove = 1 },
			       *set[] = { &crt, &chain };
	char buf[64];
	struct err e;

	old_set();
	stage(&crt, t, TLS_SERVER_CERT, "new cert");
	assert_int_equal(tls_files_install_set(t->path, set, 2, "20260101T000000", &e), 0);
	assert_string_equal(get(TLS_SERVER_CHAIN, buf, sizeof(buf)), "(none)");
	assert_string_equal(get(TLS_SERVER_CHAIN ".20260101T000000.bak", buf, sizeof(buf)),
			    "old chain");

	/* Fails at the certificate, after the chain was moved: both come back. */
	old_set();
	struct tls_staged chain2 = { .name = TLS_SERVER_CHAIN, .remove = 1 }, crt2,
			  *set2[] = { &chain2, &crt2 };
	stage(&crt2, t, TLS_SERVER_CERT, "newer cert");
	assert_int_equal(unlink(crt2.tmp), 0);
	assert_int_equal(tls_files_install_set(t->path, set2, 2, "20260101T000001", &e), -1);
	assert_old_set();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_set_fails_part_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_set_removes_old_chain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
