/*  ctl_hetu.c - read a hetu the one way siltactl does: never from argv.
 *
 *  Arguments show in `ps` to every user of the machine and stay in shell
 *  history, so a command that needs a hetu (audit client, plan) reads it from
 *  a prompt on the terminal with echo off, or from one line of standard input
 *  (a file or a pipe from a program that already holds it).
 */
#include "siltactl.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int ctl_read_hetu(char *out, size_t len)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs("personal identity code (not shown): ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = 0;
        }
    }
    char *got = fgets(out, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return CTL_FAIL;
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    return n > 0 ? 0 : CTL_FAIL;
}
