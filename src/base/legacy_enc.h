/*
 * legacy_enc.h - turn the bytes of a text file a clerk saved into UTF-8 NFC.
 *
 * Offices still keep documents typed with the old Vietnamese font
 * encodings: TCVN3 (ABC, the ".Vn" fonts) and VNI (the "VNI-" fonts).
 * Saved as plain text they are not UTF-8; both are fixed character
 * tables, so they convert exactly.  The importer calls vt_text_decode()
 * once and then works on clean UTF-8 lines.
 */
#ifndef VT_LEGACY_ENC_H
#define VT_LEGACY_ENC_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

typedef enum {
    VT_ENC_UTF8,
    VT_ENC_UTF8_BOM,
    VT_ENC_UTF16LE,
    VT_ENC_UTF16BE,
    VT_ENC_TCVN3,
    VT_ENC_VNI,
    VT_ENC_TCVN3_IN_UTF8, /* TCVN3 bytes read as Windows-1252, saved as UTF-8 */
    VT_ENC_VNI_IN_UTF8,   /* the same for VNI */
} vt_encoding;

/* A name for messages: "UTF-8", "TCVN3 (ABC)", "VNI". */
const char *vt_encoding_name(vt_encoding e);

/* Decode data (len bytes of the file name) into out as UTF-8 in NFC with
 * LF line ends and no control characters other than tab and LF.  On
 * success *enc tells what the file was.  Errors (exit 1) name the file and,
 * where there is one, the line: an empty file, a binary file, a DOCX/PDF
 * given as text, invalid UTF-16, bytes in no known encoding. */
vt_error vt_text_decode(const char *name, const char *data, size_t len,
                        vt_buf *out, vt_encoding *enc, vt_diags *d);

/* The two tables on their own (bytes to UTF-8 NFC), for the tests. */
int vt_tcvn3_to_utf8(const unsigned char *s, size_t n, vt_buf *out);
int vt_vni_to_utf8(const unsigned char *s, size_t n, vt_buf *out);

/* Evidence that bytes are TCVN3 or VNI (how many tell-tale letters). */
void vt_legacy_scores(const unsigned char *s, size_t n, size_t *tcvn3,
                      size_t *vni);

#endif
