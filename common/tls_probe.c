/* tls_probe.c - one TLS handshake with OpenSSL against our own HTTPS port. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

int tls_probe(const char *host, int port, int timeout_ms, struct tls_probe_result *r,
	      struct err *e)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	if ((fd = connect_to(host, port, timeout_ms, e)) < 0)
		return -1;
	if (!(ctx = SSL_CTX_new(TLS_client_method())) || !(ssl = SSL_new(ctx))) {
		err_ssl(e, "cannot set up a TLS client");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		err_ssl(e, "the TLS handshake with %s port %d failed", host, port);
		goto out;
	}
	/* TLS 1.3 servers refuse a missing client certificate after the handshake: ask once. */
	char byte;
	const char req[] = "HEAD / HTTP/1.0\r\n\r\n";
	if (SSL_write(ssl, req, sizeof(req) - 1) <= 0 || SSL_peek(ssl, &byte, 1) <= 0) {
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
	close(fd);
	return rc;
}
