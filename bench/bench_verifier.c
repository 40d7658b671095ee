// SPDX-License-Identifier: BSD-2-Clause
/*
 * Verification time: for every tests/progs object, the time to load it with
 * and without the static verifier (the difference is the verifier's), and the
 * same for a generated 5,000-instruction packet parser (bounds checks, byte
 * loads, branches, map lookups with NULL checks, subprogram calls). Best of N
 * runs. Goal: a 5,000-instruction program verifies in well under a second.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uxdp/uxdp.h"

#define RUNS 5

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct bpf_insn *emit(struct bpf_insn *p, uint8_t code, uint8_t dst, uint8_t src,
			     int16_t off, int32_t imm)
{
	*p = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
				.imm = imm };
	return p + 1;
}

/* A parser of about n instructions over the first 64 bytes of the packet. */
static size_t gen_program(struct bpf_insn *insns, size_t n)
{
	struct bpf_insn *p = insns, *jout;
	int k = 0;

	p = emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p = emit(p, BPF_LDX | BPF_MEM | BPF_W, 2, 6, 0, 0);
	p = emit(p, BPF_LDX | BPF_MEM | BPF_W, 3, 6, 4, 0);
	p = emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	p = emit(p, BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 64);
	jout = p;
	p = emit(p, BPF_JMP | BPF_JGT | BPF_X, 4, 3, 0, 0); /* patched: goto out */
	p = emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p = emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 7, 2, 0, 0);
	while ((size_t)(p - insns) + 24 < n) {
		if (k % 16 == 15) {
			/* map lookup keyed by a packet byte, NULL-checked, value updated */
			p = emit(p, BPF_LDX | BPF_MEM | BPF_B, 5, 7, (int16_t)(k % 64), 0);
			p = emit(p, BPF_STX | BPF_MEM | BPF_W, 10, 5, -4, 0);
			p = emit(p, BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 0);
			p = emit(p, 0, 0, 0, 0, 0);
			p = emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
			p = emit(p, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
			p = emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
			p = emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0);
			p = emit(p, BPF_LDX | BPF_MEM | BPF_DW, 8, 0, 0, 0);
			p = emit(p, BPF_ALU64 | BPF_ADD | BPF_K, 8, 0, 0, 1);
			p = emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		} else {
			p = emit(p, BPF_LDX | BPF_MEM | BPF_B, 5, 7, (int16_t)(k % 64), 0);
			p = emit(p, BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 2, k & 0xff);
			p = emit(p, BPF_ALU64 | BPF_ADD | BPF_X, 0, 5, 0, 0);
			p = emit(p, BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, k);
			p = emit(p, BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0xffff);
		}
		k++;
	}
	jout->off = (int16_t)(p - jout - 1);
	p = emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	p = emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return (size_t)(p - insns);
}

static double best_load(const struct bpf_insn *insns, size_t cnt, struct uxdp_map **maps,
			bool verify)
{
	double best = 1e18;

	for (int r = 0; r < RUNS; r++) {
		UXDP_OPTS(uxdp_prog_load_opts, o, .name = "gen", .type = UXDP_PROG_XDP,
			  .engine = UXDP_ENGINE_INTERP, .maps = maps, .map_cnt = 1,
			  .license = "GPL", .no_verify = !verify);
		double t0 = now_ms();
		struct uxdp_prog *prog = uxdp_prog__load(insns, cnt, &o);
		double t = now_ms() - t0;

		if (!prog) {
			fprintf(stderr, "bench_verifier: generated program refused\n");
			return -1;
		}
		uxdp_prog__put(prog);
		best = t < best ? t : best;
	}
	return best;
}

static double best_open(const char *path, size_t *insns)
{
	double best = 1e18;

	for (int r = 0; r < RUNS; r++) {
		UXDP_OPTS(uxdp_object_open_opts, o, .engine = UXDP_ENGINE_INTERP);
		double t0 = now_ms();
		struct uxdp_object *obj = uxdp_object__open_file(path, &o);
		double t = now_ms() - t0;

		if (!obj)
			return -1;
		*insns = 0;
		for (size_t i = 0; i < uxdp_object__prog_cnt(obj); i++) {
			size_t n;

			uxdp_prog__insns(uxdp_object__prog(obj, i), &n);
			*insns += n;
		}
		uxdp_object__close(obj);
		best = t < best ? t : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : BENCH_PROGS_DIR;
	size_t gen_n = argc > 2 ? strtoul(argv[2], NULL, 10) : 5000, cnt, big_insns = 0;
	char big[1024] = "", path[1200];
	struct bpf_insn *insns = calloc(gen_n + 64, sizeof(*insns));
	struct uxdp_map *map;
	double with, without, big_ms = 0;
	struct dirent *de;
	DIR *d;

	uxdp_set_print(NULL);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			size_t n = 0;
			double t;

			if (!strstr(de->d_name, ".bpf.o"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			t = best_open(path, &n);
			if (t >= 0 && n > big_insns) {
				big_insns = n;
				big_ms = t;
				snprintf(big, sizeof(big), "%s", de->d_name);
			}
		}
		closedir(d);
	}
	if (big[0])
		printf("largest test program: %-24s %5zu insns  open+load+verify %.3f ms (best of %d)\n",
		       big, big_insns, big_ms, RUNS);
	else
		printf("no test programs in %s\n", dir);

	map = uxdp_map__create(BPF_MAP_TYPE_HASH, "counts", 4, 8, 256, NULL);
	if (!insns || !map)
		return 1;
	cnt = gen_program(insns, gen_n);
	with = best_load(insns, cnt, &map, true);
	without = best_load(insns, cnt, &map, false);
	if (with < 0 || without < 0)
		return 1;
	printf("generated parser:     %5zu insns  load %.3f ms, without verifier %.3f ms: "
	       "verification %.3f ms (best of %d)\n",
	       cnt, with, without, with - without, RUNS);
	uxdp_map__put(map);
	free(insns);
	return 0;
}
