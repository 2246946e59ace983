/*
 * sign.c - signing PDFs and checking their signatures with NSS.
 *
 * NSS is the crypto library of Firefox, LibreOffice and poppler, and the
 * one agencies' USB tokens plug into through PKCS#11; poppler's pdfsig
 * checks what it signs.  Signing happens in this process so that the
 * password or PIN never travels on a command line (poppler's pdfsig
 * takes it only as an argument, which `ps` shows to every user).
 *
 * The signature is a detached CMS SignedData over the SHA-256 of the
 * whole file but the /Contents hole (sigpdf.c), with the signer's
 * certificate chain and, for adbe.pkcs7.detached, the signing time.  With
 * --etsi it is a PAdES baseline signature (ETSI.CAdES.detached): the
 * signing-certificate-v2 attribute binds the certificate, and the time is
 * the /M of the signature dictionary, as ETSI EN 319 142-1 asks.
 */
#include "pdf/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cert.h>
#include <certdb.h>
#include <cms.h>
#include <keyhi.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <prtime.h>
#include <secerr.h>
#include <sechash.h>
#include <secoid.h>

#include "base/fileio.h"
#include "base/sha256.h"
#include "base/tty.h"

#define MAX_PASSWORD 1024
/* Every password buffer has this size, so that it is wiped whole (the
 * rest of a password file's contents included). */
#define PW_BUF (MAX_PASSWORD + 2)

/* What the NSS password callback needs: no global state, the context
 * travels as NSS's "wincx" argument. */
typedef struct {
    const char *file;  /* --password-file, or NULL to ask on the terminal */
    char *password;    /* read once, wiped at the end */
    int failed;        /* the file could not be read, or no terminal */
    char why[256];
} pw_ctx;

/* Ask on the controlling terminal with echo off (never stdin: a PDF may
 * be coming through a pipe, and a password must not be typed visibly). */
static char *prompt_password(const char *token, pw_ctx *ctx)
{
    char prompt[256];
    snprintf(prompt, sizeof prompt, "Password or PIN for %s: ", token);
    char *buf = calloc(1, PW_BUF);
    if (!buf) {
        snprintf(ctx->why, sizeof ctx->why, "out of memory");
        return NULL;
    }
    if (vt_tty_ask(prompt, buf, MAX_PASSWORD + 1) != 0) {
        free(buf);
        snprintf(ctx->why, sizeof ctx->why, "no terminal to ask the password "
                                            "on; give --password-file");
        return NULL;
    }
    return buf;
}

/* The first line of the password file (as certutil -f reads it). */
static char *read_password_file(pw_ctx *ctx)
{
    FILE *fp = fopen(ctx->file, "rb");
    if (!fp) {
        snprintf(ctx->why, sizeof ctx->why, "%s: cannot read the password "
                 "file: %s", ctx->file, strerror(errno));
        return NULL;
    }
    char *buf = calloc(1, PW_BUF);
    size_t n = buf ? fread(buf, 1, PW_BUF - 1, fp) : 0;
    int err = ferror(fp) ? errno : 0;
    fclose(fp);
    if (!buf || err) {
        snprintf(ctx->why, sizeof ctx->why, "%s: cannot read the password "
                 "file: %s", ctx->file, strerror(buf ? err : ENOMEM));
        if (buf)
            explicit_bzero(buf, PW_BUF);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    if (strlen(buf) >= MAX_PASSWORD) {
        explicit_bzero(buf, PW_BUF);
        free(buf);
        snprintf(ctx->why, sizeof ctx->why, "%s: the password is longer than "
                 "%d bytes", ctx->file, MAX_PASSWORD - 1);
        return NULL;
    }
    return buf;
}

static const char *get_password(pw_ctx *ctx, const char *token)
{
    if (!ctx->password && !ctx->failed) {
        ctx->password = ctx->file ? read_password_file(ctx)
                                  : prompt_password(token, ctx);
        ctx->failed = !ctx->password;
    }
    return ctx->password;
}

/* NSS's password callback: the password once; on a retry nothing, so a
 * wrong password fails instead of looping. */
static char *password_cb(PK11SlotInfo *slot, PRBool retry, void *arg)
{
    pw_ctx *ctx = arg;
    if (!ctx || retry)
        return NULL;
    const char *pw = get_password(ctx, PK11_GetTokenName(slot));
    return pw ? PORT_Strdup(pw) : NULL;
}

static void pw_wipe(pw_ctx *ctx)
{
    if (ctx->password) {
        explicit_bzero(ctx->password, PW_BUF);
        free(ctx->password);
        ctx->password = NULL;
    }
}

vt_error vt_sign_read_password(const vt_sign_opts *o, char **pw, vt_diags *d)
{
    char what[300];
    snprintf(what, sizeof what, "\"%s\" (%s)", o->nick ? o->nick : "?",
             o->nss_dir ? o->nss_dir : "?");
    pw_ctx ctx = {.file = o->password_file};
    *pw = (char *)get_password(&ctx, what);
    if (!*pw) {
        vt_diags_addf(d, "%s: %s", o->nick ? o->nick : "?", ctx.why);
        /* as when signing: an unreadable file is the environment's
         * fault, no terminal the caller's */
        return ctx.file ? VT_ERR_IO : VT_ERR_SIGNATURE;
    }
    return VT_OK;
}

void vt_sign_password_free(char *pw)
{
    pw_ctx ctx = {.password = pw};
    pw_wipe(&ctx);
}

static const char *nss_error(void)
{
    const char *s = PORT_ErrorToString(PORT_GetError());
    return s && *s ? s : "unknown NSS error";
}

/* Open the database read-only (vanthu never changes it), or with no
 * database at all when dir is NULL (verifying without trust). */
static NSSInitContext *open_nss(const char *dir, vt_diags *d)
{
    if (dir) {
        int sql = strncmp(dir, "sql:", 4) == 0, dbm = strncmp(dir, "dbm:", 4) == 0;
        const char *path = sql || dbm ? dir + 4 : dir;
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            vt_diags_addf(d, "%s: no NSS database folder there", dir);
            return NULL;
        }
        /* a folder without the database file is an NSS init failure,
         * which says only "bad database" (and leaks inside NSS) */
        char file[4096];
        int found = 0;
        for (int k = 0; k < 2 && !found; k++) {
            if ((k == 0 && dbm) || (k == 1 && sql))
                continue;
            snprintf(file, sizeof file, "%s/%s", path, k ? "cert8.db" : "cert9.db");
            found = stat(file, &st) == 0;
        }
        if (!found) {
            vt_diags_addf(d, "%s: no NSS database in this folder (no cert9.db; "
                             "certutil -N -d %s makes one)", dir, path);
            return NULL;
        }
    }
    PRUint32 flags = NSS_INIT_READONLY | NSS_INIT_NOROOTINIT;
    if (!dir)
        flags |= NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN;
    NSSInitContext *c = NSS_InitContext(dir ? dir : "", "", "", "", NULL, flags);
    if (!c)
        vt_diags_addf(d, "%s: cannot open the NSS database: %s",
                      dir ? dir : "(none)", nss_error());
    return c;
}

/* ---- signing ------------------------------------------------------------- */

/* Refuse a certificate that has expired (or is not yet valid) or whose
 * key usage does not allow signatures. */
static vt_error check_signer(CERTCertificate *cert, const char *nick,
                             PRTime when, vt_diags *d)
{
    PRTime from, to;
    if (CERT_CheckCertValidTimes(cert, when, PR_FALSE) != secCertTimeValid) {
        char a[32] = "?", b[32] = "?";
        if (CERT_GetCertTimes(cert, &from, &to) == SECSuccess) {
            PRExplodedTime t;
            PR_ExplodeTime(from, PR_GMTParameters, &t);
            PR_FormatTime(a, sizeof a, "%Y-%m-%d", &t);
            PR_ExplodeTime(to, PR_GMTParameters, &t);
            PR_FormatTime(b, sizeof b, "%Y-%m-%d", &t);
        }
        vt_diags_addf(d, "%s: the certificate is valid only from %s to %s; it "
                         "cannot sign now", nick, a, b);
        return VT_ERR_SIGNATURE;
    }
    if (cert->keyUsagePresent &&
        !(cert->keyUsage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        vt_diags_addf(d, "%s: the certificate is not allowed to sign (its key "
                         "usage has neither digitalSignature nor "
                         "nonRepudiation)", nick);
        return VT_ERR_SIGNATURE;
    }
    return VT_OK;
}

/* Log in to the key's token with the password, so that a wrong one is a
 * clear message rather than "no private key". */
static vt_error log_in(CERTCertificate *cert, const char *nick, pw_ctx *pw,
                       vt_diags *d)
{
    PK11SlotInfo *slot = cert->slot ? PK11_ReferenceSlot(cert->slot)
                                    : PK11_GetInternalKeySlot();
    vt_error rc = VT_OK;
    if (slot && PK11_NeedLogin(slot) && !PK11_IsLoggedIn(slot, pw)) {
        const char *p = get_password(pw, PK11_GetTokenName(slot));
        if (!p) {
            vt_diags_addf(d, "%s: %s", nick, pw->why);
            rc = pw->file ? VT_ERR_IO : VT_ERR_SIGNATURE;
        } else if (PK11_CheckUserPassword(slot, p) != SECSuccess) {
            vt_diags_addf(d, "%s: wrong password or PIN for \"%s\"", nick,
                          PK11_GetTokenName(slot));
            rc = VT_ERR_SIGNATURE;
        }
    }
    if (slot)
        PK11_FreeSlot(slot);
    return rc;
}

/* Add id-aa-signingCertificateV2 (RFC 5035) to the signed attributes:
 * SEQUENCE { SEQUENCE { SEQUENCE { OCTET STRING sha256(cert) } } }, the
 * hash algorithm left at its default, SHA-256.  NSS exports no function
 * to add an arbitrary signed attribute, so the attribute goes into the
 * signer info's NULL-terminated array, allocated in the message's pool,
 * as NSS itself does it (and LibreOffice and poppler after it). */
static int add_signing_cert_v2(NSSCMSMessage *cmsg, NSSCMSSignerInfo *si,
                               CERTCertificate *cert)
{
    static const unsigned char oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                        0x01, 0x09, 0x10, 0x02, 0x2F};
    PLArenaPool *pool = cmsg->poolp;
    unsigned char *der = PORT_ArenaAlloc(pool, 40);
    NSSCMSAttribute *attr = PORT_ArenaZAlloc(pool, sizeof *attr);
    SECItem *value = PORT_ArenaZAlloc(pool, sizeof *value);
    SECItem **values = PORT_ArenaZAlloc(pool, 2 * sizeof *values);
    unsigned char *oid_copy = PORT_ArenaAlloc(pool, sizeof oid);
    if (!der || !attr || !value || !values || !oid_copy)
        return -1;
    static const unsigned char head[] = {0x30, 0x26, 0x30, 0x24, 0x30, 0x22,
                                         0x04, 0x20};
    memcpy(der, head, sizeof head);
    vt_sha256 s;
    vt_sha256_init(&s);
    vt_sha256_update(&s, cert->derCert.data, cert->derCert.len);
    vt_sha256_final(&s, der + sizeof head);
    value->data = der;
    value->len = 40;
    values[0] = value;
    memcpy(oid_copy, oid, sizeof oid);
    attr->type.data = oid_copy;
    attr->type.len = sizeof oid;
    attr->values = values;
    attr->encoded = PR_TRUE;
    size_t n = 0;
    while (si->authAttr && si->authAttr[n])
        n++;
    NSSCMSAttribute **arr = PORT_ArenaZAlloc(pool, (n + 2) * sizeof *arr);
    if (!arr)
        return -1;
    if (n)
        memcpy(arr, si->authAttr, n * sizeof *arr);
    arr[n] = attr;
    si->authAttr = arr;
    return 0;
}

static void put_der_length(vt_buf *b, size_t len)
{
    if (len < 0x80) {
        vt_buf_putc(b, (char)len);
        return;
    }
    int k = 0;
    for (size_t v = len; v; v >>= 8)
        k++;
    vt_buf_putc(b, (char)(0x80 | k));
    for (int i = k - 1; i >= 0; i--)
        vt_buf_putc(b, (char)(len >> (8 * i) & 0xFF));
}

/* Append the element at in[0..n) to out with every length definite and
 * minimal; returns the bytes of in it took, or 0 if it is malformed.
 * Only lengths change: NSS already writes the signed attributes and the
 * certificates in DER, as it must to sign them. */
static size_t ber_to_der(const unsigned char *in, size_t n, vt_buf *out,
                         int depth)
{
    size_t i = 1;
    if (n < 2 || depth > 64)
        return 0;
    if ((in[0] & 0x1F) == 0x1F) {
        while (i < n && (in[i] & 0x80))
            if (++i > 5)
                return 0;
        i++;
    }
    if (i >= n)
        return 0;
    size_t tag_len = i, len = in[i++];
    int indefinite = len == 0x80;
    if (!indefinite && (len & 0x80)) {
        size_t k = len & 0x7F;
        if (k == 0 || k > 4 || n - i < k)
            return 0;
        len = 0;
        for (size_t j = 0; j < k; j++)
            len = len << 8 | in[i++];
    }
    if (!indefinite && len > n - i)
        return 0;
    vt_buf_put(out, (const char *)in, tag_len);
    if (!(in[0] & 0x20)) { /* primitive: the content as it is */
        if (indefinite)
            return 0;
        put_der_length(out, len);
        vt_buf_put(out, (const char *)in + i, len);
        return i + len;
    }
    vt_buf inner;
    vt_buf_init(&inner);
    size_t end = indefinite ? n : i + len;
    for (;;) {
        if (indefinite && i + 2 <= n && in[i] == 0 && in[i + 1] == 0) {
            i += 2;
            break;
        }
        if (!indefinite && i == end)
            break;
        size_t k = i < end ? ber_to_der(in + i, end - i, &inner, depth + 1) : 0;
        if (!k) {
            vt_buf_free(&inner);
            return 0;
        }
        i += k;
    }
    put_der_length(out, inner.len);
    vt_buf_put(out, inner.data, inner.len);
    out->oom |= inner.oom;
    vt_buf_free(&inner);
    return i;
}

/* The detached CMS SignedData over digest, DER into *der (malloc'd). */
static vt_error make_cms(CERTCertificate *cert, const unsigned char digest[32],
                         const vt_sign_opts *o, PRTime when, pw_ctx *pw,
                         unsigned char **der, size_t *der_len, vt_diags *d)
{
    vt_error rc = VT_ERR_SIGNATURE;
    const char *step = "create the message";
    NSSCMSMessage *cmsg = NSS_CMSMessage_Create(NULL);
    PLArenaPool *arena = PORT_NewArena(16384);
    NSSCMSSignedData *sigd = cmsg ? NSS_CMSSignedData_Create(cmsg) : NULL;
    NSSCMSSignerInfo *si = NULL;
    SECItem dig = {siBuffer, (unsigned char *)digest, 32}, out = {siBuffer, 0, 0};
    if (!cmsg || !arena || !sigd)
        goto done;
    NSSCMSContentInfo *ci = NSS_CMSMessage_GetContentInfo(cmsg);
    if (NSS_CMSContentInfo_SetContent_SignedData(cmsg, ci, sigd) != SECSuccess)
        goto done;
    ci = NSS_CMSSignedData_GetContentInfo(sigd);
    if (NSS_CMSContentInfo_SetContent_Data(cmsg, ci, NULL, PR_TRUE) != SECSuccess)
        goto done;
    step = "use the certificate's private key";
    si = NSS_CMSSignerInfo_Create(cmsg, cert, SEC_OID_SHA256);
    if (!si)
        goto done;
    step = "include the certificate chain";
    if (NSS_CMSSignerInfo_IncludeCerts(si, NSSCMSCM_CertChain,
                                       certUsageEmailSigner) != SECSuccess)
        goto done;
    step = "add the signed attributes";
    if (o->etsi ? add_signing_cert_v2(cmsg, si, cert) != 0
                : NSS_CMSSignerInfo_AddSigningTime(si, when) != SECSuccess)
        goto done;
    if (NSS_CMSSignedData_AddSignerInfo(sigd, si) != SECSuccess)
        goto done;
    si = NULL; /* the signed data owns it now */
    if (NSS_CMSSignedData_SetDigestValue(sigd, SEC_OID_SHA256, &dig) != SECSuccess)
        goto done;
    step = "sign";
    NSSCMSEncoderContext *enc = NSS_CMSEncoder_Start(
        cmsg, NULL, NULL, &out, arena, password_cb, pw, NULL, NULL, NULL, NULL);
    if (!enc || NSS_CMSEncoder_Finish(enc) != SECSuccess || !out.len)
        goto done;
    /* NSS streams BER (indefinite lengths); PDF/A-2 and PAdES want DER */
    vt_buf b;
    vt_buf_init(&b);
    step = "re-encode the signature as DER";
    if (ber_to_der(out.data, out.len, &b, 0) != out.len || b.oom) {
        rc = b.oom ? VT_ERR_NOMEM : VT_ERR_SIGNATURE;
        vt_buf_free(&b);
        goto done;
    }
    *der = (unsigned char *)b.data;
    *der_len = b.len;
    rc = VT_OK;
done:
    if (rc == VT_ERR_SIGNATURE)
        vt_diags_addf(d, "%s: cannot %s: %s", o->nick, step, nss_error());
    if (si)
        NSS_CMSSignerInfo_Destroy(si);
    if (cmsg)
        NSS_CMSMessage_Destroy(cmsg);
    else if (sigd)
        NSS_CMSSignedData_Destroy(sigd);
    if (arena)
        PORT_FreeArena(arena, PR_FALSE);
    return rc;
}

/* A copy of a certificate's text with control characters (C0, DEL, C1)
 * as '?': a name from a hostile signature must not drive the terminal
 * it is printed on.  Caller frees. */
static char *printable(const char *t)
{
    char *s = strdup(t ? t : "");
    for (unsigned char *p = (unsigned char *)s; s && *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            *p = '?';
        else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            p[0] = '?', p[1] = '?';
    }
    return s;
}

/* The certificate's common name, UTF-8, malloc'd ("" if it has none). */
static char *common_name(CERTCertificate *cert)
{
    char *cn = cert ? CERT_GetCommonName(&cert->subject) : NULL;
    char *s = printable(cn);
    if (cn)
        PORT_Free(cn);
    return s;
}

/* Sign with the NSS database already open. */
static vt_error sign_open(const char *name, const char *in, size_t len,
                          const vt_sign_opts *o, pw_ctx *pw, char **out,
                          size_t *out_len, vt_diags *d)
{
    long long secs = o->when ? o->when : (long long)time(NULL);
    PRTime when = (PRTime)secs * PR_USEC_PER_SEC;
    CERTCertificate *cert = PK11_FindCertFromNickname(o->nick, pw);
    if (!cert) {
        if (pw->failed)
            vt_diags_addf(d, "%s: %s", o->nick, pw->why);
        else
            vt_diags_addf(d, "%s: no certificate with this nickname in %s "
                             "(certutil -L -d %s lists them)", o->nick,
                          o->nss_dir, o->nss_dir);
        return pw->failed && pw->file ? VT_ERR_IO : VT_ERR_SIGNATURE;
    }
    vt_error rc = check_signer(cert, o->nick, when, d);
    if (rc == VT_OK)
        rc = log_in(cert, o->nick, pw, d);
    SECKEYPrivateKey *key = NULL;
    if (rc == VT_OK && !(key = PK11_FindKeyByAnyCert(cert, pw))) {
        vt_diags_addf(d, "%s: the database has no private key for this "
                         "certificate", o->nick);
        rc = VT_ERR_SIGNATURE;
    }
    if (key)
        SECKEY_DestroyPrivateKey(key);
    char *signer = rc == VT_OK ? common_name(cert) : NULL;
    if (rc == VT_OK && !signer)
        rc = VT_ERR_NOMEM;
    vt_buf b;
    vt_buf_init(&b);
    vt_sig_layout lay;
    if (rc == VT_OK) {
        vt_sig_fields f = {o->etsi ? "ETSI.CAdES.detached" : "adbe.pkcs7.detached",
                           signer, secs, VT_SIGN_CONTENTS_BYTES};
        rc = vt_pdf_sig_prepare(name, in, len, &f, &b, &lay, d);
    }
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (rc == VT_OK) {
        unsigned char digest[32];
        vt_pdf_sig_digest(&b, &lay, digest);
        rc = make_cms(cert, digest, o, when, pw, &der, &der_len, d);
    }
    if (rc == VT_OK && vt_pdf_sig_fill(&b, &lay, der, der_len) != 0) {
        vt_diags_addf(d, "%s: the signature (%zu bytes) is larger than the "
                         "%d bytes reserved for it", o->nick, der_len,
                      VT_SIGN_CONTENTS_BYTES);
        rc = VT_ERR_SIGNATURE;
    }
    if (rc == VT_OK) {
        *out_len = b.len;
        *out = b.data;
        vt_buf_init(&b);
    }
    vt_buf_free(&b);
    free(der);
    free(signer);
    CERT_DestroyCertificate(cert);
    return rc;
}

vt_error vt_pdf_sign(const char *name, const char *in, size_t len,
                     const vt_sign_opts *o, char **out, size_t *out_len,
                     vt_diags *d)
{
    *out = NULL;
    *out_len = 0;
    if (!o->nss_dir || !o->nick) {
        vt_diags_addf(d, "%s: signing needs an NSS database and a nickname",
                      name);
        return VT_ERR_USAGE;
    }
    /* a file that cannot be signed is said before any password is asked */
    vt_sig_fields check = {"adbe.pkcs7.detached", NULL, 0, 0};
    vt_error rc = vt_pdf_sig_prepare(name, in, len, &check, NULL, NULL, d);
    if (rc != VT_OK)
        return rc;
    pw_ctx pw = {.file = o->password_file};
    if (o->password) { /* read before: a copy, wiped like any other */
        pw.password = calloc(1, PW_BUF);
        if (!pw.password)
            return VT_ERR_NOMEM;
        snprintf(pw.password, PW_BUF, "%s", o->password);
    }
    /* a file given is read first: an unreadable one is an error even when
     * the database turns out to need no password */
    if (pw.file && !get_password(&pw, o->nick)) {
        vt_diags_addf(d, "%s", pw.why);
        return VT_ERR_IO;
    }
    NSSInitContext *nss = open_nss(o->nss_dir, d);
    if (!nss) {
        pw_wipe(&pw);
        return VT_ERR_IO;
    }
    PK11_SetPasswordFunc(password_cb);
    rc = sign_open(name, in, len, o, &pw, out, out_len, d);
    NSS_ShutdownContext(nss);
    pw_wipe(&pw);
    return rc;
}

/* Read a whole PDF, with the size limit and messages of both commands. */
static vt_error read_pdf(const char *path, char **data, size_t *len,
                         vt_diags *d)
{
    int r = vt_read_file(path, VT_SIGN_MAX_PDF, data, len);
    if (r == -2) {
        vt_diags_addf(d, "%s: larger than %zu MiB, the most vanthu signs or "
                         "verifies", path, VT_SIGN_MAX_PDF >> 20);
        return VT_ERR_LIMIT;
    }
    if (r != 0) {
        vt_diags_addf(d, "%s: cannot read: %s", path, strerror(errno));
        return VT_ERR_IO;
    }
    return VT_OK;
}

vt_error vt_pdf_sign_file(const char *in_path, const char *out_path,
                          const vt_sign_opts *o, vt_diags *d)
{
    /* checked before the password is asked: only a regular file is ever
     * replaced */
    struct stat st;
    if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode)) {
        vt_diags_addf(d, S_ISDIR(st.st_mode)
                             ? "%s: the output path is a folder; give a file name"
                             : "%s: not a regular file; vanthu replaces only "
                               "regular files", out_path);
        return VT_ERR_IO;
    }
    char *in = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    vt_error rc = read_pdf(in_path, &in, &len, d);
    if (rc == VT_OK)
        rc = vt_pdf_sign(in_path, in, len, o, &out, &out_len, d);
    if (rc == VT_OK)
        rc = vt_write_atomic(out_path, out, out_len, VT_WRITE_SYNC, d);
    free(in);
    free(out);
    return rc;
}

/* ---- verifying --------------------------------------------------------- */

static void format_time(PRTime t, char *out, size_t size)
{
    PRExplodedTime e;
    PR_ExplodeTime(t, PR_GMTParameters, &e);
    PR_FormatTime(out, (int)size, "%Y-%m-%d %H:%M:%S UTC", &e);
}

/* "D:YYYYMMDDHHmmSS..." (the /M of a CAdES signature) as a PRTime, or 0;
 * an offset after the seconds is honoured. */
static PRTime pdf_date_time(const char *m)
{
    int y, mo, da, h = 0, mi = 0, s = 0, n = 0;
    if (strncmp(m, "D:", 2) == 0)
        m += 2;
    if (sscanf(m, "%4d%2d%2d%2d%2d%2d%n", &y, &mo, &da, &h, &mi, &s, &n) < 3)
        return 0;
    PRExplodedTime e = {0};
    e.tm_year = (PRInt16)y;
    e.tm_month = mo - 1;
    e.tm_mday = da;
    e.tm_hour = h;
    e.tm_min = mi;
    e.tm_sec = s;
    e.tm_params = PR_GMTParameters(&e);
    PRTime t = PR_ImplodeTime(&e);
    const char *z = n ? m + n : "";
    int oh = 0, om = 0;
    if ((*z == '+' || *z == '-') && sscanf(z + 1, "%2d'%2d", &oh, &om) >= 1) {
        PRTime off = ((PRTime)oh * 3600 + om * 60) * PR_USEC_PER_SEC;
        t += *z == '+' ? -off : off;
    }
    return t;
}

/* The digest of the signed byte ranges with the signer's algorithm. */
static int range_digest(const char *data, const unsigned long long br[4],
                        SECOidTag alg, unsigned char *out, unsigned *out_len)
{
    HASH_HashType ht = HASH_GetHashTypeByOidTag(alg);
    if (ht == HASH_AlgNULL)
        return -1;
    HASHContext *h = HASH_Create(ht);
    if (!h)
        return -1;
    HASH_Begin(h);
    HASH_Update(h, (const unsigned char *)data, (unsigned)br[1]);
    HASH_Update(h, (const unsigned char *)data + br[2], (unsigned)br[3]);
    HASH_End(h, out, out_len, HASH_LENGTH_MAX);
    HASH_Destroy(h);
    return 0;
}

static const char *status_text(NSSCMSVerificationStatus vs)
{
    switch (vs) {
    case NSSCMSVS_BadSignature:
        return "the signature does not match: the document or the signature "
               "was changed";
    case NSSCMSVS_DigestMismatch:
        return "the document was changed after signing (the digest differs)";
    case NSSCMSVS_SigningCertNotFound:
        return "the signer's certificate is not in the signature";
    case NSSCMSVS_SignatureAlgorithmUnknown:
    case NSSCMSVS_SignatureAlgorithmUnsupported:
        return "the signature algorithm is not supported";
    default:
        return "the signature does not verify";
    }
}

/* Check the chain of cert against the database at time t. */
static void check_trust(CERTCertificate *cert, PRTime t, vt_sig_info *info)
{
    SECStatus s = CERT_VerifyCertificate(CERT_GetDefaultCertDB(), cert, PR_TRUE,
                                         certificateUsageEmailSigner, t, NULL,
                                         NULL, NULL);
    info->trusted = s == SECSuccess;
    if (s != SECSuccess) {
        int err = PR_GetError();
        const char *why = err == SEC_ERROR_UNTRUSTED_ISSUER ||
                                  err == SEC_ERROR_UNKNOWN_ISSUER ||
                                  err == SEC_ERROR_CA_CERT_INVALID ||
                                  err == SEC_ERROR_UNTRUSTED_CERT
                              ? "the certificate's issuer is not trusted in "
                                "the database"
                          : err == SEC_ERROR_EXPIRED_CERTIFICATE ||
                                  err == SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE
                              ? "the certificate had expired at the signing "
                                "time"
                              : nss_error();
        free(info->trust_note);
        info->trust_note = strdup(why);
    }
}

/* Verify one signature's CMS against the file. */
static void verify_one(const char *data, const vt_sig_raw *raw, int trust,
                       vt_sig_info *info)
{
    const char *problem = *raw->problem ? raw->problem : NULL;
    SECItem der = {siBuffer, raw->der, (unsigned)raw->der_len};
    NSSCMSMessage *cmsg = problem ? NULL
                                  : NSS_CMSMessage_CreateFromDER(
                                        &der, NULL, NULL, NULL, NULL, NULL, NULL);
    NSSCMSSignedData *sigd = NULL;
    NSSCMSSignerInfo *si = NULL;
    if (!problem && cmsg && NSS_CMSMessage_ContentLevelCount(cmsg) > 0) {
        NSSCMSContentInfo *ci = NSS_CMSMessage_ContentLevel(cmsg, 0);
        if (NSS_CMSContentInfo_GetContentTypeTag(ci) == SEC_OID_PKCS7_SIGNED_DATA)
            sigd = NSS_CMSContentInfo_GetContent(ci);
    }
    if (sigd && NSS_CMSSignedData_SignerInfoCount(sigd) > 0)
        si = NSS_CMSSignedData_GetSignerInfo(sigd, 0);
    if (!problem && !si)
        problem = "its /Contents is not a CMS signature";
    CERTCertificate *cert = NULL;
    if (!problem) {
        NSS_CMSSignedData_ImportCerts(sigd, CERT_GetDefaultCertDB(),
                                      certUsageEmailSigner, PR_FALSE);
        cert = NSS_CMSSignerInfo_GetSigningCertificate(si, CERT_GetDefaultCertDB());
        if (!cert)
            problem = "the signer's certificate is not in the signature";
    }
    PRTime t = 0;
    if (!problem) {
        info->signer = common_name(cert);
        char *subj = CERT_NameToAscii(&cert->subject);
        info->subject = printable(subj);
        if (subj)
            PORT_Free(subj);
        if (NSS_CMSSignerInfo_GetSigningTime(si, &t) != SECSuccess)
            t = pdf_date_time(raw->m);
        unsigned char dig[HASH_LENGTH_MAX];
        unsigned dlen = 0;
        if (range_digest(data, raw->br, SECOID_GetAlgorithmTag(&si->digestAlg),
                         dig, &dlen) != 0) {
            problem = "the digest algorithm is not supported";
        } else {
            SECItem di = {siBuffer, dig, dlen};
            if (NSS_CMSSignerInfo_Verify(si, &di, NULL) != SECSuccess)
                problem = status_text(NSS_CMSSignerInfo_GetVerificationStatus(si));
        }
    }
    if (t) {
        char buf[64];
        format_time(t, buf, sizeof buf);
        info->time = strdup(buf);
    }
    info->intact = !problem;
    info->problem = strdup(problem ? problem : "");
    info->trusted = -1;
    info->trust_note = strdup("");
    if (!problem && trust)
        check_trust(cert, t ? t : PR_Now(), info);
    if (cmsg)
        NSS_CMSMessage_Destroy(cmsg);
}

void vt_sig_report_free(vt_sig_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        vt_sig_info *s = &rep->sigs[i];
        free(s->field);
        free(s->signer);
        free(s->subject);
        free(s->time);
        free(s->subfilter);
        free(s->problem);
        free(s->trust_note);
    }
    free(rep->sigs);
    memset(rep, 0, sizeof *rep);
}

/* Fill the strings a failed step left NULL, so callers can print any. */
static int fill_blanks(vt_sig_info *s)
{
    char **f[] = {&s->field, &s->signer, &s->subject, &s->time, &s->subfilter,
                  &s->problem, &s->trust_note};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!*f[i] && !(*f[i] = strdup("")))
            return -1;
    return 0;
}

vt_error vt_pdf_verify(const char *name, const char *data, size_t len,
                       const char *nss_dir, vt_sig_report *rep, vt_diags *d)
{
    memset(rep, 0, sizeof *rep);
    rep->file_len = len;
    vt_sig_raw *raw = NULL;
    size_t n = 0;
    vt_error rc = vt_pdf_sig_find(name, data, len, &raw, &n, d);
    if (rc != VT_OK)
        return rc;
    if (n == 0) {
        vt_diags_addf(d, "%s: the PDF has no signature", name);
        vt_sig_raw_free(raw, n);
        return VT_ERR_SIGNATURE;
    }
    rep->sigs = calloc(n, sizeof *rep->sigs);
    NSSInitContext *nss = rep->sigs ? open_nss(nss_dir, d) : NULL;
    if (!rep->sigs)
        rc = VT_ERR_NOMEM;
    else if (!nss)
        rc = VT_ERR_IO;
    for (size_t i = 0; rc == VT_OK && i < n; i++) {
        vt_sig_info *s = &rep->sigs[i];
        rep->n++;
        s->field = strdup(raw[i].field);
        s->subfilter = strdup(raw[i].subfilter ? raw[i].subfilter : "");
        s->covered = (size_t)(raw[i].br[2] + raw[i].br[3]);
        verify_one(data, &raw[i], nss_dir != NULL, s);
        if (fill_blanks(s) != 0)
            rc = VT_ERR_NOMEM;
    }
    if (nss)
        NSS_ShutdownContext(nss);
    vt_sig_raw_free(raw, n);
    if (rc != VT_OK) {
        vt_sig_report_free(rep);
        return rc;
    }
    for (size_t i = 0; i < rep->n; i++) {
        const vt_sig_info *s = &rep->sigs[i];
        if (!s->intact)
            vt_diags_addf(d, "%s: signature %zu (%s) is broken: %s", name, i + 1,
                          s->field, s->problem);
        else if (s->trusted == 0)
            vt_diags_addf(d, "%s: signature %zu (%s) is not trusted: %s", name,
                          i + 1, s->field, s->trust_note);
        if (!s->intact || s->trusted == 0)
            rc = VT_ERR_SIGNATURE;
    }
    size_t end = rep->sigs[rep->n - 1].covered;
    if (end != len) {
        vt_diags_addf(d, "%s: %zu bytes were added after the last signature: "
                         "the document changed since it was signed", name,
                      len - end);
        rc = VT_ERR_SIGNATURE;
    }
    return rc;
}

vt_error vt_pdf_verify_file(const char *path, const char *nss_dir,
                            vt_sig_report *rep, vt_diags *d)
{
    memset(rep, 0, sizeof *rep);
    char *data = NULL;
    size_t len = 0;
    vt_error rc = read_pdf(path, &data, &len, d);
    if (rc == VT_OK)
        rc = vt_pdf_verify(path, data, len, nss_dir, rep, d);
    free(data);
    return rc;
}
