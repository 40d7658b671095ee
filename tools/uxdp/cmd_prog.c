// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp prog list OBJECT.o` and `uxdp prog dump OBJECT.o [--prog NAME]`:
 * what an object holds, and each program's instructions as uxdp runs them
 * (after relocation and the xdp_md context rewrite), like `bpftool prog dump
 * xlated`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "uxdp/uxdp.h"
#include "uxdp_cli.h"

static const char *type_name(enum uxdp_prog_type t)
{
	switch (t) {
	case UXDP_PROG_XDP:
		return "xdp";
	case UXDP_PROG_XDP_DEVMAP:
		return "xdp/devmap";
	case UXDP_PROG_XDP_CPUMAP:
		return "xdp/cpumap";
	default:
		return "raw";
	}
}

static void dump_prog(const struct uxdp_prog *prog)
{
	size_t cnt;
	const struct bpf_insn *insns = uxdp_prog__insns(prog, &cnt);
	char buf[256];

	printf("%s:\n", uxdp_prog__name(prog));
	for (size_t i = 0; i < cnt;) {
		int n = uxdp_disasm_insn(&insns[i], cnt - i, buf, sizeof(buf));

		if (n <= 0) {
			printf("%5zu: (%02x) <invalid>\n", i, insns[i].code);
			n = 1;
		} else {
			printf("%5zu: (%02x) %s\n", i, insns[i].code, buf);
		}
		i += (size_t)n;
	}
}

int cmd_prog(int argc, char **argv)
{
	static char log[64 * 1024];
	const char *verb, *path, *name = NULL;
	struct uxdp_object *obj;
	int status = 0;

	if (argc < 3 || (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--prog")))) {
		fprintf(stderr, "usage: uxdp prog list OBJECT.o\n"
				"       uxdp prog dump OBJECT.o [--prog NAME]\n");
		return 2;
	}
	verb = argv[1];
	path = argv[2];
	if (argc == 5)
		name = argv[4];
	if (strcmp(verb, "list") && strcmp(verb, "dump")) {
		cli_err("prog: unknown verb '%s' (list, dump)", verb);
		return 2;
	}
	UXDP_OPTS(uxdp_object_open_opts, oopts, .log_buf = log, .log_size = sizeof(log),
		  .engine = UXDP_ENGINE_INTERP);
	uxdp_set_print(NULL); /* the load log carries every message */
	obj = uxdp_object__open_file(path, &oopts);
	if (log[0])
		fputs(log, stderr);
	if (!obj) {
		cli_err("prog: cannot load %s: %s", path, strerror(errno));
		return 1;
	}
	if (!strcmp(verb, "list")) {
		for (size_t i = 0; i < uxdp_object__prog_cnt(obj); i++) {
			struct uxdp_prog *p = uxdp_object__prog(obj, i);
			size_t cnt;

			uxdp_prog__insns(p, &cnt);
			printf("%-24s section %-16s type %-10s %zu insns\n", uxdp_prog__name(p),
			       uxdp_object__prog_section(obj, i), type_name(uxdp_prog__type(p)), cnt);
		}
		for (size_t i = 0; i < uxdp_object__map_cnt(obj); i++) {
			struct uxdp_map *m = uxdp_object__map(obj, i);

			printf("map %-20s type %2d key %3u value %5u max_entries %u\n",
			       uxdp_map__name(m), uxdp_map__type(m), uxdp_map__key_size(m),
			       uxdp_map__value_size(m), uxdp_map__max_entries(m));
		}
	} else {
		bool found = false;

		for (size_t i = 0; i < uxdp_object__prog_cnt(obj); i++) {
			struct uxdp_prog *p = uxdp_object__prog(obj, i);

			if (name && strcmp(name, uxdp_prog__name(p)))
				continue;
			found = true;
			dump_prog(p);
		}
		if (name && !found) {
			cli_err("prog: no program '%s' in %s", name, path);
			status = 1;
		}
	}
	uxdp_object__close(obj);
	return status;
}
