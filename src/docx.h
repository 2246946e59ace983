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

/* Deflate level for generated parts: 6 is zlib's own default and within a
 * few per cent of 9's size on WordprocessingML at a fraction of the time. */
#define VT_DOCX_DEFLATE_LEVEL 6

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
vt_error vt_write_atomic(const char *path, const void *data, size_t len,
                         int flags, vt_diags *d);

#endif
