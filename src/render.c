/*
 * render.c - put a plan through a template: compute the scalar texts and
 * generated blocks, fill the template, build the package, write it.
 *
 * A block the plan has but the template cannot place is an error rather
 * than silently dropped text: a clerk who trimmed {{>body}} out of a
 * template must hear about it before a document goes out half-empty.
 */
#include <stdlib.h>
#include <string.h>

#include "docx.h"
#include "model.h"
#include "ooxml.h"
#include "template.h"
#include "vanthu.h"
#include "vn_text.h"

typedef struct {
    vt_buf v[VT_F__COUNT];
} values;

static void values_free(values *vs)
{
    for (int f = 0; f < VT_F__COUNT; f++)
        vt_buf_free(&vs->v[f]);
}

static void join_lines(vt_buf *b, const char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vt_buf_printf(b, "%s%s", i ? " " : "", lines[i]);
}

static void compute(values *vs, const vt_plan *p, const vt_template *t)
{
    vt_buf *v = vs->v;
    vt_buf_puts(&v[VT_F_AGENCY], p->agency);
    vt_text_upper(p->agency, &v[VT_F_AGENCY_UPPER]);
    if (p->parent)
        vt_text_upper(p->parent, &v[VT_F_PARENT_UPPER]);
    vt_ox_number_line(&v[VT_F_NUMBER], p);
    vt_ky_hieu(p->number, p->type->abbr, p->agency_abbr, p->unit,
               &v[VT_F_KY_HIEU]);
    vt_ox_place_date(&v[VT_F_PLACE_DATE], p);
    vt_buf_puts(&v[VT_F_TYPE_NAME], p->type->name);
    vt_text_upper(p->type->name, &v[VT_F_TYPE_NAME_UPPER]);
    join_lines(&v[VT_F_SUBJECT], p->subject, p->nsubject);
    join_lines(&v[VT_F_RECIPIENT], p->to, p->nto);
    if (p->inv.invitee) {
        vt_buf_puts(&v[VT_F_INVITEE], p->inv.invitee);
        vt_buf_puts(&v[VT_F_EVENT], p->inv.event);
        if (p->inv.chair)
            vt_buf_puts(&v[VT_F_CHAIR], p->inv.chair);
        vt_buf_puts(&v[VT_F_TIME], p->inv.time);
        vt_buf_puts(&v[VT_F_VENUE], p->inv.venue);
    }
    vt_buf_puts(&v[VT_F_SIGNER], p->signer);
    if (!p->body)
        vt_buf_puts(&v[VT_F_END], "./.");
    vt_ox_header(&v[VT_F_HEADER], p);
    vt_ox_title(&v[VT_F_TITLE], p);
    vt_ox_recipients(&v[VT_F_RECIPIENTS], p);
    vt_ox_grounds(&v[VT_F_GROUNDS], p);
    vt_ox_body(&v[VT_F_BODY], p);
    vt_ox_signature(&v[VT_F_SIGNATURE], p);
    vt_ox_appendices(&v[VT_F_APPENDICES], p, vt_template_sect_pr(t));
}

/* Blocks whose content would be lost if the template has no place for it. */
static int check_places(const values *vs, const vt_template *t, vt_diags *d)
{
    static const vt_field needed[] = {VT_F_HEADER, VT_F_RECIPIENTS,
                                      VT_F_GROUNDS, VT_F_BODY, VT_F_SIGNATURE,
                                      VT_F_APPENDICES, VT_F_INVITEE};
    int bad = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        vt_field f = needed[i];
        if (vs->v[f].len && !vt_template_uses(t, f)) {
            vt_diags_addf(d,
                          "%s: the template has no %s%s}} placeholder, so "
                          "the plan's %s would be lost; use the template of "
                          "this document type or add the placeholder",
                          vt_template_name(t),
                          vt_field_is_block(f) ? "{{>" : "{{",
                          vt_field_name(f), vt_field_name(f));
            bad = 1;
        }
    }
    return bad;
}

vt_error vt_render(const vt_plan *p, const vt_template *t, const char *out_path,
                   vt_diags *d)
{
    values vs;
    memset(&vs, 0, sizeof vs);
    vt_buf xml, pkg;
    vt_buf_init(&xml);
    vt_buf_init(&pkg);
    vt_error rc = VT_OK;
    compute(&vs, p, t);
    for (int f = 0; f < VT_F__COUNT; f++)
        if (vs.v[f].oom)
            rc = VT_ERR_NOMEM;
    if (rc == VT_OK && check_places(&vs, t, d))
        rc = VT_ERR_TEMPLATE;
    if (rc == VT_OK) {
        const char *vals[VT_F__COUNT];
        for (int f = 0; f < VT_F__COUNT; f++)
            vals[f] = vs.v[f].data;
        vt_template_fill(t, vals, &xml);
        if (xml.oom)
            rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK) {
        size_t len;
        unsigned long long idx;
        const unsigned char *bytes = vt_template_package(t, &len, &idx);
        rc = vt_docx_build(bytes, len, idx, xml.data, xml.len, &pkg, d);
    }
    if (rc == VT_OK)
        rc = vt_write_atomic(out_path, pkg.data, pkg.len, d);
    values_free(&vs);
    vt_buf_free(&xml);
    vt_buf_free(&pkg);
    return rc;
}
