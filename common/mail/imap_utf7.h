/* imap_utf7.h - IMAP's modified UTF-7 (RFC 3501 5.1.3), the form mailbox
 * names take on the wire, to and from the UTF-8 names webmsg shows and
 * users type. Private to common/mail/. */
#ifndef WEBMSG_IMAP_UTF7_H
#define WEBMSG_IMAP_UTF7_H

#include <stddef.h>

struct err;

/* A UTF-8 name in modified UTF-7 ("Entwürfe" is "Entw&APw-rfe", "&" is
 * "&-"). Invalid UTF-8, control characters (CR, LF, NUL included: nothing
 * reaches the wire that could end a command) and a result longer than
 * outlen - 1 bytes are refused. */
int imap_utf7_encode(const char *utf8, char *out, size_t outlen, struct err *e);
/* A name from the server in UTF-8. Anything that is not modified UTF-7 as
 * RFC 3501 writes it (a '&' never closed, bits left over, printable ASCII
 * or a lone surrogate in an encoded run, raw 8-bit or control bytes) is
 * refused, so that a name round-trips or is not shown. */
int imap_utf7_decode(const char *utf7, char *out, size_t outlen, struct err *e);

#endif
