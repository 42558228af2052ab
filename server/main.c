/* main.c - webmsgd: start-up, the signal loop, reload and shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "guard.h"
#include "outbox.h"
#include "server.h"
#include "websession.h"
#include "throttle.h"
#include "webmsg/config.h"
#include "webmsg/config_check.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/log.h"
#include "webmsg/pidfile.h"

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

void server_note_sessions(struct server *srv)
{
	struct generation *g = srv->current;
	struct err e;
	if (!g)
		return;
	long n = websession_count(srv->sessions, g->cfg);
	if (n < 0)
		return;
	struct db *db = server_db_lock(srv);
	int rc = status_note_sessions(db, n, &e);
	server_db_unlock(srv);
	/* The count is for the console only: the logon or logoff goes on. */
	if (rc < 0)
		log_warnx("%s", e.msg);
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

/* Build, validate, swap: the new generation serves only when all of it works. */
static int server_apply(struct server *srv, struct err *e)
{
	struct config_snapshot *cfg;
	struct generation *g;
	char restart[256] = "";

	if (config_load(srv->db, &cfg, e) < 0)
		return -1;
	srv->status.attempted_version = cfg->version;
	int rc = generation_build(srv, cfg, &g, e);
	if (rc == 0) {
		struct generation *old = srv->current;
		srv->current = g;
		if (apply_log(g->cfg, e) < 0)
			log_warnx("%s; keeping the previous log", e->msg);
		/* The outbox keeps what it has queued; only its settings change. */
		if (srv->outbox && outbox_configure(srv->outbox, g->cfg, e) < 0)
			log_warnx("outbox: %s; keeping the previous SMTP settings", e->msg);
		if (old) {
			note_restart_settings(old->cfg, g->cfg, restart, sizeof(restart));
			generation_retire(old);
			reaper_add(srv->reaper, old);
		}
		srv->status.config_version = g->cfg->version;
	}
	sockets_prune(srv);
	struct service_status *st = &srv->status;
	snprintf(st->result, sizeof(st->result), rc == 0 ? "ok" : "error");
	if (rc == 0) {
		/* Serving, but without sessions: said where the operator looks. */
		char sessions[300];
		websession_problem(srv->sessions, sessions, sizeof(sessions));
		snprintf(st->message, sizeof(st->message), "serving configuration version %ld%s%s%s",
			 st->config_version, restart, sessions[0] ? "; " : "", sessions);
	} else
		snprintf(st->message, sizeof(st->message), "%s", e->msg);
	if (srv->current)
		snprintf(st->listeners, sizeof(st->listeners), "%s", srv->current->listeners);
	struct err werr;
	if (status_write(srv->db, st, &werr) < 0)
		log_warnx("%s", werr.msg);
	return rc;
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
	if (srv->current) {
		generation_retire(srv->current);
		reaper_add(srv->reaper, srv->current);
		srv->current = NULL;
	}
	reaper_stop(&srv->reaper);
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
	char pidpath[PATH_MAX], queue_dir[PATH_MAX];
	sigset_t set;
	struct err e;

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

	/* Blocked before any thread exists: every thread inherits the mask and
	 * only the main loop takes these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
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
	umask(027);
	if (db_open(srv.dbpath, DB_OPEN_EXISTING, &srv.db, &e) < 0 ||
	    db_open(srv.dbpath, DB_OPEN_EXISTING, &srv.req_db, &e) < 0)
		fail_start(NULL, e.msg);
	pthread_mutex_init(&srv.req_db_lock, NULL);
	srv.started_at = (long)time(NULL);
	srv.status.pid = (long)getpid();
	srv.status.started_at = srv.started_at;

	struct config_snapshot *boot;
	if (config_load(srv.db, &boot, &e) < 0 ||
	    config_path(boot, SET_SERVICE_PIDFILE, pidpath, sizeof(pidpath), &e) < 0 ||
	    config_path(boot, SET_SMTP_QUEUE_DIR, queue_dir, sizeof(queue_dir), &e) < 0)
		fail_start(NULL, e.msg);
	/* Sessions live in a store beside the database: they outlive reloads and
	 * restarts, and so do the throttle's counts. A store that cannot be used
	 * refuses logons, not the start (the throttle counts in memory then). */
	if (websession_new(&srv.sessions, boot, srv.dbpath) < 0 ||
	    throttle_new(&srv.throttle, websession_store(srv.sessions)) < 0)
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
	if (reaper_start(&srv.reaper, &e) < 0 || server_apply(&srv, &e) < 0) {
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
		if ((sig = sigwaitinfo(&set, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("sigwaitinfo");
			sig = SIGTERM;
		}
		if (sig == SIGHUP) {
			reload(&srv);
		} else if (sig == SIGUSR1) {
			if (log_reopen(&e) < 0)
				log_warnx("%s", e.msg);
			else
				log_info("log file reopened");
		} else {
			break;
		}
	}
	shutdown_server(&srv, sig);
	guard_stop(&srv.guard);
	log_info("webmsgd stopped");
	pidfile_release(&pidfile);
	websession_free(&srv.sessions);
	throttle_free(&srv.throttle);
	db_close(&srv.req_db);
	db_close(&srv.db);
	log_close();
	return 0;
}
