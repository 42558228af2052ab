/* net.h - a TCP listening socket on an address and port, as the daemon's
 * listeners use them and as the configuration check tries them. */
#ifndef WEBMSG_NET_H
#define WEBMSG_NET_H

struct err;

/* A non-blocking, close-on-exec socket listening on bind_addr:port ("::"
 * listens for IPv4 too), or -1 with a reason a person can act on (the port in
 * use, privileges for ports below 1024). */
int net_listen(const char *bind_addr, int port, struct err *e);

#endif
