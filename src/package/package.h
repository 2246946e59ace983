/*
 * package.h - read an OPC package (a DOCX) that arrived from anywhere.
 *
 * This is the layer below templates and below a future DOCX importer or
 * checker: it opens the zip, checks every entry once, finds the part Word
 * would open and the parts related to it, and parses XML parts with one
 * hardened parser.  Nothing above it touches libzip for reading.
 *
 * vt_package_open refuses, naming the entry:
 *  - more entries than --max-parts, unsafe names ("../x", "/x", "a\\b",
 *    "C:x"), two names equal but for case (OPC part names ignore case),
 *    symbolic links and other special files (Unix mode in the external
 *    attributes);
 *  - an entry that cannot be inflated whole with the right CRC (bad CRC,
 *    broken deflate data, an unknown compression method, encryption), one
 *    inflating past --max-part-bytes, or parts together past 4 times that;
 *  - a package whose _rels/.rels does not name exactly one main document
 *    (relationship officeDocument) that exists, with a Word document
 *    content type in [Content_Types].xml; macro-enabled documents are
 *    refused.
 * Because every entry was inflated and its CRC checked, a writer may then
 * copy entries without recompressing them and the result is sound.
 */
#ifndef VT_PACKAGE_H
#define VT_PACKAGE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "base/vanthu.h"

#define VT_REL_OFFICE_DOCUMENT                                                \
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"    \
    "officeDocument"
#define VT_REL_BASE                                                           \
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define VT_REL_HEADER VT_REL_BASE "header"
#define VT_REL_FOOTER VT_REL_BASE "footer"
#define VT_REL_FOOTNOTES VT_REL_BASE "footnotes"
#define VT_REL_ENDNOTES VT_REL_BASE "endnotes"
#define VT_REL_COMMENTS VT_REL_BASE "comments"

typedef struct vt_package vt_package;

typedef struct {
    const char *name;         /* the entry name, e.g. "word/document.xml" */
    unsigned long long index; /* the zip entry index */
    size_t size;              /* inflated size (checked) */
    const char *content_type; /* from [Content_Types].xml, or NULL */
    int is_dir;               /* a folder entry ("word/"): no content */
} vt_part;

typedef struct {
    char *type;          /* relationship type URI */
    char *id;            /* r:id */
    char *target;        /* the target resolved to a part name, or the
                            external URI as written */
    int external;        /* TargetMode="External" */
    const vt_part *part; /* the target part; NULL when external or missing */
} vt_rel;

/* Open and check a package held in memory (not copied: data must outlive
 * the package).  label names the file in messages. */
vt_error vt_package_open(const char *label, const void *data, size_t len,
                         const vt_limits *lim, vt_package **out, vt_diags *d);
void vt_package_free(vt_package *p);

size_t vt_package_count(const vt_package *p);
const vt_part *vt_package_part(const vt_package *p, size_t i);
/* The part called name (ignoring ASCII case, as OPC does), or NULL. */
const vt_part *vt_package_find(const vt_package *p, const char *name);
/* The main document part (what Word opens). */
const vt_part *vt_package_main(const vt_package *p);
const char *vt_package_label(const vt_package *p);

/* Read a part whole (NUL-terminated, caller frees). */
vt_error vt_package_read(vt_package *p, const vt_part *part, char **data,
                         size_t *len, vt_diags *d);

/* The relationships of part (its _rels/NAME.rels; NULL for the package's
 * own _rels/.rels), resolved to parts.  *rels is an array the caller frees
 * with vt_package_rels_free.  A part without relationships gives none; a
 * target outside the package is an error, a missing one has part NULL. */
vt_error vt_package_rels(vt_package *p, const vt_part *part, vt_rel **rels,
                         size_t *n, vt_diags *d);
void vt_package_rels_free(vt_rel *rels, size_t n);

/* Refuse (VT_ERR_TEMPLATE, one message per link) relationships that point
 * outside the package, in any part, other than hyperlinks: an attached
 * template, linked picture, OLE link or frame that Word would fetch when
 * the document opens.  For packages whose parts vanthu copies out. */
vt_error vt_package_check_external(vt_package *p, vt_diags *d);

/* Parse an XML part with the hardened parser: no network, no entity
 * substitution, a DOCTYPE refused wherever it stands and whatever the
 * encoding (seen by the parser, not by looking at bytes), and no more
 * than *budget elements, attributes, namespace declarations, comments and
 * processing instructions (decremented; the budget is shared by all the
 * parts of a package so the total is bounded: see --max-elements).
 * Returns NULL with a message naming label and part on refusal; *rc says
 * why (VT_ERR_XML, VT_ERR_LIMIT, VT_ERR_NOMEM). */
typedef struct {
    size_t left, limit;
} vt_xml_budget;

xmlDoc *vt_xml_parse_part(const char *label, const char *part,
                          const char *data, size_t len, vt_xml_budget *budget,
                          vt_error *rc, vt_diags *d);

/* Read part and parse it with vt_xml_parse_part under the package's
 * element budget; NULL with *rc and a message on failure. */
xmlDoc *vt_package_parse(vt_package *p, const vt_part *part, vt_error *rc,
                         vt_diags *d);

/* The element budget left for parsing parts of p with vt_xml_parse_part. */
vt_xml_budget *vt_package_budget(vt_package *p);

#endif
