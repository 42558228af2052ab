/* ssl_setup.c - setting up SSL step by step: key store, key password, keys
 * with certificates or requests, client authentication. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "core/ssl_setup.h"

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
	/* "a.example, b.example" is how people write lists: blanks around a name
	 * are not part of it (a host name or an address never has any). */
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		const char *name = p;
		size_t n = len;
		while (n > 0 && isspace((unsigned char)*name)) {
			name++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)name[n - 1]))
			n--;
		if (n > 0) {
			if (s->nsans == TLS_MAX_SANS || n >= sizeof(s->sans[0]))
				return err_set(e, "at most %d names of up to %zu characters",
					       TLS_MAX_SANS, sizeof(s->sans[0]) - 1);
			if (strcspn(name, " \t") < n)
				return err_set(e, "\"%.*s\": a name has no blanks inside; separate "
					       "names with commas", (int)n, name);
			snprintf(s->sans[s->nsans++], sizeof(s->sans[0]), "%.*s", (int)n, name);
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
