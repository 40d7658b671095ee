// SPDX-License-Identifier: BSD-2-Clause
/*
 * Data path tests, end to end over gen, pipe, null and pcap ports with
 * hand-assembled XDP programs: every verdict with exact counters, XDP_TX
 * byte for byte through pcap files, devmap / bpf_redirect / broadcast with
 * exclude-ingress / devmap egress programs, cpumap to another worker, vector
 * vs per-packet equivalence, and program replacement under traffic on
 * worker threads (no frame lost or processed twice).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "../vm/insn_build.h"
#include "vm/vm_internal.h"
#include "uxdp/dp.h"
#include "uxdp/map.h"
#include "uxdp/vm.h"

static struct uxdp_port *port(const char *spec)
{
	char err[256] = "";
	UXDP_OPTS(uxdp_port_open_opts, o, .err_buf = err, .err_size = sizeof(err), .txq_cnt = 2);
	struct uxdp_port *p = uxdp_port__open(spec, &o);

	if (!p)
		fprintf(stderr, "open %s: %s\n", spec, err);
	return p;
}

static struct uxdp_prog *load(const struct bpf_insn *insns, size_t cnt, struct uxdp_map **maps,
			      size_t map_cnt, enum uxdp_prog_type type)
{
	char log[1024] = "";
	UXDP_OPTS(uxdp_prog_load_opts, o, .name = "t", .type = type, .maps = maps,
		  .map_cnt = map_cnt, .license = "GPL", .log_buf = log, .log_size = sizeof(log));
	struct uxdp_prog *p = uxdp_prog__load(insns, cnt, &o);

	if (!p)
		fprintf(stderr, "load: %s\n", log);
	return p;
}

static struct uxdp_prog *prog_ret(uint32_t act)
{
	struct bpf_insn i[] = {I_MOV64_IMM(0, (int32_t)act), I_EXIT()};

	return load(i, ARRAY_LEN(i), NULL, 0, UXDP_PROG_XDP);
}

/* PASS for odd last bytes of the IPv4 source (gen flows), DROP for even ones. */
static struct uxdp_prog *prog_mixed(void)
{
	struct bpf_insn i[] = {
		I_LDX(BPF_W, 2, 1, 0), I_LDX(BPF_W, 3, 1, 4), I_MOV64_REG(4, 2),
		I_ALU64_IMM(BPF_ADD, 4, 34), I_MOV64_IMM(0, XDP_ABORTED),
		I_JMP_REG(BPF_JGT, 4, 3, 5), I_LDX(BPF_B, 5, 2, 29), I_ALU64_IMM(BPF_AND, 5, 1),
		I_MOV64_IMM(0, XDP_DROP), I_JMP_IMM(BPF_JEQ, 5, 0, 1), I_MOV64_IMM(0, XDP_PASS),
		I_EXIT(),
	};

	return load(i, ARRAY_LEN(i), NULL, 0, UXDP_PROG_XDP);
}

/* Set the first destination MAC byte to 0xaa, then XDP_TX. */
static struct uxdp_prog *prog_tx(void)
{
	struct bpf_insn i[] = {
		I_LDX(BPF_W, 2, 1, 0), I_LDX(BPF_W, 3, 1, 4), I_MOV64_REG(4, 2),
		I_ALU64_IMM(BPF_ADD, 4, 14), I_MOV64_IMM(0, XDP_ABORTED),
		I_JMP_REG(BPF_JGT, 4, 3, 2), I_ST(BPF_B, 2, 0, 0xaa), I_MOV64_IMM(0, XDP_TX),
		I_EXIT(),
	};

	return load(i, ARRAY_LEN(i), NULL, 0, UXDP_PROG_XDP);
}

static struct uxdp_prog *prog_redirect_map(struct uxdp_map *map, uint32_t key, int32_t flags)
{
	struct bpf_insn i[] = {
		I_LD_MAP(1, 0), I_MOV64_IMM(2, (int32_t)key), I_MOV64_IMM(3, flags),
		I_CALL(BPF_FUNC_redirect_map), I_EXIT(),
	};

	return load(i, ARRAY_LEN(i), &map, 1, UXDP_PROG_XDP);
}

static struct uxdp_prog *prog_redirect(uint32_t ifindex)
{
	struct bpf_insn i[] = {
		I_MOV64_IMM(1, (int32_t)ifindex), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_redirect),
		I_EXIT(),
	};

	return load(i, ARRAY_LEN(i), NULL, 0, UXDP_PROG_XDP);
}

static int exceptions;
static void on_exc(void *cookie, const struct uxdp_dp_exception *e)
{
	exceptions++;
}

static struct uxdp_dp *mk_dp(uint32_t workers, bool per_packet)
{
	UXDP_OPTS(uxdp_dp_opts, o, .workers = workers, .per_packet = per_packet,
		  .on_exception = on_exc);
	exceptions = 0;
	return uxdp_dp__new(&o);
}

static void poll_all(struct uxdp_dp *dp, uint32_t workers)
{
	int busy;

	do {
		busy = 0;
		for (uint32_t w = 0; w < workers; w++)
			busy += uxdp_dp__poll(dp, w);
	} while (busy);
}

UXDP_TEST(dp_verdicts_drop_pass_aborted_invalid, fast)
{
	const uint32_t acts[] = {XDP_DROP, XDP_PASS, XDP_ABORTED, 7};

	for (size_t k = 0; k < ARRAY_LEN(acts); k++) {
		struct uxdp_port *g = port("gen:count=1000,flows=10");
		struct uxdp_dp *dp = mk_dp(1, k & 1);
		struct uxdp_prog *p = prog_ret(acts[k]);
		struct uxdp_dp_queue_stats s;

		ASSERT_NOT_NULL(g);
		ASSERT_NOT_NULL(dp);
		ASSERT_NOT_NULL(p);
		ASSERT_OK(uxdp_dp__add_port(dp, g));
		ASSERT_OK(uxdp_dp__assign_all(dp));
		ASSERT_OK(uxdp_dp__attach(dp, g, p));
		uxdp_prog__put(p); /* the data path holds its own reference */
		poll_all(dp, 1);
		ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
		ASSERT_EQ(s.rx_packets, 1000);
		ASSERT_EQ(s.rx_bytes, 64000);
		ASSERT_EQ(s.drop, acts[k] == XDP_DROP ? 1000 : 0);
		ASSERT_EQ(s.pass, acts[k] == XDP_PASS ? 1000 : 0);
		ASSERT_EQ(s.aborted, acts[k] == XDP_ABORTED || acts[k] == 7 ? 1000 : 0);
		ASSERT_EQ(s.invalid, acts[k] == 7 ? 1000 : 0);
		ASSERT_EQ(exceptions, acts[k] == XDP_ABORTED || acts[k] == 7 ? 1000 : 0);
		/* Every frame went back to the pool, into the cache. */
		struct uxdp_page_pool_stats ps;
		uxdp_page_pool__get_stats(uxdp_port__rx_pool(g, 0), &ps);
		ASSERT_EQ(ps.in_flight, 0);
		ASSERT_EQ(ps.recycle_ring, 0);
		uxdp_dp__free(dp);
		uxdp_port__close(g);
	}
	return UXDP_TEST_PASS;
}

static uint64_t passed_frames;
static uint32_t pass_worker;
static void count_pass(void *cookie, struct uxdp_port *p, struct uxdp_frame **f, uint16_t n,
		       uint32_t worker)
{
	passed_frames += n;
	pass_worker = worker;
	uxdp_frame__free_bulk(f, n, worker);
}

/* The geometry of the frames a pass handler gets (all alike here). */
static uint32_t seen_len, seen_off, seen_meta, seen_frames;
static void record_geometry(void *cookie, struct uxdp_port *p, struct uxdp_frame **f, uint16_t n,
			    uint32_t worker)
{
	for (uint16_t i = 0; i < n; i++) {
		seen_len = f[i]->len;
		seen_off = f[i]->data_off;
		seen_meta = f[i]->meta_len;
	}
	seen_frames += n;
	uxdp_frame__free_bulk(f, n, worker);
}

/*
 * The frame leaving the program has the geometry the program left, in both
 * modes: unchanged for a program without adjust helpers (its copy back is
 * skipped in vector mode), moved by bpf_xdp_adjust_head/meta/tail.
 */
UXDP_TEST(dp_frame_geometry_follows_the_program, fast)
{
	const struct bpf_insn keep[] = {I_MOV64_IMM(0, XDP_PASS), I_EXIT()};
	const struct bpf_insn adjust[] = {
		I_MOV64_REG(6, 1),	    I_MOV64_IMM(2, 14), I_CALL(BPF_FUNC_xdp_adjust_head),
		I_MOV64_REG(1, 6),	    I_MOV64_IMM(2, -8), I_CALL(BPF_FUNC_xdp_adjust_meta),
		I_MOV64_REG(1, 6),	    I_MOV64_IMM(2, -4), I_CALL(BPF_FUNC_xdp_adjust_tail),
		I_MOV64_IMM(0, XDP_PASS), I_EXIT()};

	for (int mode = 0; mode < 4; mode++) {
		bool adj = mode & 2;
		struct uxdp_port *g = port("gen:count=100,size=64");
		struct uxdp_dp *dp = mk_dp(1, mode & 1);
		struct uxdp_prog *p = adj ? load(adjust, ARRAY_LEN(adjust), NULL, 0, UXDP_PROG_XDP)
					  : load(keep, ARRAY_LEN(keep), NULL, 0, UXDP_PROG_XDP);

		ASSERT_NOT_NULL(g);
		ASSERT_NOT_NULL(p);
		ASSERT_OK(uxdp_dp__add_port(dp, g));
		ASSERT_OK(uxdp_dp__assign_all(dp));
		ASSERT_OK(uxdp_dp__set_pass_handler(dp, g, record_geometry, NULL));
		ASSERT_OK(uxdp_dp__attach(dp, g, p));
		seen_frames = 0;
		poll_all(dp, 1);
		ASSERT_EQ(seen_frames, 100);
		ASSERT_EQ(seen_len, adj ? 64 - 14 - 4 : 64);
		ASSERT_EQ(seen_off, UXDP_FRAME_HEADROOM + (adj ? 14 : 0));
		ASSERT_EQ(seen_meta, adj ? 8 : 0);
		uxdp_prog__put(p);
		uxdp_dp__free(dp);
		uxdp_port__close(g);
	}
	return UXDP_TEST_PASS;
}

/*
 * The vector loop sets per frame only the context fields a program can see
 * (prog->ctx_private, ctx_reads). Frames of two lengths, 60 and 100 bytes,
 * alternate; each program drops the 60-byte ones, learning the length its
 * own way: through a helper given the context (every field set), through
 * data/data_end loads (those set), or not at all (nothing set per frame; it
 * drops what came in on the port). Stale fields from another frame would
 * make the counts wrong.
 */
UXDP_TEST(dp_vector_sets_the_fields_a_program_reads, fast)
{
	const struct bpf_insn by_helper[] = {
		I_CALL(BPF_FUNC_xdp_get_buff_len), I_MOV64_IMM(1, XDP_PASS),
		I_JMP_IMM(BPF_JNE, 0, 60, 1),	   I_MOV64_IMM(1, XDP_DROP),
		I_MOV64_REG(0, 1),		   I_EXIT()};
	const struct bpf_insn by_loads[] = {
		I_LDX(BPF_W, 2, 1, 0),	   I_LDX(BPF_W, 3, 1, 4),    I_ALU64_REG(BPF_SUB, 3, 2),
		I_MOV64_IMM(0, XDP_PASS), I_JMP_IMM(BPF_JNE, 3, 60, 1), I_MOV64_IMM(0, XDP_DROP),
		I_EXIT()};
	struct bpf_insn by_port[] = {
		I_LDX(BPF_W, 2, 1, 12),	  I_MOV64_IMM(0, XDP_PASS), I_JMP_IMM(BPF_JNE, 2, 0, 1),
		I_MOV64_IMM(0, XDP_DROP), I_EXIT()};
	const struct {
		const struct bpf_insn *insns;
		size_t cnt;
		bool private;
		uint64_t drops;
	} progs[] = {{by_helper, ARRAY_LEN(by_helper), false, 50},
		     {by_loads, ARRAY_LEN(by_loads), true, 50},
		     {by_port, ARRAY_LEN(by_port), true, 100}};

	for (size_t k = 0; k < ARRAY_LEN(progs); k++)
		for (int mode = 0; mode < 2; mode++) {
			struct uxdp_port *g = port("gen:count=100,size=100");
			struct uxdp_port *a = port("pipe:fl/a"), *b = port("pipe:fl/b");
			struct uxdp_dp *dp = mk_dp(1, mode);
			struct uxdp_dp_queue_stats s;
			struct uxdp_frame *f[100];
			struct uxdp_prog *p;

			ASSERT_NOT_NULL(g);
			ASSERT_NOT_NULL(a);
			ASSERT_NOT_NULL(b);
			uxdp_port__bind_rxq(g, 0, 0);
			ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 100), 100);
			for (int i = 0; i < 100; i += 2)
				f[i]->len = 60;
			ASSERT_EQ(uxdp_port__tx_burst(a, 0, f, 100), 100);
			by_port[2].imm = (int32_t)uxdp_port__ifindex(b);
			p = load(progs[k].insns, progs[k].cnt, NULL, 0, UXDP_PROG_XDP);
			ASSERT_NOT_NULL(p);
			ASSERT_EQ(p->ctx_private, progs[k].private);
			ASSERT_OK(uxdp_dp__add_port(dp, b));
			ASSERT_OK(uxdp_dp__assign_all(dp));
			ASSERT_OK(uxdp_dp__attach(dp, b, p));
			poll_all(dp, 1);
			ASSERT_OK(uxdp_dp__get_stats(dp, b, -1, &s));
			ASSERT_EQ(s.rx_packets, 100);
			ASSERT_EQ(s.drop, progs[k].drops);
			ASSERT_EQ(s.pass, 100 - progs[k].drops);
			uxdp_prog__put(p);
			uxdp_dp__free(dp);
			uxdp_port__close(a);
			uxdp_port__close(b);
			uxdp_port__close(g);
		}
	return UXDP_TEST_PASS;
}

UXDP_TEST(dp_vector_and_per_packet_agree, fast)
{
	struct uxdp_dp_queue_stats s[2];

	for (int mode = 0; mode < 2; mode++) {
		struct uxdp_port *g = port("gen:count=999,flows=37,queues=2");
		struct uxdp_dp *dp = mk_dp(1, mode);
		struct uxdp_prog *p = prog_mixed();

		ASSERT_NOT_NULL(g);
		ASSERT_NOT_NULL(p);
		ASSERT_OK(uxdp_dp__add_port(dp, g));
		ASSERT_OK(uxdp_dp__assign_all(dp));
		ASSERT_OK(uxdp_dp__set_pass_handler(dp, g, count_pass, NULL));
		ASSERT_OK(uxdp_dp__attach(dp, g, p));
		passed_frames = 0;
		poll_all(dp, 1);
		ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s[mode]));
		ASSERT_EQ(s[mode].rx_packets, 999);
		ASSERT_EQ(s[mode].pass + s[mode].drop, 999);
		ASSERT_EQ(s[mode].pass, passed_frames);
		/* Packet i is flow i % 37, source .(1 + flow): PASS for even flows. */
		uint64_t want = 0;
		for (int i = 0; i < 999; i++)
			want += (i % 37) % 2 == 0;
		ASSERT_EQ(s[mode].pass, want);
		uxdp_prog__put(p);
		uxdp_dp__free(dp);
		uxdp_port__close(g);
	}
	ASSERT_MEMEQ(&s[0], &s[1], sizeof(s[0]));
	return UXDP_TEST_PASS;
}

UXDP_TEST(dp_tx_pcap_byte_exact, fast)
{
	char in[] = "/tmp/uxdp-dp-in-XXXXXX", out[] = "/tmp/uxdp-dp-out-XXXXXX", spec[256];
	struct uxdp_frame *f[64], *r[64];
	uint8_t want[50][100];
	struct uxdp_dp_queue_stats s;
	struct uxdp_port *g, *w, *pp, *rd;
	struct uxdp_prog *p = prog_tx();
	struct uxdp_dp *dp;

	close(mkstemp(in));
	close(mkstemp(out));
	/* Input capture: 50 generated IPv6/UDP packets. */
	g = port("gen:proto=udp6,size=100,flows=50,count=50");
	snprintf(spec, sizeof(spec), "pcap:tx=%s", in);
	w = port(spec);
	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(w);
	uxdp_port__bind_rxq(g, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 50), 50);
	for (int i = 0; i < 50; i++) {
		memcpy(want[i], uxdp_frame__data(f[i]), 100);
		want[i][0] = 0xaa;
	}
	ASSERT_EQ(uxdp_port__tx_burst(w, 0, f, 50), 50);
	uxdp_port__close(w);
	uxdp_port__close(g);

	snprintf(spec, sizeof(spec), "pcap:rx=%s,tx=%s", in, out);
	pp = port(spec);
	dp = mk_dp(1, false);
	ASSERT_NOT_NULL(pp);
	ASSERT_OK(uxdp_dp__add_port(dp, pp));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	ASSERT_OK(uxdp_dp__attach(dp, pp, p));
	poll_all(dp, 1);
	ASSERT_OK(uxdp_dp__get_stats(dp, pp, 0, &s));
	ASSERT_EQ(s.tx, 50);
	ASSERT_EQ(s.tx_err, 0);
	uxdp_dp__free(dp);
	uxdp_port__close(pp); /* flushes out */

	snprintf(spec, sizeof(spec), "pcap:rx=%s", out);
	rd = port(spec);
	ASSERT_NOT_NULL(rd);
	uxdp_port__bind_rxq(rd, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(rd, 0, r, 64), 50);
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(r[i]->len, 100);
		ASSERT_MEMEQ(uxdp_frame__data(r[i]), want[i], 100);
	}
	uxdp_frame__free_bulk(r, 50, 0);
	uxdp_port__close(rd);
	uxdp_prog__put(p);
	unlink(in);
	unlink(out);
	return UXDP_TEST_PASS;
}

static struct uxdp_map *devmap(enum bpf_map_type t, uint32_t vs)
{
	return uxdp_map__create(t, "ports", 4, vs, 8, NULL);
}

static int drain(struct uxdp_port *p, uint8_t first[64])
{
	struct uxdp_frame *f[64];
	int total = 0;
	uint16_t n;

	uxdp_port__bind_rxq(p, 0, 0);
	while ((n = uxdp_port__rx_burst(p, 0, f, 64))) {
		if (first && !total)
			memcpy(first, uxdp_frame__data(f[0]), 64);
		total += n;
		uxdp_frame__free_bulk(f, n, 0);
	}
	return total;
}

UXDP_TEST(dp_redirect_devmap_ifindex_and_failures, fast)
{
	struct uxdp_port *g = port("gen:count=100,flows=4");
	struct uxdp_port *a = port("pipe:r1/a"), *b = port("pipe:r1/b"), *n = port("null:");
	struct uxdp_map *dm = devmap(BPF_MAP_TYPE_DEVMAP, 4);
	struct uxdp_dp *dp = mk_dp(1, false);
	struct uxdp_dp_queue_stats s;
	struct uxdp_port_queue_stats ns;
	uint32_t k = 0, ifa;
	uint8_t first[64];

	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(n);
	ASSERT_NOT_NULL(dm);
	ifa = uxdp_port__ifindex(a);
	ASSERT_OK(uxdp_map__update_elem(dm, &k, &ifa, 0));
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__add_port(dp, a));
	ASSERT_OK(uxdp_dp__add_port(dp, n));
	ASSERT_OK(uxdp_dp__assign_rxq(dp, g, 0, 0));

	/* devmap key 0 -> pipe a: the frames come out of b unchanged. */
	struct uxdp_prog *p = prog_redirect_map(dm, 0, 0);
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	poll_all(dp, 1);
	ASSERT_EQ(drain(b, first), 100);
	ASSERT_EQ(first[29], 1); /* flow 0 */
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	ASSERT_EQ(s.redirect, 100);
	ASSERT_EQ(s.redirect_err, 0);
	uxdp_dp__free(dp);
	uxdp_port__close(g);

	/* bpf_redirect by ifindex: to null, and to an ifindex without a port. */
	g = port("gen:count=64");
	dp = mk_dp(1, false);
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__add_port(dp, n));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	p = prog_redirect(uxdp_port__ifindex(n));
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	ASSERT_EQ(uxdp_dp__poll(dp, 0), 64);
	ASSERT_OK(uxdp_port__get_stats(n, -1, &ns));
	ASSERT_EQ(ns.tx_packets, 64);
	uxdp_dp__free(dp);
	uxdp_port__close(g);

	g = port("gen:count=10");
	dp = mk_dp(1, false);
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	p = prog_redirect(3999);
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	poll_all(dp, 1);
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	ASSERT_EQ(s.redirect, 10);
	ASSERT_EQ(s.redirect_err, 10);
	ASSERT_EQ(exceptions, 10);
	ASSERT_EQ(uxdp_page_pool__inflight(uxdp_port__rx_pool(g, 0)), 0);
	uxdp_dp__free(dp);
	uxdp_port__close(g);

	/* A missing devmap key falls back to the flags' action (XDP_PASS). */
	g = port("gen:count=10");
	dp = mk_dp(1, false);
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	p = prog_redirect_map(dm, 5, XDP_PASS);
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	poll_all(dp, 1);
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	ASSERT_EQ(s.pass, 10);
	ASSERT_EQ(s.redirect, 0);
	uxdp_dp__free(dp);
	uxdp_port__close(g);

	uxdp_port__close(a);
	uxdp_port__close(b);
	uxdp_port__close(n);
	uxdp_map__put(dm);
	return UXDP_TEST_PASS;
}

UXDP_TEST(dp_broadcast_exclude_ingress_and_egress_prog, fast)
{
	struct uxdp_port *g = port("gen:count=40,flows=2");
	struct uxdp_port *a1 = port("pipe:bc1/a"), *b1 = port("pipe:bc1/b");
	struct uxdp_port *a2 = port("pipe:bc2/a"), *b2 = port("pipe:bc2/b");
	struct uxdp_map *dm = devmap(BPF_MAP_TYPE_DEVMAP_HASH, sizeof(struct bpf_devmap_val));
	struct uxdp_dp *dp = mk_dp(1, false);
	struct uxdp_port_queue_stats gs;
	struct uxdp_dp_queue_stats s;
	uint8_t first[64];
	/* egress program: write egress_ifindex into byte 0, PASS */
	struct bpf_insn eg[] = {
		I_LDX(BPF_W, 2, 1, 0), I_LDX(BPF_W, 3, 1, 4), I_LDX(BPF_W, 5, 1, 20),
		I_MOV64_REG(4, 2), I_ALU64_IMM(BPF_ADD, 4, 14), I_MOV64_IMM(0, XDP_DROP),
		I_JMP_REG(BPF_JGT, 4, 3, 2), I_STX(BPF_B, 2, 5, 0), I_MOV64_IMM(0, XDP_PASS),
		I_EXIT(),
	};
	struct uxdp_prog *ep = load(eg, ARRAY_LEN(eg), NULL, 0, UXDP_PROG_XDP_DEVMAP), *p;
	struct bpf_devmap_val v;
	uint32_t k;

	ASSERT_NOT_NULL(dm);
	ASSERT_NOT_NULL(ep);
	ASSERT_NOT_NULL(b2);
	k = 10, v = (struct bpf_devmap_val){.ifindex = uxdp_port__ifindex(a1)};
	ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
	k = 20, v = (struct bpf_devmap_val){.ifindex = uxdp_port__ifindex(a2)};
	v.bpf_prog.fd = (int)uxdp_prog__id(ep);
	ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
	k = 30, v = (struct bpf_devmap_val){.ifindex = uxdp_port__ifindex(g)};
	ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__add_port(dp, a1));
	ASSERT_OK(uxdp_dp__add_port(dp, a2));
	ASSERT_OK(uxdp_dp__assign_rxq(dp, g, 0, 0));
	p = prog_redirect_map(dm, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	ASSERT_NOT_NULL(p);
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	poll_all(dp, 1);
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	ASSERT_EQ(s.redirect, 40);
	ASSERT_EQ(s.redirect_err, 0);
	ASSERT_EQ(drain(b1, first), 40);
	ASSERT_EQ(first[0], 0x02); /* untouched */
	ASSERT_EQ(drain(b2, first), 40);
	ASSERT_EQ(first[0], uxdp_port__ifindex(a2)); /* written by the egress program */
	ASSERT_OK(uxdp_port__get_stats(g, -1, &gs));
	ASSERT_EQ(gs.tx_packets, 0); /* the ingress port was excluded */
	ASSERT_EQ(uxdp_page_pool__inflight(uxdp_port__rx_pool(g, 0)), 0);
	uxdp_dp__free(dp);
	uxdp_map__put(dm);
	uxdp_prog__put(ep);
	uxdp_port__close(a1);
	uxdp_port__close(b1);
	uxdp_port__close(a2);
	uxdp_port__close(b2);
	uxdp_port__close(g);
	return UXDP_TEST_PASS;
}

UXDP_TEST(dp_cpumap_to_other_worker, fast)
{
	struct uxdp_port *g = port("gen:count=300,flows=8");
	struct uxdp_map *cm = uxdp_map__create(BPF_MAP_TYPE_CPUMAP, "cpus", 4, 4, 2, NULL);
	struct uxdp_dp *dp = mk_dp(2, false);
	struct uxdp_dp_worker_stats ws;
	struct uxdp_page_pool_stats ps;
	uint32_t k = 1, qsize = 192;
	struct uxdp_prog *p;

	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(cm);
	ASSERT_OK(uxdp_map__update_elem(cm, &k, &qsize, 0));
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__assign_rxq(dp, g, 0, 0));
	ASSERT_OK(uxdp_dp__set_pass_handler(dp, g, count_pass, NULL));
	p = prog_redirect_map(cm, 1, 0);
	ASSERT_OK(uxdp_dp__attach(dp, g, p));
	uxdp_prog__put(p);
	passed_frames = 0;
	pass_worker = 99;
	poll_all(dp, 2);
	ASSERT_EQ(passed_frames, 300);
	ASSERT_EQ(pass_worker, 1); /* the host stage ran on the cpumap's worker */
	ASSERT_OK(uxdp_dp__get_worker_stats(dp, 1, &ws));
	ASSERT_EQ(ws.cpumap_rx, 300);
	ASSERT_EQ(ws.cpumap_pass, 300);
	uxdp_page_pool__get_stats(uxdp_port__rx_pool(g, 0), &ps);
	ASSERT_EQ(ps.in_flight, 0);
	ASSERT_EQ(ps.recycle_ring, 300); /* freed on worker 1: home through the ring */
	uxdp_dp__free(dp);
	uxdp_map__put(cm);
	uxdp_port__close(g);
	return UXDP_TEST_PASS;
}

static _Atomic uint64_t mt_passed;
static void mt_pass(void *cookie, struct uxdp_port *p, struct uxdp_frame **f, uint16_t n,
		    uint32_t worker)
{
	atomic_fetch_add(&mt_passed, n);
	uxdp_frame__free_bulk(f, n, worker);
}

UXDP_TEST(dp_threads_replace_under_traffic, fast)
{
	const uint64_t total = 400000;
	struct uxdp_port *g = port("gen:count=400000,flows=64,queues=2");
	struct uxdp_map *cm = uxdp_map__create(BPF_MAP_TYPE_CPUMAP, "cpus", 4, 4, 2, NULL);
	UXDP_OPTS(uxdp_dp_opts, o, .workers = 2, .no_pin = true);
	struct uxdp_dp *dp = uxdp_dp__new(&o);
	struct uxdp_prog *drop = prog_ret(XDP_DROP), *redir, *pass = prog_ret(XDP_PASS);
	struct uxdp_dp_queue_stats s;
	uint32_t k = 0, qsize = 192;
	int swaps = 0;

	ASSERT_NOT_NULL(dp);
	ASSERT_OK(uxdp_map__update_elem(cm, &k, &qsize, 0));
	k = 1;
	ASSERT_OK(uxdp_map__update_elem(cm, &k, &qsize, 0));
	/* redirect to the other worker's cpumap slot: cross-worker frees */
	redir = prog_redirect_map(cm, 1, 0);
	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	ASSERT_OK(uxdp_dp__set_pass_handler(dp, g, mt_pass, NULL));
	ASSERT_OK(uxdp_dp__attach(dp, g, drop));
	atomic_store(&mt_passed, 0);
	ASSERT_OK(uxdp_dp__start(dp));
	do {
		struct uxdp_prog *next = swaps % 3 == 0 ? redir : swaps % 3 == 1 ? pass : drop;

		ASSERT_OK(uxdp_dp__attach(dp, g, next));
		swaps++;
		ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	} while (s.rx_packets < total);
	uxdp_dp__stop(dp);
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	/* Every frame was processed exactly once, by one program or another. */
	ASSERT_EQ(s.rx_packets, total);
	ASSERT_EQ(s.drop + s.pass + s.redirect, total);
	ASSERT_EQ(s.redirect_err, 0);
	struct uxdp_dp_worker_stats w0, w1;
	ASSERT_OK(uxdp_dp__get_worker_stats(dp, 0, &w0));
	ASSERT_OK(uxdp_dp__get_worker_stats(dp, 1, &w1));
	ASSERT_EQ(w0.cpumap_rx, 0);
	ASSERT_EQ(atomic_load(&mt_passed), s.pass + w1.cpumap_pass);
	/* redirected = delivered to worker 1 + dropped on a full cpumap queue */
	ASSERT_EQ(w1.cpumap_rx + w0.cpumap_drop + w1.cpumap_drop, s.redirect);
	ASSERT_EQ(w1.cpumap_pass, w1.cpumap_rx);
	ASSERT_TRUE(swaps > 0);
	for (int q = 0; q < 2; q++)
		ASSERT_EQ(uxdp_page_pool__inflight(uxdp_port__rx_pool(g, q)), 0);
	uxdp_dp__free(dp);
	uxdp_prog__put(drop);
	uxdp_prog__put(redir);
	uxdp_prog__put(pass);
	uxdp_map__put(cm);
	uxdp_port__close(g);
	return UXDP_TEST_PASS;
}

/* Frame by frame the program picks another devmap entry (flows 0, 1, 2 in turn:
 * key 0 -> pipe a, key 1 -> pipe c, key 2 -> an ifindex without a port), so runs
 * of one target are short and broken: every vector size and per-packet mode must
 * send each frame where its own verdict said, and count the failures. */
UXDP_TEST(dp_redirect_mixed_targets, fast)
{
	static const uint32_t vecs[] = {1, 2, 4, 16, 64, 0};
	struct uxdp_map *dm = devmap(BPF_MAP_TYPE_DEVMAP, 4);
	struct bpf_insn insns[] = {
		I_LDX(BPF_W, 2, 1, 0), I_LDX(BPF_W, 3, 1, 4), I_MOV64_REG(4, 2),
		I_ALU64_IMM(BPF_ADD, 4, 30), I_JMP_REG(BPF_JGT, 4, 3, 7),
		I_LDX(BPF_B, 2, 2, 29), I_ALU64_IMM(BPF_SUB, 2, 1), I_LD_MAP(1, 0),
		I_MOV64_IMM(3, XDP_DROP), I_CALL(BPF_FUNC_redirect_map), I_EXIT(),
		I_MOV64_IMM(0, XDP_DROP), I_EXIT(),
	};
	struct uxdp_prog *p = load(insns, ARRAY_LEN(insns), &dm, 1, UXDP_PROG_XDP);
	uint32_t k, v;

	ASSERT_NOT_NULL(dm);
	ASSERT_NOT_NULL(p);
	for (size_t m = 0; m < ARRAY_LEN(vecs); m++) {
		struct uxdp_port *g = port("gen:count=300,flows=3");
		struct uxdp_port *a = port("pipe:mx/a"), *b = port("pipe:mx/b");
		struct uxdp_port *c = port("pipe:my/a"), *d = port("pipe:my/b");
		UXDP_OPTS(uxdp_dp_opts, o, .workers = 1, .vector_size = vecs[m] ? vecs[m] : 16,
			  .per_packet = !vecs[m], .on_exception = on_exc);
		struct uxdp_dp *dp = uxdp_dp__new(&o);
		struct uxdp_dp_queue_stats s;
		uint8_t fb[64], fd[64];

		ASSERT_NOT_NULL(g);
		ASSERT_NOT_NULL(a);
		ASSERT_NOT_NULL(c);
		ASSERT_NOT_NULL(dp);
		k = 0, v = uxdp_port__ifindex(a);
		ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
		k = 1, v = uxdp_port__ifindex(c);
		ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
		k = 2, v = UXDP_PORT_MAX_IFINDEX; /* no port has it */
		ASSERT_OK(uxdp_map__update_elem(dm, &k, &v, 0));
		ASSERT_OK(uxdp_dp__add_port(dp, g));
		ASSERT_OK(uxdp_dp__add_port(dp, a));
		ASSERT_OK(uxdp_dp__add_port(dp, c));
		ASSERT_OK(uxdp_dp__assign_rxq(dp, g, 0, 0));
		ASSERT_OK(uxdp_dp__attach(dp, g, p));
		poll_all(dp, 1);
		ASSERT_EQ(drain(b, fb), 100);
		ASSERT_EQ(drain(d, fd), 100);
		ASSERT_EQ(fb[29], 1); /* flow 0 went to a */
		ASSERT_EQ(fd[29], 2); /* flow 1 went to c */
		ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
		ASSERT_EQ(s.rx_packets, 300);
		ASSERT_EQ(s.redirect, 300);
		ASSERT_EQ(s.redirect_err, 100);
		uxdp_dp__free(dp);
		uxdp_port__close(g);
		uxdp_port__close(a);
		uxdp_port__close(b);
		uxdp_port__close(c);
		uxdp_port__close(d);
	}
	uxdp_prog__put(p);
	uxdp_map__put(dm);
	return UXDP_TEST_PASS;
}

/*
 * The vector loop sets the exec's run state once per vector only for a
 * program that cannot change it (prog->jit_plain). A program that tail-calls
 * changes it on every run (the tail-call count, the current program): every
 * one of 1000 frames must still reach the target, which drops it — were the
 * count carried from frame to frame, frames after the 33rd would fall
 * through to PASS.
 */
UXDP_TEST(dp_tail_call_every_frame_in_a_vector, fast)
{
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 1);
	struct bpf_insn callerp[] = {
		I_LD_MAP(BPF_REG_2, 0), I_MOV64_IMM(BPF_REG_3, 0), I_CALL(BPF_FUNC_tail_call),
		I_MOV64_IMM(BPF_REG_0, XDP_PASS), I_EXIT(),
	};
	struct uxdp_map *pa = uxdp_map__create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 1, &mo);
	struct uxdp_prog *caller, *target = prog_ret(XDP_DROP), *redir;
	struct uxdp_port *g = port("gen:count=1000,flows=10");
	/* vectors of 64: more frames than the 33 tail calls a run may make */
	UXDP_OPTS(uxdp_dp_opts, o, .workers = 1, .vector_size = 64, .on_exception = on_exc);
	struct uxdp_dp *dp = uxdp_dp__new(&o);
	struct uxdp_dp_queue_stats s;
	uint32_t k = 0, id;

	ASSERT_NOT_NULL(pa);
	ASSERT_NOT_NULL(target);
	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(dp);
	caller = load(callerp, ARRAY_LEN(callerp), &pa, 1, UXDP_PROG_XDP);
	ASSERT_NOT_NULL(caller);
	id = uxdp_prog__id(target);
	ASSERT_OK(uxdp_map__update_elem(pa, &k, &id, BPF_ANY));
	/* what the JIT decided (both compiled) */
	ASSERT_NOT_NULL(caller->jit_entry);
	ASSERT_FALSE(caller->jit_plain);
	ASSERT_TRUE(target->jit_plain);
	redir = prog_redirect(7); /* a helper call without a callback: still plain */
	ASSERT_NOT_NULL(redir);
	ASSERT_TRUE(redir->jit_plain);
	uxdp_prog__put(redir);

	ASSERT_OK(uxdp_dp__add_port(dp, g));
	ASSERT_OK(uxdp_dp__assign_all(dp));
	ASSERT_OK(uxdp_dp__attach(dp, g, caller));
	poll_all(dp, 1);
	ASSERT_OK(uxdp_dp__get_stats(dp, g, -1, &s));
	ASSERT_EQ(s.rx_packets, 1000);
	ASSERT_EQ(s.drop, 1000);
	ASSERT_EQ(s.pass, 0);
	uxdp_dp__free(dp);
	uxdp_port__close(g);
	ASSERT_OK(uxdp_map__delete_elem(pa, &k));
	uxdp_prog__put(caller);
	uxdp_prog__put(target);
	uxdp_map__put(pa);
	return UXDP_TEST_PASS;
}
