/* guard.h - the connection guard: which client addresses may open another
 * connection, and a thread that closes connections that send their headers
 * too slowly or trickle a body under the minimum rate. MHD's own timeout
 * counts idle time only, which a client sending one byte at a time resets. */
#ifndef WEBMSGD_GUARD_H
#define WEBMSGD_GUARD_H

#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct err;
struct netmask_list;
struct guard;
struct guard_conn;

/* Seconds over which a body's rate is averaged. */
#define GUARD_RATE_WINDOW 5

struct guard_limits {
	long max_connections; /* all listeners together */
	long per_address;     /* one IPv4 address, or one IPv6 /64 */
	/* Addresses held to max_connections only: the proxies in front, which
	 * bring every client's connections. NULL: none. */
	const struct netmask_list *unlimited;
};

int guard_start(struct guard **out, struct err *e);
/* Ends the thread; every connection must have been closed (daemons stopped). */
void guard_stop(struct guard **g);

/* MHD_OPTION_ACCEPT_POLICY: 1 when a connection from sa may be accepted. An
 * address may hold per_address connections, and once three quarters of all
 * slots are taken only addresses holding fewer than two get new ones: the
 * last quarter stays for clients that have not been seen yet. A connection
 * counts from guard_open: the listeners' accepting threads may each let one
 * more through between the two calls, which MHD's own limit still bounds. */
int guard_admit(struct guard *g, const struct sockaddr *sa, socklen_t len,
		const struct guard_limits *lim);

/* At MHD_CONNECTION_NOTIFY_STARTED: registers the connection, counted for its
 * address, with header_timeout seconds to send its first request's headers.
 * NULL when out of memory (the connection is then not watched). */
struct guard_conn *guard_open(struct guard *g, struct MHD_Connection *c, long header_timeout);
/* The same for a socket and its peer's address (what guard_open reads from MHD). */
struct guard_conn *guard_open_socket(struct guard *g, int fd, const struct sockaddr *sa,
				     socklen_t len, long header_timeout);
/* At MHD_CONNECTION_NOTIFY_CLOSED, which MHD 0.9.75 calls before it closes
 * the socket: after this the guard never touches the socket again. */
void guard_close(struct guard_conn **gc);

/* The headers are in and a body follows: from now on the body must average
 * min_rate bytes per second over each GUARD_RATE_WINDOW (0: no minimum). */
void guard_body_begin(struct guard_conn *gc, long min_rate);
void guard_body_bytes(struct guard_conn *gc, size_t n);
/* The request is being answered: no deadline (a slow page is not the client's fault). */
void guard_answering(struct guard_conn *gc);
/* The answer was sent: the next request's headers are due within header_timeout. */
void guard_next_request(struct guard_conn *gc, long header_timeout);

#endif
