/*
 * replay.c - main() for the fuzz targets outside libFuzzer: run the target
 * once on every file named on the command line, or in a folder named
 * there; without arguments, on the target's seeds and the crashes kept in
 * tests/fuzz/regressions/ (VT_FUZZ_INPUTS, compiled in by CMake).  ctest
 * and the valgrind stage of scripts/test replay them on each build,
 * without clang.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (vt_read_file(path, (size_t)1 << 30, &data, &len) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    return 0;
}

/* Files of a folder in name order, so a failure names the same file on
 * every machine. */
static int run_dir(const char *dir, size_t *count)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort), bad = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", dir);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (list[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            bad |= run_file(path);
            (*count)++;
        }
        free(list[i]);
    }
    free(list);
    return bad;
}

static int run_path(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return run_dir(path, count);
    (*count)++;
    return run_file(path);
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++)
        bad |= run_path(argv[i], &count);
#ifdef VT_FUZZ_INPUTS
    if (argc == 1) {
        char *list = strdup(VT_FUZZ_INPUTS);
        for (char *save = NULL, *p = list ? strtok_r(list, ":", &save) : NULL;
             p; p = strtok_r(NULL, ":", &save))
            bad |= run_path(p, &count);
        free(list);
    }
#endif
    printf("replayed %zu inputs\n", count);
    return bad || count == 0;
}
