/* terminal.c - curses set up and taken down. A signal handler may not call
 * curses, so the sequences that put the terminal back (attributes off,
 * cursor on, keypad off, leave the alternate screen) and the terminal's
 * settings from before are prepared here, and a handler only writes them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "webmsg/err.h"

#include "console/terminal.h"
#include "widgets/theme.h"

#define ESCAPE_DELAY_MS 50

/* SIGABRT too: an abort() anywhere must not leave the shell in raw mode.
 * SIGPIPE is ignored for the whole program (main.c), so it never ends it. */
static const int ending_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT };
#define NENDING (sizeof(ending_signals) / sizeof(ending_signals[0]))

/* Read by the signal handlers; written before they are installed. */
static SCREEN *screen;
static struct termios shell_tty, curses_tty;
static int have_tty;
static char leave_seq[512], enter_seq[256];
static size_t leave_len, enter_len;
static volatile sig_atomic_t continued;

/* Appends a terminfo capability, when the terminal has it, to out. */
static void append_cap(char *out, size_t *len, size_t cap, const char *name)
{
	char *s = tigetstr(name);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (*len + n < cap) {
		memcpy(out + *len, s, n);
		*len += n;
	}
}

static void prepare_sequences(void)
{
	leave_len = enter_len = 0;
	append_cap(leave_seq, &leave_len, sizeof(leave_seq), "sgr0");
	append_cap(leave_seq, &leave_len, sizeof(leave_seq), "cnorm");
	append_cap(leave_seq, &leave_len, sizeof(leave_seq), "rmkx");
	char *rmcup = tigetstr("rmcup");
	if (rmcup && rmcup != (char *)-1) {
		append_cap(leave_seq, &leave_len, sizeof(leave_seq), "rmcup");
	} else {
		/* No alternate screen: the shell's prompt goes below what was drawn. */
		char *cup = tigetstr("cup");
		if (cup && cup != (char *)-1) {
			char *at = tiparm(cup, LINES - 1, 0);
			size_t n = at ? strlen(at) : 0;
			if (n && leave_len + n < sizeof(leave_seq)) {
				memcpy(leave_seq + leave_len, at, n);
				leave_len += n;
			}
		}
		if (leave_len + 2 < sizeof(leave_seq)) {
			memcpy(leave_seq + leave_len, "\r\n", 2);
			leave_len += 2;
		}
	}
	append_cap(enter_seq, &enter_len, sizeof(enter_seq), "smcup");
	append_cap(enter_seq, &enter_len, sizeof(enter_seq), "smkx");
}

/* Async-signal-safe: write() and tcsetattr() only. */
static void leave_terminal(void)
{
	if (leave_len)
		(void)!write(STDOUT_FILENO, leave_seq, leave_len);
	if (have_tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &shell_tty);
}

static void on_ending_signal(int sig)
{
	leave_terminal();
	signal(sig, SIG_DFL);
	raise(sig); /* delivered when this handler returns: the program ends by it */
}

static void on_stop_signal(int sig)
{
	int saved_errno = errno;
	sigset_t set;
	struct sigaction sa;

	leave_terminal();
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGTSTP); /* stops here until SIGCONT */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTSTP, &sa, NULL);
	if (have_tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &curses_tty);
	if (enter_len)
		(void)!write(STDOUT_FILENO, enter_seq, enter_len);
	continued = 1;
	errno = saved_errno;
}

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NENDING; i++)
		sigaddset(&sa.sa_mask, ending_signals[i]);
	sigaddset(&sa.sa_mask, SIGTSTP);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_ending_signal;
	for (size_t i = 0; i < NENDING; i++)
		sigaction(ending_signals[i], &sa, NULL);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTSTP, &sa, NULL);
}

static void default_handlers(void)
{
	for (size_t i = 0; i < NENDING; i++)
		signal(ending_signals[i], SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
}

int terminal_open(struct err *e)
{
	const char *term = getenv("TERM");

	have_tty = tcgetattr(STDIN_FILENO, &shell_tty) == 0;
	if (!term || !*term)
		return err_set(e, "TERM is not set: the console does not know the terminal");
	if (!(screen = newterm(NULL, stdout, stdin)))
		return err_set(e, "cannot use the terminal '%s' (is its terminfo entry installed?)",
			       term);
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(ESCAPE_DELAY_MS);
	curs_set(0);
	theme_init();
	refresh();
	if (have_tty)
		tcgetattr(STDIN_FILENO, &curses_tty);
	prepare_sequences();
	install_handlers();
	atexit(terminal_close);
	return 0;
}

void terminal_close(void)
{
	if (!screen)
		return;
	default_handlers();
	if (!isendwin())
		endwin();
	delscreen(screen);
	screen = NULL;
}

int terminal_key(int timeout_ms)
{
	if (continued) {
		continued = 0;
		clearok(curscr, TRUE);
		return KEY_RESIZE;
	}
	wtimeout(stdscr, timeout_ms);
	int key = wgetch(stdscr);
	if (key == KEY_RESIZE) {
		/* The cup in the sequences that end the console depends on the size. */
		sigset_t set, old;
		sigemptyset(&set);
		for (size_t i = 0; i < NENDING; i++)
			sigaddset(&set, ending_signals[i]);
		sigaddset(&set, SIGTSTP);
		sigprocmask(SIG_BLOCK, &set, &old);
		prepare_sequences();
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (continued) {
		continued = 0;
		clearok(curscr, TRUE);
		return KEY_RESIZE;
	}
	return key;
}
