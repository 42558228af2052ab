/* test_prefs.c - a user's settings and recent recipients as the mail store
 * keeps them: defaults, a round trip of every value (line ends and '\'
 * included), each check with its message, the file written whole and 0600,
 * and the recent list most recent first, without repeats, at most 200. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>

#include <gmime/gmime.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/mailstore.h"

#include "mailbox_fixture.h"

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct mail_prefs p;
	struct err e;
	memset(&p, 0x55, sizeof(p));
	assert_int_equal(mailstore_prefs_get(f->ms, &p, &e), 0);
	assert_string_equal(p.display_name, "");
	assert_string_equal(p.signature, "");
	assert_string_equal(p.zone, "");
	assert_int_equal(p.per_page, MAIL_PREFS_PER_PAGE_DEFAULT);
	assert_int_equal(p.plain_first, 0);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct mail_prefs p, back;
	struct err e = { "" };
	char path[PATH_MAX];
	struct stat sb;
	mailstore_prefs_default(&p);
	snprintf(p.display_name, sizeof(p.display_name), "Ann Ex\xc3\xa4mple \"the\" \\boss");
	snprintf(p.signature, sizeof(p.signature), "Ann\n\tper_page=5\\n\nzone=Mars/Base\n");
	snprintf(p.zone, sizeof(p.zone), "Europe/Berlin");
	p.per_page = 25;
	p.plain_first = 1;
	if (mailstore_prefs_set(f->ms, &p, &e) < 0)
		fail_msg("%s", e.msg);
	/* Read by another handle, as the next request does. */
	mailstore_close(&f->ms);
	assert_int_equal(mailstore_open(f->root, "example.com", "alice", &f->ms, &e), 0);
	assert_int_equal(mailstore_prefs_get(f->ms, &back, &e), 0);
	assert_string_equal(back.display_name, p.display_name);
	assert_string_equal(back.signature, p.signature);
	assert_string_equal(back.zone, "Europe/Berlin");
	assert_int_equal(back.per_page, 25);
	assert_int_equal(back.plain_first, 1);
	/* Readable by the user alone, and no temporary file left behind. */
	snprintf(path, sizeof(path), "%s/webmsg-prefs", f->box);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/tmp", f->box);
	DIR *d = opendir(path);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		assert_true(de->d_name[0] == '.');
	closedir(d);
}

static void test_checks(void **state)
{
	static const struct {
		const char *name, *signature, *zone;
		long per_page;
		enum mail_prefs_field bad; /* MAIL_PREFS_FIELDS: none */
		const char *says;
	} cases[] = {
		{ "Ann", "-\nAnn", "", 50, MAIL_PREFS_FIELDS, NULL },
		{ "Ann", "", "UTC", 10, MAIL_PREFS_FIELDS, NULL },
		{ "Ann", "", "America/New_York", 200, MAIL_PREFS_FIELDS, NULL },
		{ "Ann\nBcc: x@y", "", "", 50, MAIL_PREFS_DISPLAY_NAME, "one line" },
		{ "Ann\r", "", "", 50, MAIL_PREFS_DISPLAY_NAME, "one line" },
		{ "\xff\xfe", "", "", 50, MAIL_PREFS_DISPLAY_NAME, "one line" },
		{ "Ann", "a\x1b[31m", "", 50, MAIL_PREFS_SIGNATURE, "Plain text" },
		{ "Ann", "\xc0\xaf", "", 50, MAIL_PREFS_SIGNATURE, "Plain text" },
		{ "Ann", "", "Mars/Olympus_Mons", 50, MAIL_PREFS_ZONE, "Europe/Berlin" },
		{ "Ann", "", "../../etc/passwd", 50, MAIL_PREFS_ZONE, "Not a time zone" },
		{ "Ann", "", "/etc/localtime", 50, MAIL_PREFS_ZONE, "Not a time zone" },
		{ "Ann", "", "Europe", 50, MAIL_PREFS_ZONE, "Not a time zone" },
		{ "Ann", "", "zone.tab", 50, MAIL_PREFS_ZONE, "Not a time zone" },
		{ "Ann", "", "", 9, MAIL_PREFS_PER_PAGE, "10 to 200" },
		{ "Ann", "", "", 201, MAIL_PREFS_PER_PAGE, "10 to 200" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mail_prefs p;
		struct mail_prefs_problems pr;
		mailstore_prefs_default(&p);
		snprintf(p.display_name, sizeof(p.display_name), "%s", cases[i].name);
		snprintf(p.signature, sizeof(p.signature), "%s", cases[i].signature);
		snprintf(p.zone, sizeof(p.zone), "%s", cases[i].zone);
		p.per_page = cases[i].per_page;
		int rc = mailstore_prefs_check(&p, NULL, &pr);
		if (cases[i].bad == MAIL_PREFS_FIELDS) {
			assert_int_equal(rc, 0);
			assert_int_equal(pr.count, 0);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_int_equal(pr.count, 1);
		if (!strstr(pr.msg[cases[i].bad], cases[i].says))
			fail_msg("case %zu: \"%s\"", i, pr.msg[cases[i].bad]);
	}
}

static void test_too_long(void **state)
{
	struct fixture *f = *state;
	struct mail_prefs p, back;
	struct mail_prefs_problems pr;
	struct err e;
	mailstore_prefs_default(&p);
	memset(p.display_name, 'a', sizeof(p.display_name)); /* no room for the NUL */
	memset(p.signature, 'b', sizeof(p.signature));
	p.per_page = 1000;
	assert_int_equal(mailstore_prefs_check(&p, NULL, &pr), -1);
	assert_int_equal(pr.count, 3);
	assert_non_null(strstr(pr.msg[MAIL_PREFS_DISPLAY_NAME], "127 bytes"));
	/* Nothing is saved from a set that does not pass. */
	assert_int_equal(mailstore_prefs_set(f->ms, &p, &e), -1);
	assert_int_equal(mailstore_prefs_get(f->ms, &back, &e), 0);
	assert_string_equal(back.display_name, "");
}

/* A file edited by hand, or a zone gone from the system: that value alone
 * falls back to its default. */
static void test_bad_file_values(void **state)
{
	struct fixture *f = *state;
	struct mail_prefs p;
	struct err e;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/webmsg-prefs", f->box);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("display_name=Ann\nzone=Gone/Away\nper_page=7\nplain_first=1\nbogus\n", fp);
	fclose(fp);
	assert_int_equal(mailstore_prefs_get(f->ms, &p, &e), 0);
	assert_string_equal(p.display_name, "Ann");
	assert_string_equal(p.zone, "");
	assert_int_equal(p.per_page, MAIL_PREFS_PER_PAGE_DEFAULT);
	assert_int_equal(p.plain_first, 1);
}

static void test_recent(void **state)
{
	struct fixture *f = *state;
	char(*list)[MAIL_ADDRESS_MAX];
	size_t n;
	struct err e = { "" };
	const char *first[] = { "bob@example.org", "carol@example.net" };
	const char *second[] = { "dave@example.com", "BOB@example.org", "dave@example.com",
				 "not an address", "x@y\nInjected: 1" };
	assert_int_equal(mailstore_recent_get(f->ms, &list, &n, &e), 0);
	assert_int_equal(n, 0);
	free(list);
	if (mailstore_recent_add(f->ms, first, 2, &e) < 0 ||
	    mailstore_recent_add(f->ms, second, 5, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(mailstore_recent_get(f->ms, &list, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "dave@example.com");
	assert_string_equal(list[1], "BOB@example.org");
	assert_string_equal(list[2], "carol@example.net");
	free(list);

	/* The oldest go beyond the limit. */
	for (int i = 0; i < MAIL_RECENT_MAX + 10; i++) {
		char a[64];
		const char *one[] = { a };
		snprintf(a, sizeof(a), "user%d@example.com", i);
		assert_int_equal(mailstore_recent_add(f->ms, one, 1, &e), 0);
	}
	assert_int_equal(mailstore_recent_get(f->ms, &list, &n, &e), 0);
	assert_int_equal(n, MAIL_RECENT_MAX);
	char want[64];
	snprintf(want, sizeof(want), "user%d@example.com", MAIL_RECENT_MAX + 9);
	assert_string_equal(list[0], want);
	assert_string_equal(list[n - 1], "user10@example.com");
	free(list);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults),	T(test_round_trip), T(test_checks),
		T(test_too_long),	T(test_bad_file_values), T(test_recent),
	};
	g_mime_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
