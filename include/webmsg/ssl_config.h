/* ssl_config.h - where the SSL settings point: the key store's files unless a
 * setting names another file. Shared by the daemon, the ssl commands and the
 * decision (config_check), so all of them look at the same files. */
#ifndef WEBMSG_SSL_CONFIG_H
#define WEBMSG_SSL_CONFIG_H

#include <limits.h>

struct config_snapshot;
struct err;

enum client_auth { CLIENT_AUTH_NONE, CLIENT_AUTH_OPTIONAL, CLIENT_AUTH_REQUIRED };

struct ssl_paths {
	char keystore[PATH_MAX];
	char cert[PATH_MAX];  /* ssl.cert_file, or keystore/server.crt */
	char key[PATH_MAX];   /* ssl.key_file, or keystore/server.key */
	char chain[PATH_MAX]; /* ssl.chain_file, or keystore/chain.crt when it exists, or "" */
	char client_ca[PATH_MAX]; /* ssl.client_ca_file, or "" */
};

int ssl_config_paths(const struct config_snapshot *cfg, struct ssl_paths *p, struct err *e);
enum client_auth ssl_config_client_auth(const struct config_snapshot *cfg);

#endif
