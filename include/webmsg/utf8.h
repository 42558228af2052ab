/* utf8.h - one UTF-8 decoder for every place that checks or walks text:
 * HTML escaping, terminal output, folder names, user settings, IMAP's
 * modified UTF-7. */
#ifndef WEBMSG_UTF8_H
#define WEBMSG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the UTF-8 sequence at s, with its code point in
 * *cp, when it is well formed: shortest form, no surrogate, at most
 * U+10FFFF. 0 when it is not. Reads no further than the first byte that
 * is not a continuation, so a NUL-terminated string is never overrun. */
size_t utf8_decode(const char *s, uint32_t *cp);

#endif
