/*
 * cli_sign.c - `vanthu sign` and `vanthu verify-signature`.
 *
 * Thin: the options, then vt_pdf_sign_file or vt_pdf_verify_file
 * (sign.c); also the signing flags of `issue --sign` and the --nss-dir
 * of `register verify`, so every command reads them by the same rules.  There is deliberately no option that takes a password: a
 * command line is visible to every user through `ps`, so the password or
 * PIN comes from --password-file or from a prompt on the terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "pdf/sign.h"

static const char SIGN_HELP[] =
    "usage: vanthu sign IN.pdf -o OUT.pdf --nss-dir DIR --nick NAME\n"
    "                   [--password-file FILE] [--etsi]\n"
    "\n"
    "Add a digital signature to a PDF, as an incremental update: the\n"
    "original bytes stay as they are, so a PDF already signed (by the\n"
    "signer) can be signed again (by the agency) and both stay valid.\n"
    "  -o, --output FILE    the signed PDF (may be IN.pdf itself); written\n"
    "                       to a temporary name and renamed\n"
    "  --nss-dir DIR        the NSS database with the certificate and key\n"
    "                       (certutil -d DIR; a USB token registered in it\n"
    "                       with modutil works the same)\n"
    "  --nick NAME          the certificate's nickname (certutil -L -d DIR)\n"
    "  --password-file FILE the database's password or the token's PIN is\n"
    "                       the first line of FILE; without it vanthu asks\n"
    "                       on the terminal (echo off).  No option takes the\n"
    "                       password itself: `ps` would show it to everyone\n"
    "  --etsi               a PAdES baseline signature (ETSI.CAdES.detached)\n"
    "                       instead of adbe.pkcs7.detached\n"
    "The certificate must be valid now and allowed to sign (key usage\n"
    "digitalSignature or nonRepudiation).  The digest is SHA-256.\n";

static const char VERIFY_HELP[] =
    "usage: vanthu verify-signature FILE.pdf [--nss-dir DIR]\n"
    "\n"
    "Report every signature of a PDF: the field, the signer, the signing\n"
    "time, and whether the signed bytes are unchanged.  With --nss-dir the\n"
    "signer's certificate is also checked against the CAs trusted in that\n"
    "database, at the signing time.  Exit 0 when every signature is intact\n"
    "(and trusted, with --nss-dir) and the last one covers the whole file;\n"
    "1 when a signature is broken, untrusted, or bytes were added after the\n"
    "last signature.\n";

enum { OPT_NSS = 256, OPT_NICK, OPT_PWFILE, OPT_ETSI };

int vt_cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"nss-dir", required_argument, 0, OPT_NSS},
        {"nick", required_argument, 0, OPT_NICK},
        {"password-file", required_argument, 0, OPT_PWFILE},
        {"etsi", no_argument, 0, OPT_ETSI},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    vt_sign_opts o = {0};
    const char *output = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_NSS: o.nss_dir = optarg; break;
        case OPT_NICK: o.nick = optarg; break;
        case OPT_PWFILE:
            if (!vt_cli_spelled_out(argv, "--password-file")) {
                fprintf(stderr, "vanthu sign: write --password-file in full; "
                                "no option takes the password itself\n");
                return VT_EXIT_USAGE;
            }
            o.password_file = optarg;
            break;
        case OPT_ETSI: o.etsi = 1; break;
        case 'h': fputs(SIGN_HELP, stdout); return VT_EXIT_OK;
        default:
            fprintf(stderr, "vanthu sign: unknown option \"%s\"\n%s",
                    argv[optind - 1], SIGN_HELP);
            return VT_EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || !output || !o.nss_dir || !o.nick) {
        fprintf(stderr, "vanthu sign: give one PDF, -o OUT.pdf, --nss-dir and "
                        "--nick\n%s", SIGN_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_pdf_sign_file(argv[optind], output, &o, &d);
    if (rc == VT_OK)
        printf("%s: signed by \"%s\" into %s\n", argv[optind], o.nick, output);
    return vt_cli_finish(rc, &d);
}

/* issue's signing flags, taken out before issue's own parser (which
 * knows nothing of NSS) sees the rest; the same rules as `vanthu sign`:
 * --password-file only in full, and no option takes a password. */
int vt_cli_sign_flags(int *argc, char **argv, vt_sign_opts *o, int *sign)
{
    static const char *const names[] = {"--nss-dir", "--nick",
                                        "--password-file"};
    memset(o, 0, sizeof *o);
    *sign = 0;
    int out = 1, given = 0;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        int missing = 0, k = 0;
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        for (; k < 3 && !v && !missing; k++)
            v = vt_cli_flag_value(*argc, argv, &i, names[k], &missing);
        if (missing) {
            fprintf(stderr, "vanthu %s: %s needs a value\n", argv[0],
                    names[k - 1]);
            return -1;
        }
        if (v) {
            const char **slot[] = {&o->nss_dir, &o->nick, &o->password_file};
            *slot[k - 1] = v;
            given = 1;
        } else if (strcmp(a, "--sign") == 0) {
            *sign = 1;
        } else if (strcmp(a, "--etsi") == 0) {
            o->etsi = 1;
            given = 1;
        } else if (strncmp(a, "--pass", 6) == 0) {
            fprintf(stderr, "vanthu %s: write --password-file FILE in full; "
                            "no option takes the password itself\n", argv[0]);
            return -1;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    if (given && !*sign) {
        fprintf(stderr, "vanthu %s: --nss-dir, --nick, --password-file and "
                        "--etsi go with --sign\n", argv[0]);
        return -1;
    }
    if (*sign && (!o->nss_dir || !o->nick)) {
        fprintf(stderr, "vanthu %s: --sign needs --nss-dir DIR and --nick "
                        "NAME\n", argv[0]);
        return -1;
    }
    return 0;
}

/* register verify's --nss-dir, taken out the same way so that the
 * register commands' shared option table stays as it is. */
int vt_cli_nss_flag(int *argc, char **argv, const char **nss_dir)
{
    *nss_dir = NULL;
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        int missing = 0;
        const char *v = strcmp(argv[i], "--") == 0
                            ? NULL
                            : vt_cli_flag_value(*argc, argv, &i, "--nss-dir", &missing);
        if (missing) {
            fprintf(stderr, "vanthu %s: --nss-dir needs a folder\n", argv[0]);
            return -1;
        }
        if (v)
            *nss_dir = v;
        else
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static void print_sig(const vt_sig_report *rep, size_t i)
{
    const vt_sig_info *s = &rep->sigs[i];
    printf("signature %zu (%s): %s\n", i + 1, *s->field ? s->field : "unnamed",
           s->intact ? "intact" : "BROKEN");
    if (*s->signer || *s->subject)
        printf("  signer: %s (%s)\n", *s->signer ? s->signer : "?", s->subject);
    printf("  signing time: %s\n", *s->time ? s->time : "not given");
    printf("  type: %s\n", *s->subfilter ? s->subfilter : "?");
    if (!s->intact)
        printf("  problem: %s\n", s->problem);
    if (s->trusted == 1)
        printf("  certificate: trusted\n");
    else if (s->trusted == 0)
        printf("  certificate: NOT TRUSTED: %s\n", s->trust_note);
    else if (s->intact)
        printf("  certificate: trust not checked (give --nss-dir)\n");
    if (s->covered < rep->file_len)
        printf("  %zu bytes were added after this signature%s\n",
               rep->file_len - s->covered,
               i + 1 < rep->n ? " (a later revision)"
                              : ": the document CHANGED since it was signed");
    else
        printf("  covers the whole file\n");
}

int vt_cmd_verify_signature(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"nss-dir", required_argument, 0, OPT_NSS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *nss_dir = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_NSS: nss_dir = optarg; break;
        case 'h': fputs(VERIFY_HELP, stdout); return VT_EXIT_OK;
        default:
            fprintf(stderr, "vanthu verify-signature: unknown option \"%s\"\n%s",
                    argv[optind - 1], VERIFY_HELP);
            return VT_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "vanthu verify-signature: give one PDF\n%s", VERIFY_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_sig_report rep;
    vt_error rc = vt_pdf_verify_file(argv[optind], nss_dir, &rep, &d);
    if (rep.n)
        printf("%s:\n", argv[optind]);
    for (size_t i = 0; i < rep.n; i++)
        print_sig(&rep, i);
    if (rep.n)
        printf("%s: %s\n", argv[optind],
               rc == VT_OK ? "valid" : "NOT VALID (see above)");
    vt_sig_report_free(&rep);
    return vt_cli_finish(rc, &d);
}
