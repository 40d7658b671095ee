// SPDX-License-Identifier: BSD-2-Clause
/*
 * Data-driven verifier tests. A case file (tests/verifier/NAME.case) holds
 * programs in the text assembler's dialect, each twice: a version the
 * verifier must refuse (with a fragment of the expected message) and its
 * accepted twin, which differs only in the fix. Lines starting with "- " are
 * in the refused version only, lines starting with "+ " in the accepted one
 * only. Every accepted twin is then run by the interpreter on short and long
 * packets (under the sanitizers in `make check`), so a twin that should not
 * have been accepted shows up as a crash.
 *
 *   === name                      starts a case
 *   type: xdp|devmap|raw          program type (default xdp)
 *   mem: N                        raw programs: bytes r1 points to
 *   map: NAME TYPE KEY VALUE MAX [rdonly]   a map fixture (array, hash,
 *                                 percpu_array, lru_hash, ringbuf, prog_array,
 *                                 devmap, array_of_maps)
 *   error: FRAGMENT               the refused version's log must contain this
 *   accept: only                  no refused version (an acceptance test)
 *   vary: X = a b c               one case per value, $X replaced in name and text
 *
 * Extra mnemonics: `ldmap %rN, NAME`, `ldmapval %rN, NAME, OFF` (address of a
 * global-data value) and `ldfunc %rN, LABEL` (callback address).
 *
 * Usage: run_cases [--dump DIR] FILE.case...   (one line per case; exit 1 on any
 * failure; --dump writes each accepted XDP twin to DIR as a fuzz_verifier seed)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "uxdp/uxdp.h"
#include "uxdp/asm.h"

#define MAX_MAPS 8
#define MAGIC_MAP 0x7eadbeefu
#define MAGIC_VAL 0x7eadbee0u
#define MAGIC_FUNC 0x7eadf00d

struct tcase {
	char name[1100];
	enum uxdp_prog_type type;
	uint32_t mem;
	char error[1100];
	bool accept_only;
	char *maps[MAX_MAPS]; /* "NAME TYPE KEY VALUE MAX [rdonly]" */
	int map_cnt;
	char *text; /* the program, with - / + lines */
	size_t text_len, text_cap;
	int line;
};

static int failures, reject_cnt, accept_cnt;
static const char *dump_dir; /* --dump DIR: accepted XDP twins as fuzz seeds */
static char log_buf[1 << 20];

static void append(struct tcase *c, const char *s)
{
	size_t n = strlen(s);

	if (c->text_len + n + 1 > c->text_cap) {
		c->text_cap = (c->text_len + n + 1) * 2;
		c->text = realloc(c->text, c->text_cap);
		if (!c->text)
			abort();
	}
	memcpy(c->text + c->text_len, s, n + 1);
	c->text_len += n;
}

static int map_index(const struct tcase *c, const char *name)
{
	for (int m = 0; m < c->map_cnt; m++) {
		size_t n = strcspn(c->maps[m], " ");

		if (strlen(name) == n && !strncmp(c->maps[m], name, n))
			return m;
	}
	return -1;
}

/* The program for one side: rejected (reject=true) or accepted; extra mnemonics expanded. */
static char *variant(const struct tcase *c, bool reject, char *err, size_t err_sz)
{
	char *out = calloc(1, c->text_len * 4 + 64), *copy = strdup(c->text), *save = NULL;
	size_t used = 0;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char reg[16], a[64], b[64];
		int idx;

		if (!strncmp(l, "- ", 2)) {
			if (!reject)
				continue;
			l += 2;
		} else if (!strncmp(l, "+ ", 2)) {
			if (reject)
				continue;
			l += 2;
		}
		while (*l == ' ' || *l == '\t')
			l++;
		if (sscanf(l, "ldmapval %15[^,], %63[^,], %63s", reg, a, b) == 3) {
			idx = map_index(c, a);
			if (idx < 0)
				goto bad_map;
			used += (size_t)sprintf(out + used, "lddw %s, 0x%08x%08x\n", reg, MAGIC_VAL,
						(unsigned)(idx << 16 | (atoi(b) & 0xffff)));
		} else if (sscanf(l, "ldmap %15[^,], %63s", reg, a) == 2) {
			idx = map_index(c, a);
			if (idx < 0)
				goto bad_map;
			used += (size_t)sprintf(out + used, "lddw %s, 0x%08x%08x\n", reg, MAGIC_MAP,
						(unsigned)idx);
		} else if (sscanf(l, "ldfunc %15[^,], %63s", reg, a) == 2) {
			used += (size_t)sprintf(out + used, "call local %s\nmov %s, 0x%x\n", a, reg,
						MAGIC_FUNC);
		} else {
			used += (size_t)sprintf(out + used, "%s\n", l);
		}
		continue;
bad_map:
		snprintf(err, err_sz, "unknown map '%s'", a);
		free(out);
		free(copy);
		return NULL;
	}
	free(copy);
	return out;
}

/* Turn the magic lddw/mov forms into map and function references. */
static void patch(struct bpf_insn *insns, size_t cnt)
{
	for (size_t i = 0; i + 1 < cnt; i++) {
		struct bpf_insn *in = &insns[i];

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			uint32_t hi = (uint32_t)in[1].imm, lo = (uint32_t)in->imm;

			if (hi == MAGIC_MAP) {
				in->src_reg = BPF_PSEUDO_MAP_IDX;
				in[1].imm = 0;
			} else if (hi == MAGIC_VAL) {
				in->src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
				in->imm = (int32_t)(lo >> 16);
				in[1].imm = (int32_t)(lo & 0xffff);
			}
			i++;
		} else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL &&
			   in[1].code == (BPF_ALU64 | BPF_MOV | BPF_K) && in[1].imm == MAGIC_FUNC) {
			int32_t off = in->imm;
			uint8_t dst = in[1].dst_reg;

			memset(in, 0, 2 * sizeof(*in));
			in->code = BPF_LD | BPF_IMM | BPF_DW;
			in->dst_reg = dst;
			in->src_reg = BPF_PSEUDO_FUNC;
			in->imm = off;
			i++;
		}
	}
}

static enum bpf_map_type map_type(const char *t)
{
	static const struct {
		const char *n;
		enum bpf_map_type t;
	} types[] = {
		{ "array", BPF_MAP_TYPE_ARRAY },
		{ "hash", BPF_MAP_TYPE_HASH },
		{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY },
		{ "lru_hash", BPF_MAP_TYPE_LRU_HASH },
		{ "ringbuf", BPF_MAP_TYPE_RINGBUF },
		{ "prog_array", BPF_MAP_TYPE_PROG_ARRAY },
		{ "devmap", BPF_MAP_TYPE_DEVMAP },
		{ "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].n, t))
			return types[i].t;
	return BPF_MAP_TYPE_UNSPEC;
}

static int make_maps(const struct tcase *c, struct uxdp_map **maps)
{
	for (int m = 0; m < c->map_cnt; m++) {
		char name[32], type[32], flag[32] = "";
		unsigned ks, vs, max;
		struct uxdp_map *inner = NULL;

		if (sscanf(c->maps[m], "%31s %31s %u %u %u %31s", name, type, &ks, &vs, &max, flag) <
		    5) {
			fprintf(stderr, "%s: bad map line '%s'\n", c->name, c->maps[m]);
			return -1;
		}
		if (!strcmp(type, "array_of_maps"))
			inner = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "inner", 4, 8, 4, NULL);
		UXDP_OPTS(uxdp_map_create_opts, o,
			  .map_flags = !strcmp(flag, "rdonly") ? BPF_F_RDONLY_PROG : 0,
			  .inner_map = inner);
		maps[m] = uxdp_map__create(map_type(type), name, ks, vs, max, &o);
		if (inner)
			uxdp_map__put(inner);
		if (!maps[m]) {
			fprintf(stderr, "%s: cannot create map '%s': %s\n", c->name, c->maps[m],
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Run an accepted XDP program on a few packets: a wrongly accepted one crashes here. */
static void exercise(struct uxdp_prog *prog)
{
	static const uint32_t lens[] = { 14, 15, 60, 64, 1500 };
	static uint8_t pkt[1500], out[4096];
	struct uxdp_exec *ex = uxdp_exec__new(NULL);

	if (!ex)
		return;
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7 + 3);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		UXDP_OPTS(uxdp_test_run_opts, t, .data_in = pkt, .data_size_in = lens[k],
			  .data_out = out, .data_size_out = sizeof(out));
		uxdp_prog__test_run(prog, ex, &t);
	}
	uxdp_exec__free(ex);
}

/* A fuzz_verifier input: one seed byte, then the instructions. */
static void dump(const char *name, const struct bpf_insn *insns, size_t cnt)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dump_dir, name);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(0, f);
	fwrite(insns, sizeof(*insns), cnt, f);
	fclose(f);
}

static void run_case(struct tcase *c)
{
	struct uxdp_map *maps[MAX_MAPS] = { 0 };

	if (make_maps(c, maps)) {
		failures++;
		goto out;
	}
	for (int side = 0; side < 2; side++) {
		bool reject = side == 0;
		char err[512] = "", *text;
		struct bpf_insn *insns = NULL;
		size_t cnt = 0;
		struct uxdp_prog *prog;

		if (reject && c->accept_only)
			continue;
		text = variant(c, reject, err, sizeof(err));
		if (!text || uxdp_asm(text, &insns, &cnt, err, sizeof(err))) {
			printf("FAIL %s (%s): does not assemble: %s\n", c->name,
			       reject ? "refused version" : "accepted twin", err);
			failures++;
			free(text);
			continue;
		}
		patch(insns, cnt);
		UXDP_OPTS(uxdp_prog_load_opts, o, .name = "case", .type = c->type,
			  .engine = UXDP_ENGINE_INTERP, .maps = maps, .map_cnt = (size_t)c->map_cnt,
			  .license = "GPL", .log_buf = log_buf, .log_size = sizeof(log_buf),
			  .raw_mem_size = c->mem);
		prog = uxdp_prog__load(insns, cnt, &o);
		if (reject) {
			reject_cnt++;
			if (prog) {
				printf("FAIL %s: accepted, but it must be refused (%s)\n", c->name,
				       c->error);
				failures++;
			} else if (!strstr(log_buf, c->error)) {
				printf("FAIL %s: refused, but the log lacks '%s':\n%s", c->name,
				       c->error, log_buf);
				failures++;
			} else {
				printf("ok   %s: refused (%s)\n", c->name, c->error);
			}
		} else {
			accept_cnt++;
			if (!prog) {
				printf("FAIL %s: the twin must be accepted:\n%s\n", c->name, log_buf);
				failures++;
			} else {
				printf("ok   %s: twin accepted\n", c->name);
				if (dump_dir && c->type == UXDP_PROG_XDP)
					dump(c->name, insns, cnt);
				if (c->type != UXDP_PROG_RAW)
					exercise(prog);
			}
		}
		uxdp_prog__put(prog);
		free(insns);
		free(text);
	}
out:
	for (int m = 0; m < c->map_cnt; m++)
		uxdp_map__put(maps[m]);
}

/* Replace every $var by val in s (into a new string). */
static char *subst(const char *s, const char *var, const char *val)
{
	size_t vl = strlen(var), nl = strlen(val), cap = strlen(s) * (nl + 2) + 1, o = 0;
	char *out = malloc(cap);

	while (*s) {
		if (*s == '$' && !strncmp(s + 1, var, vl)) {
			memcpy(out + o, val, nl);
			o += nl;
			s += vl + 1;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = 0;
	return out;
}

static void expand_and_run(struct tcase *c, char *vary)
{
	char var[32], *vals, *save = NULL;

	if (!vary || sscanf(vary, " %31[^ =] =", var) != 1) {
		run_case(c);
		return;
	}
	vals = strchr(vary, '=') + 1;
	for (char *v = strtok_r(vals, " \t", &save); v; v = strtok_r(NULL, " \t", &save)) {
		struct tcase d = *c;
		char *n = subst(c->name, var, v), *e = subst(c->error, var, v);

		snprintf(d.name, sizeof(d.name), "%s", n);
		snprintf(d.error, sizeof(d.error), "%s", e);
		d.text = subst(c->text, var, v);
		d.text_len = strlen(d.text);
		for (int m = 0; m < c->map_cnt; m++)
			d.maps[m] = subst(c->maps[m], var, v);
		run_case(&d);
		for (int m = 0; m < c->map_cnt; m++)
			free(d.maps[m]);
		free(d.text);
		free(n);
		free(e);
	}
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], *vary = NULL;
	struct tcase c;
	bool in = false;
	int ln = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(&c, 0, sizeof(c));
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);

		ln++;
		if (eof || !strncmp(line, "===", 3)) {
			if (in) {
				if (!c.error[0] && !c.accept_only) {
					printf("FAIL %s: no 'error:' line\n", c.name);
					failures++;
				} else {
					expand_and_run(&c, vary);
				}
				for (int m = 0; m < c.map_cnt; m++)
					free(c.maps[m]);
				free(c.text);
				free(vary);
				vary = NULL;
			}
			if (eof)
				break;
			memset(&c, 0, sizeof(c));
			c.type = UXDP_PROG_XDP;
			c.line = ln;
			line[strcspn(line, "\n")] = 0;
			snprintf(c.name, sizeof(c.name), "%s", line + 4);
			append(&c, "");
			in = true;
			continue;
		}
		if (!in || line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "type: ", 6)) {
			c.type = !strcmp(line + 6, "raw")	   ? UXDP_PROG_RAW :
				 !strcmp(line + 6, "devmap") ? UXDP_PROG_XDP_DEVMAP :
								  UXDP_PROG_XDP;
		} else if (!strncmp(line, "mem: ", 5)) {
			c.mem = (uint32_t)atoi(line + 5);
		} else if (!strncmp(line, "map: ", 5) && c.map_cnt < MAX_MAPS) {
			c.maps[c.map_cnt++] = strdup(line + 5);
		} else if (!strncmp(line, "error: ", 7)) {
			snprintf(c.error, sizeof(c.error), "%s", line + 7);
		} else if (!strncmp(line, "accept: only", 12)) {
			c.accept_only = true;
		} else if (!strncmp(line, "vary: ", 6)) {
			vary = strdup(line + 6);
		} else {
			append(&c, line);
			append(&c, "\n");
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: run_cases FILE.case...\n");
		return 2;
	}
	uxdp_set_print(NULL);
	if (argc > 2 && !strcmp(argv[1], "--dump")) {
		dump_dir = argv[2];
		mkdir(dump_dir, 0755);
		argc -= 2;
		argv += 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i]))
			failures++;
	printf("%d refused versions, %d accepted twins, %d failures\n", reject_cnt, accept_cnt,
	       failures);
	return failures ? 1 : 0;
}
