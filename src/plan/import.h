/*
 * import.h - start a plan from a file the clerk already has.
 */
#ifndef VT_IMPORT_H
#define VT_IMPORT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

/* Turn the bytes of a typed text file (UTF-8, UTF-16, TCVN3, VNI) or a DOCX
 * into a plan's XML, appended to xml.  path names the file in messages.
 * Warnings (what was guessed, the encoding converted) go to d with VT_OK;
 * a plan that does not validate is VT_ERR_PLAN with the validator's
 * messages (positions in the plan).  data need not be NUL-terminated.
 * lim bounds a DOCX's package and the plan (NULL: the defaults). */
vt_error vt_import_mem(const char *path, const char *data, size_t len,
                       const vt_limits *lim, vt_buf *xml, vt_diags *d);

#endif
