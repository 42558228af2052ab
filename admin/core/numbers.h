/* numbers.h - numbers as an operator types and reads them: a whole number
 * within a range, a duration in words. */
#ifndef WEBMSG_ADMIN_CORE_NUMBERS_H
#define WEBMSG_ADMIN_CORE_NUMBERS_H

#include <stddef.h>

/* A whole decimal number within [min, max]; -1 when s is anything else. */
int numbers_parse_long(const char *s, long min, long max, long *out);
/* "2h 3m", "4d 1h", "12s". */
void numbers_format_duration(long seconds, char *out, size_t outlen);

#endif
