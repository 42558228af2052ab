/* ssl_config.c - resolving the SSL settings to files. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/ssl_config.h"
#include "webmsg/tls_material.h"

/* The setting's path, or the key store's file of that name when it is empty. */
static int path_or_default(const struct config_snapshot *cfg, enum setting_id id,
			   const char *keystore, const char *name, char *out, size_t outlen,
			   struct err *e)
{
	if (config_path(cfg, id, out, outlen, e) < 0)
		return -1;
	if (out[0] == '\0' && name &&
	    snprintf(out, outlen, "%s/%s", keystore, name) >= (int)outlen)
		return err_set(e, "%s: path too long", settings_get(id)->name);
	return 0;
}

int ssl_config_paths(const struct config_snapshot *cfg, struct ssl_paths *p, struct err *e)
{
	if (config_path(cfg, SET_SSL_KEYSTORE, p->keystore, sizeof(p->keystore), e) < 0 ||
	    path_or_default(cfg, SET_SSL_CERT_FILE, p->keystore, TLS_SERVER_CERT, p->cert,
			    sizeof(p->cert), e) < 0 ||
	    path_or_default(cfg, SET_SSL_KEY_FILE, p->keystore, TLS_SERVER_KEY, p->key,
			    sizeof(p->key), e) < 0 ||
	    path_or_default(cfg, SET_SSL_CHAIN_FILE, p->keystore, TLS_SERVER_CHAIN, p->chain,
			    sizeof(p->chain), e) < 0 ||
	    path_or_default(cfg, SET_SSL_CLIENT_CA_FILE, p->keystore, NULL, p->client_ca,
			    sizeof(p->client_ca), e) < 0)
		return -1;
	/* The key store's chain is optional; a chain file named in a setting is not. */
	if (config_str(cfg, SET_SSL_CHAIN_FILE)[0] == '\0' && access(p->chain, F_OK) != 0)
		p->chain[0] = '\0';
	return 0;
}

enum client_auth ssl_config_client_auth(const struct config_snapshot *cfg)
{
	const char *v = config_str(cfg, SET_SSL_CLIENT_AUTH);
	if (strcmp(v, "required") == 0)
		return CLIENT_AUTH_REQUIRED;
	if (strcmp(v, "optional") == 0)
		return CLIENT_AUTH_OPTIONAL;
	return CLIENT_AUTH_NONE;
}
