/* cipher_profile.c - TLS profiles as GnuTLS priority strings (checked against
 * GnuTLS 3.7 with `gnutls-cli --priority ... -l`). */
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/err.h"

#define GROUPS "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1"
#define AEAD_CIPHERS "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"
/* The server's order: AES-128-GCM first. Its SHA-256 key schedule costs a third
 * of AES-256-GCM's SHA-384 in a handshake (SHA-256 has CPU instructions), and
 * it is as strong as anything a browser needs. */
#define SERVER_ORDER "%SERVER_PRECEDENCE"

static const struct cipher_profile profiles[] = {
	{ "modern", "NORMAL:-VERS-ALL:+VERS-TLS1.3:" AEAD_CIPHERS ":" GROUPS ":" SERVER_ORDER,
	  "TLS 1.3 only", NULL },
	{ "intermediate",
	  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" AEAD_CIPHERS
	  ":-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:" GROUPS ":" SERVER_ORDER,
	  "TLS 1.2 and 1.3, ECDHE key exchange with AEAD ciphers (recommended)", NULL },
	{ "compatible",
	  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:"
	  "+SHA256:+SHA384:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+RSA:%SERVER_PRECEDENCE",
	  "TLS 1.0 to 1.3 with CBC ciphers and RSA key exchange, for very old browsers",
	  "TLS 1.0 and 1.1, 3DES and RSA key exchange are weak; use this only while old "
	  "clients must connect" },
	{ "custom", NULL, "the GnuTLS priority string in ssl.priority", NULL },
};

const struct cipher_profile *cipher_profile_at(size_t i)
{
	return i < sizeof(profiles) / sizeof(profiles[0]) ? &profiles[i] : NULL;
}

const struct cipher_profile *cipher_profile_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

int cipher_profile_priority(const char *profile, const char *custom, const char **out,
			    struct err *e)
{
	const struct cipher_profile *p = cipher_profile_find(profile);
	if (!p)
		return err_set(e, "there is no cipher profile '%s'", profile);
	if (p->priority) {
		*out = p->priority;
		return 0;
	}
	if (!custom || !*custom)
		return err_set(e, "the custom cipher profile needs a priority string in "
				  "ssl.priority");
	*out = custom;
	return 0;
}

static int init(gnutls_priority_t *pc, const char *priority, struct err *e)
{
	const char *errpos = NULL;
	int rc = gnutls_priority_init(pc, priority, &errpos);
	if (rc == GNUTLS_E_SUCCESS)
		return 0;
	if (rc == GNUTLS_E_INVALID_REQUEST && errpos)
		return err_set(e, "invalid priority string at position %ld: '%.40s'",
			       (long)(errpos - priority) + 1, errpos);
	return err_set(e, "invalid priority string: %s", gnutls_strerror(rc));
}

int cipher_profile_check(const char *priority, struct err *e)
{
	gnutls_priority_t pc;
	if (init(&pc, priority, e) < 0)
		return -1;
	/* A string GnuTLS accepts may still allow nothing at all. */
	const unsigned *list;
	int n = gnutls_priority_protocol_list(pc, &list);
	unsigned sidx;
	int suites = gnutls_priority_get_cipher_suite_index(pc, 0, &sidx) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
	gnutls_priority_deinit(pc);
	if (n <= 0)
		return err_set(e, "the priority string allows no protocol version");
	if (!suites)
		return err_set(e, "the priority string allows no cipher suite");
	return 0;
}

int cipher_profile_describe(const char *priority, cipher_profile_fn version,
			    cipher_profile_fn suite, void *arg, struct err *e)
{
	gnutls_priority_t pc;
	const unsigned *list;
	unsigned sidx;
	if (init(&pc, priority, e) < 0)
		return -1;
	int n = gnutls_priority_protocol_list(pc, &list);
	for (int i = 0; i < n; i++) {
		const char *name = gnutls_protocol_get_name((gnutls_protocol_t)list[i]);
		if (name)
			version(name, arg);
	}
	for (unsigned i = 0;; i++) {
		int rc = gnutls_priority_get_cipher_suite_index(pc, i, &sidx);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc != 0)
			continue; /* an entry this build cannot use */
		const char *name = gnutls_cipher_suite_info(sidx, NULL, NULL, NULL, NULL, NULL);
		if (name)
			suite(name, arg);
	}
	gnutls_priority_deinit(pc);
	return 0;
}
