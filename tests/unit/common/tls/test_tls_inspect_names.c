/* test_tls_inspect_names.c - a certificate's subject and alternative names
 * read back as they were given, so its successor can start from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/tls_inspect_names.h"
#include "webmsg/tls_material.h"

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

static void test_round_trip(void **state)
{
	static struct tls_request req;
	static struct tls_subject got;
	struct err e = { "" };
	(void)state;
	memset(&req, 0, sizeof(req));
	req.key_type = TLS_KEY_EC_P256;
	req.days = 30;
	req.password = "correct horse battery";
	strcpy(req.subject.cn, "mail.example.org");
	strcpy(req.subject.o, "Exämple");
	strcpy(req.subject.ou, "IT");
	strcpy(req.subject.l, "Lyon");
	strcpy(req.subject.st, "Rhône");
	strcpy(req.subject.c, "fr");
	strcpy(req.subject.email, "admin@example.org");
	strcpy(req.subject.sans[0], "www.example.org");
	strcpy(req.subject.sans[1], "192.0.2.1");
	strcpy(req.subject.sans[2], "2001:db8::1");
	req.subject.nsans = 3;
	if (tls_selfsign(".", &req, 0, &e) < 0)
		fail_msg("%s", e.msg);

	if (tls_cert_subject(TLS_SERVER_CERT, &got, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(got.cn, "mail.example.org");
	assert_string_equal(got.o, "Exämple"); /* UTF-8 kept */
	assert_string_equal(got.ou, "IT");
	assert_string_equal(got.l, "Lyon");
	assert_string_equal(got.st, "Rhône");
	assert_string_equal(got.c, "FR");
	assert_string_equal(got.email, "admin@example.org");
	/* The common name was added to the names, first, when the certificate was made. */
	assert_int_equal(got.nsans, 4);
	assert_string_equal(got.sans[0], "mail.example.org");
	assert_string_equal(got.sans[1], "www.example.org");
	assert_string_equal(got.sans[2], "192.0.2.1");
	assert_string_equal(got.sans[3], "2001:db8::1");
	/* What is read back makes a valid subject again. */
	assert_int_equal(tls_subject_validate(&got, &e), 0);
}

static void test_not_a_certificate(void **state)
{
	static struct tls_subject got;
	struct err e = { "" };
	(void)state;
	assert_int_equal(tls_cert_subject("missing.crt", &got, &e), -1);
	assert_contains(e.msg, "not found");
	file_write("junk.crt", "not a certificate\n", 18);
	assert_int_equal(tls_cert_subject("junk.crt", &got, &e), -1);
	assert_string_equal(got.cn, "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_not_a_certificate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
