// SPDX-License-Identifier: BSD-2-Clause
/*
 * Data path benchmark, one worker polling a gen: port (64-byte packets) in
 * its own loop: XDP_DROP, XDP_TX (MAC swap), REDIRECT through a devmap to a
 * null: port, in Mpps; then seed 004's experiment: intermixed traffic (half
 * PASS into a host stage that touches each packet, half DROP) through a
 * larger program, vector mode vs per-packet mode, vector sizes 1..64.
 *   usage: bench_dp [-s SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uxdp/dp.h"
#include "uxdp/map.h"
#include "uxdp/vm.h"

#define I(CODE, DST, SRC, OFF, IMM) ((struct bpf_insn){CODE, DST, SRC, OFF, IMM})

static double seconds = 1.0;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct uxdp_prog *load(const struct bpf_insn *insns, size_t n, struct uxdp_map *map)
{
	char log[512] = "";
	UXDP_OPTS(uxdp_prog_load_opts, o, .name = "bench", .type = UXDP_PROG_XDP,
		  .maps = map ? &map : NULL, .map_cnt = map ? 1 : 0, .license = "GPL",
		  .log_buf = log, .log_size = sizeof(log));
	struct uxdp_prog *p = uxdp_prog__load(insns, n, &o);

	if (!p) {
		fprintf(stderr, "bench_dp: load: %s\n", log);
		exit(1);
	}
	return p;
}

/* r2 = data, r3 = data_end; if data + 14 > data_end: ABORTED */
#define PROLOGUE                                                                                   \
	I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0), I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0),        \
		I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),                                        \
		I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34),                                       \
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_ABORTED),                              \
		I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 0, 0) /* patched */

static struct uxdp_prog *prog_drop(void)
{
	struct bpf_insn i[] = {I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_DROP),
			       I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
	return load(i, 2, NULL);
}

static struct uxdp_prog *prog_macswap(void)
{
	struct bpf_insn i[] = {
		PROLOGUE,
		/* swap 6-byte MACs as u32 + u16 */
		I(BPF_LDX | BPF_MEM | BPF_W, 5, 2, 0, 0), I(BPF_LDX | BPF_MEM | BPF_H, 6, 2, 4, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 7, 2, 6, 0), I(BPF_LDX | BPF_MEM | BPF_H, 8, 2, 10, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 2, 7, 0, 0), I(BPF_STX | BPF_MEM | BPF_H, 2, 8, 4, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 2, 5, 6, 0), I(BPF_STX | BPF_MEM | BPF_H, 2, 6, 10, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_TX), I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	i[5].off = 9;
	return load(i, sizeof(i) / sizeof(i[0]), NULL);
}

static struct uxdp_prog *prog_redirect(struct uxdp_map *dm)
{
	struct bpf_insn i[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 0), I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0), I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map), I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	return load(i, sizeof(i) / sizeof(i[0]), dm);
}

/* A larger program: hash the first 32 bytes many times, then PASS odd flows, DROP even. */
static struct uxdp_prog *prog_large(int rounds)
{
	size_t n = 0, cap = 16 + (size_t)rounds * 8;
	struct bpf_insn *i = calloc(cap, sizeof(*i));
	struct uxdp_prog *p;

	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	i[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_ABORTED);
	i[n++] = I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, (int16_t)(rounds * 4 + 6), 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
	for (int r = 0; r < rounds; r++) {
		i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 5, 2, (int16_t)((r * 4) % 32), 0);
		i[n++] = I(BPF_ALU64 | BPF_XOR | BPF_X, 6, 5, 0, 0);
		i[n++] = I(BPF_ALU64 | BPF_MUL | BPF_K, 6, 0, 0, 0x9e3779b1 + r);
		i[n++] = I(BPF_ALU64 | BPF_RSH | BPF_K, 6, 0, 0, 7);
	}
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 5, 2, 29, 0);
	i[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 1);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_DROP);
	i[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	i[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p = load(i, n, NULL);
	free(i);
	return p;
}

static volatile uint64_t sink;

/* Host stage stand-in: read every byte, as building an skb and a checksum would. */
static void host_stage(void *cookie, struct uxdp_port *port, struct uxdp_frame **f, uint16_t n,
		       uint32_t worker)
{
	uint64_t s = 0;

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = uxdp_frame__data(f[i]);

		for (uint32_t k = 0; k < f[i]->len; k++)
			s += (uint64_t)d[k] << (k & 31);
	}
	sink += s;
	uxdp_frame__free_bulk(f, n, worker);
}

static double run(struct uxdp_prog *prog, struct uxdp_map *dm, bool per_packet, uint32_t vec,
		  bool host)
{
	char err[256];
	UXDP_OPTS(uxdp_port_open_opts, po, .err_buf = err, .err_size = sizeof(err));
	struct uxdp_port *g = uxdp_port__open("gen:size=60,flows=256", &po);
	struct uxdp_port *n = uxdp_port__open("null:", &po);
	UXDP_OPTS(uxdp_dp_opts, o, .vector_size = vec, .per_packet = per_packet);
	struct uxdp_dp *dp = uxdp_dp__new(&o);
	struct uxdp_dp_queue_stats s;
	uint64_t pkts = 0;
	double t0, t1;
	uint32_t key = 0, ifn;

	if (!g || !n || !dp) {
		fprintf(stderr, "bench_dp: %s\n", err);
		exit(1);
	}
	uxdp_dp__add_port(dp, g);
	uxdp_dp__add_port(dp, n);
	uxdp_dp__assign_rxq(dp, g, 0, 0);
	if (host)
		uxdp_dp__set_pass_handler(dp, g, host_stage, NULL);
	if (dm) {
		ifn = uxdp_port__ifindex(n);
		uxdp_map__update_elem(dm, &key, &ifn, 0);
	}
	uxdp_dp__attach(dp, g, prog);
	for (int i = 0; i < 2000; i++)
		uxdp_dp__poll(dp, 0);
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++)
			pkts += (uint64_t)uxdp_dp__poll(dp, 0);
		t1 = now();
	} while (t1 - t0 < seconds);
	uxdp_dp__get_stats(dp, g, -1, &s);
	if (s.aborted || s.redirect_err || s.tx_err)
		fprintf(stderr, "bench_dp: unexpected aborted/redirect_err/tx_err\n");
	uxdp_dp__free(dp);
	uxdp_port__close(n);
	uxdp_port__close(g);
	return (double)pkts / (t1 - t0) / 1e6;
}

int main(int argc, char **argv)
{
	struct uxdp_map *dm = uxdp_map__create(BPF_MAP_TYPE_DEVMAP, "ports", 4, 4, 4, NULL);
	struct uxdp_prog *drop = prog_drop(), *tx = prog_macswap(), *redir = prog_redirect(dm);
	struct uxdp_prog *large = prog_large(40);
	const uint32_t sizes[] = {1, 4, 8, 16, 32, 64};
	double pp, v16 = 0;
	int c;

	while ((c = getopt(argc, argv, "s:")) != -1)
		if (c == 's')
			seconds = atof(optarg);
	printf("engine: %s\n", uxdp_prog__engine(drop) == UXDP_ENGINE_JIT ? "jit" : "interp");
	printf("%-52s %8s\n", "one worker, gen: 64-byte packets (60 + FCS)", "Mpps");
	printf("%-52s %8.2f\n", "XDP_DROP", run(drop, NULL, false, 16, false));
	printf("%-52s %8.2f\n", "XDP_TX (MAC swap) on the gen port", run(tx, NULL, false, 16, false));
	printf("%-52s %8.2f\n", "XDP_REDIRECT devmap -> null port", run(redir, dm, false, 16, false));
	printf("\nseed 004: half PASS (host stage reads the packet), half DROP, %zu-insn program\n",
	       (size_t)(16 + 40 * 4));
	pp = run(large, NULL, true, 16, true);
	printf("%-52s %8.2f\n", "per-packet mode", pp);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double m = run(large, NULL, false, sizes[i], true);

		if (sizes[i] == 16)
			v16 = m;
		printf("vector mode, N = %-35u %8.2f\n", sizes[i], m);
	}
	printf("%-52s %8.2fx\n", "vector (N=16) / per-packet", v16 / pp);
	uxdp_prog__put(drop);
	uxdp_prog__put(tx);
	uxdp_prog__put(redir);
	uxdp_prog__put(large);
	uxdp_map__put(dm);
	return 0;
}
