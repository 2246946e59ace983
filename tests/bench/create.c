/*
 * create.c - how N files of the same bytes can be created by T threads,
 * to find what serialises vanthu's workers: ext4 takes the folder's lock
 * (i_rwsem) for the whole of an O_CREAT open (name lookup, inode
 * allocation, directory entry), while O_TMPFILE allocates the inode
 * without it and linkat takes it only to add the name.  Each mode writes
 * into a new folder DIR and ends with one syncfs, like the floor.
 *
 * usage: create open|tmpfile|subdirs LETTER.docx N THREADS DIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 22];
static size_t len;
static long n;
static int threads;
static const char *mode, *dir;

static void *run(void *arg)
{
    long t = (long)arg;
    char path[4096], proc[64];
    if (strcmp(mode, "subdirs") == 0) {
        snprintf(path, sizeof path, "%s/%ld", dir, t);
        mkdir(path, 0777);
    }
    for (long i = t; i < n; i += threads) {
        int fd;
        if (strcmp(mode, "subdirs") == 0)
            snprintf(path, sizeof path, "%s/%ld/%06ld.docx", dir, t, i);
        else
            snprintf(path, sizeof path, "%s/%06ld.docx", dir, i);
        if (strcmp(mode, "tmpfile") == 0)
            fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        else
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
            perror(path);
            exit(1);
        }
        if (strcmp(mode, "tmpfile") == 0) {
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) {
                perror(path);
                exit(1);
            }
        }
        close(fd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: create open|tmpfile|subdirs LETTER N THREADS DIR\n");
        return 2;
    }
    mode = argv[1];
    FILE *fp = fopen(argv[2], "rb");
    if (!fp) {
        perror(argv[2]);
        return 1;
    }
    len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    n = atol(argv[3]);
    threads = atoi(argv[4]);
    dir = argv[5];
    mkdir(dir, 0777);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[64];
    for (long t = 0; t < threads && t < 64; t++)
        pthread_create(&th[t], NULL, run, (void *)t);
    for (long t = 0; t < threads && t < 64; t++)
        pthread_join(th[t], NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || syncfs(dfd) != 0) {
        perror(dir);
        return 1;
    }
    close(dfd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.4f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
