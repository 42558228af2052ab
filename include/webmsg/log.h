/* log.h - the programs' log: a file or syslog, with levels.
 * Thread-safe; each message is one line written in one call. */
#ifndef WEBMSG_LOG_H
#define WEBMSG_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

struct err;

/* Before log_open everything goes to standard error. */
void log_init(const char *ident, int to_stderr);
/* target: a file path, or "syslog". Keeps the previous target on failure. */
int log_open(const char *target, enum log_level level, struct err *e);
/* Reopens the current file (after logrotate moved it). */
int log_reopen(struct err *e);
void log_set_level(enum log_level level);
int log_level_parse(const char *name, enum log_level *out);
void log_close(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Adds ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up only: logs and exits with status 1. */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
