// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_vm: uxdp's eBPF engines against the kernel's, on the same object and
 * packet. Two programs from tests/progs: xdp_drop (return XDP_DROP) and
 * udp_hash (parse Ethernet/IPv4/UDP, hash the 5-tuple, look it up in a hash
 * map that holds the flow). Each runs `repeat` times through
 * uxdp_prog__test_run (interpreter, then JIT if it loads) and through the
 * kernel's BPF_PROG_TEST_RUN (its JIT when net.core.bpf_jit_enable=1); the
 * table gives ns per run, the static instruction count, executed instructions
 * where they are known (straight-line programs) and ns per instruction.
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

struct bench_case {
	const char *label;
	const char *object;
	const char *prog;
	bool seed_known;	/* put the packet's flow into udp_hash's "known" map */
	bool straight_line;	/* every instruction runs exactly once */
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

static void cell(const struct result *r, size_t exec_insns)
{
	if (r->ns < 0) {
		printf(" %10s %9s", "n/a", "");
		return;
	}
	printf(" %10.2f", r->ns);
	if (exec_insns)
		printf(" %9.3f", r->ns / exec_insns);
	else
		printf(" %9s", "?");
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
	char drop_obj[512], parse_obj[512];
	struct bench_case cases[2];
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
	snprintf(drop_obj, sizeof(drop_obj), "%s/xdp_drop.bpf.o", dir);
	snprintf(parse_obj, sizeof(parse_obj), "%s/udp_hash.bpf.o", dir);
	cases[0] = (struct bench_case){ "drop", drop_obj, "xdp_drop", false, true };
	cases[1] = (struct bench_case){ "parse+hash+lookup", parse_obj, "udp_hash", true, false };

	uxdp_set_print(quiet);
	libbpf_set_print(libbpf_quiet);
	build_packet();
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set); /* same CPU for both sides */

	printf("bench_vm: %u runs per case, 74-byte IPv4/UDP packet, pinned to CPU 0\n", repeat);
	printf("kernel: BPF_PROG_TEST_RUN, net.core.bpf_jit_enable=%d\n\n", read_jit_enable());
	printf("%-18s %6s %6s | %10s %9s | %10s %9s | %10s %9s\n", "program", "insns", "exec",
	       "uxdp-int", "ns/insn", "uxdp-jit", "ns/insn", "kernel", "ns/insn");
	printf("%-18s %6s %6s | %10s %9s | %10s %9s | %10s %9s\n", "", "", "", "ns/run", "",
	       "ns/run", "", "ns/run", "");
	for (int i = 0; i < 2; i++) {
		struct result ri = {}, rj = {}, rk = {};
		size_t exec;

		run_uxdp(&cases[i], UXDP_ENGINE_INTERP, repeat, &ri);
		run_uxdp(&cases[i], UXDP_ENGINE_JIT, repeat, &rj);
		run_kernel(&cases[i], repeat, &rk);
		exec = ri.exec;
		printf("%-18s %6zu %6zu |", cases[i].label, ri.insns ? ri.insns : rk.insns, exec);
		cell(&ri, exec);
		printf(" |");
		cell(&rj, exec);
		printf(" |");
		cell(&rk, exec);
		printf("\n");
		if (ri.ns < 0)
			printf("    uxdp interpreter: %s\n", ri.why);
		if (rj.ns < 0)
			printf("    uxdp JIT: %s\n", rj.why);
		if (rk.ns < 0)
			printf("    kernel: %s\n", rk.why);
	}
	printf("\ninsns: instructions in the program; exec: instructions one run executes, "
	       "counted by uxdp's\ncounting interpreter (the same for every engine, the kernel's "
	       "included); ns/insn = ns/run / exec.\nuxdp: best of 3 rounds of wall time; "
	       "kernel: the duration BPF_PROG_TEST_RUN reports (best of 3).\n");
	printf("reproduce: %s -d %s -r %u\n", argv[0], dir, repeat);
	return 0;
}
