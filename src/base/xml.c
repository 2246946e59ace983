/*
 * xml.c - the two escaping paths for XML that vanthu writes.
 *
 * Every value from a plan, a register or an uploaded file reaches XML
 * through vt_xml_text() or vt_xml_attr(), so no input can inject markup,
 * and characters XML 1.0 forbids are dropped here, because nothing in
 * libxml2 strips them for us.  It lives in base/ because the importers
 * (plan/) write plan XML with it as well as doc/ writing WordprocessingML.
 */
#include "base/xml.h"

#include <string.h>

/* Length of the UTF-8 sequence at s if it is a character XML 1.0 allows,
 * 0 if it must be dropped. */
static size_t xml_char_len(const unsigned char *s, size_t n, size_t *skip)
{
    unsigned c = s[0];
    *skip = 1;
    if (c < 0x80)
        return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    size_t k = (c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : (c >= 0xc0) ? 2 : 0;
    if (k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    *skip = k;
    /* U+FFFE and U+FFFF are not characters */
    if (k == 3 && c == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
        return 0;
    /* UTF-16 surrogates are not characters either */
    if (k == 3 && c == 0xed && s[1] >= 0xa0)
        return 0;
    return k;
}

static void xml_escape(vt_buf *b, const char *str, int attr)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    for (size_t i = 0; i < n;) {
        size_t skip;
        size_t k = xml_char_len(s + i, n - i, &skip);
        if (k == 0) {
            i += skip;
            continue;
        }
        if (k == 1) {
            switch (s[i]) {
            case '&': vt_buf_puts(b, "&amp;"); break;
            case '<': vt_buf_puts(b, "&lt;"); break;
            case '>': vt_buf_puts(b, "&gt;"); break;
            case '"': vt_buf_puts(b, attr ? "&quot;" : "\""); break;
            case '\'': vt_buf_puts(b, attr ? "&apos;" : "'"); break;
            case '\t': vt_buf_puts(b, attr ? "&#9;" : "\t"); break;
            case '\n': vt_buf_puts(b, attr ? "&#10;" : "\n"); break;
            case '\r': vt_buf_puts(b, "&#13;"); break;
            default: vt_buf_putc(b, (char)s[i]);
            }
        } else {
            vt_buf_put(b, (const char *)s + i, k);
        }
        i += k;
    }
}

void vt_xml_text(vt_buf *b, const char *s) { xml_escape(b, s, 0); }
void vt_xml_attr(vt_buf *b, const char *s) { xml_escape(b, s, 1); }

