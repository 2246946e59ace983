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

/* Build a package in memory: every entry of the template package pkg is
 * copied without recompression, except entry doc_index, which gets xml. */
vt_error vt_docx_build(const unsigned char *pkg, size_t pkg_len,
                       unsigned long long doc_index, const char *xml,
                       size_t xml_len, vt_buf *out, vt_diags *d);

/* Write data to path through a temporary file in the same folder and a
 * rename, so that path is either the old file or the complete new one. */
vt_error vt_write_atomic(const char *path, const void *data, size_t len,
                         vt_diags *d);

#endif
