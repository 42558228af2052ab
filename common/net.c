/* net.c - listening sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "webmsg/err.h"
#include "webmsg/net.h"

int net_listen(const char *bind_addr, int port, struct err *e)
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
