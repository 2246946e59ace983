/*
 * cli_user.c - `vanthu user add|list|remove`: the accounts of the web
 * desk, kept in the register (web/auth.h).
 *
 * Thin: options, the password, then vt_user_add / vt_user_list /
 * vt_user_remove.  No option takes a password, because a command line is
 * visible to every user through `ps`: it comes from --password-file (its
 * first line) or is asked twice on the terminal with echo off.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/tty.h"
#include "cli/cli.h"
#include "web/auth.h"

static const char USER_HELP[] =
    "usage: vanthu user add NAME --role van-thu|chuyen-vien [--register FILE]\n"
    "                       [--password-file FILE]\n"
    "       vanthu user list [--register FILE]\n"
    "       vanthu user remove NAME [--register FILE]\n"
    "\n"
    "The accounts of the web desk (vanthu serve), kept in the register.  A\n"
    "chuyen-vien drafts and previews; a van-thu also issues, voids, notes\n"
    "and exports.  Adding a name that exists replaces its role and password.\n"
    "  --role ROLE          van-thu or chuyen-vien\n"
    "  --register FILE      the register (default: $VANTHU_REGISTER, else\n"
    "                       out/register.sqlite); add creates it if missing\n"
    "  --password-file FILE the password is the first line of FILE; without\n"
    "                       it vanthu asks twice on the terminal (echo off).\n"
    "                       No option takes the password itself: `ps` would\n"
    "                       show it to everyone\n"
    "A name is 1 to 64 letters, digits, '.', '-' or '_'; a password has 8 to\n"
    "1024 characters and is stored only as an Argon2id hash.\n";

/* The longest password line read, with room to tell "too long". */
enum { PW_BUF = 1100 };

enum { OPT_ROLE = 256, OPT_REGISTER, OPT_PWFILE };

typedef struct {
    const char *role, *reg, *password_file;
} user_opts;

/* The options of every subcommand; the index of the first operand, or -1
 * after a usage message. */
static int parse(int argc, char **argv, user_opts *o)
{
    static const struct option longopts[] = {
        {"role", required_argument, 0, OPT_ROLE},
        {"register", required_argument, 0, OPT_REGISTER},
        {"password-file", required_argument, 0, OPT_PWFILE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_ROLE: o->role = optarg; break;
        case OPT_REGISTER: o->reg = optarg; break;
        case OPT_PWFILE:
            if (!vt_cli_spelled_out(argv, "--password-file")) {
                fprintf(stderr, "vanthu user: write --password-file in full; "
                                "no option takes the password itself\n");
                return -1;
            }
            o->password_file = optarg;
            break;
        case 'h': fputs(USER_HELP, stdout); return -2;
        default:
            fprintf(stderr, "vanthu user: unknown option \"%s\" or missing "
                            "value\n%s",
                    argv[optind - 1], USER_HELP);
            return -1;
        }
    }
    return optind;
}

/* --register, else $VANTHU_REGISTER, else out/register.sqlite (whose
 * folder `user add` creates, as `vanthu issue` does). */
static const char *register_path(const user_opts *o, int create,
                                 vt_diags *d)
{
    const char *env = getenv("VANTHU_REGISTER");
    if (o->reg)
        return o->reg;
    if (env && *env)
        return env;
    if (create && mkdir("out", 0777) != 0 && errno != EEXIST) {
        vt_diags_addf(d, "out: cannot create the folder: %s", strerror(errno));
        return NULL;
    }
    return "out/register.sqlite";
}

/* The new password, twice on the terminal (never stdin, never echoed). */
static vt_error prompt_password(const char *name, char *pw, size_t size,
                                vt_diags *d)
{
    char again[PW_BUF], prompt[128];
    snprintf(prompt, sizeof prompt, "Mật khẩu mới cho %s: ", name);
    if (vt_tty_ask(prompt, pw, size) != 0 ||
        vt_tty_ask("Nhập lại mật khẩu: ", again, sizeof again) != 0) {
        vt_diags_addf(d, "%s: no terminal to ask the password on; give "
                         "--password-file",
                      name);
        return VT_ERR_USAGE;
    }
    int same = strcmp(pw, again) == 0;
    explicit_bzero(again, sizeof again);
    if (!same) {
        vt_diags_addf(d, "%s: the two passwords differ; nothing was changed",
                      name);
        return VT_ERR_USAGE;
    }
    return VT_OK;
}

/* The first line of the password file. */
static vt_error read_password_file(const char *file, char *pw, size_t size,
                                   vt_diags *d)
{
    FILE *fp = fopen(file, "rb");
    if (!fp) {
        vt_diags_addf(d, "%s: cannot read the password file: %s", file,
                      strerror(errno));
        return VT_ERR_IO;
    }
    size_t n = fread(pw, 1, size - 1, fp);
    int err = ferror(fp) ? errno : 0;
    fclose(fp);
    pw[n] = '\0';
    if (err) {
        vt_diags_addf(d, "%s: cannot read the password file: %s", file,
                      strerror(err));
        return VT_ERR_IO;
    }
    if (memchr(pw, '\0', n)) {
        vt_diags_addf(d, "%s: the password file holds a NUL byte", file);
        return VT_ERR_LIMIT;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    return VT_OK;
}

static int cmd_add(int argc, char **argv, int first, const user_opts *o)
{
    if (argc - first != 1 || !o->role) {
        fprintf(stderr, "vanthu user add: give one NAME and --role "
                        "van-thu|chuyen-vien\n%s",
                USER_HELP);
        return VT_EXIT_USAGE;
    }
    const char *name = argv[first];
    vt_diags d;
    vt_diags_init(&d);
    vt_role role = vt_role_parse(o->role);
    if (role == VT_ROLE_NONE) {
        vt_diags_addf(&d, "--role %s: the role is van-thu (issues, voids, "
                          "exports) or chuyen-vien (drafts)",
                      o->role);
        return vt_cli_finish(VT_ERR_USAGE, &d);
    }
    if (!vt_user_name_ok(name)) {
        vt_diags_addf(&d, "\"%s\": an account name is 1 to %d letters, "
                          "digits, '.', '-' or '_'",
                      name, VT_USER_NAME_MAX);
        return vt_cli_finish(VT_ERR_USAGE, &d);
    }
    char pw[PW_BUF];
    vt_error rc = o->password_file
                      ? read_password_file(o->password_file, pw, sizeof pw, &d)
                      : prompt_password(name, pw, sizeof pw, &d);
    const char *path = rc == VT_OK ? register_path(o, 1, &d) : NULL;
    if (rc == VT_OK && !path)
        rc = VT_ERR_IO;
    if (rc == VT_OK)
        rc = vt_user_add(path, name, role, pw, &d);
    explicit_bzero(pw, sizeof pw);
    if (rc == VT_OK)
        printf("%s: account %s (%s) saved\n", path, name, o->role);
    return vt_cli_finish(rc, &d);
}

static int print_user(void *ctx, const char *name, const char *role,
                      const char *created)
{
    (void)ctx;
    printf("%s\t%s\t%s\n", name, role, created);
    return 0;
}

int vt_cmd_user(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(USER_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? VT_EXIT_USAGE : VT_EXIT_OK;
    }
    const char *sub = argv[1];
    user_opts o = {0};
    int first = parse(argc - 1, argv + 1, &o);
    if (first == -2)
        return VT_EXIT_OK;
    if (first < 0)
        return VT_EXIT_USAGE;
    first += 1; /* back to argv's numbering */
    if (strcmp(sub, "add") == 0)
        return cmd_add(argc, argv, first, &o);
    int list = strcmp(sub, "list") == 0, remove = strcmp(sub, "remove") == 0;
    if ((!list && !remove) || o.role || o.password_file ||
        argc - first != (remove ? 1 : 0)) {
        fprintf(stderr, "vanthu user: %s\n%s",
                list || remove ? "wrong operands or options"
                               : "the subcommand is add, list or remove",
                USER_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    const char *path = register_path(&o, 0, &d);
    vt_error rc = list ? vt_user_list(path, print_user, NULL, &d)
                       : vt_user_remove(path, argv[first], &d);
    if (rc == VT_OK && remove)
        printf("%s: account %s removed\n", path, argv[first]);
    return vt_cli_finish(rc, &d);
}
