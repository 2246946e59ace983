/*
 * sign.h - digital signatures in PDF files, made and checked with NSS.
 *
 * Decree 30 sends documents between agencies as signed PDFs.  vanthu adds
 * a signature as an incremental update (the original bytes stay as they
 * are, so a second signature, the agency's after the signer's, leaves the
 * first one valid) and checks the signatures of a file: who signed, when,
 * and whether any byte changed since.  The key and certificate come from
 * an NSS database, which is also where agencies' USB tokens plug in
 * (PKCS#11).  A password or PIN is read from a file or asked on the
 * terminal, never taken from the command line.
 *
 * The PDF side (placeholder, byte ranges) is separate from the crypto so
 * that it can be tested without keys: vt_pdf_sig_prepare and
 * vt_pdf_sig_fill.
 */
#ifndef VT_SIGN_H
#define VT_SIGN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

/* The largest PDF vanthu signs or verifies. */
#define VT_SIGN_MAX_PDF ((size_t)512 << 20)
/* Bytes reserved for the CMS signature (twice as many hex digits). */
#define VT_SIGN_CONTENTS_BYTES 16384

typedef struct {
    const char *nss_dir;       /* the NSS database folder */
    const char *nick;          /* certificate nickname ("Token:nick" on a
                                  token) */
    const char *password_file; /* its first line is the password or PIN;
                                  NULL: ask on the terminal, echo off */
    int etsi;                  /* ETSI.CAdES.detached (PAdES baseline)
                                  instead of adbe.pkcs7.detached */
    long long when;            /* signing time, seconds since 1970; 0: now */
    const char *password;      /* already read (vt_sign_read_password):
                                  used instead of password_file or the
                                  prompt; NULL: read when needed */
} vt_sign_opts;

/* Read the password or PIN of o once, from o->password_file or on the
 * terminal (echo off), before anything waits on it: issue --sign and
 * invite --sign ask before they lock the register.  *pw (free it with
 * vt_sign_password_free, which wipes it) then goes into o->password. */
vt_error vt_sign_read_password(const vt_sign_opts *o, char **pw, vt_diags *d);
void vt_sign_password_free(char *pw);

/* Sign the PDF in[0..len): *out (malloc'd, *out_len bytes) is in plus an
 * incremental update holding the signature.  name is for messages. */
vt_error vt_pdf_sign(const char *name, const char *in, size_t len,
                     const vt_sign_opts *o, char **out, size_t *out_len,
                     vt_diags *d);
/* Read in_path, sign, and write out_path atomically (never half-written;
 * out_path may equal in_path). */
vt_error vt_pdf_sign_file(const char *in_path, const char *out_path,
                          const vt_sign_opts *o, vt_diags *d);

/* One signature found in a file. */
typedef struct {
    char *field;       /* the form field's name (/T), UTF-8 */
    char *signer;      /* the certificate's common name */
    char *subject;     /* the certificate's whole subject */
    char *time;        /* "YYYY-MM-DD HH:MM:SS UTC", "" if none */
    char *subfilter;   /* adbe.pkcs7.detached, ETSI.CAdES.detached... */
    int intact;        /* the signed bytes and the signature match */
    int trusted;       /* 1: chain valid and trusted at the signing time;
                          0: not (see trust_note); -1: not checked */
    char *problem;     /* why not intact ("" when intact) */
    char *trust_note;  /* why not trusted, or "" */
    size_t covered;    /* the signed revision ends here */
} vt_sig_info;

typedef struct {
    vt_sig_info *sigs; /* in the order they were made */
    size_t n;
    size_t file_len;
} vt_sig_report;

/* Check every signature of the PDF data[0..len).  With nss_dir, the
 * certificates are also checked against that database's trusted CAs.
 * Returns VT_OK when there is at least one signature, every one is intact
 * (and trusted, when checked), and the last covers the whole file;
 * VT_ERR_SIGNATURE otherwise (the report and d say why; rep->n == 0 when
 * the file has no signature at all, which `register verify` may accept
 * for documents never signed); VT_ERR_PDF when the file cannot be read.
 * Each call opens and closes its own NSS context.  The caller frees rep
 * with vt_sig_report_free (also after a failure). */
vt_error vt_pdf_verify(const char *name, const char *data, size_t len,
                       const char *nss_dir, vt_sig_report *rep, vt_diags *d);
void vt_sig_report_free(vt_sig_report *rep);
/* The same for a file on disk. */
vt_error vt_pdf_verify_file(const char *path, const char *nss_dir,
                            vt_sig_report *rep, vt_diags *d);

/* ---- the PDF side, without crypto (tested on its own) ------------------ */

typedef struct {
    const char *subfilter;   /* "adbe.pkcs7.detached" */
    const char *signer;      /* /Name, UTF-8 (may be NULL) */
    long long when;          /* /M, seconds since 1970 */
    size_t contents_bytes;   /* room for the CMS */
} vt_sig_fields;

typedef struct {
    size_t hole_start, hole_end; /* "<" ... ">" of /Contents */
    size_t br_pos, br_width;     /* the /ByteRange placeholder */
} vt_sig_layout;

/* Append to out a copy of in plus an incremental update with an empty
 * signature field on page 1 (placeholders for /ByteRange and /Contents,
 * already final in size), and fill /ByteRange.  VT_ERR_PDF when the file
 * cannot be read or updated.  With out and lay NULL it only checks that
 * the file can be signed (before anyone is asked for a password). */
vt_error vt_pdf_sig_prepare(const char *name, const char *in, size_t len,
                            const vt_sig_fields *f, vt_buf *out,
                            vt_sig_layout *lay, vt_diags *d);
/* The SHA-256 of everything but the /Contents hole. */
void vt_pdf_sig_digest(const vt_buf *out, const vt_sig_layout *lay,
                       unsigned char digest[32]);
/* Write the DER signature as hex into the hole; -1 if it does not fit. */
int vt_pdf_sig_fill(vt_buf *out, const vt_sig_layout *lay,
                    const unsigned char *der, size_t der_len);

/* A signature field as the file holds it, before any crypto. */
typedef struct {
    char *field;          /* /T, UTF-8 */
    char *subfilter;      /* without the slash */
    char *m;              /* /M as written ("D:2026..."), or "" */
    unsigned long long br[4]; /* /ByteRange */
    unsigned char *der;   /* /Contents, trailing padding cut */
    size_t der_len;
    char *problem;        /* the layout is wrong (then der may be NULL) */
    long long obj;        /* the field's object number, -1 if inline */
} vt_sig_raw;

/* Every signature field (/FT /Sig with a value) of the PDF, in file
 * order of their signed revisions; each checked for layout: /ByteRange
 * starts at 0, its hole is exactly the /Contents string, nothing past the
 * end of the file.  Free with vt_sig_raw_free. */
vt_error vt_pdf_sig_find(const char *name, const char *data, size_t len,
                         vt_sig_raw **out, size_t *n, vt_diags *d);
void vt_sig_raw_free(vt_sig_raw *s, size_t n);

#endif
