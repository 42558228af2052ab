/* mime_private.h - what the parts of the MIME module (mime_*.c) share: its
 * limits, the walk over a message's leaves, and each part's functions.
 * Not for use outside common/mail/. */
#ifndef WEBMSG_MIME_PRIVATE_H
#define WEBMSG_MIME_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gmime/gmime.h>

#include "webmsg/buf.h"
#include "webmsg/mime.h"
#include "webmsg/mime_scan.h"

struct err;

#define DEPTH_MAX MIME_DEPTH_MAX /* deeper nesting is refused before parsing; never followed */
#define FILENAME_BYTES_MAX 200  /* fits every file system once the browser adds its own suffix */
#define EXTENSION_BYTES_MAX 16  /* kept when a long file name is shortened */
#define CHARSET_NAME_MAX 64
/* Text converted to UTF-8 takes at most 3 bytes per byte of the message (U+FFFD). */
#define TEXT_MAX ((size_t)MIME_MESSAGE_MAX * 4)

/* The parts shown as the message: the first plain text and the first HTML
 * that are neither marked as attachments nor named like files. */
struct bodies {
	GMimeObject *text, *html;
	int text_index, html_index;
};

/* The state of mime_part_list_attachment over a message's leaves. */
struct listing {
	struct mime_message *m;
	const struct bodies *bodies;
	GMimeParserOptions *options;
	GMimeFormatOptions *format;
	size_t cap;
	int failed;
};

/* mime_text.c: charsets, UTF-8 and encoded words */
void mime_text_put_repaired(struct buf *b, const char *s, size_t len);
int mime_text_name_in(const char *name, const char *const *list);
void mime_text_put(struct buf *b, const char *s, size_t len, const char *charset);
void mime_text_drop_cr(char *s);
char *mime_text_finish(struct buf *b);
char *mime_text_clean_line(const char *s);
void mime_text_copy_utf8(char *dst, size_t dstlen, const char *src);
char *mime_text_b_words_as_q(const char *s);
const char *mime_text_raw_header(GMimeObject *o, const char *name);
extern const uint16_t mime_text_cp1252_c1[32];

/* mime_html.c: HTML */
void mime_html_to_text(const char *h, struct buf *b);
int mime_html_refers_remote(const char *h);

/* mime_parse.c: reading messages */
/* A parsed message and what it was parsed and is formatted with. The options
 * live as long as the message: its headers decode with them. */
struct parsed {
	GMimeParserOptions *options;
	GMimeFormatOptions *format;
	GMimeMessage *message;
};
/* The message in path, or in len bytes at data (copied), bounded by
 * mime_scan.h first: 0, -1, or MIME_TOO_COMPLEX. */
int mime_parse_open(const char *path, struct parsed *p, struct err *e);
int mime_parse_open_data(const char *data, size_t len, struct parsed *p, struct err *e);
void mime_parse_close(struct parsed *p);
/* The headers of struct mime_message; -1 when out of memory. */
int mime_parse_headers(struct mime_message *m, struct parsed *p);
GMimeParserOptions *mime_parse_options_new(void);
InternetAddressMailbox *mime_parse_first_mailbox(InternetAddressList *l, int depth);
int mime_parse_is_message_id(const char *id);

/* mime_part.c: the leaves of a message */
void mime_part_walk_message(GMimeMessage *m, void (*fn)(GMimeObject *, int, void *), void *arg);
void mime_part_choose_body(GMimeObject *o, int index, void *arg);
ssize_t mime_part_leaf_size(GMimeObject *o, GMimeFormatOptions *format);
GByteArray *mime_part_leaf_bytes(GMimeObject *o, GMimeFormatOptions *format);
char *mime_part_leaf_text(GMimeObject *o, GMimeFormatOptions *format);
int mime_part_is_token(const char *s);
char *mime_part_filename(GMimeObject *o, GMimeParserOptions *options);
char *mime_part_safe_filename(const char *name);
int mime_part_describe(GMimeObject *o, int index, GMimeParserOptions *options,
		       struct mime_attachment *a);
void mime_part_attachment_clear(struct mime_attachment *a);
void mime_part_list_attachment(GMimeObject *o, int index, void *arg);

/* mime_structure.c: a message's structure for the mail store (mailstore.h),
 * its leaves numbered as IMAP numbers sections */
struct mail_structure;
#define MIME_TOO_LARGE (-3) /* a part of more bytes than the caller's maximum */
#define MIME_NO_PART (-4)   /* no part of that number */
int mime_structure_file(const char *path, struct mail_structure **out, struct err *e);
/* The headers of s from a message's header (or whole message) in memory. */
int mime_structure_headers(const char *data, size_t len, struct mail_structure *s,
			   struct err *e);
int mime_structure_part_file(const char *path, const char *part, size_t max, struct buf *out,
			     struct err *e);

/* address.c: a list as the user typed it (or NULL) parsed into a GMime list */
int address_list_into(const char *list, GMimeParserOptions *options, InternetAddressList *into,
		      struct err *e);

#endif
