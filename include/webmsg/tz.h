/* tz.h - time zones by IANA name ("Europe/Berlin"), read from the system's
 * zoneinfo files (TZif) so that a time can be shown in a user's zone without
 * touching the process's TZ, which every thread shares (localtime_r reads
 * it). A loaded zone is immutable: any number of threads may use it. */
#ifndef WEBMSG_TZ_H
#define WEBMSG_TZ_H

#include <stddef.h>
#include <time.h>

struct err;
struct tz;

#define TZ_NAME_MAX 64
#define TZ_DIR "/usr/share/zoneinfo"

/* 1 when name may be looked up: letters, digits, '_', '-', '+' in parts
 * separated by single '/', no part starting with '.', at most TZ_NAME_MAX - 1
 * bytes. Says nothing of whether the zone exists. */
int tz_name_ok(const char *name);

/* Reads the zone dir/name (dir NULL: TZ_DIR). Refuses names tz_name_ok
 * refuses and files that are no TZif data. */
int tz_load(const char *dir, const char *name, struct tz **out, struct err *e);
void tz_free(struct tz **z);

/* t as a broken-down time in zone z (NULL: UTC), with tm_isdst and
 * tm_gmtoff set; the zone's abbreviation ("CEST") into abbr when not NULL. */
void tz_localtime(const struct tz *z, time_t t, struct tm *out, char *abbr, size_t abbrlen);

/* The zone of that name from TZ_DIR, loaded once and kept for the life of
 * the process (so borrowed forever); NULL for "" or "UTC", and for a name
 * that is not a zone here (the caller shows UTC then). Thread-safe. */
const struct tz *tz_get(const char *name);

#endif
