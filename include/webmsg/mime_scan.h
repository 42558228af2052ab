/* mime_scan.h - a cheap linear pass over a message before GMime parses it:
 * how deep its parts nest, how many parts and header lines it has and how
 * many bytes its headers take. A message beyond these limits is never handed
 * to the parser, whose cost grows with depth times size (GMime follows
 * nesting to 1,024 levels and checks every line against every boundary). */
#ifndef WEBMSG_MIME_SCAN_H
#define WEBMSG_MIME_SCAN_H

#include <stddef.h>

struct err;
struct mime_scan;

/* Far beyond what mailers write (a forward inside a forward adds two levels,
 * a mailing-list digest a few hundred parts), far below what costs time. */
#define MIME_DEPTH_MAX 64
#define MIME_PARTS_MAX 1000
#define MIME_HEADER_LINES_MAX 10000
#define MIME_HEADER_BYTES_MAX (2 << 20)
#define MIME_BOUNDARY_MAX 1000 /* RFC 2046 allows 70 characters */

int mime_scan_new(struct mime_scan **out, struct err *e);
void mime_scan_free(struct mime_scan **s);
/* Feeds the next bytes of the message. Returns -1 once a limit is passed,
 * with e saying which in words for the user ("its parts are nested more than
 * 64 levels deep"); later calls keep returning -1. */
int mime_scan_feed(struct mime_scan *s, const void *data, size_t len, struct err *e);
/* The end of the message (a last line without a line end counts). */
int mime_scan_end(struct mime_scan *s, struct err *e);

/* The whole scan of a message in memory. */
int mime_scan_buffer(const void *data, size_t len, struct err *e);

#endif
