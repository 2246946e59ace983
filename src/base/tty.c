/*
 * tty.c - read a secret from the controlling terminal with echo off
 * (tty.h says why there and only there).
 */
#include "base/tty.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int vt_tty_ask(const char *prompt, char *buf, size_t size)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    /* a signal while echo is off would leave the terminal silent: those
     * that stop or end the process wait until echo is back on */
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGQUIT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGTSTP);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &saved);
    struct termios old, quiet;
    int have_tty = tcgetattr(fd, &old) == 0;
    if (have_tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    /* the prompt and the newline after it are a courtesy: a terminal that
     * takes no output still gives the line */
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* nothing to do: the line is still read */
    }
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0 || c == '\n' || c == '\r')
            break;
        if (len + 1 < size)
            buf[len++] = c;
    }
    if (size)
        buf[len] = '\0';
    if (have_tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    if (write(fd, "\n", 1) < 0) {
        /* as above */
    }
    close(fd);
    return 0;
}
