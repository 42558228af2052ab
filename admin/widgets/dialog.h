/* dialog.h - modal, centred dialogs that redraw what is behind them (and
 * follow resizes) through the background function. */
#ifndef WEBMSG_ADMIN_WIDGETS_DIALOG_H
#define WEBMSG_ADMIN_WIDGETS_DIALOG_H

#include <stddef.h>

void dialog_set_background(void (*draw)(void *arg), void *arg);
/* Where dialogs read keys from: the owner's terminal reader, which follows
 * resizes and ^Z (see console/terminal.h); NULL for plain curses. Widgets
 * know nothing of the console, so it is handed over here. */
void dialog_set_input(int (*key)(int timeout_ms));
/* Text wrapped to fit, scrolled when long; Enter or Esc closes. */
void dialog_message(const char *title, const char *text);
/* Like dialog_message, in the error role. */
void dialog_error(const char *title, const char *text);
/* Buttons (NULL-terminated) chosen with arrows, Tab, Enter or their first
 * letter; returns the index, or -1 for Esc. */
int dialog_choice(const char *title, const char *text, const char *const *labels, int def);
/* 1 for yes, 0 for no or Esc. */
int dialog_confirm(const char *title, const char *text);
/* A line typed into buf (which holds the initial value); 1 when Enter. */
int dialog_input(const char *title, const char *prompt, char *buf, size_t cap);
/* A password typed twice without echo; 1 when both match and are not empty,
 * 0 when cancelled (mismatches are said and asked again). */
int dialog_new_password(const char *title, const char *what, char *buf, size_t cap);
/* Draws a note and returns at once, for work that makes the operator wait. */
void dialog_progress(const char *title, const char *text);

#endif
