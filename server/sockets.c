/* sockets.c - the listening sockets the daemon owns across reloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"
#include "webmsg/err.h"

static int open_listener(const char *bind_addr, int port, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, zero = 0, fd;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, bind_addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, bind_addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	} else {
		return err_set(e, "'%s' is not an IP address", bind_addr);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return err_sys(e, "cannot make a socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" listens for IPv4 too. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 511) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		if (saved == EADDRINUSE)
			return err_set(e, "cannot listen on %s port %d: the port is in use by another "
					  "program; choose another port or stop that program",
				       bind_addr, port);
		if (saved == EACCES)
			return err_set(e, "cannot listen on %s port %d: ports below 1024 need "
					  "privileges", bind_addr, port);
		return err_sys(e, "cannot listen on %s port %d", bind_addr, port);
	}
	return fd;
}

int sockets_get(struct server *srv, const char *bind_addr, int port, int *fd, struct err *e)
{
	struct listen_socket *free_slot = NULL;
	for (int i = 0; i < SERVER_MAX_SOCKETS; i++) {
		struct listen_socket *s = &srv->sockets[i];
		if (s->fd >= 0 && s->port == port && strcmp(s->bind, bind_addr) == 0) {
			*fd = s->fd;
			return 0;
		}
		if (s->fd < 0 && !free_slot)
			free_slot = s;
	}
	if (!free_slot)
		return err_set(e, "too many listening sockets");
	if ((*fd = open_listener(bind_addr, port, e)) < 0)
		return -1;
	snprintf(free_slot->bind, sizeof(free_slot->bind), "%s", bind_addr);
	free_slot->port = port;
	free_slot->fd = *fd;
	return 0;
}

static int in_use(const struct server *srv, const struct listen_socket *s)
{
	const struct generation *g = srv->current;
	if (!g)
		return 0;
	for (int k = 0; k < LISTENER_KINDS; k++)
		if (g->sockets[k] == s->fd)
			return 1;
	return 0;
}

void sockets_prune(struct server *srv)
{
	for (int i = 0; i < SERVER_MAX_SOCKETS; i++) {
		struct listen_socket *s = &srv->sockets[i];
		if (s->fd >= 0 && !in_use(srv, s)) {
			close(s->fd);
			s->fd = -1;
		}
	}
}

void sockets_close_all(struct server *srv)
{
	for (int i = 0; i < SERVER_MAX_SOCKETS; i++) {
		if (srv->sockets[i].fd >= 0)
			close(srv->sockets[i].fd);
		srv->sockets[i].fd = -1;
	}
}
