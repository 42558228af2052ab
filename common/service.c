/* service.c - starting, stopping and reloading webmsgd, and waiting for its answer. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "webmsg/config.h"
#include "webmsg/db.h"
#include "webmsg/err.h"
#include "webmsg/pidfile.h"
#include "webmsg/service.h"

#define POLL_MS 25

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

const char *service_daemon_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("WEBMSG_DAEMON");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/webmsgd", dirname(self));
		if (access(path, X_OK) == 0)
			return path;
	}
	return WEBMSG_SBINDIR "/webmsgd";
}

/* The pidfile of the running daemon: the one its status row names while it is
 * held (service.pidfile may have changed since it started), else the setting's. */
static int pidfile_path(struct db *db, char *out, size_t outlen, struct err *e)
{
	struct config_snapshot *s;
	struct service_status st;
	int present;
	pid_t holder = 0;
	if (status_read(db, &st, &present, e) < 0)
		return -1;
	if (present && st.pidfile[0] && pidfile_holder(st.pidfile, &holder, NULL) == 0 && holder) {
		snprintf(out, outlen, "%s", st.pidfile);
		return 0;
	}
	if (config_load(db, &s, e) < 0)
		return -1;
	int rc = config_path(s, SET_SERVICE_PIDFILE, out, outlen, e);
	config_snapshot_free(&s);
	return rc;
}

int service_pid(struct db *db, pid_t *pid, struct err *e)
{
	char path[PATH_MAX];
	*pid = 0;
	if (pidfile_path(db, path, sizeof(path), e) < 0)
		return -1;
	return pidfile_holder(path, pid, e);
}

/* Never kill(-1, ...): that would signal every process we may signal. */
static int signal_daemon(pid_t pid, int sig, struct err *e)
{
	if (pid < 0)
		return err_set(e, "webmsgd is just starting; try again in a moment");
	if (pid == 0)
		return err_set(e, "webmsgd is not running");
	if (kill(pid, sig) < 0)
		return err_sys(e, "cannot signal webmsgd (pid %ld)", (long)pid);
	return 0;
}

/* Keeps the last line the daemon printed: that is its reason. */
static void last_line(char *buf, size_t len, char *out, size_t outlen)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	char *nl = strrchr(buf, '\n');
	const char *line = nl ? nl + 1 : buf;
	/* "webmsgd: " is the daemon's own prefix; the caller names the program. */
	if (strncmp(line, "webmsgd: ", 9) == 0)
		line += 9;
	snprintf(out, outlen, "%s", line);
}

int service_start(struct db *db, struct err *e)
{
	int fds[2], status;
	pid_t pid, running;
	char out[4096], reason[ERR_MSG_MAX];
	size_t len = 0;
	const char *daemon = service_daemon_path();

	if (service_pid(db, &running, e) < 0)
		return -1;
	if (running)
		return err_set(e, "webmsgd is already running as pid %ld", (long)running);
	if (access(daemon, X_OK) < 0)
		return err_sys(e, "cannot run %s", daemon);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0) {
		/* The daemon's parent prints its reason on stderr and exits once it listens. */
		dup2(fds[1], STDERR_FILENO);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		execl(daemon, "webmsgd", "-c", db_path(db), (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", daemon, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], out + len, sizeof(out) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(out) - 1) /* keep the end: the reason comes last */
			len = 0;
	}
	out[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	last_line(out, len, reason, sizeof(reason));
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "webmsgd exited with status %d",
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return err_set(e, "%s", reason);
}

int service_stop(struct db *db, int timeout_ms, struct err *e)
{
	pid_t pid;
	char path[PATH_MAX];
	if (pidfile_path(db, path, sizeof(path), e) < 0 || pidfile_holder(path, &pid, e) < 0)
		return -1;
	if (signal_daemon(pid, SIGTERM, e) < 0)
		return -1;
	for (long end = now_ms() + timeout_ms; now_ms() < end; sleep_ms(POLL_MS)) {
		pid_t holder;
		if (pidfile_holder(path, &holder, e) < 0)
			return -1;
		if (holder == 0 && (kill(pid, 0) < 0 && errno == ESRCH))
			return 0;
	}
	return err_set(e, "webmsgd (pid %ld) did not stop within %d seconds", (long)pid,
		       timeout_ms / 1000);
}

int service_reload(struct db *db, long want_version, int timeout_ms, struct service_status *st,
		   struct err *e)
{
	struct service_status before;
	int present;
	pid_t pid;

	if (service_pid(db, &pid, e) < 0 || status_read(db, &before, &present, e) < 0)
		return -1;
	if (signal_daemon(pid, SIGHUP, e) < 0)
		return -1;
	for (long end = now_ms() + timeout_ms; now_ms() < end; sleep_ms(POLL_MS)) {
		if (status_read(db, st, &present, e) < 0)
			return -1;
		if (!present || st->seq == before.seq || st->attempted_version < want_version)
			continue;
		if (strcmp(st->result, "ok") != 0)
			return err_set(e, "%s", st->message);
		return 0;
	}
	return err_set(e, "webmsgd (pid %ld) did not answer within %d seconds; see its log",
		       (long)pid, timeout_ms / 1000);
}
