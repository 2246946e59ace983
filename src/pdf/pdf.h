/*
 * pdf.h - PDF/A-2b from DOCX, through LibreOffice headless.
 *
 * Decree 30's electronic documents travel as PDF.  vanthu does not lay out
 * pages itself: LibreOffice does, in a process of its own with a throwaway
 * profile and a private font configuration that shows it only the
 * Liberation 2 fonts (Times-metric, with every Vietnamese letter), so no
 * fallback font can slip into a word.  A batch is one converter process
 * per worker, not one per document; a hung or crashed converter is an
 * error within the timeout and leaves no PDF behind.
 */
#ifndef VT_PDF_H
#define VT_PDF_H

#include <signal.h>
#include <stddef.h>

#include "base/vanthu.h"
#include "base/vn_text.h"
#include "pdf/sign.h"

/* Default time one converter process may take: a fixed start-up allowance
 * plus a share per document (LibreOffice starts in about a second and
 * converts a letter in a tenth of one on the development machine). */
#define VT_PDF_TIMEOUT_BASE 120
#define VT_PDF_TIMEOUT_PER_DOC 5
/* The folder of the Liberation 2 fonts on Debian 12 (fonts-liberation2),
 * unless $VANTHU_PDF_FONTS names another. */
#define VT_PDF_FONT_DIR "/usr/share/fonts/truetype/liberation2"

typedef struct vt_pdf_opts {
    const char *soffice; /* converter; NULL: $VANTHU_SOFFICE, else "soffice" */
    unsigned timeout_s;  /* per converter process; 0: the default above */
    unsigned jobs;       /* converter processes for a batch; 0: one */
    vt_date date;        /* the PDF's creation date; year 0: the clock's */
    int sync;            /* fsync each PDF before its rename */
    /* set non-zero by the caller's SIGINT/SIGTERM handler: the converters
     * are killed with their process groups, their folder removed, and the
     * conversion fails with nothing written; NULL: not watched */
    volatile sig_atomic_t *stop;
    /* invite --sign: each PDF signed (sign.h) before it is written; its
     * SHA-256 is the signed file's.  The password is read once, before
     * the first converter starts, unless sign->password has it. */
    const vt_sign_opts *sign;
} vt_pdf_opts;

void vt_pdf_opts_init(vt_pdf_opts *o);

/* Convert n DOCX files: the PDF of docx[i] is written to pdf[i] (through a
 * temporary file and a rename).  Nothing is written unless every document
 * converted. */
vt_error vt_pdf_convert(const char *const *docx, const char *const *pdf,
                        size_t n, const vt_pdf_opts *o, vt_diags *d);

/* The PDF of a DOCX held in memory (render -o FILE.pdf). */
vt_error vt_pdf_from_mem(const void *docx, size_t len, const char *pdf,
                         const vt_pdf_opts *o, vt_diags *d);

/* For invite --pdf: in folder dir, "X.pdf" beside each "X.docx" of names,
 * each PDF's SHA-256 (hex) into sha[i] when sha is not NULL. */
vt_error vt_pdf_folder(const char *dir, const char *const *names, size_t n,
                       const vt_pdf_opts *o, char (*sha)[65], vt_diags *d);

/* invite --pdf: in the batch's folder (before it is moved into place),
 * the PDF beside each of the n letters files[i] (names inside dir), its
 * name (allocated) into pdf[i] and its SHA-256 into sha[i]; with the
 * batch's workers as converter processes and the letters' date. */
vt_error vt_pdf_batch(const vt_pdf_opts *o, const char *dir, unsigned jobs,
                      const vt_date *date, const char *const *files,
                      size_t n, char **pdf, char (*sha)[65], vt_diags *d);

/* 1 if the TrueType font ttf maps every code point of cps[0..n) to a
 * glyph (its Unicode cmap, format 4 or 12), else 0.  Liberation 1.07 has
 * no "ư" or "ạ": with it LibreOffice would print empty boxes or borrow
 * another font. */
int vt_pdf_font_covers(const unsigned char *ttf, size_t len,
                       const unsigned *cps, size_t n);

/* issue --pdf: the PDF of the DOCX docx (len bytes) just archived at
 * docx_path, written and synced beside it with the date of issue; its
 * path (allocated) into *pdf_path and its SHA-256 into sha. */
vt_error vt_pdf_archive(const vt_pdf_opts *o, const void *docx, size_t len,
                        const char *docx_path, const vt_date *date,
                        char **pdf_path, char sha[65], vt_diags *d);

/* The PDF's name for a DOCX path: ".docx" (any case) replaced by ".pdf",
 * else ".pdf" appended.  Caller frees. */
char *vt_pdf_name(const char *docx);

/* Set the creation and modification dates LibreOffice wrote from the
 * clock (Info dictionary and XMP, same length, in place) to date at
 * 00:00:00 UTC.  Returns how many were set. */
int vt_pdf_set_dates(unsigned char *pdf, size_t len, const vt_date *date);

/* Set the file identifier (the trailer's /ID, both strings) to the
 * first half of the SHA-256 of the file with the old identifier blanked,
 * in place: the same content gives the same /ID, different content a
 * different one (LibreOffice derives it from the clock, which vanthu
 * holds still, so all PDFs of one date would share it).  LibreOffice's
 * /DocChecksum in the trailer, if there, gets the hash's second half.
 * 1 if set, 0 if no /ID of two 16-byte strings was found. */
int vt_pdf_set_id(unsigned char *pdf, size_t len);

#endif
