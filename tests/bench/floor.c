/*
 * floor.c - the benchmark's floor: write one finished letter N times into
 * a folder, as fast as plain open/write/close can, then flush the folder
 * to disk once, exactly as vanthu invite does at the end of a batch.  No
 * program that writes N files of these bytes can be faster than this, so
 * vanthu's time divided by this one is its overhead over pure I/O.
 *
 * usage: floor LETTER.docx N DIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: floor LETTER.docx N DIR\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    static char buf[1 << 22];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    long n = atol(argv[2]);
    mkdir(argv[3], 0777);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char path[4096];
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%06ld.docx", argv[3], i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd) != 0) {
            perror(path);
            return 1;
        }
    }
    int dfd = open(argv[3], O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || syncfs(dfd) != 0 || fsync(dfd) != 0) {
        perror(argv[3]);
        return 1;
    }
    close(dfd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.4f\n", s);
    return 0;
}
