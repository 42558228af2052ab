/* html.h - escaping text for HTML and attributes. */
#ifndef WEBMSG_HTML_H
#define WEBMSG_HTML_H

#include "buf.h"

/* Appends text with & < > " ' escaped; safe in element content and quoted attributes.
 * Bytes that are not valid UTF-8 become U+FFFD. */
int html_escape(struct buf *b, const char *text);

#endif
