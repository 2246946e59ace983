/* Unit tests for the streaming side of plan.c: the <cluster>s of a batch
 * plan are read as each one ends and freed, and a plan file is read in
 * chunks with positions counted in a window of it.  What must not change:
 * every message, in the order and at the file:line:col the whole-tree walk
 * gave them, whether the plan comes from memory or from a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "plan/model.h"

/* Messages of a plan whose problems lie before, inside, between and after
 * its clusters, as the walk over the whole tree printed them (checked
 * against the code before streaming). */
static const char BROKEN[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plan type=\"giay-moi\">\n"
    "  <agency><name abbr=\"SGD\">Sở</name></agency>\n"
    "  <number>3</number><date>2018-03-05</date>\n"
    "  <subject>Họp</subject>\n"
    "  <invitation><invitee>Hiệu trưởng {{school}}</invitee><event>họp</event></invitation>\n"
    "  <clusters>\n"
    "    <cluster name=\"Cụm 1\" date=\"2018-02-30\" session=\"trưa\">\n"
    "      <venue>Trường A</venue><school>TH A</school><school>TH B</school>\n"
    "    </cluster>\n"
    "    stray text\n"
    "    <cluster name=\"Cụm 2\" date=\"2018-04-01\" time=\"25:00\">\n"
    "      <venue>Trường B</venue><school>TH C</school><school>TH A</school><bogus/>\n"
    "    </cluster>\n"
    "    <extra/>\n"
    "    <cluster date=\"2018-04-02\"><school>TH D</school></cluster>\n"
    "  </clusters>\n"
    "  <clusters><cluster name=\"X\"><school>TH Z</school></cluster></clusters>\n"
    "  <copies-to><to>Lưu</to></copies-to>\n"
    "  <signature><title>GĐ</title><name>A</name></signature>\n"
    "</plan>\n";

static const char *const BROKEN_WANT[] = {
    "p.xml:3:3: <agency> is missing <place> (the địa danh of the date line)",
    "p.xml:18:3: <clusters> appears twice in <plan>; give it once",
    "p.xml:7:3: text directly inside <clusters> is not allowed",
    "p.xml:15:5: <extra> is not allowed inside <clusters>; expected <cluster>",
    "p.xml:8:5: <cluster> \"2018-02-30\" is not a real date: month 2 of 2018 "
    "has 28 days",
    "p.xml:8:5: <cluster session=\"trưa\"> must be sáng, chiều or tối",
    "p.xml:13:72: <bogus> is not allowed inside <cluster>; expected <host>, "
    "<venue>, <topic>, <school>",
    "p.xml:12:5: <cluster time=\"25:00\"> must be HH:MM, e.g. 07:30",
    "p.xml:16:5: <cluster> needs name=\"…\" (e.g. name=\"Cụm số 1\")",
    "p.xml:19:14: warning: <to> starts with \"Lưu\": the file copy line is "
    "<archive>VT, …</archive>, which vanthu prints as \"- Lưu: VT, ….\" at "
    "the end",
    "p.xml:19:3: <copies-to> is missing <archive> (the file copy line \"Lưu: "
    "VT, …\"; write e.g. <archive>VT, GDTH</archive>)",
};

/* Write data to a new temporary file; its name goes in path. */
static void temp_file(const char *data, size_t len, char *path, size_t n)
{
    snprintf(path, n, "/tmp/vt-test-plan-stream-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

#define BROKEN_N (sizeof BROKEN_WANT / sizeof BROKEN_WANT[0])

static void assert_same_diags(const vt_diags *a, const vt_diags *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        assert_string_equal(a->msgs[i], b->msgs[i]);
}

static void test_messages_in_walk_order(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(vt_plan_lint_mem("p.xml", BROKEN, strlen(BROKEN), NULL,
                                      &p, &d),
                     VT_ERR_PLAN);
    assert_null(p);
    assert_int_equal(d.count, sizeof BROKEN_WANT / sizeof BROKEN_WANT[0]);
    for (size_t i = 0; i < d.count; i++)
        assert_string_equal(d.msgs[i], BROKEN_WANT[i]);
    vt_diags_free(&d);

    /* the same with every school spilled to disk, and a school that is
     * empty or has an attribute reported from the spill as from the model */
    static const char *const school_bad[] = {
        "<school>TH B</school>", "<school x=\"1\">TH B</school>",
        "<school>  </school>"};
    for (size_t k = 0; k < 3; k++) {
        vt_buf src;
        vt_buf_init(&src);
        const char *at = strstr(BROKEN, school_bad[0]);
        vt_buf_put(&src, BROKEN, (size_t)(at - BROKEN));
        vt_buf_puts(&src, school_bad[k]);
        vt_buf_puts(&src, at + strlen(school_bad[0]));
        vt_limits lim = vt_limits_default();
        vt_diags want;
        vt_diags_init(&want);
        vt_diags_init(&d);
        assert_int_equal(vt_plan_lint_mem("p.xml", src.data, src.len, &lim,
                                          &p, &want),
                         VT_ERR_PLAN);
        lim.spill_schools = 0;
        assert_int_equal(vt_plan_lint_mem("p.xml", src.data, src.len, &lim,
                                          &p, &d),
                         VT_ERR_PLAN);
        assert_same_diags(&want, &d);
        assert_int_equal(d.count, BROKEN_N + (k > 0));
        vt_diags_free(&want);
        vt_diags_free(&d);
        vt_buf_free(&src);
    }
}

/* The same bytes read from a file: the same messages, the file's name
 * in place of "p.xml". */
static void test_file_same_as_memory(void **state)
{
    (void)state;
    char path[64];
    temp_file(BROKEN, strlen(BROKEN), path, sizeof path);
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    assert_int_equal(vt_plan_lint(path, NULL, &p, &d), VT_ERR_PLAN);
    unlink(path);
    assert_int_equal(d.count, sizeof BROKEN_WANT / sizeof BROKEN_WANT[0]);
    for (size_t i = 0; i < d.count; i++) {
        assert_int_equal(strncmp(d.msgs[i], path, strlen(path)), 0);
        assert_string_equal(d.msgs[i] + strlen(path),
                            BROKEN_WANT[i] + strlen("p.xml"));
    }
    vt_diags_free(&d);
}

/* A plan far larger than the position window and the parser's chunks:
 * 400 clusters of 20 schools (a ke-hoach, so the duplicate check runs at
 * load), one school listed twice at the very end.  The position of the
 * repeat is counted over the whole file; the model holds every cluster
 * and school, with shared texts intact. */
enum { CLUSTERS = 400, SCHOOLS = 20 };

/* The plan above into x; *line gets the line of the last cluster's
 * closing tag plus one (where the repeat's cluster starts). */
static void big_plan(vt_buf *xp, int *linep)
{
    vt_buf x = *xp;
    vt_buf_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<plan type=\"KH\">\n"
                    "  <agency><name abbr=\"PGDĐT\">Phòng Giáo dục</name>"
                    "<place>Kim Thành</place></agency>\n"
                    "  <date>2020-03-05</date><subject>S</subject>\n"
                    "  <body><p>x</p></body>\n  <clusters>\n");
    int line = 6;
    for (int c = 0; c < CLUSTERS; c++) {
        vt_buf_printf(&x, "    <cluster name=\"Cụm số %d\">\n"
                          "      <topic>hoạt động trải nghiệm</topic>\n",
                      c + 1);
        line += 2;
        for (int s = 0; s < SCHOOLS; s++, line++)
            vt_buf_printf(&x, "      <school>Trường Tiểu học số %d-%d</school>\n",
                          c + 1, s + 1);
        vt_buf_puts(&x, "    </cluster>\n");
        line++;
    }
    vt_buf_puts(&x, "    <cluster name=\"Cụm cuối\">\n"
                    "      <school>Trường Tiểu học số 7-3</school>\n"
                    "    </cluster>\n  </clusters>\n"
                    "  <copies-to><to>Như trên</to><archive>VT</archive>"
                    "</copies-to>\n"
                    "  <signature><title>Trưởng phòng</title><name>A</name>"
                    "</signature>\n</plan>\n");
    assert_false(x.oom);
    *xp = x;
    *linep = line;
}

static void test_big_plan_from_file(void **state)
{
    (void)state;
    vt_buf x;
    vt_buf_init(&x);
    int line;
    big_plan(&x, &line);
    assert_true(x.len > 4 * 65536);
    int dup_line = line + 2;
    char path[64];
    temp_file(x.data, x.len, path, sizeof path);

    vt_diags fd, md;
    vt_diags_init(&fd);
    vt_diags_init(&md);
    vt_plan *p = NULL;
    vt_limits lim = vt_limits_default();
    lim.max_plan_bytes = x.len;
    assert_int_equal(vt_plan_load(path, &lim, &p, &fd), VT_ERR_PLAN);
    assert_int_equal(vt_plan_load_mem(path, x.data, x.len, &lim, &p, &md),
                     VT_ERR_PLAN);
    assert_same_diags(&fd, &md);
    assert_int_equal(fd.count, 1);
    char want[256];
    snprintf(want, sizeof want,
             "%s:%d:7: <school> \"Trường Tiểu học số 7-3\" is listed twice "
             "(in \"Cụm số 7\" and \"Cụm cuối\"); a school belongs to one "
             "cluster",
             path, dup_line);
    assert_string_equal(fd.msgs[0], want);

    /* without the repeat it loads, every school in place */
    char *last = strstr(x.data, "số 7-3</school>\n    </cluster>\n  </clusters>");
    assert_non_null(last);
    memcpy(last, "số 7-X", strlen("số 7-X"));
    temp_file(x.data, x.len, path, sizeof path);
    assert_int_equal(vt_plan_load(path, &lim, &p, &fd), VT_OK);
    unlink(path);
    assert_int_equal(p->nclusters, CLUSTERS + 1);
    assert_int_equal(p->clusters[399].nschools, SCHOOLS);
    assert_string_equal(p->clusters[399].schools[19],
                        "Trường Tiểu học số 400-20");
    assert_int_equal(p->clusters[399].school_pos[19].line, line - 1);
    assert_int_equal(p->clusters[399].school_pos[19].col, 7);
    assert_string_equal(p->clusters[0].topic, "hoạt động trải nghiệm");
    assert_string_equal(p->clusters[399].topic, "hoạt động trải nghiệm");
    assert_string_equal(p->clusters[400].schools[0],
                        "Trường Tiểu học số 7-X");
    vt_plan_free(p);
    vt_buf_free(&x);
    vt_diags_free(&fd);
    vt_diags_free(&md);
}

/* The same plan with its schools spilled to a temporary file (all of them,
 * or past the first 1,000): the same message for the repeat, and every
 * school read back through vt_cluster_schools as the model holds it. */
static void test_spilled_schools(void **state)
{
    (void)state;
    vt_buf x;
    vt_buf_init(&x);
    int line;
    big_plan(&x, &line);
    char path[64];
    temp_file(x.data, x.len, path, sizeof path);
    vt_limits lim = vt_limits_default(), spill = lim;
    lim.max_plan_bytes = spill.max_plan_bytes = x.len;
    vt_diags a, b;
    vt_diags_init(&a);
    vt_diags_init(&b);
    vt_plan *p = NULL, *q = NULL;
    assert_int_equal(vt_plan_load(path, &lim, &p, &a), VT_ERR_PLAN);
    for (size_t after = 0; after <= 1000; after += 1000) {
        spill.spill_schools = after;
        vt_diags_free(&b);
        vt_diags_init(&b);
        assert_int_equal(vt_plan_load(path, &spill, &p, &b), VT_ERR_PLAN);
        assert_same_diags(&a, &b);
    }
    unlink(path);

    char *last = strstr(x.data, "số 7-3</school>\n    </cluster>\n  </clusters>");
    assert_non_null(last);
    memcpy(last, "số 7-X", strlen("số 7-X"));
    assert_int_equal(vt_plan_load_mem("p.xml", x.data, x.len, &lim, &p, &a),
                     VT_OK);
    spill.spill_schools = 1000;
    assert_int_equal(vt_plan_load_mem("p.xml", x.data, x.len, &spill, &q, &b),
                     VT_OK);
    assert_false(p->spilled);
    assert_true(q->spilled);
    assert_non_null(q->clusters[49].schools);  /* schools 981-1000 */
    assert_null(q->clusters[50].schools);      /* past 1,000: on disk */
    vt_school_list s, t;
    vt_school_list_init(&s);
    vt_school_list_init(&t);
    assert_int_equal(q->nclusters, p->nclusters);
    for (size_t i = 0; i < p->nclusters; i++) {
        assert_int_equal(vt_cluster_schools(p, i, &s, &a), VT_OK);
        assert_int_equal(vt_cluster_schools(q, i, &t, &b), VT_OK);
        assert_int_equal(s.n, t.n);
        for (size_t k = 0; k < s.n; k++) {
            assert_string_equal(s.names[k], t.names[k]);
            assert_int_equal(s.pos[k].line, t.pos[k].line);
            assert_int_equal(s.pos[k].col, t.pos[k].col);
        }
    }
    /* a spill cut short under vanthu is an error naming the cluster */
    assert_int_equal(ftruncate(q->spill_fd, 10), 0);
    size_t before = b.count;
    assert_int_equal(vt_cluster_schools(q, 399, &t, &b), VT_ERR_IO);
    assert_int_equal(b.count, before + 1);
    assert_non_null(strstr(b.msgs[before], "p.xml: cannot read back the "
                                           "schools of <cluster name=\"Cụm "
                                           "số 400\">"));
    /* and the two-clusters check says so, not that memory ran out */
    before = b.count;
    assert_int_equal(vt_check_schools(q, &b), -2);
    assert_true(b.count > before);
    assert_non_null(strstr(b.msgs[before], "cannot read back the schools"));
    vt_school_list_free(&s);
    vt_school_list_free(&t);
    vt_plan_free(p);
    vt_plan_free(q);

    /* nowhere to spill: refused with the reason, nothing half-read */
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent/vanthu-test", 1);
    vt_diags_free(&b);
    vt_diags_init(&b);
    q = NULL;
    assert_int_equal(vt_plan_load_mem("p.xml", x.data, x.len, &spill, &q, &b),
                     VT_ERR_IO);
    assert_null(q);
    assert_int_equal(b.count, 1);
    assert_non_null(strstr(b.msgs[0], "p.xml: cannot keep the plan's schools "
                                      "in a temporary file ($TMPDIR, or "
                                      "/tmp): No such file or directory"));
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    vt_buf_free(&x);
    vt_diags_free(&a);
    vt_diags_free(&b);
}

/* A file that cannot be a plan is refused as before: too large for the
 * limit (before a byte is parsed), gzip, empty. */
static void test_file_refusals(void **state)
{
    (void)state;
    char path[64];
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = NULL;
    vt_limits lim = vt_limits_default();
    lim.max_plan_bytes = 10;
    temp_file(BROKEN, strlen(BROKEN), path, sizeof path);
    assert_int_equal(vt_plan_load(path, &lim, &p, &d), VT_ERR_LIMIT);
    unlink(path);
    assert_non_null(strstr(d.msgs[0], "larger than the limit of 10 bytes"));
    temp_file("\x1f\x8b\x08\x00", 4, path, sizeof path);
    assert_int_equal(vt_plan_load(path, NULL, &p, &d), VT_ERR_XML);
    unlink(path);
    assert_non_null(strstr(d.msgs[1], "gzip-compressed"));
    temp_file("", 0, path, sizeof path);
    assert_int_equal(vt_plan_load(path, NULL, &p, &d), VT_ERR_XML);
    unlink(path);
    assert_non_null(strstr(d.msgs[2], ":1:1: not well-formed XML: Document "
                                      "is empty"));
    assert_null(p);
    vt_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_in_walk_order),
        cmocka_unit_test(test_file_same_as_memory),
        cmocka_unit_test(test_big_plan_from_file),
        cmocka_unit_test(test_spilled_schools),
        cmocka_unit_test(test_file_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
