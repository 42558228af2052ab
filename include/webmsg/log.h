/* log.h - the programs' log: a file or syslog, with levels.
 * Thread-safe; each message is one line written in one call. A message
 * longer than LOG_LINE_MAX bytes is cut and ends with LOG_TRUNCATED. */
#ifndef WEBMSG_LOG_H
#define WEBMSG_LOG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

struct err;

/* Before log_open everything goes to standard error. */
void log_init(const char *ident, int to_stderr);
/* target: a file path, or "syslog". Keeps the previous target on failure. */
int log_open(const char *target, enum log_level level, struct err *e);
/* Reopens the current file (after logrotate moved it). */
int log_reopen(struct err *e);
void log_set_level(enum log_level level);
/* The open log file's descriptor (borrowed), -1 when logging to syslog or stderr. */
int log_fd(void);
/* Logs to fd from now on (taken over; a process handed its parent's log). */
void log_use_fd(int fd, enum log_level level);
int log_level_parse(const char *name, enum log_level *out);
void log_close(void);

#define LOG_LINE_MAX 2048
#define LOG_TRUNCATED "...[truncated]"

/* Every field a client controls (user IDs, URLs, message ids, addresses,
 * header values, error texts that may hold them) goes into a line quoted:
 * "..." with control characters, '"', '\\' and every byte outside printable
 * ASCII written as \xHH (so a quoted field holds no '"' but its own two),
 * at most width bytes of the value; a longer value is
 * cut and the closing quote followed by "...". So a field can never end a
 * line, start a new one or pass for the fixed text around it. */
#define LOG_FIELD_WIDTH 200
#define LOG_QUOTED_SIZE(width) ((width) * 4 + 8)
/* Writes s (NULL: -) into buf of size bytes; returns buf. */
const char *log_quote(char *buf, size_t size, const char *s, size_t width);

struct log_field {
	char text[LOG_QUOTED_SIZE(LOG_FIELD_WIDTH)];
};
/* log_q(s): s quoted in a buffer that lives until the end of the enclosing
 * block, for a %s of one log call: log_warnx("user %s", log_q(user)). */
#define log_q(s) log_quote((struct log_field){ { 0 } }.text, sizeof(struct log_field), (s), \
			   LOG_FIELD_WIDTH)

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Adds ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up only: logs and exits with status 1. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
