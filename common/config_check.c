/* config_check.c - the one decision "can this configuration be served?":
 * values, ports, files, TLS material, cross-setting rules, the mail root and
 * the log, each reported as an item naming the setting it concerns. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webmsg/buf.h"
#include "webmsg/cipher_profile.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/err.h"
#include "webmsg/imap_server.h"
#include "webmsg/net.h"
#include "webmsg/service.h"
#include "webmsg/service_user.h"
#include "webmsg/ssl_config.h"
#include "webmsg/status.h"
#include "webmsg/tls_material.h"

#define PEM_MAX (2 << 20) /* a certificate file and a chain file, each at most 1 MiB */

/* What the rules share while they run over one snapshot. */
struct run {
	const struct config_snapshot *cfg;
	const struct config_check_env *env;
	config_check_fn fn;
	void *arg;
	int fails;
	int ssl;                  /* SSL is on: its problems stop HTTPS, so they fail */
	struct config_check_tls *tls; /* the material asked for (SSL on), or NULL */
	struct config_check_item item;
};

static void report(struct run *r, enum config_check_level level, enum setting_id setting,
		   const char *hint, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The level of an SSL item: with SSL on it stops HTTPS; with SSL off it is a
 * warning, and latent: it would fail once SSL is turned on. */
#define LEVEL_SSL ((enum config_check_level)100)

static void report(struct run *r, enum config_check_level level, enum setting_id setting,
		   const char *hint, const char *fmt, ...)
{
	va_list ap;
	r->item.latent = level == LEVEL_SSL && !r->ssl;
	if (level == LEVEL_SSL)
		level = r->ssl ? CONFIG_CHECK_FAIL : CONFIG_CHECK_WARN;
	r->item.level = level;
	r->item.setting = setting;
	va_start(ap, fmt);
	vsnprintf(r->item.text, sizeof(r->item.text), fmt, ap);
	va_end(ap);
	snprintf(r->item.hint, sizeof(r->item.hint), "%s", hint ? hint : "");
	if (level == CONFIG_CHECK_FAIL)
		r->fails++;
	if (r->fn)
		r->fn(&r->item, r->arg);
}


/* Every stored value must still pass its setting's validation. */
static void rule_values(struct run *r)
{
	struct err e;
	int bad = 0;
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		if (settings_validate(s, r->cfg->values[i], &e) < 0) {
			report(r, CONFIG_CHECK_FAIL, (enum setting_id)i, NULL, "%s", e.msg);
			bad++;
		}
	}
	if (!bad)
		report(r, CONFIG_CHECK_OK, CONFIG_CHECK_NO_SETTING, NULL,
		       "every setting has a valid value");
}

static int held(const struct run *r, const char *bind_addr, long port)
{
	for (size_t i = 0; r->env && i < r->env->nheld; i++)
		if (r->env->held[i].port == port && strcmp(r->env->held[i].bind, bind_addr) == 0)
			return 1;
	return 0;
}

/* Listens and closes at once, as the daemon's listener would: whether the
 * port can be had now. */
static int try_bind(const char *bind_addr, int port, struct err *e)
{
	int fd = net_listen(bind_addr, port, e);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void rule_ports(struct run *r)
{
	const char *bind_addr = config_str(r->cfg, SET_WEB_BIND);
	long http = config_int(r->cfg, SET_WEB_HTTP_PORT), https = config_int(r->cfg, SET_WEB_HTTPS_PORT);
	struct err e;
	int bad = 0;

	if (http == https) {
		report(r, LEVEL_SSL, SET_WEB_HTTPS_PORT, "give HTTPS a port of its own",
		       "web.https_port: web.http_port and web.https_port are the same port (%ld)",
		       http);
		if (r->ssl)
			return;
	}
	const struct {
		enum setting_id id;
		long port;
		int used;
	} ports[] = { { SET_WEB_HTTP_PORT, http, 1 }, { SET_WEB_HTTPS_PORT, https, r->ssl } };
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		if (!ports[i].used || held(r, bind_addr, ports[i].port))
			continue;
		if (try_bind(bind_addr, (int)ports[i].port, &e) < 0) {
			report(r, CONFIG_CHECK_FAIL, ports[i].id, NULL, "%s: %s",
			       settings_get(ports[i].id)->name, e.msg);
			bad++;
		}
	}
	if (bad)
		return;
	if (r->ssl)
		report(r, CONFIG_CHECK_OK, SET_WEB_HTTP_PORT, NULL,
		       "ports: HTTP %ld and HTTPS %ld on %s can be listened on", http, https,
		       bind_addr);
	else
		report(r, CONFIG_CHECK_OK, SET_WEB_HTTP_PORT, NULL,
		       "ports: HTTP %ld on %s can be listened on", http, bind_addr);
}

/* The deepest folder of path that exists. */
static void existing_ancestor(const char *path, char *out, size_t outlen)
{
	struct stat sb;
	snprintf(out, outlen, "%s", path);
	for (;;) {
		char *slash = strrchr(out, '/');
		if (!slash) {
			snprintf(out, outlen, ".");
			return;
		}
		if (slash == out) {
			out[1] = '\0';
			return;
		}
		*slash = '\0';
		if (stat(out, &sb) == 0)
			return;
	}
}

/* A folder the daemon must be able to write in, or make: an existing one must
 * be writable; otherwise a folder is made and removed again in the deepest
 * existing one, which is the only honest answer for /proc and read-only
 * mounts (access() says yes to root there). */
static int folder_usable(const char *path, struct err *e)
{
	struct stat sb;
	char parent[PATH_MAX], probe[PATH_MAX + 64];

	if (stat(path, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return err_set(e, "%s is not a folder", path);
		if (access(path, W_OK | X_OK) < 0)
			return err_sys(e, "cannot write in %s", path);
		return 0;
	}
	if (errno != ENOENT)
		return err_sys(e, "cannot use %s", path);
	existing_ancestor(path, parent, sizeof(parent));
	if (stat(parent, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return err_set(e, "%s cannot be made: %s is not a folder", path, parent);
	if (snprintf(probe, sizeof(probe), "%s/.webmsg-check.%ld", parent, (long)getpid()) >=
	    (int)sizeof(probe))
		return err_set(e, "%s: path too long", path);
	if (mkdir(probe, 0700) < 0)
		return err_sys(e, "%s cannot be made in %s", path, parent);
	rmdir(probe);
	return 0;
}

static void rule_mail_root(struct run *r)
{
	char path[PATH_MAX];
	struct err e;
	if (config_path(r->cfg, SET_MAIL_ROOT, path, sizeof(path), &e) < 0)
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_ROOT, NULL, "%s", e.msg);
	else if (!path[0])
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_ROOT, NULL, "mail.root: no mail folder is set");
	else if (folder_usable(path, &e) < 0)
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_ROOT, "choose a folder webmsgd can write in",
		       "mail.root: %s", e.msg);
	else
		report(r, CONFIG_CHECK_OK, SET_MAIL_ROOT, NULL, "mail folder %s", path);
}

/* mail.store imap: a server to reach, TLS unless it is on this machine
 * (passwords would cross the network in the clear), and certificates to
 * trust that can be read. The server itself is not asked: it may be down
 * while the configuration is right. */
static void rule_mail_store(struct run *r)
{
	const char *server = config_str(r->cfg, SET_MAIL_IMAP_SERVER);
	char ca[PATH_MAX];
	char host[IMAP_HOST_MAX];
	unsigned port;
	enum imap_tls tls;
	struct err e;
	FILE *f;

	if (strcmp(config_str(r->cfg, SET_MAIL_STORE), "imap") != 0)
		return;
	if (!server[0]) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_SERVER, "set mail.imap_server host:port",
		       "mail.store imap: no IMAP server is set");
		return;
	}
	if (imap_server_tls_parse(config_str(r->cfg, SET_MAIL_IMAP_TLS), &tls, &e) < 0 ||
	    imap_server_parse(server, tls, host, &port, &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_SERVER, NULL, "mail.imap_server: %s",
		       e.msg);
		return;
	}
	if (tls == IMAP_TLS_NONE && !imap_server_loopback(host)) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_TLS,
		       "choose implicit or starttls, or a server on this machine",
		       "mail.imap_tls none: %s is not on this machine, and passwords would "
		       "cross the network in the clear", host);
		return;
	}
	if (config_path(r->cfg, SET_MAIL_IMAP_CA_FILE, ca, sizeof(ca), &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_CA_FILE, NULL, "%s", e.msg);
		return;
	}
	if (ca[0] && tls != IMAP_TLS_NONE) {
		if (!(f = fopen(ca, "r"))) {
			report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_CA_FILE, NULL,
			       "mail.imap_ca_file: %s cannot be read: %s", ca, strerror(errno));
			return;
		}
		fclose(f);
	}
	/* Resolved here, where the daemon decides to serve it: the workers
	 * connect to these addresses (their sandbox allows no lookup), and a
	 * name that does not resolve leaves the configuration served before. */
	char addrs[IMAP_ADDRS_LEN];
	if (imap_server_resolve(host, addrs, &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_SERVER,
		       "check the name, or give the server's address",
		       "mail.imap_server: %s", e.msg);
		return;
	}
	for (const char *p = addrs; tls == IMAP_TLS_NONE && *p;) {
		char num[64];
		size_t l = strcspn(p, " ");
		snprintf(num, sizeof(num), "%.*s", (int)(l < sizeof(num) ? l : sizeof(num) - 1), p);
		if (!imap_server_loopback(num)) {
			report(r, CONFIG_CHECK_FAIL, SET_MAIL_IMAP_TLS,
			       "choose implicit or starttls, or a server on this machine",
			       "mail.imap_tls none: %s is %s, not on this machine", host, num);
			return;
		}
		p += l;
		p += *p == ' ';
	}
	if (r->env && r->env->imap_addrs)
		snprintf(r->env->imap_addrs, IMAP_ADDRS_LEN, "%s", addrs);
	report(r, CONFIG_CHECK_OK, SET_MAIL_STORE, NULL,
	       "mail on the IMAP server %s port %u (%s)%s%s%s", host, port,
	       tls == IMAP_TLS_IMPLICIT ? "TLS" : tls == IMAP_TLS_STARTTLS ? "STARTTLS"
									 : "no TLS, this machine",
	       strcmp(addrs, host) ? ", at " : "", strcmp(addrs, host) ? addrs : "",
	       strcmp(addrs, host) ? " as resolved now (again at each start and reload)" : "");
}

/* Who the workers that parse HTTP, TLS and mail serve as. Started as root,
 * service.user and service.group must exist, and the mail folder must be
 * within their reach; started by another user, that user is who serves. */
static void rule_service_user(struct run *r)
{
	struct service_user u;
	char path[PATH_MAX];
	struct err e;
	uid_t uid;
	gid_t gid;
	if (geteuid() == 0) {
		/* Each apart: setting one right is progress while the other is wrong. */
		int bad = 0;
		if (service_user_find_user(config_str(r->cfg, SET_SERVICE_USER), &uid, &e) < 0 &&
		    ++bad)
			report(r, CONFIG_CHECK_FAIL, SET_SERVICE_USER, "useradd --system "
			       "--no-create-home --shell /usr/sbin/nologin NAME", "%s", e.msg);
		if (service_user_find_group(config_str(r->cfg, SET_SERVICE_GROUP), &gid, &e) < 0 &&
		    ++bad)
			report(r, CONFIG_CHECK_FAIL, SET_SERVICE_GROUP, "groupadd --system NAME",
			       "%s", e.msg);
		if (bad)
			return;
	}
	if (service_user_resolve(r->cfg, &u, &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_SERVICE_USER, NULL, "%s", e.msg);
		return;
	}
	if (geteuid() != 0) {
		report(r, CONFIG_CHECK_OK, SET_SERVICE_USER, NULL,
		       "workers serve as the user starting webmsgd (uid %ld)", (long)u.uid);
		return;
	}
	if (!u.change) {
		/* A note, not a warning: the tests and a single-user demo run so. */
		report(r, CONFIG_CHECK_NOTE, SET_SERVICE_USER,
		       "webmsg-admin config set service.user webmsg",
		       "service.user is %s: the workers that parse HTTP, TLS and mail run as "
		       "root", u.user);
		return;
	}
	if (config_path(r->cfg, SET_MAIL_ROOT, path, sizeof(path), &e) == 0 && path[0] &&
	    service_user_can_reach(&u, path, &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_MAIL_ROOT, NULL, "mail.root: %s", e.msg);
		return;
	}
	report(r, CONFIG_CHECK_OK, SET_SERVICE_USER, NULL,
	       "workers serve as %s (uid %ld), group %s (gid %ld)", u.user, (long)u.uid,
	       u.group, (long)u.gid);
}

/* The log file must be writable, or its folder when it does not exist yet. */
static void rule_log(struct run *r)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct err e;
	if (config_log_file(r->cfg, path, sizeof(path), &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_LOG_FILE, NULL, "%s", e.msg);
		return;
	}
	if (!path[0]) {
		report(r, CONFIG_CHECK_OK, SET_LOG_FILE, NULL, "logging to syslog");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(path, W_OK) == 0 || (errno == ENOENT && folder_usable(dir, &e) == 0))
		report(r, CONFIG_CHECK_OK, SET_LOG_FILE, NULL, "log file %s", path);
	else
		report(r, CONFIG_CHECK_FAIL, SET_LOG_FILE, "check the folder and its owner",
		       "log.file: cannot write %s (%s)", path, strerror(errno));
}

/* The pidfile's folder: without it the daemon does not start. */
static void rule_pidfile(struct run *r)
{
	char path[PATH_MAX];
	struct err e;
	if (config_path(r->cfg, SET_SERVICE_PIDFILE, path, sizeof(path), &e) < 0) {
		report(r, CONFIG_CHECK_FAIL, SET_SERVICE_PIDFILE, NULL, "%s", e.msg);
		return;
	}
	char *slash = strrchr(path, '/');
	if (slash && slash != path)
		*slash = '\0';
	else if (slash)
		path[1] = '\0';
	else
		snprintf(path, sizeof(path), ".");
	if (folder_usable(path, &e) < 0)
		report(r, CONFIG_CHECK_FAIL, SET_SERVICE_PIDFILE, NULL, "service.pidfile: %s",
		       e.msg);
}

/* Force SSL redirects every visitor to the HTTPS port: it needs SSL. */
static void rule_force(struct run *r)
{
	if (config_bool(r->cfg, SET_SSL_FORCE) && !r->ssl)
		report(r, CONFIG_CHECK_FAIL, SET_SSL_FORCE, "webmsg-admin ssl enable, or ssl force off",
		       "ssl.force: Force SSL is on but SSL is off; every visitor would be sent "
		       "to a closed port");
}

/* Which setting a failed pair check concerns. The check gives one message; the
 * file that cannot be read, or else the password when the key does not
 * decrypt, or else the certificate (it does not match, or is out of date). */
static enum setting_id pair_setting(const struct ssl_paths *p, const char *msg)
{
	if (access(p->cert, R_OK) < 0)
		return SET_SSL_CERT_FILE;
	if (access(p->key, R_OK) < 0)
		return SET_SSL_KEY_FILE;
	if (strstr(msg, "decrypt"))
		return SET_SSL_KEY_PASSWORD;
	return SET_SSL_CERT_FILE;
}

/* The chain follows the certificate, as the TLS library sends them. */
static int append_chain(struct config_check_tls *t, const char *chain, struct err *e)
{
	struct buf b;
	buf_init(&b, PEM_MAX);
	buf_puts(&b, t->cert_pem);
	buf_puts(&b, chain);
	if (b.failed) {
		buf_free(&b);
		return err_set(e, "the certificate and its chain are larger than 2 MiB");
	}
	tls_pem_free(&t->cert_pem);
	t->cert_pem = buf_steal(&b, NULL);
	return 0;
}

static void rule_material(struct run *r, const struct ssl_paths *p)
{
	struct tls_cert_info info;
	struct err e;
	char *chain = NULL;
	int count;

	if (r->env && r->env->material_pending)
		return;
	if (tls_keystore_check(p->keystore, &e) < 0)
		report(r, CONFIG_CHECK_WARN, SET_SSL_KEYSTORE,
		       "create it (mkdir -m 700) and set it: webmsg-admin ssl keystore DIR", "%s",
		       e.msg);
	else
		report(r, CONFIG_CHECK_OK, SET_SSL_KEYSTORE, NULL, "key store %s", p->keystore);
	/* One read of each file: the expiry below is that of the certificate checked. */
	if (tls_load_pair(p->cert, p->key, config_str(r->cfg, SET_SSL_KEY_PASSWORD),
			  r->tls ? &r->tls->cert_pem : NULL, r->tls ? &r->tls->key_pem : NULL,
			  &info, &e) < 0) {
		enum setting_id id = pair_setting(p, e.msg);
		report(r, LEVEL_SSL, id, "make one (webmsg-admin ssl selfsign) or import the CA's "
		       "(ssl import)", "%s: %s", settings_get(id)->name, e.msg);
	} else {
		report(r, CONFIG_CHECK_OK, SET_SSL_CERT_FILE, NULL, "certificate and key: readable, "
		       "the key decrypts with the stored password, they match");
		if (info.days_left < TLS_CERT_WARN_DAYS)
			report(r, CONFIG_CHECK_WARN, SET_SSL_CERT_FILE, "renew it soon: ssl csr and ssl "
			       "import, or ssl selfsign --force", "the certificate expires in %ld days "
			       "(%s)", info.days_left, info.not_after);
		else
			report(r, CONFIG_CHECK_OK, SET_SSL_CERT_FILE, NULL, "certificate valid until "
			       "%s (%ld days)", info.not_after, info.days_left);
	}
	if (!p->chain[0])
		return;
	if (tls_load_ca_file(p->chain, &count, r->tls ? &chain : NULL, &e) < 0)
		report(r, LEVEL_SSL, SET_SSL_CHAIN_FILE, NULL, "ssl.chain_file: %s", e.msg);
	else if (r->tls && r->tls->cert_pem && append_chain(r->tls, chain, &e) < 0)
		report(r, CONFIG_CHECK_FAIL, SET_SSL_CHAIN_FILE, NULL, "ssl.chain_file: %s", e.msg);
	tls_pem_free(&chain);
}

static void rule_priority(struct run *r)
{
	const char *priority;
	struct err e;
	if (cipher_profile_priority(config_str(r->cfg, SET_SSL_CIPHER_PROFILE),
				    config_str(r->cfg, SET_SSL_PRIORITY), &priority, &e) < 0)
		report(r, LEVEL_SSL, SET_SSL_CIPHER_PROFILE, "webmsg-admin ssl ciphers intermediate",
		       "ssl.cipher_profile: %s", e.msg);
	else if (cipher_profile_check(priority, &e) < 0)
		report(r, LEVEL_SSL, SET_SSL_PRIORITY, "webmsg-admin ssl ciphers intermediate",
		       "ssl.priority: %s", e.msg);
	else if (r->tls && !(r->tls->priority = strdup(priority)))
		report(r, CONFIG_CHECK_FAIL, SET_SSL_PRIORITY, NULL, "ssl.priority: out of memory");
	else
		report(r, CONFIG_CHECK_OK, SET_SSL_CIPHER_PROFILE, NULL,
		       "cipher profile %s: priority string valid",
		       config_str(r->cfg, SET_SSL_CIPHER_PROFILE));
}

static void rule_client_auth(struct run *r, const struct ssl_paths *p)
{
	const char *mode = config_str(r->cfg, SET_SSL_CLIENT_AUTH);
	struct err e;
	int count = 0;
	if (r->tls)
		r->tls->client_auth = ssl_config_client_auth(r->cfg);
	if (ssl_config_client_auth(r->cfg) == CLIENT_AUTH_NONE)
		report(r, CONFIG_CHECK_OK, SET_SSL_CLIENT_AUTH, NULL,
		       "client authentication: none (recommended)");
	else if (!p->client_ca[0])
		report(r, LEVEL_SSL, SET_SSL_CLIENT_CA_FILE,
		       "webmsg-admin ssl client-auth MODE --ca FILE",
		       "ssl.client_ca_file: client authentication is %s but no CA file is set",
		       mode);
	else if (tls_load_ca_file(p->client_ca, &count, r->tls ? &r->tls->trust_pem : NULL,
				  &e) < 0)
		report(r, LEVEL_SSL, SET_SSL_CLIENT_CA_FILE,
		       "webmsg-admin ssl client-auth MODE --ca FILE", "ssl.client_ca_file: %s",
		       e.msg);
	else
		report(r, CONFIG_CHECK_OK, SET_SSL_CLIENT_AUTH, NULL,
		       "client authentication %s with %d CA certificate%s", mode, count,
		       count == 1 ? "" : "s");
}

static void rule_ssl(struct run *r)
{
	struct ssl_paths p;
	struct err e;
	if (r->ssl)
		report(r, CONFIG_CHECK_OK, SET_SSL_ENABLE, NULL, "SSL is enabled on port %ld%s",
		       config_int(r->cfg, SET_WEB_HTTPS_PORT),
		       config_bool(r->cfg, SET_SSL_FORCE) ? ", Force SSL on" : "");
	else
		report(r, CONFIG_CHECK_NOTE, SET_SSL_ENABLE, "webmsg-admin ssl enable",
		       "SSL is disabled: mail travels unencrypted");
	if (ssl_config_paths(r->cfg, &p, &e) < 0) {
		report(r, LEVEL_SSL, SET_SSL_KEYSTORE, NULL, "%s", e.msg);
		return;
	}
	rule_material(r, &p);
	rule_priority(r);
	rule_client_auth(r, &p);
}

size_t config_check_restart(const struct config_snapshot *served,
			    const struct config_snapshot *cfg, char *out, size_t outlen)
{
	size_t n = 0, len = 0;
	if (outlen)
		out[0] = '\0';
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		if (!(s->flags & SETTING_RESTART) || strcmp(served->values[i], cfg->values[i]) == 0)
			continue;
		n++;
		int w = snprintf(out + len, len < outlen ? outlen - len : 0, "%s%s", len ? ", " : "",
				 s->name);
		if (w > 0)
			len += (size_t)w;
	}
	return n;
}

/* Settings a reload does not apply, changed since what is served. */
static void rule_restart(struct run *r)
{
	const struct config_snapshot *served = r->env ? r->env->served : NULL;
	char names[512];
	if (served && config_check_restart(served, r->cfg, names, sizeof(names)) > 0)
		report(r, CONFIG_CHECK_NOTE, CONFIG_CHECK_NO_SETTING, "webmsg-admin service restart",
		       "%s takes effect at the next restart", names);
}

int config_check_run(const struct config_snapshot *cfg, const struct config_check_env *env,
		     config_check_fn fn, void *arg)
{
	struct run r = { .cfg = cfg, .env = env, .fn = fn, .arg = arg };
	if (env && env->imap_addrs)
		env->imap_addrs[0] = '\0';
	r.ssl = config_bool(cfg, SET_SSL_ENABLE);
	if (env && env->tls) {
		memset(env->tls, 0, sizeof(*env->tls));
		/* Nothing to load without SSL, or when the wizard has yet to make it. */
		if (r.ssl && !env->material_pending)
			r.tls = env->tls;
	}
	rule_values(&r);
	rule_ports(&r);
	rule_force(&r);
	rule_ssl(&r);
	rule_mail_root(&r);
	rule_mail_store(&r);
	rule_service_user(&r);
	rule_log(&r);
	rule_pidfile(&r);
	rule_restart(&r);
	/* Half the material is no material: none is handed over from a run that fails. */
	if (r.fails && r.tls)
		config_check_tls_free(r.tls);
	return r.fails;
}

void config_check_tls_free(struct config_check_tls *t)
{
	if (!t)
		return;
	tls_pem_free(&t->key_pem);
	tls_pem_free(&t->cert_pem);
	tls_pem_free(&t->trust_pem);
	free(t->priority);
	memset(t, 0, sizeof(*t));
}

/* "http://127.0.0.1:8383 https://[::1]:8384" into held sockets. */
static void parse_listeners(const char *s, struct config_check_env *env)
{
	while (*s && env->nheld < CONFIG_CHECK_MAX_HELD) {
		const char *start = strstr(s, "://");
		if (!start)
			return;
		start += 3;
		size_t len = strcspn(start, " ");
		const char *colon = NULL;
		for (size_t i = 0; i < len; i++)
			if (start[i] == ':')
				colon = start + i;
		if (colon) {
			const char *host = start;
			size_t hlen = (size_t)(colon - start);
			if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
				host++;
				hlen -= 2;
			}
			char *end;
			long port = strtol(colon + 1, &end, 10);
			if (hlen < sizeof(env->held[0].bind) && port > 0 && port < 65536) {
				snprintf(env->held[env->nheld].bind, sizeof(env->held[0].bind),
					 "%.*s", (int)hlen, host);
				env->held[env->nheld++].port = (int)port;
			}
		}
		s = start + len;
	}
}

int config_check_env_running(struct db *db, struct config_check_env *env, struct err *e)
{
	struct service_status st;
	pid_t pid;
	int present;
	memset(env, 0, sizeof(*env));
	if (service_pid(db, &pid, e) < 0)
		return -1;
	if (pid == 0)
		return 0;
	if (status_read(db, &st, &present, e) < 0)
		return -1;
	if (present && st.pid == (long)pid)
		parse_listeners(st.listeners, env);
	return 0;
}

/* The failures of one run, kept to compare two runs. */
struct fail_list {
	struct config_check_item items[SET_COUNT + 16];
	size_t n;
};

static void collect_fail(const struct config_check_item *item, void *arg)
{
	struct fail_list *l = arg;
	if ((item->level == CONFIG_CHECK_FAIL || item->latent) &&
	    l->n < sizeof(l->items) / sizeof(l->items[0]))
		l->items[l->n++] = *item;
}

/* Settings that one check looks at together: a failure is reported under one
 * of them, and a change to any of them is what makes it. */
static const enum setting_id groups[][5] = {
	{ SET_SSL_CERT_FILE, SET_SSL_KEY_FILE, SET_SSL_CHAIN_FILE, SET_SSL_KEY_PASSWORD,
	  SET_COUNT },
	{ SET_SSL_CLIENT_AUTH, SET_SSL_CLIENT_CA_FILE, SET_COUNT },
	{ SET_WEB_HTTP_PORT, SET_WEB_HTTPS_PORT, SET_WEB_BIND, SET_COUNT },
};

static int differs(const struct config_snapshot *current, const struct config_snapshot *candidate,
		   enum setting_id id)
{
	return !current || strcmp(current->values[id], candidate->values[id]) != 0;
}

/* Whether the change touches what the item is about: a latent failure blocks
 * only the change that makes it (a key password that does not open the key is
 * never stored, SSL on or off: the one that did would be lost). */
static int changed(const struct config_snapshot *current, const struct config_snapshot *candidate,
		   enum setting_id id)
{
	if (id == CONFIG_CHECK_NO_SETTING)
		return 0;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		int member = 0, any = 0;
		for (const enum setting_id *m = groups[g]; *m != SET_COUNT; m++) {
			member |= *m == id;
			any |= differs(current, candidate, *m);
		}
		if (member)
			return any;
	}
	return differs(current, candidate, id);
}

static int listed(const struct fail_list *l, const struct config_check_item *item)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].setting == item->setting && l->items[i].level == item->level &&
		    strcmp(l->items[i].text, item->text) == 0)
			return 1;
	return 0;
}

int config_check_change(const struct config_snapshot *current,
			const struct config_snapshot *candidate,
			const struct config_check_env *env, struct err *e)
{
	struct fail_list *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	char msg[ERR_MSG_MAX] = "";
	size_t len = 0;
	int fresh = 0;

	if (!before || !after) {
		free(before);
		free(after);
		return err_set(e, "out of memory");
	}
	if (current)
		config_check_run(current, env, collect_fail, before);
	config_check_run(candidate, env, collect_fail, after);
	for (size_t i = 0; i < after->n; i++) {
		if (listed(before, &after->items[i]) ||
		    (after->items[i].level != CONFIG_CHECK_FAIL &&
		     !changed(current, candidate, after->items[i].setting)))
			continue;
		int n = snprintf(msg + len, sizeof(msg) - len, "%s%s", fresh ? "; " : "",
				 after->items[i].text);
		len = n < 0 || (size_t)n >= sizeof(msg) - len ? sizeof(msg) - 1 : len + (size_t)n;
		fresh++;
	}
	free(before);
	free(after);
	if (fresh)
		return err_set(e, "%s; nothing was saved", msg);
	return 0;
}

size_t config_check_implied(const struct config_snapshot *current,
			    const struct config_snapshot *candidate, struct config_change *out)
{
	int force = config_bool(candidate, SET_SSL_FORCE), ssl = config_bool(candidate, SET_SSL_ENABLE);
	if (!force || ssl)
		return 0;
	/* SSL turned off takes Force SSL with it; Force SSL turned on brings SSL. */
	if (config_bool(current, SET_SSL_ENABLE))
		out[0] = (struct config_change){ SET_SSL_FORCE, "off", NULL };
	else if (!config_bool(current, SET_SSL_FORCE))
		out[0] = (struct config_change){ SET_SSL_ENABLE, "on", NULL };
	else
		return 0;
	return 1;
}

const char *config_check_level_label(enum config_check_level level)
{
	static const char *const labels[] = { "OK", "note", "WARN", "FAIL" };
	return labels[level];
}
