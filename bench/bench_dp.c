// SPDX-License-Identifier: BSD-2-Clause
/*
 * Data path benchmark, one worker polling a gen: port (64-byte packets) in
 * its own loop: XDP_DROP, XDP_TX (MAC swap), REDIRECT through a devmap to a
 * null: port, in Mpps, with the generator writing every packet (fill=each) and
 * handing out pre-filled buffers (fill=once, as DPDK's net_null); then seed
 * 004's experiment: intermixed traffic (half PASS into a host stage, half
 * DROP) through a large JIT-compiled program, vector mode vs per-packet mode,
 * vector sizes 1..64. The host stage stands in for a kernel stack: it copies
 * the packet into a host buffer, checksums the copy and runs a second large
 * program (the stack's code footprint) over it. Each number is the best of
 * -n runs of -s seconds, with the cycles per packet the worker spent on the
 * CPU (this VM has no PMU, so no perf stat cycles: the time-stamp counter over
 * the run, scaled by the thread's CPU time over wall time, so time other
 * processes took the CPU away is not counted) — the lowest of the runs.
 *   usage: bench_dp [-s SECONDS] [-n RUNS] [-c drop|tx|redirect|seed004|linear|small|all] [-p]
 *                   [-v] [-f once|each] [-R ROUNDS] [-B BLOCKS] [-S BLOCKS] [-C COLD] [-m pp|N]
 *   -f: only the fill=once or fill=each rows; -v: packets per run on stderr; -R: rounds of
 *   the straight-line program (linear); -B/-S/-C: blocks of the branchy program and of the
 *   stack code, cold instructions per block (seed004); -m: seed cases in one mode only (per-packet or vector N)
 *   -p prints "key value" lines for scripts (bench/dp_vs_testpmd.sh); key_cpp is cycles/packet
 */
#include <stdbool.h>
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
static int runs = 3;
static bool parse_out, verbose;
static int fill_only = -1; /* -f: 1 once, 0 each, -1 both */
static int only_mode = -1; /* -m: seed cases run only per-packet (0) or vector N (N) */
static int rounds = 1000;
static int blocks = 160, stack_blocks = 160, cold = 16; /* seed004: about 23 KB of code each */

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static uint64_t tsc(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#else
	return (uint64_t)(now() * 1e9); /* "cycles" are nanoseconds elsewhere */
#endif
}

/* One measurement: wall-clock Mpps and on-CPU cycles per packet. */
struct result {
	double mpps, cpp;
};

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

/*
 * A large straight-line program (every instruction runs on every packet, so
 * its code footprint is what it executes): `rounds` rounds of load a packet
 * word, mix, multiply, shift, add; then PASS odd flows (source address byte
 * 29), DROP even ones. `salt` varies the constants so two programs differ.
 */
static struct uxdp_prog *prog_large(int nrounds, uint32_t salt, bool verdict)
{
	size_t n = 0, cap = 20 + (size_t)nrounds * 5;
	struct bpf_insn *i = calloc(cap, sizeof(*i));
	struct uxdp_prog *p;

	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	i[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_ABORTED);
	i[n++] = I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, (int16_t)(nrounds * 5 + 9), 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, (int32_t)salt);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, (int32_t)(salt * 3));
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 8, 0, 0, (int32_t)(salt * 5));
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, (int32_t)(salt * 7));
	/* Four independent chains: the core runs several per cycle, so the time is
	 * the front end's (fetch and decode), which is what the I-cache decides. */
	for (int r = 0; r < nrounds; r++) {
		int32_t k = (int32_t)(0x9e3779b1u * (uint32_t)(r + 1) ^ salt);

		i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 5, 2, (int16_t)((r * 4) % 32), 0);
		i[n++] = I(BPF_ALU64 | BPF_XOR | BPF_X, 6, 5, 0, 0);
		i[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, k);
		i[n++] = I(BPF_ALU64 | BPF_XOR | BPF_K, 8, 0, 0, k >> 3);
		i[n++] = I(BPF_ALU64 | BPF_SUB | BPF_K, 9, 0, 0, k >> 5);
	}
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 5, 2, 29, 0);
	i[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 1);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, verdict ? XDP_DROP : XDP_PASS);
	i[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	i[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p = load(i, n, NULL);
	free(i);
	return p;
}

/*
 * A large program shaped like real code: `nblocks` blocks, each a few
 * instructions that every packet runs (load a packet word, mix it in, add a
 * constant) ending in a branch that jumps over the block's cold part
 * (`cold` instructions no packet runs: as error handling and rare cases lie
 * between the hot paths of compiled code). The branch compares a packet word
 * with a value no packet of the generator holds, so it is always taken, but
 * neither the verifier nor the JIT can know that (both paths are kept). So
 * the code a packet runs is spread over the whole image, one short stretch
 * and one taken jump per block: the sequential prefetcher does not stream
 * it, and a cold instruction cache costs a miss per block. Then PASS odd
 * flows, DROP even ones (or PASS all: verdict false), as prog_large().
 */
static struct uxdp_prog *prog_branchy(int nblocks, int ncold, uint32_t salt, bool verdict)
{
	size_t n = 0, cap = 20 + (size_t)nblocks * (size_t)(5 + ncold);
	struct bpf_insn *i = calloc(cap, sizeof(*i));
	struct uxdp_prog *p;

	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	i[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_ABORTED);
	i[n++] = I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, (int16_t)(nblocks * (5 + ncold) + 9), 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, (int32_t)salt);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, (int32_t)(salt * 3));
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 8, 0, 0, (int32_t)(salt * 5));
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, (int32_t)(salt * 7));
	for (int b = 0; b < nblocks; b++) {
		int32_t k = (int32_t)(0x9e3779b1u * (uint32_t)(b + 1) ^ salt);

		i[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 5, 2, (int16_t)((b * 4) % 32), 0);
		i[n++] = I(BPF_ALU64 | BPF_XOR | BPF_X, 6, 5, 0, 0);
		i[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, k);
		i[n++] = I(BPF_ALU64 | BPF_XOR | BPF_K, 8, 0, 0, k >> 3);
		/* never equal: the packets hold no 0x5a5a5a5a word */
		i[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 5, 0, (int16_t)ncold, 0x5a5a5a5a);
		/* The cold part works on r0 and r5 only: both dead where the paths meet,
		 * so the verifier's state pruning merges them (one state per block). */
		for (int c = 0; c < ncold; c++)
			i[n++] = I(BPF_ALU64 | (c == 0 ? BPF_MOV : c & 1 ? BPF_SUB : BPF_ADD) | BPF_K,
				   c & 2 ? 5 : 0, 0, 0, k + c); /* r0 written first: dead at the join */
	}
	i[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 5, 2, 29, 0);
	i[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 1);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, verdict ? XDP_DROP : XDP_PASS);
	i[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1, 0);
	i[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS);
	i[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p = load(i, n, NULL);
	free(i);
	return p;
}

static size_t prog_code(const struct uxdp_prog *p, size_t *insns)
{
	size_t size = 0;

	uxdp_prog__insns(p, insns);
	if (!uxdp_prog__jited(p, &size, NULL))
		return 0;
	return size;
}

static volatile uint64_t sink;

/* Small host stage (seed004-small): read every byte of the packet. */
static void host_read(void *cookie, struct uxdp_port *port, struct uxdp_frame **f, uint16_t n,
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

/* The kernel-stack stand-in of seed 004: skb-like host buffers, a checksum, the stack's code. */
#define HOST_BUFS 64
#define HOST_BUF_SZ 2048
struct host {
	uint8_t (*buf)[HOST_BUF_SZ];
	uint32_t next;
	struct uxdp_prog *stack; /* the stack's code: a second large program */
	struct uxdp_exec *ex;
	struct uxdp_xdp_buff xb;
};

static __attribute__((noinline)) uint16_t inet_csum(const uint8_t *p, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t k;

	for (k = 0; k + 4 <= len; k += 4) {
		uint32_t w;

		memcpy(&w, p + k, 4);
		sum += w;
	}
	for (; k < len; k++)
		sum += p[k];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void host_stack(void *cookie, struct uxdp_port *port, struct uxdp_frame **f, uint16_t n,
		       uint32_t worker)
{
	struct host *h = cookie;
	uint64_t s = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint8_t *skb = h->buf[h->next++ % HOST_BUFS];
		uint32_t len = f[i]->len < HOST_BUF_SZ - 64 ? f[i]->len : HOST_BUF_SZ - 64;

		memcpy(skb + 64, uxdp_frame__data(f[i]), len);
		s += inet_csum(skb + 64, len);
		h->xb.data_hard_start = skb;
		h->xb.data = h->xb.data_meta = skb + 64;
		h->xb.data_end = skb + 64 + len;
		h->xb.frame_sz = HOST_BUF_SZ;
		s += uxdp_prog__run_xdp(h->stack, &h->xb, h->ex);
	}
	sink += s;
	uxdp_frame__free_bulk(f, n, worker);
}

static struct result run_once(const char *gen, struct uxdp_prog *prog, struct uxdp_map *dm,
			      bool per_packet, uint32_t vec, uxdp_dp_pass_fn pass, void *cookie)
{
	char err[256];
	UXDP_OPTS(uxdp_port_open_opts, po, .err_buf = err, .err_size = sizeof(err));
	struct uxdp_port *g = uxdp_port__open(gen, &po);
	struct uxdp_port *n = uxdp_port__open("null:", &po);
	UXDP_OPTS(uxdp_dp_opts, o, .vector_size = vec, .per_packet = per_packet);
	struct uxdp_dp *dp = uxdp_dp__new(&o);
	struct uxdp_dp_queue_stats s;
	uint64_t pkts = 0, warm = 0, c0, c1;
	double t0, t1, cpu0, cpu1;
	struct result r;
	uint32_t key = 0, ifn;

	if (!g || !n || !dp) {
		fprintf(stderr, "bench_dp: %s\n", err);
		exit(1);
	}
	uxdp_dp__add_port(dp, g);
	uxdp_dp__add_port(dp, n);
	uxdp_dp__assign_rxq(dp, g, 0, 0);
	if (pass)
		uxdp_dp__set_pass_handler(dp, g, pass, cookie);
	if (dm) {
		ifn = uxdp_port__ifindex(n);
		uxdp_map__update_elem(dm, &key, &ifn, 0);
	}
	uxdp_dp__attach(dp, g, prog);
	for (int i = 0; i < 2000; i++)
		warm += (uint64_t)uxdp_dp__poll(dp, 0);
	cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	t0 = now();
	c0 = tsc();
	do {
		for (int i = 0; i < 1000; i++)
			pkts += (uint64_t)uxdp_dp__poll(dp, 0);
		t1 = now();
	} while (t1 - t0 < seconds);
	c1 = tsc();
	cpu1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	uxdp_dp__get_stats(dp, g, -1, &s);
	if (s.aborted || s.redirect_err || s.tx_err)
		fprintf(stderr, "bench_dp: unexpected aborted/redirect_err/tx_err\n");
	uxdp_dp__free(dp);
	uxdp_port__close(n);
	uxdp_port__close(g);
	if (verbose)
		fprintf(stderr, "bench_dp: %llu packets in %.3f s, %.3f s on the CPU (+%llu warm-up)\n",
			(unsigned long long)pkts, t1 - t0, cpu1 - cpu0, (unsigned long long)warm);
	r.mpps = (double)pkts / (t1 - t0) / 1e6;
	r.cpp = pkts ? (double)(c1 - c0) * ((cpu1 - cpu0) / (t1 - t0)) / (double)pkts : 0;
	return r;
}

/* Best of `runs` runs: highest Mpps, lowest cycles/packet (each from its own run). */
static struct result run(const char *gen, struct uxdp_prog *prog, struct uxdp_map *dm,
			 bool per_packet, uint32_t vec, uxdp_dp_pass_fn pass, void *cookie)
{
	struct result best = {0, 0};

	for (int i = 0; i < runs; i++) {
		struct result m = run_once(gen, prog, dm, per_packet, vec, pass, cookie);

		if (m.mpps > best.mpps)
			best.mpps = m.mpps;
		if (!best.cpp || (m.cpp && m.cpp < best.cpp))
			best.cpp = m.cpp;
	}
	return best;
}

static void row_v(const char *key, const char *label, double v)
{
	if (parse_out)
		printf("%s %.2f\n", key, v);
	else
		printf("%-56s %8.2f\n", label, v);
	fflush(stdout);
}

static void row(const char *key, const char *label, struct result r)
{
	if (parse_out) {
		printf("%s %.2f\n%s_cpp %.1f\n", key, r.mpps, key, r.cpp);
	} else {
		printf("%-56s %8.2f %9.1f\n", label, r.mpps, r.cpp);
	}
	fflush(stdout);
}

#define GEN "gen:size=60,flows=256"

static void seed004(struct uxdp_prog *prog, uxdp_dp_pass_fn pass, void *cookie, const char *pfx)
{
	enum { NS = 6 };
	const uint32_t sizes[NS] = {1, 4, 8, 16, 32, 64};
	struct result pp = {0, 0}, v[NS] = {{0, 0}}, m;
	double best = 0, best_c = 0;
	char key[64], label[96];
	uint32_t best_n = 0, best_cn = 0;
	int saved = runs;

	/* Interleaved: run r of every mode before run r + 1 of any, so a change in
	 * the machine's load hits all modes alike; then the best of the runs. */
	runs = 1;
	if (only_mode >= 0) {
		m = run(GEN, prog, NULL, only_mode == 0, only_mode ? (uint32_t)only_mode : 16, pass,
			cookie);
		row(pfx, only_mode ? "vector mode" : "per-packet mode", m);
		runs = saved;
		return;
	}
	for (int r = 0; r < saved; r++) {
		m = run(GEN, prog, NULL, true, 16, pass, cookie);
		pp.mpps = m.mpps > pp.mpps ? m.mpps : pp.mpps;
		pp.cpp = !pp.cpp || m.cpp < pp.cpp ? m.cpp : pp.cpp;
		for (int i = 0; i < NS; i++) {
			m = run(GEN, prog, NULL, false, sizes[i], pass, cookie);
			v[i].mpps = m.mpps > v[i].mpps ? m.mpps : v[i].mpps;
			v[i].cpp = !v[i].cpp || m.cpp < v[i].cpp ? m.cpp : v[i].cpp;
		}
	}
	runs = saved;
	snprintf(key, sizeof(key), "%s_per_packet", pfx);
	row(key, "per-packet mode", pp);
	for (int i = 0; i < NS; i++) {
		snprintf(key, sizeof(key), "%s_vector_%u", pfx, sizes[i]);
		snprintf(label, sizeof(label), "vector mode, N = %u", sizes[i]);
		row(key, label, v[i]);
		if (sizes[i] == 16) {
			snprintf(key, sizeof(key), "%s_ratio_16", pfx);
			row_v(key, "  vector (N=16) / per-packet, Mpps", v[i].mpps / pp.mpps);
			snprintf(key, sizeof(key), "%s_ratio_16_cpp", pfx);
			row_v(key, "  per-packet / vector (N=16), cycles per packet", pp.cpp / v[i].cpp);
		}
		if (v[i].mpps > best)
			best = v[i].mpps, best_n = sizes[i];
		if (!best_c || v[i].cpp < best_c)
			best_c = v[i].cpp, best_cn = sizes[i];
	}
	snprintf(key, sizeof(key), "%s_ratio_best", pfx);
	snprintf(label, sizeof(label), "  best vector (N=%u) / per-packet, Mpps", best_n);
	row_v(key, label, best / pp.mpps);
	snprintf(key, sizeof(key), "%s_ratio_best_cpp", pfx);
	snprintf(label, sizeof(label), "  per-packet / best vector (N=%u), cycles per packet", best_cn);
	row_v(key, label, pp.cpp / best_c);
}

/* Seed 004 with a large program and a stack-like host stage (its own large code). */
static void large_case(const char *pfx, const char *shape, struct uxdp_prog *large,
		       struct uxdp_prog *stack)
{
	struct host h = {.stack = stack};
	size_t pi, si, pc = prog_code(large, &pi), sc = prog_code(h.stack, &si);

	h.buf = aligned_alloc(64, (size_t)HOST_BUFS * HOST_BUF_SZ);
	memset(h.buf, 0, (size_t)HOST_BUFS * HOST_BUF_SZ);
	h.ex = uxdp_exec__new(NULL);
	if (!parse_out)
		printf("\nseed 004 (%s): half PASS, half DROP; %s XDP program %zu insns (%zu bytes "
		       "of x86-64);\n  host stage: copy into a host buffer, checksum, stack code "
		       "(%zu insns, %zu bytes)\n",
		       pfx, shape, pi, pc, si, sc);
	else
		printf("%s_prog_insns %zu\n%s_prog_bytes %zu\n%s_stack_bytes %zu\n", pfx, pi, pfx, pc,
		       pfx, sc);
	seed004(large, host_stack, &h, pfx);
	uxdp_exec__free(h.ex);
	uxdp_prog__put(h.stack);
	uxdp_prog__put(large);
	free(h.buf);
}

int main(int argc, char **argv)
{
	struct uxdp_map *dm = uxdp_map__create(BPF_MAP_TYPE_DEVMAP, "ports", 4, 4, 4, NULL);
	struct uxdp_prog *drop = prog_drop(), *tx = prog_macswap(), *redir = prog_redirect(dm);
	const char *which = "all";
	int c;

	while ((c = getopt(argc, argv, "s:n:c:pvR:f:B:S:C:m:")) != -1) {
		if (c == 's')
			seconds = atof(optarg);
		else if (c == 'n')
			runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (c == 'c')
			which = optarg;
		else if (c == 'f')
			fill_only = !strcmp(optarg, "once");
		else if (c == 'R')
			rounds = atoi(optarg);
		else if (c == 'm')
			only_mode = !strcmp(optarg, "pp") ? 0 : atoi(optarg);
		else if (c == 'B')
			blocks = atoi(optarg);
		else if (c == 'S')
			stack_blocks = atoi(optarg);
		else if (c == 'C')
			cold = atoi(optarg);
		else if (c == 'p')
			parse_out = true;
		else if (c == 'v')
			verbose = true; /* packets per run on stderr (instruction counts per packet) */
		else
			return fprintf(stderr, "usage: bench_dp [-s SECONDS] [-n RUNS] [-c CASE] [-p] [-v] [-f once|each] [-R ROUNDS] [-B BLOCKS] [-S BLOCKS] [-C COLD] [-m pp|N]\n"), 2;
	}
#define WANT(x) (!strcmp(which, "all") || !strcmp(which, x))
	if (parse_out) {
		uint64_t c0 = tsc();
		double t0 = now();

		usleep(100000);
		printf("tsc_hz %.0f\n", (double)(tsc() - c0) / (now() - t0));
	}
	if (!parse_out)
		printf("engine: %s; best of %d runs of %.1f s\n",
		       uxdp_prog__engine(drop) == UXDP_ENGINE_JIT ? "jit" : "interp", runs, seconds);
	if (!parse_out && (WANT("drop") || WANT("tx") || WANT("redirect")))
		printf("%-56s %8s %9s\n", "one worker, gen: 64-byte packets (60 + FCS)", "Mpps",
		       "cyc/pkt");
	for (int once = 1; once >= 0; once--) {
		const char *gen = once ? GEN ",fill=once" : GEN;
		const char *sfx = once ? "" : "_fill_each";
		char key[64], label[96];

		if (fill_only >= 0 && fill_only != once)
			continue;
		if (WANT("drop")) {
			snprintf(key, sizeof(key), "drop%s", sfx);
			snprintf(label, sizeof(label), "XDP_DROP%s", once ? "" : " (gen fill=each)");
			row(key, label, run(gen, drop, NULL, false, 16, NULL, NULL));
		}
		if (WANT("tx")) {
			snprintf(key, sizeof(key), "tx%s", sfx);
			snprintf(label, sizeof(label), "XDP_TX (MAC swap)%s", once ? "" : " (gen fill=each)");
			row(key, label, run(gen, tx, NULL, false, 16, NULL, NULL));
		}
		if (WANT("redirect")) {
			snprintf(key, sizeof(key), "redirect%s", sfx);
			snprintf(label, sizeof(label), "XDP_REDIRECT devmap -> null port%s",
				 once ? "" : " (gen fill=each)");
			row(key, label, run(gen, redir, dm, false, 16, NULL, NULL));
		}
	}
	if (WANT("seed004")) /* code shaped like real code: hot paths between cold ones */
		large_case("seed004", "branchy", prog_branchy(blocks, cold, 0x1234567, true),
			   prog_branchy(stack_blocks, cold, 0x7654321, false));
	if (WANT("linear")) /* the earlier variant: straight-line code, every instruction runs */
		large_case("linear", "straight-line", prog_large(rounds, 0x1234567, true),
			   prog_large(rounds, 0x7654321, false));
	if (WANT("small")) {
		struct uxdp_prog *small = prog_large(32, 0x9e37, true);
		size_t si;

		prog_code(small, &si);
		if (!parse_out)
			printf("\nsame, small: %zu-insn program, host stage only reads the packet\n", si);
		seed004(small, host_read, NULL, "small");
		uxdp_prog__put(small);
	}
	uxdp_prog__put(drop);
	uxdp_prog__put(tx);
	uxdp_prog__put(redir);
	uxdp_map__put(dm);
	return 0;
}
