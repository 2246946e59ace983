/*
 * render.h - the per-document work shared by `render` and the batch of
 * `invite`: compute every field of a plan, fill the template, build the
 * DOCX package in memory.
 *
 * A renderer keeps its buffers and its open template package between
 * documents, so a thread of a batch allocates almost nothing per letter.
 */
#ifndef VT_RENDER_H
#define VT_RENDER_H

#include "base/buf.h"
#include "plan/model.h"
#include "doc/template.h"
#include "base/vanthu.h"

typedef struct vt_renderer vt_renderer;

vt_error vt_renderer_open(const vt_template *t, vt_renderer **out,
                          vt_diags *d);
void vt_renderer_free(vt_renderer *r);

/* Render p into a complete DOCX appended to pkg.  letter, when not NULL,
 * gives one letter's values indexed by vt_field (VT_F_CLUSTER …
 * VT_F_TOPIC, NULL for none): they fill those placeholders in the template
 * and every "{{cluster}}", "{{school}}", … written in the plan's own text. */
vt_error vt_renderer_run(vt_renderer *r, const vt_plan *p,
                         const char *const *letter, vt_buf *pkg, vt_diags *d);

/* A plan that makes one document: not a batch plan whose clusters give
 * the time and venue (those go through vt_invite). */
vt_error vt_render_check_single(const vt_plan *p, vt_diags *d);
/* vt_render into memory: the whole DOCX appended to pkg. */
vt_error vt_render_mem(const vt_plan *p, const vt_template *t, vt_buf *pkg,
                       vt_diags *d);
/* 1 if field f is one of a batch letter's own fields. */
int vt_field_is_letter(vt_field f);

#endif
