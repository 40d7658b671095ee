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
 * -n runs of -s seconds.
 *   usage: bench_dp [-s SECONDS] [-n RUNS] [-c drop|tx|redirect|seed004|small|all] [-p]
 *   -p prints "key value" lines for scripts (bench/dp_vs_testpmd.sh)
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
static bool parse_out;
static int rounds = 1000;

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

static double run_once(const char *gen, struct uxdp_prog *prog, struct uxdp_map *dm,
		       bool per_packet, uint32_t vec, uxdp_dp_pass_fn pass, void *cookie)
{
	char err[256];
	UXDP_OPTS(uxdp_port_open_opts, po, .err_buf = err, .err_size = sizeof(err));
	struct uxdp_port *g = uxdp_port__open(gen, &po);
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
	if (pass)
		uxdp_dp__set_pass_handler(dp, g, pass, cookie);
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

/* Best of `runs` runs. */
static double run(const char *gen, struct uxdp_prog *prog, struct uxdp_map *dm, bool per_packet,
		  uint32_t vec, uxdp_dp_pass_fn pass, void *cookie)
{
	double best = 0;

	for (int r = 0; r < runs; r++) {
		double m = run_once(gen, prog, dm, per_packet, vec, pass, cookie);

		if (m > best)
			best = m;
	}
	return best;
}

static void row(const char *key, const char *label, double v)
{
	if (parse_out)
		printf("%s %.2f\n", key, v);
	else
		printf("%-56s %8.2f\n", label, v);
	fflush(stdout);
}

#define GEN "gen:size=60,flows=256"

static void seed004(struct uxdp_prog *prog, uxdp_dp_pass_fn pass, void *cookie, const char *pfx)
{
	const uint32_t sizes[] = {1, 4, 8, 16, 32, 64};
	double pp, m, best = 0;
	char key[64], label[96];
	uint32_t best_n = 0;

	pp = run(GEN, prog, NULL, true, 16, pass, cookie);
	snprintf(key, sizeof(key), "%s_per_packet", pfx);
	row(key, "per-packet mode", pp);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		m = run(GEN, prog, NULL, false, sizes[i], pass, cookie);
		snprintf(key, sizeof(key), "%s_vector_%u", pfx, sizes[i]);
		snprintf(label, sizeof(label), "vector mode, N = %u", sizes[i]);
		row(key, label, m);
		if (sizes[i] == 16)
			snprintf(key, sizeof(key), "%s_ratio_16", pfx), row(key, "  vector (N=16) / per-packet", m / pp);
		if (m > best)
			best = m, best_n = sizes[i];
	}
	snprintf(key, sizeof(key), "%s_ratio_best", pfx);
	snprintf(label, sizeof(label), "  best vector (N=%u) / per-packet", best_n);
	row(key, label, best / pp);
}

int main(int argc, char **argv)
{
	struct uxdp_map *dm = uxdp_map__create(BPF_MAP_TYPE_DEVMAP, "ports", 4, 4, 4, NULL);
	struct uxdp_prog *drop = prog_drop(), *tx = prog_macswap(), *redir = prog_redirect(dm);
	const char *which = "all";
	int c;

	while ((c = getopt(argc, argv, "s:n:c:pR:")) != -1) {
		if (c == 's')
			seconds = atof(optarg);
		else if (c == 'n')
			runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (c == 'c')
			which = optarg;
		else if (c == 'R')
			rounds = atoi(optarg);
		else if (c == 'p')
			parse_out = true;
		else
			return fprintf(stderr, "usage: bench_dp [-s SECONDS] [-n RUNS] [-c CASE] [-p]\n"), 2;
	}
#define WANT(x) (!strcmp(which, "all") || !strcmp(which, x))
	if (!parse_out)
		printf("engine: %s; best of %d runs of %.1f s\n",
		       uxdp_prog__engine(drop) == UXDP_ENGINE_JIT ? "jit" : "interp", runs, seconds);
	if (!parse_out && (WANT("drop") || WANT("tx") || WANT("redirect")))
		printf("%-56s %8s\n", "one worker, gen: 64-byte packets (60 + FCS)", "Mpps");
	for (int once = 1; once >= 0; once--) {
		const char *gen = once ? GEN ",fill=once" : GEN;
		const char *sfx = once ? "" : "_fill_each";
		char key[64], label[96];

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
	if (WANT("seed004")) {
		struct uxdp_prog *large = prog_large(rounds, 0x1234567, true);
		struct host h = {.stack = prog_large(rounds, 0x7654321, false)};
		size_t pi, si, pc = prog_code(large, &pi), sc = prog_code(h.stack, &si);

		h.buf = aligned_alloc(64, (size_t)HOST_BUFS * HOST_BUF_SZ);
		memset(h.buf, 0, (size_t)HOST_BUFS * HOST_BUF_SZ);
		h.ex = uxdp_exec__new(NULL);
		if (!parse_out)
			printf("\nseed 004: half PASS, half DROP; XDP program %zu insns (%zu bytes of "
			       "x86-64);\n  host stage: copy into a host buffer, checksum, stack code "
			       "(%zu insns, %zu bytes)\n",
			       pi, pc, si, sc);
		else
			printf("seed004_prog_insns %zu\nseed004_prog_bytes %zu\nseed004_stack_bytes %zu\n",
			       pi, pc, sc);
		seed004(large, host_stack, &h, "seed004");
		uxdp_exec__free(h.ex);
		uxdp_prog__put(h.stack);
		uxdp_prog__put(large);
		free(h.buf);
	}
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
