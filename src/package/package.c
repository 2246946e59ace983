/*
 * package.c - open and check an OPC package (see package.h).
 *
 * Every entry is inflated once at open, in 64 KiB chunks that are thrown
 * away, so a bad CRC, broken deflate data or an unknown method is found
 * before anything is written, and memory stays flat whatever the sizes.
 * Parts are read again when needed: a template needs a handful.
 */
#include "package/package.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <zip.h>

#include "base/buf.h"
#include "base/quote.h"

#define CT_NS "http://schemas.openxmlformats.org/package/2006/content-types"
#define REL_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define CT_DOC "application/vnd.openxmlformats-officedocument." \
               "wordprocessingml.document.main+xml"
#define CT_DOTX "application/vnd.openxmlformats-officedocument." \
                "wordprocessingml.template.main+xml"
#define CT_DOCM "application/vnd.ms-word.document.macroEnabled.main+xml"
#define CT_DOTM "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"

struct vt_package {
    char *label;
    zip_t *z;
    vt_part *parts;
    size_t nparts;
    char **types; /* content types, owned; parts[i].content_type points in */
    const vt_part *main;
    size_t max_part;
    vt_xml_budget budget;
};

/* ---- the hardened parser ---------------------------------------------- */

typedef struct {
    vt_xml_budget *budget;
    int over, dtd;
    startElementNsSAX2Func start;
    commentSAXFunc comment;
    processingInstructionSAXFunc pi;
} guard;

static guard *guard_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

/* Spend n of the budget; stop the parser once it is gone. */
static int spend(void *ctx, size_t n)
{
    guard *g = guard_of(ctx);
    if (g->budget->left < n) {
        g->over = 1;
        xmlStopParser((xmlParserCtxtPtr)ctx);
        return 0;
    }
    g->budget->left -= n;
    return 1;
}

static void g_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                    const xmlChar *uri, int nb_namespaces,
                    const xmlChar **namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar **attributes)
{
    if (spend(ctx, 1 + (size_t)nb_namespaces + (size_t)nb_attributes))
        guard_of(ctx)->start(ctx, localname, prefix, uri, nb_namespaces,
                             namespaces, nb_attributes, nb_defaulted,
                             attributes);
}

static void g_comment(void *ctx, const xmlChar *value)
{
    if (spend(ctx, 1))
        guard_of(ctx)->comment(ctx, value);
}

static void g_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    if (spend(ctx, 1))
        guard_of(ctx)->pi(ctx, target, data);
}

/* A DOCTYPE is refused the moment the parser meets it, before any
 * declaration in it is read: no entity, no external subset. */
static void g_dtd(void *ctx, const xmlChar *name, const xmlChar *ext,
                  const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    guard_of(ctx)->dtd = 1;
    xmlStopParser((xmlParserCtxtPtr)ctx);
}

/* 1 if the tree still holds a DTD or entity declaration (belt and braces:
 * the parser was stopped at the DOCTYPE already). */
static int has_dtd(xmlDoc *doc)
{
    if (doc->intSubset || doc->extSubset)
        return 1;
    for (xmlNode *n = doc->children; n; n = n->next)
        if (n->type == XML_DTD_NODE || n->type == XML_ENTITY_DECL)
            return 1;
    return 0;
}

/* ---- what the parser is given ------------------------------------------- */

/* OPC allows XML parts in UTF-8 or UTF-16 only ([M1.17]).  A UTF-16 part
 * is turned into UTF-8 here, so that the bytes can be counted before
 * libxml2 sees them and the parser is told the encoding rather than
 * guessing it.  Returns 1 and sets *out (caller frees) for UTF-16; 0 when
 * the data is to be read as UTF-8; -1 for broken UTF-16, -2 out of memory. */
static int utf16_to_utf8(const unsigned char *s, size_t len, char **out,
                         size_t *olen)
{
    int be;
    size_t i = 0;
    if (len >= 2 && s[0] == 0xff && s[1] == 0xfe)
        be = 0, i = 2;
    else if (len >= 2 && s[0] == 0xfe && s[1] == 0xff)
        be = 1, i = 2;
    else if (len >= 4 && s[0] == '<' && s[1] == 0 && s[2] && s[3] == 0)
        be = 0;
    else if (len >= 4 && s[0] == 0 && s[1] == '<' && s[2] == 0 && s[3])
        be = 1;
    else
        return 0;
    if ((len - i) % 2)
        return -1;
    vt_buf b;
    vt_buf_init(&b);
    if (vt_buf_reserve(&b, (len - i) / 2 * 3 + 1) != 0)
        return -2;
    for (; i + 1 < len; i += 2) {
        unsigned u = be ? (unsigned)(s[i] << 8 | s[i + 1])
                        : (unsigned)(s[i + 1] << 8 | s[i]);
        if (u >= 0xdc00 && u <= 0xdfff)
            goto bad;
        if (u >= 0xd800 && u <= 0xdbff) {
            if (i + 3 >= len)
                goto bad;
            unsigned lo = be ? (unsigned)(s[i + 2] << 8 | s[i + 3])
                             : (unsigned)(s[i + 3] << 8 | s[i + 2]);
            if (lo < 0xdc00 || lo > 0xdfff)
                goto bad;
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        char e[4];
        size_t n;
        if (u < 0x80)
            e[0] = (char)u, n = 1;
        else if (u < 0x800)
            e[0] = (char)(0xc0 | u >> 6), e[1] = (char)(0x80 | (u & 0x3f)), n = 2;
        else if (u < 0x10000)
            e[0] = (char)(0xe0 | u >> 12), e[1] = (char)(0x80 | ((u >> 6) & 0x3f)),
            e[2] = (char)(0x80 | (u & 0x3f)), n = 3;
        else
            e[0] = (char)(0xf0 | u >> 18), e[1] = (char)(0x80 | ((u >> 12) & 0x3f)),
            e[2] = (char)(0x80 | ((u >> 6) & 0x3f)),
            e[3] = (char)(0x80 | (u & 0x3f)), n = 4;
        vt_buf_put(&b, e, n);
    }
    *olen = b.len;
    *out = vt_buf_take(&b);
    return *out ? 1 : -2;
bad:
    vt_buf_free(&b);
    return -1;
}

/* The encoding the XML declaration names, when it is neither UTF-8 nor
 * UTF-16: copied into enc; 0 when acceptable. */
static int foreign_encoding(const char *s, size_t len, char *enc, size_t size)
{
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        s += 3, len -= 3;
    if (len < 6 || memcmp(s, "<?xml", 5) != 0)
        return 0;
    const char *end = memmem(s, len, "?>", 2);
    if (!end)
        return 0;
    const char *e = memmem(s, (size_t)(end - s), "encoding", 8);
    if (!e)
        return 0;
    e += 8;
    while (e < end && (*e == ' ' || *e == '=' || *e == '\t' || *e == '\n' || *e == '\r'))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return 0;
    char q = *e++;
    const char *v = e;
    while (e < end && *e != q)
        e++;
    size_t n = (size_t)(e - v);
    static const char *const ok[] = {"utf-8", "utf8", "utf-16", "utf-16le",
                                     "utf-16be", "utf16"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strlen(ok[i]) == n && strncasecmp(v, ok[i], n) == 0)
            return 0;
    vt_quote(enc, size, v, n);
    return 1;
}

/* Most attributes (and namespace declarations) one element may have.
 * libxml2 checks each new attribute against all earlier ones of its
 * element, so one element of a million attributes would take hours; no
 * Word element has more than a few dozen. */
#define MAX_ATTRIBUTES 1000

/* 1 when a tag has more than MAX_ATTRIBUTES attributes or namespace
 * declarations (each has a '=' outside quotes inside the tag), looking
 * at the UTF-8 bytes before libxml2 does.  The total of elements and
 * attributes is counted exactly while parsing (the guard above). */
static int crowded_tag(const char *s, size_t len)
{
    size_t in_tag_eq = 0;
    int in_tag = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '<') {
            in_tag = 1;
            in_tag_eq = 0;
        } else if (in_tag && ch == '>') {
            in_tag = 0;
        } else if (in_tag && ch == '=') {
            if (++in_tag_eq > MAX_ATTRIBUTES)
                return 1;
        } else if (in_tag && (ch == '"' || ch == '\'')) {
            quote = ch;
        }
    }
    return 0;
}

xmlDoc *vt_xml_parse_part(const char *label, const char *part,
                          const char *data, size_t len, vt_xml_budget *budget,
                          vt_error *rc, vt_diags *d)
{
    char qp[256];
    vt_quotes(qp, sizeof qp, part);
    char *u8 = NULL;
    size_t u8len = 0;
    int conv = utf16_to_utf8((const unsigned char *)data, len, &u8, &u8len);
    if (conv == -2) {
        *rc = VT_ERR_NOMEM;
        return NULL;
    }
    if (conv == -1) {
        vt_diags_addf(d, "%s: %s is not valid UTF-16 text", label, qp);
        *rc = VT_ERR_XML;
        return NULL;
    }
    if (conv == 1)
        data = u8, len = u8len;
    char enc[64];
    if (foreign_encoding(data, len, enc, sizeof enc)) {
        vt_diags_addf(d, "%s: %s is declared in the encoding \"%s\"; the "
                         "parts of a DOCX are UTF-8 or UTF-16",
                      label, qp, enc);
        *rc = VT_ERR_XML;
    } else if (crowded_tag(data, len)) {
        vt_diags_addf(d, "%s: %s has an element with more than %d "
                         "attributes; no Word document has such a thing",
                      label, qp, MAX_ATTRIBUTES);
        *rc = VT_ERR_LIMIT;
    } else if (len > (size_t)0x7fffffff) {
        vt_diags_addf(d, "%s: %s is too large to parse", label, qp);
        *rc = VT_ERR_LIMIT;
    } else {
        *rc = VT_OK;
    }
    xmlParserCtxtPtr ctxt = *rc == VT_OK
                                ? xmlCreateMemoryParserCtxt(data, (int)len)
                                : NULL;
    if (!ctxt) {
        free(u8);
        if (*rc == VT_OK)
            *rc = VT_ERR_NOMEM;
        return NULL;
    }
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
    guard g = {budget, 0, 0, ctxt->sax->startElementNs, ctxt->sax->comment,
               ctxt->sax->processingInstruction};
    ctxt->_private = &g;
    ctxt->sax->startElementNs = g_start;
    ctxt->sax->comment = g_comment;
    ctxt->sax->processingInstruction = g_pi;
    ctxt->sax->internalSubset = g_dtd;
    ctxt->sax->externalSubset = g_dtd;
    xmlParseDocument(ctxt);
    xmlDoc *doc = ctxt->myDoc;
    int ok = ctxt->wellFormed && !g.over && !g.dtd && doc && !has_dtd(doc);
    if (!ok) {
        if (g.dtd || (doc && has_dtd(doc))) {
            vt_diags_addf(d, "%s: %s has a DOCTYPE, which a DOCX never needs "
                             "(it could declare entities or read other "
                             "files); refusing it",
                          label, qp);
            *rc = VT_ERR_TEMPLATE;
        } else if (g.over) {
            vt_diags_addf(d, "%s: %s:%d: the package has more XML elements, "
                             "attributes and comments than the limit of %zu "
                             "(raise it with --max-elements)",
                          label, qp, ctxt->input ? ctxt->input->line : 0,
                          budget->limit);
            *rc = VT_ERR_LIMIT;
        } else {
            const xmlError *e = &ctxt->lastError;
            const char *m = e->message ? e->message : "unreadable";
            size_t ml = strlen(m);
            while (ml && (m[ml - 1] == '\n' || m[ml - 1] == ' '))
                ml--; /* libxml2 ends its messages with a newline */
            char msg[256];
            vt_quote(msg, sizeof msg, m, ml);
            vt_diags_addf(d, "%s: %s:%d: not well-formed XML: %s", label, qp,
                          e->line, msg);
            *rc = VT_ERR_XML;
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    free(u8);
    return doc;
}

/* ---- entries ------------------------------------------------------------ */

/* A name that stays inside the package and means one thing everywhere. */
static const char *unsafe_name(const char *n)
{
    if (!n || !*n)
        return "it is empty";
    if (n[0] == '/' || strchr(n, '\\') || strchr(n, ':'))
        return "it points outside the package";
    for (const char *p = n; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "it holds a control character";
        if ((p == n || p[-1] == '/') && p[0] == '.' &&
            (p[1] == '/' || p[1] == '\0' ||
             (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))))
            return "it points outside the package";
        if (p[0] == '/' && p[1] == '/')
            return "it has an empty folder name";
    }
    return NULL;
}

/* The clerk's words for what libzip found wrong with an entry. */
static const char *zip_reason(int code, char *buf, size_t size)
{
    switch (code) {
    case ZIP_ER_CRC:
        return "its checksum (CRC) does not match its content: the file is "
               "damaged";
    case ZIP_ER_COMPNOTSUPP:
        return "it is compressed with a method a DOCX does not use";
    case ZIP_ER_ZLIB:
    case ZIP_ER_INCONS:
#ifdef ZIP_ER_COMPRESSED_DATA
    case ZIP_ER_COMPRESSED_DATA:
#endif
        return "its compressed data is broken: the file is damaged";
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
        return "it is encrypted";
    case ZIP_ER_EOF:
    case ZIP_ER_READ:
        return "it is cut short: the file is damaged";
    default:
        break;
    }
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    snprintf(buf, size, "%s", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return buf;
}

/* Inflate entry i whole, into keep when not NULL, checking its size
 * against the limits and its CRC (libzip checks it at the end of the
 * data).  total, when not NULL, adds up all the parts. */
static vt_error inflate_entry(vt_package *p, const vt_part *part,
                              vt_buf *keep, size_t *total, vt_diags *d)
{
    char qn[256], why[128];
    vt_quotes(qn, sizeof qn, part->name);
    zip_file_t *f = zip_fopen_index(p->z, part->index, 0);
    if (!f) {
        vt_diags_addf(d, "%s: the part %s cannot be read: %s", p->label, qn,
                      zip_reason(zip_error_code_zip(zip_get_error(p->z)), why,
                                 sizeof why));
        return VT_ERR_ZIP;
    }
    static const size_t chunk_size = 65536;
    char *chunk = malloc(chunk_size);
    vt_error rc = chunk ? VT_OK : VT_ERR_NOMEM;
    size_t got = 0;
    zip_int64_t n = 0;
    while (rc == VT_OK && (n = zip_fread(f, chunk, chunk_size)) > 0) {
        got += (size_t)n;
        if (got > p->max_part) {
            vt_diags_addf(d, "%s: %s inflates to more than the limit of %zu "
                             "bytes (raise it with --max-part-bytes)",
                          p->label, qn, p->max_part);
            rc = VT_ERR_LIMIT;
        } else if (total && *total + got > 4 * p->max_part) {
            vt_diags_addf(d, "%s: the parts inflate together to more than "
                             "%zu bytes, 4 times the limit of %zu (raise it "
                             "with --max-part-bytes)",
                          p->label, 4 * p->max_part, p->max_part);
            rc = VT_ERR_LIMIT;
        } else if (keep) {
            vt_buf_put(keep, chunk, (size_t)n);
            if (keep->oom)
                rc = VT_ERR_NOMEM;
        }
    }
    if (rc == VT_OK && n < 0) {
        vt_diags_addf(d, "%s: the part %s cannot be read: %s", p->label, qn,
                      zip_reason(zip_error_code_zip(zip_file_get_error(f)),
                                 why, sizeof why));
        rc = VT_ERR_ZIP;
    }
    free(chunk);
    int closed = zip_fclose(f);
    if (rc == VT_OK && closed != 0) {
        vt_diags_addf(d, "%s: the part %s cannot be read: %s", p->label, qn,
                      zip_reason(closed, why, sizeof why));
        rc = VT_ERR_ZIP;
    }
    if (rc == VT_OK && total)
        *total += got;
    return rc;
}

vt_error vt_package_read(vt_package *p, const vt_part *part, char **data,
                         size_t *len, vt_diags *d)
{
    vt_buf b;
    vt_buf_init(&b);
    *data = NULL;
    *len = 0;
    vt_error rc = inflate_entry(p, part, &b, NULL, d);
    if (rc == VT_OK && vt_buf_reserve(&b, 1) != 0)
        rc = VT_ERR_NOMEM;
    if (rc != VT_OK) {
        vt_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *data = vt_buf_take(&b);
    return *data ? VT_OK : VT_ERR_NOMEM;
}

xmlDoc *vt_package_parse(vt_package *p, const vt_part *part, vt_error *rc,
                         vt_diags *d)
{
    char *data;
    size_t len;
    *rc = vt_package_read(p, part, &data, &len, d);
    if (*rc != VT_OK)
        return NULL;
    xmlDoc *doc = vt_xml_parse_part(p->label, part->name, data, len,
                                    &p->budget, rc, d);
    free(data);
    return doc;
}

/* Unix file type bits of an entry made on Unix; 0 when unknown. */
static unsigned unix_type(zip_t *z, zip_uint64_t i)
{
    zip_uint8_t os = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(z, i, 0, &os, &attr) < 0 ||
        os != ZIP_OPSYS_UNIX)
        return 0;
    return (attr >> 16) & S_IFMT;
}

static int by_name_nocase(const void *a, const void *b)
{
    const vt_part *x = *(const vt_part *const *)a, *y = *(const vt_part *const *)b;
    return strcasecmp(x->name, y->name);
}

/* Check every entry's name, kind and content.  Problems of every entry
 * are reported together. */
static vt_error check_entries(vt_package *p, vt_diags *d)
{
    vt_error rc = VT_OK;
    char qn[256];
    for (size_t i = 0; i < p->nparts; i++) {
        vt_part *pt = &p->parts[i];
        const char *why = unsafe_name(pt->name);
        if (why) {
            vt_diags_addf(d, "%s: the package has an unsafe part name \"%s\" "
                             "(%s)",
                          p->label, vt_quotes(qn, sizeof qn, pt->name), why);
            rc = VT_ERR_ZIP;
            continue;
        }
        unsigned type = unix_type(p->z, pt->index);
        if (type == S_IFLNK || (type && type != S_IFREG && type != S_IFDIR)) {
            vt_diags_addf(d, "%s: the entry \"%s\" is a %s, not a file; a "
                             "DOCX holds files only",
                          p->label, vt_quotes(qn, sizeof qn, pt->name),
                          type == S_IFLNK ? "symbolic link" : "special file");
            rc = VT_ERR_ZIP;
            continue;
        }
        size_t nl = strlen(pt->name);
        pt->is_dir = pt->name[nl - 1] == '/' || type == S_IFDIR;
    }
    if (rc != VT_OK)
        return rc;
    const vt_part **sorted = malloc(p->nparts * sizeof *sorted + 1);
    if (!sorted)
        return VT_ERR_NOMEM;
    for (size_t i = 0; i < p->nparts; i++)
        sorted[i] = &p->parts[i];
    qsort(sorted, p->nparts, sizeof *sorted, by_name_nocase);
    for (size_t i = 1; i < p->nparts; i++)
        if (strcasecmp(sorted[i]->name, sorted[i - 1]->name) == 0) {
            vt_diags_addf(d, "%s: the package has two entries named \"%s\" "
                             "(part names ignore case); which one a reader "
                             "takes is unknown",
                          p->label, vt_quotes(qn, sizeof qn, sorted[i]->name));
            rc = VT_ERR_ZIP;
        }
    free(sorted);
    size_t total = 0;
    for (size_t i = 0; i < p->nparts && rc != VT_ERR_NOMEM; i++) {
        vt_part *pt = &p->parts[i];
        if (pt->is_dir) {
            zip_stat_t st;
            if (zip_stat_index(p->z, pt->index, 0, &st) == 0 &&
                (st.valid & ZIP_STAT_SIZE) && st.size) {
                vt_diags_addf(d, "%s: the folder entry \"%s\" has content",
                              p->label, vt_quotes(qn, sizeof qn, pt->name));
                rc = VT_ERR_ZIP;
            }
            continue;
        }
        /* OPC allows stored and deflated entries only: Word reads no
         * other method, even one libzip could */
        zip_stat_t st;
        if (zip_stat_index(p->z, pt->index, 0, &st) == 0 &&
            (st.valid & ZIP_STAT_COMP_METHOD) &&
            st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE) {
            vt_diags_addf(d, "%s: the part %s cannot be read: it is compressed "
                             "with a method a DOCX does not use (%u)",
                          p->label, vt_quotes(qn, sizeof qn, pt->name),
                          (unsigned)st.comp_method);
            rc = VT_ERR_ZIP;
            continue;
        }
        size_t before = total;
        vt_error r = inflate_entry(p, pt, NULL, &total, d);
        if (r != VT_OK) {
            rc = r;
            if (r == VT_ERR_LIMIT)
                break; /* the total is spent: stop inflating */
        }
        pt->size = total - before;
    }
    return rc;
}

const vt_part *vt_package_find(const vt_package *p, const char *name)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (!p->parts[i].is_dir && strcasecmp(p->parts[i].name, name) == 0)
            return &p->parts[i];
    return NULL;
}

size_t vt_package_count(const vt_package *p) { return p->nparts; }
const vt_part *vt_package_part(const vt_package *p, size_t i)
{
    return i < p->nparts ? &p->parts[i] : NULL;
}
const vt_part *vt_package_main(const vt_package *p) { return p->main; }
const char *vt_package_label(const vt_package *p) { return p->label; }
vt_xml_budget *vt_package_budget(vt_package *p) { return &p->budget; }

/* ---- content types and relationships ------------------------------------ */

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, ns) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNode *n, const char *name)
{
    return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* Give every part its content type: an Override for its name, else the
 * Default for its extension (both ignoring case, as OPC says). */
static vt_error read_content_types(vt_package *p, vt_diags *d)
{
    const vt_part *ct = vt_package_find(p, "[Content_Types].xml");
    if (!ct) {
        vt_diags_addf(d, "%s: not a Word document: the package has no "
                         "[Content_Types].xml",
                      p->label);
        return VT_ERR_ZIP;
    }
    vt_error rc;
    xmlDoc *doc = vt_package_parse(p, ct, &rc, d);
    if (!doc)
        return rc;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_el(root, CT_NS, "Types")) {
        vt_diags_addf(d, "%s: [Content_Types].xml is not a list of content "
                         "types (<Types> in the OPC namespace)",
                      p->label);
        xmlFreeDoc(doc);
        return VT_ERR_ZIP;
    }
    p->types = calloc(p->nparts + 1, sizeof *p->types);
    if (!p->types) {
        xmlFreeDoc(doc);
        return VT_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->nparts && rc == VT_OK; i++) {
        vt_part *pt = &p->parts[i];
        const char *base = strrchr(pt->name, '/');
        const char *dot = strrchr(base ? base : pt->name, '.');
        char *by_default = NULL, *by_override = NULL;
        for (xmlNode *k = root->children; k; k = k->next) {
            if (is_el(k, CT_NS, "Override") && !by_override) {
                char *pn = attr(k, "PartName"), *t = attr(k, "ContentType");
                if (pn && t && pn[0] == '/' && strcasecmp(pn + 1, pt->name) == 0)
                    by_override = t, t = NULL;
                xmlFree(pn);
                xmlFree(t);
            } else if (is_el(k, CT_NS, "Default") && dot && !by_default) {
                char *ext = attr(k, "Extension"), *t = attr(k, "ContentType");
                if (ext && t && strcasecmp(ext, dot + 1) == 0)
                    by_default = t, t = NULL;
                xmlFree(ext);
                xmlFree(t);
            }
        }
        char *chosen = by_override ? by_override : by_default;
        if (chosen && !(p->types[i] = strdup(chosen)))
            rc = VT_ERR_NOMEM;
        pt->content_type = p->types[i];
        xmlFree(by_default);
        xmlFree(by_override);
    }
    xmlFreeDoc(doc);
    return rc;
}

/* "word/_rels/document.xml.rels" for "word/document.xml"; "_rels/.rels"
 * for the package (NULL). */
static char *rels_name(const char *part)
{
    vt_buf b;
    vt_buf_init(&b);
    if (!part) {
        vt_buf_puts(&b, "_rels/.rels");
    } else {
        const char *slash = strrchr(part, '/');
        size_t dir = slash ? (size_t)(slash - part + 1) : 0;
        vt_buf_put(&b, part, dir);
        vt_buf_printf(&b, "_rels/%s.rels", part + dir);
    }
    return vt_buf_take(&b);
}

/* Resolve a relative target against the folder of part into a part name;
 * NULL when it leaves the package. */
static char *resolve(const char *part, const char *target)
{
    vt_buf b;
    vt_buf_init(&b);
    if (target[0] != '/' && part) {
        const char *slash = strrchr(part, '/');
        if (slash)
            vt_buf_put(&b, part, (size_t)(slash - part + 1));
    }
    vt_buf_puts(&b, target[0] == '/' ? target + 1 : target);
    char *s = vt_buf_take(&b);
    if (!s)
        return NULL;
    /* fold "." and ".." segments in place */
    char *out = s, *in = s;
    while (*in) {
        char *end = strchr(in, '/');
        size_t len = end ? (size_t)(end - in) : strlen(in);
        if (len == 1 && in[0] == '.') {
            /* nothing */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            if (out == s) {
                free(s);
                return NULL;
            }
            out--; /* the '/' after the previous segment */
            while (out > s && out[-1] != '/')
                out--;
        } else {
            memmove(out, in, len);
            out += len;
            if (end)
                *out++ = '/';
        }
        in += len + (end ? 1 : 0);
    }
    *out = '\0';
    return s;
}

void vt_package_rels_free(vt_rel *rels, size_t n)
{
    for (size_t i = 0; rels && i < n; i++) {
        free(rels[i].type);
        free(rels[i].id);
        free(rels[i].target);
    }
    free(rels);
}

vt_error vt_package_rels(vt_package *p, const vt_part *part, vt_rel **rels,
                         size_t *n, vt_diags *d)
{
    *rels = NULL;
    *n = 0;
    char *rn = rels_name(part ? part->name : NULL);
    if (!rn)
        return VT_ERR_NOMEM;
    const vt_part *rp = vt_package_find(p, rn);
    free(rn);
    if (!rp)
        return VT_OK;
    vt_error rc;
    xmlDoc *doc = vt_package_parse(p, rp, &rc, d);
    if (!doc)
        return rc;
    char qn[256];
    vt_quotes(qn, sizeof qn, rp->name);
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_el(root, REL_NS, "Relationships")) {
        vt_diags_addf(d, "%s: %s is not a list of relationships "
                         "(<Relationships> in the OPC namespace)",
                      p->label, qn);
        xmlFreeDoc(doc);
        return VT_ERR_ZIP;
    }
    size_t cap = 0;
    for (xmlNode *k = root->children; k; k = k->next)
        cap += is_el(k, REL_NS, "Relationship");
    vt_rel *r = calloc(cap + 1, sizeof *r);
    if (!r) {
        xmlFreeDoc(doc);
        return VT_ERR_NOMEM;
    }
    size_t m = 0;
    for (xmlNode *k = root->children; k && rc == VT_OK; k = k->next) {
        if (!is_el(k, REL_NS, "Relationship"))
            continue;
        char *type = attr(k, "Type"), *id = attr(k, "Id");
        char *target = attr(k, "Target"), *mode = attr(k, "TargetMode");
        vt_rel *x = &r[m++];
        x->external = mode && strcmp(mode, "External") == 0;
        x->type = strdup(type ? type : "");
        x->id = strdup(id ? id : "");
        if (!target || !*target) {
            x->target = strdup("");
        } else if (x->external) {
            x->target = strdup(target);
        } else if (!(x->target = resolve(part ? part->name : NULL, target))) {
            char qt[256], qg[256];
            vt_diags_addf(d, "%s: %s: relationship \"%s\" points outside the "
                             "package (\"%s\")",
                          p->label, qn, vt_quotes(qt, sizeof qt, id),
                          vt_quotes(qg, sizeof qg, target));
            rc = VT_ERR_ZIP;
        }
        if (rc == VT_OK && (!x->type || !x->id || !x->target))
            rc = VT_ERR_NOMEM;
        if (rc == VT_OK && !x->external && *x->target)
            x->part = vt_package_find(p, x->target);
        xmlFree(type);
        xmlFree(id);
        xmlFree(target);
        xmlFree(mode);
    }
    xmlFreeDoc(doc);
    if (rc != VT_OK) {
        vt_package_rels_free(r, m);
        return rc;
    }
    *rels = r;
    *n = m;
    return VT_OK;
}

/* The part _rels/.rels names as the main document, with a Word content
 * type; refusing a package where they disagree. */
static vt_error find_main(vt_package *p, vt_diags *d)
{
    vt_rel *rels;
    size_t n;
    vt_error rc = vt_package_rels(p, NULL, &rels, &n, d);
    if (rc != VT_OK)
        return rc;
    if (!vt_package_find(p, "_rels/.rels")) {
        vt_diags_addf(d, "%s: not a Word document: the package has no "
                         "_rels/.rels naming its main document",
                      p->label);
        return VT_ERR_ZIP;
    }
    const vt_rel *main = NULL;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rels[i].type, VT_REL_OFFICE_DOCUMENT) == 0) {
            main = &rels[i];
            count++;
        }
    char qt[256];
    if (count != 1) {
        vt_diags_addf(d, "%s: not a Word document: _rels/.rels names %s main "
                         "document (relationship officeDocument)",
                      p->label, count ? "more than one" : "no");
        rc = VT_ERR_ZIP;
    } else if (main->external || !main->part) {
        vt_diags_addf(d, "%s: not a Word document: _rels/.rels names the "
                         "main document \"%s\", which the package does not "
                         "have",
                      p->label, vt_quotes(qt, sizeof qt, main->target));
        rc = VT_ERR_ZIP;
    } else {
        const char *ct = main->part->content_type;
        vt_quotes(qt, sizeof qt, main->part->name);
        if (ct && (strcmp(ct, CT_DOCM) == 0 || strcmp(ct, CT_DOTM) == 0)) {
            vt_diags_addf(d, "%s: %s is a macro-enabled document; vanthu "
                             "does not take templates with macros",
                          p->label, qt);
            rc = VT_ERR_TEMPLATE;
        } else if (!ct || (strcmp(ct, CT_DOC) != 0 && strcmp(ct, CT_DOTX) != 0)) {
            char qc[256];
            vt_diags_addf(d, "%s: _rels/.rels names %s as the main document, "
                             "but [Content_Types].xml gives it the type "
                             "\"%s\", not a Word document's",
                          p->label, qt, vt_quotes(qc, sizeof qc, ct));
            rc = VT_ERR_ZIP;
        } else {
            p->main = main->part;
        }
    }
    vt_package_rels_free(rels, n);
    return rc;
}

vt_error vt_package_open(const char *label, const void *data, size_t len,
                         const vt_limits *lim, vt_package **out, vt_diags *d)
{
    vt_limits deflim = vt_limits_default();
    if (!lim)
        lim = &deflim;
    *out = NULL;
    vt_package *p = calloc(1, sizeof *p);
    if (!p || !(p->label = strdup(label))) {
        free(p);
        return VT_ERR_NOMEM;
    }
    p->max_part = lim->max_part_bytes;
    p->budget.left = p->budget.limit = lim->max_elements;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    p->z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)
               : NULL;
    if (!p->z) {
        vt_diags_addf(d, "%s: not a DOCX file (it is not a readable zip "
                         "package: %s)",
                      label, zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        vt_package_free(p);
        return VT_ERR_ZIP;
    }
    zip_error_fini(&ze);
    vt_error rc = VT_OK;
    zip_int64_t n = zip_get_num_entries(p->z, 0);
    if (n < 0 || (size_t)n > lim->max_parts) {
        vt_diags_addf(d, "%s: the package has %lld parts, more than the "
                         "limit of %zu (raise it with --max-parts)",
                      label, (long long)n, lim->max_parts);
        rc = VT_ERR_LIMIT;
        goto done;
    }
    p->nparts = (size_t)n;
    p->parts = calloc(p->nparts + 1, sizeof *p->parts);
    if (!p->parts) {
        rc = VT_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < p->nparts; i++) {
        const char *en = zip_get_name(p->z, i, ZIP_FL_ENC_RAW);
        p->parts[i].name = en ? en : "";
        p->parts[i].index = i;
    }
    rc = check_entries(p, d);
    if (rc == VT_OK)
        rc = read_content_types(p, d);
    if (rc == VT_OK)
        rc = find_main(p, d);
done:
    if (rc != VT_OK) {
        vt_package_free(p);
        return rc;
    }
    *out = p;
    return VT_OK;
}

void vt_package_free(vt_package *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->types && i < p->nparts; i++)
        free(p->types[i]);
    free(p->types);
    free(p->parts);
    if (p->z)
        zip_discard(p->z);
    free(p->label);
    free(p);
}

/* The part a relationships part belongs to: "word/document.xml" for
 * "word/_rels/document.xml.rels"; "" for "_rels/.rels" (the package);
 * NULL when name is not a relationships part. */
static char *rels_source(const char *name)
{
    size_t n = strlen(name);
    if (n < 11 || strcasecmp(name + n - 5, ".rels") != 0)
        return NULL;
    const char *slash = strrchr(name, '/');
    if (!slash || (size_t)(slash - name) < 5 ||
        strncasecmp(slash - 5, "_rels", 5) != 0 ||
        (slash - 5 != name && slash[-6] != '/'))
        return NULL;
    vt_buf b;
    vt_buf_init(&b);
    vt_buf_put(&b, name, (size_t)(slash - 5 - name));
    vt_buf_put(&b, slash + 1, n - (size_t)(slash + 1 - name) - 5);
    if (!b.len)
        vt_buf_putc(&b, '\0'); /* "" for the package, not NULL */
    return vt_buf_take(&b);
}

/*
 * A relationship with TargetMode="External" makes Word reach outside the
 * file: an attached template, a linked picture, an OLE link or a frame on
 * a network share is fetched the moment the document opens, which leaks
 * the clerk's Windows credentials to whoever named the share ("template
 * injection").  vanthu copies a template's parts into every document it
 * writes, so such a link would travel to every school.  Only hyperlinks,
 * which Word follows when clicked, may point outside.
 */
vt_error vt_package_check_external(vt_package *p, vt_diags *d)
{
    vt_error rc = VT_OK;
    for (size_t i = 0; i < vt_package_count(p) && rc != VT_ERR_NOMEM; i++) {
        const vt_part *rp = vt_package_part(p, i);
        char *src = rp->is_dir ? NULL : rels_source(rp->name);
        if (!src)
            continue;
        const vt_part *sp = src[0] ? vt_package_find(p, src) : NULL;
        if (src[0] && !sp) { /* no part owns it: Word ignores it */
            free(src);
            continue;
        }
        vt_rel *rels = NULL;
        size_t n = 0;
        vt_error r = vt_package_rels(p, sp, &rels, &n, d);
        for (size_t k = 0; r == VT_OK && k < n; k++) {
            if (!rels[k].external ||
                strcmp(rels[k].type, VT_REL_BASE "hyperlink") == 0)
                continue;
            const char *kind = strrchr(rels[k].type, '/');
            char qk[128], qt[256];
            vt_diags_addf(d, "%s: %s links its %s to \"%s\" outside the "
                             "file; Word would fetch it whenever a document "
                             "made from this template is opened, so vanthu "
                             "refuses it (remove the link in Word and save "
                             "the template again)",
                          p->label, rp->name,
                          vt_quotes(qk, sizeof qk, kind ? kind + 1 : rels[k].type),
                          vt_quotes(qt, sizeof qt, rels[k].target));
            r = VT_ERR_TEMPLATE;
        }
        vt_package_rels_free(rels, n);
        if (r != VT_OK && rc != VT_ERR_NOMEM)
            rc = r;
        free(src);
    }
    return rc;
}
