/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The uxdp command-line tool: one function per verb, dispatched from a table
 * in main.c. Each verb parses its own options and returns the exit status
 * (0 success, 1 failure, 2 usage error).
 */
#ifndef UXDP_CLI_H
#define UXDP_CLI_H

#include <stdbool.h>
#include <stddef.h>

int cmd_test_run(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_map(int argc, char **argv);

/* Daemon verbs (cmd_attach.c): the control socket (--ctl, else $UXDP_CTL, else the default). */
const char *cli_ctl_path(const char *opt);
/* Connect, send one request, read the reply text; returns the daemon's status. */
int cli_ctl_call(const char *ctl, void *msg, size_t len, char **text);
/* Copy name into a protocol name field; false (after a message) if it does not fit. */
bool cli_set_name(char *field, const char *name, const char *what);
/* Print the reply text (status 0, exit 0) or the error (exit 1); frees text. */
int cli_finish(int rc, char *text);

/* Print "uxdp: <message>" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UXDP_CLI_H */
