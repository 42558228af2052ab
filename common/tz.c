/* tz.c - time zones from the system's TZif files (RFC 8536), and the POSIX
 * TZ rule at their end for times past the last transition, so that times are
 * shown in each user's zone without setenv("TZ"), which the request threads
 * share. Zones are read once and kept: tzdata has a bounded number of them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/err.h"
#include "webmsg/fileio.h"
#include "webmsg/tz.h"

/* The largest zone file in tzdata is a few KiB. */
#define TZ_FILE_MAX (256 * 1024)
#define TZ_ABBR_MAX 16
/* Zones kept by tz_get: more than tzdata has names. */
#define TZ_CACHE_MAX 4096

struct tz_type {
	int32_t utoff;
	int isdst;
	char abbr[TZ_ABBR_MAX];
};

/* The POSIX TZ string's rule for the end of a month: day `day` (0 Sunday) of
 * week `week` (1-4, 5 the last) of month `month`; or a Julian day. */
struct tz_date {
	enum { TZ_DATE_MWD, TZ_DATE_JULIAN1, TZ_DATE_JULIAN0 } kind;
	int month, week, day; /* day: the day number for the Julian kinds */
	long secs;            /* local time of day of the change */
};

struct tz_rule {
	int valid;
	struct tz_type std, dst;
	int has_dst;
	struct tz_date start, end;
};

struct tz {
	char name[TZ_NAME_MAX];
	size_t ntimes, ntypes;
	int64_t *times;
	unsigned char *idx;
	struct tz_type *types;
	struct tz_rule rule;
};

int tz_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= TZ_NAME_MAX || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		int part_start = i == 0 || name[i - 1] == '/';
		if (part_start && (c == '.' || c == '/' || c == '-'))
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- the POSIX TZ string ---- */

static const char *rule_name(const char *p, char *out)
{
	size_t n = 0;
	if (*p == '<') {
		for (p++; *p && *p != '>'; p++)
			if (n + 1 < TZ_ABBR_MAX)
				out[n++] = *p;
		if (*p != '>')
			return NULL;
		p++;
	} else {
		for (; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
			if (n + 1 < TZ_ABBR_MAX)
				out[n++] = *p;
	}
	out[n] = '\0';
	return n >= 1 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; hours up to 167 (RFC 8536's extension). */
static const char *rule_time(const char *p, long *secs)
{
	int sign = 1;
	long v[3] = { 0, 0, 0 };
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int part = 0; part < 3; part++) {
		if (part > 0) {
			if (*p != ':')
				break;
			p++;
		}
		if (*p < '0' || *p > '9')
			return NULL;
		for (int digits = 0; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits == 3)
				return NULL;
			v[part] = v[part] * 10 + (*p - '0');
		}
	}
	if (v[0] > 167 || v[1] > 59 || v[2] > 59)
		return NULL;
	*secs = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *rule_number(const char *p, int *out, int min, int max)
{
	long v = 0;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (*p - '0')) > max)
			return NULL;
	if (v < min)
		return NULL;
	*out = (int)v;
	return p;
}

static const char *rule_date(const char *p, struct tz_date *d)
{
	d->secs = 2 * 3600;
	if (*p == 'M') {
		d->kind = TZ_DATE_MWD;
		if (!(p = rule_number(p + 1, &d->month, 1, 12)) || *p++ != '.' ||
		    !(p = rule_number(p, &d->week, 1, 5)) || *p++ != '.' ||
		    !(p = rule_number(p, &d->day, 0, 6)))
			return NULL;
	} else if (*p == 'J') {
		d->kind = TZ_DATE_JULIAN1;
		if (!(p = rule_number(p + 1, &d->day, 1, 365)))
			return NULL;
	} else {
		d->kind = TZ_DATE_JULIAN0;
		if (!(p = rule_number(p, &d->day, 0, 365)))
			return NULL;
	}
	if (*p == '/' && !(p = rule_time(p + 1, &d->secs)))
		return NULL;
	return p;
}

/* "CET-1CEST,M3.5.0,M10.5.0/3": offsets are west of UTC, the opposite of TZif's. */
static int rule_parse(const char *s, struct tz_rule *r)
{
	const char *p = s;
	long off;
	memset(r, 0, sizeof(*r));
	if (!(p = rule_name(p, r->std.abbr)) || !(p = rule_time(p, &off)))
		return -1;
	r->std.utoff = (int32_t)-off;
	if (*p) {
		r->has_dst = 1;
		r->dst.isdst = 1;
		if (!(p = rule_name(p, r->dst.abbr)))
			return -1;
		r->dst.utoff = r->std.utoff + 3600;
		if (*p && *p != ',') {
			if (!(p = rule_time(p, &off)))
				return -1;
			r->dst.utoff = (int32_t)-off;
		}
		/* A zone with DST but no rule: the US rule, as POSIX says; tzdata
		 * always writes one. */
		if (!*p)
			return -1;
		if (*p++ != ',' || !(p = rule_date(p, &r->start)) || *p++ != ',' ||
		    !(p = rule_date(p, &r->end)) || *p)
			return -1;
	}
	r->valid = 1;
	return 0;
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The local time (seconds since the epoch, as if local were UTC) of a rule's
 * change in year y. */
static int64_t rule_change(const struct tz_date *d, long y)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long day;
	if (d->kind == TZ_DATE_MWD) {
		long first = days_from_civil(y, d->month, 1);
		int wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int mday = 1 + (d->day - wday + 7) % 7 + 7 * (d->week - 1);
		int len = mdays[d->month - 1] + (d->month == 2 && is_leap(y));
		while (mday > len)
			mday -= 7;
		day = first + mday - 1;
	} else if (d->kind == TZ_DATE_JULIAN1) {
		/* Jn never counts 29 February. */
		day = days_from_civil(y, 1, 1) + d->day - 1 + (is_leap(y) && d->day >= 60);
	} else {
		day = days_from_civil(y, 1, 1) + d->day;
	}
	return (int64_t)day * 86400 + d->secs;
}

static const struct tz_type *rule_type(const struct tz_rule *r, time_t t)
{
	struct tm tm;
	if (!r->has_dst)
		return &r->std;
	time_t local = t + r->std.utoff;
	gmtime_r(&local, &tm);
	long y = tm.tm_year + 1900L;
	int64_t start = rule_change(&r->start, y) - r->std.utoff;
	int64_t end = rule_change(&r->end, y) - r->dst.utoff;
	int in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return in_dst ? &r->dst : &r->std;
}

/* ---- TZif ---- */

struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static int tzif_header(const unsigned char *p, size_t len, int *version, struct tzif_counts *c)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	*version = p[4] ? p[4] - '0' : 1;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	if (c->type == 0 || c->type > 256 || c->chars > 4096 || c->time > 100000 ||
	    c->leap > 10000 || (c->isut && c->isut != c->type) ||
	    (c->isstd && c->isstd != c->type))
		return -1;
	return 0;
}

static size_t tzif_block_len(const struct tzif_counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

static int tzif_parse(const unsigned char *data, size_t len, struct tz *z, struct err *e)
{
	struct tzif_counts c;
	int version;
	size_t tsize = 4;
	const unsigned char *p = data, *end = data + len;

	if (tzif_header(p, len, &version, &c) < 0)
		return err_set(e, "time zone %s: not a zone file", z->name);
	if (version >= 2) {
		/* The 64-bit block after the 32-bit one: times past 2038. */
		size_t skip = 44 + tzif_block_len(&c, 4);
		if (skip > len || tzif_header(p + skip, len - skip, &version, &c) < 0)
			return err_set(e, "time zone %s: a damaged zone file", z->name);
		p += skip;
		tsize = 8;
	}
	p += 44;
	if ((size_t)(end - p) < tzif_block_len(&c, tsize))
		return err_set(e, "time zone %s: a short zone file", z->name);
	z->ntimes = c.time;
	z->ntypes = c.type;
	z->times = calloc(c.time ? c.time : 1, sizeof(*z->times));
	z->idx = calloc(c.time ? c.time : 1, 1);
	z->types = calloc(c.type, sizeof(*z->types));
	if (!z->times || !z->idx || !z->types)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < c.time; i++, p += tsize)
		z->times[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
	for (size_t i = 0; i < c.time; i++) {
		if (p[i] >= c.type)
			return err_set(e, "time zone %s: a damaged zone file", z->name);
		z->idx[i] = p[i];
	}
	p += c.time;
	const unsigned char *chars = p + c.type * 6;
	for (size_t i = 0; i < c.type; i++, p += 6) {
		unsigned ai = p[5];
		z->types[i].utoff = (int32_t)be32(p);
		z->types[i].isdst = p[4] != 0;
		if (ai >= c.chars)
			return err_set(e, "time zone %s: a damaged zone file", z->name);
		snprintf(z->types[i].abbr, TZ_ABBR_MAX, "%.*s", (int)strnlen((const char *)chars + ai,
		         c.chars - ai), (const char *)chars + ai);
	}
	p = chars + c.chars + c.leap * (tsize + 4) + c.isstd + c.isut;
	/* The footer: "\nTZSTRING\n", the rule for times after the last change. */
	if (version >= 2 && p < end && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
		char rule[128];
		if (nl && (size_t)(nl - p - 1) < sizeof(rule)) {
			memcpy(rule, p + 1, (size_t)(nl - p - 1));
			rule[nl - p - 1] = '\0';
			if (rule[0] && rule_parse(rule, &z->rule) < 0)
				z->rule.valid = 0;
		}
	}
	return 0;
}

int tz_load(const char *dir, const char *name, struct tz **out, struct err *e)
{
	char path[PATH_MAX];
	char *data;
	size_t len;
	struct tz *z;

	*out = NULL;
	if (!tz_name_ok(name))
		return err_set(e, "'%.*s' is not a time zone name", 64, name);
	if (snprintf(path, sizeof(path), "%s/%s", dir ? dir : TZ_DIR, name) >= (int)sizeof(path))
		return err_set(e, "time zone %s: the path is too long", name);
	if (fileio_read_path(path, 0, TZ_FILE_MAX, &data, &len, e) < 0)
		return err_set(e, "there is no time zone %s here", name);
	if (!(z = calloc(1, sizeof(*z)))) {
		free(data);
		return err_set(e, "out of memory");
	}
	snprintf(z->name, sizeof(z->name), "%s", name);
	int rc = tzif_parse((const unsigned char *)data, len, z, e);
	free(data);
	if (rc < 0) {
		tz_free(&z);
		return -1;
	}
	*out = z;
	return 0;
}

void tz_free(struct tz **z)
{
	if (!z || !*z)
		return;
	free((*z)->times);
	free((*z)->idx);
	free((*z)->types);
	free(*z);
	*z = NULL;
}

static const struct tz_type *zone_type(const struct tz *z, time_t t)
{
	if (z->ntimes == 0 || t < z->times[0]) {
		/* Before the first change: the first standard type (RFC 8536 3.2). */
		if (z->ntimes == 0 && z->rule.valid)
			return rule_type(&z->rule, t);
		return &z->types[0];
	}
	if (t >= z->times[z->ntimes - 1]) {
		if (z->rule.valid)
			return rule_type(&z->rule, t);
		return &z->types[z->idx[z->ntimes - 1]];
	}
	size_t lo = 0, hi = z->ntimes - 1; /* times[lo] <= t < times[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->idx[lo]];
}

void tz_localtime(const struct tz *z, time_t t, struct tm *out, char *abbr, size_t abbrlen)
{
	static const struct tz_type utc = { 0, 0, "UTC" };
	const struct tz_type *type = z ? zone_type(z, t) : &utc;
	time_t local = t + type->utoff;
	gmtime_r(&local, out);
	out->tm_isdst = type->isdst;
	out->tm_gmtoff = type->utoff;
	out->tm_zone = NULL; /* borrowed text would outlive a freed zone */
	if (abbr && abbrlen)
		snprintf(abbr, abbrlen, "%s", type->abbr);
}

/* ---- the process's zones ---- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache[TZ_CACHE_MAX];
static size_t ncache;

const struct tz *tz_get(const char *name)
{
	struct tz *z = NULL;
	struct err e;
	if (!name || !name[0] || strcmp(name, "UTC") == 0 || !tz_name_ok(name))
		return NULL;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < ncache; i++)
		if (strcmp(cache[i]->name, name) == 0) {
			z = cache[i];
			goto out;
		}
	if (ncache < TZ_CACHE_MAX && tz_load(NULL, name, &z, &e) == 0)
		cache[ncache++] = z;
out:
	pthread_mutex_unlock(&cache_lock);
	return z;
}
