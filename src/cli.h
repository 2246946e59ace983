/*
 * cli.h - what the command files share.
 *
 * The vanthu binary is src/cli.c (dispatch, the original commands) plus
 * one src/cli_<command>.c per later command, so that commands can grow
 * without one file holding every option of every job.  Each command is
 * int vt_cmd_<name>(int argc, char **argv), argv[0] being the command's
 * own name, returning an exit code (VT_EXIT_*).
 */
#ifndef VT_CLI_H
#define VT_CLI_H

#include "vanthu.h"

/* Print the diagnostics to stderr, free them, and map rc to an exit
 * code: the last step of every command. */
int vt_cli_finish(vt_error rc, vt_diags *d);

/* cli_sign.c: vanthu sign, vanthu verify-signature */
int vt_cmd_sign(int argc, char **argv);
int vt_cmd_verify_signature(int argc, char **argv);

#endif
