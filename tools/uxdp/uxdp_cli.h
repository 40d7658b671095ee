/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The uxdp command-line tool: one function per verb, dispatched from a table
 * in main.c. Each verb parses its own options and returns the exit status
 * (0 success, 1 failure, 2 usage error).
 */
#ifndef UXDP_CLI_H
#define UXDP_CLI_H

int cmd_test_run(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Print "uxdp: <message>" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UXDP_CLI_H */
