/*
 * fileio.h - atomic file writes, temporary names and folder syncs.
 */
#ifndef VT_FILEIO_H
#define VT_FILEIO_H

#include <stddef.h>

#include "base/vanthu.h"

/* Write data to path through a temporary file in the same folder and a
 * rename, so that path is either the old file or the complete new one.
 * Only a regular file is ever replaced: a folder, device, FIFO, socket or
 * a symbolic link to one (or to nothing) is refused with a message; a
 * symbolic link to a regular file is itself replaced by the new file (the
 * file it named is never written: it may lie outside the output folder).  The temporary name is short (".vt-XXXXXXXXXXXX
 * .tmp"), so a target whose name is near NAME_MAX can still be replaced.
 * VT_WRITE_SYNC also flushes the file to disk before the rename; a batch
 * leaves it out and syncs its whole folder once at the end instead. */
enum { VT_WRITE_NOSYNC = 0, VT_WRITE_SYNC = 1 };
/* VT_WRITE_NEW: path does not exist yet and lies in a folder nobody else
 * sees (a batch's staging folder), so it is created and written in place:
 * atomicity comes from renaming the whole folder at the end. */
enum { VT_WRITE_NEW = 2 };
vt_error vt_write_atomic(const char *path, const void *data, size_t len,
                         int flags, vt_diags *d);

/* Write all len bytes of data to fd, whatever write takes at a time (a
 * signal, a pipe): 0, or the errno of the write that failed (EIO when one
 * wrote nothing). */
int vt_write_all(int fd, const void *data, size_t len);

/* "<prefix>-" and twelve random hex digits into out, for temporary
 * files and folders that must not collide; -1 if no randomness. */
int vt_temp_name(const char *prefix, char *out, size_t size);

/* fsync a folder, so that the names created in it (a rename, a linked
 * unnamed file) survive a crash; 0 or -1 with errno. */
int vt_fsync_dir(const char *dir);
/* The folder part of path ("." when there is none, "/" for the root);
 * caller frees. */
char *vt_path_dir(const char *path);

#endif
