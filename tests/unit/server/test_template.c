/* test_template.c - the page templates: escaping, sections, and the errors
 * that keep a typo from vanishing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"

static char *render(const char *text, const struct tvar *vars, size_t n, int *rc)
{
	struct template *t;
	struct buf b;
	struct err e;
	assert_int_equal(template_parse(text, "t.html", &t, &e), 0);
	buf_init(&b, 1 << 16);
	*rc = template_render(t, vars, n, &b, &e);
	template_free(&t);
	return buf_steal(&b, NULL);
}

static void test_escapes_by_default(void **state)
{
	(void)state;
	const struct tvar v[] = { { "x", "<script>alert('x')</script>&\"" } };
	int rc;
	char *out = render("<p>{{x}}</p>", v, 1, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</p>");
	free(out);
	out = render("<a title=\"{{x}}\">", v, 1, &rc);
	assert_null(strchr(out + 10, '<'));
	free(out);
}

static void test_raw_only_when_asked(void **state)
{
	(void)state;
	const struct tvar v[] = { { "html", "<b>made by the program</b>" } };
	int rc;
	char *out = render("{{{html}}}", v, 1, &rc);
	assert_string_equal(out, "<b>made by the program</b>");
	free(out);
}

static void test_sections(void **state)
{
	(void)state;
	static const struct {
		const char *value, *expect;
	} cases[] = { { "1", "[yes]" }, { "", "[no]" } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tvar v[] = { { "on", cases[i].value } };
		int rc;
		char *out = render("[{{#on}}yes{{/on}}{{^on}}no{{/on}}]", v, 1, &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(out, cases[i].expect);
		free(out);
	}
}

static void test_unknown_variable_is_an_error(void **state)
{
	(void)state;
	const struct tvar v[] = { { "name", "x" } };
	int rc;
	char *out = render("{{nmae}}", v, 1, &rc);
	assert_int_equal(rc, -1);
	free(out);
}

static void test_malformed_templates_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "{{x", "{{#a}}no end", "{{/a}}", "{{#a}}{{/b}}",
					   "{{Bad Name}}", "{{}}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct template *t = NULL;
		struct err e;
		assert_int_equal(template_parse(bad[i], "bad.html", &t, &e), -1);
		assert_null(t);
		assert_non_null(strstr(e.msg, "bad.html"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_by_default),
		cmocka_unit_test(test_raw_only_when_asked),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_unknown_variable_is_an_error),
		cmocka_unit_test(test_malformed_templates_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
