/*
 * pdfobj.h - just enough of a PDF reader to add a signature to a file.
 *
 * Signing a PDF means appending an incremental update: new objects and a
 * new cross-reference section after the original bytes, which stay
 * untouched (so an earlier signature stays valid).  For that vanthu needs
 * the trailer, the catalog, the first page and the objects that hold the
 * form fields; it never renders or decompresses anything.  The reader
 * takes the whole file in memory, checks every offset against its length,
 * and keeps parsed values in an arena that lives as long as the document.
 * Cross-reference streams and object streams (PDF 1.5 compression) are
 * read (FlateDecode with PNG predictors, the only encoding they use in
 * practice), with a cap on every decoded size; hybrid files are read
 * through their classic tables; encrypted files are refused.
 */
#ifndef VT_PDFOBJ_H
#define VT_PDFOBJ_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

typedef enum {
    VT_PDF_NULL,
    VT_PDF_BOOL,
    VT_PDF_NUM,
    VT_PDF_NAME,   /* raw is "/Name" as written, escapes kept */
    VT_PDF_STRING, /* raw is "(...)" or "<...>" as written */
    VT_PDF_ARRAY,
    VT_PDF_DICT,   /* items: key, value, key, value... */
    VT_PDF_REF
} vt_pdf_kind;

typedef struct vt_pdf_obj vt_pdf_obj;
struct vt_pdf_obj {
    vt_pdf_kind kind;
    const char *raw; /* scalars: the token's text (not NUL-terminated) */
    size_t rawlen;
    long long num;   /* NUM: the integer value (0 if not an integer);
                        REF: the object number */
    int is_int;      /* NUM: written as an integer */
    int gen;         /* REF: the generation */
    size_t n;        /* ARRAY: items; DICT: 2 * entries */
    vt_pdf_obj **items;
    size_t pos;      /* where the value starts in the buffer it came from */
};

/* One cross-reference entry: where object k lives. */
typedef struct {
    size_t offset; /* in the file; for a compressed object, the number of
                      the object stream holding it */
    int gen;       /* 0 for a compressed object */
    int used;      /* an 'n' entry (or a compressed one) */
    int known;     /* some section said something about it */
    int compressed; /* in an object stream, at index `index` */
    size_t index;
} vt_pdf_xref;

/* A decoded object stream, kept while the document is open. */
typedef struct {
    long long num;
    const char *data;
    size_t len, first, n;
} vt_pdf_objstm;

typedef struct {
    const char *data; /* the file, not owned */
    size_t len;
    vt_arena arena;
    vt_pdf_xref *xref; /* indexed by object number */
    size_t nxref;
    vt_pdf_obj *trailer; /* the newest trailer dictionary */
    size_t startxref;    /* offset of the newest xref section */
    long long size;      /* the trailer's /Size */
    int hybrid;          /* some section has an /XRefStm, not followed */
    int xref_stream;     /* the newest section is a cross-reference stream:
                            an update must be one too */
    vt_pdf_objstm stm_cache[8]; /* decoded object streams */
    size_t stm_next;
} vt_pdf_doc;

/* Limits against hostile files. */
enum {
    VT_PDF_MAX_DEPTH = 64,        /* nesting of arrays and dictionaries */
    VT_PDF_MAX_OBJECTS = 8000000, /* the trailer's /Size */
    VT_PDF_MAX_SECTIONS = 1000,   /* /Prev chain of xref sections */
    VT_PDF_MAX_TREE = 64,         /* depth of the page tree */
    VT_PDF_MAX_STREAM = 64 << 20  /* a decoded xref or object stream */
};

/* Open a PDF held in memory; name is for messages.  Returns VT_ERR_PDF
 * (with a message in d) for anything this reader cannot follow. */
vt_error vt_pdf_open(const char *name, const char *data, size_t len,
                     vt_pdf_doc *doc, vt_diags *d);
void vt_pdf_close(vt_pdf_doc *doc);

/* Parse one value at data[*pos..len); advances *pos past it.  Returns
 * NULL on a syntax error (with *err set to a short reason). */
vt_pdf_obj *vt_pdf_parse_value(vt_arena *a, const char *data, size_t len,
                               size_t *pos, const char **err);

/* The object number's value (NULL if free, missing or unparsable).
 * *stream is set when the object is a stream (its dictionary returned). */
vt_pdf_obj *vt_pdf_get(vt_pdf_doc *doc, long long num, int *stream);
/* obj itself, or the object it refers to. */
vt_pdf_obj *vt_pdf_resolve(vt_pdf_doc *doc, vt_pdf_obj *obj);

/* A dictionary's value for key ("Type", without the slash), or NULL. */
vt_pdf_obj *vt_pdf_dict_get(const vt_pdf_obj *dict, const char *key);
/* Set key to value in dict (replacing an existing entry); -1 if no memory. */
int vt_pdf_dict_set(vt_arena *a, vt_pdf_obj *dict, const char *key,
                    vt_pdf_obj *value);
/* Append an item to an array; -1 if no memory. */
int vt_pdf_array_push(vt_arena *a, vt_pdf_obj *arr, vt_pdf_obj *item);
/* Is obj the name /n? */
int vt_pdf_is_name(const vt_pdf_obj *obj, const char *n);

/* New values in the arena (NULL if no memory). */
vt_pdf_obj *vt_pdf_new(vt_arena *a, vt_pdf_kind kind);
vt_pdf_obj *vt_pdf_new_raw(vt_arena *a, vt_pdf_kind kind, const char *raw);
vt_pdf_obj *vt_pdf_new_ref(vt_arena *a, long long num, int gen);
/* A shallow copy (items array copied, so it can grow apart). */
vt_pdf_obj *vt_pdf_copy(vt_arena *a, const vt_pdf_obj *obj);

/* Write a value in PDF syntax. */
void vt_pdf_write(vt_buf *b, const vt_pdf_obj *obj);

/* The first page: its object number and dictionary, or -1. */
long long vt_pdf_first_page(vt_pdf_doc *doc, vt_pdf_obj **page, vt_diags *d,
                            const char *name);

/* Decode a string value's bytes (literal or hex) into the arena. */
unsigned char *vt_pdf_string_bytes(vt_arena *a, const vt_pdf_obj *s,
                                   size_t *len);

#endif
