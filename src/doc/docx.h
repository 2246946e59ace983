/*
 * docx.h - write DOCX packages: a template's parts plus a new
 * document.xml, deterministically (files are written by fileio.h).
 */
#ifndef VT_DOCX_H
#define VT_DOCX_H

#include <stddef.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/vanthu.h"

/* The fixed modification time stamped on every entry, so the same input
 * always gives the same bytes (5 March 2020, the decree's date). */
#define VT_DOCX_MTIME_YEAR 2020

/* libdeflate level for the generated parts (zipw.c).  Measured on a giấy
 * mời's 6.8 KB document.xml (tests/bench/deflate.c, CPU time): level 1
 * gives 1734 bytes in 11.8 us, level 6 1611 bytes in 22.3 us (zlib level
 * 1, as libzip ran it per part: 1767 bytes in 75 us).  Level 1 costs 123
 * bytes (1.8 % of the letter) and halves the time: in a batch of
 * thousands of letters the time matters more than the bytes.  Copied
 * template parts keep whatever compression they were packed with (level
 * 9, once, at build time). */
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

/* One generated part: the entry at index gets xml (UTF-8). */
typedef struct {
    unsigned long long index;
    const char *xml;
    size_t len;
} vt_docx_part;

/* The same with several generated parts (the main document and the
 * headers, footers and notes a template fills).  Folder entries of the
 * template are left out. */
vt_error vt_docx_writer_build_parts(vt_docx_writer *w,
                                    const vt_docx_part *parts, size_t nparts,
                                    vt_buf *out, vt_diags *d);

/* A part added to the package (a picture in word/media), with the
 * relationship id the main document's drawings use for it.  PNG data is
 * already compressed, so it is stored, not deflated. */
typedef struct {
    const char *name;   /* "word/media/vt-signature.png" */
    const char *rel_id; /* "rIdVtSig" */
    const unsigned char *data;
    size_t len;
} vt_docx_media;

/* vt_docx_writer_build_parts plus pictures: each media part is added after
 * the template's entries, in the order given, with a relationship from
 * the main document (its .rels part rewritten) and the png Default in
 * [Content_Types].xml.  nmedia 0 is vt_docx_writer_build_parts. */
vt_error vt_docx_writer_build_media(vt_docx_writer *w,
                                    const vt_docx_part *parts, size_t nparts,
                                    const vt_docx_media *media, size_t nmedia,
                                    vt_buf *out, vt_diags *d);

/* The same for one document: open, build, free. */
vt_error vt_docx_build(const unsigned char *pkg, size_t pkg_len,
                       unsigned long long doc_index, const char *xml,
                       size_t xml_len, vt_buf *out, vt_diags *d);

#endif
