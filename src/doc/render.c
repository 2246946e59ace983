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

#include "doc/render.h"

#include "doc/docx.h"
#include "plan/model.h"
#include "doc/ooxml.h"
#include "doc/template.h"
#include "base/vanthu.h"
#include "base/vn_text.h"

struct vt_renderer {
    const vt_template *t;
    vt_docx_writer *w;
    vt_buf v[VT_F__COUNT];
    vt_buf xml, tmp;
    vt_buf *px; /* the template's other filled parts (headers, notes) */
    vt_docx_part *parts;
};

int vt_field_is_letter(vt_field f)
{
    return f >= VT_F_CLUSTER && f <= VT_F_TOPIC;
}

static void compute(vt_buf *v, const vt_plan *p, const vt_template *t)
{
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
    vt_buf_join(&v[VT_F_SUBJECT], p->subject, p->nsubject, " ");
    vt_buf_join(&v[VT_F_RECIPIENT], p->to, p->nto, " ");
    if (p->inv.invitee) {
        vt_buf_puts(&v[VT_F_INVITEE], p->inv.invitee);
        vt_buf_puts(&v[VT_F_EVENT], p->inv.event);
        if (p->inv.chair)
            vt_buf_puts(&v[VT_F_CHAIR], p->inv.chair);
        if (p->inv.time)
            vt_buf_puts(&v[VT_F_TIME], p->inv.time);
        if (p->inv.venue)
            vt_buf_puts(&v[VT_F_VENUE], p->inv.venue);
    }
    vt_buf_puts(&v[VT_F_SIGNER], p->signer);
    /* the last line of the letter ends the text ("./.") unless a body
     * follows it, which then carries the end mark itself */
    vt_buf_puts(&v[VT_F_END], p->body ? "." : "./.");
    vt_ox_header(&v[VT_F_HEADER], p);
    vt_ox_title(&v[VT_F_TITLE], p);
    vt_ox_recipients(&v[VT_F_RECIPIENTS], p);
    vt_ox_grounds(&v[VT_F_GROUNDS], p);
    vt_ox_body(&v[VT_F_BODY], p);
    vt_ox_signature(&v[VT_F_SIGNATURE], p);
    vt_ox_appendices(&v[VT_F_APPENDICES], p, vt_template_sect_pr(t));
}

/* The first "cc" (two equal bytes) in s[0..n), or NULL.  memchr is
 * vectorised and the byte is rare in documents; glibc's memmem with a
 * two-byte needle walks every byte, and each letter scans every computed
 * value once. */
static const char *find_pair(const char *s, size_t n, char c)
{
    const char *end = s + n;
    while (s < end && (s = memchr(s, c, (size_t)(end - s))) != NULL) {
        if (s + 1 < end && s[1] == c)
            return s;
        s++;
    }
    return NULL;
}

/* Replace "{{cluster}}", "{{school}}", … in one computed value by the
 * letter's own values, escaped when the value is WordprocessingML.  One
 * pass: text coming from a value is never scanned again, so a school named
 * "{{x}}" stays as typed.  Any other "{{…}}" is left as the plan wrote it. */
static void expand(vt_buf *v, vt_buf *tmp, const char *const *letter,
                   int is_xml)
{
    if (!v->data || !find_pair(v->data, v->len, '{'))
        return; /* an empty value has no data: NULL + 0 is undefined */
    const char *s = v->data, *end = v->data + v->len;
    vt_buf_reset(tmp);
    while (s < end) {
        const char *open = find_pair(s, (size_t)(end - s), '{');
        if (!open) {
            vt_buf_put(tmp, s, (size_t)(end - s));
            break;
        }
        vt_buf_put(tmp, s, (size_t)(open - s));
        const char *name = open + 2;
        const char *close = find_pair(name, (size_t)(end - name), '}');
        int f = close ? vt_field_find(name, (size_t)(close - name)) : -1;
        if (f < 0 || !vt_field_is_letter((vt_field)f)) {
            vt_buf_put(tmp, open, 2);
            s = name;
            continue;
        }
        const char *val = letter[f] ? letter[f] : "";
        if (is_xml)
            vt_xml_text(tmp, val);
        else
            vt_buf_puts(tmp, val);
        s = close + 2;
    }
    vt_buf swap = *v;
    *v = *tmp;
    *tmp = swap;
}

/* Blocks whose content would be lost if the template has no place for it. */
static int check_places(const vt_buf *v, const vt_template *t, vt_diags *d)
{
    static const vt_field needed[] = {VT_F_HEADER, VT_F_RECIPIENTS,
                                      VT_F_GROUNDS, VT_F_BODY, VT_F_SIGNATURE,
                                      VT_F_APPENDICES, VT_F_INVITEE};
    int bad = 0;
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        vt_field f = needed[i];
        if (v[f].len && !vt_template_uses(t, f)) {
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

vt_error vt_renderer_open(const vt_template *t, vt_renderer **out,
                          vt_diags *d)
{
    *out = NULL;
    vt_renderer *r = calloc(1, sizeof *r);
    if (!r)
        return VT_ERR_NOMEM;
    r->t = t;
    size_t len;
    unsigned long long idx;
    const unsigned char *bytes = vt_template_package(t, &len, &idx);
    r->px = calloc(vt_template_nparts(t) + 1, sizeof *r->px);
    r->parts = calloc(vt_template_nparts(t) + 1, sizeof *r->parts);
    vt_error rc = r->px && r->parts
                      ? vt_docx_writer_open(bytes, len, idx, &r->w, d)
                      : VT_ERR_NOMEM;
    if (rc != VT_OK) {
        free(r->px);
        free(r->parts);
        free(r);
        return rc;
    }
    *out = r;
    return VT_OK;
}

void vt_renderer_free(vt_renderer *r)
{
    if (!r)
        return;
    for (int f = 0; f < VT_F__COUNT; f++)
        vt_buf_free(&r->v[f]);
    vt_buf_free(&r->xml);
    vt_buf_free(&r->tmp);
    for (size_t i = 0; i < vt_template_nparts(r->t); i++)
        vt_buf_free(&r->px[i]);
    free(r->px);
    free(r->parts);
    vt_docx_writer_free(r->w);
    free(r);
}

/* Running out of memory is said, not only returned: a clerk must never
 * see an exit code with nothing on stderr. */
static vt_error out_of_memory(const vt_plan *p, vt_diags *d)
{
    vt_diags_addf(d, "%s: out of memory while building the document",
                  p->path);
    return VT_ERR_NOMEM;
}

vt_error vt_renderer_run(vt_renderer *r, const vt_plan *p,
                         const char *const *letter, vt_buf *pkg, vt_diags *d)
{
    vt_buf *v = r->v;
    for (int f = 0; f < VT_F__COUNT; f++)
        vt_buf_reset(&v[f]);
    vt_buf_reset(&r->xml);
    compute(v, p, r->t);
    if (letter)
        for (int f = 0; f < VT_F__COUNT; f++) {
            if (vt_field_is_letter((vt_field)f)) {
                if (letter[f])
                    vt_buf_puts(&v[f], letter[f]);
            } else {
                expand(&v[f], &r->tmp, letter, vt_field_is_block((vt_field)f));
            }
        }
    for (int f = 0; f < VT_F__COUNT; f++)
        if (v[f].oom)
            return out_of_memory(p, d);
    if (check_places(v, r->t, d))
        return VT_ERR_TEMPLATE;
    const char *vals[VT_F__COUNT];
    for (int f = 0; f < VT_F__COUNT; f++)
        vals[f] = v[f].data;
    vt_template_fill(r->t, vals, &r->xml);
    if (r->xml.oom || r->tmp.oom)
        return out_of_memory(p, d);
    /* headers, footers and notes with placeholders are filled the same */
    size_t np = vt_template_nparts(r->t);
    vt_docx_part *parts = r->parts;
    parts[0] = (vt_docx_part){vt_template_part_index(r->t, 0), r->xml.data,
                              r->xml.len};
    for (size_t i = 1; i < np; i++) {
        vt_buf_reset(&r->px[i]);
        vt_template_fill_part(r->t, i, vals, &r->px[i]);
        if (r->px[i].oom)
            return out_of_memory(p, d);
        parts[i] = (vt_docx_part){vt_template_part_index(r->t, i),
                                  r->px[i].data, r->px[i].len};
    }
    /* the signature and seal pictures, once per package */
    vt_docx_media media[2];
    size_t nm = 0;
    if (p->sig_image && !p->signed_copy)
        media[nm++] = (vt_docx_media){VT_MEDIA_SIGNATURE, VT_RID_SIGNATURE,
                                      p->sig_image->data, p->sig_image->len};
    if (p->seal_image && !p->signed_copy)
        media[nm++] = (vt_docx_media){VT_MEDIA_SEAL, VT_RID_SEAL,
                                      p->seal_image->data, p->seal_image->len};
    return vt_docx_writer_build_media(r->w, parts, np, media, nm, pkg, d);
}

vt_error vt_render_check_single(const vt_plan *p, vt_diags *d)
{
    /* a batch plan's time and venue live in its clusters: one document
     * from it would say "Thời gian: ." */
    if (p->inv.invitee && (!p->inv.time || !p->inv.venue)) {
        vt_diags_addf(d, "%s:%d:%d: <invitation> has no %s: this is a batch "
                         "plan whose clusters give time and venue; write its "
                         "letters with \"vanthu invite\"",
                      p->path, p->invitation_pos.line, p->invitation_pos.col,
                      !p->inv.time ? "<time>" : "<venue>");
        return VT_ERR_PLAN;
    }
    return VT_OK;
}

vt_error vt_render_mem(const vt_plan *p, const vt_template *t, vt_buf *pkg,
                       vt_diags *d)
{
    vt_error rc = vt_render_check_single(p, d);
    if (rc != VT_OK)
        return rc;
    vt_renderer *r;
    rc = vt_renderer_open(t, &r, d);
    if (rc != VT_OK)
        return rc;
    rc = vt_renderer_run(r, p, NULL, pkg, d);
    vt_renderer_free(r);
    return rc;
}

vt_error vt_render(const vt_plan *p, const vt_template *t, const char *out_path,
                   vt_diags *d)
{
    vt_buf pkg;
    vt_buf_init(&pkg);
    vt_error rc = vt_render_mem(p, t, &pkg, d);
    if (rc == VT_OK)
        rc = vt_write_atomic(out_path, pkg.data, pkg.len, VT_WRITE_SYNC, d);
    vt_buf_free(&pkg);
    return rc;
}
