/* imap_client.h - one connection to an IMAP server on libetpan: connect with
 * timeouts, TLS (implicit, STARTTLS, or none on loopback only) with the
 * server's certificate verified here, log on, and what the server offers.
 * Private to common/mail/ (the IMAP mail store is its user). */
#ifndef WEBMSG_IMAP_CLIENT_H
#define WEBMSG_IMAP_CLIENT_H

#include <stddef.h>

#include "webmsg/imap_server.h"

struct err;
struct imap_client;
struct mailimap; /* libetpan's session */

struct imap_client_config {
	char host[IMAP_HOST_MAX]; /* a name or an address, without brackets */
	unsigned port;
	enum imap_tls tls;
	/* PEM certificates to trust; "" : the system's store. */
	char ca_file[4096];
	/* Seconds the connection, the handshake and each answer may take. */
	int timeout;
	/* host's addresses as imap_server_resolve gives them, tried in order
	 * without a lookup (a worker can make none); "": host is looked up. */
	char addrs[IMAP_ADDRS_LEN];
};

/* What the server offers (CAPABILITY, after logon). */
enum imap_cap {
	IMAP_CAP_SORT = 1 << 0,
	IMAP_CAP_MOVE = 1 << 1,
	IMAP_CAP_SPECIAL_USE = 1 << 2,
	IMAP_CAP_CONDSTORE = 1 << 3,
	IMAP_CAP_QRESYNC = 1 << 4,
	IMAP_CAP_UIDPLUS = 1 << 5,
	IMAP_CAP_STARTTLS = 1 << 6,
	IMAP_CAP_AUTH_PLAIN = 1 << 7,
	IMAP_CAP_LOGINDISABLED = 1 << 8,
	/* METADATA or METADATA-SERVER (RFC 5464): server entries, where the
	 * user's settings are kept (mailstore_imap_meta.c). */
	IMAP_CAP_METADATA = 1 << 9,
	IMAP_CAP_LITERALPLUS = 1 << 10, /* RFC 7888: {N+} needs no "+" first */
	IMAP_CAP_THREAD_REFERENCES = 1 << 11, /* THREAD=REFERENCES (RFC 5256) */
	IMAP_CAP_THREAD_REFS = 1 << 12,      /* THREAD=REFS: no subject merging */
};

/* Connects, negotiates TLS as cfg says and verifies the certificate
 * (chain to ca_file or the system's store, and the name or address), reads
 * the greeting. Fails with "the mail server is not reachable ..." or "the
 * mail server did not answer within N s" and the like. */
int imap_client_connect(const struct imap_client_config *cfg, struct imap_client **out,
			struct err *e);
/* LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN; then reads
 * the capabilities. A refusal of the credentials gives 1 (with e set: the
 * message is for the user), another failure -1. */
int imap_client_login(struct imap_client *c, const char *user, const char *password,
		      struct err *e);
/* Logs out (when still connected) and frees; accepts NULL and *c NULL. */
void imap_client_close(struct imap_client **c);

unsigned imap_client_caps(const struct imap_client *c);
/* libetpan's session, for the commands of mailstore_imap.c (borrowed). */
struct mailimap *imap_client_session(struct imap_client *c);
/* The command timeout in seconds (for messages). */
int imap_client_timeout(const struct imap_client *c);
/* Turns libetpan's result r of a command into a message in plain words
 * ("the mail server did not answer within 20 s", "the mail server refused
 * to DO: its reason"); returns -1. After a failure of the connection itself
 * (closed, timed out, garbage) the client is marked broken: later commands
 * fail at once with the same words. */
int imap_client_fail(struct imap_client *c, int r, const char *what, struct err *e);
/* 1 after a failure of the connection (imap_client_fail saw it). */
int imap_client_broken(const struct imap_client *c);
/* Starts the deadline of one command: call before each libetpan command,
 * so that imap_client_fail tells a stalled server from a closed one. */
void imap_client_begin(struct imap_client *c);

#endif
