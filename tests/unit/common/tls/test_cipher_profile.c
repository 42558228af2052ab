/* test_cipher_profile.c - the named TLS profiles: every priority string is one
 * GnuTLS accepts, what each allows, lookup by name, unknown names, and the
 * custom profile's own string checked before it is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "unit.h"
#include "webmsg/cipher_profile.h"
#include "webmsg/err.h"
#include "webmsg/settings.h"

struct allowed {
	char versions[256];
	int suites;
};

static void add_version(const char *what, void *arg)
{
	struct allowed *a = arg;
	size_t used = strlen(a->versions);
	snprintf(a->versions + used, sizeof(a->versions) - used, "%s ", what);
}

static void add_suite(const char *what, void *arg)
{
	struct allowed *a = arg;
	(void)what;
	a->suites++;
}

static void describe(const char *priority, struct allowed *a)
{
	struct err e = { "" };
	memset(a, 0, sizeof(*a));
	if (cipher_profile_describe(priority, add_version, add_suite, a, &e) < 0)
		fail_msg("%s: %s", priority, e.msg);
}

static void test_every_profile_accepted_by_gnutls(void **state)
{
	size_t n = 0;
	(void)state;
	for (size_t i = 0; cipher_profile_at(i); i++) {
		const struct cipher_profile *cp = cipher_profile_at(i);
		assert_non_null(cp->name);
		assert_non_null(cp->description);
		if (!cp->priority) {
			assert_string_equal(cp->name, "custom");
			continue;
		}
		gnutls_priority_t pc;
		const char *errpos = NULL;
		int rc = gnutls_priority_init(&pc, cp->priority, &errpos);
		if (rc != GNUTLS_E_SUCCESS)
			fail_msg("%s: GnuTLS refuses its string at '%s'", cp->name,
				 errpos ? errpos : "?");
		gnutls_priority_deinit(pc);
		struct err e = { "" };
		if (cipher_profile_check(cp->priority, &e) < 0)
			fail_msg("%s: %s", cp->name, e.msg);
		n++;
	}
	assert_int_equal(n, 3);
}

/* TLS 1.0 and 1.1 only where a profile says why to think twice. */
static void test_old_versions_only_with_a_warning(void **state)
{
	struct allowed a;
	(void)state;
	for (size_t i = 0; cipher_profile_at(i); i++) {
		const struct cipher_profile *cp = cipher_profile_at(i);
		if (!cp->priority)
			continue;
		describe(cp->priority, &a);
		assert_true(a.suites > 0);
		int old = strstr(a.versions, "TLS1.0 ") || strstr(a.versions, "TLS1.1 ") ||
			  strstr(a.versions, "SSL3.0 ");
		if (old && !cp->warning)
			fail_msg("%s allows %swithout a warning", cp->name, a.versions);
	}
	describe(cipher_profile_find("modern")->priority, &a);
	assert_string_equal(a.versions, "TLS1.3 ");
	describe(cipher_profile_find("intermediate")->priority, &a);
	assert_string_equal(a.versions, "TLS1.3 TLS1.2 ");
	/* The recommended profile: no warning, the default of ssl.cipher_profile. */
	assert_null(cipher_profile_find("intermediate")->warning);
	assert_string_equal(settings_get(SET_SSL_CIPHER_PROFILE)->def, "intermediate");
	assert_non_null(cipher_profile_find("compatible")->warning);
}

static void test_lookup(void **state)
{
	const char *priority = NULL;
	struct err e = { "" };
	(void)state;
	for (size_t i = 0; cipher_profile_at(i); i++)
		assert_ptr_equal(cipher_profile_find(cipher_profile_at(i)->name), cipher_profile_at(i));
	assert_null(cipher_profile_at(4));
	assert_int_equal(cipher_profile_priority("modern", "ignored", &priority, &e), 0);
	assert_string_equal(priority, cipher_profile_find("modern")->priority);
	/* Every name of the table is a value the setting accepts, and only those. */
	for (size_t i = 0; cipher_profile_at(i); i++)
		assert_int_equal(settings_validate(settings_get(SET_SSL_CIPHER_PROFILE),
						   cipher_profile_at(i)->name, &e), 0);
}

static void test_unknown_name(void **state)
{
	const char *priority = NULL;
	struct err e = { "" };
	(void)state;
	assert_null(cipher_profile_find("bogus"));
	assert_null(cipher_profile_find("Modern")); /* names are exact */
	assert_null(cipher_profile_find(""));
	assert_int_equal(cipher_profile_priority("bogus", NULL, &priority, &e), -1);
	assert_contains(e.msg, "there is no cipher profile 'bogus'");
	assert_int_equal(settings_validate(settings_get(SET_SSL_CIPHER_PROFILE), "bogus", &e), -1);
}

static void test_custom(void **state)
{
	const char *priority = NULL;
	const char *mine = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
	struct err e = { "" };
	struct allowed a;
	(void)state;
	assert_int_equal(cipher_profile_priority("custom", "", &priority, &e), -1);
	assert_contains(e.msg, "needs a priority string in ssl.priority");
	assert_int_equal(cipher_profile_priority("custom", NULL, &priority, &e), -1);
	assert_int_equal(cipher_profile_priority("custom", mine, &priority, &e), 0);
	assert_ptr_equal(priority, mine);
	assert_int_equal(cipher_profile_check(mine, &e), 0);
	describe(mine, &a);
	assert_string_equal(a.versions, "TLS1.3 ");

	/* Where a bad string goes wrong, counted from 1. */
	assert_int_equal(cipher_profile_check("NORMAL:+BOGUS", &e), -1);
	assert_contains(e.msg, "invalid priority string at position 8: '+BOGUS'");
	/* Strings that allow no version or no cipher at all are refused too. */
	assert_int_equal(cipher_profile_check("NORMAL:-VERS-ALL", &e), -1);
	assert_contains(e.msg, "invalid priority string");
	assert_int_equal(cipher_profile_check("NORMAL:-CIPHER-ALL", &e), -1);
	assert_contains(e.msg, "invalid priority string");
	/* ssl.priority is checked the same way when it is set; empty is allowed. */
	assert_int_equal(settings_validate(settings_get(SET_SSL_PRIORITY), "NORMAL:+BOGUS", &e), -1);
	assert_contains(e.msg, "position 8");
	assert_int_equal(settings_validate(settings_get(SET_SSL_PRIORITY), "", &e), 0);
	assert_int_equal(settings_validate(settings_get(SET_SSL_PRIORITY), mine, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_profile_accepted_by_gnutls),
		cmocka_unit_test(test_old_versions_only_with_a_warning),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_unknown_name),
		cmocka_unit_test(test_custom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
