/* main.c - webmsgd: start-up, the signal loop, reload and shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "outbox.h"
#include "parent.h"
#include "privsep.h"
#include "server.h"
#include "websession.h"
#include "worker.h"
#include "throttle.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/pidfile.h"
#include "webmsg/service_user.h"

static void usage(void)
{
	fprintf(stderr, "usage: webmsgd [-c DB] [-f] [-n]\n"
			"  -c DB  configuration database (default: %s)\n"
			"  -f     stay in the foreground\n"
			"  -n     check the configuration, print every problem and exit\n",
		db_default_path());
	exit(2);
}

/* The share folder: $WEBMSG_SHARE_DIR, the installed one, or the source tree's. */
static void find_share_dir(struct server *srv)
{
	const char *env = getenv("WEBMSG_SHARE_DIR");
	const char *candidates[] = { env, WEBMSG_DATADIR, WEBMSG_SOURCE_SHARE };
	char probe[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (!candidates[i] || !*candidates[i])
			continue;
		snprintf(probe, sizeof(probe), "%s/templates", candidates[i]);
		if (access(probe, R_OK | X_OK) == 0 || (i == 0)) {
			snprintf(srv->share_dir, sizeof(srv->share_dir), "%s", candidates[i]);
			return;
		}
	}
	snprintf(srv->share_dir, sizeof(srv->share_dir), "%s", WEBMSG_DATADIR);
}

/* Start-up errors go to the parent waiting on the pipe, or to stderr. */
static int report_fd = -1;

struct db *server_db_lock(struct server *srv)
{
	pthread_mutex_lock(&srv->req_db_lock);
	return srv->req_db;
}

void server_db_unlock(struct server *srv)
{
	pthread_mutex_unlock(&srv->req_db_lock);
}

static void __attribute__((noreturn)) fail_start(struct server *srv, const char *msg)
{
	if (srv && srv->db) {
		struct err e;
		snprintf(srv->status.result, sizeof(srv->status.result), "error");
		snprintf(srv->status.message, sizeof(srv->status.message), "%s", msg);
		srv->status.listeners[0] = '\0';
		status_write(srv->db, &srv->status, &e);
	}
	log_error("start failed: %s", msg);
	dprintf(report_fd >= 0 ? report_fd : STDERR_FILENO, "webmsgd: %s\n", msg);
	exit(1);
}

/* Becomes a daemon; the parent stays until the child says it listens, so that
 * whoever started it learns the outcome. */
static void daemonize(void)
{
	int fds[2];
	char buf[1024];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("webmsgd: pipe");
		exit(1);
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("webmsgd: fork");
		exit(1);
	}
	if (pid > 0) {
		size_t len = 0;
		ssize_t n;
		close(fds[1]);
		while ((n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
		       (n < 0 && errno == EINTR))
			if (n > 0)
				len += (size_t)n;
		buf[len] = '\0';
		if (strncmp(buf, "ready\n", 6) == 0)
			exit(0);
		fputs(len ? buf : "webmsgd: exited during start-up\n", stderr);
		exit(1);
	}
	close(fds[0]);
	report_fd = fds[1];
	setsid();
	if (chdir("/") < 0) {
		/* Relative paths are resolved against the database folder anyway. */
	}
}

static void detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
}

static int apply_log(const struct config_snapshot *cfg, struct err *e)
{
	char path[PATH_MAX];
	enum log_level level = LOG_LEVEL_INFO;
	log_level_parse(config_str(cfg, SET_LOG_LEVEL), &level);
	if (config_log_file(cfg, path, sizeof(path), e) < 0)
		return -1;
	return log_open(path[0] ? path : "syslog", level, e);
}

/* Settings that only a restart applies, and that differ from what runs. */
static void note_restart_settings(const struct config_snapshot *old,
				  const struct config_snapshot *cur, char *out, size_t outlen)
{
	char names[200];
	out[0] = '\0';
	if (config_check_restart(old, cur, names, sizeof(names)) > 0)
		snprintf(out, outlen, "; restart to apply %s", names);
}

static void first_problem(const char *problem, void *arg)
{
	struct err *e = arg;
	if (e->msg[0] == '\0')
		snprintf(e->msg, sizeof(e->msg), "%s", problem);
}

static const enum setting_id listener_port[LISTENER_KINDS] = {
	[LISTENER_HTTP] = SET_WEB_HTTP_PORT,
	[LISTENER_HTTPS] = SET_WEB_HTTPS_PORT,
};

/* The sockets cfg listens on, opened when not yet held. */
static int listen_sockets(struct server *srv, const struct config_snapshot *cfg, int *fds,
			  struct err *e)
{
	for (int k = 0; k < LISTENER_KINDS; k++) {
		fds[k] = -1;
		if (k == LISTENER_HTTPS && !config_bool(cfg, SET_SSL_ENABLE))
			continue;
		if (sockets_get(srv, config_str(cfg, SET_WEB_BIND),
				(int)config_int(cfg, listener_port[k]), &fds[k], e) < 0)
			return err_prefix(e, "%s", settings_get(listener_port[k])->name);
	}
	return 0;
}

/* The status row as it is now: the last result and message, the listeners. */
static void write_status(struct server *srv, int ok, const char *msg)
{
	struct service_status *st = &srv->status;
	struct err werr;
	snprintf(st->result, sizeof(st->result), ok ? "ok" : "error");
	snprintf(st->message, sizeof(st->message), "%s", msg);
	snprintf(st->listeners, sizeof(st->listeners), "%s", srv->worker ? srv->listeners : "");
	if (status_write(srv->db, st, &werr) < 0)
		log_warnx("%s", werr.msg);
}

static void serving_message(struct server *srv, const char *extra, char *out, size_t len)
{
	char sessions[300];
	/* Serving, but without sessions: said where the operator looks. */
	websession_problem(srv->store, sessions, sizeof(sessions));
	snprintf(out, len, "serving configuration version %ld%s%s%s", srv->status.config_version,
		 extra, sessions[0] ? "; " : "", sessions);
}

/* Build, check, swap: a new worker serves the new configuration only when all
 * of it works; then the old one retires. Anything less leaves the old serving. */
static int server_apply(struct server *srv, struct err *e)
{
	struct config_snapshot *cfg;
	struct config_check_tls tls;
	struct worker *w = NULL;
	char restart[256] = "", listeners[sizeof(srv->listeners)], msg[512];
	int fds[LISTENER_KINDS];

	memset(&tls, 0, sizeof(tls));
	if (config_load(srv->db, &cfg, e) < 0)
		return -1;
	srv->status.attempted_version = cfg->version;
	int ssl = config_bool(cfg, SET_SSL_ENABLE);
	struct parent_rules before = parent_rules_get(srv);
	err_clear(e);
	/* The decision reads the TLS files once and hands over what it checked. */
	char imap_addrs[IMAP_ADDRS_LEN] = "";
	int rc = check_config_load(srv, cfg, first_problem, e, ssl ? &tls : NULL, imap_addrs) > 0
			 ? -1
			 : 0;
	if (rc == 0 && ssl && (!tls.cert_pem || !tls.key_pem || !tls.priority))
		rc = err_set(e, "SSL initialisation failed: the TLS material was not handed over");
	if (rc == 0)
		rc = listen_sockets(srv, cfg, fds, e);
	if (rc == 0) {
		if (apply_log(cfg, e) < 0)
			log_warnx("%s; keeping the previous log", e->msg);
		/* The new worker's first requests are decided by its configuration's rules. */
		parent_rules_set(srv, cfg, imap_addrs);
		rc = parent_worker_start(srv, cfg, ssl ? &tls : NULL, fds, listeners,
					 sizeof(listeners), &w, e);
		if (rc < 0) {
			pthread_mutex_lock(&srv->rules_lock);
			srv->rules = before;
			pthread_mutex_unlock(&srv->rules_lock);
		}
	}
	if (rc == 0) {
		struct worker *old = srv->worker;
		srv->worker = w;
		srv->restart_at = 0;
		/* The outbox keeps what it has queued; only its settings change. */
		if (srv->outbox && outbox_configure(srv->outbox, cfg, e) < 0)
			log_warnx("outbox: %s; keeping the previous SMTP settings", e->msg);
		if (srv->served)
			note_restart_settings(srv->served, cfg, restart, sizeof(restart));
		if (old)
			parent_worker_retire(old, 0);
		config_snapshot_free(&srv->served);
		srv->served = cfg;
		cfg = NULL;
		config_check_tls_free(&srv->served_tls);
		srv->served_tls = tls;
		memset(&tls, 0, sizeof(tls));
		memcpy(srv->serving, fds, sizeof(srv->serving));
		snprintf(srv->listeners, sizeof(srv->listeners), "%s", listeners);
		srv->status.config_version = srv->served->version;
		log_info("worker %ld serves configuration version %ld", (long)w->pid,
			 srv->status.config_version);
		if (imap_addrs[0])
			log_info("mail.imap_server %s: connecting to %s (resolved at this load)",
				 log_q(config_str(srv->served, SET_MAIL_IMAP_SERVER)),
				 log_q(imap_addrs));
	}
	config_check_tls_free(&tls);
	config_snapshot_free(&cfg);
	sockets_prune(srv);
	if (rc == 0)
		serving_message(srv, restart, msg, sizeof(msg));
	write_status(srv, rc == 0, rc == 0 ? msg : e->msg);
	return rc;
}

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A worker that died unexpectedly is replaced at once; one that keeps dying
 * (WORKER_DEATHS_KEPT within CRASH_WINDOW seconds) waits 1, 2, 4 .. 30 s. */
#define CRASH_WINDOW 10.0
#define BACKOFF_MAX 30

static void schedule_restart(struct server *srv, const char *why)
{
	double now = monotonic();
	char msg[512];
	if (srv->ndeaths == WORKER_DEATHS_KEPT) {
		memmove(srv->deaths, srv->deaths + 1, sizeof(srv->deaths[0]) * (WORKER_DEATHS_KEPT - 1));
		srv->ndeaths--;
	}
	srv->deaths[srv->ndeaths++] = now;
	if (srv->ndeaths == WORKER_DEATHS_KEPT && now - srv->deaths[0] <= CRASH_WINDOW)
		srv->backoff = srv->backoff ? (srv->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
									: srv->backoff * 2)
					    : 1;
	else
		srv->backoff = 0;
	srv->restart_at = now + (double)srv->backoff;
	if (srv->backoff) {
		snprintf(msg, sizeof(msg), "%s; the worker keeps ending (%d times in %.0f s): "
			 "next start in %ld s", why, WORKER_DEATHS_KEPT, CRASH_WINDOW, srv->backoff);
		log_error("%s", msg);
	} else {
		snprintf(msg, sizeof(msg), "%s; starting a new worker", why);
	}
	write_status(srv, 0, msg);
}

/* The serving worker started again with what the last one served. */
static void restart_worker(struct server *srv)
{
	struct worker *w;
	struct err e;
	char listeners[sizeof(srv->listeners)], msg[512];
	srv->restart_at = 0;
	if (!srv->served || srv->worker)
		return;
	if (parent_worker_start(srv, srv->served, srv->served_tls.cert_pem ? &srv->served_tls : NULL,
				srv->serving, listeners, sizeof(listeners), &w, &e) < 0) {
		snprintf(msg, sizeof(msg), "a new worker did not start: %s", e.msg);
		log_error("%s", msg);
		schedule_restart(srv, msg);
		return;
	}
	srv->worker = w;
	snprintf(srv->listeners, sizeof(srv->listeners), "%s", listeners);
	log_info("worker %ld serves configuration version %ld (started again)", (long)w->pid,
		 srv->status.config_version);
	serving_message(srv, "", msg, sizeof(msg));
	write_status(srv, 1, msg);
}

/* SIGCHLD: every worker that ended is forgotten; the serving one, when it
 * was not told to go, is replaced. */
static void reap(struct server *srv)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker *w = parent_worker_take(srv, pid);
		char why[256];
		if (!w)
			continue;
		if (w->retiring) {
			log_debug("worker %ld finished", (long)pid);
		} else {
			if (WIFSIGNALED(status))
				snprintf(why, sizeof(why), "worker %ld killed by signal %d (%s)",
					 (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
			else
				snprintf(why, sizeof(why), "worker %ld exited with status %d",
					 (long)pid, WEXITSTATUS(status));
			log_error("%s", why);
			if (!srv->worker)
				schedule_restart(srv, why);
		}
		parent_worker_free(&w);
	}
}

static void reload(struct server *srv)
{
	struct err e;
	log_info("reloading the configuration");
	if (server_apply(srv, &e) < 0)
		log_error("reload failed, still serving version %ld: %s",
			  srv->status.config_version, e.msg);
	else
		log_info("%s on %s", srv->status.message, srv->status.listeners);
}

static void shutdown_server(struct server *srv, int sig)
{
	struct err e;
	log_info("stopping on %s", strsignal(sig));
	/* The workers finish what is in flight (each within its drain deadline). */
	parent_worker_stop_all(srv, 25);
	/* No request is left to queue mail: what waits stays on disk for the next start. */
	outbox_stop(&srv->outbox);
	sockets_close_all(srv);
	snprintf(srv->status.result, sizeof(srv->status.result), "stopped");
	snprintf(srv->status.message, sizeof(srv->status.message), "stopped by %s",
		 strsignal(sig));
	srv->status.listeners[0] = '\0';
	if (status_write(srv->db, &srv->status, &e) < 0)
		log_warnx("%s", e.msg);
}

static void print_problem(const char *problem, void *arg)
{
	(void)arg;
	printf("%s\n", problem);
}

static int check_only(struct server *srv)
{
	struct config_snapshot *cfg;
	struct err e;
	if (config_load(srv->db, &cfg, &e) < 0) {
		fprintf(stderr, "webmsgd: %s\n", e.msg);
		return 1;
	}
	int problems = check_config(srv, cfg, print_problem, NULL);
	if (problems == 0)
		printf("configuration version %ld of %s is valid\n", cfg->version, srv->dbpath);
	config_snapshot_free(&cfg);
	return problems ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct server srv = { .dbpath = db_default_path() };
	struct pidfile *pidfile = NULL;
	int foreground = 0, check = 0, opt, sig;
	char pidpath[PATH_MAX], queue_dir[PATH_MAX], queue_tmp[PATH_MAX], mail_root[PATH_MAX];
	struct service_user service_user;
	sigset_t set;
	struct err e;

	if (argc == 2 && strcmp(argv[1], WORKER_ARG) == 0) {
		/* A worker its parent just started: everything it needs comes over
		 * the control socket. */
		log_init("webmsgd", 1);
		g_mime_init();
		find_share_dir(&srv);
		for (int i = 0; i < SERVER_MAX_SOCKETS; i++)
			srv.sockets[i].fd = -1;
		return worker_main(&srv);
	}
	while ((opt = getopt(argc, argv, "c:fnh")) != -1) {
		switch (opt) {
		case 'c': srv.dbpath = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("webmsgd", 1);
	/* Before any thread: GMime's global tables are set up once. */
	g_mime_init();
	find_share_dir(&srv);
	for (int i = 0; i < SERVER_MAX_SOCKETS; i++)
		srv.sockets[i].fd = -1;
	for (int k = 0; k < LISTENER_KINDS; k++)
		srv.serving[k] = -1;

	/* Blocked before any thread exists: every thread inherits the mask and
	 * only the main loop takes these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (check) {
		if (db_open(srv.dbpath, DB_OPEN_EXISTING, &srv.db, &e) < 0) {
			fprintf(stderr, "webmsgd: %s\n", e.msg);
			return 1;
		}
		int rc = check_only(&srv);
		db_close(&srv.db);
		return rc;
	}
	if (!foreground)
		daemonize();
	/* Workers of a daemon write nowhere but the log; in the foreground they
	 * share the terminal. */
	srv.worker_quiet = !foreground;
	umask(027);
	if (db_open(srv.dbpath, DB_OPEN_EXISTING, &srv.db, &e) < 0 ||
	    db_open(srv.dbpath, DB_OPEN_EXISTING, &srv.req_db, &e) < 0)
		fail_start(NULL, e.msg);
	pthread_mutex_init(&srv.req_db_lock, NULL);
	pthread_mutex_init(&srv.rules_lock, NULL);
	srv.started_at = (long)time(NULL);
	srv.status.pid = (long)getpid();
	srv.status.started_at = srv.started_at;

	struct config_snapshot *boot;
	if (config_load(srv.db, &boot, &e) < 0 ||
	    config_path(boot, SET_SERVICE_PIDFILE, pidpath, sizeof(pidpath), &e) < 0 ||
	    config_path(boot, SET_SMTP_QUEUE_DIR, queue_dir, sizeof(queue_dir), &e) < 0 ||
	    config_path(boot, SET_MAIL_ROOT, mail_root, sizeof(mail_root), &e) < 0)
		fail_start(NULL, e.msg);
	/* Looked up here, as root, once: the workers serve as this user and
	 * write the mail folder and the outbox, as Dovecot's vmail owns its
	 * mail. Only the folders are given to it, not what is in them: the
	 * two, and the outbox's tmp/, where a worker writes a message before
	 * it is queued (made by root here, it would refuse every one). */
	if (snprintf(queue_tmp, sizeof(queue_tmp), "%s/tmp", queue_dir) >= (int)sizeof(queue_tmp))
		fail_start(NULL, "smtp.queue_dir: the path is too long");
	if (service_user_resolve(boot, &service_user, &e) < 0 ||
	    service_user_own_folder(&service_user, mail_root, &e) < 0 ||
	    service_user_own_folder(&service_user, queue_dir, &e) < 0 ||
	    service_user_own_folder(&service_user, queue_tmp, &e) < 0)
		fail_start(NULL, e.msg);
	/* Sessions live in a store beside the database: they outlive reloads and
	 * restarts, and so do the throttle's counts. A store that cannot be used
	 * refuses logons, not the start (the throttle counts in memory then). */
	if (websession_new(&srv.store, boot, srv.dbpath) < 0 ||
	    throttle_new(&srv.throttle, websession_store(srv.store)) < 0)
		fail_start(NULL, "out of memory");
	config_snapshot_free(&boot);
	snprintf(srv.status.pidfile, sizeof(srv.status.pidfile), "%s", pidpath);
	/* A second daemon on this database stops here, before touching its status. */
	if (pidfile_acquire(pidpath, &pidfile, &e) < 0)
		fail_start(NULL, e.msg);
	/* The outbox before the listeners, so that the first request can queue
	 * mail; after the pidfile, so that a second daemon never delivers it too. */
	if (outbox_start(queue_dir, &srv.outbox, &e) < 0) {
		pidfile_release(&pidfile);
		fail_start(&srv, e.msg);
	}
	if (server_apply(&srv, &e) < 0) {
		parent_worker_stop_all(&srv, 5);
		outbox_stop(&srv.outbox);
		pidfile_release(&pidfile);
		fail_start(&srv, e.msg);
	}
	log_info("webmsgd started (pid %ld), %s on %s", (long)getpid(), srv.status.message,
		 srv.status.listeners);
	if (report_fd >= 0) {
		detach_stdio();
		if (write(report_fd, "ready\n", 6) < 0) {
			/* The parent is gone; nothing to tell. */
		}
		close(report_fd);
		report_fd = -1;
	}

	for (;;) {
		if (srv.restart_at > 0) {
			double left = srv.restart_at - monotonic();
			if (left <= 0) {
				restart_worker(&srv);
				continue;
			}
			struct timespec ts = { (time_t)left,
					       (long)((left - (double)(time_t)left) * 1e9) };
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig < 0 && errno == EAGAIN)
				continue;
		} else {
			sig = sigwaitinfo(&set, NULL);
		}
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			log_warn("sigwaitinfo");
			sig = SIGTERM;
		}
		if (sig == SIGCHLD) {
			reap(&srv);
		} else if (sig == SIGHUP) {
			reload(&srv);
		} else if (sig == SIGUSR1) {
			if (log_reopen(&e) < 0)
				log_warnx("%s", e.msg);
			else
				log_info("log file reopened");
			parent_worker_send_log(&srv);
		} else {
			break;
		}
	}
	shutdown_server(&srv, sig);
	log_info("webmsgd stopped");
	pidfile_release(&pidfile);
	websession_free(&srv.store);
	throttle_free(&srv.throttle);
	config_snapshot_free(&srv.served);
	config_check_tls_free(&srv.served_tls);
	db_close(&srv.req_db);
	db_close(&srv.db);
	log_close();
	return 0;
}
