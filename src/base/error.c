/*
 * error.c - the error enum's messages, exit codes, diagnostics and limits.
 *
 * Diagnostics are plain strings formatted at the point of detection, because
 * the point of detection is the only place that knows the element, the
 * expected value and the position in the user's file.
 */
#include "base/vanthu.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static const char *const messages[VT_ERR__COUNT] = {
    [VT_OK] = "no error",
    [VT_ERR_NOMEM] = "out of memory",
    [VT_ERR_IO] = "input/output error",
    [VT_ERR_XML] = "not well-formed XML",
    [VT_ERR_PLAN] = "the plan is not valid",
    [VT_ERR_TEMPLATE] = "the template is not usable",
    [VT_ERR_ZIP] = "not a readable DOCX package",
    [VT_ERR_LIMIT] = "input exceeds a safety limit",
    [VT_ERR_USAGE] = "invalid use",
    [VT_ERR_MISMATCH] = "archived files differ from the register",
    [VT_ERR_PDF] = "not a PDF vanthu can read",
    [VT_ERR_SIGNATURE] = "the signature cannot be made or is not valid",
};

const char *vt_strerror(vt_error err)
{
    if ((int)err < 0 || err >= VT_ERR__COUNT)
        return "unknown error";
    return messages[err];
}

int vt_exit_code(vt_error err)
{
    switch (err) {
    case VT_OK:
        return VT_EXIT_OK;
    case VT_ERR_XML:
    case VT_ERR_PLAN:
    case VT_ERR_TEMPLATE:
    case VT_ERR_ZIP:
    case VT_ERR_LIMIT:
    case VT_ERR_MISMATCH:
    case VT_ERR_PDF:
    case VT_ERR_SIGNATURE:
        return VT_EXIT_INPUT;
    case VT_ERR_USAGE:
        return VT_EXIT_USAGE;
    default:
        return VT_EXIT_ENV;
    }
}

void vt_diags_init(vt_diags *d) { memset(d, 0, sizeof *d); }

void vt_diags_free(vt_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        free(d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof *d);
}

/* A diagnostic that cannot be stored is dropped: the error code still
 * reports the failure, and there is nothing better to do without memory. */
void vt_diags_addf(vt_diags *d, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        char **p = realloc(d->msgs, cap * sizeof *p);
        if (!p)
            return;
        d->msgs = p;
        d->cap = cap;
    }
    vt_buf b;
    vt_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    vt_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = vt_buf_take(&b);
    if (msg)
        d->msgs[d->count++] = msg;
}

void vt_diags_print(const vt_diags *d, FILE *fp)
{
    for (size_t i = 0; i < d->count; i++)
        fprintf(fp, "%s\n", d->msgs[i]);
}

vt_limits vt_limits_default(void)
{
    vt_limits l = {
        .max_plan_bytes = 16u << 20,
        .max_part_bytes = 64u << 20,
        .max_parts = 1000,
        .max_depth = 32,
        .max_table_cells = 100000,
        .max_elements = 500000,
        .spill_schools = 65536,
    };
    return l;
}
