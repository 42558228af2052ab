/* sockets.c - the listening sockets the daemon owns across reloads. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "webmsg/err.h"
#include "webmsg/net.h"

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
	if (srv->handed)
		return err_set(e, "no socket on %s port %d was handed over", bind_addr, port);
	if (!free_slot)
		return err_set(e, "too many listening sockets");
	if ((*fd = net_listen(bind_addr, port, e)) < 0)
		return -1;
	snprintf(free_slot->bind, sizeof(free_slot->bind), "%s", bind_addr);
	free_slot->port = port;
	free_slot->fd = *fd;
	return 0;
}

static int in_use(const struct server *srv, const struct listen_socket *s)
{
	for (int k = 0; k < LISTENER_KINDS; k++)
		if (srv->serving[k] == s->fd)
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
