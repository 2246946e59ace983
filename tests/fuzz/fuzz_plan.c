/*
 * fuzz_plan.c - the plan parser and validator, and everything a plan
 * reaches when it is accepted.
 *
 * Input: the bytes of a plan file.  A plan that loads is taken as far as
 * the command line would take it: its output name, then either one
 * rendered document or a dry run of its invitation batch, through the
 * shipped template of its family.  Every document produced must be
 * well-formed (fz_check_docx).
 *
 * The plan is read with every school past the second spilled to the
 * temporary file a province's plan would use (vt_limits.spill_schools),
 * so the spill is fuzzed too; a plan that spilled is read again without
 * it and must give the same result and the same schools.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "doc/render.h"
#include "plan/model.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void render_batch(const vt_plan *p, vt_diags *d)
{
    vt_invite_opts o;
    memset(&o, 0, sizeof o);
    o.per = VT_PER_CLUSTER;
    o.jobs = 1;
    o.dry_run = 1;
    vt_invite(p, fz_template_for(p), "fuzz-not-written", &o, NULL, NULL, d);
}

/* The spilled plan p against the same bytes read with every school in
 * memory: the same schools, at the same places. */
static void same_as_unspilled(const vt_plan *p, const uint8_t *data,
                              size_t size)
{
    vt_limits lim = fz_limits();
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *q = NULL;
    CHECK(vt_plan_load_mem("fuzz.xml", (const char *)data, size, &lim, &q,
                           &d) == VT_OK && q->nclusters == p->nclusters,
          "a plan read with its schools spilled reads differently without");
    vt_school_list a, b;
    vt_school_list_init(&a);
    vt_school_list_init(&b);
    for (size_t i = 0; i < p->nclusters; i++) {
        CHECK(vt_cluster_schools(p, i, &a, &d) == VT_OK &&
                  vt_cluster_schools(q, i, &b, &d) == VT_OK && a.n == b.n,
              "a spilled cluster's schools cannot be read back whole");
        for (size_t k = 0; k < a.n; k++)
            CHECK(strcmp(a.names[k], b.names[k]) == 0 &&
                      a.pos[k].line == b.pos[k].line &&
                      a.pos[k].col == b.pos[k].col,
                  "a spilled school reads back changed");
    }
    vt_school_list_free(&a);
    vt_school_list_free(&b);
    vt_plan_free(q);
    vt_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vt_limits lim = fz_limits();
    lim.spill_schools = 2;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    if (vt_plan_load_mem("fuzz.xml", (const char *)data, size, &lim, &p,
                         &d) == VT_OK) {
        if (p->spilled)
            same_as_unspilled(p, data, size);
        free(vt_plan_output_name(p));
        vt_diags single;
        vt_diags_init(&single);
        if (vt_render_check_single(p, &single) == VT_OK)
            fz_render_check("rendered plan", p, fz_template_for(p), &d);
        else
            render_batch(p, &d);
        vt_diags_free(&single);
    } else {
        fz_check_refusal("plan", &d);
    }
    vt_plan_free(p);
    vt_diags_free(&d);
    return 0;
}
