/* ssl_setup.c - setting up SSL step by step: key store, key password, keys
 * with certificates or requests, client authentication. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/password.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_inspect_names.h"
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

int ssl_setup_check_password(const char *given, struct err *e)
{
	struct err why;
	if (strlen(given) > TLS_PASSWORD_MAX)
		return err_set(e, "the key password is longer than %d characters", TLS_PASSWORD_MAX);
	if (password_acceptable(given, &why) < 0)
		/* "the password must have ..." said of the key's. */
		return err_set(e, "the key %s", strncmp(why.msg, "the ", 4) == 0 ? why.msg + 4
										 : why.msg);
	return 0;
}

int ssl_setup_key_password(const struct config_snapshot *cfg, const char *given, char *out,
			   size_t outlen, int *is_new, struct err *e)
{
	const char *stored = config_str(cfg, SET_SSL_KEY_PASSWORD);
	*is_new = 1;
	if (given) {
		if (ssl_setup_check_password(given, e) < 0)
			return -1;
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

int ssl_setup_current(const struct config_snapshot *cfg, struct ssl_setup_current *cur,
		      struct err *e)
{
	struct ssl_paths p;
	struct err why;
	size_t kept = 0;

	memset(cur, 0, sizeof(*cur));
	if (ssl_config_paths(cfg, &p, e) < 0 || tls_cert_subject(p.cert, &cur->subject, e) < 0)
		return -1;
	snprintf(cur->cert, sizeof(cur->cert), "%s", p.cert);
	for (size_t i = 0; i < cur->subject.nsans; i++)
		if (strcasecmp(cur->subject.sans[i], cur->subject.cn) != 0)
			memmove(cur->subject.sans[kept++], cur->subject.sans[i],
				sizeof(cur->subject.sans[0]));
	cur->subject.nsans = kept;
	cur->usable = tls_check_pair(p.cert, p.key, config_str(cfg, SET_SSL_KEY_PASSWORD), &why) == 0;
	if (!cur->usable)
		snprintf(cur->why_not, sizeof(cur->why_not), "%s", why.msg);
	return 0;
}

void ssl_setup_format_sans(const struct tls_subject *s, char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->nsans && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", s->sans[i]);
		if (n < 0 || (size_t)n >= outlen - used) {
			out[used] = '\0'; /* a name is whole or not there */
			return;
		}
		used += (size_t)n;
	}
}
