/* terminal.h - the console's hold on the terminal: curses set up, and the
 * terminal put back as it was on every way out - a normal end, exit(), or a
 * signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT). ^Z (SIGTSTP) gives the shell a
 * working terminal and the console takes it back when continued. */
#ifndef WEBMSG_ADMIN_TERMINAL_H
#define WEBMSG_ADMIN_TERMINAL_H

struct err;

/* Starts curses on standard input and output. */
int terminal_open(struct err *e);
/* Ends curses; safe to call more than once and when never opened. */
void terminal_close(void);
/* The next key, waiting at most timeout_ms (-1: no limit); ERR when none
 * came. KEY_RESIZE after a resize and after the console was continued: the
 * caller draws everything again. */
int terminal_key(int timeout_ms);

#endif
