/*
 * pdf.c - DOCX to PDF/A-2b with LibreOffice headless.
 *
 * Why a separate process and so much care around it: LibreOffice is a
 * large program that can hang on a broken file or crash, keeps state in a
 * user profile that two concurrent runs must not share, and picks fonts
 * through fontconfig, where Debian 12's older Liberation 1.07 lacks many
 * Vietnamese letters and lets DejaVu fill them in.  So each converter
 * process gets a folder of its own under $TMPDIR holding
 *
 *   profile/    its throwaway user profile (-env:UserInstallation),
 *               stamped so that LibreOffice starts once, not twice
 *   fonts.conf  a font configuration that lists only the Liberation 2
 *               folder, and its cache: no other font exists for it
 *   in/         the documents, as links named 000000.docx, 000001.docx …
 *               (so two inputs called letter.docx cannot collide)
 *   out/        where it writes 000000.pdf …
 *   tmp/        its TMPDIR (LibreOffice's own lu*.tmp files)
 *   log         its stdout and stderr, for the error message
 *
 * runs in its own process group, and is killed with the whole group when
 * the timeout passes or the caller's SIGINT/SIGTERM flag is set.  A PDF reaches its real name only after every
 * document of the run converted, through vt_write_atomic: a reader never
 * sees half a PDF, and a failed run writes none.
 *
 * The creation date: LibreOffice 7.4 stamps the PDF with the clock
 * (PDFWriter::GetDateTime); it has no option or SOURCE_DATE_EPOCH for it.
 * vanthu rewrites that date, in the Info dictionary and in the XMP packet,
 * in place and with the same number of bytes (the cross-reference table
 * stays valid), to the document's own date.  Other bytes came from the
 * clock too: the date inside the sRGB output-intent profile (a compressed
 * stream) and the file identifier (/ID, an MD5 over the clock's time).  So
 * the converter runs under libfaketime with its wall clock held at that
 * date, and the /ID is then set from the content's SHA-256: the same
 * document gives the same bytes, run after run.
 */
#include "pdf/pdf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "base/buf.h"
#include "base/fileio.h"
#include "base/sha256.h"

extern char **environ;

/* LibreOffice's filter for PDF/A-2b: SelectPdfVersion 2 (7.4 reads the
 * filter options as JSON after the filter name). */
#define VT_PDF_FILTER                                                        \
    "pdf:writer_pdf_Export:{\"SelectPdfVersion\":{\"type\":\"long\","       \
    "\"value\":\"2\"}}"

/* A PDF larger than this is not one LibreOffice made of a letter; it is
 * not read into memory. */
#define VT_PDF_MAX_BYTES (512u << 20)

void vt_pdf_opts_init(vt_pdf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sync = 1;
}

char *vt_pdf_name(const char *docx)
{
    size_t n = strlen(docx);
    char *out = malloc(n + 5);
    if (!out)
        return NULL;
    memcpy(out, docx, n + 1);
    if (n > 5 && strcasecmp(docx + n - 5, ".docx") == 0)
        strcpy(out + n - 5, ".pdf");
    else
        strcpy(out + n, ".pdf");
    return out;
}

/* ---- the creation date ---------------------------------------------------- */

/* Replace, after every occurrence of key, the text that matches shape
 * ('9' a digit, any other character itself) by value, byte for byte. */
static int patch_after(unsigned char *p, size_t len, const char *key,
                       const char *shape, const char *value)
{
    size_t klen = strlen(key), vlen = strlen(shape);
    int count = 0;
    unsigned char *s = p, *end = p + len;
    while ((s = memmem(s, (size_t)(end - s), key, klen)) != NULL) {
        unsigned char *v = s + klen;
        s = v;
        if ((size_t)(end - v) < vlen)
            break;
        size_t i = 0;
        while (i < vlen && (shape[i] == '9' ? (v[i] >= '0' && v[i] <= '9')
                                            : v[i] == (unsigned char)shape[i]))
            i++;
        if (i < vlen)
            continue;
        memcpy(v, value, vlen);
        count++;
    }
    return count;
}

int vt_pdf_set_dates(unsigned char *pdf, size_t len, const vt_date *date)
{
    char info[15], xmp[20];
    int y = date->year, m = date->month ? date->month : 1;
    int dd = date->day ? date->day : 1;
    if (y < 1000 || y > 9999)
        return 0;
    snprintf(info, sizeof info, "%04d%02d%02d000000", y, m, dd);
    snprintf(xmp, sizeof xmp, "%04d-%02d-%02dT00:00:00", y, m, dd);
    static const char *const info_keys[] = {"/CreationDate(D:", "/ModDate(D:"};
    static const char *const xmp_keys[] = {"<xmp:CreateDate>", "<xmp:ModifyDate>",
                                           "<xmp:MetadataDate>"};
    int n = 0;
    for (size_t i = 0; i < sizeof info_keys / sizeof info_keys[0]; i++)
        n += patch_after(pdf, len, info_keys[i], "99999999999999", info);
    for (size_t i = 0; i < sizeof xmp_keys / sizeof xmp_keys[0]; i++)
        n += patch_after(pdf, len, xmp_keys[i], "9999-99-99T99:99:99", xmp);
    return n;
}

/* ---- the file identifier -------------------------------------------------- */

/* The 32 hex digits of an ID string at p ("<" already passed), or NULL. */
static unsigned char *id_digits(unsigned char *p, const unsigned char *end)
{
    if (end - p < 33 || p[32] != '>')
        return NULL;
    for (int i = 0; i < 32; i++)
        if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
            return NULL;
    return p;
}

static unsigned char *skip_space(unsigned char *p, const unsigned char *end)
{
    while (p < end && strchr(" \t\r\n", *p) && *p)
        p++;
    return p;
}

int vt_pdf_set_id(unsigned char *pdf, size_t len)
{
    /* the last trailer's /ID: LibreOffice writes one trailer */
    unsigned char *end = pdf + len, *t = NULL, *s = pdf;
    while ((s = memmem(s, (size_t)(end - s), "trailer", 7)) != NULL)
        t = s++;
    unsigned char *tr = t;
    if (!t || !(t = memmem(t, (size_t)(end - t), "/ID", 3)))
        return 0;
    unsigned char *p = skip_space(t + 3, end), *id[2];
    if (p >= end || *p++ != '[')
        return 0;
    for (int i = 0; i < 2; i++) {
        p = skip_space(p, end);
        if (p >= end || *p++ != '<' || !(id[i] = id_digits(p, end)))
            return 0;
        p += 33;
    }
    /* LibreOffice's own /DocChecksum (an MD5 over the bytes in the order
     * it wrote them, which varies) is set from the content too */
    unsigned char *sum = memmem(tr, (size_t)(end - tr), "/DocChecksum /", 14);
    for (int i = 0; sum && i < 32; i++)
        if (end - sum < 14 + 32 || !sum[14 + i] ||
            !strchr("0123456789abcdefABCDEF", sum[14 + i]))
            sum = NULL;
    /* hashed with the old values blanked, so the new ones depend on the
     * content only, never on what LibreOffice put there */
    memset(id[0], '0', 32);
    memset(id[1], '0', 32);
    if (sum)
        memset(sum + 14, '0', 32);
    char hex[65];
    vt_sha256_hex(pdf, len, hex);
    for (int i = 0; i < 32; i++) {
        id[0][i] = id[1][i] = (unsigned char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
        if (sum)
            sum[14 + i] = (unsigned char)(hex[32 + i] >= 'a' ? hex[32 + i] - 32
                                                             : hex[32 + i]);
    }
    return 1;
}

/* ---- the converter's clock ------------------------------------------------ */

/* The converter's frozen clock: libfaketime's path and the FAKETIME
 * variable ("FAKETIME=2023-10-01 00:00:00", an absolute time, which
 * libfaketime holds still). */
typedef struct {
    char lib[PATH_MAX];
    char faketime[40];
} vt_pdf_clock;

/* Find libfaketime: $VANTHU_FAKETIME_LIB, else Debian's folder for any
 * architecture, else the upstream install paths. */
static vt_error clock_init(vt_pdf_clock *clk, const vt_date *date,
                           vt_diags *d)
{
    const char *lib = getenv("VANTHU_FAKETIME_LIB");
    glob_t g;
    memset(&g, 0, sizeof g);
    int found = 0;
    if (lib && *lib) {
        found = access(lib, R_OK) == 0;
    } else if (glob("/usr/lib/*/faketime/libfaketime.so.1", 0, NULL, &g) == 0 &&
               g.gl_pathc > 0) {
        lib = g.gl_pathv[0];
        found = 1;
    } else {
        static const char *const paths[] = {"/usr/lib/faketime/libfaketime.so.1",
                                            "/usr/local/lib/faketime/libfaketime.so.1"};
        for (size_t i = 0; i < 2 && !found; i++)
            if (access(paths[i], R_OK) == 0)
                lib = paths[i], found = 1;
    }
    if (found)
        snprintf(clk->lib, sizeof clk->lib, "%s", lib);
    globfree(&g);
    if (!found || strchr(clk->lib, ':') || strchr(clk->lib, ' ')) {
        vt_diags_addf(d, "%s: no usable libfaketime (%s); vanthu runs the PDF "
                         "converter with its clock held at the document's "
                         "date so that the same document always gives the "
                         "same PDF: install libfaketime, or set "
                         "VANTHU_FAKETIME_LIB to libfaketime.so.1",
                      found ? clk->lib /* lib may be glob's, freed */
                            : lib && *lib ? lib
                                          : "/usr/lib/*/faketime/libfaketime.so.1",
                      found ? "a path with ':' or a space cannot be preloaded"
                            : "not found");
        return VT_ERR_IO;
    }
    int y = date->year, m = date->month ? date->month : 1;
    int dd = date->day ? date->day : 1, hh = 0, mm = 0, ss = 0;
    /* no date, or one before 1970 that the clock cannot hold: this
     * second, the same for every PDF of the run */
    if (y < 1970 || y > 9999) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        y = tm.tm_year + 1900, m = tm.tm_mon + 1, dd = tm.tm_mday;
        hh = tm.tm_hour, mm = tm.tm_min, ss = tm.tm_sec;
    }
    snprintf(clk->faketime, sizeof clk->faketime,
             "FAKETIME=%04d-%02d-%02d %02d:%02d:%02d", y, m, dd, hh, mm, ss);
    return VT_OK;
}

/* ---- the converter's folder ----------------------------------------------- */

typedef struct {
    char *dir;           /* the worker's own folder */
    size_t first, count; /* its share of the documents */
    pid_t pid;
    int status;   /* wait status once it ended */
    int ended;    /* 1 once reaped */
    int timed_out;
    int exec_err; /* errno of a failed exec, 0 if it started */
    int pipe_rd;  /* reads exec's errno; closes on a successful exec */
    char *env_fc, *env_home; /* the two variables child_env made */
    char *env_preload;       /* LD_PRELOAD with libfaketime */
    char *env_tmp;           /* TMPDIR: its own tmp/, removed with it */
} worker;

static int rm_entry(const char *path, const struct stat *st, int type,
                    struct FTW *ftw)
{
    (void)st, (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove a folder vanthu made, with everything the converter left in it. */
static void rm_tree(const char *dir)
{
    if (dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A file URL for LibreOffice: anything but [A-Za-z0-9/._-] percent-encoded
 * (a $TMPDIR with a space or a '%' must still name the same folder). */
static void file_url(vt_buf *out, const char *path)
{
    vt_buf_puts(out, "file://");
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
            (*s >= '0' && *s <= '9') || strchr("/._-", *s))
            vt_buf_put(out, (const char *)s, 1);
        else
            vt_buf_printf(out, "%%%02X", *s);
    }
}

static vt_error write_text(const char *path, const char *text, vt_diags *d)
{
    FILE *f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        vt_diags_addf(d, "%s: cannot write the converter's settings: %s", path,
                      strerror(errno));
        if (f)
            fclose(f);
        return VT_ERR_IO;
    }
    return VT_OK;
}

/* ---- is it Liberation 2? -------------------------------------------------- */

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)be16(p) << 16 | be16(p + 2);
}

/* The glyph of c in a format 4 (16-bit segments) subtable t of size len,
 * 0 if none or if the table is cut short. */
static unsigned cmap4_glyph(const unsigned char *t, size_t len, unsigned c)
{
    if (len < 14)
        return 0;
    size_t segs = be16(t + 6) / 2;
    if (len < 16 + 8 * segs)
        return 0;
    const unsigned char *ends = t + 14, *starts = ends + 2 * segs + 2;
    const unsigned char *deltas = starts + 2 * segs, *ranges = deltas + 2 * segs;
    for (size_t i = 0; i < segs; i++) {
        if (c > be16(ends + 2 * i))
            continue;
        unsigned start = be16(starts + 2 * i), ro = be16(ranges + 2 * i);
        if (c < start)
            return 0;
        if (!ro)
            return (c + be16(deltas + 2 * i)) & 0xFFFF;
        size_t at = (size_t)(ranges + 2 * i - t) + ro + 2 * (c - start);
        if (at + 2 > len)
            return 0;
        unsigned g = be16(t + at);
        return g ? (g + be16(deltas + 2 * i)) & 0xFFFF : 0;
    }
    return 0;
}

/* The same for a format 12 (32-bit groups) subtable. */
static unsigned cmap12_glyph(const unsigned char *t, size_t len, unsigned c)
{
    if (len < 16)
        return 0;
    unsigned long groups = be32(t + 12);
    if (groups > (len - 16) / 12)
        return 0;
    for (unsigned long i = 0; i < groups; i++) {
        const unsigned char *g = t + 16 + 12 * i;
        if (c >= be32(g) && c <= be32(g + 4))
            return (unsigned)(be32(g + 8) + (c - be32(g)));
    }
    return 0;
}

int vt_pdf_font_covers(const unsigned char *ttf, size_t len,
                       const unsigned *cps, size_t n)
{
    if (len < 12)
        return 0;
    size_t ntables = be16(ttf + 4), cmap = 0, cmap_len = 0;
    for (size_t i = 0; i < ntables && 12 + 16 * (i + 1) <= len; i++) {
        const unsigned char *r = ttf + 12 + 16 * i;
        if (memcmp(r, "cmap", 4) == 0) {
            cmap = be32(r + 8);
            cmap_len = be32(r + 12);
        }
    }
    if (!cmap || cmap > len || cmap_len > len - cmap || cmap_len < 4)
        return 0;
    const unsigned char *c = ttf + cmap;
    size_t subs = be16(c + 2);
    for (size_t i = 0; i < subs && 4 + 8 * (i + 1) <= cmap_len; i++) {
        const unsigned char *r = c + 4 + 8 * i;
        unsigned platform = be16(r), encoding = be16(r + 2);
        unsigned long off = be32(r + 4);
        int unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
        if (!unicode || off + 2 > cmap_len)
            continue;
        const unsigned char *t = c + off;
        size_t tlen = cmap_len - off;
        unsigned format = be16(t);
        if (format != 4 && format != 12)
            continue;
        size_t k = 0;
        while (k < n && (format == 4 ? cmap4_glyph(t, tlen, cps[k])
                                     : cmap12_glyph(t, tlen, cps[k])))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* The folder of the Liberation 2 fonts, checked to hold a Times-metric
 * face with the Vietnamese letters: otherwise LibreOffice would print
 * boxes or fall back to another font. */
static vt_error font_dir(const char **out, vt_diags *d)
{
    const char *dir = getenv("VANTHU_PDF_FONTS");
    if (!dir || !*dir)
        dir = VT_PDF_FONT_DIR;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/LiberationSerif-Regular.ttf", dir);
    if (access(path, R_OK) != 0) {
        vt_diags_addf(d, "%s: no Liberation Serif 2 font here (%s); install "
                         "fonts-liberation2, or set VANTHU_PDF_FONTS to the "
                         "folder that has LiberationSerif-Regular.ttf",
                      dir, strerror(errno));
        return VT_ERR_IO;
    }
    /* ư ơ ạ ệ ỹ: letters Liberation 1.x does not have */
    static const unsigned viet[] = {0x1B0, 0x1A1, 0x1EA1, 0x1EC7, 0x1EF9};
    char *ttf = NULL;
    size_t len = 0;
    int ok = vt_read_file(path, 64u << 20, &ttf, &len) == 0 &&
             vt_pdf_font_covers((const unsigned char *)ttf, len, viet,
                                sizeof viet / sizeof viet[0]);
    free(ttf);
    if (!ok) {
        vt_diags_addf(d, "%s: this Liberation Serif lacks Vietnamese letters "
                         "such as \"ư\" (Liberation 1.x, fonts-liberation); "
                         "install fonts-liberation2, or set VANTHU_PDF_FONTS "
                         "to its folder", path);
        return VT_ERR_IO;
    }
    *out = dir;
    return VT_OK;
}

/* ---- a profile that starts fast ------------------------------------------ */

/* What LibreOffice stamps into a profile on its first start: its build id
 * ("40(Build:2)", program/versionrc) and product version ("7.4",
 * share/registry/main.xcd).  A new profile without them costs a start
 * twice over: LibreOffice finds no extensions/buildid, cleans the
 * extension cache and restarts itself (exit 81, oosplash starts it
 * again), and, taking itself for upgraded, runs its graphics render
 * tests.  Measured on Debian 12's 7.4.7: about 0.8 s of CPU of the 1.1 s
 * a one-letter conversion costs. */
typedef struct {
    char buildid[64];
    char version[16];
} vt_pdf_stamp;

/* The value after the last key in text: spaces skipped, then pre, then
 * only chars up to end.  1 if found. */
static int stamp_value(const char *text, size_t len, const char *key,
                       const char *pre, const char *end, const char *chars,
                       char *out, size_t size)
{
    const char *at = NULL, *s = text, *stop = text + len;
    size_t klen = strlen(key), plen = strlen(pre), elen = strlen(end);
    while ((s = memmem(s, (size_t)(stop - s), key, klen)) != NULL)
        at = s++; /* the last: main.xcd declares the property first */
    if (!at)
        return 0;
    at += klen;
    while (at < stop && (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t'))
        at++;
    if ((size_t)(stop - at) < plen || memcmp(at, pre, plen) != 0)
        return 0;
    at += plen;
    size_t n = 0;
    while (at + n < stop && n + 1 < size && at[n] && strchr(chars, at[n]))
        n++;
    if (n == 0 || (size_t)(stop - (at + n)) < elen || memcmp(at + n, end, elen) != 0)
        return 0;
    memcpy(out, at, n);
    out[n] = 0;
    return 1;
}

/* Read the stamp of the LibreOffice that soffice names (found on PATH
 * like execvp would); on any doubt (a fake converter, another layout)
 * the stamp stays empty and the profile starts as LibreOffice makes it. */
static void stamp_read(const char *soffice, vt_pdf_stamp *st)
{
    memset(st, 0, sizeof *st);
    char found[PATH_MAX] = "", *real = NULL, *text = NULL;
    const char *path = getenv("PATH");
    if (strchr(soffice, '/'))
        snprintf(found, sizeof found, "%s", soffice);
    for (const char *p = path; !found[0] && p && *p;) {
        size_t n = strcspn(p, ":");
        snprintf(found, sizeof found, "%.*s/%s", (int)n, p, soffice);
        if (access(found, X_OK) != 0)
            found[0] = 0;
        p += n + (p[n] == ':');
    }
    if (!found[0] || !(real = realpath(found, NULL)))
        return;
    char *slash = strrchr(real, '/'), file[PATH_MAX];
    size_t len = 0;
    *slash = 0;
    static const char id_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ()_.:-+ ";
    snprintf(file, sizeof file, "%s/versionrc", real);
    if (vt_read_file(file, 1u << 16, &text, &len) == 0 &&
        !stamp_value(text, len, "\nbuildid=", "", "\n", id_chars, st->buildid,
                     sizeof st->buildid))
        st->buildid[0] = 0;
    free(text);
    text = NULL;
    snprintf(file, sizeof file, "%s/../share/registry/main.xcd", real);
    if (st->buildid[0] && vt_read_file(file, 64u << 20, &text, &len) == 0 &&
        !stamp_value(text, len, "<prop oor:name=\"ooSetupVersion\">", "<value>",
                     "</value>", "0123456789.", st->version, sizeof st->version))
        st->version[0] = 0;
    free(text);
    free(real);
    if (!st->version[0])
        st->buildid[0] = 0;
}

/* The stamp written into a new profile: extensions/buildid and the
 * settings a first start would leave (no recovery files either: the
 * profile is thrown away). */
static vt_error stamp_write(const char *profile, const vt_pdf_stamp *st,
                            vt_diags *d)
{
    char path[PATH_MAX];
    if (!st->buildid[0])
        return VT_OK;
    static const char *const dirs[] = {"", "/user", "/user/extensions"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", profile, dirs[i]);
        if (mkdir(path, 0700) != 0) {
            vt_diags_addf(d, "%s: cannot prepare the converter's profile: %s",
                          path, strerror(errno));
            return VT_ERR_IO;
        }
    }
    vt_error rc = VT_OK;
    if (snprintf(path, sizeof path, "%s/user/extensions/buildid", profile) >=
        (int)sizeof path)
        return VT_ERR_IO; /* cannot happen: convert() keeps TMPDIR short */
    rc = write_text(path, st->buildid, d);
    vt_buf x;
    vt_buf_init(&x);
    vt_buf_printf(&x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
        "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
    static const char *const items[][3] = {
        {"/org.openoffice.Office.Common/Misc", "FirstRun", "false"},
        {"/org.openoffice.Setup/Office", "ooSetupInstCompleted", "true"},
        {"/org.openoffice.Setup/Office", "LastCompatibilityCheckID", NULL},
        {"/org.openoffice.Setup/Product", "ooSetupLastVersion", NULL},
        {"/org.openoffice.Office.Recovery/AutoSave", "Enabled", "false"},
        {"/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "false"}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        vt_buf_printf(&x, "<item oor:path=\"%s\"><prop oor:name=\"%s\" "
                          "oor:op=\"fuse\"><value>%s</value></prop></item>\n",
                      items[i][0], items[i][1],
                      items[i][2] ? items[i][2] : i == 2 ? st->buildid : st->version);
    vt_buf_puts(&x, "</oor:items>\n");
    if (snprintf(path, sizeof path, "%s/user/registrymodifications.xcu",
                 profile) >= (int)sizeof path)
        rc = VT_ERR_IO;
    if (rc == VT_OK)
        rc = x.oom ? VT_ERR_NOMEM : write_text(path, x.data, d);
    vt_buf_free(&x);
    return rc;
}

/* profile/ (stamped), in/, out/, the font configuration, and a link in
 * in/ to each of the worker's documents. */
static vt_error worker_prepare(worker *w, const char *fonts,
                               const vt_pdf_stamp *st,
                               const char *const *docx, vt_diags *d)
{
    char path[PATH_MAX];
    static const char *const subs[] = {"in", "out", "fc-cache", "tmp"};
    if (mkdir(w->dir, 0700) != 0)
        goto io;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", w->dir, subs[i]);
        if (mkdir(path, 0700) != 0)
            goto io;
    }
    snprintf(path, sizeof path, "%s/profile", w->dir);
    vt_error prc = stamp_write(path, st, d);
    if (prc != VT_OK)
        return prc;
    vt_buf conf;
    vt_buf_init(&conf);
    vt_buf_printf(&conf,
                  "<?xml version=\"1.0\"?>\n<fontconfig>\n"
                  "  <dir>%s</dir>\n  <cachedir>%s/fc-cache</cachedir>\n"
                  "</fontconfig>\n", fonts, w->dir);
    snprintf(path, sizeof path, "%s/fonts.conf", w->dir);
    vt_error rc = conf.oom ? VT_ERR_NOMEM : write_text(path, conf.data, d);
    vt_buf_free(&conf);
    if (rc != VT_OK)
        return rc;
    for (size_t i = 0; i < w->count; i++) {
        const char *src = docx[w->first + i];
        char *abs = realpath(src, NULL);
        if (!abs) {
            vt_diags_addf(d, "%s: cannot read the document: %s", src,
                          strerror(errno));
            return VT_ERR_IO;
        }
        snprintf(path, sizeof path, "%s/in/%06zu.docx", w->dir, w->first + i);
        int ok = symlink(abs, path) == 0;
        free(abs);
        if (!ok)
            goto io;
    }
    return VT_OK;
io:
    vt_diags_addf(d, "%s: cannot prepare the converter's folder: %s", w->dir,
                  strerror(errno));
    return VT_ERR_IO;
}

/* The converter's environment: ours, with its own fonts, home, time
 * zone (UTC, so the dates it writes end in "Z" whatever the machine's)
 * and clock: libfaketime preloaded with FAKETIME (clk->faketime) holds
 * the wall clock still at the document's date, while the monotonic
 * clocks, which LibreOffice's event loop and timers run on, stay real.
 * Built before fork: the child may only call async-signal-safe functions. */
static char **child_env(worker *w, const vt_pdf_clock *clk)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 8, sizeof *env);
    const char *preload = getenv("LD_PRELOAD");
    if (!env || asprintf(&w->env_fc, "FONTCONFIG_FILE=%s/fonts.conf", w->dir) < 0 ||
        asprintf(&w->env_home, "HOME=%s", w->dir) < 0 ||
        asprintf(&w->env_tmp, "TMPDIR=%s/tmp", w->dir) < 0 ||
        asprintf(&w->env_preload, "LD_PRELOAD=%s%s%s", clk->lib,
                 preload && *preload ? ":" : "", preload ? preload : "") < 0) {
        free(env);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "FONTCONFIG_FILE=", 16) != 0 &&
            strncmp(environ[i], "HOME=", 5) != 0 &&
            strncmp(environ[i], "TZ=", 3) != 0 &&
            strncmp(environ[i], "TMPDIR=", 7) != 0 &&
            strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
            strncmp(environ[i], "FAKETIME", 8) != 0 &&
            strncmp(environ[i], "DONT_FAKE_MONOTONIC=", 20) != 0 &&
            strncmp(environ[i], "NO_FAKE_TIME=", 13) != 0)
            env[k++] = environ[i];
    env[k++] = w->env_fc;
    env[k++] = w->env_home;
    env[k++] = w->env_preload;
    env[k++] = w->env_tmp;
    env[k++] = (char *)clk->faketime;
    env[k++] = "FAKETIME_DONT_FAKE_MONOTONIC=1";
    env[k] = "TZ=UTC";
    return env;
}

/* Start the converter on the worker's documents, in a process group of
 * its own so that a timeout can stop it with every child it made. */
static vt_error worker_start(worker *w, const char *soffice,
                             const vt_pdf_clock *clk, vt_diags *d)
{
    vt_buf arg_profile, arg_outdir;
    vt_buf_init(&arg_profile);
    vt_buf_init(&arg_outdir);
    char profile[PATH_MAX], log[PATH_MAX];
    snprintf(profile, sizeof profile, "%s/profile", w->dir);
    snprintf(log, sizeof log, "%s/log", w->dir);
    vt_buf_puts(&arg_profile, "-env:UserInstallation=");
    file_url(&arg_profile, profile);
    vt_buf_printf(&arg_outdir, "%s/out", w->dir);
    size_t argc = 7 + w->count;
    char **argv = calloc(argc + 1, sizeof *argv);
    char **env = child_env(w, clk);
    int fds[2] = {-1, -1};
    vt_error rc = VT_OK;
    if (!argv || !env || arg_profile.oom || arg_outdir.oom) {
        rc = VT_ERR_NOMEM;
        goto done;
    }
    size_t a = 0;
    argv[a++] = (char *)soffice;
    argv[a++] = arg_profile.data;
    argv[a++] = "--headless";
    argv[a++] = "--convert-to";
    argv[a++] = VT_PDF_FILTER;
    argv[a++] = "--outdir";
    argv[a++] = arg_outdir.data;
    for (size_t i = 0; i < w->count; i++)
        if (asprintf(&argv[a++], "%s/in/%06zu.docx", w->dir, w->first + i) < 0) {
            argv[--a] = NULL;
            rc = VT_ERR_NOMEM;
            goto done;
        }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        vt_diags_addf(d, "cannot start the converter: %s", strerror(errno));
        rc = VT_ERR_IO;
        goto done;
    }
    int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (logfd < 0) {
        vt_diags_addf(d, "%s: cannot create: %s", log, strerror(errno));
        rc = VT_ERR_IO;
        goto done;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec */
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL);
        execvpe(soffice, argv, env);
        int e = errno;
        ssize_t wr = write(fds[1], &e, sizeof e);
        (void)wr;
        _exit(127);
    }
    close(logfd);
    if (pid < 0) {
        vt_diags_addf(d, "cannot start the converter: %s", strerror(errno));
        rc = VT_ERR_IO;
        goto done;
    }
    setpgid(pid, pid); /* also here, so the group exists before any kill */
    w->pid = pid;
    close(fds[1]);
    fds[1] = -1;
    w->pipe_rd = fds[0];
    fds[0] = -1;
done:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    if (argv)
        for (size_t i = 7; i < argc && argv[i]; i++)
            free(argv[i]);
    free(argv);
    free(env);
    vt_buf_free(&arg_profile);
    vt_buf_free(&arg_outdir);
    return rc;
}

/* 1 if a process of group pgid is still running (not a zombie: LibreOffice
 * leaves its gpg helpers to init, and an init that does not reap, as in
 * many containers, keeps them as zombies, which kill(-pgid, 0) counts). */
static int group_running(pid_t pgid)
{
    if (kill(-pgid, 0) != 0)
        return 0;
    DIR *proc = opendir("/proc");
    if (!proc)
        return 1;
    int running = 0;
    struct dirent *e;
    while (!running && (e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%.20s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = 0;
        /* "pid (comm) S ppid pgrp ...": comm may hold spaces and ')' */
        char *rp = strrchr(buf, ')'), state = 0;
        long ppid = 0, pgrp = 0;
        if (rp && sscanf(rp + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 &&
            pgrp == (long)pgid && state != 'Z' && state != 'X')
            running = 1;
    }
    closedir(proc);
    return running;
}

/* Stop what is left of a worker's process group and reap its leader.  The
 * group is killed while the leader is still a zombie, so its id cannot
 * have been given to another process. */
static void worker_end(worker *w)
{
    if (w->pid <= 0 || w->ended)
        return;
    kill(-w->pid, SIGKILL);
    while (waitpid(w->pid, &w->status, 0) < 0 && errno == EINTR)
        ;
    w->ended = 1;
    /* children the converter left (now init's) take a moment to die:
     * wait, up to 2 s, until none of the group is still running, so that
     * none is there when vanthu returns */
    struct timespec nap = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 200 && group_running(w->pid); i++)
        nanosleep(&nap, NULL);
    if (w->pipe_rd >= 0) {
        int e = 0;
        if (read(w->pipe_rd, &e, sizeof e) == (ssize_t)sizeof e)
            w->exec_err = e;
        close(w->pipe_rd);
        w->pipe_rd = -1;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for every worker until the deadline; those still running then are
 * killed and marked timed out.  When *stop becomes non-zero (the caller's
 * SIGINT or SIGTERM handler) every worker is killed at once, its whole
 * process group with it, and the signal is returned; else 0. */
static int wait_all(worker *ws, size_t nw, double deadline,
                    volatile sig_atomic_t *stop)
{
    for (;;) {
        if (stop && *stop) {
            for (size_t i = 0; i < nw; i++)
                worker_end(&ws[i]);
            return (int)*stop;
        }
        size_t running = 0;
        for (size_t i = 0; i < nw; i++) {
            worker *w = &ws[i];
            if (w->pid <= 0 || w->ended)
                continue;
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == w->pid)
                worker_end(w);
            else
                running++;
        }
        if (!running)
            return 0;
        if (now_s() >= deadline) {
            for (size_t i = 0; i < nw; i++)
                if (ws[i].pid > 0 && !ws[i].ended) {
                    ws[i].timed_out = 1;
                    worker_end(&ws[i]);
                }
            return 0;
        }
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

/* The converter's last line of output, for a message ("" if none). */
static void last_log_line(const worker *w, char *out, size_t size)
{
    char path[PATH_MAX], line[400];
    snprintf(path, sizeof path, "%s/log", w->dir);
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        /* LibreOffice's harmless note about Java is not the reason */
        if (line[0] && !strstr(line, "javaldx"))
            snprintf(out, size, "%s", line);
    }
    fclose(f);
}

/* Why a worker's run failed, as a message; VT_OK if it ended well. */
static vt_error worker_verdict(const worker *w, const char *soffice,
                               unsigned timeout, vt_diags *d)
{
    char last[400];
    last_log_line(w, last, sizeof last);
    const char *sep = last[0] ? ": " : "";
    if (w->exec_err) {
        vt_diags_addf(d, "%s: cannot run the PDF converter: %s; install "
                         "LibreOffice (Debian: libreoffice-writer-nogui) or "
                         "set VANTHU_SOFFICE to its soffice",
                      soffice, strerror(w->exec_err));
        return VT_ERR_IO;
    }
    if (w->timed_out) {
        vt_diags_addf(d, "%s: the PDF converter did not finish %zu "
                         "document%s within %u s and was stopped "
                         "(--pdf-timeout)%s%s",
                      soffice, w->count, w->count == 1 ? "" : "s", timeout,
                      sep, last);
        return VT_ERR_IO;
    }
    if (WIFSIGNALED(w->status)) {
        vt_diags_addf(d, "%s: the PDF converter crashed (signal %d, %s)%s%s",
                      soffice, WTERMSIG(w->status),
                      strsignal(WTERMSIG(w->status)), sep, last);
        return VT_ERR_IO;
    }
    if (WIFEXITED(w->status) && WEXITSTATUS(w->status) != 0) {
        vt_diags_addf(d, "%s: the PDF converter failed (exit status %d)%s%s",
                      soffice, WEXITSTATUS(w->status), sep, last);
        return VT_ERR_IO;
    }
    return VT_OK;
}

/* Read the PDF the converter wrote for document i; checked to be a whole
 * PDF (header and end-of-file marker).  *pdf is freed by the caller. */
static vt_error read_result(const worker *w, size_t i, const char *docx,
                            char **pdf, size_t *len, vt_diags *d)
{
    char path[PATH_MAX], last[400];
    snprintf(path, sizeof path, "%s/out/%06zu.pdf", w->dir, i);
    struct stat st;
    *pdf = NULL;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        int r = vt_read_file(path, VT_PDF_MAX_BYTES, pdf, len);
        if (r == -1 && errno == ENOMEM)
            return VT_ERR_NOMEM;
        size_t tail = *len < 1024 ? *len : 1024;
        if (r == 0 && *len >= 16 && memcmp(*pdf, "%PDF-", 5) == 0 &&
            memmem(*pdf + *len - tail, tail, "%%EOF", 5))
            return VT_OK;
    }
    free(*pdf);
    *pdf = NULL;
    last_log_line(w, last, sizeof last);
    vt_diags_addf(d, "%s: the PDF converter wrote no complete PDF%s%s", docx,
                  last[0] ? "; it said: " : "", last);
    return VT_ERR_IO;
}

/* Start qpdf on the converter's PDF for document i: it numbers
 * and orders the objects by a walk from the root: LibreOffice writes its
 * font objects in the order of a map keyed by memory addresses, which
 * changes from run to run with its threads' timing, so the same document
 * came out in a few different orders.  Content, compression and the XMP
 * packet stay as they are; classic cross-reference table, no object
 * streams. */
static vt_error qpdf_start(const worker *w, size_t i, pid_t *pid,
                           vt_diags *d)
{
    char in[PATH_MAX], out[PATH_MAX], log[PATH_MAX];
    snprintf(in, sizeof in, "%s/out/%06zu.pdf", w->dir, i);
    snprintf(out, sizeof out, "%s/out/%06zu.q.pdf", w->dir, i);
    snprintf(log, sizeof log, "%s/out/%06zu.qpdf.log", w->dir, i);
    const char *qpdf = getenv("VANTHU_QPDF");
    if (!qpdf || !*qpdf)
        qpdf = "qpdf";
    char *argv[] = {(char *)qpdf, "--static-id", "--object-streams=disable",
                    "--no-warn", in, out, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return VT_ERR_NOMEM;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    /* a path is checked first: where posix_spawn is emulated (valgrind)
     * a missing program shows only as the child's exit status */
    int err = strchr(qpdf, '/') && access(qpdf, X_OK) != 0
                  ? errno
                  : posix_spawnp(pid, qpdf, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        *pid = 0;
        vt_diags_addf(d, "%s: cannot run qpdf, which puts the PDF's objects "
                         "in a fixed order: %s; install qpdf, or set "
                         "VANTHU_QPDF to it", qpdf, strerror(err));
        return VT_ERR_IO;
    }
    return VT_OK;
}

/* Wait for the qpdf of document i and put its output in place. */
static vt_error qpdf_end(const worker *w, size_t i, pid_t pid,
                         const char *docx, vt_diags *d)
{
    char in[PATH_MAX], out[PATH_MAX], log[PATH_MAX];
    snprintf(in, sizeof in, "%s/out/%06zu.pdf", w->dir, i);
    snprintf(out, sizeof out, "%s/out/%06zu.q.pdf", w->dir, i);
    snprintf(log, sizeof log, "%s/out/%06zu.qpdf.log", w->dir, i);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* 0: written; 3: written, with warnings (--no-warn keeps them quiet) */
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3) &&
        rename(out, in) == 0)
        return VT_OK;
    char last[400] = "", line[400];
    FILE *f = fopen(log, "re");
    while (f && fgets(line, sizeof line, f))
        if (line[strcspn(line, "\r\n")] = 0, line[0])
            snprintf(last, sizeof last, "%s", line);
    if (f)
        fclose(f);
    unlink(out);
    vt_diags_addf(d, "%s: qpdf could not rewrite the converter's PDF%s%s", docx,
                  last[0] ? ": " : "", last);
    return VT_ERR_IO;
}

/* Every PDF of the run through qpdf, a few at a time (it takes ~10 ms of
 * CPU a letter; one after another they would add a second to a batch of
 * a hundred).  On a failure, those running are waited for, then it is
 * reported. */
static vt_error normalise_all(const worker *ws, size_t nw,
                              const char *const *docx, vt_diags *d)
{
    enum { MAX_RUNNING = 4 };
    pid_t pids[MAX_RUNNING];
    size_t doc[MAX_RUNNING], wk[MAX_RUNNING], head = 0, running = 0;
    vt_error rc = VT_OK;
    for (size_t k = 0; k < nw; k++)
        for (size_t j = 0; j < ws[k].count && rc == VT_OK; j++) {
            size_t i = ws[k].first + j;
            if (running == MAX_RUNNING) {
                size_t h = head % MAX_RUNNING;
                rc = qpdf_end(&ws[wk[h]], doc[h], pids[h], docx[doc[h]], d);
                head++, running--;
                if (rc != VT_OK)
                    break;
            }
            size_t t = (head + running) % MAX_RUNNING;
            rc = qpdf_start(&ws[k], i, &pids[t], d);
            if (rc == VT_OK)
                doc[t] = i, wk[t] = k, running++;
        }
    while (running > 0) {
        size_t h = head % MAX_RUNNING;
        vt_error r = qpdf_end(&ws[wk[h]], doc[h], pids[h], docx[doc[h]], d);
        if (rc == VT_OK)
            rc = r;
        head++, running--;
    }
    return rc;
}

/* A DOCX is a zip package with word/document.xml: anything else is
 * refused before a converter starts (it would only say "could not be
 * loaded", or open a text file as one). */
static vt_error check_docx(const char *path, vt_diags *d)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        vt_diags_addf(d, "%s: cannot read the document: %s", path,
                      strerror(errno));
        return VT_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        vt_diags_addf(d, "%s: not a DOCX file: not a regular file", path);
        return VT_ERR_ZIP;
    }
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    if (!z) {
        vt_diags_addf(d, "%s: not a DOCX file (not a zip package)", path);
        return VT_ERR_ZIP;
    }
    zip_int64_t i = zip_name_locate(z, "word/document.xml", 0);
    zip_discard(z);
    if (i < 0) {
        vt_diags_addf(d, "%s: not a DOCX file (no word/document.xml)", path);
        return VT_ERR_ZIP;
    }
    return VT_OK;
}

/* Write every converted PDF to its name, with the document's date.  All
 * are checked before the first is written, and a failure while writing
 * (a full disk) removes those this run wrote: the batch or nothing. */
static vt_error place_all(const worker *ws, size_t nw,
                          const char *const *docx, const char *const *pdf,
                          const vt_pdf_opts *o, char (*sha)[65], vt_diags *d)
{
    vt_error rc = VT_OK;
    size_t written = 0;
    /* pass 0: every PDF whole; then each rewritten by qpdf; 1: written */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < nw && rc == VT_OK; k++)
            for (size_t j = 0; j < ws[k].count && rc == VT_OK; j++) {
                size_t i = ws[k].first + j, len = 0;
                char *data;
                if (pass == 1 && k == 0 && j == 0)
                    rc = normalise_all(ws, nw, docx, d);
                if (rc != VT_OK)
                    continue;
                rc = read_result(&ws[k], i, docx[i], &data, &len, d);
                if (rc != VT_OK || pass == 0) {
                    free(rc == VT_OK ? data : NULL);
                    continue;
                }
                if (o->date.year)
                    vt_pdf_set_dates((unsigned char *)data, len, &o->date);
                vt_pdf_set_id((unsigned char *)data, len);
                if (o->sign) {
                    char *sig = NULL;
                    size_t sig_len = 0;
                    rc = vt_pdf_sign(pdf[i], data, len, o->sign, &sig,
                                     &sig_len, d);
                    free(data);
                    data = sig, len = sig_len;
                    if (rc != VT_OK)
                        continue;
                }
                if (sha)
                    vt_sha256_hex(data, len, sha[i]);
                rc = vt_write_atomic(pdf[i], data, len,
                                     o->sync ? VT_WRITE_SYNC : VT_WRITE_NOSYNC,
                                     d);
                written += rc == VT_OK;
                free(data);
            }
    if (rc != VT_OK) /* documents are placed in order: the first ones */
        for (size_t k = 0, i = 0; k < nw && i < written; k++)
            for (size_t j = 0; j < ws[k].count && i < written; j++, i++)
                unlink(pdf[ws[k].first + j]);
    return rc;
}

static vt_error convert(const char *const *docx, const char *const *pdf,
                        size_t n, const vt_pdf_opts *o, char (*sha)[65],
                        vt_diags *d);

/* convert, with the signing password read first and wiped after. */
static vt_error convert_signing(const char *const *docx,
                                const char *const *pdf, size_t n,
                                const vt_pdf_opts *o, char (*sha)[65],
                                vt_diags *d)
{
    char *pw = NULL;
    vt_error rc = vt_sign_read_password(o->sign, &pw, d);
    if (rc != VT_OK)
        return rc;
    vt_sign_opts so = *o->sign;
    vt_pdf_opts po = *o;
    so.password = pw;
    po.sign = &so;
    rc = convert(docx, pdf, n, &po, sha, d);
    vt_sign_password_free(pw);
    return rc;
}

static vt_error convert(const char *const *docx, const char *const *pdf,
                        size_t n, const vt_pdf_opts *o, char (*sha)[65],
                        vt_diags *d)
{
    if (n == 0)
        return VT_OK;
    vt_error rc = VT_OK;
    for (size_t i = 0; i < n; i++) {
        vt_error r = check_docx(docx[i], d);
        if (r != VT_OK && rc == VT_OK)
            rc = r;
    }
    const char *fonts = NULL;
    vt_pdf_clock clk;
    if (rc == VT_OK)
        rc = font_dir(&fonts, d);
    if (rc == VT_OK)
        rc = clock_init(&clk, &o->date, d);
    if (rc != VT_OK)
        return rc;
    if (o->sign && !o->sign->password) /* asked once, before the wait */
        return convert_signing(docx, pdf, n, o, sha, d);
    const char *soffice = o->soffice;
    if (!soffice)
        soffice = getenv("VANTHU_SOFFICE");
    if (!soffice || !*soffice)
        soffice = "soffice";
    size_t nw = o->jobs ? o->jobs : 1;
    if (nw > n)
        nw = n;
    vt_pdf_stamp stamp;
    stamp_read(soffice, &stamp);
    const char *tmpdir = getenv("TMPDIR");
    char root[PATH_MAX];
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    /* room for the worker's own names below it (w0/in/000000.docx …) */
    if (strlen(tmpdir) > PATH_MAX - 128) {
        vt_diags_addf(d, "TMPDIR is too long a path for the converter's folder");
        return VT_ERR_IO;
    }
    snprintf(root, sizeof root, "%s/vanthu-pdf-XXXXXX", tmpdir);
    worker *ws = calloc(nw, sizeof *ws);
    if (!ws)
        return VT_ERR_NOMEM;
    if (!mkdtemp(root)) {
        vt_diags_addf(d, "%s: cannot create the converter's folder: %s", root,
                      strerror(errno));
        free(ws);
        return VT_ERR_IO;
    }
    unsigned timeout = o->timeout_s;
    size_t per = n / nw, extra = n % nw, at = 0;
    for (size_t k = 0; k < nw && rc == VT_OK; k++) {
        worker *w = &ws[k];
        w->pipe_rd = -1;
        w->first = at;
        w->count = per + (k < extra);
        at += w->count;
        if (asprintf(&w->dir, "%s/w%zu", root, k) < 0) {
            w->dir = NULL;
            rc = VT_ERR_NOMEM;
            break;
        }
        rc = worker_prepare(w, fonts, &stamp, docx, d);
    }
    if (!timeout)
        timeout = VT_PDF_TIMEOUT_BASE +
                  VT_PDF_TIMEOUT_PER_DOC * (unsigned)(per + (extra > 0));
    for (size_t k = 0; k < nw && rc == VT_OK; k++)
        rc = worker_start(&ws[k], soffice, &clk, d);
    /* after a failure, the ones already started are stopped at once */
    int sig = wait_all(ws, nw, rc == VT_OK ? now_s() + timeout : 0, o->stop);
    if (sig && rc == VT_OK) {
        vt_diags_addf(d, "interrupted (%s): the PDF converter was stopped and "
                         "no PDF was written", strsignal(sig));
        rc = VT_ERR_IO;
    }
    for (size_t k = 0; k < nw && rc == VT_OK; k++)
        rc = worker_verdict(&ws[k], soffice, timeout, d);
    if (rc == VT_OK)
        rc = place_all(ws, nw, docx, pdf, o, sha, d);
    for (size_t k = 0; k < nw; k++) {
        free(ws[k].dir);
        free(ws[k].env_fc);
        free(ws[k].env_home);
        free(ws[k].env_preload);
        free(ws[k].env_tmp);
    }
    free(ws);
    rm_tree(root);
    return rc;
}

vt_error vt_pdf_convert(const char *const *docx, const char *const *pdf,
                        size_t n, const vt_pdf_opts *o, vt_diags *d)
{
    return convert(docx, pdf, n, o, NULL, d);
}

vt_error vt_pdf_from_mem(const void *docx, size_t len, const char *pdf,
                         const vt_pdf_opts *o, vt_diags *d)
{
    const char *tmpdir = getenv("TMPDIR");
    char dir[PATH_MAX - 64], path[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/vanthu-docx-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        vt_diags_addf(d, "%s: cannot create a temporary folder: %s", dir,
                      strerror(errno));
        return VT_ERR_IO;
    }
    snprintf(path, sizeof path, "%s/document.docx", dir);
    vt_error rc = vt_write_atomic(path, docx, len, VT_WRITE_NEW, d);
    if (rc == VT_OK) {
        const char *in[1] = {path}, *out[1] = {pdf};
        rc = convert(in, out, 1, o, NULL, d);
    }
    rm_tree(dir);
    return rc;
}

vt_error vt_pdf_batch(const vt_pdf_opts *o, const char *dir, unsigned jobs,
                      const vt_date *date, const char *const *files,
                      size_t n, char **pdf, char (*sha)[65], vt_diags *d)
{
    vt_pdf_opts po = *o;
    if (!po.jobs)
        po.jobs = jobs;
    if (!po.date.year)
        po.date = *date;
    po.sync = 0; /* the batch syncs its folder once */
    for (size_t i = 0; i < n; i++)
        if (!(pdf[i] = vt_pdf_name(files[i])))
            return VT_ERR_NOMEM;
    return vt_pdf_folder(dir, files, n, &po, sha, d);
}

vt_error vt_pdf_archive(const vt_pdf_opts *o, const void *docx, size_t len,
                        const char *docx_path, const vt_date *date,
                        char **pdf_path, char sha[65], vt_diags *d)
{
    vt_pdf_opts po = *o;
    po.date = *date;
    po.sync = 1;
    *pdf_path = vt_pdf_name(docx_path);
    if (!*pdf_path)
        return VT_ERR_NOMEM;
    vt_error rc = vt_pdf_from_mem(docx, len, *pdf_path, &po, d);
    char *data = NULL, *dir = vt_path_dir(*pdf_path);
    size_t n = 0;
    if (rc == VT_OK && (!dir || vt_fsync_dir(dir) != 0 ||
                        vt_read_file(*pdf_path, VT_PDF_MAX_BYTES, &data, &n) != 0)) {
        vt_diags_addf(d, "%s: cannot flush or read back the archived PDF: %s",
                      *pdf_path, strerror(errno));
        unlink(*pdf_path);
        rc = VT_ERR_IO;
    }
    if (rc == VT_OK)
        vt_sha256_hex(data, n, sha);
    free(data);
    free(dir);
    if (rc != VT_OK) {
        free(*pdf_path);
        *pdf_path = NULL;
    }
    return rc;
}

vt_error vt_pdf_folder(const char *dir, const char *const *names, size_t n,
                       const vt_pdf_opts *o, char (*sha)[65], vt_diags *d)
{
    char **in = calloc(n + 1, sizeof *in), **out = calloc(n + 1, sizeof *out);
    vt_error rc = in && out ? VT_OK : VT_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == VT_OK; i++) {
        if (asprintf(&in[i], "%s/%s", dir, names[i]) < 0) {
            in[i] = NULL;
            rc = VT_ERR_NOMEM;
        } else if (!(out[i] = vt_pdf_name(in[i]))) {
            rc = VT_ERR_NOMEM;
        }
    }
    if (rc == VT_OK)
        rc = convert((const char *const *)in, (const char *const *)out, n, o,
                     sha, d);
    for (size_t i = 0; i < n && in && out; i++) {
        free(in[i]);
        free(out[i]);
    }
    free(in);
    free(out);
    return rc;
}
