/* prompt.h - reading a password for webmsg-admin. Never from the command
 * line: typed twice at the terminal without echo, or the first line of a file
 * or of standard input. */
#ifndef WEBMSG_ADMIN_PROMPT_H
#define WEBMSG_ADMIN_PROMPT_H

#include <stddef.h>

#include "webmsg/password.h"

struct err;

/* A buffer for prompt_password: the longest password, and room to notice a longer one. */
#define PROMPT_MAX (PASSWORD_MAX + 2)

/* Reads a new password into out: the first line of file when it is not NULL,
 * else the first line of standard input when that is not a terminal, else
 * typed twice at the terminal, after the prompt "<what>: ". An empty password
 * is refused. The caller wipes out when done. */
int prompt_password(const char *what, const char *file, char *out, size_t outlen, struct err *e);

#endif
