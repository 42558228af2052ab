/* sandbox.c - the worker's confinement: credentials of the service user,
 * PR_SET_NO_NEW_PRIVS, no core dumps, and a seccomp allow list (libseccomp)
 * of what serving HTTP/HTTPS, parsing mail and keeping the Maildir and its
 * SQLite index really call. Anything else kills the whole process; the
 * parent logs the signal and starts another worker. */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox.h"
#include "webmsg/err.h"

/* Calls allowed with any arguments. Names, not numbers: libseccomp maps them
 * for the architecture, and a name the architecture lacks (open on arm64) is
 * skipped. Found by running the integration and browser tiers under the
 * filter in log mode and reading what was called. */
static const char *const allowed[] = {
	/* Files: the Maildir, its SQLite index, templates, uploads spooled to disk. */
	"open", "openat", "close", "read", "write", "pread64", "pwrite64", "readv", "writev",
	"preadv", "pwritev", "lseek", "fstat", "stat", "lstat", "newfstatat", "statx",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64",
	"rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir",
	"link", "linkat", "fsync", "fdatasync", "ftruncate", "fallocate", "flock", "fcntl",
	"statfs", "fstatfs", "utimensat", "fchmod", "fchown", "umask", "getcwd", "sendfile",
	"dup", "dup2", "dup3", "pipe", "pipe2", "eventfd2",
	/* Memory (mmap and mprotect are below, with their arguments checked). */
	"munmap", "mremap", "madvise", "brk",
	/* Threads: libmicrohttpd's thread per connection, GLib's, the reaper's. */
	"futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
	"sched_yield", "sched_getaffinity", "exit", "exit_group", "gettid", "getpid",
	"getppid",
	/* Time and randomness. */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getrandom",
	/* Signals: the main loop takes them with sigwaitinfo. */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
	"restart_syscall",
	/* Sockets handed over by the parent: the listeners and the channel. */
	"accept", "accept4", "recvfrom", "recvmsg", "sendto", "sendmsg", "shutdown",
	"setsockopt", "getsockopt", "getsockname", "getpeername", "poll", "ppoll", "select",
	"pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2",
	/* What the C library asks of the system (sysconf, qsort, getrlimit). */
	"uname", "sysinfo", "getrusage", "getuid", "geteuid", "getgid", "getegid",
	"getresuid", "getresgid", "getgroups",
};

#ifdef WEBMSG_SANITIZE
/* A sanitized build only: LeakSanitizer's leak check at exit stops the
 * process's threads from a tracer it clones (no CLONE_THREAD) that ptrace
 * attaches to each one and reads its registers, after listing them with the
 * old getdents; ASan reads /proc/self/maps. A worker is told not to start a
 * symbolizer (parent_worker.c): its reports carry addresses only. Without
 * these the sanitized suite could not run the filter at all; ptrace is
 * limited to the requests the tracer makes. */
static const char *const sanitizer_allowed[] = {
	"wait4", "waitid", "sched_getparam", "sched_getscheduler", "mincore", "getdents",
};
static const long sanitizer_ptrace_requests[] = {
	PTRACE_ATTACH, PTRACE_DETACH, PTRACE_GETREGS, PTRACE_GETREGSET,
	PTRACE_GETFPREGS, PTRACE_PEEKUSER, PTRACE_CONT, PTRACE_INTERRUPT,
};
#endif

/* ioctl requests: the C library's isatty (TCGETS) on a log stream, and
 * libmicrohttpd's and GnuTLS's non-blocking switch and pending-bytes query. */
static const unsigned long ioctl_requests[] = { TCGETS, FIONBIO, FIONREAD, FIOCLEX, FIONCLEX };

/* prctl options: thread names (GLib and pthread_setname_np), and reading what
 * was set here. */
static const int prctl_options[] = { PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE,
				     PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP };

static int change_user(const struct service_user *u, struct err *e)
{
	uid_t r, ef, s;
	gid_t gr, ge, gs;

	if (geteuid() != 0)
		return err_set(e, "cannot serve as %s: webmsgd was not started as root",
			       u->user);
	if (setgroups(u->ngroups, u->groups) < 0)
		return err_sys(e, "setgroups for %s", u->user);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_sys(e, "cannot change to group %s (gid %ld)", u->group, (long)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_sys(e, "cannot change to user %s (uid %ld)", u->user, (long)u->uid);
	/* Each id, real, effective and saved, is the service user's, and root
	 * cannot be had back through any of them. */
	if (getresuid(&r, &ef, &s) < 0 || r != u->uid || ef != u->uid || s != u->uid ||
	    getresgid(&gr, &ge, &gs) < 0 || gr != u->gid || ge != u->gid || gs != u->gid)
		return err_set(e, "the change to %s did not take", u->user);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return err_set(e, "%s could become root again", u->user);
	return 0;
}

/* mmap and mprotect: never writable and executable at once. libseccomp
 * compares with equality only, so the three allowed combinations of the two
 * bits are three rules. */
static int add_memory_rules(scmp_filter_ctx ctx, struct err *e)
{
	static const char *const calls[] = { "mmap", "mprotect" };
	static const scmp_datum_t prot[] = { 0, PROT_WRITE, PROT_EXEC };
	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		int nr = seccomp_syscall_resolve_name(calls[c]);
		for (size_t p = 0; p < sizeof(prot) / sizeof(prot[0]); p++) {
			int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						  SCMP_A2(SCMP_CMP_MASKED_EQ,
							  PROT_WRITE | PROT_EXEC, prot[p]));
			if (rc < 0)
				return err_set(e, "seccomp rule for %s: %s", calls[c],
					       strerror(-rc));
		}
	}
	return 0;
}

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned count,
		struct scmp_arg_cmp cmp, struct err *e)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	int rc = count ? seccomp_rule_add(ctx, action, nr, 1, cmp)
		       : seccomp_rule_add(ctx, action, nr, 0);
	if (rc < 0)
		return err_set(e, "seccomp rule for %s: %s", name, strerror(-rc));
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, struct err *e)
{
	const struct scmp_arg_cmp none = { 0 };
	scmp_datum_t self = (scmp_datum_t)getpid();

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, none, e) < 0)
			return -1;
	if (add_memory_rules(ctx, e) < 0)
		return -1;
	/* Threads only: a clone that does not share the thread group (a fork)
	 * is a new process, which a worker never needs. glibc tries clone3
	 * first, whose flags sit in memory a filter cannot read: "not
	 * implemented" sends it back to clone, as container runtimes do. */
	if (rule(ctx, SCMP_ACT_ALLOW, "clone", 1,
		 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD), e) < 0 ||
	    rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, none, e) < 0)
		return -1;
	/* Signals to this process only (raise and abort use tgkill). */
	if (rule(ctx, SCMP_ACT_ALLOW, "tgkill", 1, SCMP_A0(SCMP_CMP_EQ, self), e) < 0 ||
	    rule(ctx, SCMP_ACT_ALLOW, "kill", 1, SCMP_A0(SCMP_CMP_EQ, self), e) < 0)
		return -1;
	/* Reading a limit, never setting one (glibc's getrlimit is prlimit64
	 * with no new limit). */
	if (rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, SCMP_A2(SCMP_CMP_EQ, 0), e) < 0 ||
	    rule(ctx, SCMP_ACT_ALLOW, "getrlimit", 0, none, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(ioctl_requests) / sizeof(ioctl_requests[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1,
			 SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctl_requests[i]), e) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(prctl_options) / sizeof(prctl_options[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, "prctl", 1,
			 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_options[i]), e) < 0)
			return -1;
	/* syslog(3) reconnects to /dev/log when syslogd restarted: refused
	 * softly (that line is lost) rather than killing the worker. A socket of
	 * any other family kills it, and so does connect (but mail.store imap:
	 * add_imap_rules). */
	if (rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX), e) <
	    0)
		return -1;
#ifdef WEBMSG_SANITIZE
	for (size_t i = 0; i < sizeof(sanitizer_allowed) / sizeof(sanitizer_allowed[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, sanitizer_allowed[i], 0, none, e) < 0)
			return -1;
	if (rule(ctx, SCMP_ACT_ALLOW, "clone", 1,
		 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0), e) < 0)
		return -1;
	for (size_t i = 0;
	     i < sizeof(sanitizer_ptrace_requests) / sizeof(sanitizer_ptrace_requests[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, "ptrace", 1,
			 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sanitizer_ptrace_requests[i]), e) < 0)
			return -1;
	static const int sanitizer_prctl[] = { PR_SET_PDEATHSIG, PR_SET_PTRACER,
					       PR_SET_DUMPABLE };
	for (size_t i = 0; i < sizeof(sanitizer_prctl) / sizeof(sanitizer_prctl[0]); i++)
		if (rule(ctx, SCMP_ACT_ALLOW, "prctl", 1,
			 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sanitizer_prctl[i]), e) < 0)
			return -1;
#endif
	return 0;
}

/* mail.store imap: a TCP socket and connect, for the IMAP server (reads,
 * writes and poll are allowed already). The address is not something a
 * filter can read (it sits in memory), so connect itself is open; no other
 * kind of socket can be made to use it with. Datagram sockets (a DNS
 * lookup of a name) are refused softly: the parent resolves
 * mail.imap_server and hands the worker its addresses, so a lookup here
 * would be a fault, which fails as "not reachable" instead of killing the
 * worker.
 * The routing socket (AF_NETLINK) is refused softly too. */
static int add_imap_rules(scmp_filter_ctx ctx, struct err *e)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int nr = seccomp_syscall_resolve_name("socket");
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		/* The type's low bits; SOCK_CLOEXEC and SOCK_NONBLOCK above them. */
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
					  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
					  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 2,
					      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
					      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM));
		if (rc < 0)
			return err_set(e, "seccomp rule for socket: %s", strerror(-rc));
	}
	/* getaddrinfo's AI_ADDRCONFIG asks the kernel's routing socket which
	 * families have addresses; refused, it takes both as present. */
	const struct scmp_arg_cmp none = { 0 };
	if (rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", 1, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), e) <
	    0)
		return -1;
	return rule(ctx, SCMP_ACT_ALLOW, "connect", 0, none, e);
}

static int load_filter(const struct sandbox_spec *spec, struct err *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;
	if (!ctx)
		return err_set(e, "seccomp_init failed");
	/* Every thread, not only the caller: libmicrohttpd, GLib and the reaper
	 * may have started theirs already. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		seccomp_release(ctx);
		return err_set(e, "seccomp: cannot cover every thread: %s", strerror(-rc));
	}
	if (add_rules(ctx, e) < 0 || (spec->imap && add_imap_rules(ctx, e) < 0)) {
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return err_set(e, "seccomp: the filter was not loaded: %s", strerror(-rc));
	return 0;
}

int sandbox_enter(const struct sandbox_spec *spec, struct err *e)
{
	if (spec->user.change && change_user(&spec->user, e) < 0)
		return -1;
	if (spec->mail_root && access(spec->mail_root, R_OK | W_OK | X_OK) < 0)
		return err_sys(e, "%s cannot write in the mail folder %s", spec->user.user,
			       spec->mail_root);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_NO_NEW_PRIVS");
#ifndef WEBMSG_SANITIZE
	/* No core file with TLS keys or mail in it, and no ptrace by another
	 * process of the same user. A sanitized build keeps it: LeakSanitizer's
	 * tracer is such a process. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_sys(e, "PR_SET_DUMPABLE");
#endif
	return load_filter(spec, e);
}
