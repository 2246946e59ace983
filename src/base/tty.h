/*
 * tty.h - a secret typed on the terminal.
 *
 * Passwords and PINs never come from the command line (`ps` shows it to
 * every user) nor from stdin (a document may be coming through a pipe):
 * they come from a file or from here, the controlling terminal with echo
 * off.  `vanthu sign` asks for a PIN this way, `vanthu user add` for a new
 * password.
 */
#ifndef VT_TTY_H
#define VT_TTY_H

#include <stddef.h>

/* Show prompt on /dev/tty and read one line with echo off into buf (at
 * most size - 1 bytes kept, the rest of the line dropped; always
 * NUL-terminated).  Ctrl-C, Ctrl-Z or a hang-up wait until echo is back
 * on.  0, or -1 when the process has no terminal. */
int vt_tty_ask(const char *prompt, char *buf, size_t size);

#endif
