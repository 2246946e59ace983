/*
 * template.h - DOCX templates with {{placeholders}}.
 *
 * Syntax (in the text of the main document, its headers, footers,
 * footnotes and endnotes, as a clerk types it in Word; blocks only in the
 * main document's body):
 *   {{name}}    a scalar: replaced by text, keeping the formatting of the
 *               run where the placeholder starts;
 *   {{>name}}   a block: must be alone in its paragraph, which is replaced
 *               by generated paragraphs and tables;
 *   {{?name}}   anywhere in a paragraph: keep the paragraph only when the
 *               scalar name has a value (e.g. "{{?chair}}Chủ trì: {{chair}}").
 * A placeholder may be split across runs, spelling marks (w:proofErr),
 * bookmarks and revision ids, as Word and LibreOffice leave them after an
 * edit; the scanner reads a paragraph's text as a whole.
 *
 * A template is compiled once into literal XML segments and slots, so
 * filling a document is a single pass of copies.
 */
#ifndef VT_TEMPLATE_H
#define VT_TEMPLATE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

typedef enum {
    /* scalars */
    VT_F_AGENCY,
    VT_F_AGENCY_UPPER,
    VT_F_PARENT_UPPER,
    VT_F_NUMBER,
    VT_F_KY_HIEU,
    VT_F_PLACE_DATE,
    VT_F_TYPE_NAME,
    VT_F_TYPE_NAME_UPPER,
    VT_F_SUBJECT,
    VT_F_RECIPIENT,
    VT_F_INVITEE,
    VT_F_EVENT,
    VT_F_CHAIR,
    VT_F_TIME,
    VT_F_VENUE,
    /* one letter of a batch (vanthu invite); plan text may name them too */
    VT_F_CLUSTER,
    VT_F_SCHOOL,
    VT_F_SCHOOLS,
    VT_F_HOST,
    VT_F_TOPIC,
    VT_F_SIGNER,
    VT_F_END, /* "./." when the plan has no body to end with it, else "." */
    /* blocks */
    VT_F_HEADER,
    VT_F_TITLE,
    VT_F_RECIPIENTS,
    VT_F_GROUNDS,
    VT_F_BODY,
    VT_F_SIGNATURE,
    VT_F_APPENDICES,
    VT_F__COUNT
} vt_field;

/* The namespace of wp:docPr, whose id every drawing must have unique in a
 * document: the template scanner renumbers duplicates, the fuzzers check
 * the result. */
#define VT_WP_NS \
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"

const char *vt_field_name(vt_field f);
/* The field called name (len bytes), or -1. */
int vt_field_find(const char *name, size_t len);
int vt_field_is_block(vt_field f);

/* 1 if the template contains placeholder f. */
int vt_template_uses(const vt_template *t, vt_field f);
/* The template's w:sectPr, for section breaks before appendices. */
const char *vt_template_sect_pr(const vt_template *t);
const char *vt_template_name(const vt_template *t);

/* Fill the compiled main document: values[f] is plain text for scalars
 * (escaped here) and WordprocessingML for blocks; NULL counts as empty. */
void vt_template_fill(const vt_template *t, const char *const *values,
                      vt_buf *out);

/* The compiled parts: 0 is the main document (the part _rels/.rels names,
 * not always word/document.xml), then every header, footer, footnotes or
 * endnotes part that holds placeholders.  Each is filled like the main
 * part and replaces the package entry at its index. */
size_t vt_template_nparts(const vt_template *t);
unsigned long long vt_template_part_index(const vt_template *t, size_t i);
const char *vt_template_part_name(const vt_template *t, size_t i);
void vt_template_fill_part(const vt_template *t, size_t part,
                           const char *const *values, vt_buf *out);

/* The package bytes and the entry index of the main document, for
 * docx.c. */
const unsigned char *vt_template_package(const vt_template *t, size_t *len,
                                         unsigned long long *doc_index);

#endif
