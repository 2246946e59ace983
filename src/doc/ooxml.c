/*
 * ooxml.c - WordprocessingML for the parts of a Decree-30 document.
 *
 * Formatting lives in the template's styles (VtBody, VtCoQuan, …) so that a
 * clerk who edits a style in Word changes every document; the code writes
 * direct formatting only where a value depends on the data: the length of
 * a rule, the position of the Kính gửi dashes, table widths, and inline
 * bold or italic from the plan.  Sizes, bold and italic of each element
 * follow nd30.md sections 3 and 4, and the templates' styles.xml says which
 * value of each range was chosen.
 */
#include "doc/ooxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vn_text.h"

/* ---- runs and paragraphs ----------------------------------------------- */

void vt_ox_run(vt_buf *b, const char *text, const vt_rpr *rpr)
{
    if (!text) { /* a scratch buffer that ran out of memory */
        b->oom = 1;
        return;
    }
    vt_buf_puts(b, "<w:r>");
    if (rpr && (rpr->bold || rpr->italic || rpr->size)) {
        vt_buf_puts(b, "<w:rPr>");
        if (rpr->bold)
            vt_buf_puts(b, "<w:b/><w:bCs/>");
        if (rpr->italic)
            vt_buf_puts(b, "<w:i/><w:iCs/>");
        if (rpr->size)
            vt_buf_printf(b, "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/>",
                          rpr->size, rpr->size);
        vt_buf_puts(b, "</w:rPr>");
    }
    vt_buf_puts(b, "<w:t xml:space=\"preserve\">");
    vt_xml_text(b, text);
    vt_buf_puts(b, "</w:t></w:r>");
}

static void p_begin(vt_buf *b, const char *style, const char *extra)
{
    vt_buf_printf(b, "<w:p><w:pPr><w:pStyle w:val=\"%s\"/>%s</w:pPr>", style,
                  extra ? extra : "");
}

static void p_end(vt_buf *b) { vt_buf_puts(b, "</w:p>"); }

/* Free a scratch buffer; if it ran out of memory the document b did too,
 * so the render fails instead of dropping text in silence. */
static void buf_done(vt_buf *b, vt_buf *scratch)
{
    if (scratch->oom)
        b->oom = 1;
    vt_buf_free(scratch);
}

void vt_ox_para(vt_buf *b, const char *style, const char *text,
                const vt_rpr *rpr)
{
    p_begin(b, style, NULL);
    if (text && *text)
        vt_ox_run(b, text, rpr);
    p_end(b);
}

static void para_upper(vt_buf *b, const char *style, const char *text)
{
    vt_buf up;
    vt_buf_init(&up);
    vt_text_upper(text, &up);
    vt_ox_para(b, style, up.data ? up.data : "", NULL);
    buf_done(b, &up);
}

long vt_rule_length(const char *text, double size_pt, int bold, long avail)
{
    long w = vt_text_width_twips(text, size_pt, bold);
    if (w > avail)
        w = avail;
    return w * 2 / 5;
}

void vt_ox_rule(vt_buf *b, long length, long avail)
{
    long side = (avail - length) / 2;
    if (side < 0)
        side = 0;
    vt_buf_printf(b,
                  "<w:p><w:pPr><w:pStyle w:val=\"VtRule\"/>"
                  "<w:ind w:left=\"%ld\" w:right=\"%ld\"/></w:pPr></w:p>",
                  side, side);
}

/* Inline runs with a base format; upper turns the text to capitals (for
 * "I. MỤC ĐÍCH, YÊU CẦU" headings). */
static void runs(vt_buf *b, const vt_inline *in, const vt_rpr *base, int upper)
{
    for (size_t i = 0; i < in->count; i++) {
        vt_rpr r = base ? *base : (vt_rpr){0};
        r.bold |= in->runs[i].bold;
        r.italic |= in->runs[i].italic;
        if (upper) {
            vt_buf up;
            vt_buf_init(&up);
            vt_text_upper(in->runs[i].text, &up);
            vt_ox_run(b, up.data ? up.data : "", &r);
            buf_done(b, &up);
        } else {
            vt_ox_run(b, in->runs[i].text, &r);
        }
    }
}

/* Trailing punctuation a clerk may or may not have typed; the tool adds
 * the decree's own. */
static size_t strip_end_n(const char *s, size_t n, const char *chars)
{
    while (n && (strchr(chars, s[n - 1]) || s[n - 1] == ' '))
        n--;
    return n;
}

static size_t strip_end(const char *s, const char *chars)
{
    return strip_end_n(s, strlen(s), chars);
}

/* The runs of in, with the final punctuation replaced by end. */
static void runs_with_end(vt_buf *b, const vt_inline *in, const vt_rpr *base,
                          const char *end)
{
    if (in->count == 0) {
        vt_ox_run(b, end, base);
        return;
    }
    vt_inline head = {in->runs, in->count - 1};
    runs(b, &head, base, 0);
    const vt_run *last = &in->runs[in->count - 1];
    vt_rpr r = base ? *base : (vt_rpr){0};
    r.bold |= last->bold;
    r.italic |= last->italic;
    vt_buf t;
    vt_buf_init(&t);
    vt_buf_put(&t, last->text, strip_end(last->text, ";.,/:"));
    vt_buf_puts(&t, end);
    vt_ox_run(b, t.data, &r);
    buf_done(b, &t);
}

static void text_with_end(vt_buf *out, const char *s, const char *end)
{
    vt_buf_put(out, s, strip_end(s, ";.,"));
    vt_buf_puts(out, end);
}

/* Where a remark starts in a Nơi nhận entry: "Như kính gửi; (qua Email
 * nội bộ)" and "VT, THCS. (CO 23b)" end in a parenthesis that follows
 * the entry's own punctuation.  Returns the offset of that "(" and sets
 * *head to the length of the entry before its punctuation; 0 when there
 * is no remark ("Như trên (để t/h)": the parenthesis belongs to the
 * entry, which then ends with its punctuation as usual). */
static size_t remark_start(const char *s, size_t n, size_t *head)
{
    if (n < 2 || s[n - 1] != ')')
        return 0;
    int depth = 0;
    size_t i = n;
    while (i--) {
        if (s[i] == ')')
            depth++;
        else if (s[i] == '(' && --depth == 0)
            break;
    }
    if (depth != 0 || i == (size_t)-1)
        return 0;
    size_t q = i;
    while (i && s[i - 1] == ' ')
        i--;
    if (!i || !strchr(";.,", s[i - 1]))
        return 0;
    *head = i - 1;
    return q;
}

/* A Nơi nhận entry with its end mark: before a remark if it has one
 * ("- Như kính gửi; (qua Email nội bộ)"), else at the end. */
static void entry_with_end(vt_buf *out, const char *s, const char *end)
{
    size_t n = strip_end(s, ";.,"), head = 0;
    size_t q = remark_start(s, n, &head);
    if (!q) {
        text_with_end(out, s, end);
        return;
    }
    vt_buf_put(out, s, strip_end_n(s, head, ";.,"));
    vt_buf_puts(out, end);
    vt_buf_putc(out, ' ');
    vt_buf_put(out, s + q, n - q);
}

/* ---- scalar lines ------------------------------------------------------ */

void vt_ox_number_line(vt_buf *b, const vt_plan *p)
{
    vt_buf_puts(b, "Số: ");
    vt_ky_hieu(p->number, p->type->abbr, p->agency_abbr, p->unit, b);
}

void vt_ox_place_date(vt_buf *b, const vt_plan *p)
{
    vt_buf_printf(b, "%s, ", p->place);
    vt_date_long(&p->date, b);
}

/* ---- header (ô 1 to 5b, 10, 11) ---------------------------------------- */

static const char TIEU_NGU[] = "Độc lập - Tự do - Hạnh phúc";

static void cell_begin(vt_buf *b, long width)
{
    vt_buf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%ld\" w:type=\"dxa\"/></w:tcPr>",
                  width);
}

static void borderless_table_begin(vt_buf *b)
{
    vt_buf_printf(b,
                  "<w:tbl><w:tblPr><w:tblW w:w=\"%d\" w:type=\"dxa\"/>"
                  "<w:jc w:val=\"center\"/>"
                  "<w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/>"
                  "<w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/>"
                  "<w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/>"
                  "</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
                  "<w:tblCellMar><w:left w:w=\"%d\" w:type=\"dxa\"/>"
                  "<w:right w:w=\"%d\" w:type=\"dxa\"/></w:tblCellMar>"
                  "<w:tblLook w:val=\"0000\"/></w:tblPr>"
                  "<w:tblGrid><w:gridCol w:w=\"%d\"/><w:gridCol w:w=\"%d\"/>"
                  "</w:tblGrid>",
                  VT_COL_LEFT + VT_COL_RIGHT, VT_CELL_MARGIN, VT_CELL_MARGIN,
                  VT_COL_LEFT, VT_COL_RIGHT);
}

static void mark_para(vt_buf *b, const char *text)
{
    vt_ox_para(b, "VtMark", text, NULL);
}

void vt_ox_header(vt_buf *b, const vt_plan *p)
{
    const long left = VT_COL_LEFT - 2 * VT_CELL_MARGIN;
    const long right = VT_COL_RIGHT - 2 * VT_CELL_MARGIN;
    vt_buf tmp;
    vt_buf_init(&tmp);
    if (p->circulation)
        mark_para(b, p->circulation); /* ô 11, above the Quốc hiệu */
    borderless_table_begin(b);

    /* row 1: ô 2 (agency) | ô 1 (Quốc hiệu, Tiêu ngữ) */
    vt_buf_puts(b, "<w:tr>");
    cell_begin(b, VT_COL_LEFT);
    if (p->parent)
        para_upper(b, "VtCoQuanChuQuan", p->parent);
    vt_text_upper(p->agency, &tmp);
    vt_ox_para(b, "VtCoQuan", tmp.data, NULL);
    vt_ox_rule(b, vt_rule_length(tmp.data, 12, 1, left), left);
    vt_buf_puts(b, "</w:tc>");
    cell_begin(b, VT_COL_RIGHT);
    vt_ox_para(b, "VtQuocHieu", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", NULL);
    vt_ox_para(b, "VtTieuNgu", TIEU_NGU, NULL);
    vt_ox_rule(b, vt_text_width_twips(TIEU_NGU, 13, 1), right);
    vt_buf_puts(b, "</w:tc></w:tr>");

    /* row 2: ô 3 (số), 5b (V/v), 10 (marks) | ô 4 (place and date) */
    vt_buf_puts(b, "<w:tr>");
    cell_begin(b, VT_COL_LEFT);
    vt_buf_reset(&tmp);
    vt_ox_number_line(&tmp, p);
    vt_ox_para(b, "VtSo", tmp.data, NULL);
    if (vt_doctype_is_cong_van(p->type)) {
        for (size_t i = 0; i < p->nsubject; i++) {
            vt_buf_reset(&tmp);
            if (i == 0)
                vt_buf_puts(&tmp, "V/v ");
            vt_buf_puts(&tmp, p->subject[i]);
            vt_ox_balanced_para(b, "VtVv", tmp.data ? tmp.data : "", 12, 0,
                                left);
        }
    }
    if (p->secrecy)
        mark_para(b, p->secrecy);
    if (p->urgency)
        mark_para(b, p->urgency);
    vt_buf_puts(b, "</w:tc>");
    cell_begin(b, VT_COL_RIGHT);
    vt_buf_reset(&tmp);
    vt_ox_place_date(&tmp, p);
    vt_ox_para(b, "VtDiaDanh", tmp.data, NULL);
    vt_buf_puts(b, "</w:tc></w:tr></w:tbl>");
    buf_done(b, &tmp);
}

/* ---- balanced lines ---------------------------------------------------- */

/* Greedy wrapping of words (widths w, n of them, space sp) at width max:
 * the number of lines, and where each line starts in starts (when not
 * NULL, room for n).  A word wider than max gets a line of its own. */
static size_t wrap_lines(const long *w, size_t n, long sp, long max,
                         size_t *starts, long *widest)
{
    size_t lines = 0;
    long line = -1, top = 0;
    for (size_t i = 0; i < n; i++) {
        if (line >= 0 && line + sp + w[i] <= max) {
            line += sp + w[i];
        } else {
            if (starts)
                starts[lines] = i;
            lines++;
            line = w[i];
        }
        if (line > top)
            top = line;
    }
    if (widest)
        *widest = top;
    return lines;
}

/* A centred line of text that wraps (a long trích yếu, a V/v line) and
 * whose last line would be one word alone: break it by hand, with the
 * same number of lines but each as short as the longest must be, so the
 * lines come out even ("… hoạt động / trải nghiệm" rather than "… hoạt
 * động trải / nghiệm").  Widths come from the Times metrics; the lines
 * are only broken when the balanced ones leave a margin of 5 %, so that
 * the few per cent by which Word's widths differ cannot wrap them again.
 * Returns the width of the longest line as printed. */
long vt_ox_balanced_para(vt_buf *b, const char *style, const char *text,
                         double size_pt, int bold, long avail)
{
    enum { MAX_WORDS = 200 };
    long w[MAX_WORDS];
    size_t at[MAX_WORDS], len[MAX_WORDS], starts[MAX_WORDS], n = 0;
    long full = vt_text_width_twips(text, size_pt, bold);
    const char *s = text;
    while (*s && n < MAX_WORDS) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t k = strcspn(s, " ");
        vt_buf word;
        vt_buf_init(&word);
        vt_buf_put(&word, s, k);
        w[n] = vt_text_width_twips(word.data ? word.data : "", size_pt, bold);
        buf_done(b, &word);
        at[n] = (size_t)(s - text);
        len[n++] = k;
        s += k;
    }
    long sp = vt_text_width_twips(" ", size_pt, bold), widest = 0;
    size_t lines = *s ? 0 : wrap_lines(w, n, sp, avail, starts, &widest);
    if (lines < 2 || n - starts[lines - 1] > 1) {
        vt_ox_para(b, style, text, NULL);
        return full < avail ? full : avail;
    }
    long lo = widest / 2, hi = widest; /* hi wraps into `lines` lines */
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (wrap_lines(w, n, sp, mid, NULL, NULL) <= lines)
            hi = mid;
        else
            lo = mid + 1;
    }
    wrap_lines(w, n, sp, hi, starts, &widest);
    if (widest * 20 > avail * 19 || n - starts[lines - 1] < 2) {
        vt_ox_para(b, style, text, NULL);
        return full < avail ? full : avail;
    }
    p_begin(b, style, NULL);
    vt_buf_puts(b, "<w:r>");
    for (size_t l = 0; l < lines; l++) {
        size_t first = starts[l], end = l + 1 < lines ? starts[l + 1] : n;
        size_t from = at[first], to = at[end - 1] + len[end - 1];
        vt_buf line;
        vt_buf_init(&line);
        vt_buf_put(&line, text + from, to - from);
        if (l)
            vt_buf_puts(b, "<w:br/>");
        vt_buf_puts(b, "<w:t xml:space=\"preserve\">");
        vt_xml_text(b, line.data ? line.data : "");
        vt_buf_puts(b, "</w:t>");
        buf_done(b, &line);
    }
    vt_buf_puts(b, "</w:r>");
    p_end(b);
    return widest;
}

/* ---- title (ô 5a) ------------------------------------------------------ */

void vt_ox_title(vt_buf *b, const vt_plan *p)
{
    if (vt_doctype_is_cong_van(p->type))
        return; /* a công văn has its V/v line in the header instead */
    para_upper(b, "VtTenLoai", p->type->name);
    long longest = 0;
    for (size_t i = 0; i < p->nsubject; i++) {
        long w = vt_ox_balanced_para(b, "VtTrichYeu", p->subject[i], 14, 1,
                                     VT_TEXT_WIDTH);
        if (w > longest)
            longest = w;
    }
    /* the rule is 2/5 of the longest line as printed */
    vt_ox_rule(b, longest * 2 / 5, VT_TEXT_WIDTH);
}

/* ---- Kính gửi (ô 9a) --------------------------------------------------- */

/* Decree 30: one recipient on the Kính gửi line; several on lines of their
 * own, each "- …;" with the dashes lined up under the colon and the last
 * ending in ".". The indent of "Kính gửi:" is Mẫu 1.5's (about 3.5 cm). */
void vt_ox_recipients(vt_buf *b, const vt_plan *p)
{
    enum { KG_INDENT = 1985 };
    if (p->nto == 0)
        return;
    vt_buf ind, t;
    vt_buf_init(&ind);
    vt_buf_init(&t);
    vt_buf_printf(&ind, "<w:ind w:left=\"%d\" w:firstLine=\"0\"/>", KG_INDENT);
    if (p->nto == 1) {
        /* one recipient ends with "." as the last of a list does */
        p_begin(b, "VtKinhGui", ind.data);
        vt_buf_puts(&t, "Kính gửi: ");
        text_with_end(&t, p->to[0], ".");
        vt_ox_run(b, t.data, NULL);
        p_end(b);
    } else {
        p_begin(b, "VtKinhGui", ind.data);
        vt_ox_run(b, "Kính gửi:", NULL);
        p_end(b);
        long colon = KG_INDENT + vt_text_width_twips("Kính gửi", 14, 0);
        long dash = vt_text_width_twips("- ", 14, 0);
        vt_buf_reset(&ind);
        vt_buf_printf(&ind, "<w:ind w:left=\"%ld\" w:hanging=\"%ld\"/>",
                      colon + dash, dash);
        for (size_t i = 0; i < p->nto; i++) {
            vt_buf_reset(&t);
            vt_buf_puts(&t, "- ");
            text_with_end(&t, p->to[i], i + 1 == p->nto ? "." : ";");
            p_begin(b, "VtKinhGui", ind.data);
            vt_ox_run(b, t.data, NULL);
            p_end(b);
        }
    }
    buf_done(b, &ind);
    buf_done(b, &t);
}

/* ---- căn cứ ------------------------------------------------------------ */

void vt_ox_grounds(vt_buf *b, const vt_plan *p)
{
    for (size_t i = 0; i < p->ngrounds; i++) {
        p_begin(b, "VtCanCu", NULL);
        runs_with_end(b, &p->grounds[i], NULL, i + 1 == p->ngrounds ? "." : ";");
        p_end(b);
    }
}

/* ---- tables ------------------------------------------------------------ */

static void cell_props(vt_buf *b, long width, int span, const char *vmerge)
{
    vt_buf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%ld\" w:type=\"dxa\"/>", width);
    if (span > 1)
        vt_buf_printf(b, "<w:gridSpan w:val=\"%d\"/>", span);
    if (vmerge)
        vt_buf_puts(b, vmerge);
    vt_buf_puts(b, "<w:vAlign w:val=\"center\"/></w:tcPr>");
}

void vt_ox_table(vt_buf *b, const vt_table *t, long width)
{
    if (!t || t->ncols == 0) { /* plan.c refuses such a plan first */
        b->oom = 1;
        return;
    }
    long total = 0;
    for (size_t c = 0; c < t->ncols; c++)
        total += t->widths[c];
    long *cw = calloc(t->ncols, sizeof *cw);
    long *grid = malloc((t->nrows ? t->nrows : 1) * t->ncols * sizeof *grid);
    char err[200];
    if (!cw || !grid || vt_table_layout(t, grid, err, sizeof err) != 0) {
        /* the validator has refused such tables already */
        free(cw);
        free(grid);
        b->oom = 1;
        return;
    }
    long used = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        cw[c] = width * t->widths[c] / total;
        used += cw[c];
    }
    cw[t->ncols - 1] += width - used; /* rounding goes to the last column */

    vt_buf_printf(b,
                  "<w:tbl><w:tblPr><w:tblStyle w:val=\"VtTable\"/>"
                  "<w:tblW w:w=\"%ld\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>"
                  "<w:tblLayout w:type=\"fixed\"/><w:tblLook w:val=\"04A0\"/>"
                  "</w:tblPr><w:tblGrid>",
                  width);
    for (size_t c = 0; c < t->ncols; c++)
        vt_buf_printf(b, "<w:gridCol w:w=\"%ld\"/>", cw[c]);
    vt_buf_puts(b, "</w:tblGrid>");

    vt_buf_puts(b, "<w:tr><w:trPr><w:cantSplit/>");
    if (t->repeat_header)
        vt_buf_puts(b, "<w:tblHeader/>");
    vt_buf_puts(b, "</w:trPr>");
    for (size_t c = 0; c < t->ncols; c++) {
        cell_props(b, cw[c], 1, NULL);
        p_begin(b, "VtTableHead", NULL);
        runs(b, &t->heads[c], NULL, 0);
        p_end(b);
        vt_buf_puts(b, "</w:tc>");
    }
    vt_buf_puts(b, "</w:tr>");

    size_t nc = t->ncols;
    for (size_t r = 0; r < t->nrows; r++) {
        vt_buf_puts(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        for (size_t c = 0; c < nc;) {
            long id = grid[r * nc + c];
            size_t owner_row = (size_t)id / nc;
            const vt_cell *cell = &t->rows[owner_row].cells[(size_t)id % nc];
            long w = 0;
            for (int k = 0; k < cell->colspan; k++)
                w += cw[c + (size_t)k];
            if (owner_row != r) {
                /* a slot covered by a cell from a row above */
                cell_props(b, w, cell->colspan, "<w:vMerge/>");
                vt_buf_puts(b, "<w:p><w:pPr><w:pStyle w:val=\"VtTableText\"/>"
                               "</w:pPr></w:p></w:tc>");
            } else {
                cell_props(b, w, cell->colspan,
                           cell->rowspan > 1
                               ? "<w:vMerge w:val=\"restart\"/>"
                               : NULL);
                p_begin(b, "VtTableText", NULL);
                runs(b, &cell->text, NULL, 0);
                p_end(b);
                vt_buf_puts(b, "</w:tc>");
            }
            c += (size_t)cell->colspan;
        }
        vt_buf_puts(b, "</w:tr>");
    }
    vt_buf_puts(b, "</w:tbl>");
    free(cw);
    free(grid);
}

/* ---- numbered body ----------------------------------------------------- */

typedef struct {
    vt_buf *b;
    const vt_block *last; /* the paragraph that ends with "./." */
} body_ctx;

static const vt_block *last_text_block(const vt_block *first)
{
    const vt_block *last = NULL;
    for (const vt_block *k = first; k; k = k->next) {
        if (k->kind == VT_B_PARA || k->kind == VT_B_ITEM ||
            k->kind == VT_B_SECTION)
            last = k;
        else
            last = NULL;
        const vt_block *inner = last_text_block(k->first);
        if (inner)
            last = inner;
    }
    return last;
}

static vt_numbering default_numbering(int depth)
{
    switch (depth) {
    case 1: return VT_NUM_ROMAN;
    case 2: return VT_NUM_DECIMAL;
    case 3: return VT_NUM_LETTER;
    default: return VT_NUM_DOTTED;
    }
}

static void section_label(vt_buf *out, vt_numbering num, int n,
                          const char *parent_label)
{
    switch (num) {
    case VT_NUM_ROMAN:
        vt_roman_label(n, out);
        vt_buf_putc(out, '.');
        break;
    case VT_NUM_LETTER:
        vt_vn_letter_label(n - 1, out);
        vt_buf_putc(out, ')');
        break;
    case VT_NUM_DOTTED: {
        /* "1.1." under "1."; under a letter "a)" the parenthesis would
         * read "a)1.", so the letter is joined with a dot: "a.1." */
        size_t k = parent_label ? strlen(parent_label) : 0;
        if (k && parent_label[k - 1] == ')')
            vt_buf_printf(out, "%.*s.%d.", (int)(k - 1), parent_label, n);
        else
            vt_buf_printf(out, "%s%d.", parent_label ? parent_label : "", n);
        break;
    }
    default:
        vt_buf_printf(out, "%d.", n);
    }
}

static const char *heading_style(vt_numbering num)
{
    switch (num) {
    case VT_NUM_ROMAN: return "VtHeading1";
    case VT_NUM_DECIMAL: return "VtHeading2";
    case VT_NUM_DOTTED: return "VtHeading3";
    default: return "VtHeading4";
    }
}

/* 1 if the paragraph's text ends with ":", a lead-in ("Cụ thể như sau:")
 * that must stay on the page of what it introduces. */
static int ends_with_colon(const vt_inline *in)
{
    if (!in->count || !in->runs[in->count - 1].text)
        return 0;
    const char *t = in->runs[in->count - 1].text;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        n--;
    return n && t[n - 1] == ':';
}

static void inline_para(body_ctx *c, const vt_block *k, const char *style,
                        const char *prefix, const vt_rpr *base, int upper)
{
    /* headings keep with next through their styles; a lead-in ending in
     * ":" does here, as it depends on the text */
    p_begin(c->b, style,
            k != c->last && ends_with_colon(&k->text) ? "<w:keepNext/>"
                                                      : NULL);
    if (prefix)
        vt_ox_run(c->b, prefix, base);
    if (k == c->last && !upper)
        runs_with_end(c->b, &k->text, base, "./.");
    else
        runs(c->b, &k->text, base, upper);
    p_end(c->b);
}

static void emit_items(body_ctx *c, const vt_block *first, int item_depth)
{
    for (const vt_block *k = first; k; k = k->next) {
        inline_para(c, k, "VtBody", item_depth == 1 ? "- " : "+ ", NULL, 0);
        emit_items(c, k->first, item_depth + 1);
    }
}

/* A numbered list: body paragraphs "1. …" (or "a) …"), not headings;
 * an item's own sub-items are "- " points, theirs "+ ". */
static void emit_list(body_ctx *c, const vt_block *list)
{
    vt_buf label;
    vt_buf_init(&label);
    int n = 0;
    for (const vt_block *it = list->first; it; it = it->next) {
        vt_buf_reset(&label);
        if (list->subs == VT_NUM_LETTER) {
            vt_vn_letter_label(n, &label);
            vt_buf_puts(&label, ") ");
        } else {
            vt_buf_printf(&label, "%d. ", n + 1);
        }
        n++;
        inline_para(c, it, "VtBody", label.data ? label.data : "", NULL, 0);
        emit_items(c, it->first, 1);
    }
    buf_done(c->b, &label);
}

static void emit_blocks(body_ctx *c, const vt_block *first, int depth,
                        vt_numbering subs, const char *parent_label)
{
    int n = 0;
    for (const vt_block *k = first; k; k = k->next) {
        switch (k->kind) {
        case VT_B_PARA:
            inline_para(c, k, "VtBody", NULL, NULL, 0);
            emit_items(c, k->first, 2); /* "+" points under a paragraph */
            break;
        case VT_B_LIST:
            emit_list(c, k);
            break;
        case VT_B_ITEM:
            inline_para(c, k, "VtBody", "- ", NULL, 0);
            emit_items(c, k->first, 2);
            break;
        case VT_B_TABLE:
            vt_ox_table(c->b, k->table, VT_TEXT_WIDTH);
            break;
        case VT_B_SECTION: {
            vt_numbering num = subs ? subs : default_numbering(depth);
            vt_buf label;
            vt_buf_init(&label);
            section_label(&label, num, ++n, parent_label);
            vt_buf_putc(&label, ' ');
            if (label.oom) {
                buf_done(c->b, &label);
                break;
            }
            int upper = num == VT_NUM_ROMAN;
            inline_para(c, k, heading_style(num), label.data, NULL, upper);
            label.data[label.len - 1] = '\0';
            emit_blocks(c, k->first, depth + 1, k->subs, label.data);
            vt_buf_free(&label);
            break;
        }
        }
    }
}

static void emit_body(vt_buf *b, const vt_block *body)
{
    body_ctx c = {b, last_text_block(body)};
    emit_blocks(&c, body, 1, VT_NUM_AUTO, NULL);
}

void vt_ox_body(vt_buf *b, const vt_plan *p) { emit_body(b, p->body); }

/* ---- Nơi nhận and signature (ô 7, 9b, 12) ------------------------------ */

static void noi_nhan(vt_buf *b, const vt_plan *p)
{
    vt_buf t;
    vt_buf_init(&t);
    vt_ox_para(b, "VtNoiNhanLabel", "Nơi nhận:", NULL);
    for (size_t i = 0; i < p->ncopies; i++) {
        vt_buf_reset(&t);
        vt_buf_puts(&t, "- ");
        entry_with_end(&t, p->copies[i], ";");
        vt_ox_para(b, "VtNoiNhan", t.data, NULL);
    }
    vt_buf_reset(&t);
    const char *a = p->archive;
    if (strncmp(a, "Lưu", strlen("Lưu")) == 0) {
        a += strlen("Lưu");
        while (*a == ':' || *a == ' ')
            a++;
    }
    vt_buf_puts(&t, "- Lưu: ");
    entry_with_end(&t, a, ".");
    vt_ox_para(b, "VtNoiNhan", t.data, NULL);
    if (p->drafter) {
        vt_buf_reset(&t);
        vt_text_upper(p->drafter, &t);
        if (p->drafter_copies)
            vt_buf_printf(&t, ".(%d)", p->drafter_copies);
        vt_ox_para(b, "VtDrafter", t.data, NULL);
    }
    buf_done(b, &t);
}

/* One floating picture (wp:anchor, in front of the text, no wrapping),
 * placed from the left of the signature cell's text area and the top of
 * the first blank paragraph under the titles.  layoutInCell keeps Word
 * and LibreOffice measuring from the cell, not the page.  Namespaces are
 * declared on the elements, so any template's document.xml takes it. */
static void anchor(vt_buf *b, const vt_image *im, const char *rel_id,
                   unsigned id, const char *name, long x, long y)
{
    vt_buf_printf(b,
        "<w:r><w:drawing><wp:anchor xmlns:wp=\"http://schemas.openxmlformats."
        "org/drawingml/2006/wordprocessingDrawing\" distT=\"0\" distB=\"0\" "
        "distL=\"0\" distR=\"0\" simplePos=\"0\" relativeHeight=\"%u\" "
        "behindDoc=\"0\" locked=\"0\" layoutInCell=\"1\" allowOverlap=\"1\">"
        "<wp:simplePos x=\"0\" y=\"0\"/>"
        "<wp:positionH relativeFrom=\"column\"><wp:posOffset>%ld"
        "</wp:posOffset></wp:positionH>"
        "<wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>%ld"
        "</wp:posOffset></wp:positionV>"
        "<wp:extent cx=\"%ld\" cy=\"%ld\"/>"
        "<wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:wrapNone/>"
        "<wp:docPr id=\"%u\" name=\"%s\"/><wp:cNvGraphicFramePr/>"
        "<a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/"
        "2006/main\"><a:graphicData uri=\"http://schemas.openxmlformats.org/"
        "drawingml/2006/picture\"><pic:pic xmlns:pic=\"http://schemas."
        "openxmlformats.org/drawingml/2006/picture\"><pic:nvPicPr>"
        "<pic:cNvPr id=\"0\" name=\"%s\"/><pic:cNvPicPr/></pic:nvPicPr>"
        "<pic:blipFill><a:blip r:embed=\"%s\" xmlns:r=\"http://schemas."
        "openxmlformats.org/officeDocument/2006/relationships\"/><a:stretch>"
        "<a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>"
        "<a:off x=\"0\" y=\"0\"/><a:ext cx=\"%ld\" cy=\"%ld\"/></a:xfrm>"
        "<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr>"
        "</pic:pic></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>",
        id, x, y, im->cx, im->cy, id, name, name, rel_id, im->cx, im->cy);
}

/* Phụ lục I: the signature image centred in the signature column over the
 * blank lines between the titles and the name; the seal over the left
 * third of the signature, its right edge a third of the way into it and
 * its centre level with the signature's.  Without a signature image the
 * seal takes the signature's place, centred. */
static void signature_images(vt_buf *b, const vt_plan *p)
{
    const long emu_per_twip = 635;
    const long cell = (VT_COL_RIGHT - 2 * VT_CELL_MARGIN) * emu_per_twip;
    const long room = 4 * 14 * 12700 * 115 / 100; /* 4 blank 14 pt lines */
    const vt_image *sig = p->sig_image, *seal = p->seal_image;
    long sx = 0, sy = 0, scy = room;
    if (sig) {
        sx = (cell - sig->cx) / 2;
        sy = sig->cy < room ? (room - sig->cy) / 2 : 0;
        scy = sig->cy;
        anchor(b, sig, VT_RID_SIGNATURE, VT_DOCPR_SIGNATURE,
               "Chữ ký", sx, sy);
    }
    if (seal) {
        long x = sig ? sx + sig->cx / 3 - seal->cx : (cell - seal->cx) / 2;
        long y = sy + scy / 2 - seal->cy / 2;
        anchor(b, seal, VT_RID_SEAL, VT_DOCPR_SEAL, "Con dấu", x, y);
    }
}

static void signer(vt_buf *b, const vt_plan *p)
{
    vt_buf t;
    vt_buf_init(&t);
    for (size_t i = 0; i < p->ntitles; i++) {
        vt_buf_reset(&t);
        if (i == 0)
            vt_buf_puts(&t, vt_authority_prefix(p->authority));
        vt_text_upper(p->titles[i], &t);
        vt_ox_para(b, "VtChucVu", t.data, NULL);
    }
    if (p->signed_copy) {
        vt_ox_para(b, "VtDaKy", "(Đã ký)", NULL);
    } else {
        /* room for the signature and the seal over its left third; the
         * images, when the plan gives them, float over that room */
        p_begin(b, "VtDaKy", NULL);
        signature_images(b, p);
        p_end(b);
        for (int i = 1; i < 4; i++)
            vt_ox_para(b, "VtDaKy", "", NULL);
    }
    vt_ox_para(b, "VtNguoiKy", p->signer, NULL);
    buf_done(b, &t);
}

void vt_ox_signature(vt_buf *b, const vt_plan *p)
{
    borderless_table_begin(b);
    vt_buf_puts(b, "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
    cell_begin(b, VT_COL_LEFT);
    noi_nhan(b, p);
    vt_buf_puts(b, "</w:tc>");
    cell_begin(b, VT_COL_RIGHT);
    signer(b, p);
    vt_buf_puts(b, "</w:tc></w:tr></w:tbl>");
}

/* ---- appendices (Phụ lục, Mẫu 2.1) ------------------------------------- */

static void appendix_ref(vt_buf *t, const vt_plan *p)
{
    vt_buf_printf(t, "(Kèm theo %s số ", p->type->name);
    vt_ky_hieu(p->number, p->type->abbr, p->agency_abbr, p->unit, t);
    vt_buf_puts(t, " ");
    vt_date_long(&p->date, t);
    vt_buf_printf(t, " của %s)", p->agency_short);
}

void vt_ox_appendices(vt_buf *b, const vt_plan *p, const char *sect_pr)
{
    vt_buf t;
    vt_buf_init(&t);
    for (size_t i = 0; i < p->nappendices; i++) {
        const vt_appendix *a = &p->appendices[i];
        /* the section before this appendix ends here; the next one starts
         * on a new page with its own page numbers */
        vt_buf_printf(b, "<w:p><w:pPr>%s</w:pPr></w:p>", sect_pr);
        vt_buf_reset(&t);
        vt_buf_puts(&t, "Phụ lục");
        if (p->nappendices > 1) {
            vt_buf_putc(&t, ' ');
            vt_roman_label((int)i + 1, &t);
        }
        vt_ox_para(b, "VtPhuLuc", t.data, NULL);
        para_upper(b, "VtPhuLucTitle", a->title);
        vt_buf_reset(&t);
        if (a->ref)
            vt_buf_puts(&t, a->ref);
        else
            appendix_ref(&t, p);
        vt_ox_para(b, "VtPhuLucRef", t.data, NULL);
        vt_ox_rule(b, vt_rule_length(t.data, 14, 0, VT_TEXT_WIDTH),
                   VT_TEXT_WIDTH);
        emit_body(b, a->body);
    }
    buf_done(b, &t);
}
