/* Unit tests for invite.c: numbering and file names, safe and unique
 * slugs, the same bytes whatever the thread count, manifests whose
 * checksums match, the whole batch checked before anything is written,
 * and nothing left behind when a batch fails midway. */
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zip.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/vanthu.h"
#include "plan/model.h"

static const char HEAD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plan type=\"giay-moi\">\n"
    "  <agency><parent>UBND huyện Kim Thành</parent>"
    "<name abbr=\"PGDĐT\">Phòng Giáo dục và Đào tạo</name>"
    "<place>Kim Thành</place></agency>\n"
    "  <number>12</number>\n"
    "  <date>2018-03-05</date>\n"
    "  <subject>Dự sinh hoạt chuyên môn</subject>\n"
    "  <invitation>\n"
    "    <invitee>Hiệu trưởng trường {{school}}</invitee>\n"
    "    <event>buổi sinh hoạt chuyên môn {{cluster}}</event>\n"
    "  </invitation>\n"
    "  <clusters>\n";
static const char TAIL[] =
    "  </clusters>\n"
    "  <copies-to><to>Lãnh đạo phòng</to><archive>VT, GDTH</archive></copies-to>\n"
    "  <signature><title>Trưởng phòng</title><name>Nguyễn Văn A</name></signature>\n"
    "</plan>\n";

static const char TWO_CLUSTERS[] =
    "    <cluster name=\"Cụm số 1\" date=\"2018-03-14\" session=\"sáng\" time=\"07:30\">\n"
    "      <host>TH Thượng Vũ</host><venue>Trường TH Thượng Vũ</venue>\n"
    "      <school>TH Lai Vu</school><school>TH Thượng Vũ</school>\n"
    "    </cluster>\n"
    "    <cluster name=\"Cụm số 2\" date=\"2018-03-15\" session=\"chiều\">\n"
    "      <venue>Trường TH Kim Lương</venue>\n"
    "      <school>TH Kim Xuyên</school><school>TH Kim Lương</school>"
    "<school>TH Phú Thái</school>\n"
    "    </cluster>\n";

/* Clusters "A", "A" and "A-2", and schools that slug alike, in a plan
 * without <number> (so nothing else tells the names apart): names need
 * suffixes, and a base name equals another letter's suffixed name
 * ("a-th-lai-vu-2", "a-2"). */
static const char SAME_SLUGS[] =
    "<cluster name=\"A\" date=\"2018-03-14\"><venue>V</venue>"
    "<school>TH Lai Vu</school><school>TH Lài Vũ</school>"
    "<school>TH Kìm</school></cluster>\n"
    "<cluster name=\"A\" date=\"2018-03-15\"><venue>V</venue>"
    "<school>TH Lai Vu 2</school><school>TH Kim</school></cluster>\n"
    "<cluster name=\"A-2\" date=\"2018-03-16\"><venue>V</venue>"
    "<school>TH Lại Vu</school></cluster>\n";

/* Its letters' names, in letter order, as vanthu has always given them. */
static const char *const SAME_SLUGS_SCHOOL[] = {
    "a-th-lai-vu.docx",     "a-th-lai-vu-2.docx", "a-th-kim.docx",
    "a-th-lai-vu-2-2.docx", "a-th-kim-2.docx",    "a-2-th-lai-vu.docx"};
static const char *const SAME_SLUGS_CLUSTER[] = {"a.docx", "a-2.docx",
                                                 "a-2-2.docx"};

/* The plan of HEAD, clusters and TAIL; without HEAD's <number> unless
 * numbered. */
static vt_plan *load_plan_lim(const char *clusters, int numbered,
                              const vt_limits *lim, vt_diags *d)
{
    static const char NUMBER[] = "  <number>12</number>\n";
    const char *num = strstr(HEAD, NUMBER);
    vt_buf b;
    vt_buf_init(&b);
    if (numbered)
        vt_buf_puts(&b, HEAD);
    else
        vt_buf_printf(&b, "%.*s%s", (int)(num - HEAD), HEAD,
                      num + strlen(NUMBER));
    vt_buf_printf(&b, "%s%s", clusters, TAIL);
    vt_plan *p = NULL;
    vt_plan_load_mem("batch.xml", b.data, b.len, lim, &p, d);
    vt_buf_free(&b);
    return p;
}

static vt_plan *load_plan(const char *clusters, int numbered, vt_diags *d)
{
    return load_plan_lim(clusters, numbered, NULL, d);
}

static vt_plan *load(const char *clusters, vt_diags *d)
{
    return load_plan(clusters, 1, d);
}

static vt_template *open_tpl(const char *family)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/templates/%s.docx", getenv("VT_BUILD_DIR"),
             family);
    vt_template *t = NULL;
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_template_open(path, NULL, &t, &d), VT_OK);
    vt_diags_free(&d);
    return t;
}

static char *tmp_dir(void)
{
    char *dir = strdup("/tmp/vt-invite-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void rm_rf(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(path);
        else
            unlink(path);
    }
    closedir(dp);
    rmdir(dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir, NULL-terminated; *n gets the count. */
static char **list_dir(const char *dir, size_t *n)
{
    char **v = calloc(20001, sizeof *v);
    *n = 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return v;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && *n < 20000)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            v[(*n)++] = strdup(e->d_name);
    closedir(dp);
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char *read_path(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    if (vt_read_file(path, 1 << 26, &data, len) != 0)
        return NULL;
    return data;
}

static char *document_xml(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int err;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_stat_t st;
    assert_int_equal(zip_stat(z, "word/document.xml", 0, &st), 0);
    zip_file_t *f = zip_fopen(z, "word/document.xml", 0);
    char *buf = calloc(1, st.size + 1);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_close(z);
    return buf;
}

static vt_error run_batch(const vt_plan *p, const vt_template *t,
                          const char *dir, vt_invite_per per, unsigned jobs,
                          vt_diags *d)
{
    vt_invite_opts o = {.per = per, .jobs = jobs};
    return vt_invite(p, t, dir, &o, NULL, NULL, d);
}

/* A plan, the giấy mời template and an empty folder, for one test. */
typedef struct {
    vt_diags d;
    vt_plan *p;
    vt_template *t;
    char *dir;
} fixture;

static void fx_open(fixture *f, const char *clusters)
{
    vt_diags_init(&f->d);
    f->p = load(clusters, &f->d);
    vt_diags_print(&f->d, stderr);
    assert_non_null(f->p);
    f->t = open_tpl("mau-1.7");
    f->dir = tmp_dir();
}

static void fx_close(fixture *f)
{
    rm_rf(f->dir);
    free(f->dir);
    vt_template_free(f->t);
    vt_plan_free(f->p);
    vt_diags_free(&f->d);
}

static size_t count_dir(const char *dir)
{
    size_t n;
    char **v = list_dir(dir, &n);
    free_list(v, n);
    return n;
}

static void test_per_school_numbers_and_names(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_SCHOOL, 2, &f.d), VT_OK);
    size_t n;
    char **names = list_dir(f.dir, &n);
    assert_int_equal(n, 5 + 2);
    assert_string_equal(names[0], "12-cum-so-1-th-lai-vu.docx");
    assert_string_equal(names[1], "12-cum-so-1-th-thuong-vu.docx");
    assert_string_equal(names[2], "13-cum-so-2-th-kim-luong.docx");
    assert_string_equal(names[5], "manifest.csv");
    free_list(names, n);
    /* the empty folder was built as a hidden sibling and renamed into
     * place: its mode is kept and no stage is left beside it */
    struct stat st;
    assert_int_equal(stat(f.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char **tmp = list_dir("/tmp", &n);
    const char *base = strrchr(f.dir, '/') + 1;
    for (size_t i = 0; i < n; i++)
        if (tmp[i][0] == '.' && strncmp(tmp[i] + 1, base, strlen(base)) == 0)
            fail_msg("a stage was left behind: /tmp/%s", tmp[i]);
    free_list(tmp, n);
    /* one school's copy: its own Kính gửi and invitee, the cluster's
     * schools in Nơi nhận, the cluster's time and venue */
    char *xml = document_xml(f.dir, "12-cum-so-1-th-lai-vu.docx");
    assert_non_null(strstr(xml, "Kính gửi: TH Lai Vu"));
    assert_non_null(strstr(xml, "Hiệu trưởng trường TH Lai Vu"));
    assert_non_null(strstr(xml, "buổi sinh hoạt chuyên môn Cụm số 1"));
    assert_non_null(strstr(xml, "7 giờ 30 phút, ngày 14 tháng 3 năm 2018"));
    assert_non_null(strstr(xml, "Trường TH Thượng Vũ"));
    assert_non_null(strstr(xml, "Số: 12/GM-PGDĐT"));
    assert_non_null(strstr(xml, "- TH Thượng Vũ;"));
    assert_null(strstr(xml, "TH Kim Xuyên"));
    free(xml);
    xml = document_xml(f.dir, "13-cum-so-2-th-phu-thai.docx");
    assert_non_null(strstr(xml, "buổi chiều, ngày 15 tháng 3 năm 2018"));
    assert_non_null(strstr(xml, "Số: 13/GM-PGDĐT"));
    free(xml);
    fx_close(&f);
}

/* Folders a and b hold the same n files, byte for byte. */
static void assert_same_files(const char *a, const char *b, size_t n)
{
    size_t na, nb;
    char **la = list_dir(a, &na), **lb = list_dir(b, &nb);
    assert_int_equal(na, n);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(la[i], lb[i]);
        size_t x, y;
        char *fa = read_path(a, la[i], &x), *fb = read_path(b, lb[i], &y);
        assert_non_null(fa);
        assert_non_null(fb);
        assert_int_equal(x, y);
        assert_memory_equal(fa, fb, x);
        free(fa);
        free(fb);
    }
    free_list(la, na);
    free_list(lb, nb);
}

static void test_same_bytes_whatever_jobs(void **state)
{
    (void)state;
    /* 40 clusters of 5: enough letters for the threads to interleave */
    vt_buf cl;
    vt_buf_init(&cl);
    for (int c = 0; c < 40; c++) {
        vt_buf_printf(&cl, "<cluster name=\"Cụm %d\" date=\"2018-04-%02d\" "
                           "time=\"08:00\"><venue>Trường số %d</venue>",
                      c + 1, 1 + c % 28, c);
        for (int s = 0; s < 5; s++)
            vt_buf_printf(&cl, "<school>TH Số %d-%d</school>", c, s);
        vt_buf_puts(&cl, "</cluster>\n");
    }
    fixture f;
    fx_open(&f, cl.data);
    vt_buf_free(&cl);
    char *b = tmp_dir();
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_SCHOOL, 1, &f.d), VT_OK);
    assert_int_equal(run_batch(f.p, f.t, b, VT_PER_SCHOOL, 4, &f.d), VT_OK);
    assert_same_files(f.dir, b, 202);
    rm_rf(b);
    free(b);
    fx_close(&f);
}

/* A dry run's listing as printed on jobs threads; res gets the result. */
static char *dry_listing(const vt_plan *p, const vt_template *t,
                         vt_invite_per per, unsigned jobs,
                         vt_invite_result *res)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    vt_invite_opts o = {.per = per, .jobs = jobs, .dry_run = 1};
    vt_diags d;
    vt_diags_init(&d);
    assert_int_equal(vt_invite(p, t, "out", &o, fp, res, &d), VT_OK);
    vt_diags_free(&d);
    assert_int_equal(fclose(fp), 0);
    return text;
}

/* The listing names the n letters in order ("out/NAME\tWHO\tN bytes"), and
 * its sizes add up to the result's bytes. */
static void check_listing(const char *text, const char *const *names,
                          size_t n, size_t bytes)
{
    const char *line = text;
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        char head[256];
        snprintf(head, sizeof head, "out/%s\t", names[i]);
        if (strncmp(line, head, strlen(head)) != 0)
            fail_msg("line %zu: expected %s, got %.80s", i + 1, head, line);
        const char *end = strchr(line, '\n'), *tab = end;
        assert_non_null(end);
        while (tab[-1] != '\t') /* the size, after the last tab */
            tab--;
        sum += strtoul(tab, NULL, 10);
        line = end + 1;
    }
    assert_string_equal(line, "");
    assert_int_equal(sum, bytes);
}

/* manifest.csv and manifest.json in dir list the n letters in order. */
static void check_manifest_names(const char *dir, const char *const *names,
                                 size_t n)
{
    size_t len;
    char *csv = read_path(dir, "manifest.csv", &len);
    char *json = read_path(dir, "manifest.json", &len);
    assert_non_null(csv);
    assert_non_null(json);
    const char *row = strstr(csv, "\r\n") + 2, *at = json;
    for (size_t i = 0; i < n; i++) {
        char cell[256];
        snprintf(cell, sizeof cell, "\"%s\",", names[i]);
        assert_int_equal(strncmp(row, cell, strlen(cell)), 0);
        row = strstr(row, "\r\n") + 2;
        snprintf(cell, sizeof cell, "{\"file\": \"%s\",", names[i]);
        assert_non_null(at = strstr(at, cell));
        at += strlen(cell);
    }
    assert_string_equal(row, "");
    free(csv);
    free(json);
}

/* Names that need suffixes come out as they always did, in the listing,
 * the folder and the manifests, the same on one thread as on four. */
static void test_suffixed_names_whatever_jobs(void **state)
{
    (void)state;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p = load_plan(SAME_SLUGS, 0, &d);
    vt_diags_print(&d, stderr);
    assert_non_null(p);
    vt_template *t = open_tpl("mau-1.7");
    for (int per = 0; per < 2; per++) {
        vt_invite_per how = per ? VT_PER_SCHOOL : VT_PER_CLUSTER;
        const char *const *names = per ? SAME_SLUGS_SCHOOL : SAME_SLUGS_CLUSTER;
        size_t n = per ? 6 : 3;
        vt_invite_result r1, r4;
        char *l1 = dry_listing(p, t, how, 1, &r1);
        char *l4 = dry_listing(p, t, how, 4, &r4);
        check_listing(l1, names, n, r1.bytes);
        assert_string_equal(l1, l4);
        assert_int_equal(r1.bytes, r4.bytes);
        free(l1);
        free(l4);
        char *a = tmp_dir(), *b = tmp_dir();
        assert_int_equal(run_batch(p, t, a, how, 1, &d), VT_OK);
        assert_int_equal(run_batch(p, t, b, how, 4, &d), VT_OK);
        for (size_t i = 0; i < n; i++) {
            size_t len;
            char *data = read_path(a, names[i], &len);
            assert_non_null(data);
            free(data);
        }
        check_manifest_names(a, names, n);
        assert_same_files(a, b, n + 2);
        rm_rf(a);
        rm_rf(b);
        free(a);
        free(b);
    }
    vt_template_free(t);
    vt_plan_free(p);
    vt_diags_free(&d);
}

/* A plan whose schools are on disk gives the same batch, byte for byte,
 * as the same plan with its schools in memory: names, letters, manifests,
 * on one thread and on four. */
static void test_spilled_schools_same_batch(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, SAME_SLUGS);
    /* every school to the temporary file, as the reader does past
     * --spill-schools for a province's plan */
    vt_limits lim = vt_limits_default();
    lim.spill_schools = 0;
    vt_plan *spilled = load_plan_lim(SAME_SLUGS, 1, &lim, &f.d);
    assert_non_null(spilled);
    assert_true(spilled->spilled);
    for (size_t i = 0; i < spilled->nclusters; i++)
        assert_null(spilled->clusters[i].schools);
    for (int per = 0; per < 2; per++) {
        vt_invite_per how = per ? VT_PER_SCHOOL : VT_PER_CLUSTER;
        vt_invite_result r;
        char *l0 = dry_listing(f.p, f.t, how, 1, &r);
        char *l1 = dry_listing(spilled, f.t, how, 4, &r);
        assert_string_equal(l0, l1);
        free(l0);
        free(l1);
        char *a = tmp_dir(), *b = tmp_dir();
        assert_int_equal(run_batch(f.p, f.t, a, how, 1, &f.d), VT_OK);
        assert_int_equal(run_batch(spilled, f.t, b, how, 4, &f.d), VT_OK);
        assert_same_files(a, b, per ? 6 + 2 : 3 + 2);
        rm_rf(a);
        rm_rf(b);
        free(a);
        free(b);
    }
    vt_plan_free(spilled);
    fx_close(&f);
}

static void test_manifest_checksums_match(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_CLUSTER, 0, &f.d), VT_OK);
    size_t len;
    char *csv = read_path(f.dir, "manifest.csv", &len);
    assert_non_null(csv);
    assert_memory_equal(csv, "\xEF\xBB\xBF" "file,cluster,recipient", 25);
    int rows = 0;
    for (char *line = strstr(csv, "\r\n") + 2; *line; rows++) {
        char file[256], sum[65];
        assert_int_equal(sscanf(line, "\"%255[^\"]\"", file), 1);
        char *q = strstr(line, "\r\n");
        assert_non_null(q);
        memcpy(sum, q - 65, 64); /* the last cell: "…sha256" */
        sum[64] = '\0';
        size_t n;
        char *data = read_path(f.dir, file, &n);
        assert_non_null(data);
        char hex[65];
        vt_sha256_hex(data, n, hex);
        assert_string_equal(hex, sum);
        free(data);
        line = q + 2;
    }
    assert_int_equal(rows, 2);
    char *json = read_path(f.dir, "manifest.json", &len);
    assert_non_null(strstr(json, "\"file\": \"13-cum-so-2.docx\", \"cluster\": "
                                 "\"Cụm số 2\", \"recipient\": \"TH Kim Xuyên; "
                                 "TH Kim Lương; TH Phú Thái\", \"number\": 13"));
    /* a per-cluster letter names every school under Kính gửi */
    char *xml = document_xml(f.dir, "13-cum-so-2.docx");
    assert_non_null(strstr(xml, "TH Kim Xuyên;"));
    assert_non_null(strstr(xml, "TH Phú Thái."));
    free(xml);
    free(csv);
    free(json);
    fx_close(&f);
}

static void test_hostile_names_stay_inside(void **state)
{
    (void)state;
    static const char clusters[] =
        "<cluster name=\"/\" date=\"2018-03-14\"><venue>A</venue>"
        "<school>..</school><school>../../etc/passwd</school>"
        "<school>TH&amp;THCS Sá Tổng</school><school>TH-THCS Sa Tong</school>"
        "<school>Tổ 2+3</school><school>{{cluster}} &lt;b&gt;&quot;</school>"
        "</cluster>"
        "<cluster name=\"..\" date=\"2018-03-14\"><venue>B</venue>"
        "<school>/</school><school>ĐĐ Đường</school></cluster>";
    fixture f;
    fx_open(&f, clusters);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_SCHOOL, 2, &f.d), VT_OK);
    size_t n;
    char **names = list_dir(f.dir, &n);
    assert_int_equal(n, 8 + 2);
    for (size_t i = 0; i < n; i++) {
        for (const char *c = names[i]; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                        *c == '-' || *c == '.');
        assert_true(names[i][0] != '.');
    }
    /* slugs that collide get a suffix instead of overwriting */
    const char *expect[] = {"12-x-th-thcs-sa-tong-2.docx", "12-x-th-thcs-sa-tong.docx",
                            "12-x-to-2-3.docx", "12-x-x.docx", "12-x-etc-passwd.docx",
                            "12-x-cluster-b.docx", "13-x-dd-duong.docx", "13-x-x.docx"};
    for (size_t k = 0; k < sizeof expect / sizeof *expect; k++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(names[i], expect[k]) == 0;
        if (!found)
            fail_msg("missing %s", expect[k]);
    }
    free_list(names, n);
    /* a value with placeholder syntax and markup stays text */
    char *xml = document_xml(f.dir, "12-x-cluster-b.docx");
    assert_non_null(strstr(xml, "{{cluster}} &lt;b&gt;\""));
    free(xml);
    fx_close(&f);
}

static void test_whole_batch_checked_first(void **state)
{
    (void)state;
    static const char clusters[] =
        "<cluster name=\"Cụm 1\"><venue>A</venue><school>X</school></cluster>\n"
        "<cluster name=\"Cụm 2\" date=\"2018-03-14\"><school>Y</school></cluster>\n"
        "<cluster name=\"Cụm 3\" date=\"2018-03-14\"><venue>C</venue></cluster>\n"
        "<cluster name=\"Cụm 4\" date=\"2018-03-01\"><venue>D</venue><school>Z</school>"
        "<school>X</school></cluster>\n";
    fixture f;
    fx_open(&f, clusters);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_SCHOOL, 2, &f.d), VT_ERR_PLAN);
    /* a school in two clusters is one problem among the others, not a
     * refusal that hides them */
    assert_int_equal(f.d.count, 5);
    assert_non_null(strstr(f.d.msgs[0], "batch.xml:12:1: <cluster name=\"Cụm 1\"> has no date"));
    assert_non_null(strstr(f.d.msgs[1], "batch.xml:13:1: <cluster name=\"Cụm 2\"> has no <venue>"));
    assert_non_null(strstr(f.d.msgs[2], "batch.xml:14:1: <cluster name=\"Cụm 3\"> has no <school>"));
    assert_non_null(strstr(f.d.msgs[3], "meets on 2018-03-01, before the letter's own <date>"));
    assert_non_null(strstr(f.d.msgs[4], "batch.xml:15:75: <school> \"X\" is listed twice (in \"Cụm 1\" and \"Cụm 4\")"));
    assert_int_equal(count_dir(f.dir), 0);
    /* the plan itself loads: the duplicate is a batch check */
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *p2 = load("<cluster name=\"A\"><school>TH X</school></cluster>"
                       "<cluster name=\"B\"><school>TH Y</school>"
                       "<school>TH X</school></cluster>", &d);
    assert_non_null(p2);
    assert_int_equal(vt_invite_check(p2, NULL, VT_PER_CLUSTER, &d), VT_ERR_PLAN);
    assert_non_null(strstr(d.msgs[0], "has no date"));
    assert_non_null(strstr(d.msgs[d.count - 1], "<school> \"TH X\" is listed twice (in \"A\" and \"B\")"));
    vt_plan_free(p2);
    vt_diags_free(&d);
    fx_close(&f);
}

static void test_folder_and_template_refused(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    char path[4096];
    snprintf(path, sizeof path, "%s/old.txt", f.dir);
    FILE *fp = fopen(path, "w");
    fputs("x", fp);
    fclose(fp);
    /* not empty: refused, nothing written */
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_CLUSTER, 1, &f.d), VT_ERR_USAGE);
    assert_non_null(strstr(f.d.msgs[0], "is not empty"));
    assert_int_equal(count_dir(f.dir), 1);
    /* a template without the invitation placeholders */
    vt_template *kh = open_tpl("mau-1.4");
    assert_int_equal(run_batch(f.p, kh, f.dir, VT_PER_CLUSTER, 1, &f.d), VT_ERR_TEMPLATE);
    assert_non_null(strstr(f.d.msgs[1], "not an invitation template: it has no "
                                        "{{invitee}}, {{event}}, {{time}}, {{venue}}"));
    vt_template_free(kh);
    /* dry run: checked and rendered, nothing written */
    char *empty = tmp_dir();
    vt_invite_opts o = {.per = VT_PER_SCHOOL, .dry_run = 1};
    vt_invite_result res;
    assert_int_equal(vt_invite(f.p, f.t, empty, &o, NULL, &res, &f.d), VT_OK);
    assert_int_equal(res.letters, 5);
    assert_true(res.bytes > 5 * 1000);
    assert_int_equal(count_dir(empty), 0);
    rm_rf(empty);
    free(empty);
    fx_close(&f);
}

static void test_failure_midway_leaves_nothing(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    char path[4096];
    /* the last letter's name is taken by a folder: its write fails */
    snprintf(path, sizeof path, "%s/13-cum-so-2-th-phu-thai.docx", f.dir);
    assert_int_equal(mkdir(path, 0777), 0);
    vt_invite_opts o = {.per = VT_PER_SCHOOL, .jobs = 1, .force = 1};
    assert_int_equal(vt_invite(f.p, f.t, f.dir, &o, NULL, NULL, &f.d), VT_ERR_IO);
    assert_non_null(strstr(f.d.msgs[0], "13-cum-so-2-th-phu-thai.docx"));
    assert_int_equal(count_dir(f.dir), 1); /* only the folder that was there */
    fx_close(&f);
}

/* A new folder named with trailing slashes, an existing empty one, a
 * link to an empty folder and "." all take the batch: the stage goes
 * inside an existing folder, so the folder itself (and a link to it, and
 * the current directory) is never renamed away. */
static void test_folder_forms(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    char path[4096], link[4096];
    snprintf(path, sizeof path, "%s/new//", f.dir);
    assert_int_equal(run_batch(f.p, f.t, path, VT_PER_CLUSTER, 1, &f.d), VT_OK);
    snprintf(path, sizeof path, "%s/new", f.dir);
    assert_int_equal(count_dir(path), 4);
    assert_int_equal(count_dir(f.dir), 1); /* no stage beside it */
    snprintf(path, sizeof path, "%s/target", f.dir);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(link, sizeof link, "%s/link", f.dir);
    assert_int_equal(symlink("target", link), 0);
    strcat(link, "/");
    assert_int_equal(run_batch(f.p, f.t, link, VT_PER_CLUSTER, 2, &f.d), VT_OK);
    assert_int_equal(count_dir(path), 4);
    struct stat st;
    link[strlen(link) - 1] = '\0';
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* "." */
    snprintf(path, sizeof path, "%s/cwd", f.dir);
    assert_int_equal(mkdir(path, 0777), 0);
    char old[4096];
    assert_non_null(getcwd(old, sizeof old));
    assert_int_equal(chdir(path), 0);
    vt_error rc = run_batch(f.p, f.t, ".", VT_PER_CLUSTER, 2, &f.d);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rc, VT_OK);
    assert_int_equal(count_dir(path), 4);
    /* a link to nothing, a device: refused, nothing made */
    snprintf(link, sizeof link, "%s/dangling", f.dir);
    assert_int_equal(symlink("nowhere", link), 0);
    assert_int_equal(run_batch(f.p, f.t, link, VT_PER_CLUSTER, 1, &f.d), VT_ERR_IO);
    assert_non_null(strstr(f.d.msgs[f.d.count - 1], "is a symbolic link to nothing"));
    assert_int_equal(run_batch(f.p, f.t, "/dev/null", VT_PER_CLUSTER, 1, &f.d), VT_ERR_IO);
    assert_non_null(strstr(f.d.msgs[f.d.count - 1], "/dev/null: is a device or special file, not a folder"));
    assert_int_equal(count_dir(f.dir), 5);
    fx_close(&f);
}

/* The whole folder as {name: bytes}, to compare before and after. */
static char *snapshot(const char *dir)
{
    size_t n;
    char **names = list_dir(dir, &n);
    vt_buf b;
    vt_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *data = read_path(dir, names[i], &len);
        char hex[65] = "-";
        if (data)
            vt_sha256_hex(data, len, hex);
        vt_buf_printf(&b, "%s %s\n", names[i], hex);
        free(data);
    }
    free_list(names, n);
    return vt_buf_take(&b);
}

/* --force: a later letter failing (too large for RLIMIT_FSIZE) leaves the
 * old batch exactly as it was, whatever -j is. */
static void test_force_failure_keeps_old_batch(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_CLUSTER, 1, &f.d), VT_OK);
    char *before = snapshot(f.dir);
    vt_buf cl;
    vt_buf_init(&cl);
    vt_buf_puts(&cl, TWO_CLUSTERS);
    vt_buf_puts(&cl, "<cluster name=\"Cụm số 3\" date=\"2018-03-16\"><venue>X</venue>");
    for (int i = 0; i < 3000; i++)
        vt_buf_printf(&cl, "<school>TH Số %d</school>", i);
    vt_buf_puts(&cl, "</cluster>\n");
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *big = load(cl.data, &d);
    vt_buf_free(&cl);
    assert_non_null(big);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 30000; /* the soft limit only, so it can be raised back */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        vt_invite_opts o = {.per = VT_PER_CLUSTER, .jobs = jobs, .force = 1};
        assert_int_equal(vt_invite(big, f.t, f.dir, &o, NULL, NULL, &d), VT_ERR_IO);
        char *after = snapshot(f.dir);
        assert_string_equal(before, after);
        free(after);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_non_null(strstr(d.msgs[0], "14-cum-so-3.docx: cannot write the file: File too large"));
    assert_null(strstr(d.msgs[0], ".vanthu-stage"));
    free(before);
    vt_plan_free(big);
    vt_diags_free(&d);
    fx_close(&f);
}

/* A stop flag (what SIGINT/SIGTERM set) fails the batch, removes its
 * stage and leaves the old batch and a new folder's parent as they were. */
static void test_stop_flag(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    assert_int_equal(run_batch(f.p, f.t, f.dir, VT_PER_CLUSTER, 1, &f.d), VT_OK);
    char *before = snapshot(f.dir);
    volatile sig_atomic_t stop = 1;
    vt_invite_opts o = {.per = VT_PER_SCHOOL, .jobs = 2, .force = 1, .stop = &stop};
    assert_int_equal(vt_invite(f.p, f.t, f.dir, &o, NULL, NULL, &f.d), VT_ERR_IO);
    assert_non_null(strstr(f.d.msgs[f.d.count - 1], "interrupted"));
    char *after = snapshot(f.dir);
    assert_string_equal(before, after);
    free(after);
    char path[4096];
    snprintf(path, sizeof path, "%s/new", f.dir);
    assert_int_equal(vt_invite(f.p, f.t, path, &o, NULL, NULL, &f.d), VT_ERR_IO);
    after = snapshot(f.dir);
    assert_string_equal(before, after);
    free(after);
    /* a new folder whose name leaves no room for a sibling stage's is
     * made at once, and removed again */
    snprintf(path, sizeof path, "%s/%0250d", f.dir, 7);
    assert_int_equal(vt_invite(f.p, f.t, path, &o, NULL, NULL, &f.d), VT_ERR_IO);
    after = snapshot(f.dir);
    assert_string_equal(before, after);
    free(after);
    stop = 0;
    assert_int_equal(vt_invite(f.p, f.t, path, &o, NULL, NULL, &f.d), VT_OK);
    assert_int_equal(count_dir(path), 5 + 2);
    free(before);
    fx_close(&f);
}

static void make_stage_dir(const char *dir, const char *name, long owner)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/%s/86-letter.docx", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("x", fp);
    fclose(fp);
    if (owner) {
        snprintf(path, sizeof path, "%s/%s/.vanthu-stage-owner", dir, name);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "%ld\n", owner);
        fclose(fp);
    }
}

/* A later run removes the stage a killed run left (name pattern, marker,
 * owner gone) and nothing else that merely looks like one. */
static void test_stale_stage_removed(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, TWO_CLUSTERS);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_true(child > 0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    make_stage_dir(f.dir, ".vanthu-stage-0123456789ab", (long)child); /* stale */
    make_stage_dir(f.dir, ".vanthu-stage-abcdef012345", (long)getppid()); /* alive */
    make_stage_dir(f.dir, ".vanthu-stage-aaaaaaaaaaaa", 0);           /* no marker */
    make_stage_dir(f.dir, ".vanthu-stage-xyz", (long)child);          /* not the name */
    vt_invite_opts o = {.per = VT_PER_CLUSTER, .jobs = 1, .force = 1};
    assert_int_equal(vt_invite(f.p, f.t, f.dir, &o, NULL, NULL, &f.d), VT_OK);
    size_t n;
    char **names = list_dir(f.dir, &n);
    assert_int_equal(n, 4 + 3);
    assert_string_equal(names[0], ".vanthu-stage-aaaaaaaaaaaa");
    assert_string_equal(names[1], ".vanthu-stage-abcdef012345");
    assert_string_equal(names[2], ".vanthu-stage-xyz");
    free_list(names, n);
    fx_close(&f);
}

/* -j is capped: never more than VT_INVITE_MAX_JOBS threads. */
static void test_jobs_capped(void **state)
{
    (void)state;
    assert_int_equal(vt_invite_jobs(3), 3);
    assert_int_equal(vt_invite_jobs(1000), VT_INVITE_MAX_JOBS);
    unsigned def = vt_invite_jobs(0);
    assert_true(def >= 1 && def <= VT_INVITE_MAX_JOBS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_school_numbers_and_names),
        cmocka_unit_test(test_same_bytes_whatever_jobs),
        cmocka_unit_test(test_suffixed_names_whatever_jobs),
        cmocka_unit_test(test_spilled_schools_same_batch),
        cmocka_unit_test(test_manifest_checksums_match),
        cmocka_unit_test(test_hostile_names_stay_inside),
        cmocka_unit_test(test_whole_batch_checked_first),
        cmocka_unit_test(test_folder_and_template_refused),
        cmocka_unit_test(test_failure_midway_leaves_nothing),
        cmocka_unit_test(test_folder_forms),
        cmocka_unit_test(test_force_failure_keeps_old_batch),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_stale_stage_removed),
        cmocka_unit_test(test_jobs_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
