/* settings.c - the table of every setting, and validation against it. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webmsg/cipher_profile.h"
#include "webmsg/err.h"
#include "webmsg/imap_server.h"
#include "webmsg/netmask.h"
#include "webmsg/session_store.h"
#include "webmsg/settings.h"

static const char *const cipher_profiles[] = { "modern", "intermediate", "compatible", "custom",
					       NULL };
static const char *const client_auth_modes[] = { "none", "optional", "required", NULL };
static const char *const smtp_tls_modes[] = { "required", "none", NULL };
static const char *const session_stores[] = { "local", "redis", NULL };
static const char *const mail_stores[] = { "maildir", "imap", NULL };
static const char *const imap_tls_modes[] = { "implicit", "starttls", "none", NULL };
static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const acme_key_types[] = { "ec-p256", "rsa-2048", NULL };
static const char *const totp_policies[] = { "off", "optional", "required", NULL };

static int check_bind(const char *value, struct err *e)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, value, buf) == 1 || inet_pton(AF_INET6, value, buf) == 1)
		return 0;
	return err_set(e, "'%s' is not an IPv4 or IPv6 address (use 0.0.0.0 or :: for all)", value);
}

static int check_proxies(const char *value, struct err *e)
{
	struct netmask_list l;
	return netmask_list_parse(value, &l, e);
}

static int check_hostname(const char *value, struct err *e)
{
	size_t len = strlen(value);
	if (len > 253)
		return err_set(e, "a host name has at most 253 characters");
	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return err_set(e, "'%s' is not a host name (letters, digits, '-' and '.')",
				       value);
	return 0;
}

static int check_relay(const char *value, struct err *e)
{
	const char *host = strncmp(value, "smtp://", 7) == 0	? value + 7
			   : strncmp(value, "smtps://", 8) == 0 ? value + 8
								: NULL;
	if (value[0] == '\0')
		return 0;
	if (!host || !host[0] || strpbrk(host, " /@"))
		return err_set(e, "'%s' is not an SMTP server address (smtp://host:port or "
				  "smtps://host:port; the user name goes in smtp.user)", value);
	return 0;
}

/* A user or group name as useradd takes it (the account itself is looked up
 * by the decision, config_check.c, on the machine that serves). */
static int check_account(const char *value, struct err *e)
{
	size_t len = strlen(value);
	if (len == 0 || len > 32)
		return err_set(e, "a user or group name has 1 to 32 characters");
	if (value[0] == '-')
		return err_set(e, "'%s' is not a user or group name (it starts with '-')", value);
	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.' &&
		    !(*p == '$' && p[1] == '\0'))
			return err_set(e, "'%s' is not a user or group name (letters, digits, "
					  "'_', '-' and '.')", value);
	return 0;
}

/* Empty (no TOTP secret can be sealed yet) or long enough to be a key. */
static int check_secret(const char *value, struct err *e)
{
	if (value[0] && strlen(value) < 32)
		return err_set(e, "session.secret needs at least 32 characters");
	return 0;
}

/* The session store's Redis: the parser is the store's own, so the setting
 * accepts exactly what the store can open. */
static int check_redis(const char *value, struct err *e)
{
	struct session_store_redis_address a;
	return value[0] ? session_store_redis_parse(value, &a, e) : 0;
}

/* An ACME directory is fetched over HTTPS only (RFC 8555 section 6.1). */
static int check_acme_url(const char *value, struct err *e)
{
	if (value[0] && (strncmp(value, "https://", 8) != 0 || !value[8] || strpbrk(value, " \t")))
		return err_set(e, "'%s' is not an ACME directory address (https://...)", value);
	return 0;
}

/* Host names separated by commas, each as web.hostname takes it. */
static int check_acme_domains(const char *value, struct err *e)
{
	char name[256];
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(name))
			return err_set(e, "'%s' is not a list of host names separated by commas",
				       value);
		memcpy(name, p, n);
		name[n] = '\0';
		if (check_hostname(name, e) < 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The IMAP server: the store's own parser (empty: none set, which the
 * configuration check refuses with mail.store imap). Whether none may go
 * without TLS is the check's: it depends on mail.imap_tls too. */
static int check_imap_server(const char *value, struct err *e)
{
	char host[IMAP_HOST_MAX];
	unsigned port;
	return value[0] ? imap_server_parse(value, IMAP_TLS_IMPLICIT, host, &port, e) : 0;
}

/* Empty: the cipher profile's own string. */
static int check_priority(const char *value, struct err *e)
{
	return value[0] ? cipher_profile_check(value, e) : 0;
}

static const struct setting table[SET_COUNT] = {
	[SET_WEB_HOSTNAME] = { "web.hostname", SETTING_STRING, "", 0, 0, NULL, check_hostname, 0,
			       "Host name in links and certificates; empty: this machine's name" },
	[SET_WEB_BIND] = { "web.bind", SETTING_STRING, "0.0.0.0", 0, 0, NULL, check_bind, 0,
			   "Address the listeners bind to (0.0.0.0 or :: for all)" },
	[SET_WEB_HTTP_PORT] = { "web.http_port", SETTING_INT, "8383", 1, 65535, NULL, NULL, 0,
				"Port for plain HTTP" },
	[SET_WEB_HTTPS_PORT] = { "web.https_port", SETTING_INT, "8384", 1, 65535, NULL, NULL, 0,
				 "Port for HTTPS (443 is the standard one)" },
	[SET_WEB_MAX_CONNECTIONS] = { "web.max_connections", SETTING_INT, "512", 8, 8192, NULL,
				      NULL, 0,
				      "Connections served at once; the last quarter is kept for "
				      "addresses that hold few" },
	[SET_WEB_MAX_CONNECTIONS_PER_ADDRESS] = {
		"web.max_connections_per_address", SETTING_INT, "32", 1, 8192, NULL, NULL, 0,
		"Connections one client address may hold (IPv6: one /64 network)" },
	[SET_WEB_HEADER_TIMEOUT] = { "web.header_timeout", SETTING_INT, "10", 1, 300, NULL, NULL,
				     0,
				     "Seconds a client has to send a request's headers (TLS "
				     "handshake included); slower connections are closed" },
	[SET_WEB_BODY_MIN_RATE] = { "web.body_min_rate", SETTING_INT, "1024", 0, 104857600, NULL,
				    NULL, 0,
				    "Bytes per second a request body must average over 5 s, "
				    "else the connection is closed; 0: no minimum" },
	[SET_WEB_BODY_MEMORY_MB] = { "web.body_memory_mb", SETTING_INT, "64", 1, 4096, NULL, NULL,
				     0,
				     "Memory all form fields in flight may take (MiB); over it "
				     "new forms are answered 503 (files go to disk)" },
	[SET_WEB_TRUSTED_PROXIES] = {
		"web.trusted_proxies", SETTING_STRING, "", 0, 0, NULL, check_proxies, 0,
		"Load balancers or proxies in front of webmsgd (addresses or networks, comma "
		"separated): behind them the client is the last address of X-Forwarded-For that "
		"is not one of them, and they may hold any number of connections" },
	[SET_SSL_ENABLE] = { "ssl.enable", SETTING_BOOL, "off", 0, 0, NULL, NULL, 0,
			     "Listen for HTTPS on the HTTPS port" },
	[SET_SSL_FORCE] = { "ssl.force", SETTING_BOOL, "off", 0, 0, NULL, NULL, 0,
			    "Redirect every plain-HTTP request to HTTPS and send HSTS" },
	[SET_SSL_KEYSTORE] = { "ssl.keystore", SETTING_PATH, "ssl", 0, 0, NULL, NULL, 0,
			       "Folder for keys, certificates and certificate requests" },
	[SET_SSL_CERT_FILE] = { "ssl.cert_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
				"Server certificate (PEM)" },
	[SET_SSL_KEY_FILE] = { "ssl.key_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
			       "Private key (encrypted PKCS#8 PEM)" },
	[SET_SSL_CHAIN_FILE] = { "ssl.chain_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
				 "Intermediate certificates sent after the server certificate (PEM)" },
	[SET_SSL_KEY_PASSWORD] = { "ssl.key_password", SETTING_STRING, "", 0, 0, NULL, NULL,
				   SETTING_SECRET, "Password of the private key" },
	[SET_SSL_CIPHER_PROFILE] = { "ssl.cipher_profile", SETTING_ENUM, "intermediate", 0, 0,
				     cipher_profiles, NULL, 0,
				     "Protocol versions and cipher suites offered" },
	[SET_SSL_PRIORITY] = { "ssl.priority", SETTING_STRING, "", 0, 0, NULL, check_priority, 0,
			       "GnuTLS priority string for the custom profile" },
	[SET_SSL_CLIENT_AUTH] = { "ssl.client_auth", SETTING_ENUM, "none", 0, 0, client_auth_modes,
				  NULL, 0, "Ask browsers for a client certificate" },
	[SET_SSL_CLIENT_CA_FILE] = { "ssl.client_ca_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
				     "Certificate authorities trusted for client certificates (PEM)" },
	[SET_SSL_HSTS_MAX_AGE] = { "ssl.hsts_max_age", SETTING_INT, "31536000", 0, 63072000, NULL,
				   NULL, 0, "Strict-Transport-Security max-age in seconds, with Force SSL" },
	[SET_SSL_ACME_DIRECTORY] = { "ssl.acme_directory", SETTING_STRING, "", 0, 0, NULL,
				     check_acme_url, 0,
				     "ACME directory the certificate came from; empty: not from "
				     "ACME (set by ssl acme, used by ssl acme renew)" },
	[SET_SSL_ACME_DOMAINS] = { "ssl.acme_domains", SETTING_STRING, "", 0, 0, NULL,
				   check_acme_domains, 0,
				   "Host names of the ACME certificate, separated by commas" },
	[SET_SSL_ACME_EMAIL] = { "ssl.acme_email", SETTING_STRING, "", 0, 0, NULL, NULL, 0,
				 "Contact address of the ACME account" },
	[SET_SSL_ACME_KEY_TYPE] = { "ssl.acme_key_type", SETTING_ENUM, "ec-p256", 0, 0,
				    acme_key_types, NULL, 0,
				    "Key made for each ACME certificate" },
	[SET_SSL_ACME_CA_FILE] = { "ssl.acme_ca_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
				   "CA certificates trusted for the ACME directory's HTTPS "
				   "(empty: the system's)" },
	[SET_SESSION_IDLE_TIMEOUT] = { "session.idle_timeout", SETTING_INT, "1800", 60, 86400, NULL,
				       NULL, 0, "Seconds without a request before a session ends" },
	[SET_SESSION_MAX_LIFETIME] = { "session.max_lifetime", SETTING_INT, "43200", 300, 604800,
				       NULL, NULL, 0, "Seconds after logon when a session always ends" },
	[SET_SESSION_MAX_SESSIONS] = { "session.max_sessions", SETTING_INT, "4096", 16, 1000000,
				       NULL, NULL, 0,
				       "Sessions open at once; when full, new logons are refused "
				       "(nobody else's session is ended)" },
	[SET_SESSION_MAX_PER_USER] = { "session.max_per_user", SETTING_INT, "20", 1, 1000, NULL,
				       NULL, 0,
				       "Sessions one user may have open; a new one ends that user's "
				       "oldest" },
	[SET_SESSION_STORE] = { "session.store", SETTING_ENUM, "local", 0, 0, session_stores, NULL,
				SETTING_RESTART,
				"Where sessions, remembered logons and throttle counts live: "
				"local (a file beside this database) or redis (shared by "
				"several webmsgd, see session.redis)" },
	[SET_SESSION_REDIS] = { "session.redis", SETTING_STRING, "", 0, 0, NULL, check_redis,
				SETTING_RESTART,
				"Redis for session.store redis: redis://host:port/db or "
				"unix:/path/redis.sock; no TLS: use a unix socket or a private "
				"network" },
	[SET_SESSION_REDIS_PASSWORD] = { "session.redis_password", SETTING_STRING, "", 0, 0, NULL,
					 NULL, SETTING_RESTART | SETTING_SECRET,
					 "Password for Redis (AUTH); empty: none" },
	[SET_SESSION_SECRET] = { "session.secret", SETTING_STRING, "", 0, 0, NULL, check_secret,
				 SETTING_SECRET | SETTING_KEEP,
				 "Key the TOTP secrets in this database are sealed with (made by "
				 "init or the upgrade); a new one makes every enrolled second "
				 "factor unreadable until reset" },
	[SET_LOGIN_REMEMBER_ME] = { "login.remember_me", SETTING_BOOL, "on", 0, 0, NULL, NULL, 0,
				    "Offer \"Remember me on this computer\" at logon" },
	[SET_LOGIN_REMEMBER_DAYS] = { "login.remember_days", SETTING_INT, "30", 1, 365, NULL, NULL,
				      0, "Days a remembered logon lasts without use" },
	[SET_LOGIN_EXPIRE_PAGES_DEFAULT] = { "login.expire_pages_default", SETTING_BOOL, "off", 0,
					     0, NULL, NULL, 0,
					     "\"Expire page views\" is ticked on the logon page" },
	[SET_LOGIN_THROTTLE_PAIR_FAILURES] = { "login.throttle_pair_failures", SETTING_INT, "3", 1,
					       1000, NULL, NULL, 0,
					       "Failed logons of one user from one address (IPv6: one "
					       "/64) before each next try waits, 1 s and doubling" },
	[SET_LOGIN_THROTTLE_USER_FAILURES] = { "login.throttle_user_failures", SETTING_INT, "50",
					       1, 1000000, NULL, NULL, 0,
					       "Failed logons of one user from all addresses before "
					       "addresses with recent failures wait too (a clean "
					       "address still gets through)" },
	[SET_LOGIN_THROTTLE_ADDRESS_FAILURES] = { "login.throttle_address_failures", SETTING_INT,
						  "30", 1, 1000000, NULL, NULL, 0,
						  "Failed logons from one address (IPv6: one /64) "
						  "for any users before it waits" },
	[SET_LOGIN_THROTTLE_MAX_DELAY] = { "login.throttle_max_delay", SETTING_INT, "300", 1, 3600,
					   NULL, NULL, 0,
					   "Longest wait after failed logons (seconds)" },
	[SET_LOGIN_RESUME_PER_MINUTE] = { "login.resume_per_minute", SETTING_INT, "30", 1, 100000,
					  NULL, NULL, 0,
					  "Remembered logons resumed per minute from one address "
					  "(IPv6: one /64)" },
	[SET_LOGIN_TOTP] = { "login.totp", SETTING_ENUM, "optional", 0, 0, totp_policies, NULL, 0,
			     "Second factor (TOTP codes): off, optional (users turn it on in "
			     "their settings) or required (users without it enrol right after "
			     "their password); a domain may override it ('domain set NAME "
			     "totp')" },
	[SET_LOGIN_REMEMBER_TOTP] = { "login.remember_totp", SETTING_BOOL, "off", 0, 0, NULL, NULL,
				      0,
				      "A remembered logon also skips the TOTP code (off: users "
				      "with TOTP are not remembered, and are asked for the code "
				      "when a remembered logon resumes)" },
	[SET_MAIL_ROOT] = { "mail.root", SETTING_PATH, "mail", 0, 0, NULL, NULL, 0,
			    "Folder of the Maildir store (domain/user/ below it)" },
	[SET_MAIL_MAX_MESSAGE_MB] = { "mail.max_message_mb", SETTING_INT, "25", 1, 64, NULL, NULL,
				      0, "Largest message a user may send, attachments included (MiB)" },
	[SET_MAIL_QUOTA_MB] = { "mail.quota_mb", SETTING_INT, "1024", 0, 1048576, NULL, NULL, 0,
				"Most mail one user may keep, all folders together (MiB); 0: no limit" },
	[SET_MAIL_STORE] = { "mail.store", SETTING_ENUM, "maildir", 0, 0, mail_stores, NULL,
			     SETTING_RESTART,
			     "Where the mail is: maildir (mail.root, on this machine) or imap "
			     "(mail.imap_server, users log on with its user names and passwords)" },
	[SET_MAIL_IMAP_SERVER] = { "mail.imap_server", SETTING_STRING, "", 0, 0, NULL,
				   check_imap_server, 0,
				   "IMAP server for mail.store imap: host:port ([address]:port "
				   "for IPv6; without a port 993, or 143 for starttls and none)" },
	[SET_MAIL_IMAP_TLS] = { "mail.imap_tls", SETTING_ENUM, "implicit", 0, 0, imap_tls_modes,
				NULL, 0,
				"TLS to the IMAP server: implicit (port 993), starttls, or none "
				"for a server on this machine only" },
	[SET_MAIL_IMAP_CA_FILE] = { "mail.imap_ca_file", SETTING_PATH, "", 0, 0, NULL, NULL, 0,
				    "PEM certificates that vouch for the IMAP server's; empty: "
				    "the system's trusted authorities" },
	[SET_MAIL_IMAP_TIMEOUT] = { "mail.imap_timeout", SETTING_INT, "20", 1, 300, NULL, NULL, 0,
				    "Seconds the IMAP server may take to accept a connection and "
				    "to answer each command; after that the page says the mail "
				    "server is not reachable" },
	[SET_MAIL_IMAP_SENDER_DOMAIN] = { "mail.imap_sender_domain", SETTING_STRING, "", 0, 0, NULL,
					  check_hostname, 0,
					  "mail.store imap: the domain added to a logon name without "
					  "@ (ann) to make its sender address (ann@DOMAIN); empty: "
					  "such users cannot send" },
	[SET_SMTP_RELAY] = { "smtp.relay", SETTING_STRING, "", 0, 0, NULL, check_relay, 0,
			     "SMTP server for mail to other hosts (smtp://host:587); empty: none" },
	[SET_SMTP_TLS] = { "smtp.tls", SETTING_ENUM, "required", 0, 0, smtp_tls_modes, NULL, 0,
			   "STARTTLS to the relay: required, or none for a relay on this host" },
	[SET_SMTP_USER] = { "smtp.user", SETTING_STRING, "", 0, 0, NULL, NULL, 0,
			    "User name for the relay's authentication; empty: none" },
	[SET_SMTP_PASSWORD] = { "smtp.password", SETTING_STRING, "", 0, 0, NULL, NULL,
				SETTING_SECRET, "Password for the relay's authentication" },
	[SET_SMTP_TIMEOUT] = { "smtp.timeout", SETTING_INT, "30", 1, 600, NULL, NULL, 0,
			       "Seconds the relay may take to accept a connection or to answer; "
			       "after that the message is tried again later" },
	[SET_SMTP_RETRY_DELAY] = { "smtp.retry_delay", SETTING_INT, "60", 1, 86400, NULL, NULL, 0,
				   "Seconds before a message the relay could not take is tried "
				   "again; doubled after each try, up to an hour" },
	[SET_SMTP_MAX_ATTEMPTS] = { "smtp.max_attempts", SETTING_INT, "12", 1, 100, NULL, NULL, 0,
				    "Tries before a message that cannot be delivered goes back to "
				    "its sender's Inbox as a bounce" },
	[SET_SMTP_QUEUE_DIR] = { "smtp.queue_dir", SETTING_PATH, "outbox", 0, 0, NULL, NULL,
				 SETTING_RESTART,
				 "Folder where mail for other hosts waits for the relay" },
	[SET_LOG_FILE] = { "log.file", SETTING_PATH, "webmsgd.log", 0, 0, NULL, NULL, 0,
			   "Daemon log file, or \"syslog\"" },
	[SET_LOG_LEVEL] = { "log.level", SETTING_ENUM, "info", 0, 0, log_levels, NULL, 0,
			    "Least important messages logged" },
	[SET_SERVICE_PIDFILE] = { "service.pidfile", SETTING_PATH, "webmsgd.pid", 0, 0, NULL, NULL,
				  SETTING_RESTART, "The daemon's pidfile" },
	[SET_SERVICE_USER] = { "service.user", SETTING_STRING, "webmsg", 0, 0, NULL, check_account,
			       SETTING_RESTART,
			       "User the workers serve as when webmsgd starts as root (they "
			       "parse HTTP, TLS and mail); it owns the mail folder and the outbox" },
	[SET_SERVICE_GROUP] = { "service.group", SETTING_STRING, "webmsg", 0, 0, NULL,
				check_account, SETTING_RESTART,
				"Group the workers serve as when webmsgd starts as root" },
};

const struct setting *settings_get(enum setting_id id)
{
	return (unsigned)id < SET_COUNT ? &table[id] : NULL;
}

const struct setting *settings_find(const char *name, enum setting_id *id_out)
{
	for (int i = 0; i < SET_COUNT; i++) {
		if (strcmp(table[i].name, name) == 0) {
			if (id_out)
				*id_out = (enum setting_id)i;
			return &table[i];
		}
	}
	return NULL;
}

int settings_parse_bool(const char *value, int *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(value, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int parse_int(const char *value, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || isspace((unsigned char)value[0]))
		return -1;
	*out = v;
	return 0;
}

void settings_describe_type(const struct setting *s, char *out, size_t outlen)
{
	size_t len = 0;
	switch (s->type) {
	case SETTING_BOOL:
		snprintf(out, outlen, "on|off");
		break;
	case SETTING_INT:
		snprintf(out, outlen, "integer %ld..%ld", s->min, s->max);
		break;
	case SETTING_ENUM:
		out[0] = '\0';
		for (const char *const *c = s->choices; *c && len < outlen; c++)
			len += (size_t)snprintf(out + len, outlen - len, "%s%s",
						c == s->choices ? "" : "|", *c);
		break;
	case SETTING_STRING:
		snprintf(out, outlen, "text");
		break;
	case SETTING_PATH:
		snprintf(out, outlen, "path");
		break;
	}
}

int settings_normalize(const struct setting *s, const char *value, char *out, size_t outlen,
		       struct err *e)
{
	char type[160];
	long n;
	int b;

	if (strlen(value) >= 4096)
		return err_set(e, "%s: the value is too long", s->name);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(e, "%s: control characters are not allowed", s->name);

	switch (s->type) {
	case SETTING_BOOL:
		if (settings_parse_bool(value, &b) < 0)
			return err_set(e, "%s: '%s' is not on or off", s->name, value);
		value = b ? "on" : "off";
		break;
	case SETTING_INT:
		if (parse_int(value, &n) < 0)
			return err_set(e, "%s: '%s' is not a whole number", s->name, value);
		if (n < s->min || n > s->max)
			return err_set(e, "%s: %ld is outside %ld..%ld", s->name, n, s->min, s->max);
		if (snprintf(out, outlen, "%ld", n) >= (int)outlen)
			return err_set(e, "%s: the value is too long", s->name);
		return 0;
	case SETTING_ENUM: {
		const char *const *c;
		for (c = s->choices; *c && strcmp(*c, value) != 0; c++)
			;
		if (!*c) {
			settings_describe_type(s, type, sizeof(type));
			return err_set(e, "%s: '%s' is not one of %s", s->name, value, type);
		}
		break;
	}
	case SETTING_STRING:
	case SETTING_PATH:
		if (s->check && s->check(value, e) < 0)
			return err_prefix(e, "%s", s->name);
		break;
	}
	if (snprintf(out, outlen, "%s", value) >= (int)outlen)
		return err_set(e, "%s: the value is too long", s->name);
	return 0;
}

int settings_validate(const struct setting *s, const char *value, struct err *e)
{
	char buf[4096];
	return settings_normalize(s, value, buf, sizeof(buf), e);
}
