/* acme_setup.c - getting the server certificate from an ACME CA: the order
 * from the options or the stored settings, issue, install, remember. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webmsg/err.h"
#include "webmsg/settings.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

#include "core/acme_setup.h"

int acme_setup_init(struct acme_setup *s, const struct config_snapshot *cfg, struct err *e)
{
	struct ssl_paths p;
	const char *password = config_str(cfg, SET_SSL_KEY_PASSWORD);

	memset(s, 0, sizeof(*s));
	if (ssl_config_paths(cfg, &p, e) < 0 ||
	    acme_challenge_dir(cfg, s->challenge_dir, sizeof(s->challenge_dir), e) < 0)
		return -1;
	memcpy(s->keystore, p.keystore, sizeof(s->keystore));
	if (snprintf(s->password, sizeof(s->password), "%s", password) >= (int)sizeof(s->password))
		return err_set(e, "ssl.key_password is too long");
	s->order.keystore = s->keystore;
	s->order.challenge_dir = s->challenge_dir;
	s->order.password = s->password;
	s->order.http_port = config_int(cfg, SET_WEB_HTTP_PORT);
	s->order.timeout = ACME_SETUP_TIMEOUT;
	s->order.directory = ACME_LETSENCRYPT;
	s->order.key_type = TLS_KEY_EC_P256;
	return 0;
}

int acme_setup_add_domain(struct acme_setup *s, const char *name, struct err *e)
{
	size_t len = strlen(s->domains_list), nlen = strlen(name), i = s->order.ndomains;
	if (i == ACME_MAX_DOMAINS)
		return err_set(e, "at most %d names in one certificate", ACME_MAX_DOMAINS);
	if (nlen == 0 || nlen >= sizeof(s->names[0]) || strchr(name, ',') ||
	    settings_validate(settings_get(SET_SSL_ACME_DOMAINS), name, e) < 0)
		return nlen && !strchr(name, ',') && nlen < sizeof(s->names[0])
			       ? -1
			       : err_set(e, "'%s' is not a host name", name);
	if (len + nlen + 2 > sizeof(s->domains_list))
		return err_set(e, "too many names");
	for (size_t j = 0; j < i; j++)
		if (strcasecmp(s->order.domains[j], name) == 0)
			return 0;
	memcpy(s->names[i], name, nlen + 1);
	s->order.domains[s->order.ndomains++] = s->names[i];
	snprintf(s->domains_list + len, sizeof(s->domains_list) - len, "%s%s", len ? "," : "",
		 name);
	return 0;
}

int acme_setup_from_config(struct acme_setup *s, const struct config_snapshot *cfg,
			   struct err *e)
{
	char names[sizeof(s->domains_list)];
	const char *dir = config_str(cfg, SET_SSL_ACME_DIRECTORY);
	if (!dir[0])
		return err_set(e, "the certificate was not obtained with 'ssl acme' (ssl.acme_directory "
				  "is empty): get one with 'ssl acme --email ADDR --domain NAME' first");
	s->order.directory = dir;
	s->order.email = config_str(cfg, SET_SSL_ACME_EMAIL);
	if (tls_key_type_parse(config_str(cfg, SET_SSL_ACME_KEY_TYPE), &s->order.key_type) < 0)
		return err_set(e, "ssl.acme_key_type is not a key type");
	if (config_path(cfg, SET_SSL_ACME_CA_FILE, s->ca_file, sizeof(s->ca_file), e) < 0)
		return -1;
	s->order.ca_file = s->ca_file[0] ? s->ca_file : NULL;
	s->order.agree_tos = 1; /* agreed to when the certificate was first obtained */
	snprintf(names, sizeof(names), "%s", config_str(cfg, SET_SSL_ACME_DOMAINS));
	for (char *p = names, *next; p && *p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (acme_setup_add_domain(s, p, e) < 0)
			return -1;
	}
	if (s->order.ndomains == 0)
		return err_set(e, "ssl.acme_domains names no host");
	return 0;
}

int acme_setup_issue(struct acme_setup *s, struct err *e)
{
	char *chain = NULL, *key = NULL;
	int rc = -1;
	if (acme_issue(&s->order, &chain, &key, e) == 0) {
		rc = tls_import_issued(s->keystore, chain, key, s->password, e);
		if (rc < 0)
			err_prefix(e, "the CA's certificate was not installed");
	}
	free(chain);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	return rc;
}

size_t acme_setup_changes(struct acme_setup *s, struct config_change *changes, size_t max)
{
	const struct config_change all[] = {
		{ SET_SSL_ACME_DIRECTORY, s->order.directory, NULL },
		{ SET_SSL_ACME_DOMAINS, s->domains_list, NULL },
		{ SET_SSL_ACME_EMAIL, s->order.email ? s->order.email : NULL, NULL },
		{ SET_SSL_ACME_KEY_TYPE, tls_key_type_name(s->order.key_type), NULL },
		{ SET_SSL_ACME_CA_FILE, s->order.ca_file, NULL },
	};
	size_t n = sizeof(all) / sizeof(all[0]);
	if (n > max)
		n = max;
	memcpy(changes, all, n * sizeof(*changes));
	return n;
}
