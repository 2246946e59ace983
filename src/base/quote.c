/*
 * quote.c - escape input text for messages (see quote.h).
 */
#include "base/quote.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when the bytes are not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t k;
    unsigned c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        k = 2, c &= 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        k = 3, c &= 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        k = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return k;
}

/* Characters that change how the rest of a line is shown. */
static int invisible(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

const char *vt_quote(char *out, size_t size, const char *s, size_t len)
{
    if (size == 0)
        return out;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        char piece[16];
        unsigned cp = 0;
        size_t k = utf8_len(p + i, len - i, &cp);
        size_t plen;
        if (k == 0 || cp < 0x20 || cp == 0x7f) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", p[i]);
            k = 1;
        } else if (invisible(cp)) {
            plen = (size_t)snprintf(piece, sizeof piece, "<U+%04X>", cp);
        } else {
            memcpy(piece, p + i, k);
            plen = k;
        }
        if (o + plen + 4 > size) { /* room for "..." and the NUL */
            if (o + 4 <= size) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += k;
    }
    out[o < size ? o : size - 1] = '\0';
    return out;
}

const char *vt_quotes(char *out, size_t size, const char *s)
{
    return vt_quote(out, size, s ? s : "", s ? strlen(s) : 0);
}
