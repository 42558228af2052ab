/* parent_worker.c - the parent starts workers (fork and exec of its own
 * binary: a fresh address space with none of the parent's memory, no
 * inherited handle, its own ASLR), hands each its material over the control
 * socket, tells it to retire, and forgets it once it is reaped. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "worker.h"
#include "webmsg/config.h"
#include "webmsg/err.h"
#include "webmsg/log.h"

/* How long a worker may take from exec to serving. */
#define START_SECONDS 30

/* The settings, then mail.imap_server's addresses as the parent resolved
 * them (the worker can look nothing up). */
static int send_config(int ctl, unsigned char *buf, const struct config_snapshot *cfg,
		       const char *imap_addrs, struct err *e)
{
	struct privsep_msg m;
	long n = 0;
	for (int i = 0; i < SET_COUNT; i++)
		n += !(settings_get((enum setting_id)i)->flags & SETTING_SECRET);
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, PRIVSEP_SETUP_CONFIG);
	privsep_put_long(&m, cfg->version);
	privsep_put_str(&m, cfg->dbdir);
	privsep_put_long(&m, n);
	/* Never ssl.key_password or smtp.password: the worker has no use for them. */
	for (int i = 0; i < SET_COUNT; i++) {
		const struct setting *s = settings_get((enum setting_id)i);
		if (s->flags & SETTING_SECRET)
			continue;
		privsep_put_str(&m, s->name);
		privsep_put_str(&m, config_str(cfg, (enum setting_id)i));
	}
	privsep_put_str(&m, imap_addrs);
	return privsep_send(ctl, &m, e);
}

static int send_tls(int ctl, unsigned char *buf, const struct config_check_tls *tls,
		    struct err *e)
{
	struct privsep_msg m;
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, PRIVSEP_SETUP_TLS);
	privsep_put_long(&m, tls != NULL);
	if (tls) {
		privsep_put_str(&m, tls->cert_pem);
		privsep_put_str(&m, tls->key_pem);
		privsep_put_long(&m, tls->trust_pem != NULL);
		privsep_put_str(&m, tls->trust_pem);
		privsep_put_str(&m, tls->priority);
		privsep_put_long(&m, tls->client_auth);
	}
	int rc = privsep_send(ctl, &m, e);
	explicit_bzero(buf, m.len);
	return rc;
}

static int send_fds(int ctl, unsigned char *buf, const struct server *srv, const int *sockets,
		    const int *channels, int nch, struct err *e)
{
	struct privsep_msg m;
	int nsock = 0, logfd = log_fd();
	privsep_msg_init(&m, buf, PRIVSEP_BLOB_MAX, PRIVSEP_SETUP_FDS);
	for (int k = 0; k < LISTENER_KINDS; k++)
		nsock += sockets[k] >= 0;
	privsep_put_long(&m, nsock);
	privsep_put_long(&m, logfd >= 0);
	privsep_put_long(&m, nch);
	for (int k = 0; k < LISTENER_KINDS; k++) {
		for (int i = 0; sockets[k] >= 0 && i < SERVER_MAX_SOCKETS; i++) {
			if (srv->sockets[i].fd != sockets[k])
				continue;
			privsep_put_str(&m, srv->sockets[i].bind);
			privsep_put_long(&m, srv->sockets[i].port);
			m.fds[m.nfds++] = sockets[k];
		}
	}
	if (logfd >= 0)
		m.fds[m.nfds++] = logfd;
	for (int i = 0; i < nch; i++)
		m.fds[m.nfds++] = channels[i];
	return privsep_send(ctl, &m, e);
}

/* Waits for READY (listeners into out) or FAILED (the reason into e). */
static int await_ready(int ctl, char *listeners, size_t len, struct err *e)
{
	struct pollfd p = { ctl, POLLIN, 0 };
	unsigned char buf[1024];
	struct privsep_msg m;
	char text[512];
	long long type;
	int n;
	do
		n = poll(&p, 1, START_SECONDS * 1000);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return err_set(e, "the worker did not start within %d s", START_SECONDS);
	privsep_msg_init(&m, buf, sizeof(buf), 0);
	if (n < 0 || privsep_recv(ctl, &m, e) < 0)
		return err_set(e, "the worker ended during its start");
	for (int i = 0; i < m.nfds; i++)
		close(m.fds[i]);
	if (privsep_get_long(&m, &type) < 0 || privsep_get_str(&m, text, sizeof(text)) < 0 ||
	    (type != PRIVSEP_READY && type != PRIVSEP_FAILED))
		return err_set(e, "the worker's answer was malformed");
	if (type == PRIVSEP_FAILED)
		return err_set(e, "%s", text);
	snprintf(listeners, len, "%s", text);
	return 0;
}

extern char **environ;

#ifdef WEBMSG_SANITIZE
/* A sanitized worker's environment: the parent's, with the sanitizers told
 * not to symbolize their reports, since symbolizing starts a process, which
 * the worker's filter forbids (the report would die with the worker). The
 * frames come as module+offset, for llvm-symbolizer afterwards. Made once,
 * before any fork, and kept. */
static char **worker_environment(void)
{
	static const char *const names[] = { "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=" };
	static char **env;
	size_t n = 0;
	if (env)
		return env;
	while (environ[n])
		n++;
	char **made = calloc(n + 4, sizeof(*made));
	if (!made)
		return environ;
	size_t k = 0;
	int seen[3] = { 0 };
	for (size_t i = 0; i < n; i++) {
		made[k] = environ[i];
		for (size_t j = 0; j < 3; j++)
			if (strncmp(environ[i], names[j], strlen(names[j])) == 0) {
				size_t len = strlen(environ[i]) + sizeof(":symbolize=0");
				char *v = malloc(len);
				if (v)
					snprintf(v, len, "%s:symbolize=0", environ[i]);
				made[k] = v ? v : environ[i];
				seen[j] = 1;
			}
		k++;
	}
	for (size_t j = 0; j < 3; j++)
		if (!seen[j]) {
			size_t len = strlen(names[j]) + sizeof("symbolize=0");
			char *v = malloc(len);
			if (v) {
				snprintf(v, len, "%ssymbolize=0", names[j]);
				made[k++] = v;
			}
		}
	made[k] = NULL;
	env = made;
	return env;
}
#else
static char **worker_environment(void)
{
	return environ;
}
#endif

int parent_worker_start(struct server *srv, const struct config_snapshot *cfg,
			const struct config_check_tls *tls, const int *sockets, char *listeners,
			size_t len, struct worker **out, struct err *e)
{
	int ctl[2] = { -1, -1 }, ours[PRIVSEP_CHANNELS], theirs[PRIVSEP_CHANNELS], nch = 0;
	unsigned char *buf = NULL;
	struct worker *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w || !(buf = malloc(PRIVSEP_BLOB_MAX))) {
		free(w);
		return err_set(e, "out of memory");
	}
	w->pid = -1;
	w->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		err_sys(e, "socketpair");
		goto fail;
	}
	for (; nch < PRIVSEP_CHANNELS; nch++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			err_sys(e, "socketpair");
			goto fail;
		}
		ours[nch] = sv[0];
		theirs[nch] = sv[1];
	}
	int quiet = srv->worker_quiet;
	char **env = worker_environment();
	w->pid = fork();
	if (w->pid < 0) {
		err_sys(e, "fork");
		goto fail;
	}
	if (w->pid == 0) {
		/* Only async-signal-safe calls until exec: the parent has threads.
		 * The control socket is the one descriptor the worker keeps. */
		char *argv[] = { "webmsgd", WORKER_ARG, NULL };
		if (quiet) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
			    dup2(null, STDERR_FILENO) < 0)
				_exit(127);
		}
		if (ctl[1] == WORKER_CONTROL_FD ? fcntl(ctl[1], F_SETFD, 0) < 0
						: dup2(ctl[1], WORKER_CONTROL_FD) < 0)
			_exit(127);
		syscall(SYS_close_range, WORKER_CONTROL_FD + 1, ~0U, 0);
		execve("/proc/self/exe", argv, env);
		_exit(127);
	}
	close(ctl[1]);
	ctl[1] = -1;
	w->ctl = ctl[0];
	ctl[0] = -1;
	w->started = time(NULL);
	int rc = parent_services_start(srv, ours, nch, &w->services, e);
	nch = -nch; /* ours are the services' now */
	if (rc < 0 || send_config(w->ctl, buf, cfg, parent_rules_get(srv).imap.addrs, e) < 0 || send_tls(w->ctl, buf, tls, e) < 0 ||
	    send_fds(w->ctl, buf, srv, sockets, theirs, -nch, e) < 0)
		goto fail;
	for (int i = 0; i < -nch; i++)
		close(theirs[i]);
	nch = 0;
	if (await_ready(w->ctl, listeners, len, e) < 0)
		goto fail;
	free(buf);
	w->next = srv->workers;
	srv->workers = w;
	*out = w;
	return 0;
fail:
	for (int i = 0; i < (nch < 0 ? -nch : nch); i++) {
		if (nch > 0)
			close(ours[i]);
		close(theirs[i]);
	}
	if (ctl[0] >= 0)
		close(ctl[0]);
	if (ctl[1] >= 0)
		close(ctl[1]);
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
	parent_services_stop(&w->services);
	if (w->ctl >= 0)
		close(w->ctl);
	free(buf);
	free(w);
	return -1;
}

void parent_worker_retire(struct worker *w, int stopping)
{
	unsigned char buf[64];
	struct privsep_msg m;
	struct err e;
	if (w->retiring)
		return;
	w->retiring = 1;
	privsep_msg_init(&m, buf, sizeof(buf), PRIVSEP_RETIRE);
	privsep_put_long(&m, stopping);
	/* A worker already gone learns nothing; its end is reaped all the same. */
	if (privsep_send(w->ctl, &m, &e) < 0)
		log_debug("worker %ld: %s", (long)w->pid, e.msg);
}

void parent_worker_send_log(struct server *srv)
{
	int fd = log_fd();
	if (fd < 0)
		return;
	for (struct worker *w = srv->workers; w; w = w->next) {
		unsigned char buf[64];
		struct privsep_msg m;
		struct err e;
		privsep_msg_init(&m, buf, sizeof(buf), PRIVSEP_LOG);
		m.fds[m.nfds++] = fd;
		if (privsep_send(w->ctl, &m, &e) < 0)
			log_warnx("worker %ld keeps the previous log: %s", (long)w->pid, e.msg);
	}
}

struct worker *parent_worker_take(struct server *srv, pid_t pid)
{
	for (struct worker **p = &srv->workers; *p; p = &(*p)->next) {
		if ((*p)->pid != pid)
			continue;
		struct worker *w = *p;
		*p = w->next;
		if (srv->worker == w)
			srv->worker = NULL;
		return w;
	}
	return NULL;
}

void parent_worker_free(struct worker **wp)
{
	struct worker *w = wp ? *wp : NULL;
	if (!w)
		return;
	parent_services_stop(&w->services);
	if (w->ctl >= 0)
		close(w->ctl);
	free(w);
	*wp = NULL;
}

void parent_worker_stop_all(struct server *srv, int seconds)
{
	struct timespec pause = { 0, 50 * 1000000L };
	time_t until = time(NULL) + seconds;
	for (struct worker *w = srv->workers; w; w = w->next)
		parent_worker_retire(w, 1);
	while (srv->workers) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			struct worker *w = parent_worker_take(srv, pid);
			parent_worker_free(&w);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (time(NULL) >= until) {
			/* Past the drain: what is left is cut. */
			for (struct worker *w = srv->workers; w; w = w->next) {
				log_warnx("worker %ld did not finish in %d s: killed", (long)w->pid,
					  seconds);
				kill(w->pid, SIGKILL);
			}
			until = time(NULL) + 5;
		}
		nanosleep(&pause, NULL);
	}
	while (srv->workers) {
		struct worker *w = srv->workers;
		srv->workers = w->next;
		parent_worker_free(&w);
	}
	srv->worker = NULL;
}
