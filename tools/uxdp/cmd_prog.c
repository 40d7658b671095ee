// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp prog list OBJECT.o` and `uxdp prog dump OBJECT.o [--prog NAME] [--jited]`:
 * what an object holds, and each program's instructions as uxdp runs them
 * (after relocation and the xdp_md context rewrite), like `bpftool prog dump
 * xlated`; with --jited, each instruction followed by the x86-64 code the JIT
 * made for it (disassembled by objdump when it is installed, else in hex).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* One line of objdump's disassembly of the image: its offset and text. */
struct asm_line {
	uint32_t off;
	char *text;
};

/* Disassemble the image with objdump into lines; 0 lines if objdump is missing. */
static struct asm_line *objdump_image(const void *image, size_t size, size_t *n)
{
	char path[] = "/tmp/uxdp-jited-XXXXXX", cmd[256], line[512];
	struct asm_line *lines = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	*n = 0;
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, image, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "objdump -D -b binary -m i386:x86-64 -M intel --no-show-raw-insn %s 2>/dev/null",
		 path);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned int off;
		char *tab = strchr(line, '\t');

		if (!tab || sscanf(line, " %x:", &off) != 1)
			continue;
		tab[strcspn(tab, "\n")] = '\0';
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			lines = realloc(lines, cap * sizeof(*lines));
			if (!lines)
				break;
		}
		lines[*n].off = off;
		lines[(*n)++].text = strdup(tab + 1);
	}
	if (f)
		pclose(f);
	unlink(path);
	if (!lines)
		*n = 0;
	return lines;
}

/* The native code of [from, to): objdump lines, or hex bytes. */
static void dump_native(const uint8_t *image, uint32_t from, uint32_t to,
			const struct asm_line *lines, size_t nlines, size_t *li)
{
	if (nlines) {
		while (*li < nlines && lines[*li].off < from)
			(*li)++;
		for (; *li < nlines && lines[*li].off < to; (*li)++)
			printf("        %5x:  %s\n", lines[*li].off, lines[*li].text);
		return;
	}
	for (uint32_t o = from; o < to; o += 16) {
		printf("        %5x: ", o);
		for (uint32_t b = o; b < to && b < o + 16; b++)
			printf(" %02x", image[b]);
		printf("\n");
	}
}

static void dump_prog(const struct uxdp_prog *prog, bool jited)
{
	size_t cnt, size = 0, nlines = 0, li = 0;
	const struct bpf_insn *insns = uxdp_prog__insns(prog, &cnt);
	const uint32_t *off = NULL;
	const uint8_t *image = NULL;
	struct asm_line *lines = NULL;
	char buf[256];

	printf("%s:\n", uxdp_prog__name(prog));
	if (jited) {
		image = uxdp_prog__jited(prog, &size, &off);
		if (!image) {
			printf("  (not JIT-compiled: the program runs on the interpreter)\n");
		} else {
			lines = objdump_image(image, size, &nlines);
			printf("  x86-64 image: %zu bytes%s\n", size,
			       nlines ? "" : " (objdump not found: code in hex)");
			if (off[0])
				printf("  entry thunks and stubs:\n");
			dump_native(image, 0, off[0], lines, nlines, &li);
		}
	}
	for (size_t i = 0; i < cnt;) {
		int n = uxdp_disasm_insn(&insns[i], cnt - i, buf, sizeof(buf));

		if (n <= 0) {
			printf("%5zu: (%02x) <invalid>\n", i, insns[i].code);
			n = 1;
		} else {
			printf("%5zu: (%02x) %s\n", i, insns[i].code, buf);
		}
		if (image)
			dump_native(image, off[i], off[i + (size_t)n], lines, nlines, &li);
		i += (size_t)n;
	}
	for (size_t l = 0; l < nlines; l++)
		free(lines[l].text);
	free(lines);
}

int cmd_prog(int argc, char **argv)
{
	static char log[64 * 1024];
	const char *verb, *path, *name = NULL;
	struct uxdp_object *obj;
	int status = 0;

	bool jited = false;

	if (argc > 3 && !strcmp(argv[argc - 1], "--jited")) {
		jited = true;
		argc--;
	}
	if (argc < 3 || (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--prog")))) {
		fprintf(stderr, "usage: uxdp prog list OBJECT.o\n"
				"       uxdp prog dump OBJECT.o [--prog NAME] [--jited]\n");
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
		  .engine = jited ? UXDP_ENGINE_JIT : UXDP_ENGINE_INTERP);
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
			dump_prog(p, jited);
		}
		if (name && !found) {
			cli_err("prog: no program '%s' in %s", name, path);
			status = 1;
		}
	}
	uxdp_object__close(obj);
	return status;
}
