/* buf.h - a growable byte buffer with a hard maximum, always NUL-terminated. */
#ifndef WEBMSG_BUF_H
#define WEBMSG_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap, max;
	int failed; /* set once an append hit the maximum or ran out of memory */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free it) and leaves b empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
