/* Unit tests for fileio.c: vt_write_atomic replaces only a regular file
 * (never a device, FIFO, folder or what a link to one names), replaces a
 * link to a regular file without writing what it names, can replace a file whose
 * name is near NAME_MAX, and leaves no temporary file behind either way. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/vanthu.h"

typedef struct {
    char dir[64];
    vt_diags d;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->dir, "/tmp/vt-fileio-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    vt_diags_init(&f->d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *dp = opendir(f->dir);
    struct dirent *e;
    char path[4096];
    while (dp && (e = readdir(dp)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(path);
    }
    if (dp)
        closedir(dp);
    rmdir(f->dir);
    vt_diags_free(&f->d);
    free(f);
    return 0;
}

static char *at(const fixture *f, const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return path;
}

/* How many entries the folder holds: to see that nothing was added (no
 * temporary file left behind). */
static size_t count(const fixture *f)
{
    DIR *dp = opendir(f->dir);
    assert_non_null(dp);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dp);
    return n;
}

static void assert_holds(const char *path, const char *want)
{
    char *data = NULL;
    size_t len;
    assert_int_equal(vt_read_file(path, 1 << 20, &data, &len), 0);
    assert_string_equal(data, want);
    free(data);
}

static void test_regular_file_replaced(void **state)
{
    fixture *f = *state;
    char *p = strdup(at(f, "a.docx"));
    assert_int_equal(vt_write_atomic(p, "old", 3, VT_WRITE_SYNC, &f->d), VT_OK);
    assert_int_equal(vt_write_atomic(p, "new!", 4, VT_WRITE_NOSYNC, &f->d), VT_OK);
    assert_holds(p, "new!");
    assert_int_equal(count(f), 1);
    /* VT_WRITE_NEW never replaces */
    assert_int_equal(vt_write_atomic(p, "x", 1, VT_WRITE_NEW, &f->d), VT_ERR_IO);
    assert_holds(p, "new!");
    free(p);
}

/* A 250-byte name: the temporary name must not be built from it. */
static void test_long_name(void **state)
{
    fixture *f = *state;
    char name[256];
    memset(name, 'v', 245);
    strcpy(name + 245, ".docx");
    assert_int_equal(strlen(name), 250);
    char *p = strdup(at(f, name));
    assert_int_equal(vt_write_atomic(p, "old", 3, VT_WRITE_NOSYNC, &f->d), VT_OK);
    assert_int_equal(vt_write_atomic(p, "new", 3, VT_WRITE_SYNC, &f->d), VT_OK);
    assert_holds(p, "new");
    assert_int_equal(count(f), 1);
    free(p);
}

/* A link to a regular file: the link is replaced by the new file, the
 * file it named (which may lie outside the output folder) is untouched. */
static void test_link_to_file(void **state)
{
    fixture *f = *state;
    char *real = strdup(at(f, "real.docx"));
    char *link = strdup(at(f, "link.docx"));
    assert_int_equal(vt_write_atomic(real, "old", 3, VT_WRITE_NOSYNC, &f->d), VT_OK);
    assert_int_equal(symlink("real.docx", link), 0);
    assert_int_equal(vt_write_atomic(link, "new", 3, VT_WRITE_NOSYNC, &f->d), VT_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_holds(link, "new");
    assert_holds(real, "old");
    assert_int_equal(count(f), 2);
    free(real);
    free(link);
}

/* Refused, left exactly as it was, and no temporary file: a folder, a
 * FIFO (without blocking), a link to a device, a link to nothing, a
 * device node (made only as root, in the test folder). */
static void refused(fixture *f, const char *path, const char *msg)
{
    struct stat before, after;
    assert_int_equal(lstat(path, &before), 0);
    size_t n = count(f);
    size_t k = f->d.count;
    assert_int_equal(vt_write_atomic(path, "x", 1, VT_WRITE_SYNC, &f->d), VT_ERR_IO);
    assert_int_equal(f->d.count, k + 1);
    if (!strstr(f->d.msgs[k], msg))
        fail_msg("%s: got \"%s\", want \"%s\"", path, f->d.msgs[k], msg);
    assert_int_equal(lstat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mode, after.st_mode);
    assert_int_equal(count(f), n);
}

static void test_not_a_regular_file(void **state)
{
    fixture *f = *state;
    char *p = strdup(at(f, "folder"));
    assert_int_equal(mkdir(p, 0777), 0);
    refused(f, p, "the output path is a folder");
    rmdir(p);
    free(p);
    p = strdup(at(f, "fifo"));
    assert_int_equal(mkfifo(p, 0666), 0);
    refused(f, p, "is not a regular file (a pipe); vanthu replaces only regular files");
    free(p);
    p = strdup(at(f, "to-null"));
    assert_int_equal(symlink("/dev/null", p), 0);
    refused(f, p, "is not a regular file (a device)");
    free(p);
    p = strdup(at(f, "dangling"));
    assert_int_equal(symlink("nothing", p), 0);
    refused(f, p, "is a symbolic link to nothing");
    free(p);
    if (geteuid() == 0) {
        p = strdup(at(f, "null"));
        assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
        refused(f, p, "is not a regular file (a device)");
        free(p);
    }
    /* /dev/null itself: refused before anything is created */
    size_t k = f->d.count;
    assert_int_equal(vt_write_atomic("/dev/null", "x", 1, VT_WRITE_NOSYNC, &f->d), VT_ERR_IO);
    assert_non_null(strstr(f->d.msgs[k], "/dev/null: is not a regular file (a device)"));
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

/* A missing folder: a message, no crash, nothing made. */
static void test_missing_folder(void **state)
{
    fixture *f = *state;
    char *p = strdup(at(f, "missing/b.docx"));
    assert_int_equal(vt_write_atomic(p, "x", 1, VT_WRITE_NOSYNC, &f->d), VT_ERR_IO);
    assert_non_null(strstr(f->d.msgs[0], "cannot write the file"));
    assert_int_equal(count(f), 0);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_regular_file_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_to_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_regular_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_folder, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
