/*
 * legacy_enc.c - text file bytes to UTF-8 NFC: BOMs, UTF-16, CRLF, and the
 * two legacy Vietnamese encodings TCVN3 (ABC) and VNI-Windows.
 *
 * TCVN3 is a single-byte table (TCVN 5712:1993, the VN3 letters in
 * 0xA1-0xFE; the table below is the standard's, as glibc's TCVN5712-1
 * has it).  Its fonts had no room for capitals with tone marks: a heading
 * in capitals was typed with the lower-case codes in a capitals font
 * (.VnTimeH), so a line with no lower-case ASCII letter is taken to be in
 * capitals and its converted letters are upper-cased.
 *
 * VNI-Windows writes a Vietnamese letter as its base letter followed by a
 * byte that stands for the marks ("a" + 0xF8 for "à"); a few letters
 * (đ, ơ, ư, ỉ ĩ ị í ì, ỵ) have a byte of their own.  Bytes that are not
 * letters read as Windows-1252, as Word saved them.
 *
 * When such a file is opened as Windows-1252 and saved again as UTF-8 (a
 * common accident) the same letters arrive as Latin-1 characters
 * ("Phoøng", "Phßng"); those are mapped back to bytes and converted too.
 */
#include "base/legacy_enc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Windows-1252 0x80-0x9F; 0 where the code page leaves a hole. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

/* TCVN3 0xA0-0xFF (0xA0 is a no-break space, read as a space). */
static const uint16_t tcvn3_hi[96] = {
    0x20,   0x102,  0xc2,   0xca,   0xd4,   0x1a0,  0x1af,  0x110,
    0x103,  0xe2,   0xea,   0xf4,   0x1a1,  0x1b0,  0x111,  0x1eb0,
    0x300,  0x309,  0x303,  0x301,  0x323,  0xe0,   0x1ea3, 0xe3,
    0xe1,   0x1ea1, 0x1eb2, 0x1eb1, 0x1eb3, 0x1eb5, 0x1eaf, 0x1eb4,
    0x1eae, 0x1ea6, 0x1ea8, 0x1eaa, 0x1ea4, 0x1ec0, 0x1eb7, 0x1ea7,
    0x1ea9, 0x1eab, 0x1ea5, 0x1ead, 0xe8,   0x1ec2, 0x1ebb, 0x1ebd,
    0xe9,   0x1eb9, 0x1ec1, 0x1ec3, 0x1ec5, 0x1ebf, 0x1ec7, 0xec,
    0x1ec9, 0x1ec4, 0x1ebe, 0x1ed2, 0x129,  0xed,   0x1ecb, 0xf2,
    0x1ed4, 0x1ecf, 0xf5,   0xf3,   0x1ecd, 0x1ed3, 0x1ed5, 0x1ed7,
    0x1ed1, 0x1ed9, 0x1edd, 0x1edf, 0x1ee1, 0x1edb, 0x1ee3, 0xf9,
    0x1ed6, 0x1ee7, 0x169,  0xfa,   0x1ee5, 0x1eeb, 0x1eed, 0x1eef,
    0x1ee9, 0x1ef1, 0x1ef3, 0x1ef7, 0x1ef9, 0xfd,   0x1ef5, 0x1ed0};

enum { CIRC = 0x302, BREVE = 0x306, ACUTE = 0x301, GRAVE = 0x300,
       HOOK = 0x309, TILDE = 0x303, DOT = 0x323 };

/* A VNI mark byte: the vowel modifier and the tone it adds.  Lower- and
 * upper-case forms (0xF9 and 0xD9) mean the same marks. */
typedef struct {
    unsigned char lo, up;
    uint16_t mod, tone;
} vni_mark;

static const vni_mark vni_marks[] = {
    {0xF9, 0xD9, 0, ACUTE},    {0xF8, 0xD8, 0, GRAVE},
    {0xFB, 0xDB, 0, HOOK},     {0xF5, 0xD5, 0, TILDE},
    {0xEF, 0xCF, 0, DOT},      {0xE2, 0xC2, CIRC, 0},
    {0xE1, 0xC1, CIRC, ACUTE}, {0xE0, 0xC0, CIRC, GRAVE},
    {0xE5, 0xC5, CIRC, HOOK},  {0xE3, 0xC3, CIRC, TILDE},
    {0xE4, 0xC4, CIRC, DOT},   {0xEA, 0xCA, BREVE, 0},
    {0xE9, 0xC9, BREVE, ACUTE}, {0xE8, 0xC8, BREVE, GRAVE},
    {0xFA, 0xDA, BREVE, HOOK}, {0xFC, 0xDC, BREVE, TILDE},
    {0xEB, 0xCB, BREVE, DOT},
};

/* VNI letters with a byte of their own. */
static const struct {
    unsigned char b;
    uint16_t cp;
} vni_single[] = {
    {0xED, 0xED},   {0xEC, 0xEC},   {0xE6, 0x1EC9}, {0xF3, 0x129},
    {0xF2, 0x1ECB}, {0xEE, 0x1EF5}, {0xF1, 0x111},  {0xF4, 0x1A1},
    {0xF6, 0x1B0},  {0xCD, 0xCD},   {0xCC, 0xCC},   {0xC6, 0x1EC8},
    {0xD3, 0x128},  {0xD2, 0x1ECA}, {0xCE, 0x1EF4}, {0xD1, 0x110},
    {0xD4, 0x1A0},  {0xD6, 0x1AF},
};

const char *vt_encoding_name(vt_encoding e)
{
    switch (e) {
    case VT_ENC_UTF8: return "UTF-8";
    case VT_ENC_UTF8_BOM: return "UTF-8 with BOM";
    case VT_ENC_UTF16LE: return "UTF-16 LE";
    case VT_ENC_UTF16BE: return "UTF-16 BE";
    case VT_ENC_TCVN3: return "TCVN3 (ABC)";
    case VT_ENC_VNI: return "VNI";
    case VT_ENC_TCVN3_IN_UTF8: return "TCVN3 (ABC) saved as UTF-8";
    case VT_ENC_VNI_IN_UTF8: return "VNI saved as UTF-8";
    }
    return "?";
}

static void put_cp(vt_buf *b, int32_t cp)
{
    utf8proc_uint8_t tmp[4];
    utf8proc_ssize_t k = utf8proc_encode_char(cp, tmp);
    vt_buf_put(b, (const char *)tmp, (size_t)k);
}

/* A byte outside ASCII read as Windows-1252 (holes become U+FFFD). */
static int32_t cp1252(unsigned char c)
{
    if (c >= 0x80 && c < 0xA0)
        return cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : 0xFFFD;
    return c;
}

/* Replace raw (decomposed, unnormalised UTF-8) by its NFC form. */
static int to_nfc(vt_buf *raw, vt_buf *out)
{
    if (raw->oom)
        return -1;
    if (raw->len == 0)
        return 0;
    utf8proc_uint8_t *n = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)raw->data,
                                      (utf8proc_ssize_t)raw->len, &n,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k < 0)
        return -1;
    vt_buf_put(out, (const char *)n, (size_t)k);
    free(n);
    return out->oom ? -1 : 0;
}

/* ---- TCVN3 ------------------------------------------------------------- */

static int line_in_capitals(const unsigned char *s, size_t n)
{
    size_t upper = 0;
    for (size_t i = 0; i < n && s[i] != '\n'; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            return 0;
        if (s[i] >= 'A' && s[i] <= 'Z')
            upper++;
    }
    return upper >= 2;
}

int vt_tcvn3_to_utf8(const unsigned char *s, size_t n, vt_buf *out)
{
    vt_buf raw;
    vt_buf_init(&raw);
    int caps = line_in_capitals(s, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x80) {
            vt_buf_putc(&raw, (char)c);
            if (c == '\n')
                caps = line_in_capitals(s + i + 1, n - i - 1);
            continue;
        }
        int32_t cp = c >= 0xA0 ? tcvn3_hi[c - 0xA0] : cp1252(c);
        put_cp(&raw, caps ? utf8proc_toupper(cp) : cp);
    }
    int rc = to_nfc(&raw, out);
    vt_buf_free(&raw);
    return rc;
}

/* ---- VNI --------------------------------------------------------------- */

static const vni_mark *mark_of(unsigned char c)
{
    for (size_t i = 0; i < sizeof vni_marks / sizeof vni_marks[0]; i++)
        if (vni_marks[i].lo == c || vni_marks[i].up == c)
            return &vni_marks[i];
    return NULL;
}

static int32_t single_of(unsigned char c)
{
    for (size_t i = 0; i < sizeof vni_single / sizeof vni_single[0]; i++)
        if (vni_single[i].b == c)
            return vni_single[i].cp;
    return 0;
}

/* Whether mark m can sit on base (an ASCII vowel, or 0xF4/0xF6/0xD4/0xD6
 * for ơ/ư): â-marks on a, e, o; ă-marks on a; tones on every vowel. */
static int mark_fits(unsigned char base, const vni_mark *m)
{
    unsigned char l = (unsigned char)(base | 0x20);
    if (base == 0xF4 || base == 0xF6 || base == 0xD4 || base == 0xD6)
        return m->mod == 0;
    if (m->mod == BREVE)
        return l == 'a';
    if (m->mod == CIRC)
        return l == 'a' || l == 'e' || l == 'o';
    return l == 'a' || l == 'e' || l == 'o' || l == 'u' || l == 'y' || l == 'i';
}

int vt_vni_to_utf8(const unsigned char *s, size_t n, vt_buf *out)
{
    vt_buf raw;
    vt_buf_init(&raw);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        const vni_mark *m = i + 1 < n ? mark_of(s[i + 1]) : NULL;
        int base = (c < 0x80 && strchr("aeiouyAEIOUY", c) && c) ||
                   c == 0xF4 || c == 0xF6 || c == 0xD4 || c == 0xD6;
        if (base && m && mark_fits(c, m)) {
            put_cp(&raw, c < 0x80 ? c : single_of(c));
            if (m->mod)
                put_cp(&raw, m->mod);
            if (m->tone)
                put_cp(&raw, m->tone);
            i++;
            continue;
        }
        int32_t one = c >= 0x80 ? single_of(c) : 0;
        if (one)
            put_cp(&raw, one);
        else if (c < 0x80)
            vt_buf_putc(&raw, (char)c);
        else
            put_cp(&raw, cp1252(c));
    }
    int rc = to_nfc(&raw, out);
    vt_buf_free(&raw);
    return rc;
}

/* ---- telling them apart ------------------------------------------------ */

static int ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int consonant(unsigned char c)
{
    return ascii_letter(c) && !strchr("aeiouyAEIOUY", c);
}

/* VNI shows as vowel + mark byte and as words starting with its đ byte;
 * TCVN3 as its own letter bytes right after a consonant (which VNI only
 * has for its single-byte letters) and words starting with its đ byte.
 * Both counts are small for the other encoding, so the larger one wins. */
void vt_legacy_scores(const unsigned char *s, size_t n, size_t *tcvn3,
                      size_t *vni)
{
    *tcvn3 = *vni = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        int word_start = i == 0 || !(ascii_letter(s[i - 1]) || s[i - 1] >= 0x80);
        int next_letter = i + 1 < n && (ascii_letter(s[i + 1]) || s[i + 1] >= 0x80);
        if (c < 0x80) {
            const vni_mark *m = i + 1 < n ? mark_of(s[i + 1]) : NULL;
            if (m && strchr("aeiouyAEIOUY", c) && c && mark_fits(c, m))
                (*vni)++;
            continue;
        }
        if ((c == 0xF4 || c == 0xF6 || c == 0xD4 || c == 0xD6) && i + 1 < n) {
            const vni_mark *m = mark_of(s[i + 1]);
            if (m && mark_fits(c, m))
                (*vni)++;
        }
        if (word_start && next_letter && (c == 0xF1 || c == 0xD1))
            (*vni)++;
        if (word_start && next_letter && (c == 0xAE || c == 0xA7))
            (*tcvn3)++;
        if (i > 0 && consonant(s[i - 1]) && c >= 0xA1 && !single_of(c) &&
            !(c >= 0xB0 && c <= 0xB4))
            (*tcvn3)++;
    }
}

/* ---- the whole file ---------------------------------------------------- */

static void line_col(const char *s, size_t off, int *line, int *col)
{
    *line = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            (*line)++, start = i + 1;
    *col = (int)(off - start) + 1;
}

/* Offset of the first byte that is not UTF-8, or len if all is. */
static size_t utf8_bad_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(
            (const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0)
            return i;
        i += (size_t)k;
    }
    return len;
}

static vt_error utf16_to_utf8(const char *name, const unsigned char *s,
                              size_t n, int be, vt_buf *out, vt_diags *d)
{
    int line = 1;
    if (n % 2) {
        vt_diags_addf(d, "%s: the file is marked UTF-16 but has an odd number "
                         "of bytes; it is cut short or not UTF-16", name);
        return VT_ERR_PLAN;
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t v = be ? (uint32_t)(s[i + 2] << 8 | s[i + 3]) : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                put_cp(out, (int32_t)(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00)));
                i += 2;
                continue;
            }
        }
        if ((u >= 0xD800 && u <= 0xDFFF) || u == 0) {
            vt_diags_addf(d, "%s:%d: not valid UTF-16 (%s 0x%04X); save the "
                             "file again as UTF-8 text", name, line,
                          u ? "an unpaired surrogate" : "a NUL character", u);
            return VT_ERR_PLAN;
        }
        if (u == '\n')
            line++;
        put_cp(out, (int32_t)u);
    }
    return out->oom ? VT_ERR_NOMEM : VT_OK;
}

/* Valid UTF-8 that holds only Latin-1 and Windows-1252 characters but
 * reads as VNI or TCVN3 once turned back into bytes: the "saved as UTF-8"
 * accident.  Genuine Vietnamese UTF-8 has letters above U+00FF (ơ, ư, đ,
 * ạ ...) and is never touched. */
static int back_to_bytes(const char *s, size_t len, vt_buf *bytes)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(
            (const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0)
            return -1;
        i += (size_t)k;
        int b = -1;
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
            b = cp;
        for (int j = 0; j < 32 && b < 0; j++)
            if (cp1252_hi[j] && cp1252_hi[j] == cp)
                b = 0x80 + j;
        if (b < 0)
            return -1;
        vt_buf_putc(bytes, (char)b);
    }
    return bytes->oom ? -1 : 0;
}

/* LF line ends; tab and LF the only control characters left. */
static void clean_controls(const char *s, size_t n, vt_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            vt_buf_putc(out, '\n');
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else if (c == '\f' || c == '\v') {
            vt_buf_putc(out, '\n');
        } else if (c < 0x20 && c != '\t' && c != '\n') {
            continue;
        } else if (c == 0x7F) {
            continue;
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] < 0xA0) {
            i++; /* a C1 control */
        } else if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB &&
                   (unsigned char)s[i + 2] == 0xBF) {
            i += 2; /* a stray byte-order mark */
        } else {
            vt_buf_putc(out, (char)c);
        }
    }
}

static int all_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\n", s[i]))
            return 0;
    return 1;
}

/* The file's text as UTF-8 (not yet NFC) into u8; *enc says how. */
static vt_error to_utf8(const char *name, const char *data, size_t len,
                        vt_buf *u8, vt_encoding *enc, vt_diags *d)
{
    const unsigned char *s = (const unsigned char *)data;
    if (len >= 4 && memcmp(s, "PK\3\4", 4) == 0) {
        vt_diags_addf(d, "%s: this is a zip package (a DOCX, XLSX or ODT "
                         "file), not text; save the document as plain text "
                         "(.txt) to import it", name);
        return VT_ERR_PLAN;
    }
    if (len >= 5 && memcmp(s, "%PDF-", 5) == 0) {
        vt_diags_addf(d, "%s: this is a PDF, not text; copy its text into a "
                         ".txt file to import it", name);
        return VT_ERR_PLAN;
    }
    if (len >= 2 && (s[0] == 0xFF || s[0] == 0xFE) && s[1] == (s[0] ^ 1)) {
        int be = s[0] == 0xFE;
        *enc = be ? VT_ENC_UTF16BE : VT_ENC_UTF16LE;
        return utf16_to_utf8(name, s + 2, len - 2, be, u8, d);
    }
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        *enc = VT_ENC_UTF8_BOM;
        s += 3, data += 3, len -= 3;
    } else {
        *enc = VT_ENC_UTF8;
    }
    const void *nul = memchr(data, 0, len);
    if (nul) {
        int line, col;
        line_col(data, (size_t)((const char *)nul - data), &line, &col);
        vt_diags_addf(d, "%s:%d:%d: the file is binary (it holds NUL bytes), "
                         "not text; import reads plain text in UTF-8, "
                         "UTF-16, TCVN3 or VNI", name, line, col);
        return VT_ERR_PLAN;
    }
    size_t bad = utf8_bad_at(data, len);
    if (bad == len) {
        vt_buf bytes;
        vt_buf_init(&bytes);
        size_t t = 0, v = 0;
        if (back_to_bytes(data, len, &bytes) == 0 && bytes.len < len)
            vt_legacy_scores((const unsigned char *)bytes.data, bytes.len, &t, &v);
        int rc = 0;
        if (t >= 3 || v >= 3) {
            *enc = v > t ? VT_ENC_VNI_IN_UTF8 : VT_ENC_TCVN3_IN_UTF8;
            rc = v > t ? vt_vni_to_utf8((unsigned char *)bytes.data, bytes.len, u8)
                       : vt_tcvn3_to_utf8((unsigned char *)bytes.data, bytes.len, u8);
        } else {
            vt_buf_put(u8, data, len);
        }
        vt_buf_free(&bytes);
        return rc || u8->oom ? VT_ERR_NOMEM : VT_OK;
    }
    size_t t, v;
    vt_legacy_scores(s, len, &t, &v);
    /* a handful of tell-tale letters at least: a Latin-1 line of French
     * or German has one or two by chance, a Vietnamese page hundreds */
    if (t < 3 && v < 3) {
        int line, col;
        line_col(data, bad, &line, &col);
        vt_diags_addf(d, "%s:%d:%d: the text is in an unknown encoding (byte "
                         "0x%02X is not UTF-8, and the file does not read as "
                         "TCVN3 or VNI); save it as UTF-8 text", name, line,
                      col, s[bad]);
        return VT_ERR_PLAN;
    }
    *enc = v > t ? VT_ENC_VNI : VT_ENC_TCVN3;
    int rc = v > t ? vt_vni_to_utf8(s, len, u8) : vt_tcvn3_to_utf8(s, len, u8);
    return rc ? VT_ERR_NOMEM : VT_OK;
}

vt_error vt_text_decode(const char *name, const char *data, size_t len,
                        vt_buf *out, vt_encoding *enc, vt_diags *d)
{
    *enc = VT_ENC_UTF8;
    if (len == 0) {
        vt_diags_addf(d, "%s: the file is empty; there is no text to import",
                      name);
        return VT_ERR_PLAN;
    }
    vt_buf u8, clean;
    vt_buf_init(&u8);
    vt_buf_init(&clean);
    vt_error rc = to_utf8(name, data, len, &u8, enc, d);
    if (rc == VT_OK) {
        clean_controls(u8.data ? u8.data : "", u8.len, &clean);
        if (clean.oom || to_nfc(&clean, out) != 0)
            rc = VT_ERR_NOMEM;
    }
    if (rc == VT_OK && all_blank(out->data ? out->data : "", out->len)) {
        vt_diags_addf(d, "%s: the file has no text (only blank lines); there "
                         "is nothing to import", name);
        rc = VT_ERR_PLAN;
    }
    vt_buf_free(&u8);
    vt_buf_free(&clean);
    return rc;
}
