/* worker.c - the worker's life: take the material the parent hands over,
 * confine, serve one generation, retire when told (or when the parent is
 * gone), drain and exit. It never opens the configuration database, the
 * session store or a key file: whatever it needs of them it asks for. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "guard.h"
#include "outbox.h"
#include "privsep.h"
#include "sandbox.h"
#include "server.h"
#include "websession.h"
#include "worker.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/service_user.h"

/* What the worker confines itself to: looked up while it may still look
 * things up, entered once its files are read and before it serves. */
static struct sandbox_spec confine_spec;
static char confine_mail_root[PATH_MAX];

static int confine_prepare(const struct config_snapshot *cfg, struct err *e)
{
	if (service_user_resolve(cfg, &confine_spec.user, e) < 0 ||
	    config_path(cfg, SET_MAIL_ROOT, confine_mail_root, sizeof(confine_mail_root), e) < 0)
		return -1;
	confine_spec.mail_root = confine_mail_root;
	confine_spec.imap = strcmp(config_str(cfg, SET_MAIL_STORE), "imap") == 0;
	return 0;
}

int worker_confine(struct server *srv, struct err *e)
{
	(void)srv;
	return sandbox_enter(&confine_spec, e);
}

/* SETUP_CONFIG: the settings, secrets never among them, then
 * mail.imap_server's addresses into addrs (IMAP_ADDRS_LEN bytes). */
static int take_config(struct privsep_msg *m, struct config_snapshot **out, char *addrs,
		       struct err *e)
{
	long long version, n;
	char dbdir[PATH_MAX], name[128];
	char *value = NULL;
	*out = NULL;
	if (privsep_get_long(m, &version) < 0 || privsep_get_str(m, dbdir, sizeof(dbdir)) < 0 ||
	    privsep_get_long(m, &n) < 0 || n < 0 || n > SET_COUNT)
		return err_set(e, "the configuration handed over is malformed");
	if (config_snapshot_new((long)version, dbdir, out, e) < 0)
		return -1;
	for (long long i = 0; i < n; i++) {
		enum setting_id id;
		if (privsep_get_str(m, name, sizeof(name)) < 0 ||
		    privsep_get_strdup(m, &value, PRIVSEP_BLOB_MAX) < 0 ||
		    !settings_find(name, &id) || (settings_get(id)->flags & SETTING_SECRET)) {
			free(value);
			config_snapshot_free(out);
			return err_set(e, "the configuration handed over is malformed");
		}
		int rc = config_snapshot_override(*out, id, value, e);
		free(value);
		if (rc < 0) {
			config_snapshot_free(out);
			return -1;
		}
	}
	if (privsep_get_str(m, addrs, IMAP_ADDRS_LEN) < 0) {
		config_snapshot_free(out);
		return err_set(e, "the configuration handed over is malformed");
	}
	return 0;
}

/* SETUP_TLS: the checked material, the key already decrypted. */
static int take_tls(struct privsep_msg *m, struct config_check_tls *tls, struct err *e)
{
	long long auth, has_trust;
	if (privsep_get_strdup(m, &tls->cert_pem, PRIVSEP_BLOB_MAX) < 0 ||
	    privsep_get_strdup(m, &tls->key_pem, PRIVSEP_BLOB_MAX) < 0 ||
	    privsep_get_long(m, &has_trust) < 0 ||
	    privsep_get_strdup(m, &tls->trust_pem, PRIVSEP_BLOB_MAX) < 0 ||
	    privsep_get_strdup(m, &tls->priority, PRIVSEP_BLOB_MAX) < 0 ||
	    privsep_get_long(m, &auth) < 0) {
		config_check_tls_free(tls);
		return err_set(e, "the TLS material handed over is malformed");
	}
	if (!has_trust) {
		free(tls->trust_pem);
		tls->trust_pem = NULL;
	}
	tls->client_auth = (enum client_auth)auth;
	return 0;
}

/* SETUP_FDS: the listening sockets (with their addresses), the log, the channels. */
static int take_fds(struct server *srv, struct privsep_msg *m, int *log_fd, int *channels,
		    int *nchannels, struct err *e)
{
	long long nsock, haslog, nch;
	int used = 0;
	if (privsep_get_long(m, &nsock) < 0 || nsock < 0 || nsock > SERVER_MAX_SOCKETS ||
	    privsep_get_long(m, &haslog) < 0 || privsep_get_long(m, &nch) < 0 || nch < 1 ||
	    nch > PRIVSEP_CHANNELS || m->nfds != nsock + (haslog ? 1 : 0) + nch)
		goto bad;
	for (int i = 0; i < nsock; i++) {
		long long port;
		struct listen_socket *s = &srv->sockets[i];
		if (privsep_get_str(m, s->bind, sizeof(s->bind)) < 0 ||
		    privsep_get_long(m, &port) < 0)
			goto bad;
		s->port = (int)port;
		s->fd = m->fds[used++];
	}
	*log_fd = haslog ? m->fds[used++] : -1;
	for (int i = 0; i < nch; i++)
		channels[i] = m->fds[used++];
	*nchannels = (int)nch;
	srv->handed = 1;
	return 0;
bad:
	for (int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	for (int i = 0; i < SERVER_MAX_SOCKETS; i++)
		srv->sockets[i].fd = -1;
	return err_set(e, "the descriptors handed over are malformed");
}

static int kick(void *arg, const char *id, struct err *e)
{
	return privsep_kick(arg, id, e);
}

/* Receives one control message of the given type into m. */
static int expect(int ctl, struct privsep_msg *m, uint32_t type, struct err *e)
{
	long long skip;
	if (privsep_recv(ctl, m, e) < 0)
		return -1;
	if (privsep_msg_type(m) != type) {
		for (int i = 0; i < m->nfds; i++)
			close(m->fds[i]);
		return err_set(e, "the parent sent message %u, not %u", privsep_msg_type(m), type);
	}
	privsep_get_long(m, &skip);
	return 0;
}

static void tell(int ctl, uint32_t type, const char *text)
{
	unsigned char buf[1024];
	struct privsep_msg m;
	struct err e;
	privsep_msg_init(&m, buf, sizeof(buf), type);
	privsep_put_str(&m, text);
	if (privsep_send(ctl, &m, &e) < 0)
		log_warnx("worker: %s", e.msg);
}

/* Everything before serving: the material, confinement, the generation. */
static int set_up(struct server *srv, int ctl, struct generation **g, struct err *e)
{
	unsigned char *buf = malloc(PRIVSEP_BLOB_MAX);
	struct privsep_msg m;
	struct config_snapshot *cfg = NULL;
	struct config_check_tls tls;
	struct session_store *remote;
	char queue_dir[PATH_MAX];
	int channels[PRIVSEP_CHANNELS], nch = 0, log_fd = -1, rc = -1;
	long long has_tls;

	memset(&tls, 0, sizeof(tls));
	if (!buf)
		return err_set(e, "out of memory");
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, 0);
	if (expect(ctl, &m, PRIVSEP_SETUP_CONFIG, e) < 0 || take_config(&m, &cfg, srv->imap_addrs, e) < 0)
		goto out;
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, 0);
	if (expect(ctl, &m, PRIVSEP_SETUP_TLS, e) < 0 || privsep_get_long(&m, &has_tls) < 0 ||
	    (has_tls && take_tls(&m, &tls, e) < 0))
		goto out;
	explicit_bzero(buf, m.len);
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, 0);
	if (expect(ctl, &m, PRIVSEP_SETUP_FDS, e) < 0 ||
	    take_fds(srv, &m, &log_fd, channels, &nch, e) < 0)
		goto out;
	enum log_level level = LOG_LEVEL_INFO;
	log_level_parse(config_str(cfg, SET_LOG_LEVEL), &level);
	if (log_fd >= 0)
		log_use_fd(log_fd, level);
	else if (log_open("syslog", level, e) < 0)
		goto out;
	if (privsep_client_new(channels, nch, &srv->ps, e) < 0) {
		for (int i = 0; i < nch; i++)
			close(channels[i]);
		goto out;
	}
	if (session_store_remote_open(srv->ps, &remote, e) < 0)
		goto out;
	if (websession_new_with(&srv->sessions, remote, cfg) < 0) {
		session_store_close(&remote);
		err_set(e, "out of memory");
		goto out;
	}
	if (config_path(cfg, SET_SMTP_QUEUE_DIR, queue_dir, sizeof(queue_dir), e) < 0 ||
	    outbox_spool_open(queue_dir, kick, srv->ps, &srv->spool, e) < 0)
		goto out;
	/* Confined once the site's files are read, before the first byte from
	 * the network is (generation_build calls srv->confine). */
	if (confine_prepare(cfg, e) < 0)
		goto out;
	srv->confine = worker_confine;
	rc = generation_build(srv, cfg, has_tls ? &tls : NULL, g, e);
	cfg = NULL; /* taken over */
out:
	config_check_tls_free(&tls);
	config_snapshot_free(&cfg);
	explicit_bzero(buf, PRIVSEP_BLOB_MAX);
	free(buf);
	return rc;
}

int worker_main(struct server *srv)
{
	int ctl = WORKER_CONTROL_FD;
	struct generation *g = NULL;
	struct err e;
	sigset_t set;

	/* The parent is the service: the signals an operator sends go to it,
	 * and it tells the worker what to do over the control socket. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A parent killed outright takes its worker along. */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	/* Started from /proc/self/exe, it would show in ps and top as "exe";
	 * named before any thread starts, every thread carries the name. */
	prctl(PR_SET_NAME, (unsigned long)"webmsgd-worker", 0, 0, 0);

	if (set_up(srv, ctl, &g, &e) < 0 || reaper_start(&srv->reaper, &e) < 0) {
		tell(ctl, PRIVSEP_FAILED, e.msg);
		generation_free(&g);
		outbox_stop(&srv->spool);
		websession_free(&srv->sessions);
		privsep_client_free(&srv->ps);
		sockets_close_all(srv);
		log_close();
		close(ctl);
		return 1;
	}
	srv->current = g;
	tell(ctl, PRIVSEP_READY, g->listeners);

	/* Serving until the parent says retire, or is gone. */
	unsigned char buf[256];
	struct privsep_msg m;
	enum log_level level = LOG_LEVEL_INFO;
	log_level_parse(config_str(g->cfg, SET_LOG_LEVEL), &level);
	long long stopping = 1;
	for (;;) {
		privsep_msg_init(&m, buf, sizeof(buf), 0);
		if (privsep_recv(ctl, &m, &e) < 0)
			break;
		uint32_t type = privsep_msg_type(&m);
		/* After a log rotation: the file the parent opened again. */
		if (type == PRIVSEP_LOG && m.nfds == 1) {
			log_use_fd(m.fds[0], level);
			continue;
		}
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
		if (type == PRIVSEP_RETIRE) {
			long long skip;
			/* The type, then whether the service stops. */
			if (privsep_get_long(&m, &skip) < 0 || privsep_get_long(&m, &stopping) < 0)
				stopping = 1;
			break;
		}
	}
	/* What is in flight is answered; then the process ends. Its copies of
	 * the listening sockets go at once: a port the new configuration no
	 * longer uses closes when the parent closes its own. */
	generation_retire(g);
	sockets_close_all(srv);
	srv->current = NULL;
	reaper_add(srv->reaper, g);
	/* After a reload each connection is answered once more and then ends;
	 * when the service stops, idle ones end now. */
	if (!stopping)
		reaper_drain(srv->reaper);
	reaper_stop(&srv->reaper);
	guard_stop(&srv->guard);
	outbox_stop(&srv->spool);
	websession_free(&srv->sessions);
	privsep_client_free(&srv->ps);
	sockets_close_all(srv);
	close(ctl);
	log_close();
	return 0;
}
