/*
 * import_docx.h - the text of a DOCX, laid out as a clerk would type it,
 * for the text importer.
 *
 * A DOCX is read into the same lines a typed document has: one line per
 * paragraph (a line break inside a sentence, as vanthu wraps a balanced
 * trích yếu, reads as a space; any other starts a line); a layout table (the header, the Nơi nhận / signature table:
 * no borders) cell after cell, as the lines read down each column; a data
 * table row by row with its cells separated by tabs, a vertically merged
 * cell's continuation left empty, the columns a cell spans marked with
 * VT_DOCX_SPAN.  Emphasis inside a paragraph is kept as
 * **bold** and *italic*, which the text importer turns into <b> and <i>.
 * So one importer reads both, and what works for text works for Word.
 */
#ifndef VT_IMPORT_DOCX_H
#define VT_IMPORT_DOCX_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

/* A data table cell covered by the cell before it in the row (a Word cell
 * spanning grid columns, w:gridSpan) reads as this mark alone: a private
 * use character no typed document holds, which the text importer turns back
 * into colspan. */
#define VT_DOCX_SPAN "\xee\x80\x80" /* U+E000 */

/* The span mark must not be forgeable: a U+E000 the document or a typed
 * text holds itself becomes U+FFFD (the same three bytes long), so only
 * vt_docx_to_text writes the mark.  Returns how many were replaced. */
size_t vt_docx_scrub_span(char *s);

/* 1 if data looks like a zip package (a DOCX). */
int vt_is_zip(const char *data, size_t len);

/* The bytes of the main document (word/document.xml) of the DOCX in data,
 * and of its numbering part when numbering is given (left empty if the
 * document has none), through the shared package reader (src/package.c):
 * a package it refuses is refused here with its words; max_part and
 * max_parts are its --max-part-bytes and --max-parts. */
vt_error vt_docx_read_document(const char *name, const char *data, size_t len,
                               size_t max_part, size_t max_parts,
                               vt_buf *xml, vt_buf *numbering, vt_diags *d);

/* The document's text as lines (see above) into text; num_xml (may be
 * NULL) is word/numbering.xml, for the numbers Word draws itself.  The two
 * parts together hold at most max_elements XML elements (--max-elements;
 * 0: the default). */
vt_error vt_docx_to_text(const char *name, const char *xml, size_t len,
                         const char *num_xml, size_t num_len,
                         size_t max_elements, vt_buf *text, vt_diags *d);

#endif
