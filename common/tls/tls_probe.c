/* tls_probe.c - one TLS handshake with OpenSSL against our own HTTPS port. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "webmsg/err.h"
#include "webmsg/tls_probe.h"

static int connect_to(const char *host, int port, int timeout_ms, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof(*in6);
	} else {
		return err_set(e, "'%s' is not an IP address", host);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(e, "socket");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		err_sys(e, "cannot connect to %s port %d", host, port);
		close(fd);
		return -1;
	}
	struct pollfd pfd = { fd, POLLOUT, 0 };
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (poll(&pfd, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
	    soerr != 0) {
		errno = soerr ? soerr : ETIMEDOUT;
		err_sys(e, "cannot connect to %s port %d", host, port);
		close(fd);
		return -1;
	}
	/* The handshake runs blocking, bounded by socket timeouts. */
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void fingerprint(X509 *cert, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	size_t len = 0;
	out[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned i = 0; i < n && len + 3 < outlen; i++)
		len += (size_t)snprintf(out + len, outlen - len, "%s%02X", i ? ":" : "", md[i]);
}

/* A write to a connection the server has closed raises SIGPIPE, which kills
 * a program that does not ignore it. Library code leaves the handler alone:
 * the signal is blocked in this thread while the probe runs, and one it
 * raised is taken before the old mask returns. */
struct pipe_guard {
	sigset_t old;
	int was_pending;
};

static void pipe_guard_on(struct pipe_guard *g)
{
	sigset_t block, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &block, &g->old);
}

static void pipe_guard_off(struct pipe_guard *g)
{
	sigset_t pending, only;
	const struct timespec zero = { 0, 0 };
	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE) == 1) {
		sigemptyset(&only);
		sigaddset(&only, SIGPIPE);
		while (sigtimedwait(&only, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static int probe(int fd, const char *host, int port, struct tls_probe_result *r, struct err *e)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int rc = -1;

	if (!(ctx = SSL_CTX_new(TLS_client_method())) || !(ssl = SSL_new(ctx))) {
		err_ssl(e, "cannot set up a TLS client");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		r->refused = 1;
		err_ssl(e, "the TLS handshake with %s port %d failed", host, port);
		goto out;
	}
	/* TLS 1.3 servers refuse a missing client certificate after the handshake: ask once. */
	char byte;
	const char req[] = "HEAD / HTTP/1.0\r\n\r\n";
	if (SSL_write(ssl, req, sizeof(req) - 1) <= 0 || SSL_peek(ssl, &byte, 1) <= 0) {
		r->refused = 1;
		err_ssl(e, "the server at %s port %d closed the TLS connection (does it require a "
			   "client certificate?)", host, port);
		goto out;
	}
	snprintf(r->protocol, sizeof(r->protocol), "%s", SSL_get_version(ssl));
	snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(ssl));
	X509 *cert = SSL_get1_peer_certificate(ssl);
	if (cert) {
		fingerprint(cert, r->sha256, sizeof(r->sha256));
		X509_NAME_oneline(X509_get_subject_name(cert), r->subject, sizeof(r->subject));
		X509_free(cert);
	}
	rc = 0;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return rc;
}

int tls_probe(const char *host, int port, int timeout_ms, struct tls_probe_result *r,
	      struct err *e)
{
	struct pipe_guard g;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if ((fd = connect_to(host, port, timeout_ms, e)) < 0)
		return -1;
	pipe_guard_on(&g);
	rc = probe(fd, host, port, r, e);
	close(fd);
	pipe_guard_off(&g);
	return rc;
}
