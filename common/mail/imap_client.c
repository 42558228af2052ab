/* imap_client.c - one IMAP connection on libetpan, with timeouts on connect
 * and on every answer, TLS, and certificate verification done here.
 *
 * Debian's libetpan does its TLS with GnuTLS and checks nothing about the
 * server's certificate (it offers no trust store or name check on that
 * path): after each handshake the chain it received is verified here with
 * OpenSSL against mail.imap_ca_file or the system's store, and the host
 * name or address is checked, before anything (a password) is sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "webmsg/err.h"
#include "imap_client.h"

struct imap_client {
	struct mailimap *imap;
	struct imap_client_config cfg;
	unsigned caps;
	int broken;
	struct timespec began; /* the current command's start */
	char broken_msg[ERR_MSG_MAX];
};

static double elapsed(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

void imap_client_begin(struct imap_client *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->began);
}

/* Tries the addresses of res in order, each within the timeout, until one
 * answers: a connected socket (non-blocking), or -1 with the last
 * failure's errno in *saved. */
static int connect_first(const struct imap_client_config *cfg, struct addrinfo *res, int *saved)
{
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		int rc, fd, soerr = 0;
		socklen_t len = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			*saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		if (errno != EINPROGRESS) {
			*saved = errno;
			close(fd);
			continue;
		}
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		do
			rc = poll(&p, 1, cfg->timeout * 1000);
		while (rc < 0 && errno == EINTR);
		if (rc == 0)
			*saved = ETIMEDOUT;
		else if (rc < 0)
			*saved = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			*saved = errno;
		else if (soerr)
			*saved = soerr;
		else
			return fd;
		close(fd);
	}
	return -1;
}

/* A TCP connection to host:port: to cfg->addrs when given (numbers only:
 * no lookup), else to what host resolves to. TLS's checks stay on host. */
static int tcp_connect(const struct imap_client_config *cfg, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res;
	char port[8];
	int rc, fd = -1, saved = ECONNREFUSED;

	snprintf(port, sizeof(port), "%u", cfg->port);
	if (cfg->addrs[0]) {
		const char *p = cfg->addrs;
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		while (fd < 0 && *p) {
			char num[64];
			size_t l = strcspn(p, " ");
			if (l && l < sizeof(num)) {
				memcpy(num, p, l);
				num[l] = '\0';
				if ((rc = getaddrinfo(num, port, &hints, &res)) == 0) {
					fd = connect_first(cfg, res, &saved);
					freeaddrinfo(res);
				}
			}
			p += l;
			p += *p == ' ';
		}
	} else {
		if ((rc = getaddrinfo(cfg->host, port, &hints, &res)) != 0)
			return err_set(e, "the mail server is not reachable: %s: %s", cfg->host,
				       gai_strerror(rc));
		fd = connect_first(cfg, res, &saved);
		freeaddrinfo(res);
	}
	if (fd < 0) {
		if (saved == ETIMEDOUT)
			return err_set(e, "the mail server is not reachable: %s port %u did not "
					  "answer within %d s", cfg->host, cfg->port, cfg->timeout);
		return err_set(e, "the mail server is not reachable: %s port %u: %s", cfg->host,
			       cfg->port, strerror(saved));
	}
	/* libetpan waits with select() itself: back to blocking. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return err_sys(e, "the mail server's connection");
	}
	return fd;
}

/* The name the server is asked for (SNI): not for an address. */
static void tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	const struct imap_client_config *cfg = data;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, cfg->host, &a4) != 1 && inet_pton(AF_INET6, cfg->host, &a6) != 1)
		mailstream_ssl_set_server_name(ctx, (char *)cfg->host);
}

/* The chain the server sent: trusted by ca_file (or the system's store),
 * valid now, for a TLS server, and for cfg->host. */
static int verify_chain(struct imap_client *c, struct err *e)
{
	carray *chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	STACK_OF(X509) *untrusted = NULL;
	X509 *leaf = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (!chain || carray_count(chain) == 0) {
		err_set(e, "the mail server sent no certificate");
		goto out;
	}
	if (!(untrusted = sk_X509_new_null()) || !(store = X509_STORE_new()) ||
	    !(ctx = X509_STORE_CTX_new())) {
		err_set(e, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		const unsigned char *p = (const unsigned char *)der->str;
		X509 *x = d2i_X509(NULL, &p, (long)der->len);
		if (!x) {
			err_ssl(e, "the mail server's certificate cannot be read");
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (!sk_X509_push(untrusted, x)) {
			X509_free(x);
			err_set(e, "out of memory");
			goto out;
		}
	}
	if (c->cfg.ca_file[0] ? X509_STORE_load_file(store, c->cfg.ca_file) != 1
			      : X509_STORE_set_default_paths(store) != 1) {
		err_ssl(e, "the certificates to trust (%s) cannot be read",
			c->cfg.ca_file[0] ? c->cfg.ca_file : "the system's store");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
		err_ssl(e, "the mail server's certificate cannot be checked");
		goto out;
	}
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	/* Without the name or address to check, any certificate the store
	 * vouches for would do: a failure to set it is a failure. */
	if (X509_VERIFY_PARAM_set1_ip_asc(param, c->cfg.host) != 1 &&
	    X509_VERIFY_PARAM_set1_host(param, c->cfg.host, 0) != 1) {
		err_ssl(e, "the mail server's name cannot be checked against its certificate");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		int v = X509_STORE_CTX_get_error(ctx);
		err_set(e, "the mail server's certificate is not trusted: %s",
			X509_verify_cert_error_string(v));
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

static int cap_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{ "SORT", IMAP_CAP_SORT },
		{ "MOVE", IMAP_CAP_MOVE },
		{ "SPECIAL-USE", IMAP_CAP_SPECIAL_USE },
		{ "CONDSTORE", IMAP_CAP_CONDSTORE },
		{ "QRESYNC", IMAP_CAP_QRESYNC },
		{ "UIDPLUS", IMAP_CAP_UIDPLUS },
		{ "STARTTLS", IMAP_CAP_STARTTLS },
		{ "LOGINDISABLED", IMAP_CAP_LOGINDISABLED },
		{ "THREAD=REFERENCES", IMAP_CAP_THREAD_REFERENCES },
		{ "THREAD=REFS", IMAP_CAP_THREAD_REFS },
		{ "METADATA", IMAP_CAP_METADATA },
		{ "METADATA-SERVER", IMAP_CAP_METADATA },
		{ "LITERAL+", IMAP_CAP_LITERALPLUS },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(name, known[i].name) == 0)
			return (int)known[i].bit;
	return 0;
}

/* Forgets the capabilities the server announced, before a command after
 * which they may differ (STARTTLS, the logon): what is known afterwards
 * came with that command's answer. */
static void caps_forget(struct imap_client *c)
{
	struct mailimap_connection_info *ci = c->imap->imap_connection_info;
	if (ci && ci->imap_capability) {
		mailimap_capability_data_free(ci->imap_capability);
		ci->imap_capability = NULL;
	}
}

/* What the server offers: as it announced it in its last answer (the
 * greeting's or the logon's CAPABILITY response code, which Dovecot and
 * most servers send), else asked with CAPABILITY. */
static int read_caps(struct imap_client *c, struct err *e)
{
	struct mailimap_connection_info *ci = c->imap->imap_connection_info;
	struct mailimap_capability_data *data = NULL, *announced = NULL;
	int r;

	if (ci && ci->imap_capability) {
		announced = ci->imap_capability;
	} else {
		imap_client_begin(c);
		if ((r = mailimap_capability(c->imap, &data)) != MAILIMAP_NO_ERROR)
			return imap_client_fail(c, r, "list its capabilities", e);
	}
	c->caps = 0;
	for (clistiter *it = clist_begin((announced ? announced : data)->cap_list); it;
	     it = clist_next(it)) {
		struct mailimap_capability *cap = clist_content(it);
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE) {
			if (cap->cap_data.cap_auth_type &&
			    strcasecmp(cap->cap_data.cap_auth_type, "PLAIN") == 0)
				c->caps |= IMAP_CAP_AUTH_PLAIN;
		} else if (cap->cap_data.cap_name) {
			c->caps |= (unsigned)cap_bit(cap->cap_data.cap_name);
		}
	}
	if (data)
		mailimap_capability_data_free(data);
	return 0;
}

/* The host is this machine, and so is every address it was resolved to. */
static int loopback_only(const struct imap_client_config *cfg)
{
	if (!imap_server_loopback(cfg->host))
		return 0;
	for (const char *p = cfg->addrs; *p;) {
		char num[64];
		size_t l = strcspn(p, " ");
		if (l >= sizeof(num))
			return 0;
		memcpy(num, p, l);
		num[l] = '\0';
		if (l && !imap_server_loopback(num))
			return 0;
		p += l;
		p += *p == ' ';
	}
	return 1;
}

int imap_client_connect(const struct imap_client_config *cfg, struct imap_client **out,
			struct err *e)
{
	struct imap_client *c;
	mailstream *stream;
	int fd, r;

	*out = NULL;
	if (cfg->tls == IMAP_TLS_NONE && !loopback_only(cfg))
		return err_set(e, "a mail server on another machine needs TLS (mail.imap_tls "
				  "implicit or starttls): passwords would cross the network in "
				  "the clear");
	if (cfg->timeout < 1)
		return err_set(e, "the mail server's timeout must be at least 1 s");
	if (!(c = calloc(1, sizeof(*c))))
		return err_set(e, "out of memory");
	c->cfg = *cfg;
	if (!(c->imap = mailimap_new(0, NULL))) {
		free(c);
		return err_set(e, "out of memory");
	}
	mailimap_set_timeout(c->imap, cfg->timeout);
	if ((fd = tcp_connect(cfg, e)) < 0)
		goto fail;
	imap_client_begin(c);
	if (cfg->tls == IMAP_TLS_IMPLICIT)
		stream = mailstream_ssl_open_with_callback_timeout(fd, cfg->timeout, tls_setup,
								    &c->cfg);
	else
		stream = mailstream_socket_open_timeout(fd, cfg->timeout);
	if (!stream) {
		close(fd);
		if (cfg->tls == IMAP_TLS_IMPLICIT && elapsed(&c->began) >= cfg->timeout - 0.5)
			err_set(e, "the mail server did not answer within %d s", cfg->timeout);
		else
			err_set(e, "the mail server is not reachable: the TLS handshake with "
				   "%s port %u failed", cfg->host, cfg->port);
		goto fail;
	}
	if (cfg->tls == IMAP_TLS_IMPLICIT) {
		/* The stream is not the session's yet: verify on it first. */
		c->imap->imap_stream = stream;
		r = verify_chain(c, e);
		c->imap->imap_stream = NULL;
		if (r < 0) {
			mailstream_close(stream);
			goto fail;
		}
	}
	r = mailimap_connect(c->imap, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		imap_client_fail(c, r, "greet", e);
		goto fail;
	}
	if (cfg->tls == IMAP_TLS_STARTTLS) {
		if (read_caps(c, e) < 0)
			goto fail;
		if (!(c->caps & IMAP_CAP_STARTTLS)) {
			err_set(e, "the mail server does not offer STARTTLS (mail.imap_tls): "
				   "choose implicit, or a server that offers it");
			goto fail;
		}
		/* Nothing said before TLS counts after it (RFC 3501 6.2.1). */
		caps_forget(c);
		imap_client_begin(c);
		r = mailimap_socket_starttls_with_callback(c->imap, tls_setup, &c->cfg);
		if (r != MAILIMAP_NO_ERROR) {
			imap_client_fail(c, r, "start TLS", e);
			goto fail;
		}
		if (verify_chain(c, e) < 0)
			goto fail;
	}
	if (read_caps(c, e) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	c->broken = 1; /* no LOGOUT on a connection that failed */
	imap_client_close(&c);
	return -1;
}

int imap_client_login(struct imap_client *c, const char *user, const char *password,
		      struct err *e)
{
	int r;
	if (c->broken)
		return err_set(e, "%s", c->broken_msg);
	/* LOGIN sends both as IMAP strings: a CR or LF would end the command
	 * there and start another of the sender's choosing. Refused for
	 * AUTHENTICATE too: no server would take them. */
	if (!user[0] || strpbrk(user, "\r\n") || strpbrk(password, "\r\n")) {
		err_set(e, "the mail server refused the user name or password");
		return 1;
	}
	caps_forget(c);
	imap_client_begin(c);
	if (!(c->caps & IMAP_CAP_LOGINDISABLED))
		r = mailimap_login(c->imap, user, password);
	else if (c->caps & IMAP_CAP_AUTH_PLAIN)
		r = mailimap_authenticate(c->imap, "PLAIN", c->cfg.host, NULL, NULL, user, user,
					  password, NULL);
	else
		return err_set(e, "the mail server offers neither LOGIN nor AUTHENTICATE PLAIN");
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_SASL) {
		err_set(e, "the mail server refused the user name or password");
		return 1;
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_client_fail(c, r, "log on", e);
	/* What it offers after logon may differ from before. */
	return read_caps(c, e);
}

void imap_client_close(struct imap_client **cp)
{
	struct imap_client *c;
	if (!cp || !(c = *cp))
		return;
	if (c->imap) {
		if (!c->broken && c->imap->imap_stream)
			mailimap_logout(c->imap);
		mailimap_free(c->imap);
	}
	free(c);
	*cp = NULL;
}

unsigned imap_client_caps(const struct imap_client *c)
{
	return c->caps;
}

struct mailimap *imap_client_session(struct imap_client *c)
{
	return c->imap;
}

int imap_client_timeout(const struct imap_client *c)
{
	return c->cfg.timeout;
}

int imap_client_broken(const struct imap_client *c)
{
	return c->broken;
}

/* The server's own words for a NO or BAD: printable, bounded. */
static void server_text(struct imap_client *c, char *out, size_t outlen)
{
	const char *t = c->imap ? c->imap->imap_response : NULL;
	size_t n = 0;
	out[0] = '\0';
	if (!t)
		return;
	for (; *t && n + 1 < outlen && n < 200; t++)
		out[n++] = (*t >= 0x20 && *t < 0x7f) ? *t : '?';
	out[n] = '\0';
}

int imap_client_fail(struct imap_client *c, int r, const char *what, struct err *e)
{
	char text[256];

	if (c->broken)
		return err_set(e, "%s", c->broken_msg[0] ? c->broken_msg
							 : "the mail server is not reachable");
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_SSL:
		/* libetpan says "stream" for a closed connection and for one
		 * that waited past the timeout alike: the clock tells them apart. */
		if (elapsed(&c->began) >= c->cfg.timeout - 0.5)
			err_set(e, "the mail server did not answer within %d s", c->cfg.timeout);
		else if (r == MAILIMAP_ERROR_SSL)
			err_set(e, "the mail server is not reachable: TLS failed when asked to %s",
				what);
		else
			err_set(e, "the mail server is not reachable: it closed the connection "
				   "when asked to %s", what);
		break;
	case MAILIMAP_ERROR_PARSE:
		err_set(e, "the mail server is not reachable: it answered something that is "
			   "not IMAP when asked to %s", what);
		break;
	case MAILIMAP_ERROR_MEMORY:
		return err_set(e, "out of memory");
	default:
		server_text(c, text, sizeof(text));
		return err_set(e, "the mail server refused to %s%s%s", what, text[0] ? ": " : "",
			       text);
	}
	c->broken = 1;
	snprintf(c->broken_msg, sizeof(c->broken_msg), "%s", e->msg);
	return -1;
}
