// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp: the command-line tool. Verbs live in their own files; this file
 * holds the verb table, the help text and the dispatcher.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "uxdp_cli.h"

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
	{ "test-run", cmd_test_run,
	  "run an XDP program over a pcap file, like BPF_PROG_TEST_RUN" },
	{ "prog", cmd_prog, "inspect programs of an object: prog list|dump OBJECT.o" },
	{ "verify", cmd_verify, "run the static verifier on an object and print its log" },
	{ "attach", cmd_attach,
	  "run a program on a port of uxdpd: attach PORT OBJECT.o [--prog NAME]" },
	{ "detach", cmd_detach, "take the program off a port of uxdpd: detach PORT" },
	{ "stats", cmd_stats, "uxdpd's counters per port/queue: stats [--watch [SEC]] [--json]" },
	{ "map", cmd_map, "maps of uxdpd's objects: map dump NAME (bpftool's JSON)" },
};

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("uxdp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: uxdp VERB [ARGS]\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\n'uxdp VERB --help' describes a verb.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	cli_err("unknown verb '%s'", argv[1]);
	usage(stderr);
	return 2;
}
