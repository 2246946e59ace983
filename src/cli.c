/*
 * cli.c - the vanthu command: render, validate, pack.
 *
 * The command only parses arguments, finds files and prints diagnostics;
 * all the work is in the library.  Exit codes (README, "Exit codes"):
 * 0 done, 1 bad input (plan, template), 2 bad usage, 3 I/O or environment.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vanthu.h"

static const char USAGE[] =
    "usage: vanthu <command> [options]\n"
    "\n"
    "commands:\n"
    "  render PLAN.xml [-o OUT.docx] [-t TEMPLATE.docx]\n"
    "                       render a plan into a DOCX ready to sign\n"
    "  validate FILE...     check plans (.xml) and templates (.docx); report\n"
    "                       every problem as file:line:col: message\n"
    "  invite PLAN.xml -o DIR [--per cluster|school] [-t TEMPLATE.docx]\n"
    "         [-j N] [--dry-run] [--force]\n"
    "                       write a giấy mời for every cluster (or school)\n"
    "  pack DIR... -o OUT.docx\n"
    "                       pack unpacked template folders into a DOCX\n"
    "\n"
    "options for every command:\n"
    "  -h, --help           help for a command (vanthu render --help)\n"
    "  --version            print the version\n"
    "\n"
    "exit codes: 0 done, 1 bad input, 2 bad usage, 3 I/O or environment\n";

static const char RENDER_HELP[] =
    "usage: vanthu render PLAN.xml [-o OUT.docx] [-t TEMPLATE.docx]\n"
    "\n"
    "Render one plan into a Decree-30 DOCX.\n"
    "  -o, --output FILE    where to write (default: out/ named from type,\n"
    "                       number and date, e.g. out/kh-05-2020-03-05.docx)\n"
    "  -t, --template FILE  the template (default: the one for the plan's\n"
    "                       document type: mau-1.4, mau-1.5 or mau-1.7,\n"
    "                       looked up in $VANTHU_TEMPLATES, then beside the\n"
    "                       vanthu binary in templates/)\n"
    "  --max-plan-bytes N   refuse plans larger than N bytes (16 MiB)\n"
    "  --max-depth N        refuse sections nested deeper than N (32)\n"
    "  --max-table-cells N  refuse tables with more than N cells (100000)\n"
    "  --max-part-bytes N   refuse template parts inflating past N (64 MiB)\n"
    "The file is written to a temporary name and renamed: it appears\n"
    "complete or not at all.\n";

static const char VALIDATE_HELP[] =
    "usage: vanthu validate FILE...\n"
    "\n"
    "Check plans (*.xml) and templates (*.docx) without writing anything.\n"
    "Every problem is printed as file:line:col: message; the exit code is 1\n"
    "if any file has a problem.  Takes the --max-* options of render.\n";

static const char INVITE_HELP[] =
    "usage: vanthu invite PLAN.xml -o DIR [options]\n"
    "\n"
    "Write one giấy mời per <cluster> of the plan (or one per <school>),\n"
    "plus DIR/manifest.csv and DIR/manifest.json with each file's cluster,\n"
    "recipient, number, date and SHA-256.  The whole batch is checked\n"
    "first; nothing is written if any cluster lacks a date, venue or school.\n"
    "  -o, --output DIR     the folder for the letters (created if missing;\n"
    "                       must be empty unless --force)\n"
    "  --per cluster|school one letter per cluster (default) or per school;\n"
    "                       a cluster's school copies share one number\n"
    "  -t, --template FILE  the template (default: mau-1.7, as for render)\n"
    "  -j, --jobs N         threads (default: one per core); the files are\n"
    "                       byte-identical whatever N is\n"
    "  --dry-run            check and list what would be written; write nothing\n"
    "  --force              write into a folder that is not empty\n"
    "Letters are numbered from the plan's <number>, one per cluster, or\n"
    "left blank for the văn thư when the plan has none.  The --max-* options\n"
    "of render apply.\n";

static const char PACK_HELP[] =
    "usage: vanthu pack DIR... -o OUT.docx\n"
    "\n"
    "Pack unpacked template folders into one DOCX; a part in a later folder\n"
    "replaces the same part in an earlier one (templates/common first, then\n"
    "a family such as templates/mau-1.4).  The output is byte-identical for\n"
    "the same folders.\n";

typedef struct {
    const char *output, *tpl;
    vt_limits lim;
    int help;
    vt_invite_opts inv;
} opts;

enum { OPT_MAX_PLAN = 256, OPT_MAX_DEPTH, OPT_MAX_CELLS, OPT_MAX_PART,
       OPT_PER, OPT_DRY_RUN, OPT_FORCE };

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v == 0 || v > SIZE_MAX / 2)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Returns the index of the first operand, or -1 on a usage error.  The
 * batch options are accepted only by invite (batch = 1). */
static int parse_opts(int argc, char **argv, opts *o, int batch)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"template", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},
        {"max-plan-bytes", required_argument, 0, OPT_MAX_PLAN},
        {"max-depth", required_argument, 0, OPT_MAX_DEPTH},
        {"max-table-cells", required_argument, 0, OPT_MAX_CELLS},
        {"max-part-bytes", required_argument, 0, OPT_MAX_PART},
        {"jobs", required_argument, 0, 'j'},
        {"per", required_argument, 0, OPT_PER},
        {"dry-run", no_argument, 0, OPT_DRY_RUN},
        {"force", no_argument, 0, OPT_FORCE},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->lim = vt_limits_default();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:t:hj:", longopts, NULL)) != -1) {
        size_t *dst = NULL, jobs = 0;
        if (!batch && (c == 'j' || c == OPT_PER || c == OPT_DRY_RUN ||
                       c == OPT_FORCE))
            c = '?';
        switch (c) {
        case 'o': o->output = optarg; break;
        case 't': o->tpl = optarg; break;
        case 'h': o->help = 1; break;
        case OPT_DRY_RUN: o->inv.dry_run = 1; break;
        case OPT_FORCE: o->inv.force = 1; break;
        case OPT_PER:
            if (strcmp(optarg, "cluster") == 0) {
                o->inv.per = VT_PER_CLUSTER;
            } else if (strcmp(optarg, "school") == 0) {
                o->inv.per = VT_PER_SCHOOL;
            } else {
                fprintf(stderr, "vanthu %s: --per must be cluster or school, "
                                "not \"%s\"\n", argv[0], optarg);
                return -1;
            }
            break;
        case 'j':
            if (parse_size(optarg, &jobs) != 0 || jobs > 1024) {
                fprintf(stderr, "vanthu %s: -j needs a number of threads "
                                "from 1 to 1024\n", argv[0]);
                return -1;
            }
            o->inv.jobs = (unsigned)jobs;
            break;
        case OPT_MAX_PLAN: dst = &o->lim.max_plan_bytes; break;
        case OPT_MAX_DEPTH: dst = &o->lim.max_depth; break;
        case OPT_MAX_CELLS: dst = &o->lim.max_table_cells; break;
        case OPT_MAX_PART: dst = &o->lim.max_part_bytes; break;
        default:
            fprintf(stderr, "vanthu %s: unknown option or missing value: %s\n",
                    argv[0], argv[optind - 1]);
            return -1;
        }
        if (dst && parse_size(optarg, dst) != 0) {
            fprintf(stderr, "vanthu %s: %s needs a positive whole number\n",
                    argv[0], argv[optind - 1]);
            return -1;
        }
    }
    return optind;
}

/* Templates are found beside the binary (build/templates/) unless
 * $VANTHU_TEMPLATES names a folder. */
static char *default_template(const char *family)
{
    char buf[PATH_MAX];
    const char *env = getenv("VANTHU_TEMPLATES");
    char *path = NULL;
    if (env && *env) {
        if (asprintf(&path, "%s/%s.docx", env, family) < 0)
            return NULL;
        return path;
    }
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash)
            *slash = '\0';
        if (asprintf(&path, "%s/templates/%s.docx", buf, family) < 0)
            return NULL;
        return path;
    }
    if (asprintf(&path, "templates/%s.docx", family) < 0)
        return NULL;
    return path;
}

static int finish(vt_error rc, vt_diags *d)
{
    vt_diags_print(d, stderr);
    vt_diags_free(d);
    return vt_exit_code(rc);
}

/* The template named by -t, or the default of the plan's family. */
static vt_error open_template(const opts *o, const vt_plan *plan,
                              vt_template **tpl, vt_diags *d)
{
    char *path = o->tpl ? strdup(o->tpl)
                        : default_template(vt_plan_template_family(plan));
    if (!path)
        return VT_ERR_NOMEM;
    vt_error rc = vt_template_open(path, &o->lim, tpl, d);
    free(path);
    return rc;
}

static int cmd_render(int argc, char **argv)
{
    opts o;
    int i = parse_opts(argc, argv, &o, 0);
    if (i < 0)
        return VT_EXIT_USAGE;
    if (o.help) {
        fputs(RENDER_HELP, stdout);
        return VT_EXIT_OK;
    }
    if (argc - i != 1) {
        fprintf(stderr, "vanthu render: give exactly one plan\n%s", RENDER_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    char *name = NULL, *out = NULL;
    vt_error rc = vt_plan_load(argv[i], &o.lim, &plan, &d);
    if (rc == VT_OK)
        rc = open_template(&o, plan, &tpl, &d);
    if (rc == VT_OK && !o.output) {
        name = vt_plan_output_name(plan);
        if (mkdir("out", 0777) != 0 && errno != EEXIST) {
            vt_diags_addf(&d, "out: cannot create the output folder: %s",
                          strerror(errno));
            rc = VT_ERR_IO;
        } else if (!name || asprintf(&out, "out/%s", name) < 0) {
            rc = VT_ERR_NOMEM;
        }
    }
    if (rc == VT_OK)
        rc = vt_render(plan, tpl, o.output ? o.output : out, &d);
    if (rc == VT_OK)
        printf("%s\n", o.output ? o.output : out);
    free(name);
    free(out);
    vt_template_free(tpl);
    vt_plan_free(plan);
    return finish(rc, &d);
}

static int cmd_invite(int argc, char **argv)
{
    opts o;
    int i = parse_opts(argc, argv, &o, 1);
    if (i < 0)
        return VT_EXIT_USAGE;
    if (o.help) {
        fputs(INVITE_HELP, stdout);
        return VT_EXIT_OK;
    }
    if (argc - i != 1 || !o.output) {
        fprintf(stderr, "vanthu invite: give one plan and -o DIR\n%s",
                INVITE_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_invite_result res = {0};
    o.inv.progress = isatty(STDERR_FILENO);
    vt_error rc = vt_plan_load(argv[i], &o.lim, &plan, &d);
    if (rc == VT_OK)
        rc = open_template(&o, plan, &tpl, &d);
    if (rc == VT_OK)
        rc = vt_invite(plan, tpl, o.output, &o.inv, stdout, &res, &d);
    if (rc == VT_OK) {
        double rate = res.seconds > 0 ? (double)res.letters / res.seconds : 0;
        fprintf(stderr,
                "vanthu invite: %zu letter%s for %zu cluster%s %s %s in "
                "%.2f s (%.0f letters/s, %u job%s)\n",
                res.letters, res.letters == 1 ? "" : "s", res.clusters,
                res.clusters == 1 ? "" : "s",
                o.inv.dry_run ? "checked; dry run, nothing written to"
                              : "written to",
                o.output, res.seconds, rate, res.jobs,
                res.jobs == 1 ? "" : "s");
    }
    vt_template_free(tpl);
    vt_plan_free(plan);
    return finish(rc, &d);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_validate(int argc, char **argv)
{
    opts o;
    int i = parse_opts(argc, argv, &o, 0);
    if (i < 0)
        return VT_EXIT_USAGE;
    if (o.help) {
        fputs(VALIDATE_HELP, stdout);
        return VT_EXIT_OK;
    }
    if (i >= argc) {
        fprintf(stderr, "vanthu validate: give at least one file\n%s",
                VALIDATE_HELP);
        return VT_EXIT_USAGE;
    }
    vt_error worst = VT_OK;
    vt_diags d;
    vt_diags_init(&d);
    for (; i < argc; i++) {
        vt_error rc;
        if (ends_with(argv[i], ".docx")) {
            vt_template *t = NULL;
            rc = vt_template_open(argv[i], &o.lim, &t, &d);
            vt_template_free(t);
        } else {
            vt_plan *p = NULL;
            rc = vt_plan_load(argv[i], &o.lim, &p, &d);
            vt_plan_free(p);
        }
        if (rc == VT_OK)
            printf("%s: ok\n", argv[i]);
        /* an environment failure outranks bad input in the exit code */
        if (rc != VT_OK && (worst == VT_OK || vt_exit_code(rc) > vt_exit_code(worst)))
            worst = rc;
    }
    return finish(worst, &d);
}

static int cmd_pack(int argc, char **argv)
{
    opts o;
    int i = parse_opts(argc, argv, &o, 0);
    if (i < 0)
        return VT_EXIT_USAGE;
    if (o.help) {
        fputs(PACK_HELP, stdout);
        return VT_EXIT_OK;
    }
    if (i >= argc || !o.output) {
        fprintf(stderr, "vanthu pack: give the folders and -o OUT.docx\n%s",
                PACK_HELP);
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_error rc = vt_pack_dirs((const char *const *)argv + i,
                               (size_t)(argc - i), o.output, &d);
    return finish(rc, &d);
}

int main(int argc, char **argv)
{
    /* a batch allocates and frees the same few hundred kilobytes (zlib's
     * window, the package buffer) for every letter; without this glibc
     * hands them back to the kernel each time (one madvise and a round of
     * page faults per letter in every thread) */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    /* a full disk or a file-size limit must be an error, not a kill */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fputs(USAGE, stderr);
        return VT_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("vanthu %s\n", VT_VERSION);
        return VT_EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return VT_EXIT_OK;
    }
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "pack") == 0)
        return cmd_pack(argc - 1, argv + 1);
    if (strcmp(cmd, "invite") == 0)
        return cmd_invite(argc - 1, argv + 1);
    fprintf(stderr, "vanthu: unknown command \"%s\"\n%s", cmd, USAGE);
    return VT_EXIT_USAGE;
}
