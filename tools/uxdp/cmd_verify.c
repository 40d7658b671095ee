// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp verify OBJECT.o [--prog NAME] [--log-level 1|2]`: load an object as
 * the daemon would and print the static verifier's log: for a refused
 * program, the instruction, its disassembly, the source line and the register
 * state that failed; with --log-level 1 a summary per program; with 2 every
 * instruction walked with the state after it. Exit 0 when every program (or
 * the named one) is accepted, 1 when one is refused, 2 on usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uxdp/uxdp.h"
#include "uxdp_cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: uxdp verify OBJECT.o [--prog NAME] [--log-level 1|2]\n");
}

/* Print the part of the object log that belongs to program name (or all). */
static void print_log(const char *log, const char *name)
{
	char head[128];
	const char *p, *end;

	if (!name) {
		fputs(log, stdout);
		return;
	}
	snprintf(head, sizeof(head), "program '%s':\n", name);
	p = strstr(log, head);
	if (!p) {
		snprintf(head, sizeof(head), "program '%s': load failed", name);
		p = strstr(log, head);
	}
	if (!p) {
		fputs(log, stdout);
		return;
	}
	end = strstr(p + strlen(head), "program '");
	fwrite(p, 1, end ? (size_t)(end - p) : strlen(p), stdout);
}

int cmd_verify(int argc, char **argv)
{
	const char *path = NULL, *name = NULL;
	unsigned level = 1;
	struct uxdp_object *obj;
	size_t log_size;
	char *log;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
			char *e;

			level = (unsigned)strtoul(argv[++i], &e, 10);
			if (*e || level < 1 || level > 2) {
				cli_err("verify: --log-level takes 1 or 2");
				return 2;
			}
		} else if (argv[i][0] == '-' || path) {
			cli_err("verify: unexpected argument '%s'", argv[i]);
			usage(stderr);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	log_size = level >= 2 ? 256u << 20 : 1u << 20;
	log = calloc(1, log_size);
	if (!log) {
		cli_err("verify: out of memory");
		return 1;
	}
	UXDP_OPTS(uxdp_object_open_opts, oopts, .log_buf = log, .log_size = log_size,
		  .log_level = level, .engine = UXDP_ENGINE_INTERP);
	uxdp_set_print(NULL); /* the log carries every message */
	obj = uxdp_object__open_file(path, &oopts);
	print_log(log, name);
	if (!obj) {
		cli_err("verify: %s refused: %s", path, strerror(errno));
		free(log);
		return 1;
	}
	if (name && !uxdp_object__find_prog(obj, name)) {
		cli_err("verify: no program '%s' in %s", name, path);
		status = 1;
	} else {
		for (size_t i = 0; i < uxdp_object__prog_cnt(obj); i++) {
			struct uxdp_prog *p = uxdp_object__prog(obj, i);

			if (!name || !strcmp(name, uxdp_prog__name(p)))
				printf("%s: accepted\n", uxdp_prog__name(p));
		}
	}
	uxdp_object__close(obj);
	free(log);
	return status;
}
