/*
 * sheet_splice.h - put the clusters of a school list into a plan's text.
 */
#ifndef VT_SHEET_SPLICE_H
#define VT_SHEET_SPLICE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/vanthu.h"
#include "plan/sheet.h"

/* plan (len bytes, the text of the plan called name) with its <clusters>
 * replaced by the clusters of s (or added before <copies-to>/</plan>),
 * into out; the counts into nc and ns.  The result is not yet validated:
 * load it before use. */
vt_error vt_plan_splice_clusters(const char *name, const char *plan,
                                 size_t len, const vt_sheet *s, vt_buf *out,
                                 size_t *nc, size_t *ns, vt_diags *d);

#endif
