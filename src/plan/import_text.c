/*
 * import_text.c - a document typed as plain text, read into a plan.
 *
 * Three passes over the lines.  The header pass reads the agency lines,
 * "Số:", the place and date, the type name and trích yếu or the V/v line,
 * Kính gửi and Căn cứ, up to the first line that is none of these.  The
 * body pass keeps a stack of open sections and items: a typed "II." closes
 * everything down to the body, a "2." closes down to the nearest roman
 * section, and so on; the typed numbers are dropped because vanthu numbers
 * the plan itself.  Numbered lines right after a lead-in paragraph ("…
 * gồm:") that read as its items become a plain <list> instead, and "+"
 * lines under a paragraph its own points, so that the plan prints what was
 * typed.  The closing pass reads Nơi nhận, the signature and the
 * appendices.  Every line with words on it lands somewhere; guesses are
 * reported as "file:line: …" warnings so the clerk can check them.
 */
#include "plan/import_text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "plan/import_docx.h"
#include "plan/model.h"
#include "base/xml.h"

/* ---- folding a line's start for matching ------------------------------- */

enum { FOLD_MAX = 160 };

/* The first codepoints of s folded to ASCII lower case without marks (đ is
 * d; anything else outside ASCII is '?'), with the byte offset of each
 * codepoint so that a match can be cut out of the original text. */
typedef struct {
    char f[FOLD_MAX + 1];
    size_t off[FOLD_MAX + 1];
    size_t n;
} folded;

static utf8proc_int32_t fold_cp(utf8proc_int32_t c)
{
    if (c < 0x80)
        return tolower(c);
    if (c == 0x110 || c == 0x111)
        return 'd';
    utf8proc_int32_t dst[4];
    int last = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(c, dst, 4, UTF8PROC_DECOMPOSE, &last);
    if (k >= 1 && dst[0] < 0x80)
        return tolower(dst[0]);
    return '?';
}

static void fold(const char *s, folded *fd)
{
    size_t i = 0, len = strlen(s);
    fd->n = 0;
    while (i < len && fd->n < FOLD_MAX) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            break;
        fd->off[fd->n] = i;
        fd->f[fd->n++] = (char)fold_cp(c);
        i += (size_t)k;
    }
    fd->off[fd->n] = i;
    fd->f[fd->n] = '\0';
}

static int starts(const folded *fd, const char *w)
{
    return strncmp(fd->f, w, strlen(w)) == 0;
}

static const char *skip_sp(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The text after the folded prefix of k codepoints, spaces and one ':'
 * skipped. */
static const char *after(const char *s, const folded *fd, size_t k)
{
    const char *r = skip_sp(s + fd->off[k < fd->n ? k : fd->n]);
    if (*r == ':')
        r = skip_sp(r + 1);
    return r;
}

/* ---- classifying lines ------------------------------------------------- */

static int has_lower(const char *s, int *letters)
{
    size_t i = 0, len = strlen(s);
    int lower = 0;
    *letters = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            break;
        i += (size_t)k;
        utf8proc_category_t cat = utf8proc_category(c);
        if (cat == UTF8PROC_CATEGORY_LL)
            lower = 1;
        if (cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LU)
            (*letters)++;
    }
    return lower;
}

static int is_rule(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (!strchr("-_=*~. ", *s))
            return 0;
        if (*s != ' ')
            n++;
    }
    return n >= 3;
}

static int roman_value(const char *s, size_t n)
{
    static const char *const r[] = {"I", "II", "III", "IV", "V", "VI", "VII",
                                    "VIII", "IX", "X", "XI", "XII", "XIII",
                                    "XIV", "XV", "XVI", "XVII", "XVIII",
                                    "XIX", "XX"};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (strlen(r[i]) == n && strncmp(r[i], s, n) == 0)
            return (int)i + 1;
    return 0;
}

/* The decree's letter sequence; đ is two bytes. */
static int letter_index(const char *s, size_t *len)
{
    static const char *const seq[] = {"a", "b", "c", "d", "đ", "e", "g", "h",
                                      "i", "k", "l", "m", "n", "o", "p", "q",
                                      "r", "s", "t", "u", "v", "x", "y"};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        size_t k = strlen(seq[i]);
        if (strncmp(s, seq[i], k) == 0 && s[k] == ')') {
            *len = k + 1;
            return (int)i + 1;
        }
    }
    return 0;
}

static int authority_of(const folded *fd, size_t *k)
{
    static const struct {
        const char *p;
        int a;
    } forms[] = {{"t.u.q.", 5}, {"tuq.", 5}, {"tuq ", 5}, {"k.t.", 2},
                 {"k.t ", 2},   {"kt.", 2},  {"kt ", 2},  {"t.m.", 1},
                 {"t.m ", 1},   {"tm.", 1},  {"tm ", 1},  {"t.l.", 4},
                 {"t.l ", 4},   {"tl.", 4},  {"tl ", 4},  {"q.", 3}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (starts(fd, forms[i].p)) {
            *k = strlen(forms[i].p);
            return forms[i].a;
        }
    return 0;
}

static vt_line_kind set(vt_line_info *in, vt_line_kind k, const char *rest)
{
    in->kind = k;
    in->rest = skip_sp(rest);
    return k;
}

vt_line_kind vt_import_classify(const char *line, vt_line_info *in)
{
    memset(in, 0, sizeof *in);
    const char *s = skip_sp(line);
    in->rest = s;
    if (!*s)
        return set(in, VT_L_BLANK, s);
    if (is_rule(s))
        return set(in, VT_L_RULE, s);
    /* a line wrapped in bold or italic stars: look past them */
    const char *t = s;
    while (*t == '*')
        t++;
    folded fd;
    fold(t, &fd);
    int letters, lower = has_lower(t, &letters);
    if (starts(&fd, "cong hoa xa hoi chu nghia viet nam"))
        return set(in, VT_L_QUOCHIEU, t);
    if (starts(&fd, "doc lap") && strstr(fd.f, "tu do"))
        return set(in, VT_L_TIEUNGU, t);
    if (starts(&fd, "v/v ") || starts(&fd, "v/v:") || starts(&fd, "v.v ") ||
        starts(&fd, "ve viec ")) {
        const char *r = after(t, &fd, starts(&fd, "ve viec ") ? 7 : 3);
        /* "V/v Về việc …", "V/v về …" say "về việc" twice; vanthu prints
         * the "V/v" itself, so the subject starts after both */
        folded f2;
        fold(r, &f2);
        if (starts(&f2, "ve viec "))
            r = after(r, &f2, 7);
        else if (starts(&f2, "ve "))
            r = after(r, &f2, 2);
        return set(in, VT_L_VV, r);
    }
    if (starts(&fd, "kinh gui"))
        return set(in, VT_L_KINHGUI, after(t, &fd, 8));
    if (starts(&fd, "noi nhan"))
        return set(in, VT_L_NOINHAN, after(t, &fd, 8));
    if (starts(&fd, "can cu "))
        return set(in, VT_L_CANCU, t);
    if (starts(&fd, "(kem theo"))
        return set(in, VT_L_KEMTHEO, t);
    if (starts(&fd, "(da ky") || starts(&fd, "(da ki") || starts(&fd, "(ky ") ||
        starts(&fd, "(ky,") || starts(&fd, "(ki,") || starts(&fd, "(ki "))
        return set(in, VT_L_DAKY, t);
    if (starts(&fd, "phu luc") && strlen(t) < 40)
        return set(in, VT_L_PHULUC, t);
    int num, y, m, d;
    char a[64], b[64], c[64], place[128];
    if (vt_import_parse_so(t, &num, a, b, c, sizeof a) == 0)
        return set(in, VT_L_SO, t);
    if (vt_import_parse_date(t, place, sizeof place, &y, &m, &d) == 0)
        return set(in, VT_L_DATE, t);
    size_t k;
    if (!lower && letters >= 2 && (in->num = authority_of(&fd, &k)))
        return set(in, VT_L_AUTHORITY, t + fd.off[k]);
    /* numbering */
    size_t r = 0;
    while (s[r] && strchr("IVX", s[r]))
        r++;
    if (r && s[r] && strchr(".-/)", s[r]) && (s[r + 1] == ' ' || !s[r + 1]) &&
        (in->num = roman_value(s, r)))
        return set(in, VT_L_ROMAN, s + r + 1);
    if (isdigit((unsigned char)s[0])) {
        char *end;
        long n1 = strtol(s, &end, 10);
        if (end - s <= 2 && (*end == '.' || *end == ')')) {
            const char *p2 = skip_sp(end + 1);
            if (*end == '.' && isdigit((unsigned char)*p2)) {
                char *e2;
                long n2 = strtol(p2, &e2, 10);
                if (e2 - p2 <= 2 && (*e2 == '.' || *e2 == ' ') &&
                    (e2[*e2 == '.'] == ' ' || !e2[*e2 == '.'])) {
                    in->num = (int)n1, in->num2 = (int)n2;
                    return set(in, VT_L_DOTTED, e2 + (*e2 == '.'));
                }
            } else if (end[1] == ' ' || !end[1]) {
                in->num = (int)n1;
                return set(in, VT_L_DECIMAL, end + 1);
            }
        }
    }
    size_t ll;
    if ((in->num = letter_index(s, &ll)) && (s[ll] == ' ' || !s[ll]))
        return set(in, VT_L_LETTER, s + ll);
    in->num = 0;
    static const char *const dashes[] = {"- ", "-", "– ", "— ", "• ", "· ", "* "};
    for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
        size_t n = strlen(dashes[i]);
        if (strncmp(s, dashes[i], n) == 0 && s[n] != '-') {
            const char *rest = skip_sp(s + n);
            folded f2;
            fold(rest, &f2);
            if (starts(&f2, "luu:") || starts(&f2, "luu ") || strcmp(f2.f, "luu") == 0)
                return set(in, VT_L_LUU, after(rest, &f2, 3));
            return set(in, VT_L_DASH, rest);
        }
    }
    if (s[0] == '+')
        return set(in, VT_L_PLUS, s + 1);
    if (!lower && letters >= 2)
        return set(in, VT_L_UPPER, t);
    return set(in, VT_L_TEXT, s);
}

/* ---- Số line and date line ---------------------------------------------- */

static void copy_trim(char *dst, size_t size, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && strchr(" \t.,;", s[n - 1]))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Remove the spaces a clerk typed inside a ký hiệu ("PGD ĐT"). */
static void squeeze(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
}

int vt_import_parse_so(const char *line, int *number, char *type_abbr,
                       char *agency, char *unit, size_t size)
{
    const char *s = skip_sp(line);
    while (*s == '*')
        s++;
    if (strncmp(s, "Số", strlen("Số")) != 0 && strncmp(s, "SỐ", strlen("SỐ")) != 0)
        return -1;
    s = skip_sp(s + strlen("Số"));
    if (*s == ':')
        s = skip_sp(s + 1);
    const char *digits = s;
    while (*s == ' ' || *s == '.' || *s == '_' || isdigit((unsigned char)*s))
        s++;
    if (*s != '/')
        return -1;
    *number = (int)strtol(skip_sp(digits), NULL, 10);
    if (!isdigit((unsigned char)*skip_sp(digits)))
        *number = 0;
    s++;
    /* the ký hiệu runs to the end (or to "ngày" when the line goes on) */
    const char *end = strstr(s, " ngày");
    size_t n = end ? (size_t)(end - s) : strlen(s);
    char kh[256];
    copy_trim(kh, sizeof kh, s, n);
    for (char *p = kh; *p; p++)
        if (*p == '*')
            *p = ' ';
    squeeze(kh);
    if (!*kh)
        return -1;
    type_abbr[0] = agency[0] = unit[0] = '\0';
    char *dash = strchr(kh, '-');
    char first[128];
    copy_trim(first, sizeof first, kh, dash ? (size_t)(dash - kh) : strlen(kh));
    char *rest = dash ? dash + 1 : NULL;
    const vt_doctype *t = vt_doctype_find(first);
    if (t && t->abbr[0] && rest) {
        copy_trim(type_abbr, size, first, strlen(first));
        dash = strchr(rest, '-');
        copy_trim(agency, size, rest, dash ? (size_t)(dash - rest) : strlen(rest));
        if (dash)
            copy_trim(unit, size, dash + 1, strlen(dash + 1));
    } else {
        copy_trim(agency, size, first, strlen(first));
        if (rest)
            copy_trim(unit, size, rest, strlen(rest));
    }
    return 0;
}

/* A number typed in a date: digits, or nothing (dots, blanks) in a draft. */
static const char *date_part(const char *s, int *v)
{
    s = skip_sp(s);
    while (*s == '.' || *s == '_' || *s == '/' || *s == ' ' || *s == '\t')
        s++;
    *v = 0;
    if (isdigit((unsigned char)*s))
        *v = (int)strtol(s, (char **)&s, 10);
    while (*s == '.' || *s == '_' || *s == ' ' || *s == '\t')
        s++;
    return s;
}

int vt_import_parse_date(const char *line, char *place, size_t size, int *y,
                         int *m, int *d)
{
    folded fd;
    fold(line, &fd);
    if (fd.n >= FOLD_MAX)
        return -1;
    const char *ng = strstr(fd.f, "ngay");
    if (!ng || (ng > fd.f && isalpha((unsigned char)ng[-1])))
        return -1;
    size_t at = (size_t)(ng - fd.f);
    const char *s = line + fd.off[at + 4];
    s = date_part(s, d);
    folded f2;
    fold(s, &f2);
    if (!starts(&f2, "thang"))
        return -1;
    s = date_part(s + f2.off[5], m);
    fold(s, &f2);
    if (!starts(&f2, "nam"))
        return -1;
    s = date_part(s + f2.off[3], y);
    if (*y < 1900 || *y > 9999)
        return -1;
    if (*skip_sp(s) && strcmp(skip_sp(s), ".") != 0 && strcmp(skip_sp(s), "*") != 0 &&
        strcmp(skip_sp(s), "**") != 0)
        return -1;
    copy_trim(place, size, line, fd.off[at]);
    /* "Thời gian: 7 giờ 30 phút, ngày 14 tháng 3 năm 2018" is not a date
     * line: a place name has no colon and no digits */
    if (strpbrk(place, ":0123456789"))
        return -1;
    char *p = place;
    while (*p == '*')
        p++;
    memmove(place, p, strlen(p) + 1);
    return 0;
}

/* ---- lines and the plan tree ------------------------------------------- */

typedef struct {
    char *s;  /* the line, trailing blanks removed; tabs kept */
    int no;   /* 1-based line number in the file */
} line_t;

enum { N_BODY, N_P, N_ITEM, N_SECTION, N_TABLE, N_LIST };
enum { K_ROMAN = 1, K_DEC, K_DOT, K_SUB, K_LETTER };

typedef struct node node;
struct node {
    int kind, skind, num;
    size_t len, cap; /* of text, so that joining lines stays linear */
    int flattened; /* a "1.2." point with no "1." above, kept as a point */
    char *text; /* owned */
    node *first, *last, *next, *parent;
    node *ref; /* an appendix's "(Kèm theo …)" line */
    /* a table: cells[r * ncols + c] (NULL: covered by a rowspan) */
    char **cells;
    int *rowspan;
    int *colspan; /* cells a DOCX cell spans (VT_DOCX_SPAN), 0 when 1 */
    size_t nrows, ncols;
};

typedef struct {
    const char *name;
    vt_diags *w;
    int oom;
    node *stack[64];
    size_t depth;
    node *list;     /* the numbered plain list being read, if any */
    vt_line_kind list_kind; /* its lines' kind: VT_L_DECIMAL or VT_L_LETTER */
    int list_n;     /* the number of its last item */
    int list_punct; /* its first item ended with . ; , (so must the rest) */
    size_t warnings, unshown; /* at most MAX_WARNINGS are listed */
} ictx;

enum { MAX_WARNINGS = 100 };

static void warn(ictx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn(ictx *c, int line, const char *fmt, ...)
{
    if (c->warnings++ >= MAX_WARNINGS) {
        c->unshown++;
        return;
    }
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_printf(&b, "%s:%d: ", c->name, line);
    va_list ap;
    va_start(ap, fmt);
    vt_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.data)
        vt_diags_addf(c->w, "%s", b.data);
    vt_buf_free(&b);
}

static char *dupn(ictx *c, const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r) {
        c->oom = 1;
        return NULL;
    }
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static char *dup(ictx *c, const char *s) { return dupn(c, s, strlen(s)); }

/* Text with nothing but blanks and emphasis stars: no words to keep, and
 * an element the plan would refuse as empty. */
static int blankish(const char *s)
{
    return s && s[strspn(s, " \t*")] == '\0';
}

static node *new_node(ictx *c, node *parent, int kind, const char *text)
{
    if ((kind == N_P || kind == N_ITEM) && blankish(text))
        return NULL;
    if (kind == N_SECTION && text && blankish(text))
        text = VT_MISSING "tên mục]";
    node *n = calloc(1, sizeof *n);
    if (!n) {
        c->oom = 1;
        return NULL;
    }
    n->kind = kind;
    n->parent = parent;
    n->text = text ? dup(c, text) : NULL;
    n->len = n->text ? strlen(n->text) : 0;
    n->cap = n->len + 1;
    if (parent) {
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
    }
    return n;
}

static void free_node(node *n)
{
    while (n) {
        node *next = n->next;
        free_node(n->first);
        free_node(n->ref);
        free(n->text);
        if (n->cells)
            for (size_t i = 0; i < n->nrows * n->ncols; i++)
                free(n->cells[i]);
        free(n->cells);
        free(n->rowspan);
        free(n->colspan);
        free(n);
        n = next;
    }
}

/* Append " more" to a node's text (a line cut in two). */
static void join_text(ictx *c, node *n, const char *more)
{
    size_t a = n->len, b = strlen(more);
    if (a + b + 2 > n->cap) {
        size_t cap = n->cap * 2 > a + b + 2 ? n->cap * 2 : a + b + 2;
        char *t = realloc(n->text, cap);
        if (!t) {
            c->oom = 1;
            return;
        }
        n->text = t;
        n->cap = cap;
    }
    n->text[a] = ' ';
    memcpy(n->text + a + 1, more, b + 1);
    n->len = a + 1 + b;
}

/* ---- the body ---------------------------------------------------------- */

static node *top(ictx *c) { return c->stack[c->depth - 1]; }

static void push(ictx *c, node *n)
{
    if (n && c->depth < sizeof c->stack / sizeof c->stack[0])
        c->stack[c->depth++] = n;
}

static void pop_items(ictx *c)
{
    while (c->depth > 1 && top(c)->kind == N_ITEM)
        c->depth--;
}

static int rank(const node *n) { return n->kind == N_SECTION ? n->skind : 0; }

static void pop_to_rank_below(ictx *c, int r)
{
    pop_items(c);
    while (c->depth > 1 && rank(top(c)) >= r)
        c->depth--;
}

static void open_section(ictx *c, int skind, int num, const char *title)
{
    node *s = new_node(c, top(c), N_SECTION, title);
    if (!s)
        return;
    s->skind = skind;
    s->num = num;
    push(c, s);
}

/* A typed "n." heading: a point of the nearest roman section, or (typed
 * "1." straight under another decimal heading) one level down, or the
 * next point after an earlier one of the same number run. */
static void decimal_heading(ictx *c, int n, const char *title, int line)
{
    pop_items(c);
    node *t = top(c);
    if (n == 1 && t->kind == N_SECTION && t->skind == K_DEC && !t->first) {
        warn(c, line, "\"1.\" right under another numbered heading: imported "
                      "one level down (vanthu numbers it a), b) ...)");
        open_section(c, K_SUB, n, title);
        return;
    }
    /* the shallowest open decimal heading numbered n-1 is the sibling */
    for (size_t i = 1; i < c->depth; i++) {
        node *s = c->stack[i];
        if (s->kind == N_SECTION && (s->skind == K_DEC || s->skind == K_SUB) &&
            s->num == n - 1) {
            int kind = s->skind;
            c->depth = i;
            open_section(c, kind, n, title);
            return;
        }
    }
    pop_to_rank_below(c, K_DEC);
    open_section(c, K_DEC, n, title);
}

static void dotted_heading(ictx *c, int a, int b, const char *title, int line)
{
    pop_items(c);
    for (size_t i = c->depth; i-- > 1;) {
        node *s = c->stack[i];
        if (s->kind == N_SECTION && s->skind == K_DEC && s->num == a &&
            !s->flattened) {
            c->depth = i + 1;
            open_section(c, K_DOT, b, title);
            return;
        }
    }
    warn(c, line, "a point numbered %s has no heading of that number above "
                  "it: imported as a point of its section, numbered by vanthu",
         a == b ? "\"n. n.\"" : "\"n.m.\"");
    decimal_heading(c, b, title, line);
    if (c->depth > 1 && top(c)->kind == N_SECTION)
        top(c)->flattened = 1;
}

static void letter_heading(ictx *c, const char *title)
{
    pop_to_rank_below(c, K_LETTER);
    open_section(c, K_LETTER, 0, title);
}

static int ends_sentence_n(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '*'))
        n--;
    return n == 0 || strchr(".;:!?)/\"", s[n - 1]) != NULL ||
           (n >= 3 && strncmp(s + n - 3, "”", 3) == 0);
}

static int ends_sentence(const char *s) { return ends_sentence_n(s, strlen(s)); }

static int starts_lower(const char *s)
{
    utf8proc_int32_t cp;
    if (utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp) <= 0)
        return 0;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

/* Split a table line on tabs into trimmed cells; returns the count. */
static size_t split_tabs(ictx *c, const char *s, char **out, size_t max)
{
    size_t n = 0;
    while (n < max) {
        const char *tab = strchr(s, '\t');
        size_t len = tab ? (size_t)(tab - s) : strlen(s);
        const char *a = s;
        while (len && *a == ' ')
            a++, len--;
        while (len && a[len - 1] == ' ')
            len--;
        out[n++] = dupn(c, a, len);
        if (!tab)
            break;
        s = tab + 1;
    }
    return n;
}

static size_t filled_cells(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        if (*s == '\t')
            in = 0;
        else if (*s != ' ' && !in)
            in = 1, n++;
    }
    return n;
}

enum { MAX_COLS = 64 };

/* A run of tab-separated lines from lines[i]: a table whose first line is
 * its heading.  A cell left empty under a filled one continues it
 * (rowspan), as a merged cell looks once saved as text.  Returns the index
 * after the run. */
static size_t read_table(ictx *c, const line_t *lines, size_t i, size_t end)
{
    size_t rows_cap = 16, nrows = 0, ncols = 0;
    char **cells = calloc(rows_cap * MAX_COLS, sizeof *cells);
    if (!cells) {
        c->oom = 1;
        return end;
    }
    size_t j = i;
    while (j < end) {
        if (!*skip_sp(lines[j].s)) {
            size_t k = j;
            while (k < end && !*skip_sp(lines[k].s))
                k++;
            if (k < end && strchr(lines[k].s, '\t') && filled_cells(lines[k].s) >= 1) {
                j = k;
                continue;
            }
            break;
        }
        if (!strchr(lines[j].s, '\t') || filled_cells(lines[j].s) < 1)
            break;
        if (nrows == rows_cap) {
            char **more = realloc(cells, rows_cap * 2 * MAX_COLS * sizeof *cells);
            if (!more) {
                c->oom = 1;
                break;
            }
            memset(more + rows_cap * MAX_COLS, 0, rows_cap * MAX_COLS * sizeof *cells);
            cells = more;
            rows_cap *= 2;
        }
        size_t n = split_tabs(c, lines[j].s, cells + nrows * MAX_COLS, MAX_COLS);
        if (n == MAX_COLS && strchr(lines[j].s, '\t'))
            warn(c, lines[j].no, "a table row with more than 64 columns: the "
                                 "columns past 64 are joined into the last");
        while (n > 1 && !*cells[nrows * MAX_COLS + n - 1])
            n--;
        if (n > ncols)
            ncols = n;
        nrows++;
        j++;
    }
    pop_items(c);
    node *t = new_node(c, top(c), N_TABLE, NULL);
    if (t) {
        t->ncols = ncols;
        t->nrows = nrows;
        t->cells = calloc(nrows * ncols, sizeof *t->cells);
        t->rowspan = calloc(nrows * ncols, sizeof *t->rowspan);
        t->colspan = calloc(nrows * ncols, sizeof *t->colspan);
        if (!t->cells || !t->rowspan || !t->colspan)
            c->oom = 1;
    }
    int merged = 0;
    /* the row of the cell each column's empty cells continue */
    size_t *anchor = calloc(ncols ? ncols : 1, sizeof *anchor);
    if (!anchor)
        c->oom = 1;
    for (size_t r = 0; r < nrows && t && t->cells && t->rowspan && t->colspan && anchor; r++)
        for (size_t k = 0, owner = SIZE_MAX; k < ncols; k++) {
            char *v = cells[r * MAX_COLS + k];
            cells[r * MAX_COLS + k] = NULL;
            if (v && r >= 1 && strcmp(v, VT_DOCX_SPAN) == 0) {
                /* a column the cell before spans (colspan); under a
                 * rowspan's continuation the first row already counted it */
                free(v);
                if (owner != SIZE_MAX)
                    t->colspan[owner]++;
                anchor[k] = SIZE_MAX;
                continue;
            }
            if (v && strcmp(v, VT_DOCX_SPAN) == 0)
                *v = '\0'; /* a heading spans nothing: an empty heading */
            owner = SIZE_MAX;
            if (!v)
                v = dup(c, "");
            if (!v)
                continue;
            size_t above = anchor[k];
            if (r >= 2 && !*v && above != SIZE_MAX && above >= 1 &&
                *t->cells[above * ncols + k] &&
                t->rowspan[above * ncols + k] < 10000) {
                t->rowspan[above * ncols + k]++;
                free(v);
                merged = 1;
                continue;
            }
            t->cells[r * ncols + k] = v;
            t->rowspan[r * ncols + k] = 1;
            anchor[k] = r;
            owner = r * ncols + k;
        }
    for (size_t k = 0; k < rows_cap * MAX_COLS; k++)
        free(cells[k]);
    free(cells);
    free(anchor);
    if (merged)
        warn(c, lines[i].no, "table: a cell left empty under a filled one is "
                             "taken as merged with it (rowspan); check the "
                             "merged cells");
    return j;
}

static int closing_paragraph(const char *s)
{
    folded fd;
    fold(s, &fd);
    size_t n = strlen(s);
    return starts(&fd, "tren day") || starts(&fd, "nhan duoc") ||
           (n >= 2 && strcmp(s + n - 2, "/.") == 0);
}

/* The last character of s before spaces and emphasis stars ('\0' if none). */
static char last_char(const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '*'))
        n--;
    return n ? s[n - 1] : '\0';
}

/* The next line with words on it after lines[i], or NULL. */
static const char *next_words(const line_t *lines, size_t i, size_t to)
{
    for (size_t j = i + 1; j < to; j++)
        if (*skip_sp(lines[j].s))
            return lines[j].s;
    return NULL;
}

/* Whether a typed "1." or "a)" at lines[i] starts a numbered plain list
 * rather than a section: the paragraph just before it leads in with ":"
 * ("… gồm có:"), and the line reads as an item of that sentence (it ends
 * with ";" "." ",") or is followed straight by its "2." / "b)" with no
 * content of its own.  A short line with no final punctuation that has
 * content under it is a heading, as everywhere else. */
static int list_starts(ictx *c, const vt_line_info *in, const line_t *lines,
                       size_t i, size_t to)
{
    if (in->num != 1)
        return 0;
    node *prev = top(c)->last;
    if (!prev || prev->kind != N_P || last_char(prev->text) != ':')
        return 0;
    char e = last_char(in->rest);
    if (e && strchr(";.,", e))
        return 1;
    const char *nx = next_words(lines, i, to);
    vt_line_info ni;
    return e != ':' && nx && vt_import_classify(nx, &ni) == in->kind && ni.num == 2;
}

/* Whether a numbered line continues the open list: the next number of the
 * same kind, punctuated as its first item was (so that a one-item list
 * "1. …;" followed by the heading "2. Yêu cầu" ends there). */
static int list_continues(const ictx *c, const vt_line_info *in)
{
    if (!c->list || in->kind != c->list_kind || in->num != c->list_n + 1)
        return 0;
    char e = last_char(in->rest);
    return !c->list_punct || (e && strchr(";.,", e));
}

/* One item of a numbered plain list, opening the list at its first. */
static node *list_item(ictx *c, const vt_line_info *in)
{
    pop_items(c);
    if (!c->list || in->num == 1) {
        c->list = new_node(c, top(c), N_LIST, NULL);
        if (!c->list)
            return NULL;
        c->list->skind = in->kind == VT_L_LETTER ? K_LETTER : K_DEC;
        c->list_kind = in->kind;
        char e = last_char(in->rest);
        c->list_punct = e && strchr(";.,", e);
    }
    c->list_n = in->num;
    node *it = new_node(c, c->list, N_ITEM, *in->rest ? in->rest : VT_MISSING "mục]");
    push(c, it);
    return it;
}

/* A "-" point: under the list item it follows while a list is open (an
 * item's own points), else a point of the current section. */
static node *dash_item(ictx *c, const char *text)
{
    if (c->list) {
        while (c->depth > 1 && top(c)->kind == N_ITEM && top(c)->parent != c->list)
            c->depth--;
        if (top(c)->kind != N_ITEM)
            c->list = NULL;
    }
    if (!c->list)
        pop_items(c);
    node *n = new_node(c, top(c), N_ITEM, text);
    push(c, n);
    return n;
}

/* The blocks of lines [from, to) into root (the body or an appendix). */
static void parse_body(ictx *c, const line_t *lines, size_t from, size_t to,
                       node *root)
{
    c->depth = 0;
    c->list = NULL;
    push(c, root);
    node *last_text = NULL;
    for (size_t i = from; i < to && !c->oom;) {
        const char *raw = lines[i].s;
        int no = lines[i].no;
        vt_line_info in;
        vt_import_classify(raw, &in);
        if (in.kind == VT_L_BLANK || in.kind == VT_L_RULE) {
            i++;
            continue;
        }
        if (strchr(skip_sp(raw), '\t') && filled_cells(raw) >= 2) {
            c->list = NULL;
            i = read_table(c, lines, i, to);
            last_text = NULL;
            continue;
        }
        i++;
        char *flat = dup(c, skip_sp(raw));
        if (!flat)
            return;
        for (char *p = flat; *p; p++)
            if (*p == '\t')
                *p = ' ';
        vt_import_classify(flat, &in);
        const char *rest = in.rest;
        if ((in.kind == VT_L_DECIMAL || in.kind == VT_L_LETTER) &&
            (list_continues(c, &in) || list_starts(c, &in, lines, i - 1, to))) {
            if (!list_continues(c, &in))
                warn(c, no, "\"%s\" after a paragraph ending with \":\": read "
                            "as a numbered list (<list>), not as section titles",
                     in.kind == VT_L_LETTER ? "a)" : "1.");
            last_text = list_item(c, &in);
            free(flat);
            continue;
        }
        if (in.kind != VT_L_DASH && in.kind != VT_L_LUU && in.kind != VT_L_PLUS &&
            in.kind != VT_L_TEXT && in.kind != VT_L_UPPER)
            c->list = NULL;
        switch (in.kind) {
        case VT_L_ROMAN:
            pop_to_rank_below(c, K_ROMAN);
            open_section(c, K_ROMAN, in.num, *rest ? rest : "[THIẾU: tên mục]");
            last_text = NULL;
            break;
        case VT_L_DECIMAL:
            decimal_heading(c, in.num, *rest ? rest : "[THIẾU: tên mục]", no);
            last_text = NULL;
            break;
        case VT_L_DOTTED:
            dotted_heading(c, in.num, in.num2, *rest ? rest : "[THIẾU: tên mục]", no);
            last_text = NULL;
            break;
        case VT_L_LETTER:
            letter_heading(c, *rest ? rest : "[THIẾU: tên mục]");
            last_text = NULL;
            break;
        case VT_L_DASH:
        case VT_L_LUU:
            last_text = dash_item(c, in.kind == VT_L_LUU ? flat + 1 : rest);
            if (last_text && in.kind == VT_L_LUU) {
                memmove(last_text->text, skip_sp(last_text->text),
                        strlen(skip_sp(last_text->text)) + 1);
                last_text->len = strlen(last_text->text);
            }
            break;
        case VT_L_PLUS: {
            /* under the item above, else under the paragraph just above
             * (a <p>'s own "+" points), else a point of its own */
            node *host = top(c)->kind == N_ITEM ? top(c) : top(c)->last;
            if (host && host->kind != N_ITEM && host->kind != N_P)
                host = NULL;
            if (!host) {
                warn(c, no, "a \"+\" line with no \"-\" item or paragraph "
                            "above it: imported as a \"-\" item");
                pop_items(c);
                host = top(c);
            }
            if (host->parent && host->parent->kind == N_LIST)
                warn(c, no, "a \"+\" line right under a numbered list item: "
                            "imported as its point, which vanthu prints with "
                            "\"-\"");
            last_text = new_node(c, host, N_ITEM, rest);
            break;
        }
        default:
            if (last_text && (last_text->kind == N_P || last_text->kind == N_ITEM) &&
                !ends_sentence_n(last_text->text, last_text->len) &&
                starts_lower(flat)) {
                warn(c, no, "joined to the line above, which looked cut off "
                            "in mid-sentence");
                join_text(c, last_text, flat);
                break;
            }
            c->list = NULL;
            if (closing_paragraph(flat)) {
                c->depth = 1;
            } else {
                pop_items(c);
            }
            if (in.kind != VT_L_TEXT && in.kind != VT_L_UPPER)
                warn(c, no, "a line that belongs in the header or signature "
                            "found in the body: kept as a paragraph");
            last_text = new_node(c, top(c), N_P, flat);
        }
        free(flat);
    }
}

/* ---- header, closing, appendices --------------------------------------- */

typedef struct {
    char *parent, *agency, *abbr, *unit, *place, *type_abbr;
    const vt_doctype *type;
    int number, has_number, y, m, d, vv;
    int no_header_line;
    char **subject;
    size_t nsubject;
    char **to;
    size_t nto;
    char **grounds;
    size_t ngrounds;
    char **copies;
    size_t ncopies;
    char *archive;
    int authority, signed_copy;
    char **titles;
    size_t ntitles;
    char *signer;
    node *body;
    node *appendices; /* N_SECTION nodes: text = title, first = blocks */
    char *inv[5];     /* a giấy mời: invitee, event, chair, time, venue */
} doc_t;

static void list_add(ictx *c, char ***v, size_t *n, const char *s)
{
    if (blankish(s))
        return;
    char **m = realloc(*v, (*n + 1) * sizeof **v);
    if (!m) {
        c->oom = 1;
        return;
    }
    *v = m;
    m[*n] = dup(c, s);
    if (m[*n])
        (*n)++;
}

static char *strip_end_punct(char *s);

/* The list's entries with their final ";" "." "," removed, dropping an
 * entry that was nothing else. */
static void list_strip(char **v, size_t *n)
{
    size_t w = 0;
    for (size_t i = 0; i < *n; i++) {
        strip_end_punct(v[i]);
        if (blankish(v[i]))
            free(v[i]);
        else
            v[w++] = v[i];
    }
    *n = w;
}

static void list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Pieces of a header line: split on tabs and on runs of 3+ spaces (the
 * two columns of the header typed side by side). */
static size_t pieces(ictx *c, const char *s, char **out, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        s = skip_sp(s);
        if (!*s)
            break;
        const char *tab = strchr(s, '\t');
        const char *e = tab ? tab : s + strlen(s);
        /* runs of spaces separate columns too, unless they are the blanks
         * of a draft's "Số:      /KH" or "ngày      tháng" */
        char *whole = dupn(c, s, (size_t)(e - s));
        vt_line_info in;
        int split = whole && (vt_import_classify(whole, &in) == VT_L_TEXT ||
                              in.kind == VT_L_UPPER);
        free(whole);
        if (split) {
            const char *sp = strstr(s, "   ");
            if (sp && sp < e)
                e = sp;
        }
        size_t len = (size_t)(e - s);
        while (len && s[len - 1] == ' ')
            len--;
        out[n] = dupn(c, s, len);
        if (!out[n])
            break;
        /* a line wrapped in ** for bold: drop the stars */
        char *p = out[n];
        size_t l = strlen(p);
        while (l && p[l - 1] == '*')
            p[--l] = '\0';
        size_t lead = strspn(p, "*");
        memmove(p, p + lead, strlen(p + lead) + 1);
        n++;
        s = e;
    }
    return n;
}

static char *strip_end_punct(char *s)
{
    size_t n = strlen(s);
    while (n && strchr(" ;.,", s[n - 1]))
        s[--n] = '\0';
    return s;
}

static const vt_doctype *type_named(const char *s)
{
    folded a;
    fold(s, &a);
    for (size_t i = 0; i < vt_doctype_count(); i++) {
        const vt_doctype *t = vt_doctype_at(i);
        folded b;
        fold(t->name, &b);
        if (strcmp(a.f, b.f) == 0)
            return t;
    }
    return NULL;
}

/* The header; returns the index of the body's first line. */
static size_t parse_header(ictx *c, const line_t *lines, size_t n, doc_t *doc)
{
    enum { NONE, SUBJECT, VV } mode = NONE;
    int subject_closed = 0, vv_lines = 0;
    size_t i = 0;
    char *pc[8];
    for (; i < n && !c->oom; i++) {
        vt_line_info in;
        if (vt_import_classify(lines[i].s, &in) == VT_L_BLANK) {
            if (mode != NONE && doc->nsubject)
                subject_closed = 1;
            continue;
        }
        size_t np = pieces(c, lines[i].s, pc, 8);
        int consumed = 1, is_header_line = 0;
        for (size_t k = 0; k < np; k++) {
            vt_import_classify(pc[k], &in);
            if (in.kind == VT_L_QUOCHIEU || in.kind == VT_L_TIEUNGU)
                is_header_line = 1;
        }
        for (size_t k = 0; k < np && consumed; k++) {
            vt_import_classify(pc[k], &in);
            const vt_doctype *t = NULL;
            switch (in.kind) {
            case VT_L_QUOCHIEU:
            case VT_L_TIEUNGU:
            case VT_L_RULE:
                if (mode != NONE && doc->nsubject)
                    subject_closed = 1;
                break;
            case VT_L_SO: {
                char ta[64], ag[64], un[64];
                vt_import_parse_so(pc[k], &doc->number, ta, ag, un, 64);
                doc->has_number = 1;
                free(doc->abbr), free(doc->unit), free(doc->type_abbr);
                doc->abbr = dup(c, ag);
                doc->unit = *un ? dup(c, un) : NULL;
                doc->type_abbr = *ta ? dup(c, ta) : NULL;
                break;
            }
            case VT_L_DATE: {
                char place[128];
                vt_import_parse_date(pc[k], place, sizeof place, &doc->y, &doc->m, &doc->d);
                free(doc->place);
                doc->place = *place ? dup(c, place) : NULL;
                /* a date on a line of its own ends a wrapped V/v; beside
                 * it (two columns) the V/v goes on below */
                if (mode == VV && np == 1)
                    subject_closed = 1;
                break;
            }
            case VT_L_VV:
                mode = VV;
                doc->vv = 1;
                subject_closed = 0;
                list_add(c, &doc->subject, &doc->nsubject, in.rest);
                break;
            case VT_L_KINHGUI: {
                if (*in.rest)
                    list_add(c, &doc->to, &doc->nto, in.rest[0] == '-' ? skip_sp(in.rest + 1) : in.rest);
                size_t j = i + 1;
                while (j < n && !*skip_sp(lines[j].s))
                    j++;
                vt_line_info nx;
                if (j < n && vt_import_classify(lines[j].s, &nx) == VT_L_DASH) {
                    while (j < n && vt_import_classify(lines[j].s, &nx) == VT_L_DASH) {
                        list_add(c, &doc->to, &doc->nto, nx.rest);
                        j++;
                    }
                    i = j - 1;
                } else if (!*in.rest && j < n) {
                    list_add(c, &doc->to, &doc->nto, skip_sp(lines[j].s));
                    i = j;
                }
                /* vanthu ends the last (or only) recipient with "." */
                list_strip(doc->to, &doc->nto);
                if (mode != NONE)
                    subject_closed = 1;
                break;
            }
            case VT_L_CANCU:
                list_add(c, &doc->grounds, &doc->ngrounds, pc[k]);
                for (int joins = 0; i + 1 < n && doc->ngrounds && joins < 20; joins++) {
                    vt_line_info nx;
                    char *g = doc->grounds[doc->ngrounds - 1];
                    if (vt_import_classify(lines[i + 1].s, &nx) != VT_L_TEXT ||
                        ends_sentence(g) || !starts_lower(nx.rest))
                        break;
                    char *j2 = realloc(g, strlen(g) + strlen(nx.rest) + 2);
                    if (!j2) {
                        c->oom = 1;
                        break;
                    }
                    strcat(strcat(j2, " "), nx.rest);
                    doc->grounds[doc->ngrounds - 1] = j2;
                    i++;
                }
                strip_end_punct(doc->grounds[doc->ngrounds - 1]);
                if (mode != NONE)
                    subject_closed = 1;
                break;
            case VT_L_UPPER:
                if (mode == NONE && !doc->type && (t = type_named(pc[k]))) {
                    doc->type = t;
                    mode = SUBJECT;
                    break;
                }
                if (mode == NONE && !doc->nsubject &&
                    !(doc->agency && strlen(doc->agency) > 300)) {
                    if (!doc->agency && !doc->parent)
                        doc->agency = dup(c, pc[k]);
                    else if (!doc->parent) {
                        doc->parent = doc->agency;
                        doc->agency = dup(c, pc[k]);
                    } else {
                        warn(c, lines[i].no, "a third agency line in the "
                                             "header: joined to the agency "
                                             "name");
                        char *a = doc->agency;
                        size_t la = strlen(a);
                        doc->agency = malloc(la + strlen(pc[k]) + 2);
                        if (doc->agency)
                            sprintf(doc->agency, "%s %s", a, pc[k]);
                        else
                            c->oom = 1;
                        free(a);
                    }
                    break;
                }
                /* a trích yếu typed in capitals */
                __attribute__((fallthrough));
            default:
                if (is_header_line && mode == NONE) {
                    /* a mixed-case agency line beside the Quốc hiệu */
                    if (!doc->agency)
                        doc->agency = dup(c, pc[k]);
                    else if (!doc->parent) {
                        doc->parent = doc->agency;
                        doc->agency = dup(c, pc[k]);
                    }
                    break;
                }
                /* a trích yếu is a few lines without a full stop; a
                 * sentence after the first line is the body beginning */
                if (mode != NONE && !subject_closed && doc->nsubject &&
                    (ends_sentence(pc[k]) || strlen(pc[k]) > 200))
                    subject_closed = 1;
                if (mode == VV && doc->nsubject && ++vv_lines > 6)
                    subject_closed = 1; /* a V/v runs to a few lines */
                if (mode != NONE && !subject_closed && doc->nsubject < 4 &&
                    (in.kind == VT_L_TEXT || in.kind == VT_L_UPPER)) {
                    if (mode == VV && doc->nsubject) {
                        char *s = doc->subject[doc->nsubject - 1];
                        char *j2 = realloc(s, strlen(s) + strlen(pc[k]) + 2);
                        if (!j2) {
                            c->oom = 1;
                            break;
                        }
                        strcat(strcat(j2, " "), pc[k]);
                        doc->subject[doc->nsubject - 1] = j2;
                    } else {
                        list_add(c, &doc->subject, &doc->nsubject, pc[k]);
                    }
                    break;
                }
                consumed = 0;
            }
        }
        for (size_t k = 0; k < np; k++)
            free(pc[k]);
        if (!consumed)
            break;
    }
    return i;
}

/* Where Nơi nhận starts (or the signature, when there is no Nơi nhận). */
static size_t find_closing(const line_t *lines, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++) {
        vt_line_info in;
        const char *s = skip_sp(lines[i].s);
        while (*s == '*')
            s++;
        if (vt_import_classify(s, &in) == VT_L_NOINHAN)
            return i;
    }
    for (size_t i = from; i < n; i++) {
        vt_line_info in;
        if (vt_import_classify(lines[i].s, &in) == VT_L_AUTHORITY ||
            in.kind == VT_L_DAKY) {
            while (i > from && vt_import_classify(lines[i - 1].s, &in) == VT_L_UPPER)
                i--;
            return i;
        }
    }
    return n;
}

/* Nơi nhận and the signature; returns where the appendices start. */
static size_t parse_closing(ictx *c, const line_t *lines, size_t i, size_t n,
                            doc_t *doc)
{
    char *pc[8];
    int done = 0;
    for (; i < n && !done && !c->oom; i++) {
        size_t np = pieces(c, lines[i].s, pc, 8);
        for (size_t k = 0; k < np; k++) {
            vt_line_info in;
            vt_import_classify(pc[k], &in);
            if (doc->signer && in.kind != VT_L_BLANK) {
                done = 1;
                i--;
                break;
            }
            switch (in.kind) {
            case VT_L_NOINHAN:
                if (*in.rest)
                    list_add(c, &doc->copies, &doc->ncopies,
                             in.rest[0] == '-' ? skip_sp(in.rest + 1) : in.rest);
                break;
            case VT_L_LUU:
                free(doc->archive);
                doc->archive = strip_end_punct(dup(c, in.rest));
                if (doc->archive && !*doc->archive) {
                    free(doc->archive);
                    doc->archive = NULL;
                }
                break;
            case VT_L_DASH:
                if (!blankish(in.rest)) {
                    char *e = dup(c, in.rest);
                    if (e && !blankish(strip_end_punct(e)))
                        list_add(c, &doc->copies, &doc->ncopies, e);
                    free(e);
                }
                break;
            case VT_L_DAKY:
                doc->signed_copy = 1;
                break;
            case VT_L_AUTHORITY:
                doc->authority = in.num;
                list_add(c, &doc->titles, &doc->ntitles, in.rest);
                break;
            case VT_L_UPPER:
                if (doc->ntitles >= 3) {
                    doc->signer = dup(c, pc[k]);
                    warn(c, lines[i].no, "a fourth line in capitals in the "
                                         "signature: taken as the signer's "
                                         "name");
                } else {
                    list_add(c, &doc->titles, &doc->ntitles, pc[k]);
                }
                break;
            case VT_L_RULE:
            case VT_L_BLANK:
                break;
            default:
                doc->signer = dup(c, pc[k]);
                if (!doc->ntitles)
                    warn(c, lines[i].no, "a signer's name with no title in "
                                         "capitals above it");
            }
        }
        for (size_t k = 0; k < np; k++)
            free(pc[k]);
    }
    return i;
}

static void parse_appendices(ictx *c, const line_t *lines, size_t i, size_t n,
                             doc_t *doc)
{
    node *root = new_node(c, NULL, N_BODY, NULL);
    doc->appendices = root;
    while (i < n && !c->oom) {
        while (i < n && !*skip_sp(lines[i].s))
            i++;
        if (i >= n)
            break;
        node *a = new_node(c, root, N_SECTION, NULL);
        if (!a)
            return;
        vt_line_info in;
        if (vt_import_classify(lines[i].s, &in) == VT_L_PHULUC)
            i++;
        vt_buf title;
        vt_buf_init(&title);
        while (i < n) {
            vt_import_classify(lines[i].s, &in);
            if (in.kind == VT_L_BLANK && title.len) {
                size_t j = i;
                while (j < n && !*skip_sp(lines[j].s))
                    j++;
                vt_line_info nx;
                if (j < n && vt_import_classify(lines[j].s, &nx) == VT_L_KEMTHEO) {
                    i = j;
                    continue;
                }
                break;
            }
            if (in.kind == VT_L_BLANK) {
                i++;
                continue;
            }
            if (in.kind == VT_L_KEMTHEO) {
                a->num = 1;
                free_node(a->ref);
                a->ref = new_node(c, NULL, N_P, in.rest);
                i++;
                break;
            }
            if (in.kind != VT_L_UPPER)
                break;
            if (title.len)
                vt_buf_putc(&title, ' ');
            vt_buf_puts(&title, in.rest);
            i++;
        }
        if (!title.len) {
            warn(c, lines[i < n ? i : n - 1].no, "an appendix without a title "
                 "in capitals: wrote %s]", VT_MISSING "tên phụ lục");
            vt_buf_puts(&title, VT_MISSING "tên phụ lục]");
        }
        a->text = vt_buf_take(&title);
        if (!a->text)
            c->oom = 1;
        size_t end = i;
        while (end < n) {
            vt_line_info nx;
            if (vt_import_classify(lines[end].s, &nx) == VT_L_PHULUC)
                break;
            end++;
        }
        node *body = new_node(c, NULL, N_BODY, NULL);
        if (body) {
            parse_body(c, lines, i, end, body);
            a->first = body->first;
            body->first = NULL;
            free_node(body);
        }
        i = end;
    }
}


/* ---- a giấy mời's fixed sentences -------------------------------------- */

/* s without ** and * marks and without the final "." or "./.". */
static char *inv_value(ictx *c, const char *s)
{
    char *v = dup(c, skip_sp(s));
    if (!v)
        return NULL;
    char *w = v;
    for (char *r = v; *r; r++)
        if (*r != '*')
            *w++ = *r;
    *w = '\0';
    size_t n = strlen(v);
    while (n && strchr(" ./", v[n - 1]))
        v[--n] = '\0';
    return v;
}

/* Mẫu 1.7 prints the invitation as sentences: "<agency> trân trọng kính
 * mời: …", "Tới dự …", "Chủ trì: …", "Thời gian: …", "Địa điểm: …".  They
 * go back into <invitation>; the agency's name as written there replaces
 * the capitals of the header. */
static void giay_moi_fields(ictx *c, doc_t *doc)
{
    static const char *const labels[] = {NULL, "toi du ", "chu tri:", "thoi gian:",
                                         "dia diem:"};
    node **link = &doc->body->first, *prev = NULL;
    while (*link) {
        node *n = *link;
        int field = -1;
        size_t skip = 0;
        if (n->kind == N_P && !n->first) { /* a <p> with points keeps them */
            folded fd;
            fold(n->text, &fd);
            char *km = strstr(fd.f, " tran trong kinh moi");
            if (km && !doc->inv[0]) {
                field = 0;
                const char *colon = strchr(fd.f + (km - fd.f), ':');
                skip = colon ? (size_t)(colon - fd.f) + 1 : fd.n;
                size_t at = (size_t)(km - fd.f);
                char *name = dupn(c, n->text, fd.off[at]);
                folded a, b;
                if (name && doc->agency) {
                    fold(name, &a);
                    fold(doc->agency, &b);
                }
                if (name && (!doc->agency || strcmp(a.f, b.f) == 0)) {
                    free(doc->agency);
                    doc->agency = name;
                } else {
                    free(name);
                }
            }
            for (int k = 1; k < 5 && field < 0; k++)
                if (!doc->inv[k] && starts(&fd, labels[k])) {
                    field = k;
                    skip = strlen(labels[k]);
                }
            if (field >= 0)
                doc->inv[field] = inv_value(c, n->text + fd.off[skip < fd.n ? skip : fd.n]);
        }
        if (field < 0) {
            prev = n;
            link = &n->next;
            continue;
        }
        *link = n->next;
        if (doc->body->last == n)
            doc->body->last = prev;
        n->next = NULL;
        free_node(n);
    }
}

/* ---- writing the plan -------------------------------------------------- */

/* Plan inline text: "**bold**" and "*italic*" as typed in the seeds
 * become <b> and <i>; a lone star stays a star. */
static void put_inline(vt_buf *b, const char *s)
{
    vt_buf plain;
    vt_buf_init(&plain);
    while (*s) {
        int two = s[0] == '*' && s[1] == '*';
        if (*s == '*') {
            const char *open = s + (two ? 2 : 1);
            const char *close = two ? strstr(open, "**") : strchr(open, '*');
            while (!two && close && close[1] == '*')
                close = strchr(close + 2, '*');
            if (close && close > open && open[0] != ' ') {
                vt_xml_text(b, plain.data ? plain.data : "");
                vt_buf_reset(&plain);
                char *inner = malloc((size_t)(close - open) + 1);
                if (inner) {
                    memcpy(inner, open, (size_t)(close - open));
                    inner[close - open] = '\0';
                    vt_buf_puts(b, two ? "<b>" : "<i>");
                    vt_xml_text(b, inner);
                    vt_buf_puts(b, two ? "</b>" : "</i>");
                    free(inner);
                } else {
                    b->oom = 1;
                }
                s = close + (two ? 2 : 1);
                continue;
            }
        }
        vt_buf_putc(&plain, *s++);
    }
    vt_xml_text(b, plain.data ? plain.data : "");
    vt_buf_free(&plain);
}

static void indent(vt_buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        vt_buf_puts(b, "  ");
}

static const char *kind_name(int skind)
{
    switch (skind) {
    case K_ROMAN: return "roman";
    case K_DEC: return "decimal";
    case K_DOT: return "dotted";
    default: return "letter";
    }
}

/* The numbering vanthu gives a section at this depth unless told. */
static int default_kind(int depth)
{
    return depth == 1 ? K_ROMAN : depth == 2 ? K_DEC : depth == 3 ? K_LETTER : K_DOT;
}

static int shown_kind(int skind) { return skind == K_SUB ? K_LETTER : skind; }

static void put_items(vt_buf *b, const node *n, int depth)
{
    indent(b, depth);
    vt_buf_puts(b, "<item>");
    put_inline(b, n->text);
    if (n->first) {
        vt_buf_putc(b, '\n');
        for (const node *k = n->first; k; k = k->next)
            put_items(b, k, depth + 1);
        indent(b, depth);
    }
    vt_buf_puts(b, "</item>\n");
}

static void put_table(vt_buf *b, const node *t, int depth)
{
    indent(b, depth);
    vt_buf_puts(b, "<table repeat-header=\"yes\">\n");
    for (size_t k = 0; k < t->ncols; k++) {
        indent(b, depth + 1);
        vt_buf_puts(b, "<col>");
        put_inline(b, t->cells[k] ? t->cells[k] : "");
        vt_buf_puts(b, "</col>\n");
    }
    for (size_t r = 1; r < t->nrows; r++) {
        indent(b, depth + 1);
        vt_buf_puts(b, "<row>");
        for (size_t k = 0; k < t->ncols; k++) {
            const char *v = t->cells[r * t->ncols + k];
            if (!v)
                continue;
            int span = t->rowspan[r * t->ncols + k];
            int cols = t->colspan ? t->colspan[r * t->ncols + k] + 1 : 1;
            vt_buf_puts(b, "<cell");
            if (span > 1)
                vt_buf_printf(b, " rowspan=\"%d\"", span);
            if (cols > 1)
                vt_buf_printf(b, " colspan=\"%d\"", cols);
            vt_buf_puts(b, ">");
            put_inline(b, v);
            vt_buf_puts(b, "</cell>");
        }
        vt_buf_puts(b, "</row>\n");
    }
    indent(b, depth);
    vt_buf_puts(b, "</table>\n");
}

static void put_blocks(vt_buf *b, const node *first, int depth, int sdepth,
                       ictx *c)
{
    for (const node *n = first; n; n = n->next) {
        switch (n->kind) {
        case N_P:
            indent(b, depth);
            vt_buf_puts(b, "<p>");
            put_inline(b, n->text);
            if (n->first) { /* its "+" points */
                vt_buf_putc(b, '\n');
                for (const node *k = n->first; k; k = k->next)
                    put_items(b, k, depth + 1);
                indent(b, depth);
            }
            vt_buf_puts(b, "</p>\n");
            break;
        case N_LIST:
            indent(b, depth);
            vt_buf_puts(b, n->skind == K_LETTER ? "<list numbering=\"letter\">\n" : "<list>\n");
            for (const node *k = n->first; k; k = k->next)
                put_items(b, k, depth + 1);
            indent(b, depth);
            vt_buf_puts(b, "</list>\n");
            break;
        case N_ITEM:
            put_items(b, n, depth);
            break;
        case N_TABLE:
            if (n->ncols && n->nrows)
                put_table(b, n, depth);
            break;
        case N_SECTION: {
            indent(b, depth);
            const node *sub = NULL;
            for (const node *k = n->first; k && !sub; k = k->next)
                if (k->kind == N_SECTION)
                    sub = k;
            if (sub && shown_kind(sub->skind) != default_kind(sdepth + 1))
                vt_buf_printf(b, "<section subsections=\"%s\">",
                              kind_name(shown_kind(sub->skind)));
            else
                vt_buf_puts(b, "<section>");
            vt_buf_puts(b, "\n");
            indent(b, depth + 1);
            vt_buf_puts(b, "<title>");
            put_inline(b, n->text);
            vt_buf_puts(b, "</title>\n");
            put_blocks(b, n->first, depth + 1, sdepth + 1, c);
            indent(b, depth);
            vt_buf_puts(b, "</section>\n");
            break;
        }
        }
    }
}

static void put_el(vt_buf *b, int depth, const char *el, const char *text)
{
    indent(b, depth);
    vt_buf_printf(b, "<%s>", el);
    vt_xml_text(b, text);
    vt_buf_printf(b, "</%s>\n", el);
}

static char *missing(ictx *c, const char *what, int line)
{
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_printf(&b, VT_MISSING "%s]", what);
    char *s = vt_buf_take(&b);
    if (!s) {
        c->oom = 1;
        return NULL;
    }
    warn(c, line, "missing from the text: wrote the marker \"%s\" for "
                  "the clerk to fill in", s);
    return s;
}

/* "(Kèm theo Kế hoạch số 1012/PGDĐT-GDTH ngày 31/10/2017 …)": the number,
 * ký hiệu and date the header lacks, when the appendix names them. */
static void fill_from_ref(ictx *c, doc_t *doc, const char *ref, int line)
{
    const char *so = strstr(ref, " số ");
    if (!so)
        return;
    char buf[256];
    snprintf(buf, sizeof buf, "Số: %s", so + strlen(" số "));
    int number;
    char ta[64], ag[64], un[64];
    if (!doc->has_number && vt_import_parse_so(buf, &number, ta, ag, un, 64) == 0 &&
        number > 0) {
        doc->number = number;
        doc->has_number = 1;
        free(doc->abbr), free(doc->unit);
        doc->abbr = dup(c, ag);
        doc->unit = *un ? dup(c, un) : NULL;
        warn(c, line, "the header has no \"Số:\" line: the number and ký hiệu "
                      "are taken from the appendix line \"(Kèm theo ... số "
                      "...)\"");
    }
    const char *ngay = strstr(ref, "ngày ");
    int d, m, y;
    if (!doc->y && ngay && sscanf(ngay + strlen("ngày "), "%d/%d/%d", &d, &m, &y) == 3 &&
        y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
        doc->y = y, doc->m = m, doc->d = d;
        warn(c, line, "the header has no date line: the date is taken from "
                      "the appendix line \"(Kèm theo ... ngày ...)\"");
    }
}

/* The latest plausible year written anywhere, for a plan with no date. */
static int year_in_text(const line_t *lines, size_t n)
{
    int best = 0;
    for (size_t i = 0; i < n; i++)
        for (const char *p = lines[i].s; *p; p++)
            if (isdigit((unsigned char)*p) && (p == lines[i].s || !isalnum((unsigned char)p[-1]))) {
                char *e;
                long v = strtol(p, &e, 10);
                if (e - p == 4 && v >= 1945 && v <= 2100 && v > best)
                    best = (int)v;
            }
    return best;
}

static void write_plan(ictx *c, doc_t *doc, const line_t *lines, size_t nl,
                       vt_buf *b)
{
    int l1 = nl ? lines[0].no : 1;
    const char *slug = doc->type ? doc->type->slug : doc->vv ? "cong-van" : NULL;
    if (!slug && doc->type_abbr && vt_doctype_find(doc->type_abbr))
        slug = vt_doctype_find(doc->type_abbr)->slug;
    if (!slug) {
        slug = doc->nto ? "cong-van" : "thong-bao";
        warn(c, l1, "no document type name (KẾ HOẠCH, THÔNG BÁO ...) and no "
                    "V/v line: guessed %s", slug);
    }
    vt_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    vt_buf_puts(b, "<!-- Imported by vanthu import from ");
    const char *base = strrchr(c->name, '/');
    vt_xml_text(b, base ? base + 1 : c->name);
    vt_buf_puts(b, "; check the lines it warned about.  Fields marked "
                   "[THIẾU: ...] were missing from the text. -->\n");
    vt_buf_printf(b, "<plan type=\"%s\">\n  <agency>\n", slug);
    if (doc->parent)
        put_el(b, 2, "parent", doc->parent);
    char *agency = doc->agency ? NULL : missing(c, "tên cơ quan ban hành", l1);
    char *abbr = doc->abbr && *doc->abbr ? NULL : missing(c, "viết tắt", l1);
    char *place = doc->place ? NULL : missing(c, "địa danh", l1);
    indent(b, 2);
    vt_buf_puts(b, "<name abbr=\"");
    vt_xml_attr(b, abbr ? abbr : doc->abbr);
    vt_buf_puts(b, "\">");
    vt_xml_text(b, agency ? agency : doc->agency);
    vt_buf_puts(b, "</name>\n");
    put_el(b, 2, "place", place ? place : doc->place);
    vt_buf_puts(b, "  </agency>\n");
    free(agency), free(abbr), free(place);
    /* a number needs a whole date; a draft may leave day or month blank */
    int draft = !doc->number || !doc->d || !doc->m;
    if (doc->number && draft)
        warn(c, l1, "a number with a date that has blanks: the number is "
                    "left out (a draft); the văn thư gives it on issue");
    vt_buf_puts(b, "  <number");
    if (doc->unit) {
        vt_buf_puts(b, " unit=\"");
        vt_xml_attr(b, doc->unit);
        vt_buf_puts(b, "\"");
    }
    if (draft)
        vt_buf_puts(b, "/>\n");
    else
        vt_buf_printf(b, ">%d</number>\n", doc->number);
    int y = doc->y;
    if (!y) {
        y = year_in_text(lines, nl);
        if (!y)
            y = 2000;
        char yy[16];
        snprintf(yy, sizeof yy, "%d", y);
        warn(c, l1, "no date line (\"…, ngày … tháng … năm …\"): the date is "
                    "left as the year %s, the latest year in the text", yy);
    }
    if (!draft)
        vt_buf_printf(b, "  <date>%04d-%02d-%02d</date>\n", y, doc->m, doc->d);
    else if (doc->m >= 1 && doc->m <= 12)
        vt_buf_printf(b, "  <date>%04d-%02d</date>\n", y, doc->m);
    else
        vt_buf_printf(b, "  <date>%04d</date>\n", y);
    if (!doc->nsubject) {
        char *m = missing(c, "trích yếu", l1);
        put_el(b, 1, "subject", m ? m : "");
        free(m);
    } else if (doc->nsubject == 1 || doc->vv) {
        put_el(b, 1, "subject", doc->subject[0]);
    } else {
        vt_buf_puts(b, "  <subject>\n");
        for (size_t i = 0; i < doc->nsubject; i++)
            put_el(b, 2, "line", doc->subject[i]);
        vt_buf_puts(b, "  </subject>\n");
    }
    if (doc->nto) {
        vt_buf_puts(b, "  <recipients>\n");
        for (size_t i = 0; i < doc->nto; i++)
            put_el(b, 2, "to", doc->to[i]);
        vt_buf_puts(b, "  </recipients>\n");
    } else if (strcmp(slug, "cong-van") == 0) {
        char *m = missing(c, "nơi được kính gửi", l1);
        vt_buf_puts(b, "  <recipients>\n");
        put_el(b, 2, "to", m ? m : "");
        vt_buf_puts(b, "  </recipients>\n");
        free(m);
    }
    if (doc->ngrounds) {
        vt_buf_puts(b, "  <grounds>\n");
        for (size_t i = 0; i < doc->ngrounds; i++) {
            indent(b, 2);
            vt_buf_puts(b, "<ground>");
            put_inline(b, doc->grounds[i]);
            vt_buf_puts(b, "</ground>\n");
        }
        vt_buf_puts(b, "  </grounds>\n");
    }
    int invitation = strcmp(slug, "giay-moi") == 0;
    if (invitation) {
        static const char *const el[] = {"invitee", "event", "chair", "time", "venue"};
        static const char *const what[] = {"người được mời", "nội dung mời", NULL,
                                           "thời gian", "địa điểm"};
        vt_buf_puts(b, "  <invitation>\n");
        for (int i = 0; i < 5; i++) {
            char *m = doc->inv[i] || !what[i] ? NULL : missing(c, what[i], l1);
            if (doc->inv[i] || m)
                put_el(b, 2, el[i], m ? m : doc->inv[i]);
            free(m);
        }
        vt_buf_puts(b, "  </invitation>\n");
    }
    if (invitation && !(doc->body && doc->body->first)) {
        /* a giấy mời may have no text besides its invitation */
    } else {
    vt_buf_puts(b, "  <body>\n");
    if (doc->body && doc->body->first) {
        const node *top_sec = NULL;
        for (const node *k = doc->body->first; k && !top_sec; k = k->next)
            if (k->kind == N_SECTION)
                top_sec = k;
        if (top_sec && shown_kind(top_sec->skind) != K_ROMAN)
            warn(c, l1, "the first level of headings is not numbered I., II. "
                        "...: vanthu numbers the top level I., II. (the plan "
                        "format cannot say otherwise)");
        put_blocks(b, doc->body->first, 2, 1, c);
    } else {
        char *m = missing(c, "nội dung", l1);
        put_el(b, 2, "p", m ? m : "");
        free(m);
    }
    vt_buf_puts(b, "  </body>\n");
    }
    vt_buf_puts(b, "  <copies-to>\n");
    for (size_t i = 0; i < doc->ncopies; i++)
        put_el(b, 2, "to", doc->copies[i]);
    char *arch = doc->archive ? NULL : missing(c, "dòng Lưu", l1);
    put_el(b, 2, "archive", arch ? arch : doc->archive);
    free(arch);
    vt_buf_puts(b, "  </copies-to>\n");
    static const char *const auth[] = {"", "TM", "KT", "Q", "TL", "TUQ"};
    vt_buf_puts(b, "  <signature");
    if (doc->authority > 0 && doc->authority <= 5)
        vt_buf_printf(b, " authority=\"%s\"", auth[doc->authority]);
    if (doc->signed_copy)
        vt_buf_puts(b, " signed=\"yes\"");
    vt_buf_puts(b, ">\n");
    if (!doc->ntitles) {
        char *m = missing(c, "chức vụ người ký", l1);
        put_el(b, 2, "title", m ? m : "");
        free(m);
    }
    for (size_t i = 0; i < doc->ntitles && i < 3; i++)
        put_el(b, 2, "title", doc->titles[i]);
    if (doc->ntitles > 3)
        warn(c, l1, "more than three title lines in the signature: only three "
                    "fit the decree's layout; the rest are left out");
    char *sg = doc->signer ? NULL : missing(c, "họ tên người ký", l1);
    put_el(b, 2, "name", sg ? sg : doc->signer);
    free(sg);
    vt_buf_puts(b, "  </signature>\n");
    for (const node *a = doc->appendices ? doc->appendices->first : NULL; a; a = a->next) {
        vt_buf_puts(b, "  <appendix>\n");
        put_el(b, 2, "title", a->text);
        if (a->ref && a->ref->text)
            put_el(b, 2, "ref", a->ref->text);
        put_blocks(b, a->first, 2, 1, c);
        vt_buf_puts(b, "  </appendix>\n");
    }
    vt_buf_puts(b, "</plan>\n");
}

static void doc_free(doc_t *d)
{
    for (int i = 0; i < 5; i++)
        free(d->inv[i]);
    free(d->parent), free(d->agency), free(d->abbr), free(d->unit);
    free(d->place), free(d->type_abbr), free(d->archive), free(d->signer);
    list_free(d->subject, d->nsubject);
    list_free(d->to, d->nto);
    list_free(d->grounds, d->ngrounds);
    list_free(d->copies, d->ncopies);
    list_free(d->titles, d->ntitles);
    free_node(d->body);
    free_node(d->appendices);
}

/* The lines of text, trailing blanks removed. */
static line_t *split_lines(ictx *c, const char *text, size_t *count)
{
    size_t cap = 64, n = 0;
    line_t *v = malloc(cap * sizeof *v);
    if (!v) {
        c->oom = 1;
        return NULL;
    }
    int no = 1;
    for (const char *s = text; *s || s == text; no++) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (n == cap) {
            line_t *m = realloc(v, cap * 2 * sizeof *v);
            if (!m) {
                c->oom = 1;
                break;
            }
            v = m;
            cap *= 2;
        }
        v[n].s = dupn(c, s, len);
        v[n].no = no;
        if (!v[n].s)
            break;
        n++;
        if (!e)
            break;
        s = e + 1;
    }
    *count = n;
    return v;
}

vt_error vt_import_text(const char *name, const char *text, vt_buf *xml,
                        vt_diags *warn_to)
{
    ictx c = {.name = name, .w = warn_to};
    doc_t doc = {0};
    size_t nl = 0;
    line_t *lines = split_lines(&c, text, &nl);
    if (lines && !c.oom) {
        size_t body = parse_header(&c, lines, nl, &doc);
        size_t close = find_closing(lines, body, nl);
        doc.body = new_node(&c, NULL, N_BODY, NULL);
        if (doc.body)
            parse_body(&c, lines, body, close, doc.body);
        if (doc.type && strcmp(doc.type->slug, "giay-moi") == 0 && doc.body)
            giay_moi_fields(&c, &doc);
        size_t app = parse_closing(&c, lines, close, nl, &doc);
        parse_appendices(&c, lines, app, nl, &doc);
        for (const node *a = doc.appendices ? doc.appendices->first : NULL; a; a = a->next)
            if (a->ref && a->ref->text)
                fill_from_ref(&c, &doc, a->ref->text, nl ? lines[0].no : 1);
        if (!c.oom)
            write_plan(&c, &doc, lines, nl, xml);
    }
    if (c.unshown)
        vt_diags_addf(warn_to, "%s: %zu more warnings not shown", name, c.unshown);
    for (size_t i = 0; lines && i < nl; i++)
        free(lines[i].s);
    free(lines);
    doc_free(&doc);
    return c.oom || xml->oom ? VT_ERR_NOMEM : VT_OK;
}
