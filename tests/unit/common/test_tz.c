/* test_tz.c - times in a user's zone from the system's zone files: both
 * sides of a daylight saving change in each direction, times past the
 * files' last transition (the POSIX rule at their end), the southern
 * hemisphere, and agreement with the C library over many times; names that
 * could reach outside the zone folder are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <time.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/tz.h"

static void at(const struct tz *z, time_t t, const char *want, long off, int dst)
{
	struct tm tm;
	char got[64], abbr[16];
	tz_localtime(z, t, &tm, abbr, sizeof(abbr));
	strftime(got, sizeof(got), "%Y-%m-%d %H:%M:%S", &tm);
	if (strcmp(got, want) != 0 || tm.tm_gmtoff != off || tm.tm_isdst != dst)
		fail_msg("%lld: %s %s %ld %d, want %s %ld %d", (long long)t, got, abbr,
			 (long)tm.tm_gmtoff, tm.tm_isdst, want, off, dst);
}

static void test_dst_changes(void **state)
{
	struct tz *z;
	struct err e;
	(void)state;
	assert_int_equal(tz_load(NULL, "Europe/Berlin", &z, &e), 0);
	/* 2023-03-26: 02:00 CET becomes 03:00 CEST. */
	at(z, 1679792400 - 1, "2023-03-26 01:59:59", 3600, 0);
	at(z, 1679792400, "2023-03-26 03:00:00", 7200, 1);
	/* 2023-10-29: 03:00 CEST becomes 02:00 CET. */
	at(z, 1698541200 - 1, "2023-10-29 02:59:59", 7200, 1);
	at(z, 1698541200, "2023-10-29 02:00:00", 3600, 0);
	/* Past the file's transitions: its closing rule. */
	at(z, 2224756800, "2040-07-01 14:00:00", 7200, 1);
	at(z, 2209032000, "2040-01-01 13:00:00", 3600, 0);
	tz_free(&z);

	/* The southern hemisphere: summer over the new year. */
	assert_int_equal(tz_load(NULL, "Australia/Sydney", &z, &e), 0);
	at(z, 2209032000, "2040-01-01 23:00:00", 39600, 1);
	at(z, 2224756800, "2040-07-01 22:00:00", 36000, 0);
	tz_free(&z);

	/* No zone: UTC. */
	at(NULL, 1679792400, "2023-03-26 01:00:00", 0, 0);
}

/* The C library, with TZ set (this test is one thread), must agree. */
static void test_agrees_with_libc(void **state)
{
	static const char *const zones[] = { "Europe/Berlin", "America/New_York",
					     "Australia/Lord_Howe", "Asia/Kolkata",
					     "America/Sao_Paulo", "Pacific/Chatham", "Etc/GMT+5" };
	(void)state;
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		struct tz *z;
		struct err e;
		char env[128];
		if (tz_load(NULL, zones[i], &z, &e) < 0)
			fail_msg("%s", e.msg);
		snprintf(env, sizeof(env), ":%s", zones[i]);
		setenv("TZ", env, 1);
		tzset();
		/* 1900 to 2100 in steps that land on every hour of the day. */
		for (time_t t = -2208988800LL; t < 4102444800LL; t += 86400 * 7 + 3607) {
			struct tm a, b;
			tz_localtime(z, t, &a, NULL, 0);
			localtime_r(&t, &b);
			if (a.tm_hour != b.tm_hour || a.tm_min != b.tm_min || a.tm_mday != b.tm_mday ||
			    a.tm_gmtoff != b.tm_gmtoff || a.tm_isdst != b.tm_isdst)
				fail_msg("%s at %lld: %02d:%02d %ld %d, libc %02d:%02d %ld %d", zones[i],
					 (long long)t, a.tm_hour, a.tm_min, (long)a.tm_gmtoff,
					 a.tm_isdst, b.tm_hour, b.tm_min, (long)b.tm_gmtoff,
					 b.tm_isdst);
		}
		tz_free(&z);
	}
	unsetenv("TZ");
	tzset();
}

static void test_names(void **state)
{
	static const char *const bad[] = { "", "/etc/passwd", "../etc/passwd", "Europe/../../x",
					   "Europe//Berlin", "Europe/", ".hidden", "a b",
					   "Europe/Berlin\n", "-x",
					   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct tz *z;
	struct err e;
	(void)state;
	assert_true(tz_name_ok("America/Argentina/Buenos_Aires"));
	assert_true(tz_name_ok("Etc/GMT-14"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tz_name_ok(bad[i]))
			fail_msg("took \"%s\"", bad[i]);
		assert_int_equal(tz_load(NULL, bad[i], &z, &e), -1);
		assert_null(z);
	}
	/* A folder and a file that is no zone. */
	assert_int_equal(tz_load(NULL, "Europe", &z, &e), -1);
	assert_int_equal(tz_load(NULL, "Nowhere/Atlantis", &z, &e), -1);
	assert_non_null(strstr(e.msg, "no time zone"));
	/* The process's zones: loaded once, the same each time. */
	const struct tz *a = tz_get("Europe/Paris");
	assert_non_null(a);
	assert_ptr_equal(tz_get("Europe/Paris"), a);
	assert_null(tz_get("UTC"));
	assert_null(tz_get("Nowhere/Atlantis"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dst_changes),
		cmocka_unit_test(test_agrees_with_libc),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
