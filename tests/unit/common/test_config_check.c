/* test_config_check.c - the one decision "can this configuration be served?":
 * ports (in use, held by the running daemon, equal), cross-setting rules, the
 * mail folder, what a change implies, a refused change saving nothing, and
 * the TLS material the decision hands over. */
#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "unit.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/tls_material.h"

struct fixture {
	struct tmpdir dir;
	struct db *db;
	struct config_who who;
	int busy_fd;   /* a loopback socket held busy */
	int busy_port;
	int free_port;
};

/* A loopback socket on a port the system picks; listening when listen_it. */
static int loopback_socket(int *port, int listen_it)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	if (listen_it)
		assert_int_equal(listen(fd, 1), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void set(struct fixture *f, enum setting_id id, const char *value)
{
	struct config_change c = { id, value, NULL };
	struct err e = { "" };
	if (config_set(f->db, &c, 1, &f->who, NULL, &e) < 0)
		fail_msg("%s", e.msg);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { "" };
	char path[PATH_MAX], port[16];
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsg.db", path, sizeof(path));
	if (db_open(path, DB_CREATE, &f->db, &e) < 0)
		fail_msg("%s", e.msg);
	snprintf(f->who.user, sizeof(f->who.user), "tester");
	f->busy_fd = loopback_socket(&f->busy_port, 1);
	close(loopback_socket(&f->free_port, 0));
	set(f, SET_WEB_BIND, "127.0.0.1");
	snprintf(port, sizeof(port), "%d", f->free_port);
	set(f, SET_WEB_HTTP_PORT, port);
	/* Served as whoever runs the test, as the integration tests do. */
	set(f, SET_SERVICE_USER, getpwuid(geteuid())->pw_name);
	set(f, SET_SERVICE_GROUP, getgrgid(getegid())->gr_name);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->busy_fd);
	db_close(&f->db);
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* The items of one run, by level, as "setting|text" lines. */
struct items {
	char fail[4096];
	char warn[4096];
	int latent;
};

static void collect(const struct config_check_item *item, void *arg)
{
	struct items *it = arg;
	char *out = item->level == CONFIG_CHECK_FAIL ? it->fail
		    : item->level == CONFIG_CHECK_WARN ? it->warn
						       : NULL;
	if (!out)
		return;
	size_t len = strlen(out);
	snprintf(out + len, 4096 - len, "%s|%s\n",
		 item->setting == CONFIG_CHECK_NO_SETTING ? "-" : settings_get(item->setting)->name,
		 item->text);
	it->latent += item->latent;
}

static int run(struct fixture *f, const struct config_check_env *env, struct items *it)
{
	struct config_snapshot *cfg;
	struct err e = { "" };
	memset(it, 0, sizeof(*it));
	if (config_load(f->db, &cfg, &e) < 0)
		fail_msg("%s", e.msg);
	int fails = config_check_run(cfg, env, collect, it);
	config_snapshot_free(&cfg);
	return fails;
}

static void test_defaults_served(void **state)
{
	struct fixture *f = *state;
	struct items it;
	assert_int_equal(run(f, NULL, &it), 0);
	assert_string_equal(it.fail, "");
}

static void test_port_in_use_unless_held(void **state)
{
	struct fixture *f = *state;
	struct config_check_env env = { 0 };
	struct items it;
	char port[16];
	snprintf(port, sizeof(port), "%d", f->busy_port);
	set(f, SET_WEB_HTTP_PORT, port);
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "web.http_port|web.http_port: cannot listen on 127.0.0.1 port");
	assert_contains(it.fail, "in use");
	/* The running daemon's own socket is no obstacle to its reload. */
	snprintf(env.held[0].bind, sizeof(env.held[0].bind), "127.0.0.1");
	env.held[0].port = f->busy_port;
	env.nheld = 1;
	assert_int_equal(run(f, &env, &it), 0);
}

static void test_equal_ports(void **state)
{
	struct fixture *f = *state;
	struct items it;
	char port[16];
	snprintf(port, sizeof(port), "%d", f->free_port);
	set(f, SET_WEB_HTTPS_PORT, port);
	/* SSL off: served, but it would fail once SSL is on. */
	assert_int_equal(run(f, NULL, &it), 0);
	assert_contains(it.warn, "web.https_port|web.https_port: web.http_port and web.https_port "
				 "are the same port");
	assert_true(it.latent > 0);
	set(f, SET_SSL_ENABLE, "on");
	assert_true(run(f, NULL, &it) > 0);
	assert_contains(it.fail, "web.https_port|web.https_port: web.http_port and web.https_port");
}

static void test_force_needs_ssl(void **state)
{
	struct fixture *f = *state;
	struct items it;
	set(f, SET_SSL_FORCE, "on");
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "ssl.force|ssl.force: Force SSL is on but SSL is off");
}

static void test_mail_root_unusable(void **state)
{
	struct fixture *f = *state;
	struct items it;
	set(f, SET_MAIL_ROOT, "/proc/nonexistent/mail");
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "mail.root|mail.root: /proc/nonexistent/mail cannot be made");
	/* A folder that does not exist yet, in one that can be written, is fine. */
	set(f, SET_MAIL_ROOT, "not/yet/there");
	assert_int_equal(run(f, NULL, &it), 0);
	assert_false(file_exists("not"));
}

/* Started as root, the workers' user and group must exist, and the mail
 * folder must be within their reach; started by a user, that user serves. */
static void test_service_user(void **state)
{
	struct fixture *f = *state;
	struct items it;
	set(f, SET_SERVICE_USER, "webmsg-no-such-user");
	if (geteuid() != 0) {
		assert_int_equal(run(f, NULL, &it), 0);
		return;
	}
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "service.user|service.user webmsg-no-such-user does not exist: "
				 "create it with `useradd --system webmsg-no-such-user` or set "
				 "service.user");
	set(f, SET_SERVICE_USER, "nobody");
	set(f, SET_SERVICE_GROUP, "webmsg-no-such-group");
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "service.group|service.group webmsg-no-such-group does not exist");
	/* nobody cannot pass a folder of root's with mode 0700 (the test's own
	 * folder, made 0700, is opened to it first). */
	assert_int_equal(chmod(f->dir.path, 0711), 0);
	set(f, SET_SERVICE_GROUP, getgrgid(65534) ? getgrgid(65534)->gr_name : "root");
	assert_int_equal(mkdir("closed", 0700), 0);
	set(f, SET_MAIL_ROOT, "closed/mail");
	assert_int_equal(run(f, NULL, &it), 1);
	assert_contains(it.fail, "mail.root|mail.root: service.user nobody cannot reach ");
	assert_contains(it.fail, "/closed is mode 0700");
	assert_int_equal(chmod("closed", 0711), 0);
	assert_int_equal(run(f, NULL, &it), 0);
	/* service.user root: served (with a note), as the tests are. */
	set(f, SET_SERVICE_USER, "root");
	assert_int_equal(run(f, NULL, &it), 0);
	assert_null(strstr(it.warn, "service.user"));
}

static void test_client_auth_needs_ca(void **state)
{
	struct fixture *f = *state;
	struct items it;
	set(f, SET_SSL_CLIENT_AUTH, "required");
	assert_int_equal(run(f, NULL, &it), 0);
	assert_contains(it.warn, "ssl.client_ca_file|ssl.client_ca_file: client authentication is "
				 "required but no CA file is set");
}

/* The gate every admin door passes: the decision inside the transaction. */
static int decide(const struct config_snapshot *current, const struct config_snapshot *candidate,
		  void *arg, struct err *e)
{
	return config_check_change(current, candidate, arg, e);
}

static void test_refused_change_saves_nothing(void **state)
{
	struct fixture *f = *state;
	struct config_check_env env = { 0 };
	struct config_gate gate = { decide, &env };
	struct err e = { "" };
	char port[16];
	long before = config_version(f->db, &e), v = -1;
	snprintf(port, sizeof(port), "%d", f->busy_port);
	struct config_change c = { SET_WEB_HTTP_PORT, port, NULL };
	assert_int_equal(config_set_gated(f->db, &c, 1, &f->who, &gate, &v, &e), -1);
	assert_contains(e.msg, "web.http_port: cannot listen on 127.0.0.1 port");
	assert_contains(e.msg, "nothing was saved");
	assert_int_equal(config_version(f->db, &e), before);
	struct config_snapshot *cfg;
	assert_int_equal(config_load(f->db, &cfg, &e), 0);
	assert_int_equal(config_int(cfg, SET_WEB_HTTP_PORT), f->free_port);
	config_snapshot_free(&cfg);

	/* A change that adds no failure goes through the same gate. */
	struct config_change ok = { SET_SESSION_IDLE_TIMEOUT, "600", NULL };
	assert_int_equal(config_set_gated(f->db, &ok, 1, &f->who, &gate, &v, &e), 0);
	assert_int_equal(v, before + 1);
}

static void test_implied(void **state)
{
	struct fixture *f = *state;
	struct config_snapshot *current, *candidate;
	struct config_change out[CONFIG_CHECK_MAX_IMPLIED];
	struct err e = { "" };
	set(f, SET_SSL_ENABLE, "on");
	set(f, SET_SSL_FORCE, "on");
	assert_int_equal(config_load(f->db, &current, &e), 0);
	assert_int_equal(config_load(f->db, &candidate, &e), 0);
	/* SSL off takes Force SSL with it. */
	assert_int_equal(config_snapshot_override(candidate, SET_SSL_ENABLE, "off", &e), 0);
	assert_int_equal(config_check_implied(current, candidate, out), 1);
	assert_int_equal(out[0].id, SET_SSL_FORCE);
	assert_string_equal(out[0].value, "off");
	config_snapshot_free(&current);
	config_snapshot_free(&candidate);
	/* Force SSL on brings SSL. */
	set(f, SET_SSL_FORCE, "off");
	set(f, SET_SSL_ENABLE, "off");
	assert_int_equal(config_load(f->db, &current, &e), 0);
	assert_int_equal(config_load(f->db, &candidate, &e), 0);
	assert_int_equal(config_snapshot_override(candidate, SET_SSL_FORCE, "on", &e), 0);
	assert_int_equal(config_check_implied(current, candidate, out), 1);
	assert_int_equal(out[0].id, SET_SSL_ENABLE);
	assert_string_equal(out[0].value, "on");
	config_snapshot_free(&current);
	config_snapshot_free(&candidate);
}

/* SSL on with a fresh self-signed pair in a key store of the test's own;
 * the key is encrypted with password. */
static void ssl_setup(struct fixture *f, const char *password)
{
	struct tls_request req = { .key_type = TLS_KEY_EC_P256, .days = 30, .password = password };
	struct err e = { "" };
	char keystore[PATH_MAX], port[16];
	int https_port;

	tmpdir_file(&f->dir, "ssl", keystore, sizeof(keystore));
	assert_int_equal(mkdir(keystore, 0700), 0);
	snprintf(req.subject.cn, sizeof(req.subject.cn), "www.example.org");
	if (tls_selfsign(keystore, &req, 0, &e) < 0)
		fail_msg("%s", e.msg);
	close(loopback_socket(&https_port, 0));
	snprintf(port, sizeof(port), "%d", https_port);
	set(f, SET_WEB_HTTPS_PORT, port);
	set(f, SET_SSL_KEYSTORE, keystore);
	set(f, SET_SSL_KEY_PASSWORD, password);
	set(f, SET_SSL_ENABLE, "on");
}

/* Refuses to be asked for a password: a key that needs one fails to load. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static void test_tls_material_handed_over(void **state)
{
	struct fixture *f = *state;
	struct config_check_tls tls;
	struct config_check_env env = { .tls = &tls };
	struct items it;

	ssl_setup(f, "a key password of the test");
	assert_int_equal(run(f, &env, &it), 0);
	assert_string_equal(it.fail, "");
	assert_non_null(tls.cert_pem);
	assert_non_null(tls.key_pem);
	assert_non_null(tls.priority);
	assert_null(tls.trust_pem);
	assert_int_equal(tls.client_auth, CLIENT_AUTH_NONE);

	/* The key is handed over decrypted: it loads with no password at all. */
	assert_contains(tls.key_pem, "-----BEGIN PRIVATE KEY-----");
	assert_null(strstr(tls.key_pem, "ENCRYPTED"));
	BIO *kb = BIO_new_mem_buf(tls.key_pem, -1), *cb = BIO_new_mem_buf(tls.cert_pem, -1);
	EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, no_password, NULL);
	X509 *cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
	assert_non_null(key);
	assert_non_null(cert);
	/* And it is the certificate's key. */
	assert_int_equal(X509_check_private_key(cert, key), 1);
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(kb);
	BIO_free(cb);
	ERR_clear_error();
	config_check_tls_free(&tls);
	assert_null(tls.key_pem);

	/* A run that fails hands nothing over. */
	set(f, SET_SSL_KEY_PASSWORD, "not the key password");
	assert_true(run(f, &env, &it) > 0);
	assert_contains(it.fail, "ssl.key_password|ssl.key_password: cannot decrypt");
	assert_null(tls.cert_pem);
	assert_null(tls.key_pem);
	assert_null(tls.priority);

	/* Nor does one without SSL. */
	set(f, SET_SSL_KEY_PASSWORD, "a key password of the test");
	set(f, SET_SSL_ENABLE, "off");
	assert_int_equal(run(f, &env, &it), 0);
	assert_null(tls.key_pem);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults_served),
		T(test_port_in_use_unless_held),
		T(test_equal_ports),
		T(test_force_needs_ssl),
		T(test_mail_root_unusable),
		T(test_service_user),
		T(test_client_auth_needs_ca),
		T(test_refused_change_saves_nothing),
		T(test_implied),
		T(test_tls_material_handed_over),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
