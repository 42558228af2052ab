/* json.h - strings written into JSON answers. */
#ifndef WEBMSG_JSON_H
#define WEBMSG_JSON_H

#include "buf.h"

/* Appends text as a JSON string, quotes included: '"', '\' and control
 * characters escaped, and also '<', '>', '&', '\'' and U+2028/U+2029, so
 * that the string stays inert wherever a browser might take it for markup or
 * script. Bytes that are not valid UTF-8 become U+FFFD. */
int json_string(struct buf *b, const char *text);

#endif
