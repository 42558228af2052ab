/* err.c - filling a caller's struct err. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "webmsg/err.h"

static void __attribute__((format(printf, 2, 0))) vset(struct err *e, const char *fmt, va_list ap)
{
	if (e)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

static void append(struct err *e, const char *text)
{
	size_t len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", text);
}

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	if (e)
		append(e, strerror(saved));
	errno = saved;
	return -1;
}

int err_ssl(struct err *e, const char *fmt, ...)
{
	unsigned long code = ERR_get_error();
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	if (e && code != 0) {
		ERR_error_string_n(code, text, sizeof(text));
		const char *reason = ERR_reason_error_string(code);
		append(e, reason ? reason : text);
	}
	ERR_clear_error();
	return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX], old[ERR_MSG_MAX];
	va_list ap;
	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	return -1;
}

void err_clear(struct err *e)
{
	if (e)
		e->msg[0] = '\0';
}
