/*
 * cli_serve.c - "vanthu serve": start the clerk's desk (src/web/) on an
 * address, with its register and the folder of its drafts, until Ctrl-C
 * or SIGTERM.  Only the options are read here; the server is the
 * library's vt_serve.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "web/server.h"

static const char SERVE_HELP[] =
    "usage: vanthu serve [--listen ADDR:PORT] [--register FILE] [--data DIR]\n"
    "                    [--tls-cert PEM --tls-key PEM] [--max-upload BYTES]\n"
    "                    [--max-connections N] [--per-ip N] [--timeout S]\n"
    "                    [--require-login] [--sign --nss-dir DIR --nick NAME\n"
    "                    --password-file FILE [--etsi]]\n"
    "\n"
    "Serve the clerk's desk: compose and preview documents, issue them from\n"
    "the register, batches of giấy mời, and the register itself, in a\n"
    "browser (Vietnamese pages, nothing fetched from the internet).\n"
    "  --listen ADDR:PORT  numeric address (default 127.0.0.1:8080; [::1]:8080\n"
    "                      for IPv6; port 0: any free one).  On any address but\n"
    "                      loopback every page needs a login (vanthu user add)\n"
    "  --register FILE     the register (default $VANTHU_REGISTER, else\n"
    "                      out/register.sqlite)\n"
    "  --data DIR          drafts (plan XML files) and batches (default\n"
    "                      out/ban-nhap)\n"
    "  --require-login     logins on loopback too (behind a reverse proxy)\n"
    "  --sign --nss-dir DIR --nick NAME --password-file FILE [--etsi]\n"
    "                      the văn thư may sign the issued PDF with this key\n"
    "  --tls-cert, --tls-key  serve HTTPS with this certificate and key\n"
    "  --max-upload BYTES  largest request with a file (default 10 MiB)\n"
    "  --max-connections N, --per-ip N, --timeout S  connection limits\n"
    "                      (default 64, 32, 30 s idle)\n"
    "The URL is printed when the desk listens; Ctrl-C stops it (exit 0).\n";

/* Set by SIGINT/SIGTERM, read by vt_serve's loop. */
static volatile sig_atomic_t serve_stop;

static void on_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

static int parse_num(const char *s, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "127.0.0.1:8080", "[::1]:8080" into host (in buf) and port. */
static int parse_listen(const char *s, char *buf, size_t size,
                        vt_serve_opts *o)
{
    const char *colon;
    unsigned long long port;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s) >= size)
            return -1;
        snprintf(buf, size, "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= size || colon == s)
            return -1;
        snprintf(buf, size, "%.*s", (int)(colon - s), s);
    }
    if (parse_num(colon + 1, 65535, &port) != 0)
        return -1;
    o->host = buf;
    o->port = (unsigned)port;
    return 0;
}

/* build/templates/ beside the binary, unless $VANTHU_TEMPLATES names a
 * folder (as render and issue look them up). */
static char *templates_dir(void)
{
    const char *env = getenv("VANTHU_TEMPLATES");
    if (env && *env)
        return strdup(env);
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    char *path = NULL;
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash)
            *slash = '\0';
        if (asprintf(&path, "%s/templates", buf) < 0)
            return NULL;
        return path;
    }
    return strdup("templates");
}

int vt_cmd_serve(int argc, char **argv)
{
    vt_serve_opts o;
    vt_serve_opts_init(&o);
    char host[128];
    vt_sign_opts so;
    int sign = 0;
    if (vt_cli_sign_flags(&argc, argv, &so, &sign) != 0)
        return VT_EXIT_USAGE;
    if (sign && !so.password_file) {
        fputs("vanthu serve: --sign needs --password-file FILE (the server "
              "has no terminal to ask for the password on)\n", stderr);
        return VT_EXIT_USAGE;
    }
    if (sign)
        o.sign = &so;
    const char *env = getenv("VANTHU_REGISTER");
    o.register_path = env && *env ? env : NULL;
    o.data_dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(SERVE_HELP, stdout);
            return VT_EXIT_OK;
        }
        if (strcmp(a, "--require-login") == 0) {
            o.require_login = 1;
            continue;
        }
        if (!v || a[0] != '-') {
            fprintf(stderr, "vanthu serve: unknown argument or missing value: "
                            "%s\n%s", a, SERVE_HELP);
            return VT_EXIT_USAGE;
        }
        i++;
        if (strcmp(a, "--listen") == 0) {
            if (parse_listen(v, host, sizeof host, &o) != 0) {
                fprintf(stderr, "vanthu serve: --listen %s: give ADDR:PORT, "
                                "such as 127.0.0.1:8080 or [::1]:8080\n", v);
                return VT_EXIT_USAGE;
            }
        } else if (strcmp(a, "--register") == 0) {
            o.register_path = v;
        } else if (strcmp(a, "--data") == 0) {
            o.data_dir = v;
        } else if (strcmp(a, "--tls-cert") == 0) {
            o.tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o.tls_key = v;
        } else if (strcmp(a, "--max-upload") == 0 &&
                   parse_num(v, 1ull << 30, &n) == 0 && n >= 1024) {
            o.max_upload = (size_t)n;
        } else if (strcmp(a, "--max-connections") == 0 &&
                   parse_num(v, 10000, &n) == 0 && n >= 1) {
            o.max_connections = (unsigned)n;
        } else if (strcmp(a, "--per-ip") == 0 &&
                   parse_num(v, 10000, &n) == 0 && n >= 1) {
            o.per_ip = (unsigned)n;
        } else if (strcmp(a, "--timeout") == 0 &&
                   parse_num(v, 3600, &n) == 0 && n >= 1) {
            o.timeout_s = (unsigned)n;
        } else {
            fprintf(stderr, "vanthu serve: unknown option or bad value: %s "
                            "%s\n%s", a, v, SERVE_HELP);
            return VT_EXIT_USAGE;
        }
    }
    if (!o.register_path || !o.data_dir) {
        if (mkdir("out", 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "out: cannot create the folder: %s\n",
                    strerror(errno));
            return VT_EXIT_ENV;
        }
        if (!o.register_path)
            o.register_path = "out/register.sqlite";
        if (!o.data_dir)
            o.data_dir = "out/ban-nhap";
    }
    char *tpl = templates_dir();
    if (!tpl) {
        fputs("vanthu serve: out of memory\n", stderr);
        return VT_EXIT_ENV;
    }
    o.templates_dir = tpl;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_serve(&o, &serve_stop, stdout, &d);
    free(tpl);
    return vt_cli_finish(rc, &d);
}
