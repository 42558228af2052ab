/* prompt.c - reading a password at the terminal without echo, or from a file
 * or standard input. The terminal is put back as it was on every way out,
 * including the signals that end the program while it waits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "webmsg/err.h"

#include "cli/commands.h"
#include "cli/prompt.h"

/* Signals that end the program restore the terminal first; ^Z is ignored while
 * echo is off, since the shell would be left without echo. */
static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

/* Set only between echo_off and echo_on; read by the signal handler. */
static int tty_fd = -1;
static struct termios tty_saved;
static struct sigaction saved_actions[NCAUGHT];

static void restore_and_die(int sig)
{
	tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	(void)!write(tty_fd, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig); /* delivered when this handler returns, with the default action */
}

static void echo_on(void)
{
	tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &saved_actions[i], NULL);
	tty_fd = -1;
}

static int echo_off(int fd, struct err *e)
{
	struct termios t;
	struct sigaction sa;

	if (tcgetattr(fd, &tty_saved) < 0)
		return err_sys(e, "cannot read the terminal's settings");
	tty_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NCAUGHT; i++) {
		sa.sa_handler = caught[i] == SIGTSTP ? SIG_IGN : restore_and_die;
		sigaction(caught[i], &sa, &saved_actions[i]);
	}
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	t.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0) {
		err_sys(e, "cannot turn the terminal's echo off");
		echo_on();
		return -1;
	}
	return 0;
}

/* Reads one line, without its line end, one byte at a time so that nothing
 * after it is consumed. from names the source in messages. */
static int read_line(int fd, const char *from, char *out, size_t outlen, struct err *e)
{
	size_t len = 0;
	ssize_t n;
	char c;

	while ((n = read(fd, &c, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "cannot read the password from %s", from);
		if (c == '\n')
			break;
		if (len + 1 >= outlen) {
			explicit_bzero(out, outlen);
			return err_set(e, "the password from %s is longer than %zu characters", from,
				       outlen - 2);
		}
		out[len++] = c;
	}
	if (len > 0 && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	if (len == 0)
		return err_set(e, "empty password from %s; nothing was changed", from);
	return 0;
}

static int from_file(const char *path, char *out, size_t outlen, struct err *e)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, "cannot open %s", path);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & (S_IRGRP | S_IROTH)))
		cmd_warn("%s can be read by other users (chmod 600 %s)", path, path);
	int rc = read_line(fd, path, out, outlen, e);
	close(fd);
	return rc;
}

static int ask(int fd, const char *question, char *out, size_t outlen, struct err *e)
{
	if (write(fd, question, strlen(question)) < 0)
		return err_sys(e, "cannot write to the terminal");
	int rc = read_line(fd, "the terminal", out, outlen, e);
	(void)!write(fd, "\n", 1); /* the newline typed was not echoed */
	return rc;
}

static int from_terminal(const char *what, char *out, size_t outlen, struct err *e)
{
	char question[256];
	char *again = malloc(outlen);
	int rc = -1, fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || !again) {
		rc = fd < 0 ? err_sys(e, "cannot open the terminal to ask for the password")
			    : err_set(e, "out of memory");
		goto out;
	}
	if (echo_off(fd, e) < 0)
		goto out;
	snprintf(question, sizeof(question), "%s: ", what);
	if (ask(fd, question, out, outlen, e) == 0 &&
	    ask(fd, "Again, to be sure: ", again, outlen, e) == 0) {
		rc = strcmp(out, again) == 0 ? 0 : err_set(e, "the two passwords differ; nothing "
							      "was changed");
	}
	echo_on();
out:
	if (again) {
		explicit_bzero(again, outlen);
		free(again);
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		explicit_bzero(out, outlen);
	return rc;
}

int prompt_password(const char *what, const char *file, char *out, size_t outlen, struct err *e)
{
	if (file)
		return from_file(file, out, outlen, e);
	if (!isatty(STDIN_FILENO))
		return read_line(STDIN_FILENO, "standard input", out, outlen, e);
	return from_terminal(what, out, outlen, e);
}
