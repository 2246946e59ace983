/*
 * cli_flags.c - flags that several commands take out of argv before (or
 * beside) their own parser: one reading of "--flag V" / "--flag=V", one
 * check that a password-file flag was spelled out in full, and the package
 * limits (--max-part-bytes, --max-parts, --max-elements) for the commands
 * that read a DOCX a clerk brings rather than a plan: `import` and `check`.
 *
 * The package reader's messages tell the clerk which flag raises a limit,
 * so every command that can hit one must take that flag; render, invite
 * and validate parse theirs with the rest of their options in cli.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *flag;
    size_t offset;
} LIMIT_FLAGS[] = {
    {"--max-part-bytes", offsetof(vt_limits, max_part_bytes)},
    {"--max-parts", offsetof(vt_limits, max_parts)},
    {"--max-elements", offsetof(vt_limits, max_elements)},
};

const char *vt_cli_flag_value(int argc, char **argv, int *i,
                              const char *flag, int *missing)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

/* getopt accepts any unambiguous prefix, so "--password SECRET" would
 * pass as --password-file and read a file named after the password:
 * insist on the full name, so a password typed there is refused. */
int vt_cli_spelled_out(char **argv, const char *name)
{
    const char *opt = optarg == argv[optind - 1] ? argv[optind - 2]
                                                 : argv[optind - 1];
    size_t n = strlen(name);
    return strncmp(opt, name, n) == 0 && (opt[n] == 0 || opt[n] == '=');
}

int vt_cli_limit_flags(int *argc, char **argv, vt_limits *lim)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        const char *v = NULL;
        size_t k = 0;
        int missing = 0;
        for (; k < sizeof LIMIT_FLAGS / sizeof LIMIT_FLAGS[0]; k++)
            if ((v = vt_cli_flag_value(*argc, argv, &i, LIMIT_FLAGS[k].flag, &missing)) ||
                missing)
                break;
        if (!v && !missing) {
            argv[out++] = argv[i];
            continue;
        }
        char *end;
        errno = 0;
        unsigned long long n = v ? strtoull(v, &end, 10) : 0;
        if (missing || !*v || *end || errno || v[0] == '-' || n == 0 ||
            n > SIZE_MAX / 8) {
            fprintf(stderr, "vanthu %s: %s needs a positive whole number\n",
                    argv[0], LIMIT_FLAGS[k].flag);
            return -1;
        }
        *(size_t *)((char *)lim + LIMIT_FLAGS[k].offset) = (size_t)n;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}
