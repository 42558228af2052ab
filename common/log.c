/* log.c - one small log for both programs: standard error until log_open,
 * then a file (reopened on SIGUSR1) or syslog. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/err.h"
#include "webmsg/log.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

static struct {
	pthread_mutex_t lock;
	const char *ident;
	enum log_level level;
	int fd;          /* where lines go when not to syslog */
	int use_syslog;
	char path[4096]; /* the file, for log_reopen */
} lg = { PTHREAD_MUTEX_INITIALIZER, "webmsg", LOG_LEVEL_INFO, STDERR_FILENO, 0, "" };

void log_init(const char *ident, int to_stderr)
{
	lg.ident = ident;
	lg.fd = to_stderr ? STDERR_FILENO : -1;
}

int log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_set_level(enum log_level level)
{
	lg.level = level;
}

static int open_file(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return err_sys(e, "cannot open log file %s", path);
	return fd;
}

int log_open(const char *target, enum log_level level, struct err *e)
{
	int fd = -1;
	if (strcmp(target, "syslog") != 0 && (fd = open_file(target, e)) < 0)
		return -1;
	pthread_mutex_lock(&lg.lock);
	if (lg.fd > STDERR_FILENO)
		close(lg.fd);
	if (lg.use_syslog)
		closelog();
	lg.use_syslog = fd < 0;
	lg.fd = fd;
	lg.level = level;
	if (lg.use_syslog) {
		lg.path[0] = '\0';
		openlog(lg.ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	} else {
		snprintf(lg.path, sizeof(lg.path), "%s", target);
	}
	pthread_mutex_unlock(&lg.lock);
	return 0;
}

int log_fd(void)
{
	pthread_mutex_lock(&lg.lock);
	int fd = lg.use_syslog || lg.path[0] == '\0' ? -1 : lg.fd;
	pthread_mutex_unlock(&lg.lock);
	return fd;
}

void log_use_fd(int fd, enum log_level level)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.fd > STDERR_FILENO && lg.fd != fd)
		close(lg.fd);
	if (lg.use_syslog)
		closelog();
	lg.use_syslog = 0;
	lg.fd = fd;
	lg.level = level;
	lg.path[0] = '\0';
	pthread_mutex_unlock(&lg.lock);
}

int log_reopen(struct err *e)
{
	int fd;
	if (lg.use_syslog || lg.path[0] == '\0')
		return 0;
	if ((fd = open_file(lg.path, e)) < 0)
		return -1;
	pthread_mutex_lock(&lg.lock);
	if (lg.fd > STDERR_FILENO)
		close(lg.fd);
	lg.fd = fd;
	pthread_mutex_unlock(&lg.lock);
	return 0;
}

void log_close(void)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.fd > STDERR_FILENO)
		close(lg.fd);
	if (lg.use_syslog)
		closelog();
	lg.fd = STDERR_FILENO;
	lg.use_syslog = 0;
	pthread_mutex_unlock(&lg.lock);
}

const char *log_quote(char *buf, size_t size, const char *s, size_t width)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i = 0;
	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	if (!s) {
		snprintf(buf, size, "-");
		return buf;
	}
	buf[o++] = '"';
	/* Room for the widest escape, the closing quote, the cut marker and NUL. */
	for (; s[i] && i < width && o + 4 + 5 <= size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void __attribute__((format(printf, 3, 0)))
vlog(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX + 1], line[LOG_LINE_MAX + 128];
	static const size_t marker = sizeof(LOG_TRUNCATED) - 1;
	if (level > lg.level)
		return;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n;
	int cut = n < 0 || len >= sizeof(msg);
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	if (n < 0)
		msg[0] = '\0';
	if (suffix && !cut) {
		int m = snprintf(msg + len, sizeof(msg) - len, ": %s", suffix);
		if (m < 0 || (size_t)m >= sizeof(msg) - len)
			cut = 1;
		len = strlen(msg);
	}
	/* A cut line says so: its end is not what the program wrote. */
	if (cut) {
		if (len > LOG_LINE_MAX - marker)
			len = LOG_LINE_MAX - marker;
		memcpy(msg + len, LOG_TRUNCATED, marker + 1);
		len += marker;
	}
	/* A log line is one line: a control character that reached the message
	 * outside a quoted field becomes '?'. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	pthread_mutex_lock(&lg.lock);
	if (lg.use_syslog) {
		syslog(syslog_prio[level], "%s", msg);
	} else if (lg.fd >= 0) {
		char stamp[32];
		struct tm tm;
		time_t now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		/* line has room for the prefix and the longest message. */
		int w = snprintf(line, sizeof(line), "%s %s[%ld] %s: %s\n", stamp, lg.ident,
				 (long)getpid(), level_names[level], msg);
		if (w > 0 && (size_t)w < sizeof(line) && write(lg.fd, line, (size_t)w) < 0) {
			/* Nowhere left to report a failing log. */
		}
	}
	pthread_mutex_unlock(&lg.lock);
}

#define LOG_FN(name, level, suffix_expr)                                                           \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		const char *suffix = suffix_expr;                                                  \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(level, suffix, fmt, ap);                                                      \
		va_end(ap);                                                                        \
	}

LOG_FN(log_error, LOG_LEVEL_ERROR, NULL)
LOG_FN(log_warn, LOG_LEVEL_WARN, strerror(errno))
LOG_FN(log_warnx, LOG_LEVEL_WARN, NULL)
LOG_FN(log_info, LOG_LEVEL_INFO, NULL)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, NULL)

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
