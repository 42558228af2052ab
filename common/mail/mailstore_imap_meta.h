/* mailstore_imap_meta.h - IMAP METADATA (RFC 5464) server entries on a
 * libetpan session: what the IMAP mail store keeps a user's settings in
 * (mailstore_imap_meta.c). Private to common/mail/. */
#ifndef WEBMSG_MAILSTORE_IMAP_META_H
#define WEBMSG_MAILSTORE_IMAP_META_H

#include <stddef.h>

struct err;
struct imap_store;
struct mailimap;

/* The largest value read or written, whatever length a server announces:
 * above it an answer is not taken (the connection is given up). */
#define IMAP_META_VALUE_MAX (128 * 1024)
/* Where the settings file NAME lives: a server entry (mailbox ""). */
#define IMAP_META_PREFIX "/private/vendor/webmsg/"
/* imap_meta_get: the value is larger than the max asked for. */
#define IMAP_META_TOO_LARGE (-2)

/* Teaches libetpan the untagged METADATA answer, once per process; before
 * the first IMAP connection, so that no session parses while it is added. */
void imap_meta_register(void);

/* GETMETADATA (MAXSIZE max) "" (entry): *value (malloc'd, NUL after len
 * bytes) or NULL when the server has none (NIL). Returns libetpan's
 * MAILIMAP_NO_ERROR or error (MAILIMAP_ERROR_EXTENSION: the server said
 * NO), or IMAP_META_TOO_LARGE. entry must be an atom of IMAP (the
 * caller's own words). */
int imap_meta_get(struct mailimap *imap, const char *entry, size_t max, char **value,
		  size_t *len);
/* SETMETADATA "" (entry {len}value): the value as a literal, LITERAL+ when
 * literal_plus. *untagged is set when the server sent other news (EXISTS,
 * EXPUNGE) before the literal was taken: what is known of the selected
 * folder may be stale. Returns libetpan's MAILIMAP_NO_ERROR or error
 * (MAILIMAP_ERROR_EXTENSION: the server said NO). */
int imap_meta_set(struct mailimap *imap, int literal_plus, const char *entry, const char *value,
		  size_t len, int *untagged);

/* The IMAP store's data_read and data_write (mailstore_backend.h): the
 * file NAME as the entry IMAP_META_PREFIX NAME. Without METADATA on the
 * server, reading gives none (the defaults) and writing is refused
 * (MAILSTORE_REFUSED) with what the administrator must enable. */
int imap_store_data_read(struct imap_store *s, const char *name, size_t max, char **data,
			 size_t *len, struct err *e);
int imap_store_data_write(struct imap_store *s, const char *name, const char *data, size_t len,
			  struct err *e);

#endif
