/*
 * package.h - reading the parts of a DOCX package held in memory, hardened.
 *
 * A DOCX from outside may be a zip bomb or carry a DOCTYPE with entities;
 * these helpers read a part with a byte limit whatever the zip header
 * claims, and parse it with the network off, no entity expansion and any
 * DOCTYPE refused.  vanthu check reads styles.xml and the header parts
 * through them; the importer's reader (import_docx.c) does the same for
 * word/document.xml and may switch to these.
 */
#ifndef VT_PACKAGE_H
#define VT_PACKAGE_H

#include <libxml/tree.h>
#include <stddef.h>
#include <zip.h>

#include "buf.h"
#include "vanthu.h"

/* Open the package in data (read-only, consistency checked); NULL with a
 * message naming name when it is not a readable zip. */
zip_t *vt_package_open(const char *name, const char *data, size_t len, vt_diags *d);

/* The bytes of part into out, refusing more than max bytes.  A missing
 * part is VT_ERR_ZIP when required, else leaves out empty. */
vt_error vt_package_read_part(const char *name, zip_t *z, const char *part,
                              int required, size_t max, vt_buf *out, vt_diags *d);

/* Parse len bytes of part from memory (no network, no entities, no
 * DOCTYPE) into *out; an empty part leaves *out NULL. */
vt_error vt_package_parse_part(const char *name, const char *part, const char *xml,
                               size_t len, xmlDocPtr *out, vt_diags *d);

#endif
