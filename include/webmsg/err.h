/* err.h - errors that library code hands back to the program that called it.
 * Library functions return 0 on success and -1 on failure, after filling the
 * caller's struct err with a message a person can act on. */
#ifndef WEBMSG_ERR_H
#define WEBMSG_ERR_H

#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	char msg[ERR_MSG_MAX];
};

/* Sets the message; always returns -1 so that `return err_set(e, ...)` reads well. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_set, followed by ": " and strerror(errno). */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_set, followed by ": " and the oldest OpenSSL error; clears the queue. */
int err_ssl(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts "prefix: " in front of the message already there. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
