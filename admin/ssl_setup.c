/* ssl_setup.c - setting up SSL step by step: key store, key password, keys
 * with certificates or requests, client authentication. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "ssl_setup.h"

int ssl_setup_keystore(const char *dir, char *out, struct err *e)
{
	if (tls_keystore_check(dir, e) < 0)
		return -1;
	if (!realpath(dir, out))
		return err_set(e, "cannot resolve %s", dir);
	return 0;
}

int ssl_setup_key_password(const struct config_snapshot *cfg, const char *given, char *out,
			   size_t outlen, int *is_new, struct err *e)
{
	const char *stored = config_str(cfg, SET_SSL_KEY_PASSWORD);
	*is_new = 1;
	if (given) {
		if (snprintf(out, outlen, "%s", given) >= (int)outlen)
			return err_set(e, "the key password is longer than %zu characters",
				       outlen - 1);
		*is_new = strcmp(out, stored) != 0;
		return 0;
	}
	if (stored[0]) {
		snprintf(out, outlen, "%s", stored);
		*is_new = 0;
		return 0;
	}
	return tls_password_generate(out, outlen, e);
}

int ssl_setup_make_key(const char *keystore, const struct tls_request *req, int selfsigned,
		       int force, char **pem_out, struct err *e)
{
	if (tls_keystore_check(keystore, e) < 0)
		return -1;
	if (selfsigned)
		return tls_selfsign(keystore, req, force, e);
	return tls_csr(keystore, req, force, pem_out, e);
}

int ssl_setup_parse_sans(const char *list, struct tls_subject *s, struct err *e)
{
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len > 0) {
			if (s->nsans == TLS_MAX_SANS || len >= sizeof(s->sans[0]))
				return err_set(e, "at most %d names of up to 255 characters",
					       TLS_MAX_SANS);
			snprintf(s->sans[s->nsans++], sizeof(s->sans[0]), "%.*s", (int)len, p);
		}
		p += len + (p[len] == ',');
	}
	return 0;
}

int ssl_setup_client_auth(const char *mode, const char *ca, struct config_change changes[2],
			  size_t *n, char *ca_buf, struct err *e)
{
	changes[0] = (struct config_change){ SET_SSL_CLIENT_AUTH, mode };
	changes[1] = (struct config_change){ SET_SSL_CLIENT_CA_FILE, NULL };
	*n = 1;
	if (ca) {
		if (!realpath(ca, ca_buf))
			return err_set(e, "cannot find the CA file %s", ca);
		changes[1].value = ca_buf;
		*n = 2;
	}
	/* Whether the mode has a CA file it can read is the decision's rule
	 * (config_check), taken when the changes are saved. */
	return 0;
}
