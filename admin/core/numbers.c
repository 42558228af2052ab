/* numbers.c - numbers as an operator types and reads them, alike on the
 * command line and in the console. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/numbers.h"

int numbers_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void numbers_format_duration(long s, char *out, size_t outlen)
{
	static const struct {
		long seconds;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t i = 0, n = sizeof(units) / sizeof(units[0]);

	if (s < 0)
		s = 0;
	while (i + 1 < n && s < units[i].seconds)
		i++;
	if (i + 1 == n) {
		snprintf(out, outlen, "%lds", s);
		return;
	}
	/* The two largest units are enough for a person: "2h 3m", "4d 1h". */
	snprintf(out, outlen, "%ld%c %ld%c", s / units[i].seconds, units[i].unit,
		 s % units[i].seconds / units[i + 1].seconds, units[i + 1].unit);
}
