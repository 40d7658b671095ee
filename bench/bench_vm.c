// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_vm: uxdp's eBPF engines against the kernel's and against native C, on
 * the same object and packet. Programs from tests/progs: xdp_drop (return
 * XDP_DROP), parse_count (parse Ethernet/IPv4, per-CPU counter, drop),
 * mac_swap (swap MACs, XDP_TX) and udp_hash (parse Ethernet/IPv4/UDP, hash
 * the 5-tuple, look it up in a hash map that holds the flow; also built with
 * -mcpu=v1 to show that v3's 32-bit code is not slower). Each runs `repeat`
 * times through uxdp_prog__test_run (interpreter, then JIT), through the
 * kernel's BPF_PROG_TEST_RUN (its JIT when net.core.bpf_jit_enable=1), and
 * as a C function compiled with the bench (gcc -O2) on the same frame, with
 * the same uxdp hash map for udp_hash. The table gives ns per run, the
 * instruction counts, and the JIT's ratio to the kernel and to native C.
 * Without root the kernel column says why it is missing.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <uxdp/object.h>
#include <uxdp/map.h>
#include <uxdp/vm.h>

#ifndef BENCH_PROGS_DIR
#define BENCH_PROGS_DIR "tests/progs"
#endif

typedef uint32_t (*native_fn)(struct uxdp_xdp_buff *xdp);

struct bench_case {
	const char *label;
	const char *object;
	const char *prog;
	bool seed_known;	/* put the packet's flow into udp_hash's "known" map */
	bool straight_line;	/* every instruction runs exactly once */
	native_fn native;	/* the same work in C, or NULL */
};

struct result {
	double ns;	/* ns per run, < 0 if unavailable */
	size_t insns;	/* static instruction count */
	size_t exec;	/* instructions one run executes (uxdp counting interpreter), 0 if unknown */
	char why[160];	/* reason when unavailable */
};

/* IPv4/UDP 10.0.0.1:1234 -> 10.0.0.100:53, 74 bytes: packet 0 of tests/data/packets.pcap. */
static unsigned char pkt[74];
/* Its hash as udp_hash computes it (key of "known" in tests/progs/udp_hash.maps.json). */
static const unsigned char known_key[4] = { 0x4c, 0x86, 0x5e, 0xfc };

static void build_packet(void)
{
	static const unsigned char hdr[] = {
		0x02, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00, /* eth */
		0x45, 0, 0, 60, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 100, /* ip */
		0x04, 0xd2, 0x00, 0x35, 0, 40, 0, 0, /* udp */
	};

	memset(pkt, 0xab, sizeof(pkt));
	memcpy(pkt, hdr, sizeof(hdr));
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int quiet(enum uxdp_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* --- native C twins of the programs (built with the bench: gcc -O2) --- */

struct counter {
	uint64_t packets, bytes;
};

static struct counter native_counts[256];
static struct uxdp_map *native_known;
static uint32_t native_last_hash;

static uint32_t native_drop(struct uxdp_xdp_buff *xdp)
{
	return XDP_DROP;
}

static uint32_t native_parse_count(struct uxdp_xdp_buff *xdp)
{
	const uint8_t *d = xdp->data;
	uint32_t key = 0;

	if (d + 34 <= xdp->data_end && d[12] == 0x08 && d[13] == 0x00)
		key = d[23];
	native_counts[key].packets++;
	native_counts[key].bytes += (uint64_t)(xdp->data_end - xdp->data);
	return XDP_DROP;
}

static uint32_t native_mac_swap(struct uxdp_xdp_buff *xdp)
{
	uint8_t *d = xdp->data, tmp[6];

	if (d + 14 > xdp->data_end)
		return XDP_DROP;
	memcpy(tmp, d, 6);
	memcpy(d, d + 6, 6);
	memcpy(d + 6, tmp, 6);
	return XDP_TX;
}

static inline uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9e3779b1;
	h ^= h >> 15;
	return h;
}

static uint32_t native_udp_hash(struct uxdp_xdp_buff *xdp)
{
	const uint8_t *d = xdp->data;
	uint32_t h = 0x1234567, saddr, daddr, v;
	uint16_t sport, dport;

	if (d + 34 > xdp->data_end)
		return XDP_PASS;
	if (d[12] != 0x08 || d[13] != 0x00 || d[23] != 17 || (d[14] & 0x0f) != 5)
		return XDP_PASS;
	if (d + 42 > xdp->data_end)
		return XDP_PASS;
	memcpy(&saddr, d + 26, 4);
	memcpy(&daddr, d + 30, 4);
	memcpy(&sport, d + 34, 2);
	memcpy(&dport, d + 36, 2);
	h = mix(h, saddr);
	h = mix(h, daddr);
	h = mix(h, ((uint32_t)sport << 16) | dport);
	h = mix(h, 17);
	native_last_hash = h;
	if (!uxdp_map__lookup_elem(native_known, &h, &v))
		return XDP_PASS;
	return XDP_DROP;
}

/* The native twin on the test-run frame geometry, called through a pointer. */
static void run_native(const struct bench_case *bc, unsigned int repeat, struct result *res)
{
	static uint8_t frame[4096];
	native_fn volatile fn = bc->native;
	struct uxdp_xdp_buff xdp = {
		.data_hard_start = frame,
		.data = frame + 256,
		.data_meta = frame + 256,
		.data_end = frame + 256 + sizeof(pkt),
		.frame_sz = sizeof(frame),
		.ingress_ifindex = 1,
	};
	uint32_t ret = 0;

	res->ns = -1;
	if (!fn) {
		snprintf(res->why, sizeof(res->why), "no native version");
		return;
	}
	if (bc->seed_known && !native_known) {
		unsigned int one = 1;

		native_known = uxdp_map__create(BPF_MAP_TYPE_HASH, "known", 4, 4, 1024, NULL);
		if (!native_known || uxdp_map__update_elem(native_known, known_key, &one, BPF_ANY)) {
			snprintf(res->why, sizeof(res->why), "cannot make map \"known\"");
			return;
		}
	}
	memcpy(frame + 256, pkt, sizeof(pkt));
	for (unsigned int i = 0; i < repeat / 10; i++)
		ret |= fn(&xdp);
	for (int round = 0; round < 3; round++) {
		double start = now_ns(), ns;

		for (unsigned int i = 0; i < repeat; i++)
			ret |= fn(&xdp);
		ns = (now_ns() - start) / repeat;
		if (res->ns < 0 || ns < res->ns)
			res->ns = ns;
	}
	if (ret == 0xdeadbeef)
		printf("?");
}

static void run_uxdp(const struct bench_case *bc, enum uxdp_engine engine, unsigned int repeat,
		     struct result *res)
{
	char log[4096] = "";
	UXDP_OPTS(uxdp_object_open_opts, oopts, .engine = engine, .ncpus = 1, .log_buf = log,
		  .log_size = sizeof(log));
	UXDP_OPTS(uxdp_exec_opts, eopts, .cpu = 0, .prandom_seed = 1);
	unsigned char out[256];
	struct uxdp_test_run_opts t = {
		.sz = sizeof(t),
		.data_in = pkt,
		.data_size_in = sizeof(pkt),
		.data_out = out,
		.data_size_out = sizeof(out),
	};
	struct uxdp_object *obj;
	struct uxdp_prog *prog;
	struct uxdp_exec *ex = NULL;
	double start;
	int err;

	res->ns = -1;
	obj = uxdp_object__open_file(bc->object, &oopts);
	if (!obj) {
		if (errno == EOPNOTSUPP && engine == UXDP_ENGINE_JIT)
			snprintf(res->why, sizeof(res->why), "JIT not available (EOPNOTSUPP)");
		else
			snprintf(res->why, sizeof(res->why), "open failed: %s: %.100s",
				 strerror(errno), log);
		return;
	}
	prog = uxdp_object__find_prog(obj, bc->prog);
	if (!prog) {
		snprintf(res->why, sizeof(res->why), "no program %s", bc->prog);
		goto out;
	}
	if (engine == UXDP_ENGINE_JIT && uxdp_prog__engine(prog) != UXDP_ENGINE_JIT) {
		snprintf(res->why, sizeof(res->why), "JIT not available");
		goto out;
	}
	uxdp_prog__insns(prog, &res->insns);
	if (bc->seed_known) {
		struct uxdp_map *m = uxdp_object__find_map(obj, "known");
		unsigned int one = 1;

		if (!m || uxdp_map__update_elem(m, known_key, &one, BPF_ANY)) {
			snprintf(res->why, sizeof(res->why), "cannot seed map \"known\"");
			goto out;
		}
	}
	ex = uxdp_exec__new(&eopts);
	if (!ex) {
		snprintf(res->why, sizeof(res->why), "exec: %s", strerror(errno));
		goto out;
	}
	t.repeat = 1;
	t.count_insns = true;
	uxdp_prog__test_run(prog, ex, &t);
	res->exec = t.insn_cnt;
	t.count_insns = false;
	t.repeat = repeat / 10 ? repeat / 10 : 1; /* warm up */
	uxdp_prog__test_run(prog, ex, &t);
	/* best of three: other processes on this machine only ever add time */
	for (int round = 0; round < 3; round++) {
		double ns;

		t.repeat = repeat;
		t.data_size_out = sizeof(out);
		start = now_ns();
		err = uxdp_prog__test_run(prog, ex, &t);
		if (err) {
			snprintf(res->why, sizeof(res->why), "test_run: %s", strerror(-err));
			goto out;
		}
		/* our own clock: the library's duration_ns is whole nanoseconds */
		ns = (now_ns() - start) / repeat;
		if (res->ns < 0 || ns < res->ns)
			res->ns = ns;
	}
out:
	uxdp_exec__free(ex);
	uxdp_object__close(obj);
}

static void run_kernel(const struct bench_case *bc, unsigned int repeat, struct result *res)
{
	unsigned char out[256];
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .data_out = out, .data_size_out = sizeof(out));
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	res->ns = -1;
	if (geteuid() != 0) {
		snprintf(res->why, sizeof(res->why), "needs root for BPF_PROG_TEST_RUN");
		return;
	}
	obj = bpf_object__open_file(bc->object, NULL);
	if (!obj) {
		snprintf(res->why, sizeof(res->why), "open: %s", strerror(errno));
		return;
	}
	err = bpf_object__load(obj);
	if (err) {
		snprintf(res->why, sizeof(res->why), "load: %s", strerror(-err));
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, bc->prog);
	if (!prog) {
		snprintf(res->why, sizeof(res->why), "no program %s", bc->prog);
		goto out;
	}
	res->insns = bpf_program__insn_cnt(prog);
	if (bc->seed_known) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, "known");
		unsigned int one = 1;

		if (!m || bpf_map_update_elem(bpf_map__fd(m), known_key, &one, BPF_ANY)) {
			snprintf(res->why, sizeof(res->why), "cannot seed map \"known\"");
			goto out;
		}
	}
	t.repeat = repeat / 10 ? repeat / 10 : 1;
	bpf_prog_test_run_opts(bpf_program__fd(prog), &t);
	for (int round = 0; round < 3; round++) {
		t.repeat = repeat;
		t.data_size_out = sizeof(out);
		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &t)) {
			snprintf(res->why, sizeof(res->why), "test_run: %s", strerror(errno));
			goto out;
		}
		/* the kernel's own mean, whole nanoseconds; best of three */
		if (res->ns < 0 || t.duration < res->ns)
			res->ns = t.duration;
	}
out:
	bpf_object__close(obj);
}

static void cell(const struct result *r)
{
	if (r->ns < 0)
		printf(" %9s", "n/a");
	else
		printf(" %9.2f", r->ns);
}

static void ratio(const struct result *a, const struct result *b)
{
	if (a->ns < 0 || b->ns <= 0)
		printf(" %7s", "-");
	else
		printf(" %6.2fx", a->ns / b->ns);
}

static int read_jit_enable(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *dir = BENCH_PROGS_DIR;
	unsigned int repeat = 1000000;
	char obj[5][512];
	struct bench_case cases[5];
	const int ncases = 5;
	cpu_set_t set;
	int c;

	while ((c = getopt(argc, argv, "d:r:h")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'r': repeat = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: bench_vm [-d PROGS_DIR] [-r REPEAT]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!repeat)
		repeat = 1;
	snprintf(obj[0], sizeof(obj[0]), "%s/xdp_drop.bpf.o", dir);
	snprintf(obj[1], sizeof(obj[1]), "%s/parse_count.bpf.o", dir);
	snprintf(obj[2], sizeof(obj[2]), "%s/mac_swap.bpf.o", dir);
	snprintf(obj[3], sizeof(obj[3]), "%s/udp_hash.bpf.o", dir);
	snprintf(obj[4], sizeof(obj[4]), "%s/udp_hash_v1.bpf.o", dir);
	cases[0] = (struct bench_case){ "drop", obj[0], "xdp_drop", false, true, native_drop };
	cases[1] = (struct bench_case){ "parse+pcpu+drop", obj[1], "parse_count", false, false,
					native_parse_count };
	cases[2] = (struct bench_case){ "mac_swap+tx", obj[2], "mac_swap", false, true,
					native_mac_swap };
	cases[3] = (struct bench_case){ "parse+hash+lookup", obj[3], "udp_hash", true, false,
					native_udp_hash };
	cases[4] = (struct bench_case){ "  same, -mcpu=v1", obj[4], "udp_hash", true, false,
					native_udp_hash };

	uxdp_set_print(quiet);
	libbpf_set_print(libbpf_quiet);
	build_packet();
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set); /* same CPU for both sides */

	printf("bench_vm: %u runs per case, 74-byte IPv4/UDP packet, pinned to CPU 0\n", repeat);
	printf("kernel: BPF_PROG_TEST_RUN, net.core.bpf_jit_enable=%d\n\n", read_jit_enable());
	printf("%-18s %5s %5s | %9s %9s %9s %9s | %7s %7s\n", "program", "insns", "exec",
	       "uxdp-int", "uxdp-jit", "kernel", "native", "jit/", "jit/");
	printf("%-18s %5s %5s | %9s %9s %9s %9s | %7s %7s\n", "", "", "", "ns/run", "ns/run",
	       "ns/run", "ns/run", "kernel", "native");
	for (int i = 0; i < ncases; i++) {
		struct result ri = {}, rj = {}, rk = {}, rn = {};

		run_uxdp(&cases[i], UXDP_ENGINE_INTERP, repeat, &ri);
		run_uxdp(&cases[i], UXDP_ENGINE_JIT, repeat, &rj);
		run_kernel(&cases[i], repeat, &rk);
		run_native(&cases[i], repeat, &rn);
		printf("%-18s %5zu %5zu |", cases[i].label, ri.insns ? ri.insns : rk.insns, ri.exec);
		cell(&ri);
		cell(&rj);
		cell(&rk);
		cell(&rn);
		printf(" |");
		ratio(&rj, &rk);
		ratio(&rj, &rn);
		printf("\n");
		if (ri.ns < 0)
			printf("    uxdp interpreter: %s\n", ri.why);
		if (rj.ns < 0)
			printf("    uxdp JIT: %s\n", rj.why);
		if (rk.ns < 0)
			printf("    kernel: %s\n", rk.why);
	}
	printf("\ninsns: instructions in the program; exec: instructions one run executes, "
	       "counted by uxdp's\ncounting interpreter. uxdp and native: best of 3 rounds of "
	       "wall time per run through\nuxdp_prog__test_run / a function pointer; kernel: the "
	       "duration BPF_PROG_TEST_RUN reports\n(best of 3). native: the program written in C, "
	       "built with the bench (gcc -O2).\n");
	printf("reproduce: %s -d %s -r %u\n", argv[0], dir, repeat);
	return 0;
}
