/*
 * spawn.c - per-process latency: start a command N times, one after the
 * other, each with posix_spawn and waitpid (no shell, no Python between),
 * and print the median and the mean wall time per process in ms, and the
 * mean CPU (user + system) per process.  The benchmark puts vanthu render
 * beside /bin/true (the cost of any process at all) and vanthu --version
 * (loading vanthu's shared libraries, no work).
 *
 * usage: spawn N COMMAND [ARGS...]
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn N COMMAND [ARGS...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1)
        n = 1;
    double *t = calloc((size_t)n, sizeof *t);
    double cpu = 0;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < n; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid;
        if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
            perror(argv[2]);
            return 1;
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0) {
            fprintf(stderr, "spawn: %s failed\n", argv[2]);
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        t[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        cpu += (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("%.3f %.3f %.3f\n", t[n / 2], sum / n, cpu / n);
    free(t);
    return 0;
}
