/*
 * zipw.h - a small deterministic zip writer for the packages vanthu
 * builds, one after another, into memory.
 *
 * libzip 1.7.3 cannot take data that is already compressed, and it builds
 * a Huffman tree with zlib for every small part; a batch of letters spends
 * most of its CPU there.  This writer copies a template's parts as the
 * compressed bytes they already are, deflates the generated parts with
 * libdeflate and CRCs them with its crc32, and writes every entry with the
 * same fixed time, so the same parts always give the same bytes.  Reading
 * zips (templates from a clerk's disk) stays with libzip.
 *
 * No zip64, no encryption, no data descriptors, no extra fields: a package
 * past 4 GiB or 65,535 entries is refused.
 */
#ifndef VT_ZIPW_H
#define VT_ZIPW_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* The DOS date and time every entry carries: 5 March 2020, 00:00 (the
 * decree's date), written as numbers, so no time zone can change them. */
#define VT_ZIPW_DOS_DATE ((uint16_t)(((2020 - 1980) << 9) | (3 << 5) | 5))
#define VT_ZIPW_DOS_TIME ((uint16_t)0)

enum { VT_ZIP_STORE = 0, VT_ZIP_DEFLATE = 8 };

typedef struct vt_zipw vt_zipw;

/* A writer that deflates at level (libdeflate's 1..12); NULL without
 * memory.  One per thread: the compressor holds scratch state. */
vt_zipw *vt_zipw_new(int level);
void vt_zipw_free(vt_zipw *z);

/* Start a package appended to out (whatever out holds stays before it,
 * and offsets count from the package's own start). */
void vt_zipw_begin(vt_zipw *z, vt_buf *out);

/* Add an entry from its already compressed bytes (method VT_ZIP_STORE or
 * VT_ZIP_DEFLATE, or whatever the template had), with the CRC-32 and size
 * of its uncompressed data, as a template's central directory gives them. */
void vt_zipw_add_raw(vt_zipw *z, const char *name, uint16_t method,
                     uint32_t crc, const void *comp, size_t comp_len,
                     uint64_t size);

/* Add an entry from its data: deflated (kept stored if deflate does not
 * make it smaller), or stored when deflate is 0 (a PNG is compressed
 * already). */
void vt_zipw_add(vt_zipw *z, const char *name, const void *data, size_t len,
                 int deflate);

/* The entry added last, as add_raw takes it: its method, CRC-32 and
 * compressed bytes (pointing into the package's buffer, valid until the
 * next add or end).  Lets a caller that builds many packages keep the
 * compressed form of a part that repeats instead of deflating it again.
 * 0, or -1 when there is no such entry (none yet, or an error). */
int vt_zipw_last(const vt_zipw *z, uint16_t *method, uint32_t *crc,
                 const void **comp, size_t *comp_len);

/* Write the central directory.  0 when the package is complete in out;
 * -1 when memory ran out or a limit was passed (out then holds a partial
 * package the caller discards). */
int vt_zipw_end(vt_zipw *z);

/* The CRC-32 of data (zip's, libdeflate's). */
uint32_t vt_zipw_crc32(const void *data, size_t len);

#endif
