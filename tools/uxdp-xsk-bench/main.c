// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp-xsk-bench: xdpsock's benchmarks (rxdrop, txpush, l2fwd) on sockets
 * served by uxdpd, one thread per queue, printing the rate each second and a
 * machine-parseable summary; with --kernel the same loop runs on kernel
 * AF_XDP sockets through libxdp, so bench scripts compare the two side by side.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_QUEUES 64

static const char usage_text[] =
	"NAME\n"
	"    uxdp-xsk-bench - AF_XDP socket benchmark on uxdpd (or the kernel)\n"
	"\n"
	"SYNOPSIS\n"
	"    uxdp-xsk-bench -i PORT [-q QUEUES] [-m rxdrop|txpush|l2fwd] [-c|-z]\n"
	"                   [-p|-B] [-b BATCH] [-s SIZE] [-H] [-u] [-d SECONDS] [--kernel]\n"
	"\n"
	"DESCRIPTION\n"
	"    Binds one socket per queue (each with its own 16 MiB UMEM of 4 KiB\n"
	"    frames, 2048-entry rings) and runs a benchmark loop on each in its own\n"
	"    thread: rxdrop receives and recycles every frame, txpush sends a fixed\n"
	"    UDP frame as fast as the tx ring completes, l2fwd swaps the MAC\n"
	"    addresses of each received frame and sends it back. The sockets are\n"
	"    served by uxdpd ($UXDP_SOCKET, default /run/uxdp/uxdpd.sock) unless\n"
	"    --kernel is given.\n"
	"\n"
	"OPTIONS\n"
	"    -i, --interface PORT  uxdpd port (with --kernel: network interface)\n"
	"    -q, --queues LIST     queue ids: 3, 0,2 or 0-3 (default 0)\n"
	"    -m, --mode MODE       rxdrop (default), txpush or l2fwd\n"
	"    -c, --copy            force copy mode\n"
	"    -z, --zero-copy       force zero-copy mode (fails where impossible)\n"
	"    -p, --poll            sleep in poll() when there is nothing to do\n"
	"    -B, --busy-poll       busy-poll: no need-wakeup, kick every batch (kernel:\n"
	"                          also SO_PREFER_BUSY_POLL, SO_BUSY_POLL, budget = BATCH)\n"
	"                          default: spin on the rings, kick only when asked\n"
	"    -b, --batch N         descriptors per ring operation (default 64)\n"
	"    -s, --size BYTES      txpush frame size, 42..3840 (default 64)\n"
	"    -H, --hugepages       UMEM on 2 MiB huge pages (MAP_HUGETLB; needs free pages in\n"
	"                          /proc/sys/vm/nr_hugepages: 9 per queue); uxdpd then maps it\n"
	"                          with huge pages too\n"
	"    -u, --unaligned       register the UMEM with XDP_UMEM_UNALIGNED_CHUNK_FLAG\n"
	"    -d, --duration SEC    run this long (default: until SIGINT)\n"
	"    -K, --kernel          run on kernel AF_XDP sockets through libxdp%s\n"
	"    -h, --help            this text\n"
	"\n"
	"OUTPUT\n"
	"    Each second: '<t> s: <Mpps> Mpps <packets> packets'. At the end one line\n"
	"    summary: backend=uxdp|kernel mode=M queues=N zero_copy=0|1 seconds=S\n"
	"             packets=P pps=R mpps=X\n"
	"    and the sockets' drop counters summed over queues on a 'stats:' line.\n"
	"\n"
	"EXIT STATUS\n"
	"    0 after a run, 1 when a socket could not be set up, 2 on bad usage.\n";

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
#ifdef BENCH_HAVE_KERNEL
	fprintf(f, usage_text, "");
#else
	fprintf(f, usage_text, " (not built: no libxdp)");
#endif
}

/* "3", "0,2", "0-3", "0-1,4": at most MAX_QUEUES ids. */
static int parse_queues(const char *s, unsigned int *q, unsigned int *n)
{
	*n = 0;
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		for (unsigned long i = a; i <= b; i++) {
			if (*n == MAX_QUEUES)
				return -1;
			q[(*n)++] = (unsigned int)i;
		}
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"queues", required_argument, NULL, 'q'},
		{"mode", required_argument, NULL, 'm'},
		{"copy", no_argument, NULL, 'c'},
		{"zero-copy", no_argument, NULL, 'z'},
		{"poll", no_argument, NULL, 'p'},
		{"busy-poll", no_argument, NULL, 'B'},
		{"batch", required_argument, NULL, 'b'},
		{"size", required_argument, NULL, 's'},
		{"hugepages", no_argument, NULL, 'H'},
		{"unaligned", no_argument, NULL, 'u'},
		{"duration", required_argument, NULL, 'd'},
		{"kernel", no_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char *mode_names[] = {"rxdrop", "txpush", "l2fwd"};
	static struct bench_queue q[MAX_QUEUES];
	struct bench_cfg cfg = {.batch = 64, .pkt_size = 64};
	unsigned int queues[MAX_QUEUES], nq = 1;
	struct bench_stats sum = {0};
	void *(*run)(void *) = bench_run_uxdp;
	double duration = 0, t0, tick, t1;
	uint64_t last = 0, total;
	bool kernel = false, zc = true;
	int c, failed = 0;

	queues[0] = 0;
	while ((c = getopt_long(argc, argv, "i:q:m:czpBb:s:Hud:Kh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			cfg.ifname = optarg;
			break;
		case 'q':
			if (parse_queues(optarg, queues, &nq)) {
				fprintf(stderr, "uxdp-xsk-bench: bad queue list '%s'\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (!strcmp(optarg, "rxdrop"))
				cfg.mode = BENCH_RXDROP;
			else if (!strcmp(optarg, "txpush"))
				cfg.mode = BENCH_TXPUSH;
			else if (!strcmp(optarg, "l2fwd"))
				cfg.mode = BENCH_L2FWD;
			else {
				fprintf(stderr, "uxdp-xsk-bench: unknown mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c':
			cfg.copy = true;
			cfg.zero_copy = false;
			break;
		case 'z':
			cfg.zero_copy = true;
			cfg.copy = false;
			break;
		case 'p':
			cfg.poll = true;
			break;
		case 'B':
			cfg.busy_poll = true;
			break;
		case 'b':
			cfg.batch = (unsigned int)strtoul(optarg, NULL, 0);
			if (cfg.batch < 1 || cfg.batch > 1024) {
				fprintf(stderr, "uxdp-xsk-bench: batch must be 1..1024\n");
				return 2;
			}
			break;
		case 's':
			cfg.pkt_size = (unsigned int)strtoul(optarg, NULL, 0);
			if (cfg.pkt_size < 42 || cfg.pkt_size > 3840) {
				fprintf(stderr, "uxdp-xsk-bench: size must be 42..3840\n");
				return 2;
			}
			break;
		case 'H':
			cfg.hugepages = true;
			break;
		case 'u':
			cfg.unaligned = true;
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'K':
#ifdef BENCH_HAVE_KERNEL
			kernel = true;
			run = bench_run_kernel;
			break;
#else
			fprintf(stderr, "uxdp-xsk-bench: --kernel needs libxdp, which this build "
					"lacks\n");
			return 2;
#endif
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cfg.ifname || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cfg.poll && cfg.busy_poll) {
		fprintf(stderr, "uxdp-xsk-bench: -p and -B exclude each other\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	for (unsigned int i = 0; i < nq; i++) {
		q[i] = (struct bench_queue){.cfg = &cfg, .queue = queues[i], .stop = &stop};
		if (pthread_create(&q[i].thr, NULL, run, &q[i])) {
			fprintf(stderr, "uxdp-xsk-bench: cannot start a thread\n");
			stop = 1;
			nq = i;
			failed = 1;
			break;
		}
	}
	for (unsigned int i = 0; i < nq; i++) {
		while (!__atomic_load_n(&q[i].ready, __ATOMIC_ACQUIRE))
			usleep(1000);
		if (q[i].ready < 0) {
			fprintf(stderr, "uxdp-xsk-bench: %s\n",
				q[i].errmsg[0] ? q[i].errmsg : strerror(-q[i].err));
			failed = 1;
		}
	}
	if (failed)
		stop = 1;

	t0 = tick = now();
	while (!stop) {
		double t;

		usleep(100000);
		t = now();
		if (duration > 0 && t - t0 >= duration)
			stop = 1;
		if (t - tick >= 1.0 || stop) {
			total = 0;
			for (unsigned int i = 0; i < nq; i++)
				total += __atomic_load_n(&q[i].packets, __ATOMIC_RELAXED);
			printf("%7.2f s: %8.3f Mpps %12llu packets\n", t - t0,
			       (double)(total - last) / (t - tick) / 1e6,
			       (unsigned long long)total);
			fflush(stdout);
			last = total;
			tick = t;
		}
	}
	t1 = now();
	for (unsigned int i = 0; i < nq; i++)
		pthread_join(q[i].thr, NULL);
	if (failed)
		return 1;

	total = 0;
	for (unsigned int i = 0; i < nq; i++) {
		total += q[i].packets;
		zc = zc && q[i].zero_copy;
		sum.rx_dropped += q[i].stats.rx_dropped;
		sum.rx_invalid_descs += q[i].stats.rx_invalid_descs;
		sum.tx_invalid_descs += q[i].stats.tx_invalid_descs;
		sum.rx_ring_full += q[i].stats.rx_ring_full;
		sum.rx_fill_ring_empty_descs += q[i].stats.rx_fill_ring_empty_descs;
		sum.tx_ring_empty_descs += q[i].stats.tx_ring_empty_descs;
	}
	printf("summary: backend=%s mode=%s queues=%u zero_copy=%d seconds=%.3f packets=%llu "
	       "pps=%.0f mpps=%.3f\n",
	       kernel ? "kernel" : "uxdp", mode_names[cfg.mode], nq, zc, t1 - t0,
	       (unsigned long long)total, t1 > t0 ? (double)total / (t1 - t0) : 0.0,
	       t1 > t0 ? (double)total / (t1 - t0) / 1e6 : 0.0);
	printf("stats: rx_dropped=%llu rx_invalid_descs=%llu tx_invalid_descs=%llu "
	       "rx_ring_full=%llu rx_fill_ring_empty_descs=%llu tx_ring_empty_descs=%llu\n",
	       (unsigned long long)sum.rx_dropped, (unsigned long long)sum.rx_invalid_descs,
	       (unsigned long long)sum.tx_invalid_descs, (unsigned long long)sum.rx_ring_full,
	       (unsigned long long)sum.rx_fill_ring_empty_descs,
	       (unsigned long long)sum.tx_ring_empty_descs);
	return 0;
}
