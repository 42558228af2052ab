/* test_pidfile.c - the daemon's locked pidfile: a second daemon is refused
 * and told which pid runs, a stale file is taken over, release removes it.
 * fcntl locks belong to a process, so the "other daemon" is a forked child
 * that reports back through a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include "unit.h"
#include "webmsg/err.h"
#include "webmsg/pidfile.h"

struct fixture {
	struct tmpdir dir;
	char path[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	tmpdir_enter(&f->dir);
	tmpdir_file(&f->dir, "webmsgd.pid", f->path, sizeof(f->path));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tmpdir_leave(&f->dir);
	free(f);
	return 0;
}

/* What the other process saw. */
struct report {
	int acquire_rc;
	long holder; /* pidfile_holder before trying to acquire */
	char msg[ERR_MSG_MAX];
};

/* In a child: pidfile_holder, then pidfile_acquire (released at once on
 * success); reports both and exits without returning into cmocka. */
static struct report other_process(const char *path)
{
	struct report r;
	int fds[2];

	memset(&r, 0, sizeof(r));
	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct pidfile *p = NULL;
		struct err e = { "" };
		pid_t holder = -1;
		close(fds[0]);
		r.holder = pidfile_holder(path, &holder, &e) == 0 ? (long)holder : -1;
		r.acquire_rc = pidfile_acquire(path, &p, &e);
		snprintf(r.msg, sizeof(r.msg), "%s", e.msg);
		pidfile_release(&p);
		_exit(write(fds[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &r, sizeof(r)), sizeof(r));
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

static struct pidfile *acquire(const char *path)
{
	struct pidfile *p = NULL;
	struct err e = { "" };
	if (pidfile_acquire(path, &p, &e) < 0)
		fail_msg("%s", e.msg);
	assert_non_null(p);
	return p;
}

static void assert_holds_our_pid(const char *path)
{
	char expect[32];
	snprintf(expect, sizeof(expect), "%ld\n", (long)getpid());
	char *text = file_read(path, NULL);
	assert_non_null(text);
	assert_string_equal(text, expect);
	free(text);
}

static void test_acquire_writes_pid(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	mode_t old = umask(022);
	struct pidfile *p = acquire(f->path);
	umask(old);
	assert_holds_our_pid(f->path);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	pidfile_release(&p);
	assert_null(p);
	pidfile_release(&p); /* accepts NULL */
}

static void test_second_instance_refused(void **state)
{
	struct fixture *f = *state;
	char expect[ERR_MSG_MAX];

	struct pidfile *p = acquire(f->path);
	struct report r = other_process(f->path);
	assert_int_equal(r.holder, (long)getpid());
	assert_int_equal(r.acquire_rc, -1);
	snprintf(expect, sizeof(expect), "webmsgd is already running as pid %ld (%s)",
		 (long)getpid(), f->path);
	assert_string_equal(r.msg, expect);
	/* The refused process wrote nothing into our file. */
	assert_holds_our_pid(f->path);
	pidfile_release(&p);
}

static void test_release(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	pid_t holder = -1;

	struct pidfile *p = acquire(f->path);
	pidfile_release(&p);
	assert_false(file_exists(f->path));
	assert_int_equal(pidfile_holder(f->path, &holder, &e), 0);
	assert_int_equal(holder, 0);

	/* The next daemon starts. */
	struct report r = other_process(f->path);
	assert_int_equal(r.holder, 0);
	if (r.acquire_rc != 0)
		fail_msg("after release: %s", r.msg);
}

/* A daemon that crashed left its pid but no lock: the file is taken over. */
static void test_stale_taken_over(void **state)
{
	struct fixture *f = *state;
	static const char stale[] = "4194000999\n"; /* longer than our pid: must not linger */
	struct err e = { "" };
	pid_t holder = -1;

	file_write(f->path, stale, sizeof(stale) - 1);
	assert_int_equal(pidfile_holder(f->path, &holder, &e), 0);
	assert_int_equal(holder, 0);
	struct pidfile *p = acquire(f->path);
	assert_holds_our_pid(f->path);
	pidfile_release(&p);
	assert_false(file_exists(f->path));
}

/* Asking who holds the pidfile must not drop our own lock: any close() of the
 * file by the holding process releases a classic fcntl lock. */
static void test_holder_keeps_lock(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	pid_t holder = -1;

	struct pidfile *p = acquire(f->path);
	assert_int_equal(pidfile_holder(f->path, &holder, &e), 0);
	struct report r = other_process(f->path);
	assert_int_equal(r.acquire_rc, -1);
	assert_int_equal(r.holder, (long)getpid());
	assert_holds_our_pid(f->path);
	pidfile_release(&p);
}

static void test_holder_missing_file(void **state)
{
	struct fixture *f = *state;
	struct err e = { "" };
	pid_t holder = -1;
	assert_int_equal(pidfile_holder(f->path, &holder, &e), 0);
	assert_int_equal(holder, 0);
	assert_false(file_exists(f->path));
}

static void test_acquire_unwritable_folder(void **state)
{
	struct fixture *f = *state;
	struct pidfile *p = NULL;
	struct err e = { "" };
	char path[PATH_MAX];

	tmpdir_file(&f->dir, "no-such-folder/webmsgd.pid", path, sizeof(path));
	assert_int_equal(pidfile_acquire(path, &p, &e), -1);
	assert_null(p);
	assert_contains(e.msg, path);
	assert_contains(e.msg, "No such file or directory");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_acquire_writes_pid),
		T(test_second_instance_refused),
		T(test_release),
		T(test_stale_taken_over),
		T(test_holder_keeps_lock),
		T(test_holder_missing_file),
		T(test_acquire_unwritable_folder),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
