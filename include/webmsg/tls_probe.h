/* tls_probe.h - connecting to an HTTPS port as a client would (OpenSSL), to
 * show what it negotiates: the troubleshooting check and the SSL wizard use it. */
#ifndef WEBMSG_TLS_PROBE_H
#define WEBMSG_TLS_PROBE_H

struct err;

struct tls_probe_result {
	char protocol[32]; /* "TLSv1.3" */
	char cipher[64];   /* "TLS_AES_256_GCM_SHA384" */
	char sha256[100];  /* the server certificate's fingerprint, "AB:CD:..." */
	char subject[512];
	/* On failure: the port answered and the server ended the handshake (as
	 * one that requires a client certificate does); 0 when it never answered. */
	int refused;
};

/* host is an address ("127.0.0.1", "::1"); the certificate is not verified
 * (a self-signed one is normal here), only shown. Gives up after timeout_ms.
 * A server that closes the connection never raises SIGPIPE in the caller. */
int tls_probe(const char *host, int port, int timeout_ms, struct tls_probe_result *r,
	      struct err *e);

#endif
