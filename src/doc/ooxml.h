/*
 * ooxml.h - a small WordprocessingML writer and the Decree-30 blocks built
 * with it (header, title, Kính gửi, căn cứ, numbered body, tables with
 * merged cells, Nơi nhận and signature, appendices).
 *
 * Every value from a plan reaches the XML through vt_xml_text() or
 * vt_xml_attr(): those are the only two escaping paths, so a plan can
 * never inject markup.
 */
#ifndef VT_OOXML_H
#define VT_OOXML_H

#include "base/buf.h"
#include "base/xml.h"
#include "plan/model.h"

/* Page geometry shared by every template: A4 portrait, margins 20/20/30/20
 * mm (top/bottom/left/right); text width in twips. */
enum {
    VT_TEXT_WIDTH = 11906 - 1701 - 1134,
    /* header and signature tables: a little wider than the text, centred,
     * so that the agency and the Quốc hiệu each fit on one line */
    VT_COL_LEFT = 3969,
    VT_COL_RIGHT = 5386,
    VT_CELL_MARGIN = 57, /* left/right cell margin in those tables */
};

typedef struct {
    int bold, italic;
    int size; /* half-points; 0 inherits the style's size */
} vt_rpr;

void vt_ox_run(vt_buf *b, const char *text, const vt_rpr *rpr);
/* A paragraph in the given style with one run of text. */
void vt_ox_para(vt_buf *b, const char *style, const char *text,
                const vt_rpr *rpr);
/* A rule: an empty paragraph whose bottom border is length twips long,
 * centred in avail twips. */
void vt_ox_rule(vt_buf *b, long length, long avail);
/* The length of the decree's short rule (1/3 to 1/2 of the text line
 * above it): 0.4 of the line, the line capped at avail. */
long vt_rule_length(const char *text, double size_pt, int bold, long avail);

/* A paragraph of text that Word will wrap, with its lines balanced by
 * hand when its last line would be one word alone; returns the width of
 * its longest line in twips (at most avail). */
long vt_ox_balanced_para(vt_buf *b, const char *style, const char *text,
                         double size_pt, int bold, long avail);

/* A table with its grid, heading row and merged cells (gridSpan for
 * colspan, vMerge restart/continue for rowspan). */
void vt_ox_table(vt_buf *b, const vt_table *t, long width);

/* The blocks a template's {{>name}} placeholders are filled with.
 * sect_pr is the template's own section properties, repeated at each
 * appendix so that every appendix starts a page and numbers its pages from
 * 1. */
void vt_ox_header(vt_buf *b, const vt_plan *p);
void vt_ox_title(vt_buf *b, const vt_plan *p);
void vt_ox_recipients(vt_buf *b, const vt_plan *p);
void vt_ox_grounds(vt_buf *b, const vt_plan *p);
void vt_ox_body(vt_buf *b, const vt_plan *p);
void vt_ox_signature(vt_buf *b, const vt_plan *p);
void vt_ox_appendices(vt_buf *b, const vt_plan *p, const char *sect_pr);

/* Scalar texts, shared by templates and the blocks. */
void vt_ox_number_line(vt_buf *b, const vt_plan *p); /* "Số: 05/KH-PGDĐT" */
void vt_ox_place_date(vt_buf *b, const vt_plan *p);  /* "Kim Thành, ngày …" */

/* The signature and seal pictures: their relationship ids and package
 * parts (render.c adds the parts), and their drawing ids.  The ids sit in a
 * reserved range far above any template's own drawings (template.c
 * renumbers those from 1 upwards), so a letter never repeats one. */
#define VT_RID_SIGNATURE "rIdVtSig"
#define VT_RID_SEAL "rIdVtSeal"
#define VT_MEDIA_SIGNATURE "word/media/vt-signature.png"
#define VT_MEDIA_SEAL "word/media/vt-seal.png"
#define VT_DOCPR_SIGNATURE 2000000001u
#define VT_DOCPR_SEAL 2000000002u

#endif
