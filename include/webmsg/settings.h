/* settings.h - every configuration setting, declared once.
 * Validation, `config list`, the command line and the console's forms all read
 * this table; nothing else spells a setting's name, type or default. */
#ifndef WEBMSG_SETTINGS_H
#define WEBMSG_SETTINGS_H

#include <stddef.h>

struct err;

enum setting_id {
	SET_WEB_HOSTNAME,
	SET_WEB_BIND,
	SET_WEB_HTTP_PORT,
	SET_WEB_HTTPS_PORT,
	SET_WEB_MAX_CONNECTIONS,
	SET_WEB_MAX_CONNECTIONS_PER_ADDRESS,
	SET_WEB_HEADER_TIMEOUT,
	SET_WEB_BODY_MIN_RATE,
	SET_WEB_BODY_MEMORY_MB,
	SET_WEB_TRUSTED_PROXIES,
	SET_SSL_ENABLE,
	SET_SSL_FORCE,
	SET_SSL_KEYSTORE,
	SET_SSL_CERT_FILE,
	SET_SSL_KEY_FILE,
	SET_SSL_CHAIN_FILE,
	SET_SSL_KEY_PASSWORD,
	SET_SSL_CIPHER_PROFILE,
	SET_SSL_PRIORITY,
	SET_SSL_CLIENT_AUTH,
	SET_SSL_CLIENT_CA_FILE,
	SET_SSL_HSTS_MAX_AGE,
	/* how the certificate was obtained from an ACME CA, for its renewal */
	SET_SSL_ACME_DIRECTORY,
	SET_SSL_ACME_DOMAINS,
	SET_SSL_ACME_EMAIL,
	SET_SSL_ACME_KEY_TYPE,
	SET_SSL_ACME_CA_FILE,
	SET_SESSION_IDLE_TIMEOUT,
	SET_SESSION_MAX_LIFETIME,
	SET_SESSION_MAX_SESSIONS,
	SET_SESSION_MAX_PER_USER,
	SET_SESSION_STORE,
	SET_SESSION_REDIS,
	SET_SESSION_REDIS_PASSWORD,
	SET_SESSION_SECRET,
	SET_LOGIN_REMEMBER_ME,
	SET_LOGIN_REMEMBER_DAYS,
	SET_LOGIN_EXPIRE_PAGES_DEFAULT,
	SET_LOGIN_THROTTLE_PAIR_FAILURES,
	SET_LOGIN_THROTTLE_USER_FAILURES,
	SET_LOGIN_THROTTLE_ADDRESS_FAILURES,
	SET_LOGIN_THROTTLE_MAX_DELAY,
	SET_LOGIN_RESUME_PER_MINUTE,
	SET_LOGIN_TOTP,
	SET_LOGIN_REMEMBER_TOTP,
	SET_MAIL_ROOT,
	SET_MAIL_MAX_MESSAGE_MB,
	SET_MAIL_QUOTA_MB,
	SET_MAIL_STORE,
	SET_MAIL_IMAP_SERVER,
	SET_MAIL_IMAP_TLS,
	SET_MAIL_IMAP_CA_FILE,
	SET_MAIL_IMAP_TIMEOUT,
	SET_MAIL_IMAP_SENDER_DOMAIN,
	SET_SMTP_RELAY,
	SET_SMTP_TLS,
	SET_SMTP_USER,
	SET_SMTP_PASSWORD,
	SET_SMTP_TIMEOUT,
	SET_SMTP_RETRY_DELAY,
	SET_SMTP_MAX_ATTEMPTS,
	SET_SMTP_QUEUE_DIR,
	SET_LOG_FILE,
	SET_LOG_LEVEL,
	SET_SERVICE_PIDFILE,
	SET_SERVICE_USER,
	SET_SERVICE_GROUP,
	SET_COUNT
};

enum setting_type {
	SETTING_BOOL,   /* "on" or "off" */
	SETTING_INT,    /* decimal, within [min, max] */
	SETTING_ENUM,   /* one of choices */
	SETTING_STRING, /* free text, checked by the optional check function */
	SETTING_PATH,   /* a file or directory; relative paths are relative to the database's folder */
};

enum setting_flags {
	SETTING_RESTART = 1 << 0, /* a running daemon applies it only when restarted */
	SETTING_SECRET = 1 << 1,  /* never printed, logged or recorded in the history */
	SETTING_KEEP = 1 << 2,    /* once set, never replaced by a configuration import:
				   * data in this database is sealed with it */
};

struct setting {
	const char *name;
	enum setting_type type;
	const char *def;
	long min, max;              /* SETTING_INT */
	const char *const *choices; /* SETTING_ENUM: NULL-terminated */
	/* Extra check for strings; fills e and returns -1 when the value is bad. */
	int (*check)(const char *value, struct err *e);
	unsigned flags;
	const char *help;
};

const struct setting *settings_get(enum setting_id id);
/* NULL when there is no such setting. */
const struct setting *settings_find(const char *name, enum setting_id *id_out);
/* Checks value against the setting's type, range, choices and check function.
 * Messages read "web.http_port: 70000 is outside 1..65535". */
int settings_validate(const struct setting *s, const char *value, struct err *e);
/* Writes the canonical spelling of a valid value ("yes" -> "on", "08383" -> "8383"). */
int settings_normalize(const struct setting *s, const char *value, char *out, size_t outlen,
		       struct err *e);
/* "on"/"off", "yes"/"no", "true"/"false", "1"/"0". */
int settings_parse_bool(const char *value, int *out);
/* A human description of the type: "on|off", "integer 1..65535", "modern|intermediate|...". */
void settings_describe_type(const struct setting *s, char *out, size_t outlen);

#endif
