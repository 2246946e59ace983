/*
 * fuzz_plan.c - the plan parser and validator, and everything a plan
 * reaches when it is accepted.
 *
 * Input: the bytes of a plan file.  A plan that loads is taken as far as
 * the command line would take it: its output name, then either one
 * rendered document or a dry run of its invitation batch, through the
 * shipped template of its family.  Every document produced must be
 * well-formed (fz_check_docx).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "doc/render.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vt_limits lim = fz_limits();
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    if (vt_plan_load_mem("fuzz.xml", (const char *)data, size, &lim, &p,
                         &d) == VT_OK) {
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
