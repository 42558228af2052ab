/* test_fileio.c - writing all of a buffer through short and interrupted
 * writes, replacing a file whole, and reading whole files under a cap: what
 * every module that saves mail, forms, settings and key files relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "unit.h"
#include "webmsg/buf.h"
#include "webmsg/err.h"
#include "webmsg/fileio.h"

static struct tmpdir dir;

static int setup(void **state)
{
	(void)state;
	tmpdir_enter(&dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tmpdir_leave(&dir);
	return 0;
}

static void write_file(const char *name, const char *data, size_t len)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fileio_write_all(fd, data, len), 0);
	assert_int_equal(close(fd), 0);
}

static volatile sig_atomic_t ticks;
static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/* A slow reader on a small pipe and a timer interrupting the writer: write()
 * returns short counts and EINTR, and every byte still arrives in order. */
static void test_write_all_short_writes(void **state)
{
	(void)state;
	enum { TOTAL = 2 * 1024 * 1024 };
	int data[2], result[2];
	assert_int_equal(pipe(data), 0);
	assert_int_equal(pipe(result), 0);
	fcntl(data[1], F_SETPIPE_SZ, 4096); /* the smallest the kernel allows */

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(data[1]);
		close(result[0]);
		unsigned long long sum = 0, n = 0;
		unsigned char buf[1000];
		ssize_t got;
		while ((got = read(data[0], buf, sizeof(buf))) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				_exit(1);
			for (ssize_t i = 0; i < got; i++, n++)
				sum += (unsigned long long)buf[i] * (n % 251 + 1);
			if (n % 65536 < sizeof(buf))
				usleep(1000);
		}
		unsigned long long out[2] = { n, sum };
		_exit(write(result[1], out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
	}
	close(data[0]);
	close(result[1]);

	unsigned char *buf = malloc(TOTAL);
	assert_non_null(buf);
	unsigned long long sum = 0;
	for (size_t i = 0; i < TOTAL; i++) {
		buf[i] = (unsigned char)(i * 7 + i / 4096);
		sum += (unsigned long long)buf[i] * (i % 251 + 1);
	}
	struct sigaction sa = { .sa_handler = on_tick }; /* no SA_RESTART */
	struct sigaction old;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	struct itimerval every = { { 0, 500 }, { 0, 500 } }, off = { { 0, 0 }, { 0, 0 } };
	ticks = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &every, NULL), 0);
	int rc = fileio_write_all(data[1], buf, TOTAL);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(rc, 0);
	close(data[1]);
	free(buf);

	unsigned long long got[2] = { 0, 0 };
	size_t n = 0;
	while (n < sizeof(got)) {
		ssize_t r = read(result[0], (char *)got + n, sizeof(got) - n);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r > 0);
		n += (size_t)r;
	}
	close(result[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got[0], TOTAL);
	assert_true(got[1] == sum);
	assert_true(ticks > 0); /* the writer was interrupted on the way */
}

/* A reader that went away: -1 with errno, not a loop or a lost error. */
static void test_write_all_reader_gone(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	errno = 0;
	assert_int_equal(fileio_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	signal(SIGPIPE, old);
	close(p[1]);
}

static void test_read_whole_file(void **state)
{
	(void)state;
	struct err e = { "" };
	char *data;
	size_t len;
	write_file("a", "hello\0world", 11);
	assert_int_equal(fileio_read_path("a", O_NOFOLLOW, 100, &data, &len, &e), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(data, "hello\0world", 11);
	assert_int_equal(data[11], '\0');
	free(data);

	write_file("empty", "", 0);
	assert_int_equal(fileio_read_path("empty", 0, 100, &data, &len, &e), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
}

/* Exactly the cap is read; one byte more is refused, with the cap in words. */
static void test_read_cap(void **state)
{
	(void)state;
	struct err e = { "" };
	char *data = (char *)1;
	size_t len = 99;
	char big[1025];
	memset(big, 'x', sizeof(big));
	write_file("k", big, 1024);
	assert_int_equal(fileio_read_path("k", 0, 1024, &data, &len, &e), 0);
	assert_int_equal(len, 1024);
	free(data);
	write_file("k", big, 1025);
	assert_int_equal(fileio_read_path("k", 0, 1024, &data, &len, &e), -1);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_string_equal(e.msg, "k is larger than 1 KiB");
}

/* A pipe has no size to check first: the cap holds while reading. */
static void test_read_fd_cap_on_pipe(void **state)
{
	(void)state;
	struct err e = { "" };
	char *data;
	size_t len;
	int p[2];
	char buf[5000];
	memset(buf, 'y', sizeof(buf));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fileio_write_all(p[1], buf, sizeof(buf)), 0);
	close(p[1]);
	assert_int_equal(fileio_read_fd(p[0], "the request", 4999, &data, &len, &e), -1);
	assert_null(data);
	assert_string_equal(e.msg, "the request is larger than 4999 bytes");
	close(p[0]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fileio_write_all(p[1], buf, sizeof(buf)), 0);
	close(p[1]);
	assert_int_equal(fileio_read_fd(p[0], "the request", 5000, &data, &len, &e), 0);
	assert_int_equal(len, 5000);
	free(data);
	close(p[0]);
}

static void test_read_missing_and_odd_files(void **state)
{
	(void)state;
	struct err e = { "" };
	char *data;
	size_t len;
	assert_int_equal(fileio_read_path("nothing-here", 0, 100, &data, &len, &e), -1);
	assert_null(data);
	assert_non_null(strstr(e.msg, "cannot read nothing-here"));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));

	/* A link is not followed where the caller asked for O_NOFOLLOW. */
	write_file("target", "secret", 6);
	assert_int_equal(symlink("target", "link"), 0);
	assert_int_equal(fileio_read_path("link", O_NOFOLLOW, 100, &data, &len, &e), -1);
	assert_null(data);
	assert_int_equal(fileio_read_path("link", 0, 100, &data, &len, &e), 0);
	assert_string_equal(data, "secret");
	free(data);

	/* A FIFO or a folder would block or make no sense: refused at once. */
	assert_int_equal(mkfifo("fifo", 0600), 0);
	assert_int_equal(fileio_read_path("fifo", O_NONBLOCK, 100, &data, &len, &e), -1);
	assert_string_equal(e.msg, "fifo is not a file");
	assert_int_equal(mkdir("folder", 0700), 0);
	assert_int_equal(fileio_read_path("folder", 0, 100, &data, &len, &e), -1);
	assert_string_equal(e.msg, "folder is not a file");
}

/* A file appended to what a buffer holds, up to the buffer's maximum:
 * what templates, forwarded messages and the outbox read through. */
static void test_append_to_buf(void **state)
{
	(void)state;
	struct err e = { "" };
	struct buf b;
	write_file("part", "world", 5);
	buf_init(&b, 10);
	buf_puts(&b, "hello");
	assert_int_equal(fileio_append_path("part", 0, &b, &e), 0); /* exactly the maximum */
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "helloworld");
	assert_int_equal(b.failed, 0);
	buf_free(&b);

	buf_init(&b, 9);
	buf_puts(&b, "hello");
	assert_int_equal(fileio_append_path("part", 0, &b, &e), -1);
	assert_int_equal(b.failed, 1);
	assert_string_equal(e.msg, "part is larger than 4 bytes");
	assert_string_equal(b.data, "hello"); /* nothing of the file was added */
	buf_free(&b);

	buf_init(&b, 100);
	assert_int_equal(fileio_append_path("no-such-part", 0, &b, &e), -1);
	assert_int_equal(b.failed, 0); /* missing, not too large */
	assert_non_null(strstr(e.msg, "cannot read no-such-part"));
	assert_int_equal(fileio_append_path("fifo", O_NONBLOCK, &b, &e), -1);
	assert_string_equal(e.msg, "fifo is not a file");
	buf_free(&b);
}

/* Entries of a folder, "." and ".." aside. */
static int entries_in(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Entries of the current folder. */
static int entries(void)
{
	return entries_in(".");
}

/* The file holds exactly len bytes of want. */
static void assert_file_is(const char *path, const char *want, size_t wantlen)
{
	size_t len;
	char *got = file_read(path, &len);
	assert_int_equal(len, wantlen);
	assert_memory_equal(got, want, wantlen);
	free(got);
}

/* Its permission bits are exactly mode. */
static void assert_mode_is(const char *path, mode_t mode)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, mode);
}

static void test_write_atomic(void **state)
{
	struct tmpdir t;
	struct err e = { "" };
	struct stat sb;
	(void)state;
	tmpdir_enter(&t); /* a folder of its own: its entries are counted */
	/* The mode asked for, exactly: not what the umask leaves of it. */
	mode_t mask = umask(077);
	assert_int_equal(fileio_write_atomic("challenge", "key-auth", 8, 0644, &e), 0);
	umask(mask);
	assert_mode_is("challenge", 0644);
	assert_file_is("challenge", "key-auth", 8);

	/* Replaced whole, private, and no temporary file is left beside it. */
	assert_int_equal(fileio_write_atomic("challenge", "second", 6, 0600, &e), 0);
	assert_mode_is("challenge", 0600);
	assert_file_is("challenge", "second", 6);
	assert_int_equal(entries(), 1);

	/* A link in its place is replaced, and what it pointed to is untouched. */
	file_write("target", "theirs", 6);
	assert_int_equal(symlink("target", "link"), 0);
	assert_int_equal(fileio_write_atomic("link", "mine", 4, 0600, &e), 0);
	assert_int_equal(lstat("link", &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_file_is("target", "theirs", 6);

	/* In a folder given by path, and an empty file is a file. */
	assert_int_equal(mkdir("sub", 0700), 0);
	assert_int_equal(fileio_write_atomic("sub/empty", "", 0, 0600, &e), 0);
	assert_int_equal(stat("sub/empty", &sb), 0);
	assert_int_equal(sb.st_size, 0);
	tmpdir_leave(&t);
}

static void test_write_atomic_fails_whole(void **state)
{
	struct tmpdir t;
	struct err e = { "" };
	char name[251];
	(void)state;
	tmpdir_enter(&t); /* a folder of its own: its entries are counted */
	/* A file whose temporary name would be longer than a name may be: the
	 * write fails, the old content stays and nothing is left beside it. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	file_write(name, "old", 3);
	assert_int_equal(fileio_write_atomic(name, "new", 3, 0600, &e), -1);
	assert_contains(e.msg, "cannot create a file beside");
	assert_file_is(name, "old", 3);
	assert_int_equal(entries(), 1);

	/* No folder to put it in: an error naming the path. */
	assert_int_equal(fileio_write_atomic("missing/file", "x", 1, 0600, &e), -1);
	assert_contains(e.msg, "missing/file");
	assert_int_equal(fileio_write_atomic("sub/", "x", 1, 0600, &e), -1);
	assert_int_equal(entries(), 1);
	tmpdir_leave(&t);
}

/* Through a folder of the caller's (a Maildir's tmp/): the same file, the
 * mode exactly, nothing left in either folder, and a missing folder fails
 * without touching the old file. */
static void test_write_atomic_in(void **state)
{
	struct tmpdir t;
	struct err e = { "" };
	struct stat sb;
	(void)state;
	tmpdir_enter(&t);
	assert_int_equal(mkdir("tmp", 0700), 0);
	mode_t mask = umask(077);
	assert_int_equal(fileio_write_atomic_in("prefs", "tmp", "one", 3, 0640, &e), 0);
	umask(mask);
	assert_mode_is("prefs", 0640);
	assert_file_is("prefs", "one", 3);
	assert_int_equal(fileio_write_atomic_in("prefs", "tmp", "two!", 4, 0600, &e), 0);
	assert_file_is("prefs", "two!", 4);
	assert_int_equal(entries(), 2); /* prefs and tmp/ */
	assert_int_equal(entries_in("tmp"), 0);

	/* A link in its place is replaced, and what it pointed to is untouched. */
	file_write("target", "theirs", 6);
	assert_int_equal(symlink("target", "link"), 0);
	assert_int_equal(fileio_write_atomic_in("link", "tmp", "mine", 4, 0600, &e), 0);
	assert_int_equal(lstat("link", &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_file_is("target", "theirs", 6);

	/* No such folder: an error naming it, the old content kept. */
	assert_int_equal(fileio_write_atomic_in("prefs", "gone", "three", 5, 0600, &e), -1);
	assert_contains(e.msg, "cannot create a file in gone");
	assert_file_is("prefs", "two!", 4);
	assert_int_equal(entries_in("tmp"), 0);
	tmpdir_leave(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_all_short_writes),
		cmocka_unit_test(test_write_all_reader_gone),
		cmocka_unit_test(test_read_whole_file),
		cmocka_unit_test(test_read_cap),
		cmocka_unit_test(test_read_fd_cap_on_pipe),
		cmocka_unit_test(test_read_missing_and_odd_files),
		cmocka_unit_test(test_append_to_buf),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_write_atomic_fails_whole),
		cmocka_unit_test(test_write_atomic_in),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
