/* mime.h - reading and writing messages with GMime: what a user sees of a
 * message, its attachments, and new messages to send. Every string handed
 * out is valid UTF-8, whatever the message's charsets claimed. Call
 * g_mime_init() once before any thread uses this module. */
#ifndef WEBMSG_MIME_H
#define WEBMSG_MIME_H

#include <stddef.h>
#include <time.h>

struct buf;
struct err;

#define MIME_MESSAGE_MAX (64 << 20) /* larger messages are refused */

/* What mime_parse_file and mime_attachment_data return for a message beyond
 * the limits of mime_scan.h (nesting, parts, header lines and bytes): it was
 * not parsed, and e holds only the reason, fit to show its owner ("its parts
 * are nested more than 64 levels deep"); the raw file can still be offered. */
#define MIME_TOO_COMPLEX (-2)

struct mime_attachment {
	int index;          /* its number within the message, for mime_attachment_data */
	char *filename;     /* decoded; never empty ("attachment-N" when missing) and without '/' */
	char *content_type; /* "application/pdf" */
	size_t size;        /* decoded size */
	int inline_image;   /* an image part shown within an HTML part (cid:) */
	int disposition_inline; /* sent as Content-Disposition: inline (shown with the text) */
	char *content_id;   /* without <>, or NULL */
};

struct mime_message {
	char *from, *to, *cc, *reply_to; /* decoded, as "Name <addr>, ..." */
	char *from_addr;                 /* the first sender's bare address */
	char *subject;
	char *message_id, *references;   /* for replies */
	char *origin;                    /* X-Webmsg-Origin of a draft, or NULL */
	time_t date;                     /* 0 when missing or unreadable */
	char *text;      /* the text to show: text/plain, else the HTML part as plain text; may be "" */
	char *html;      /* the HTML part as it is (UTF-8), or NULL: show it only sandboxed */
	int html_remote; /* the HTML refers to remote images */
	struct mime_attachment *attachments;
	size_t nattachments;
	int nested;      /* attached messages are listed as attachments (message/rfc822) */
};

/* Parses the message in path. Broken structure is tolerated as far as GMime
 * tolerates it; a file that is not a message at all is an error (-1), a
 * message beyond the limits MIME_TOO_COMPLEX. */
int mime_parse_file(const char *path, struct mime_message **out, struct err *e);
void mime_message_free(struct mime_message **m);

/* A picture the HTML names by cid:, and the address to show it from. */
struct mime_frame_image {
	const char *content_id; /* without <> */
	const char *url;
};

/* The HTML part made fit for the sandboxed frame (malloc'd; NULL when out of
 * memory): every link that stays (http, https, mailto only; the rest lose
 * their address) opens in a new tab with rel="noopener noreferrer", the
 * message's own <base> is dropped, and <img src="cid:..."> is given the
 * address of its picture among images (others stay as they are). */
char *mime_html_for_frame(const char *html, const struct mime_frame_image *images,
			  size_t nimages);

/* The decoded content of attachment index (as in struct mime_attachment). */
int mime_attachment_data(const char *path, int index, struct buf *out, char *content_type,
			 size_t ctlen, char *filename, size_t fnlen, struct err *e);

struct mime_upload {
	const char *filename;
	const char *content_type;
	const void *data;
	size_t len;
};

struct mime_compose {
	const char *from;    /* "Name <user@example.org>" or "user@example.org" */
	/* NULL or "": the name in from, if any; else the sender's display name
	 * as the user typed it (any text: quoted or RFC 2047-encoded as needed). */
	const char *from_name;
	const char *to, *cc, *bcc; /* comma-separated address lists as typed */
	const char *subject;
	const char *body;    /* UTF-8 text */
	const char *in_reply_to, *references; /* or NULL */
	/* A draft's note of the message it answers or forwards (ASCII, one
	 * line), written as X-Webmsg-Origin; NULL for mail that is sent. */
	const char *origin;
	const struct mime_upload *attachments;
	size_t nattachments;
};

/* Builds a complete message: Date, Message-ID, MIME-Version, encoded headers
 * (RFC 2047), quoted-printable or base64 bodies so that every line is 7-bit,
 * CRLF line ends. Bcc is not written into the message. message_id gets the
 * new Message-ID (without <>). */
int mime_build(const struct mime_compose *c, const char *domain, struct buf *out,
	       char *message_id, size_t idlen, struct err *e);

/* Splits an address list as a user typed it ("Ann <a@x.org>, b@y.org") into
 * bare addresses; an address that does not parse is an error naming it.
 * Calls fn for each; returns the count. The same as address_list_parse
 * (address.h), where new code should look. */
int mime_addresses(const char *list, void (*fn)(const char *addr, void *arg), void *arg,
		   struct err *e);

/* Quotes text for a reply: "On DATE, NAME wrote:" and "> " before each line. */
char *mime_quote_reply(const struct mime_message *m);

#endif
