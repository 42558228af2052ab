/* linkify.h - plain text as HTML with its web addresses and e-mail
 * addresses made links, for showing plain-text mail. */
#ifndef WEBMSG_LINKIFY_H
#define WEBMSG_LINKIFY_H

#include "buf.h"

/* Appends text (UTF-8) to out as HTML: everything escaped, and each
 * http://, https:// or www. address, and each e-mail address, made a link.
 * Web links open in a new tab without a referrer; an e-mail address links to
 * compose_url followed by the address percent-encoded ("/mail/compose?to=").
 * Punctuation that ends a sentence, and a closing bracket that opens nowhere
 * in the address, stay outside the link. -1 when out hit its maximum. */
int linkify_html(struct buf *out, const char *text, const char *compose_url);

#endif
