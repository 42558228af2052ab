/* test_sandbox.c - the worker's confinement, each case in a child process
 * that enters it: the work of serving still works (files, a thread, random
 * bytes, raise), what a compromised worker would try kills it with SIGSYS
 * (execve, ptrace, an Internet socket, a signal to its parent, writable
 * executable memory, a fork), threads started before are covered too, the
 * kernel reports no-new-privs and a filter, and started as root the child
 * serves as the service user with no way back. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/wait.h>

#include "unit.h"
#include "sandbox.h"
#include "webmsg/err.h"

/* Exit codes a child uses to say which step went wrong. */
#define CHILD_ENTER_FAILED 90
#define CHILD_WORK_FAILED 91

static struct sandbox_spec plain_spec(void)
{
	/* No change of user: what a daemon started by a user, or the tests, gets. */
	struct sandbox_spec s = { 0 };
	snprintf(s.user.user, sizeof(s.user.user), "tester");
	return s;
}

/* Runs fn confined in a child; returns the child's wait status. */
static int run_confined(const struct sandbox_spec *spec, int (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err e;
		if (sandbox_enter(spec, &e) < 0) {
			dprintf(STDERR_FILENO, "sandbox_enter: %s\n", e.msg);
			_exit(CHILD_ENTER_FAILED);
		}
		_exit(fn(arg) == 0 ? 0 : CHILD_WORK_FAILED);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return status;
}

static void assert_exited_ok(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("the child was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void assert_killed_by(int status, int sig)
{
	if (WIFEXITED(status))
		fail_msg("the child exited with %d instead of dying by %s", WEXITSTATUS(status),
			 strsignal(sig));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
}

static void *thread_work(void *arg)
{
	unsigned char buf[32];
	*(int *)arg = getrandom(buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
	return NULL;
}

/* What a worker does all day: a file written, synced, renamed and read back
 * (Maildir delivery), a folder listed, a thread, random bytes, memory. */
static int serving_work(void *arg)
{
	const char *dir = arg;
	char tmp[PATH_MAX], final[PATH_MAX], buf[16] = "";
	snprintf(tmp, sizeof(tmp), "%s/tmp-message", dir);
	snprintf(final, sizeof(final), "%s/message", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "Subject: hi\n", 12) != 12 || fsync(fd) < 0 || close(fd) < 0)
		return -1;
	if (rename(tmp, final) < 0)
		return -1;
	fd = open(final, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != 12 || close(fd) < 0 ||
	    strcmp(buf, "Subject: hi\n") != 0)
		return -1;
	int ok = 0;
	pthread_t t;
	if (pthread_create(&t, NULL, thread_work, &ok) != 0 || pthread_join(t, NULL) != 0 || !ok)
		return -1;
	void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, 1 << 20);
	return munmap(p, 1 << 20) < 0 || unlink(final) < 0 ? -1 : 0;
}

static void test_serving_work_allowed(void **state)
{
	struct tmpdir dir;
	struct sandbox_spec spec = plain_spec();
	(void)state;
	tmpdir_enter(&dir);
	spec.mail_root = dir.path;
	assert_exited_ok(run_confined(&spec, serving_work, dir.path));
	tmpdir_leave(&dir);
}

/* The status line NAME's value as the kernel reports it, or -1. */
static long status_value(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t len = strlen(name);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

static int kernel_reports_confinement(void *arg)
{
	(void)arg;
	/* Seccomp 2: a filter; NoNewPrivs 1. */
	return status_value("NoNewPrivs") == 1 && status_value("Seccomp") == 2 ? 0 : -1;
}

static void test_kernel_reports_confinement(void **state)
{
	struct sandbox_spec spec = plain_spec();
	(void)state;
	assert_exited_ok(run_confined(&spec, kernel_reports_confinement, NULL));
}

static int try_execve(void *arg)
{
	char *const argv[] = { "/bin/true", NULL };
	(void)arg;
	execve(argv[0], argv, NULL);
	return 0;
}

static int try_ptrace(void *arg)
{
	(void)arg;
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 0;
}

static int try_inet_socket(void *arg)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int try_signal_parent(void *arg)
{
	(void)arg;
	kill(getppid(), 0);
	return 0;
}

static int try_write_exec_memory(void *arg)
{
	(void)arg;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	return 0;
}

static int try_make_writable_code_executable(void *arg)
{
	(void)arg;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	return 0;
}

static int try_setuid_root(void *arg)
{
	(void)arg;
	if (setuid(0) == 0 && getuid() != 0)
		return -1;
	return 0;
}

/* Each of these is what an attacker inside a worker would try first: it
 * must end the process, not merely fail. */
static void test_forbidden_calls_kill(void **state)
{
	static const struct {
		const char *what;
		int (*fn)(void *);
	} cases[] = {
		{ "execve", try_execve },
		{ "ptrace", try_ptrace },
		{ "socket(AF_INET)", try_inet_socket },
		{ "kill(parent)", try_signal_parent },
		{ "mmap(W|X)", try_write_exec_memory },
		{ "mprotect(W|X)", try_make_writable_code_executable },
		{ "setuid", try_setuid_root },
	};
	struct sandbox_spec spec = plain_spec();
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = run_confined(&spec, cases[i].fn, NULL);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("%s: the child was not killed by SIGSYS (status %#x)",
				 cases[i].what, (unsigned)status);
	}
}

/* mail.store imap: a TCP connection to the IMAP server (here a listener
 * on loopback made before the confinement), both families' stream sockets;
 * a datagram socket (what a DNS lookup makes) is refused without a kill. */
static int imap_connect(void *arg)
{
	const struct sockaddr_in *to = arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0 && errno != EINPROGRESS)
		return -1;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = -1;
	socklen_t len = sizeof(err);
	if (poll(&p, 1, 10000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err != 0 || write(fd, "a1 NOOP\r\n", 9) != 9)
		return -1;
	close(fd);
	int six = socket(AF_INET6, SOCK_STREAM, 0);
	if (six >= 0)
		close(six);
	else if (errno != EAFNOSUPPORT)
		return -1;
	errno = 0;
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp >= 0 || errno != EACCES)
		return -1;
	/* getaddrinfo(AI_ADDRCONFIG)'s question to the routing socket. */
	errno = 0;
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	return nl < 0 && errno == EACCES ? 0 : -1;
}

static int try_raw_socket(void *arg)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int try_packet_socket(void *arg)
{
	(void)arg;
	int fd = socket(AF_PACKET, SOCK_DGRAM, 0);
	if (fd >= 0)
		close(fd);
	return 0;
}

static void test_imap_connects_out(void **state)
{
	struct sandbox_spec spec = plain_spec();
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	(void)state;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&addr, &len), 0);
	/* Without mail.store imap, the same connection kills the worker. */
	assert_killed_by(run_confined(&spec, imap_connect, &addr), SIGSYS);
	spec.imap = 1;
	assert_exited_ok(run_confined(&spec, imap_connect, &addr));
	/* Still no other kind of network access. */
	assert_killed_by(run_confined(&spec, try_raw_socket, NULL), SIGSYS);
	assert_killed_by(run_confined(&spec, try_packet_socket, NULL), SIGSYS);
	assert_killed_by(run_confined(&spec, try_execve, NULL), SIGSYS);
	close(l);
}

#ifndef WEBMSG_SANITIZE
/* A new process (fork is clone without CLONE_THREAD): never needed by a
 * worker. A sanitized build allows it for LeakSanitizer's tracer. */
static int try_fork(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	return 0;
}

static void test_fork_kills(void **state)
{
	struct sandbox_spec spec = plain_spec();
	(void)state;
	assert_killed_by(run_confined(&spec, try_fork, NULL), SIGSYS);
}
#endif

/* abort() raises SIGABRT on itself with tgkill: a worker's assertion still
 * dies by its own signal, which the parent logs. */
static int do_abort(void *arg)
{
	(void)arg;
	abort();
}

static void test_abort_is_its_own_signal(void **state)
{
	struct sandbox_spec spec = plain_spec();
	(void)state;
	assert_killed_by(run_confined(&spec, do_abort, NULL), SIGABRT);
}

/* A thread started before the filter (libmicrohttpd's, GLib's) is bound by it. */
static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go;

static void *execve_when_told(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&go_lock);
	while (!go)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
	try_execve(NULL);
	return NULL;
}

static int thread_from_before(void *arg)
{
	pthread_t t = *(pthread_t *)arg;
	pthread_mutex_lock(&go_lock);
	go = 1;
	pthread_cond_signal(&go_cond);
	pthread_mutex_unlock(&go_lock);
	pthread_join(t, NULL);
	return 0;
}

static void test_earlier_threads_covered(void **state)
{
	struct sandbox_spec spec = plain_spec();
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t t;
		struct err e;
		if (pthread_create(&t, NULL, execve_when_told, NULL) != 0)
			_exit(CHILD_WORK_FAILED);
		if (sandbox_enter(&spec, &e) < 0)
			_exit(CHILD_ENTER_FAILED);
		thread_from_before(&t);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_killed_by(status, SIGSYS);
}

/* The credentials after the change, from inside. */
static int serves_as_nobody(void *arg)
{
	const struct service_user *u = arg;
	uid_t r, e, s;
	gid_t gr, ge, gs, groups[8];
	if (getresuid(&r, &e, &s) < 0 || r != u->uid || e != u->uid || s != u->uid)
		return -1;
	if (getresgid(&gr, &ge, &gs) < 0 || gr != u->gid || ge != u->gid || gs != u->gid)
		return -1;
	int n = getgroups(8, groups);
	if (n != 1 || groups[0] != u->gid)
		return -1;
	/* No capability left in effect, and the process is not dumpable. */
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int caps_zero = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strcmp(line, "CapEff:\t0000000000000000\n") == 0)
			caps_zero = 1;
	fclose(f);
	return caps_zero ? 0 : -1;
}

static void test_root_changes_user(void **state)
{
	struct sandbox_spec spec = { 0 };
	(void)state;
	if (geteuid() != 0)
		skip();
	/* nobody and nogroup, whatever their ids, with nogroup as the only group. */
	spec.user.change = 1;
	spec.user.uid = 65534;
	spec.user.gid = 65534;
	spec.user.groups[0] = 65534;
	spec.user.ngroups = 1;
	snprintf(spec.user.user, sizeof(spec.user.user), "nobody");
	assert_exited_ok(run_confined(&spec, serves_as_nobody, &spec.user));
}

/* The mail root must be the service user's to write: a folder it cannot
 * write is refused before anything is served. */
static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

static void test_unwritable_mail_root_refused(void **state)
{
	struct tmpdir dir;
	struct sandbox_spec spec = { 0 };
	(void)state;
	if (geteuid() != 0)
		skip();
	tmpdir_enter(&dir);
	assert_int_equal(chmod(dir.path, 0700), 0);
	spec.user.change = 1;
	spec.user.uid = spec.user.gid = spec.user.groups[0] = 65534;
	spec.user.ngroups = 1;
	snprintf(spec.user.user, sizeof(spec.user.user), "nobody");
	spec.mail_root = dir.path;
	int status = run_confined(&spec, nothing, NULL);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_ENTER_FAILED);
	tmpdir_leave(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serving_work_allowed),
		cmocka_unit_test(test_kernel_reports_confinement),
		cmocka_unit_test(test_forbidden_calls_kill),
		cmocka_unit_test(test_imap_connects_out),
#ifndef WEBMSG_SANITIZE
		cmocka_unit_test(test_fork_kills),
#endif
		cmocka_unit_test(test_abort_is_its_own_signal),
		cmocka_unit_test(test_earlier_threads_covered),
		cmocka_unit_test(test_root_changes_user),
		cmocka_unit_test(test_unwritable_mail_root_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
