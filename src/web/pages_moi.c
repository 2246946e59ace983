/*
 * pages_moi.c - the giấy mời job: a batch of letters from a draft with
 * clusters, or from a draft and an uploaded school list (CSV or XLSX, read
 * by the same sheet reader as `vanthu import --clusters`), run by
 * vt_invite in a thread of its own so the page can show its progress, and
 * handed back as one zip with the batch's manifests.
 *
 * A batch lives in the data folder's .giay-moi/<job>/ (letters in thu/,
 * the zip beside them; a numbered batch's letters are archived beside the
 * register instead, where the register records them); the job's id is
 * made here, never taken from the request, and a URL's job id is only
 * looked up in the list.
 */
#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "base/fileio.h"
#include "plan/model.h"
#include "register/issue.h"
#include "web/desk.h"

enum { JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct vt_job {
    vt_job *next;
    vt_desk *k;
    char id[40];
    char *xml;         /* the batch's plan */
    size_t len;
    vt_invite_per per;
    int numbered;      /* numbers from the register */
    char user[VT_USER_NAME_MAX + 1];
    char *dir;         /* .giay-moi/<id> */
    char letters[4200]; /* where the letters are, once done */
    pthread_t tid;
    int started;
    volatile int stop;
    /* under k->lock */
    size_t done, total;
    int state;
    vt_buf message;
};

/* ---- the batch's thread ---------------------------------------------------- */

static void on_progress(void *ctx, size_t done, size_t total)
{
    vt_job *j = ctx;
    pthread_mutex_lock(&j->k->lock);
    j->done = done;
    j->total = total;
    pthread_mutex_unlock(&j->k->lock);
}

/* Every file of folder dir into the zip at zip_path (written beside it
 * and renamed). */
static vt_error zip_folder(const char *dir, const char *zip_path,
                           vt_diags *d)
{
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.tmp", zip_path);
    int err = 0;
    zip_t *z = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) {
        vt_diags_addf(d, "%s: cannot create the zip", zip_path);
        return VT_ERR_IO;
    }
    /* in name order, so the same batch gives the same listing */
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    vt_error rc = n >= 0 ? VT_OK : VT_ERR_IO;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char path[4700];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (rc == VT_OK && name[0] != '.') {
            zip_source_t *src = zip_source_file(z, path, 0, -1);
            if (!src || zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) < 0) {
                zip_source_free(src);
                rc = VT_ERR_IO;
            }
        }
        free(names[i]);
    }
    free(names);
    if (rc == VT_OK && zip_close(z) != 0) {
        rc = VT_ERR_IO;
        zip_discard(z);
    } else if (rc != VT_OK) {
        zip_discard(z);
    }
    if (rc == VT_OK && rename(tmp, zip_path) != 0)
        rc = VT_ERR_IO;
    if (rc != VT_OK) {
        unlink(tmp);
        vt_diags_addf(d, "%s: cannot write the zip of the letters", zip_path);
    }
    return rc;
}

/* <register's folder>/archive/giay-moi/<job>: made up to its parent. */
static int archive_dir(vt_register *reg, const vt_job *j, char *out,
                       size_t size)
{
    snprintf(out, size, "%s/archive", vt_register_dir(reg));
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return -1;
    snprintf(out, size, "%s/archive/giay-moi", vt_register_dir(reg));
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return -1;
    snprintf(out, size, "%s/archive/giay-moi/%s", vt_register_dir(reg),
             j->id);
    return 0;
}

static vt_error run_batch(vt_job *j, vt_diags *d, vt_invite_result *res)
{
    vt_desk *k = j->k;
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_register *reg = NULL;
    int *numbers = NULL;
    vt_limits lim = vt_limits_default();
    char letters[4200], zip[4200];
    snprintf(letters, sizeof letters, "%s/thu", j->dir);
    snprintf(zip, sizeof zip, "%s/giay-moi.zip", j->dir);
    vt_error rc = vt_plan_load_mem("giay-moi.xml", j->xml, j->len, &lim,
                                   &plan, d);
    if (rc == VT_OK) {
        char *tp = vt_desk_template(k, vt_plan_template_family(plan));
        rc = tp ? vt_template_open(tp, &lim, &tpl, d) : VT_ERR_NOMEM;
        free(tp);
    }
    vt_invite_opts io;
    memset(&io, 0, sizeof io);
    io.per = j->per;
    io.jobs = 2;
    io.stop = &j->stop;
    io.on_progress = on_progress;
    io.on_progress_ctx = j;
    if (rc == VT_OK && j->numbered) {
        vt_issue_opts iss;
        memset(&iss, 0, sizeof iss);
        rc = vt_register_open(k->o.register_path, VT_DESK_ISSUE_WAIT_MS, 0, &reg,
                              d);
        if (rc == VT_OK &&
            !(numbers = calloc(plan->nclusters + 1, sizeof *numbers)))
            rc = VT_ERR_NOMEM;
        /* numbered letters are archived, beside the register like
         * vt_issue's files, not in the batch's folder the server removes */
        if (rc == VT_OK && archive_dir(reg, j, letters, sizeof letters) != 0) {
            vt_diags_addf(d, "%s: cannot create the archive folder: %s",
                          letters, strerror(errno));
            rc = VT_ERR_IO;
        }
        if (rc == VT_OK)
            rc = vt_invite_issue(reg, plan, tpl, letters, &io, &iss, numbers,
                                 res, d);
    } else if (rc == VT_OK) {
        rc = vt_invite(plan, tpl, letters, &io, NULL, res, d);
    }
    if (rc == VT_OK)
        rc = zip_folder(letters, zip, d);
    if (rc == VT_OK) {
        pthread_mutex_lock(&k->lock);
        snprintf(j->letters, sizeof j->letters, "%s", letters);
        pthread_mutex_unlock(&k->lock);
    }
    free(numbers);
    vt_register_close(reg);
    vt_template_free(tpl);
    vt_plan_free(plan);
    return rc;
}

static void *job_main(void *arg)
{
    vt_job *j = arg;
    vt_diags d;
    vt_diags_init(&d);
    vt_invite_result res;
    memset(&res, 0, sizeof res);
    vt_error rc = run_batch(j, &d, &res);
    if (rc == VT_OK) {
        vt_diags ad;
        vt_diags_init(&ad);
        char what[96];
        snprintf(what, sizeof what, "giấy mời %s: %zu thư", j->id,
                 res.letters);
        vt_audit(j->k->auth, j->user, j->numbered ? "issue" : "invite", what,
                 &ad);
        vt_diags_free(&ad);
    }
    pthread_mutex_lock(&j->k->lock);
    j->state = rc == VT_OK ? JOB_DONE : JOB_FAILED;
    if (rc == VT_OK) {
        j->done = j->total = res.letters;
        vt_buf_printf(&j->message, "Xong: %zu giấy mời cho %zu cụm.",
                      res.letters, res.clusters);
    } else {
        vt_buf_puts(&j->message, "Không làm được đợt giấy mời:");
        for (size_t i = 0; i < d.count; i++) {
            vt_buf_putc(&j->message, '\n');
            vt_buf_puts(&j->message, d.msgs[i]);
        }
    }
    pthread_mutex_unlock(&j->k->lock);
    vt_diags_free(&d);
    return NULL;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* A batch lives as long as the server that made it (its URL is in the
 * server's memory only): its folder goes when the server stops.  Links
 * are removed, never followed (FTW_PHYS). */
static void job_remove_files(const vt_job *j)
{
    if (j->dir)
        nftw(j->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void job_free(vt_job *j)
{
    free(j->xml);
    free(j->dir);
    vt_buf_free(&j->message);
    free(j);
}

void vt_jobs_finish(vt_desk *k)
{
    pthread_mutex_lock(&k->lock);
    for (vt_job *j = k->jobs; j; j = j->next)
        j->stop = 1;
    vt_job *list = k->jobs;
    k->jobs = NULL;
    pthread_mutex_unlock(&k->lock);
    while (list) {
        vt_job *next = list->next;
        if (list->started)
            pthread_join(list->tid, NULL);
        job_remove_files(list);
        job_free(list);
        list = next;
    }
}

static vt_job *find_job(vt_desk *k, const char *id)
{
    vt_job *j;
    pthread_mutex_lock(&k->lock);
    for (j = k->jobs; j && strcmp(j->id, id) != 0; j = j->next)
        ;
    pthread_mutex_unlock(&k->lock);
    return j;
}

/* ---- the pages -------------------------------------------------------- */

void vt_page_moi(vt_desk *k, vt_req *r, vt_resp *p)
{
    vt_page_begin(p, r, "Giấy mời");
    vt_buf *b = &p->body;
    vt_buf_puts(b, "<form class=\"khung\" method=\"post\" action=\"/giay-moi\" "
                   "enctype=\"multipart/form-data\" id=\"giay-moi\">");
    vt_csrf_field(b, r);
    vt_buf_puts(b, "<label for=\"ban_nhap\">Bản nháp giấy mời (có phần "
                   "&lt;invitation&gt;; các cụm lấy từ bản nháp hoặc từ danh "
                   "sách tải lên)</label><select id=\"ban_nhap\" "
                   "name=\"ban_nhap\" required>");
    vt_drafts_list(k, b, 1);
    vt_buf_printf(b, "</select><label for=\"danh_sach\">Danh sách trường "
                     "(XLSX hoặc CSV: cụm, trường, ngày, buổi, giờ, địa "
                     "điểm…; tối đa %zu MB; để trống: các cụm của bản nháp)"
                     "</label><input id=\"danh_sach\" name=\"danh_sach\" "
                     "type=\"file\" accept=\".xlsx,.csv\">"
                     "<label for=\"theo\">Mỗi giấy mời gửi</label><select "
                     "id=\"theo\" name=\"theo\"><option value=\"cum\">một "
                     "cụm</option><option value=\"truong\">một trường"
                     "</option></select>",
                  k->o.max_upload >> 20);
    if (r->s.role == VT_ROLE_VAN_THU)
        vt_buf_puts(b, "<p><label><input type=\"checkbox\" name=\"cap_so\" "
                       "value=\"1\"> Cấp số từ sổ (mỗi cụm một số)</label>"
                       "</p>");
    vt_buf_puts(b, "<p><button type=\"submit\" id=\"lam-giay-moi\">Làm giấy "
                   "mời</button></p></form>");
    vt_page_end(p);
}

void vt_page_moi_start(vt_desk *k, vt_req *r, vt_resp *p)
{
    int numbered = *vt_req_get(r, "cap_so") != '\0';
    if (numbered && r->s.role != VT_ROLE_VAN_THU) {
        vt_page_error(p, r, 403, "Chỉ văn thư được cấp số.");
        return;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_buf xml;
    vt_buf_init(&xml);
    vt_error rc = vt_moi_plan(k, r, &xml, &d);
    vt_job *j = NULL;
    if (rc == VT_OK && !(j = calloc(1, sizeof *j)))
        rc = VT_ERR_NOMEM;
    if (rc == VT_OK) {
        j->k = k;
        vt_buf_init(&j->message);
        j->per = strcmp(vt_req_get(r, "theo"), "truong") == 0
                     ? VT_PER_SCHOOL : VT_PER_CLUSTER;
        j->numbered = numbered;
        snprintf(j->user, sizeof j->user, "%s", r->s.user);
        j->len = xml.len;
        j->xml = vt_buf_take(&xml);
        char base[4200];
        snprintf(base, sizeof base, "%s/.giay-moi", k->o.data_dir);
        if (!j->xml || vt_temp_name("dot", j->id, sizeof j->id) != 0 ||
            asprintf(&j->dir, "%s/%s", base, j->id) < 0)
            rc = VT_ERR_NOMEM;
        else if ((mkdir(base, 0700) != 0 && errno != EEXIST) ||
                 mkdir(j->dir, 0700) != 0) {
            vt_diags_addf(&d, "%s: cannot create the batch's folder: %s",
                          j->dir, strerror(errno));
            rc = VT_ERR_IO;
        }
    }
    if (rc == VT_OK) {
        pthread_mutex_lock(&k->lock);
        j->state = JOB_RUNNING;
        if (pthread_create(&j->tid, NULL, job_main, j) == 0) {
            j->started = 1;
            j->next = k->jobs;
            k->jobs = j;
        } else {
            rc = VT_ERR_IO;
        }
        pthread_mutex_unlock(&k->lock);
    }
    if (rc == VT_OK) {
        char url[96];
        snprintf(url, sizeof url, "/giay-moi/%s", j->id);
        vt_redirect(p, url);
    } else {
        if (j) {
            if (j->dir)
                rmdir(j->dir);
            job_free(j);
        }
        vt_page_diags(p, r, rc == VT_ERR_USAGE ? 400 : vt_http_status(rc),
                      "Không làm được đợt giấy mời.", &d);
    }
    vt_buf_free(&xml);
    vt_diags_free(&d);
}

/* A copy of a job's progress, taken under the lock. */
static int job_state(vt_desk *k, const char *id, size_t *done, size_t *total,
                     vt_buf *msg)
{
    vt_job *j = find_job(k, id);
    if (!j)
        return -1;
    pthread_mutex_lock(&k->lock);
    int st = j->state;
    *done = j->done;
    *total = j->total;
    if (j->message.data)
        vt_buf_put(msg, j->message.data, j->message.len);
    pthread_mutex_unlock(&k->lock);
    return st;
}

/* One field of a line of the batch's own manifest.csv (quoted, quotes
 * doubled) onto b, HTML-escaped; the rest of the line after it. */
static const char *csv_field(const char *s, vt_buf *b)
{
    if (*s != '"') {
        const char *e = s + strcspn(s, ",\r\n");
        vt_html_n(b, s, (size_t)(e - s));
        return *e == ',' ? e + 1 : e;
    }
    for (s++; *s; s++) {
        if (*s == '"' && s[1] == '"') {
            vt_buf_puts(b, "&quot;");
            s++;
        } else if (*s == '"') {
            s++;
            break;
        } else {
            vt_html_n(b, s, 1);
        }
    }
    return *s == ',' ? s + 1 : s;
}

/* The manifest as a table: file, cluster, recipient, number, ký hiệu and
 * date (the SHA-256s stay in the zip's copy). */
static void manifest_table(vt_buf *b, const char *csv)
{
    vt_buf_puts(b, "<h2>Bảng kê</h2><table id=\"bang-ke\">");
    int head = 1;
    for (const char *line = csv; *line;) {
        const char *end = line + strcspn(line, "\n");
        if (end > line + 1) {
            vt_buf_puts(b, "<tr>");
            const char *s = line;
            for (int col = 0; col < 6 && s < end; col++) {
                vt_buf_puts(b, head ? "<th>" : "<td>");
                s = csv_field(s, b);
                vt_buf_puts(b, head ? "</th>" : "</td>");
            }
            vt_buf_puts(b, "</tr>");
            head = 0;
        }
        line = *end ? end + 1 : end;
    }
    vt_buf_puts(b, "</table>");
}

void vt_page_moi_job(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    size_t done, total;
    vt_buf msg;
    vt_buf_init(&msg);
    int st = job_state(k, id, &done, &total, &msg);
    if (st < 0) {
        vt_buf_free(&msg);
        vt_page_error(p, r, 404, "Không có đợt giấy mời này.");
        return;
    }
    vt_page_begin(p, r, st == JOB_RUNNING ? "Giấy mời: đang làm"
                        : st == JOB_DONE  ? "Giấy mời: đã xong"
                                          : "Giấy mời: không làm được");
    vt_buf *b = &p->body;
    vt_buf_printf(b, "<progress id=\"tien-do\" data-url=\"/giay-moi/%s/"
                     "tien-do\" max=\"%zu\" value=\"%zu\"%s></progress>"
                     "<p id=\"tien-do-chu\" class=\"%s\">",
                  id, total ? total : 1, done,
                  st == JOB_RUNNING ? "" : " data-xong=\"1\"",
                  st == JOB_FAILED ? "loi" : st == JOB_DONE ? "ok" : "");
    if (st == JOB_RUNNING)
        vt_buf_printf(b, "Đang làm: %zu/%zu giấy mời…", done, total);
    else
        vt_html(b, msg.data ? msg.data : "");
    vt_buf_puts(b, "</p>");
    if (st == JOB_DONE) {
        vt_buf_printf(b, "<p><a class=\"nut\" id=\"tai-zip\" "
                         "href=\"/giay-moi/%s/tai.zip\">Tải tất cả (zip, "
                         "có bảng kê manifest)</a></p>", id);
        vt_job *j = find_job(k, id);
        char path[4300];
        pthread_mutex_lock(&k->lock);
        snprintf(path, sizeof path, "%s/manifest.csv", j->letters);
        pthread_mutex_unlock(&k->lock);
        char *csv = NULL;
        size_t len = 0;
        if (vt_read_file(path, 4u << 20, &csv, &len) == 0)
            manifest_table(b, csv);
        free(csv);
    }
    vt_buf_puts(b, "<p><a href=\"/giay-moi\">Làm đợt khác</a></p>");
    vt_page_end(p);
    vt_buf_free(&msg);
}

void vt_page_moi_progress(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    size_t done, total;
    vt_buf msg;
    vt_buf_init(&msg);
    int st = job_state(k, id, &done, &total, &msg);
    if (st < 0) {
        vt_buf_free(&msg);
        r->wants_json = 1;
        vt_page_error(p, r, 404, "Không có đợt giấy mời này.");
        return;
    }
    p->ctype = "application/json; charset=utf-8";
    vt_buf_printf(&p->body, "{\"trang_thai\":\"%s\",\"xong\":%zu,\"tong\":%zu,"
                            "\"thong_bao\":\"",
                  st == JOB_RUNNING ? "dang-chay"
                  : st == JOB_DONE  ? "xong"
                                    : "loi",
                  done, total);
    if (st == JOB_RUNNING)
        vt_buf_printf(&p->body, "Đang làm: %zu/%zu giấy mời…", done, total);
    if (st != JOB_RUNNING)
        vt_json_text(&p->body, msg.data);
    vt_buf_puts(&p->body, "\"}");
    vt_buf_free(&msg);
}

void vt_page_moi_zip(vt_desk *k, vt_req *r, vt_resp *p, const char *id)
{
    size_t done, total;
    vt_buf msg;
    vt_buf_init(&msg);
    int st = job_state(k, id, &done, &total, &msg);
    vt_buf_free(&msg);
    if (st != JOB_DONE) {
        vt_page_error(p, r, 404, st < 0 ? "Không có đợt giấy mời này."
                                        : "Đợt giấy mời chưa xong.");
        return;
    }
    vt_job *j = find_job(k, id);
    char path[4300], name[64];
    snprintf(path, sizeof path, "%s/giay-moi.zip", j->dir);
    snprintf(name, sizeof name, "giay-moi-%s.zip", id);
    vt_send_file(p, r, path, "application/zip", name);
}
