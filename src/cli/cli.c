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

#include "register/book.h"
#include "cli/cli.h"
#include "register/issue.h"
#include "plan/model.h"
#include "pdf/pdf.h"
#include "register/register.h"
#include "base/vanthu.h"

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
    "  issue PLAN.xml [--register FILE] [--date YYYY-MM-DD] [-o DIR]\n"
    "                       give the plan the next number in the register,\n"
    "                       render it and archive it\n"
    "  register list|show|void|note|export|verify|agency [options]\n"
    "                       the register of outgoing documents\n"
    "  clusters SCHOOLS.xlsx|.csv [--into PLAN.xml] [-o OUT] [--sheet NAME]\n"
    "                       a batch plan's clusters from a spreadsheet\n"
    "  import FILE.txt|FILE.docx [-o PLAN.xml]\n"
    "                       turn a typed document or a DOCX into a plan\n"
    "  check FILE.docx... [--json]  check a DOCX against the Decree 30 thể thức\n"
    "  pdf FILE.docx... [-o DIR]  convert documents to PDF/A (LibreOffice)\n"
    "  sign IN.pdf -o OUT.pdf --nss-dir DIR --nick NAME [--password-file F]\n"
    "                       add a digital signature with a key from NSS\n"
    "  verify-signature FILE.pdf [--nss-dir DIR]\n"
    "                       report signers and whether the PDF changed since\n"
    "  user add|list|remove [NAME] [--role van-thu|chuyen-vien]  web desk accounts\n"
    "  serve [--listen ADDR:PORT] [--register FILE] [--data DIR]  the web desk\n"
    "  pack DIR... -o OUT.docx\n"
    "                       pack unpacked template folders into a DOCX\n"
    "\n"
    "options for every command:\n"
    "  -h, --help           help for a command (vanthu render --help)\n"
    "  --version            print the version\n"
    "\n"
    "exit codes: 0 done, 1 bad input, 2 bad usage, 3 I/O or environment\n";

static const char RENDER_HELP[] =
    "usage: vanthu render PLAN.xml [-o OUT.docx|OUT.pdf] [--pdf]\n"
    "                     [-t TEMPLATE.docx]\n"
    "\n"
    "Render one plan into a Decree-30 DOCX.\n"
    "  -o FILE.pdf, --pdf   a PDF/A-2b only, or one beside the DOCX\n"
    "                       (LibreOffice; --pdf-timeout S, see vanthu pdf)\n"
    "  -o, --output FILE    where to write (default: out/ named from type,\n"
    "                       number and date, e.g. out/kh-05-2020-03-05.docx)\n"
    "  -t, --template FILE  the template (default: the one for the plan's\n"
    "                       document type: mau-1.4, mau-1.5 or mau-1.7,\n"
    "                       looked up in $VANTHU_TEMPLATES, then beside the\n"
    "                       vanthu binary in templates/)\n"
    "  --max-plan-bytes N   refuse plans larger than N bytes (16 MiB)\n"
    "  --max-depth N        refuse sections nested deeper than N (32)\n"
    "  --max-table-cells N  refuse tables whose grids (rows x columns) have\n"
    "                       more than N cells, all tables together (100000)\n"
    "  --max-part-bytes N   refuse template parts inflating past N (64 MiB)\n"
    "  --max-parts N        refuse templates with more than N parts (1000)\n"
    "  --max-elements N     refuse templates with more than N XML elements,\n"
    "                       attributes and comments in all (500000)\n"
    "  --spill-schools N    a batch plan's schools past the first N are kept\n"
    "                       in a temporary file in $TMPDIR, not in memory\n"
    "                       (65536; 0: all of them)\n"
    "The file is written to a temporary name and renamed: it appears\n"
    "complete or not at all.\n";

static const char VALIDATE_HELP[] =
    "usage: vanthu validate FILE...\n"
    "\n"
    "Check plans (*.xml) and templates (*.docx) without writing anything.\n"
    "Every problem is printed as file:line:col: message; the exit code is 1\n"
    "if any file has a problem.  Takes the --max-* options of render.\n"
    "Text that repeats what vanthu prints (a typed \"- \" or number, \"KT.\",\n"
    "\"V/v\", \"Lưu:\") gives file:line:col: warning: lines; warnings alone\n"
    "leave the exit code 0.\n";

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
    "  -j, --jobs N         threads, 1 to 64 (default: one per core, at most\n"
    "                       64); the files are byte-identical whatever N is\n"
    "  --dry-run            check and list what would be written; write nothing\n"
    "  --force              write into a folder that is not empty: files of\n"
    "                       the same names are replaced, others kept; if\n"
    "                       anything fails the old files stay as they were\n"
    "  --pdf                a PDF/A beside each letter, in the manifests too\n"
    "                       (LibreOffice, one per job; --pdf-timeout S)\n"
    "  --sign --nss-dir DIR --nick NAME [--password-file F] [--etsi]\n"
    "                       sign each letter's PDF (implies --pdf), as\n"
    "                       `vanthu sign` does; the password is asked once,\n"
    "                       before the register is locked\n"
    "  --register FILE      number the letters from the register, one number\n"
    "                       per cluster, and record each letter under it\n"
    "  --date YYYY-MM-DD    with --register: the date of the letters\n"
    "  --allow-backdate     with --register: accept a date before the last\n"
    "  --wait SECONDS       with --register: how long to wait for another\n"
    "                       clerk holding the register (10)\n"
    "Ctrl-C (SIGINT) or SIGTERM stops the batch and removes what it wrote\n"
    "(exit 130 or 143).\n"
    "Without --register, letters are numbered from the plan's <number>, one\n"
    "per cluster, or left blank for the văn thư when the plan has none.  The\n"
    "--max-* options of render apply.\n";

static const char ISSUE_HELP[] =
    "usage: vanthu issue PLAN.xml [options]\n"
    "\n"
    "Give the plan the next number of its series in the register, put the\n"
    "number and date into the document, render it and archive it, in one\n"
    "transaction: afterwards the register has the entry and the archive its\n"
    "file, or neither has anything.  Prints the number and the file.\n"
    "  --register FILE      the register (default: $VANTHU_REGISTER, else\n"
    "                       out/register.sqlite); created if missing\n"
    "  --date YYYY-MM-DD    the date of issue (default: the plan's date, or\n"
    "                       today if the plan leaves the day blank)\n"
    "  -o, --output DIR     the archive folder (default: archive/YEAR/ in\n"
    "                       the register's folder)\n"
    "  -t, --template FILE  the template, as for render\n"
    "  --allow-backdate     accept a date before the last document of the\n"
    "                       series\n"
    "  --pdf                archive a PDF/A beside the DOCX, both with their\n"
    "                       SHA-256 (LibreOffice; --pdf-timeout S)\n"
    "  --sign --nss-dir DIR --nick NAME [--password-file F] [--etsi]\n"
    "                       sign that PDF (implies --pdf) before the number\n"
    "                       is recorded, as `vanthu sign` does; if signing\n"
    "                       fails, no number is given and nothing archived\n"
    "  --wait SECONDS       how long to wait for another clerk holding the\n"
    "                       register before giving up (10)\n"
    "A plan that carries its own <number> is checked against the register:\n"
    "a number already given (or voided) is refused.\n";

static const char REGISTER_HELP[] =
    "usage: vanthu register COMMAND [options]\n"
    "\n"
    "The register of outgoing documents (sổ đăng ký văn bản đi).\n"
    "  list [--year Y] [--type T] [--text WORDS]\n"
    "                       the entries, one per line; --type takes kh,\n"
    "                       ke-hoach or Kế hoạch; --text searches the trích\n"
    "                       yếu ignoring case and marks\n"
    "  show N/YEAR          every column of one entry (or KY-HIEU --year Y)\n"
    "  void N/YEAR --reason TEXT [--date YYYY-MM-DD]\n"
    "                       cancel a number: it stays in the register and is\n"
    "                       never given again\n"
    "  export --format csv|docx|xlsx|pdf -o FILE [--year Y] [--agency ABBR]\n"
    "                       the book for one year (default: the latest):\n"
    "                       CSV for a spreadsheet, or the printable DOCX\n"
    "  note N/YEAR [--sent YYYY-MM-DD] [--received-by NAME] [--note TEXT]\n"
    "                       fill ngày chuyển, ký nhận and ghi chú\n"
    "  verify [--year Y] [--nss-dir DIR]\n"
    "                       check every archived file against its SHA-256\n"
    "                       and every signed archived PDF's signatures\n"
    "                       (trusted CAs from DIR; without it, integrity)\n"
    "  agency [ABBR [--name N] [--parent P] [--series shared|per-type]\n"
    "         [--book N]]   show or set an agency's settings\n"
    "options for every register command:\n"
    "  --register FILE      the register (default: $VANTHU_REGISTER, else\n"
    "                       out/register.sqlite)\n"
    "  --wait SECONDS       how long to wait for a busy register (10)\n"
    "exit codes: verify gives 1 when a file is missing or changed, or an\n"
    "archived PDF's signature is broken or (with --nss-dir) untrusted.\n";

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
    /* the register */
    const char *reg;
    int wait_ms;
    vt_issue_opts iss;
    /* register subcommands */
    int year;
    const char *type, *text, *reason, *format, *agency;
    const char *received_by, *note;
    vt_issue_opts sent; /* --sent: only its date is used */
    vt_reg_agency set;
} opts;

enum { OPT_MAX_PLAN = 256, OPT_MAX_DEPTH, OPT_MAX_CELLS, OPT_MAX_PART,
       OPT_MAX_PARTS,
       OPT_PER, OPT_DRY_RUN, OPT_FORCE, OPT_REGISTER, OPT_DATE,
       OPT_BACKDATE, OPT_WAIT, OPT_YEAR, OPT_TYPE, OPT_TEXT, OPT_REASON,
       OPT_FORMAT, OPT_AGENCY, OPT_NAME, OPT_PARENT, OPT_SERIES, OPT_BOOK,
       OPT_SENT, OPT_RECEIVED, OPT_NOTE,
       OPT_MAX_ELEMENTS, OPT_SPILL };

/* Which commands take which options: every command takes the common
 * ones, and each group below only where it means something. */
enum { G_BATCH = 1, G_ISSUE = 2, G_REG = 4, G_BOOK = 8 };

static int option_group(int c)
{
    switch (c) {
    case 'j': case OPT_PER: case OPT_DRY_RUN: case OPT_FORCE:
        return G_BATCH;
    case OPT_DATE: case OPT_BACKDATE:
        return G_ISSUE;
    case OPT_REGISTER: case OPT_WAIT:
        return G_REG;
    case OPT_YEAR: case OPT_TYPE: case OPT_TEXT: case OPT_REASON:
    case OPT_FORMAT: case OPT_AGENCY: case OPT_NAME: case OPT_PARENT:
    case OPT_SERIES: case OPT_BOOK: case OPT_SENT: case OPT_RECEIVED:
    case OPT_NOTE:
        return G_BOOK;
    default:
        return 0;
    }
}

/* YYYY-MM-DD, a date that exists. */
static int parse_date(const char *s, vt_issue_opts *o)
{
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] ||
        strlen(s) != 10)
        return -1;
    vt_date dt = {y, m, d};
    if (y < 1900 || !vt_date_valid(&dt, 0))
        return -1;
    o->year = y, o->month = m, o->day = d;
    return 0;
}

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

/* Returns the index of the first operand, or -1 on a usage error.
 * groups says which option groups (G_*) the command accepts. */
static int parse_opts(int argc, char **argv, opts *o, int groups)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"template", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},
        {"max-plan-bytes", required_argument, 0, OPT_MAX_PLAN},
        {"max-depth", required_argument, 0, OPT_MAX_DEPTH},
        {"max-table-cells", required_argument, 0, OPT_MAX_CELLS},
        {"max-part-bytes", required_argument, 0, OPT_MAX_PART},
        {"max-parts", required_argument, 0, OPT_MAX_PARTS},
        {"max-elements", required_argument, 0, OPT_MAX_ELEMENTS},
        {"spill-schools", required_argument, 0, OPT_SPILL},
        {"jobs", required_argument, 0, 'j'},
        {"per", required_argument, 0, OPT_PER},
        {"dry-run", no_argument, 0, OPT_DRY_RUN},
        {"force", no_argument, 0, OPT_FORCE},
        {"register", required_argument, 0, OPT_REGISTER},
        {"date", required_argument, 0, OPT_DATE},
        {"allow-backdate", no_argument, 0, OPT_BACKDATE},
        {"wait", required_argument, 0, OPT_WAIT},
        {"year", required_argument, 0, OPT_YEAR},
        {"type", required_argument, 0, OPT_TYPE},
        {"text", required_argument, 0, OPT_TEXT},
        {"reason", required_argument, 0, OPT_REASON},
        {"format", required_argument, 0, OPT_FORMAT},
        {"agency", required_argument, 0, OPT_AGENCY},
        {"name", required_argument, 0, OPT_NAME},
        {"parent", required_argument, 0, OPT_PARENT},
        {"series", required_argument, 0, OPT_SERIES},
        {"book", required_argument, 0, OPT_BOOK},
        {"sent", required_argument, 0, OPT_SENT},
        {"received-by", required_argument, 0, OPT_RECEIVED},
        {"note", required_argument, 0, OPT_NOTE},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->lim = vt_limits_default();
    o->wait_ms = 10000;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:t:hj:", longopts, NULL)) != -1) {
        size_t *dst = NULL, jobs = 0, num = 0;
        if (option_group(c) && !(option_group(c) & groups))
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
            if (parse_size(optarg, &jobs) != 0 || jobs > VT_INVITE_MAX_JOBS) {
                fprintf(stderr, "vanthu %s: -j needs a number of threads "
                                "from 1 to %d (the maximum)\n", argv[0],
                        VT_INVITE_MAX_JOBS);
                return -1;
            }
            o->inv.jobs = (unsigned)jobs;
            break;
        case OPT_REGISTER: o->reg = optarg; break;
        case OPT_BACKDATE: o->iss.allow_backdate = 1; break;
        case OPT_TYPE: o->type = optarg; break;
        case OPT_TEXT: o->text = optarg; break;
        case OPT_REASON: o->reason = optarg; break;
        case OPT_FORMAT: o->format = optarg; break;
        case OPT_AGENCY: o->agency = optarg; break;
        case OPT_NAME: o->set.name = optarg; break;
        case OPT_PARENT: o->set.parent = optarg; break;
        case OPT_SERIES:
            if (strcmp(optarg, "shared") != 0 && strcmp(optarg, "per-type") != 0) {
                fprintf(stderr, "vanthu %s: --series must be shared or "
                                "per-type, not \"%s\"\n", argv[0], optarg);
                return -1;
            }
            o->set.series_policy = optarg;
            break;
        case OPT_RECEIVED: o->received_by = optarg; break;
        case OPT_NOTE: o->note = optarg; break;
        case OPT_DATE: case OPT_SENT:
            if (parse_date(optarg, c == OPT_DATE ? &o->iss : &o->sent) != 0) {
                fprintf(stderr, "vanthu %s: %s needs a date that exists, "
                                "as YYYY-MM-DD, not \"%s\"\n", argv[0],
                        c == OPT_DATE ? "--date" : "--sent", optarg);
                return -1;
            }
            break;
        case OPT_WAIT: case OPT_YEAR: case OPT_BOOK:
            if (parse_size(optarg, &num) != 0 || num > 1000000) {
                fprintf(stderr, "vanthu %s: %s needs a positive whole number\n",
                        argv[0], argv[optind - 1]);
                return -1;
            }
            if (c == OPT_WAIT)
                o->wait_ms = (int)num * 1000;
            else if (c == OPT_YEAR)
                o->year = (int)num;
            else
                o->set.book = (int)num;
            break;
        case OPT_MAX_PLAN: dst = &o->lim.max_plan_bytes; break;
        case OPT_MAX_DEPTH: dst = &o->lim.max_depth; break;
        case OPT_MAX_CELLS: dst = &o->lim.max_table_cells; break;
        case OPT_MAX_PART: dst = &o->lim.max_part_bytes; break;
        case OPT_MAX_PARTS: dst = &o->lim.max_parts; break;
        case OPT_MAX_ELEMENTS: dst = &o->lim.max_elements; break;
        case OPT_SPILL:
            /* 0 is meaningful here (every cluster's schools on disk),
             * which parse_size refuses */
            if (strcmp(optarg, "0") == 0) {
                o->lim.spill_schools = 0;
            } else if (parse_size(optarg, &o->lim.spill_schools) != 0) {
                fprintf(stderr, "vanthu %s: --spill-schools %s: give a "
                                "whole number of schools (0: all on disk)\n",
                        argv[0], optarg);
                return -1;
            }
            break;
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

int vt_cli_finish(vt_error rc, vt_diags *d)
{
    vt_diags_print(d, stderr);
    /* every failure says something, even one that only ran out of memory */
    if (rc != VT_OK && d->count == 0)
        fprintf(stderr, "vanthu: %s\n", vt_strerror(rc));
    vt_diags_free(d);
    return vt_exit_code(rc);
}

static int finish(vt_error rc, vt_diags *d) { return vt_cli_finish(rc, d); }

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

/* The start render and issue share: options, --help, exactly one plan.
 * Returns -1 to go on (the plan and its template then loaded, or the
 * failure in *rc), else the exit code to return at once. */
static int one_plan(int argc, char **argv, int groups, const char *help,
                    opts *o, vt_plan **plan, vt_template **tpl, vt_error *rc,
                    vt_diags *d)
{
    int i = parse_opts(argc, argv, o, groups);
    if (i < 0)
        return VT_EXIT_USAGE;
    if (o->help) {
        fputs(help, stdout);
        return VT_EXIT_OK;
    }
    if (argc - i != 1) {
        fprintf(stderr, "vanthu %s: give exactly one plan\n%s", argv[0], help);
        return VT_EXIT_USAGE;
    }
    *rc = vt_plan_load(argv[i], &o->lim, plan, d);
    if (*rc == VT_OK)
        *rc = open_template(o, *plan, tpl, d);
    return -1;
}

static int cmd_render(int argc, char **argv)
{
    opts o;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    char *name = NULL, *out = NULL;
    vt_error rc = VT_OK;
    vt_cli_pdf pdf;
    if (vt_cli_pdf_flags(&argc, argv, &pdf) != 0)
        return VT_EXIT_USAGE;
    int code = one_plan(argc, argv, 0, RENDER_HELP, &o, &plan, &tpl, &rc, &d);
    if (code >= 0)
        return code;
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
        rc = vt_cli_render_out(plan, tpl, o.output ? o.output : out, &pdf, &d);
    if (rc == VT_OK && !pdf.beside)
        printf("%s\n", o.output ? o.output : out);
    free(name);
    free(out);
    vt_template_free(tpl);
    vt_plan_free(plan);
    return vt_cli_pdf_exit(finish(rc, &d));
}

/* --register, else $VANTHU_REGISTER, else out/register.sqlite (whose
 * folder a writing command creates). */
static vt_error open_register(const opts *o, int read_only, vt_register **r,
                              vt_diags *d)
{
    const char *path = o->reg;
    const char *env = getenv("VANTHU_REGISTER");
    if (!path && env && *env)
        path = env;
    if (!path) {
        path = "out/register.sqlite";
        if (!read_only && mkdir("out", 0777) != 0 && errno != EEXIST) {
            vt_diags_addf(d, "out: cannot create the folder: %s",
                          strerror(errno));
            return VT_ERR_IO;
        }
    }
    return vt_register_open(path, o->wait_ms, read_only, r, d);
}

/* The first and last numbers a batch got, for the summary line. */
static void print_numbers(const vt_plan *plan, const int *numbers)
{
    int lo = numbers[0], hi = numbers[0];
    for (size_t i = 1; i < plan->nclusters; i++) {
        lo = numbers[i] < lo ? numbers[i] : lo;
        hi = numbers[i] > hi ? numbers[i] : hi;
    }
    fprintf(stderr, "vanthu invite: numbers %02d to %02d of %d recorded in "
                    "the register\n", lo, hi, plan->date.year);
}

static int cmd_invite(int argc, char **argv)
{
    opts o;
    vt_cli_pdf pdf;
    vt_sign_opts so;
    int sign = 0;
    if (vt_cli_pdf_flags(&argc, argv, &pdf) != 0 ||
        vt_cli_sign_flags(&argc, argv, &so, &sign) != 0)
        return VT_EXIT_USAGE;
    int i = parse_opts(argc, argv, &o, G_BATCH | G_ISSUE | G_REG);
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
    if (!o.reg && (o.iss.year || o.iss.allow_backdate)) {
        fprintf(stderr, "vanthu invite: --date and --allow-backdate go with "
                        "--register\n");
        return VT_EXIT_USAGE;
    }
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_register *reg = NULL;
    int *numbers = NULL;
    vt_invite_result res = {0};
    o.inv.progress = isatty(STDERR_FILENO);
    /* SIGINT and SIGTERM stop a batch cleanly: the handler only sets a
     * flag the threads check between letters (and pdf.c while a converter
     * runs); the batch removes its staging folder */
    o.inv.stop = vt_cli_pdf_stop();
    /* a dry run takes no numbers: it only shows what would be written */
    int numbered = o.reg && !o.inv.dry_run;
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    po.timeout_s = pdf.timeout_s;
    po.stop = vt_cli_pdf_stop(); /* the same flag: Ctrl-C stops the converters too */
    if (sign) /* --sign signs each PDF: it implies --pdf */
        po.sign = &so;
    if (pdf.beside || sign)
        o.inv.pdf = &po;
    vt_error rc = vt_plan_load(argv[i], &o.lim, &plan, &d);
    if (rc == VT_OK)
        rc = open_template(&o, plan, &tpl, &d);
    if (rc == VT_OK && numbered) {
        rc = open_register(&o, 0, &reg, &d);
        if (rc == VT_OK && !(numbers = calloc(plan->nclusters + 1, sizeof *numbers)))
            rc = VT_ERR_NOMEM;
        if (rc == VT_OK)
            rc = vt_invite_issue(reg, plan, tpl, o.output, &o.inv, &o.iss,
                                 numbers, &res, &d);
    } else if (rc == VT_OK) {
        rc = vt_invite(plan, tpl, o.output, &o.inv, stdout, &res, &d);
    }
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
        if (numbered && plan->nclusters)
            print_numbers(plan, numbers);
    }
    free(numbers);
    vt_register_close(reg);
    vt_template_free(tpl);
    vt_plan_free(plan);
    return vt_cli_pdf_exit(finish(rc, &d));
}

static int cmd_issue(int argc, char **argv)
{
    opts o;
    vt_diags d;
    vt_diags_init(&d);
    vt_plan *plan = NULL;
    vt_template *tpl = NULL;
    vt_register *reg = NULL;
    vt_issue_result res = {0};
    vt_error rc = VT_OK;
    vt_cli_pdf pdf;
    vt_sign_opts so;
    int sign = 0;
    if (vt_cli_pdf_flags(&argc, argv, &pdf) != 0 ||
        vt_cli_sign_flags(&argc, argv, &so, &sign) != 0)
        return VT_EXIT_USAGE;
    int code = one_plan(argc, argv, G_ISSUE | G_REG, ISSUE_HELP, &o, &plan,
                        &tpl, &rc, &d);
    if (code >= 0)
        return code;
    o.iss.dir = o.output;
    vt_pdf_opts po;
    vt_pdf_opts_init(&po);
    po.timeout_s = pdf.timeout_s;
    if (pdf.beside || sign) { /* --sign signs the PDF: it implies --pdf */
        po.stop = vt_cli_pdf_stop(); /* Ctrl-C stops the converter cleanly */
        o.iss.pdf = &po;
    }
    if (sign)
        o.iss.sign = &so;
    if (rc == VT_OK)
        rc = open_register(&o, 0, &reg, &d);
    if (rc == VT_OK)
        rc = vt_issue(reg, plan, tpl, &o.iss, &res, &d);
    if (rc == VT_OK)
        printf("Số: %s\t%s\t%s%s%s\n", res.ky_hieu, res.date, res.path,
               res.pdf_path ? "\t" : "", res.pdf_path ? res.pdf_path : "");
    free(res.path);
    free(res.pdf_path);
    vt_register_close(reg);
    vt_template_free(tpl);
    vt_plan_free(plan);
    return vt_cli_pdf_exit(finish(rc, &d));
}

/* ---- vanthu register ---------------------------------------------------- */

static int print_entry_line(void *ctx, const vt_reg_entry *e)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s%s%s\n", e->ky_hieu, e->date, e->type_subject,
           e->signer, *e->voided ? "\tĐÃ HỦY: " : "", e->voided);
    return 0;
}

static int print_entry_full(void *ctx, const vt_reg_entry *e)
{
    int *count = ctx;
    static const char *const labels[] = {
        "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu", "Người ký",
        "Nơi nhận", "Đơn vị, người nhận bản lưu", "Số lượng bản",
        "Ngày chuyển", "Ký nhận", "Ghi chú", "Cơ quan", "Sổ (series)",
        "Đã hủy", "Tệp lưu trữ"};
    char copies[16], agency[512], voided[1024];
    snprintf(copies, sizeof copies, "%d", e->copies);
    snprintf(agency, sizeof agency, "%s (%s)", e->agency_name, e->agency_abbr);
    snprintf(voided, sizeof voided, "%s%s%s", e->voided_on,
             *e->voided ? ": " : "", e->voided);
    const char *values[] = {e->ky_hieu, e->date, e->type_subject, e->signer,
                            e->recipients, e->archive_unit, copies,
                            e->sent_date, e->received_by, e->note, agency,
                            e->series, voided, e->files};
    if ((*count)++)
        putchar('\n');
    /* "label: value"; the files one per line below their label */
    size_t n = sizeof labels / sizeof labels[0];
    for (size_t k = 0; k + 1 < n; k++)
        printf("%s: %s\n", labels[k], values[k]);
    printf("%s:\n", labels[n - 1]);
    for (const char *f = values[n - 1]; *f;) {
        size_t len = strcspn(f, "\n");
        printf("  %.*s\n", (int)len, f);
        f += len + (f[len] == '\n');
    }
    return 0;
}

static int print_agency(void *ctx, const vt_reg_agency *a)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\tquyển %d\n", a->abbr, a->name, a->parent,
           a->series_policy, a->book);
    return 0;
}

/* "5/2024" or "05/KH-PGDĐT" with --year into a filter; numbers past
 * the register's largest are not numbers it can hold. */
static int parse_entry_id(const char *s, const opts *o, vt_reg_filter *f)
{
    char *slash, *end;
    errno = 0;
    long number = strtol(s, &slash, 10);
    long year = *slash == '/' ? strtol(slash + 1, &end, 10) : 0;
    if (*slash == '/' && slash > s && slash[1] >= '0' && slash[1] <= '9' &&
        !*end && !errno && number > 0 && number <= VT_REGISTER_MAX_NUMBER &&
        year > 1900 && year <= 1000000) {
        f->number = (int)number;
        f->year = (int)year;
        return 0;
    }
    if (!o->year)
        return -1;
    f->ky_hieu = s;
    f->year = o->year;
    return 0;
}

/* A clerk's text for the register (a note, a name, a reason) cleaned
 * like plan text: control characters, direction overrides and invisible
 * marks gone, white space folded, NFC, no space at either end.  *s is
 * replaced by the clean copy, kept in keep; -1 (with a message naming the
 * option) for text that is not UTF-8. */
static int clean_arg(const char *flag, const char **s, vt_buf *keep,
                     vt_diags *d)
{
    if (!*s)
        return 0;
    vt_buf_reset(keep);
    if (vt_text_clean(*s, strlen(*s), keep) != 0) {
        vt_diags_addf(d, "%s: the text is not valid UTF-8", flag);
        return -1;
    }
    while (keep->len && keep->data[keep->len - 1] == ' ')
        keep->len--;
    vt_buf_putc(keep, '\0');
    if (keep->oom)
        return -1;
    *s = keep->data + (keep->data[0] == ' ');
    return 0;
}

/* A document type as a clerk may type it: "kh", "KH", "ke-hoach",
 * "Kế hoạch" or "ke hoach". */
static const vt_doctype *find_type(const char *s)
{
    const vt_doctype *found = vt_doctype_find(s);
    vt_buf want, have;
    vt_buf_init(&want);
    vt_buf_init(&have);
    vt_text_fold(s, &want);
    vt_buf_putc(&want, '\0');
    for (size_t i = 0; !found && !want.oom && i < vt_doctype_count(); i++) {
        const vt_doctype *t = vt_doctype_at(i);
        const char *forms[] = {t->abbr, t->name};
        for (int k = 0; k < 2 && !found; k++) {
            vt_buf_reset(&have);
            vt_text_fold(forms[k], &have);
            vt_buf_putc(&have, '\0');
            if (!have.oom && *forms[k] && strcmp(have.data, want.data) == 0)
                found = t;
        }
    }
    vt_buf_free(&want);
    vt_buf_free(&have);
    return found;
}

static vt_error register_list(const opts *o, vt_register *reg, vt_diags *d)
{
    vt_reg_filter f = {.year = o->year, .text = o->text};
    if (o->type) {
        const vt_doctype *t = find_type(o->type);
        if (!t) {
            vt_diags_addf(d, "--type %s: not a document type (kh, ke-hoach, "
                             "cong-van, …)",
                          o->type);
            return VT_ERR_USAGE;
        }
        f.type_slug = t->slug;
    }
    return vt_register_list(reg, &f, print_entry_line, NULL, d);
}

static vt_error register_show(const opts *o, vt_register *reg,
                              const char *id, vt_diags *d)
{
    vt_reg_filter f = {0};
    if (parse_entry_id(id, o, &f) != 0) {
        vt_diags_addf(d, "%s: give the entry as N/YEAR (5/2024) or as its "
                         "ký hiệu with --year", id);
        return VT_ERR_USAGE;
    }
    int count = 0;
    vt_error rc = vt_register_list(reg, &f, print_entry_full, &count, d);
    if (rc == VT_OK && !count) {
        vt_diags_addf(d, "%s: no such entry in the register", id);
        rc = VT_ERR_USAGE;
    }
    return rc;
}

static vt_error register_void(const opts *o, vt_register *reg,
                              const char *id, vt_diags *d)
{
    vt_reg_filter f = {0};
    const char *reason = o->reason;
    vt_buf keep;
    vt_buf_init(&keep);
    if (clean_arg("--reason", &reason, &keep, d) != 0) {
        vt_buf_free(&keep);
        return VT_ERR_USAGE;
    }
    if (parse_entry_id(id, o, &f) != 0 || !reason || !*reason) {
        vt_diags_addf(d, "void: give the entry (N/YEAR) and --reason TEXT");
        vt_buf_free(&keep);
        return VT_ERR_USAGE;
    }
    vt_issue_opts when = o->iss;
    char date[16];
    if (!when.year)
        vt_issue_today(&when.year, &when.month, &when.day);
    snprintf(date, sizeof date, "%04d-%02d-%02d", when.year, when.month,
             when.day);
    vt_reg_update u = {.void_reason = reason, .void_date = date};
    vt_error rc = vt_register_update(reg, &f, &u, d);
    if (rc == VT_OK)
        printf("%s: void since %s: %s\n", id, date, reason);
    vt_buf_free(&keep);
    return rc;
}

/* Ngày chuyển, ký nhận and ghi chú: the columns filled after issuing. */
static vt_error register_note(const opts *o, vt_register *reg,
                              const char *id, vt_diags *d)
{
    vt_reg_filter f = {0};
    if (parse_entry_id(id, o, &f) != 0 ||
        !(o->sent.year || o->received_by || o->note)) {
        vt_diags_addf(d, "note: give the entry (N/YEAR) and at least one of "
                         "--sent YYYY-MM-DD, --received-by NAME, --note TEXT");
        return VT_ERR_USAGE;
    }
    char sent[16];
    snprintf(sent, sizeof sent, "%04d-%02d-%02d", o->sent.year, o->sent.month,
             o->sent.day);
    vt_reg_update u = {.sent_date = o->sent.year ? sent : NULL,
                       .received_by = o->received_by, .note = o->note};
    vt_buf keep[2];
    vt_buf_init(&keep[0]);
    vt_buf_init(&keep[1]);
    vt_error rc = VT_ERR_USAGE;
    if (clean_arg("--received-by", &u.received_by, &keep[0], d) == 0 &&
        clean_arg("--note", &u.note, &keep[1], d) == 0)
        rc = vt_register_update(reg, &f, &u, d);
    vt_buf_free(&keep[0]);
    vt_buf_free(&keep[1]);
    return rc;
}

static vt_error register_export(const opts *o, vt_register *reg, vt_diags *d)
{
    vt_book_opts b = {VT_BOOK_CSV, o->year, o->agency, NULL};
    if (!o->format || !o->output ||
        (strcmp(o->format, "csv") != 0 && strcmp(o->format, "docx") != 0 &&
         strcmp(o->format, "xlsx") != 0 && strcmp(o->format, "pdf") != 0)) {
        vt_diags_addf(d, "export: give --format csv, docx, xlsx or pdf, and "
                         "-o FILE");
        return VT_ERR_USAGE;
    }
    vt_template *tpl = NULL;
    vt_error rc = VT_OK;
    if (strcmp(o->format, "xlsx") == 0)
        b.format = VT_BOOK_XLSX;
    int pdf = strcmp(o->format, "pdf") == 0; /* the DOCX book, converted */
    if (strcmp(o->format, "docx") == 0 || pdf) {
        b.format = VT_BOOK_DOCX;
        char *path = o->tpl ? strdup(o->tpl) : default_template("mau-1.4");
        rc = path ? vt_template_open(path, &o->lim, &tpl, d) : VT_ERR_NOMEM;
        free(path);
        b.tpl = tpl;
    }
    if (rc == VT_OK)
        rc = pdf ? vt_cli_book_pdf(reg, &b, o->output, d)
                 : vt_book_export(reg, &b, o->output, d);
    if (rc == VT_OK)
        printf("%s\n", o->output);
    vt_template_free(tpl);
    return rc;
}

static vt_error register_verify(const opts *o, vt_register *reg,
                                const char *nss_dir, vt_diags *d)
{
    size_t checked = 0, pdfs[2] = {0, 0};
    vt_error rc = vt_book_verify(reg, o->year, nss_dir, stdout, &checked,
                                 pdfs, d);
    if (rc == VT_OK)
        printf("%zu archived file%s match the register\n", checked,
               checked == 1 ? "" : "s");
    if (rc == VT_OK && (pdfs[0] || pdfs[1]))
        printf("%zu archived PDF%s signed and valid%s, %zu not signed\n",
               pdfs[0], pdfs[0] == 1 ? "" : "s",
               nss_dir ? " (trusted)" : " (integrity; trust not checked "
                                        "without --nss-dir)",
               pdfs[1]);
    return rc;
}

static vt_error register_agency(opts *o, vt_register *reg, const char *abbr,
                                vt_diags *d)
{
    vt_error rc = VT_OK;
    vt_buf keep[2];
    vt_buf_init(&keep[0]);
    vt_buf_init(&keep[1]);
    if (clean_arg("--name", &o->set.name, &keep[0], d) != 0 ||
        clean_arg("--parent", &o->set.parent, &keep[1], d) != 0)
        rc = VT_ERR_USAGE;
    if (rc == VT_OK && abbr && (o->set.name || o->set.parent ||
                                o->set.series_policy || o->set.book)) {
        o->set.abbr = abbr;
        rc = vt_register_set_agency(reg, &o->set, d);
    }
    vt_buf_free(&keep[0]);
    vt_buf_free(&keep[1]);
    if (rc == VT_OK)
        rc = vt_register_agencies(reg, print_agency, NULL, d);
    return rc;
}

static int cmd_register(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(REGISTER_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? VT_EXIT_USAGE : VT_EXIT_OK;
    }
    static const char *const subs[] = {"list", "show", "void", "export",
                                       "verify", "agency", "note"};
    /* operands each subcommand takes, and whether it writes */
    static const int min_args[] = {0, 1, 1, 0, 0, 0, 1};
    static const int max_args[] = {0, 1, 1, 0, 0, 1, 1};
    static const int writes[] = {0, 0, 1, 0, 0, 1, 1};
    size_t k = 0;
    while (k < 7 && strcmp(argv[1], subs[k]) != 0)
        k++;
    if (k == 7) {
        fprintf(stderr, "vanthu register: unknown command \"%s\"\n%s", argv[1],
                REGISTER_HELP);
        return VT_EXIT_USAGE;
    }
    const char *nss_dir = NULL; /* verify --nss-dir: signatures' trust */
    if (k == 4 && vt_cli_nss_flag(&argc, argv, &nss_dir) != 0)
        return VT_EXIT_USAGE;
    opts o;
    int i = parse_opts(argc - 1, argv + 1, &o, G_REG | G_BOOK | G_ISSUE);
    if (i < 0)
        return VT_EXIT_USAGE;
    i++; /* back to argv's numbering */
    if (o.help) {
        fputs(REGISTER_HELP, stdout);
        return VT_EXIT_OK;
    }
    int nargs = argc - i;
    if (nargs < min_args[k] || nargs > max_args[k]) {
        fprintf(stderr, "vanthu register %s: wrong number of operands\n%s",
                subs[k], REGISTER_HELP);
        return VT_EXIT_USAGE;
    }
    const char *arg = nargs ? argv[i] : NULL;
    vt_diags d;
    vt_diags_init(&d);
    vt_register *reg = NULL;
    int write = writes[k] && !(k == 5 && !(o.set.name || o.set.parent ||
                                           o.set.series_policy || o.set.book));
    vt_error rc = open_register(&o, !write, &reg, &d);
    if (rc == VT_OK) {
        switch (k) {
        case 0: rc = register_list(&o, reg, &d); break;
        case 1: rc = register_show(&o, reg, arg, &d); break;
        case 2: rc = register_void(&o, reg, arg, &d); break;
        case 3: rc = register_export(&o, reg, &d); break;
        case 4: rc = register_verify(&o, reg, nss_dir, &d); break;
        case 5: rc = register_agency(&o, reg, arg, &d); break;
        default: rc = register_note(&o, reg, arg, &d); break;
        }
    }
    vt_register_close(reg);
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
            rc = vt_plan_lint(argv[i], &o.lim, &p, &d); /* with warnings */
            /* a batch plan (a giấy mời with <clusters>, or any plan with
             * <clusters> and <invitation>) gets the checks invite would
             * make, in the same words */
            if (rc == VT_OK && vt_plan_is_batch(p))
                rc = vt_invite_check(p, NULL, VT_PER_CLUSTER, &d);
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
    /* each malloc arena reserves 64 MiB of address space: one per thread
     * of -j 64 would need 4 GiB, and under ulimit -v the threads would
     * fail to allocate instead of running */
    mallopt(M_ARENA_MAX, 8);
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
    if (strcmp(cmd, "issue") == 0)
        return cmd_issue(argc - 1, argv + 1);
    if (strcmp(cmd, "register") == 0)
        return cmd_register(argc - 1, argv + 1);
    if (strcmp(cmd, "clusters") == 0)
        return vt_cmd_clusters(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return vt_cmd_import(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return vt_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "pdf") == 0)
        return vt_cmd_pdf(argc - 1, argv + 1);
    if (strcmp(cmd, "sign") == 0)
        return vt_cmd_sign(argc - 1, argv + 1);
    if (strcmp(cmd, "verify-signature") == 0)
        return vt_cmd_verify_signature(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return vt_cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return vt_cmd_serve(argc - 1, argv + 1);
    fprintf(stderr, "vanthu: unknown command \"%s\"\n%s", cmd, USAGE);
    return VT_EXIT_USAGE;
}
