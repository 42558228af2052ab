/* term_safe.h - text from outside (a CA's error details and terms address,
 * a certificate's subject) made safe to print on a terminal: nothing in it
 * can move the cursor, change the terminal's state or forge a line. */
#ifndef WEBMSG_TERM_SAFE_H
#define WEBMSG_TERM_SAFE_H

#include <stddef.h>

/* Keeps '\n' as it is (text of several lines that we wrote ourselves). */
#define TERM_SAFE_NEWLINES 1

/* Copies in to out (NUL-terminated, cut with "..." when it does not fit):
 * valid UTF-8 that prints is kept; C0 and C1 control characters, DEL and
 * bytes that do not decode become \xNN (a tab a space, a newline too unless
 * flags has TERM_SAFE_NEWLINES). Returns out. */
const char *term_safe(const char *in, char *out, size_t outlen, int flags);

#endif
