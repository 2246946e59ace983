/*
 * docx.h - write DOCX packages: a template's parts plus a new
 * document.xml, deterministically, and files atomically.
 */
#ifndef VT_DOCX_H
#define VT_DOCX_H

#include <stddef.h>

#include "buf.h"
#include "vanthu.h"

/* The fixed modification time stamped on every entry, so the same input
 * always gives the same bytes (5 March 2020, the decree's date). */
#define VT_DOCX_MTIME_YEAR 2020

/* Deflate level for the generated document.xml.  Measured on a giấy mời's
 * 6.8 KB document.xml (zlib 1.2.13): level 1 gives 1765 bytes in 18 us,
 * level 6 (zlib's default) 1603 bytes in 34 us, level 9 (libzip's
 * default) 1602 bytes in 43 us.  Level 1 costs 160 bytes (2.4 % of the
 * letter) and halves the time: in a batch of thousands of letters the
 * time matters more than the bytes.  Copied template parts keep whatever
 * compression they were packed with (level 9, once, at build time). */
#define VT_DOCX_DEFLATE_LEVEL 1

/* A writer holds a template package open so that many documents can be
 * built from it: a batch opens one per thread (libzip objects are not
 * shared between threads) and parses the package's directory once. */
typedef struct vt_docx_writer vt_docx_writer;

vt_error vt_docx_writer_open(const unsigned char *pkg, size_t pkg_len,
                             unsigned long long doc_index,
                             vt_docx_writer **out, vt_diags *d);
void vt_docx_writer_free(vt_docx_writer *w);

/* Build a package in memory into out (appended): every entry of the
 * template is copied without recompression, except word/document.xml,
 * which gets xml. */
vt_error vt_docx_writer_build(vt_docx_writer *w, const char *xml,
                              size_t xml_len, vt_buf *out, vt_diags *d);

/* The same for one document: open, build, free. */
vt_error vt_docx_build(const unsigned char *pkg, size_t pkg_len,
                       unsigned long long doc_index, const char *xml,
                       size_t xml_len, vt_buf *out, vt_diags *d);

/* Write data to path through a temporary file in the same folder and a
 * rename, so that path is either the old file or the complete new one.
 * VT_WRITE_SYNC also flushes the file to disk before the rename; a batch
 * leaves it out and syncs its whole folder once at the end instead. */
enum { VT_WRITE_NOSYNC = 0, VT_WRITE_SYNC = 1 };
/* VT_WRITE_NEW: path does not exist yet and lies in a folder nobody else
 * sees (a batch's staging folder), so it is created and written in place:
 * atomicity comes from renaming the whole folder at the end. */
enum { VT_WRITE_NEW = 2 };
vt_error vt_write_atomic(const char *path, const void *data, size_t len,
                         int flags, vt_diags *d);

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
