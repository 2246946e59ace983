/*
 * fileio.c - writing files so that a reader never sees half of one.
 *
 * Every document, letter, manifest and archived file vanthu writes goes
 * through vt_write_atomic: the bytes go to an unnamed file (O_TMPFILE) or
 * a temporary name in the same folder, and the finished file takes its
 * name in one step, so a crash or a full disk leaves the old file or the
 * new one, never a mix.  Split out of docx.c, which builds packages and
 * need not know how they reach the disk.
 */
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int vt_temp_name(const char *prefix, char *out, size_t size)
{
    unsigned char r[6];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return -1;
    snprintf(out, size, "%s-%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2],
             r[3], r[4], r[5]);
    return 0;
}

char *vt_path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* A short random name in path's folder (".vt-3fa2c1d04e77.tmp"): it must
 * fit NAME_MAX however long the target's own name is, so it does not
 * repeat that name.  Returns 0, or -1 if no randomness. */
static int temp_beside(const char *path, char *tmp, size_t size)
{
    const char *slash = strrchr(path, '/');
    int head = slash ? (int)(slash - path + 1) : 0;
    char name[32];
    if (vt_temp_name(".vt", name, sizeof name) != 0)
        return -1;
    snprintf(tmp, size, "%.*s%s.tmp", head, path, name);
    return 0;
}

/* Like mkstemp, but created 0666 so that the umask applies as to any new
 * document: mkstemp's 0600 would need an fchmod and a umask() round trip,
 * and umask is process-wide, so threads doing that would race. */
static int open_temp(const char *path, char *tmp, size_t size)
{
    for (int tries = 0; tries < 100; tries++) {
        if (temp_beside(path, tmp, size) != 0)
            return -1;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* An unnamed file in path's folder (O_TMPFILE), or -1 where the file
 * system has none.  It gets its name only once complete, with one
 * directory operation instead of create + rename: that halves the cost of
 * a batch of thousands of letters in one folder. */
static int open_unnamed(const char *path)
{
    char *dir = vt_path_dir(path);
    if (!dir)
        return -1;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    free(dir);
    return fd;
}

int vt_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fill(int fd, const void *data, size_t len, int flags)
{
    int err = vt_write_all(fd, data, len);
    if (err)
        return err;
    if ((flags & VT_WRITE_SYNC) && fsync(fd) != 0)
        return errno;
    return 0;
}

/* Name the unnamed file fd as path; a path that already exists is
 * replaced atomically through a temporary name and rename. */
static int link_unnamed(int fd, const char *path, char *tmp, size_t size)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    if (errno != EEXIST)
        return errno;
    for (int tries = 0; tries < 100; tries++) {
        if (temp_beside(path, tmp, size) != 0)
            return errno;
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            if (rename(tmp, path) == 0)
                return 0;
            int err = errno;
            unlink(tmp);
            return err;
        }
        if (errno != EEXIST)
            return errno;
    }
    return EEXIST;
}

int vt_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    errno = err;
    return rc;
}

/* What may be replaced: nothing, or a regular file, or a symbolic link to
 * a regular file.  The link itself is replaced by the new file and the
 * file it named is left untouched: following it could write outside the
 * output folder (a link planted in an archive folder) or overwrite an
 * archived document a shortcut pointed at.  A link to anything else or to
 * nothing is refused like a device, a FIFO or /proc/self/fd/1, which a
 * rename would otherwise replace with a plain file (root writing
 * -o /dev/null would lose /dev/null).  Returns 0 to go on, or -1 with a
 * message in d. */
static int output_target(const char *path, vt_diags *d)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0; /* missing: created; other errors: the write reports */
    if (S_ISREG(st.st_mode))
        return 0;
    if (S_ISDIR(st.st_mode)) {
        vt_diags_addf(d, "%s: the output path is a folder; give a file name",
                      path);
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0) {
            vt_diags_addf(d, "%s: is a symbolic link to nothing (%s); vanthu "
                             "writes only to a regular file",
                          path, strerror(errno));
            return -1;
        }
        if (S_ISREG(st.st_mode))
            return 0;
    }
    vt_diags_addf(d, "%s: is not a regular file (%s); vanthu replaces "
                     "only regular files: give a file name",
                  path, S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                        : S_ISFIFO(st.st_mode)                   ? "a pipe"
                        : S_ISSOCK(st.st_mode)                   ? "a socket"
                        : S_ISDIR(st.st_mode)                    ? "a folder"
                                                                 : "not a file");
    return -1;
}

static int write_new_or_temp(const char *path, const void *data, size_t len,
                             int flags, char *tmp, size_t n)
{
    int err = 0;
    int fd = -1;
    if (!(flags & VT_WRITE_NEW) && (fd = open_unnamed(path)) >= 0) {
        err = fill(fd, data, len, flags);
        if (!err)
            err = link_unnamed(fd, path, tmp, n);
        if (close(fd) != 0 && !err)
            err = errno;
        return err;
    }
    /* a new file in a private stage is written under its own name;
     * anything else through a temporary name and rename */
    const char *name = path;
    if (flags & VT_WRITE_NEW)
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    else if ((fd = open_temp(path, tmp, n)) >= 0)
        name = tmp;
    if (fd < 0)
        return errno;
    err = fill(fd, data, len, flags);
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && name != path && rename(name, path) != 0)
        err = errno;
    if (err)
        unlink(name);
    return err;
}

vt_error vt_write_atomic(const char *path, const void *data, size_t len,
                         int flags, vt_diags *d)
{
    if (!(flags & VT_WRITE_NEW) && output_target(path, d) != 0)
        return VT_ERR_IO;
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return VT_ERR_NOMEM;
    int err = write_new_or_temp(path, data, len, flags, tmp, n);
    free(tmp);
    if (!err)
        return VT_OK;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        vt_diags_addf(d, "%s: the output path is a folder; give a file name",
                      path);
    else
        vt_diags_addf(d, "%s: cannot write the file: %s", path, strerror(err));
    return VT_ERR_IO;
}
