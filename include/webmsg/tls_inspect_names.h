/* tls_inspect_names.h - the subject and alternative names of a certificate,
 * read back into the form a new certificate or request is made from, so a
 * renewal starts from what is there. */
#ifndef WEBMSG_TLS_INSPECT_NAMES_H
#define WEBMSG_TLS_INSPECT_NAMES_H

struct err;
struct tls_subject;

/* The first certificate of cert_file (PEM, or DER as tls_cert_info reads
 * it): CN, O, OU, L, ST, C, e-mail and the DNS and IP alternative names.
 * A part that does not fit its field, or holds control characters, is left
 * empty rather than cut; other kinds of alternative names are skipped. */
int tls_cert_subject(const char *cert_file, struct tls_subject *out, struct err *e);

#endif
