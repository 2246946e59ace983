/*
 * import_file.h - a clerk's document, in whatever form it came, into a
 * plan: `vanthu import FILE` and the web desk's upload both call this, so
 * an uploaded file goes through exactly the readers the command line uses.
 */
#ifndef VT_IMPORT_FILE_H
#define VT_IMPORT_FILE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"

/* data (len bytes) is a DOCX (a zip) or text in UTF-8, UTF-16, TCVN3 or
 * VNI: decode it, import it and check that the plan loads.  name is used
 * in the messages.  The plan's XML goes to xml (also when it does not
 * validate: the return code says so, and d every problem and warning). */
vt_error vt_import_data(const char *name, const char *data, size_t len,
                        vt_buf *xml, vt_diags *d);

#endif
