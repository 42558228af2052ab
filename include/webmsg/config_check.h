/* config_check.h - the one decision "can this configuration be served?".
 * Every rule webmsgd applies at start and reload, item by item with the
 * setting each concerns. webmsgd (start, reload, -n) and every door of
 * webmsg-admin ask this module and nothing else decides. */
#ifndef WEBMSG_CONFIG_CHECK_H
#define WEBMSG_CONFIG_CHECK_H

#include <stddef.h>

#include "err.h"
#include "settings.h"
#include "ssl_config.h"

struct config_change;
struct config_snapshot;
struct db;

enum config_check_level {
	CONFIG_CHECK_OK,
	CONFIG_CHECK_NOTE, /* worth knowing, changes nothing (a setting waits for a restart) */
	CONFIG_CHECK_WARN, /* served, but something is not right (SSL off, expiry near) */
	CONFIG_CHECK_FAIL, /* webmsgd would refuse this configuration */
};

/* An item about no single setting (the share folder, the key store as a whole). */
#define CONFIG_CHECK_NO_SETTING SET_COUNT

struct config_check_item {
	enum config_check_level level;
	enum setting_id setting; /* the setting to change, or CONFIG_CHECK_NO_SETTING */
	char text[ERR_MSG_MAX];
	char hint[256]; /* what to do; "" when there is nothing to do */
	int latent;     /* a WARN that fails once SSL is on (SSL is off now) */
};

#define CONFIG_CHECK_MAX_HELD 8

/* The TLS material exactly as the decision read and checked it, for the
 * server to load from memory: the files are read once per reload, by the
 * decision, and one changed between check and serve cannot slip in. */
struct config_check_tls {
	char *cert_pem;  /* the certificate file's certificates, then the chain's */
	/* The private key DECRYPTED, as unencrypted PKCS#8 PEM: whoever holds it
	 * needs no key password. Never logged; wiped when freed. */
	char *key_pem;
	char *trust_pem; /* the client CAs; NULL when client_auth is none */
	char *priority;  /* the GnuTLS priority string */
	enum client_auth client_auth;
};

/* Wipes and frees what t holds, leaving it all zero; accepts one never filled. */
void config_check_tls_free(struct config_check_tls *t);

/* What is true outside the snapshot. All zero: nothing is held, nothing served. */
struct config_check_env {
	/* Sockets the running daemon already listens on: those ports count as
	 * free for it (a reload keeps them) rather than "in use". */
	struct {
		char bind[64];
		int port;
	} held[CONFIG_CHECK_MAX_HELD];
	size_t nheld;
	/* The configuration being served, or NULL: settings that differ from it
	 * and apply only at a restart are reported as notes. */
	const struct config_snapshot *served;
	/* The key and certificate are about to be made (the SSL wizard checks
	 * its other steps first): their files are not looked at. */
	int material_pending;
	/* Not NULL: asks for the TLS material. Filled when SSL is on and the
	 * configuration passes (the run returns 0), left all zero otherwise. */
	struct config_check_tls *tls;
	/* Not NULL: a buffer of IMAP_ADDRS_LEN bytes for mail.imap_server's
	 * addresses as the check resolved them (imap_server.h), for the
	 * workers; "" when mail.store is not imap or the check failed. */
	char *imap_addrs;
};

typedef void (*config_check_fn)(const struct config_check_item *item, void *arg);

/* Runs every rule on cfg and hands each item to fn (may be NULL). Returns
 * how many items are CONFIG_CHECK_FAIL: 0 means webmsgd can serve it. */
int config_check_run(const struct config_snapshot *cfg, const struct config_check_env *env,
		     config_check_fn fn, void *arg);

/* The environment of a webmsg-admin door: the sockets of the daemon running
 * on db (from its status row), or none when it is not running. */
int config_check_env_running(struct db *db, struct config_check_env *env, struct err *e);

/* The decision on a change: refused (-1, e says every new failure with its
 * setting, then "nothing was saved") when candidate fails a rule that
 * current passes, or has a latent failure (one SSL would have) about a
 * setting the change sets. Failures already in current do not block a change
 * that does not add one, so a broken configuration can be mended step by
 * step. current may be NULL (everything counts as new). */
int config_check_change(const struct config_snapshot *current,
			const struct config_snapshot *candidate,
			const struct config_check_env *env, struct err *e);

/* The settings other settings imply, as changes to add (at most
 * CONFIG_CHECK_MAX_IMPLIED, values are static strings): Force SSL needs SSL,
 * so turning SSL off turns Force SSL off, and turning Force SSL on turns SSL
 * on. Returns how many. */
#define CONFIG_CHECK_MAX_IMPLIED 2
size_t config_check_implied(const struct config_snapshot *current,
			    const struct config_snapshot *candidate,
			    struct config_change *out);

/* The settings that differ between served and cfg and apply only at a
 * restart, as "service.pidfile, ..." in out. Returns how many. */
size_t config_check_restart(const struct config_snapshot *served,
			    const struct config_snapshot *cfg, char *out, size_t outlen);

/* "FAIL", "WARN", "note", "OK". */
const char *config_check_level_label(enum config_check_level level);

#endif
