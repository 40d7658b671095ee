// SPDX-License-Identifier: BSD-2-Clause
/*
 * Application sockets, in one process: a uxdp data path (one worker thread,
 * pinned) with a generator or null port serves one socket whose application
 * thread (pinned to another CPU) runs rxdrop, txpush or l2fwd on the rings
 * with the inline ring API of <uxdp/xsk.h>. Zero-copy and copy mode side by
 * side. The application and the daemon share memory exactly as across
 * processes; only the bind goes through uxdp_xsk_srv_bind() directly instead
 * of the control socket.
 *
 * usage: bench_xsk [-d SECONDS] [-b BATCH] [-m rxdrop|txpush|l2fwd|all] [-s SIZE]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uxdp/dp.h"
#include "uxdp/port.h"
#include "uxdp/xsk.h"
#include "xsk/xsk_srv.h"

#define CHUNK	 4096u
#define NCHUNKS	 8192u
#define RING_N	 2048u
#define RING_OFF (64u * 1024)

enum mode { RXDROP, TXPUSH, L2FWD };
static const char *mode_name[] = {"rxdrop", "txpush", "l2fwd"};

struct app {
	int umem_fd, rxtx_fd, fqcq_fd, conn[2];
	uint8_t *umem, *rxtx, *fqcq;
	struct uxdp_xsk_ring_prod fq, tx;
	struct uxdp_xsk_ring_cons cq, rx;
	struct uxdp_ctl_xsk_bind msg;
	enum mode mode;
	uint32_t batch, size;
	_Atomic bool stop;
	uint64_t packets;
	int cpu;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int memfd(size_t size)
{
	int fd = memfd_create("bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
		perror("memfd");
		exit(1);
	}
	return fd;
}

static void *map(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void ring_init(struct uxdp_xsk_ring *r, uint8_t *base, bool prod)
{
	memset(r, 0, sizeof(*r));
	r->producer = (uint32_t *)(base + UXDP_XSK_RING_OFF_PRODUCER);
	r->consumer = (uint32_t *)(base + UXDP_XSK_RING_OFF_CONSUMER);
	r->flags = (uint32_t *)(base + UXDP_XSK_RING_OFF_FLAGS);
	r->ring = base + UXDP_XSK_RING_OFF_ENTRIES;
	r->size = RING_N;
	r->mask = RING_N - 1;
	if (prod)
		r->cached_cons = RING_N;
}

static void app_init(struct app *a, uint32_t flags)
{
	a->umem_fd = memfd((size_t)CHUNK * NCHUNKS);
	a->rxtx_fd = memfd(2 * RING_OFF);
	a->fqcq_fd = memfd(2 * RING_OFF);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a->conn)) {
		perror("socketpair");
		exit(1);
	}
	a->umem = map(a->umem_fd, (size_t)CHUNK * NCHUNKS);
	a->rxtx = map(a->rxtx_fd, 2 * RING_OFF);
	a->fqcq = map(a->fqcq_fd, 2 * RING_OFF);
	ring_init(&a->fq.r, a->fqcq, true);
	ring_init(&a->cq.r, a->fqcq + RING_OFF, false);
	ring_init(&a->rx.r, a->rxtx, false);
	ring_init(&a->tx.r, a->rxtx + RING_OFF, true);
	a->msg.abi = UXDP_XSK_ABI_VERSION;
	a->msg.bind_flags = flags;
	a->msg.umem_size = (uint64_t)CHUNK * NCHUNKS;
	a->msg.chunk_size = CHUNK;
	a->msg.ring[UXDP_CTL_XSK_FILL] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_COMP] =
		(struct uxdp_ctl_xsk_ring){.off = RING_OFF, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_RX] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_TX] = (struct uxdp_ctl_xsk_ring){.off = RING_OFF, .entries = RING_N};
}

static void app_fini(struct app *a)
{
	munmap(a->umem, (size_t)CHUNK * NCHUNKS);
	munmap(a->rxtx, 2 * RING_OFF);
	munmap(a->fqcq, 2 * RING_OFF);
	close(a->umem_fd);
	close(a->rxtx_fd);
	close(a->fqcq_fd);
	close(a->conn[0]);
	close(a->conn[1]);
}

/* Give n chunk addresses back to the fill ring (all at once, as xdpsock). */
static void refill(struct app *a, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx;

	while (uxdp_xsk_ring_prod__reserve(&a->fq, n, &idx) != n)
		if (atomic_load_explicit(&a->stop, memory_order_relaxed))
			return;
	for (uint32_t i = 0; i < n; i++)
		*uxdp_xsk_ring_prod__fill_addr(&a->fq, idx + i) = addrs[i];
	uxdp_xsk_ring_prod__submit(&a->fq, n);
}

static void *app_main(void *arg)
{
	struct app *a = arg;
	uint64_t addrs[256], next_tx = RING_N; /* txpush: chunks RING_N.. are TX-only */
	uint32_t idx, n, i;

	pin(a->cpu);
	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		switch (a->mode) {
		case RXDROP:
			n = uxdp_xsk_ring_cons__peek(&a->rx, a->batch, &idx);
			if (!n)
				continue;
			for (i = 0; i < n; i++)
				addrs[i] = uxdp_xsk_ring_cons__rx_desc(&a->rx, idx + i)->addr;
			uxdp_xsk_ring_cons__release(&a->rx, n);
			refill(a, addrs, n);
			a->packets += n;
			break;
		case L2FWD: {
			uint32_t tidx;

			n = uxdp_xsk_ring_cons__peek(&a->cq, a->batch, &idx);
			for (i = 0; i < n; i++)
				addrs[i] = *uxdp_xsk_ring_cons__comp_addr(&a->cq, idx + i);
			if (n) {
				uxdp_xsk_ring_cons__release(&a->cq, n);
				refill(a, addrs, n);
			}
			n = uxdp_xsk_ring_cons__peek(&a->rx, a->batch, &idx);
			if (!n)
				continue;
			while (uxdp_xsk_ring_prod__reserve(&a->tx, n, &tidx) != n)
				if (atomic_load_explicit(&a->stop, memory_order_relaxed))
					return NULL;
			for (i = 0; i < n; i++) {
				const struct xdp_desc *rd = uxdp_xsk_ring_cons__rx_desc(&a->rx, idx + i);
				struct xdp_desc *td = uxdp_xsk_ring_prod__tx_desc(&a->tx, tidx + i);
				uint8_t *p = uxdp_xsk_umem__get_data(a->umem, rd->addr), tmp[6];

				memcpy(tmp, p, 6); /* swap MACs */
				memcpy(p, p + 6, 6);
				memcpy(p + 6, tmp, 6);
				td->addr = rd->addr;
				td->len = rd->len;
				td->options = 0;
			}
			uxdp_xsk_ring_cons__release(&a->rx, n);
			uxdp_xsk_ring_prod__submit(&a->tx, n);
			a->packets += n;
			break;
		}
		case TXPUSH: {
			uint32_t done = uxdp_xsk_ring_cons__peek(&a->cq, 256, &idx);

			if (done)
				uxdp_xsk_ring_cons__release(&a->cq, done);
			next_tx -= 0;
			n = uxdp_xsk_ring_prod__reserve(&a->tx, a->batch, &idx);
			if (!n)
				continue;
			for (i = 0; i < n; i++) {
				struct xdp_desc *td = uxdp_xsk_ring_prod__tx_desc(&a->tx, idx + i);

				/* RING_N chunks cycle: a chunk is reused only after its
				 * completion (the ring cannot hold more in flight). */
				td->addr = (uint64_t)((next_tx + i) % RING_N) * CHUNK;
				td->len = a->size;
				td->options = 0;
			}
			next_tx += n;
			uxdp_xsk_ring_prod__submit(&a->tx, n);
			a->packets += n;
			break;
		}
		}
	}
	return NULL;
}

static double run(enum mode mode, uint32_t flags, double secs, uint32_t batch, uint32_t size,
		  bool *zc_out)
{
	char spec[128], err[256] = "";
	UXDP_OPTS(uxdp_dp_opts, o, .workers = 1, .vector_size = 64); /* the apps' batch */
	UXDP_OPTS(uxdp_port_open_opts, po, .err_buf = err, .err_size = sizeof(err));
	struct uxdp_xsk_srv_info info;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	struct uxdp_port *port;
	struct uxdp_dp *dp;
	struct app a = {.mode = mode, .batch = batch, .size = size, .cpu = 1};
	pthread_t th;
	double t0, t1;
	uint64_t p0;

	if (mode == TXPUSH)
		snprintf(spec, sizeof(spec), "null:");
	else
		snprintf(spec, sizeof(spec), "gen:size=%u,flows=1", size);
	port = uxdp_port__open(spec, &po);
	dp = uxdp_dp__new(&o);
	if (!port || !dp || uxdp_dp__add_port(dp, port) || uxdp_dp__assign_all(dp)) {
		fprintf(stderr, "setup: %s\n", err);
		exit(1);
	}
	app_init(&a, flags);
	/* The fill ring starts full (txpush: its TX chunks are the others). */
	if (mode != TXPUSH) {
		uint64_t addrs[RING_N];

		for (uint32_t i = 0; i < RING_N; i++)
			addrs[i] = (uint64_t)i * CHUNK;
		refill(&a, addrs, RING_N);
	}
	{
		struct uxdp_xsk_bind_params p = {
			.dp = dp, .port = port, .port_name = "bench", .msg = &a.msg,
			.umem_fd = a.umem_fd, .rxtx_fd = a.rxtx_fd, .fqcq_fd = a.fqcq_fd,
			.conn_fd = a.conn[1],
		};

		xs = uxdp_xsk_srv_bind(&p, err, sizeof(err));
		if (!xs) {
			fprintf(stderr, "bind: %s\n", err);
			exit(1);
		}
	}
	uxdp_xsk_srv_info(xs, &info);
	*zc_out = info.zero_copy;
	if (uxdp_dp__start(dp))
		exit(1);
	pthread_create(&th, NULL, app_main, &a);
	usleep(200000); /* warm up */
	p0 = a.packets;
	t0 = now_s();
	usleep((useconds_t)(secs * 1e6));
	t1 = now_s();
	uint64_t p1 = a.packets;

	atomic_store(&a.stop, true);
	pthread_join(th, NULL);
	uxdp_dp__stop(dp);
	uxdp_xsk_srv_stats(xs, &st);
	uxdp_xsk_srv_release(xs);
	uxdp_dp__free(dp);
	uxdp_port__close(port);
	app_fini(&a);
	if (getenv("BENCH_XSK_VERBOSE"))
		fprintf(stderr, "  %s %s: rx %llu ring_full %llu fill_empty %llu tx %llu\n",
			mode_name[mode], flags & XDP_ZEROCOPY ? "zc" : "copy",
			(unsigned long long)st.rx_packets, (unsigned long long)st.rx_ring_full,
			(unsigned long long)st.rx_fill_ring_empty_descs,
			(unsigned long long)st.tx_packets);
	return (double)(p1 - p0) / (t1 - t0) / 1e6;
}

int main(int argc, char **argv)
{
	double secs = 2;
	uint32_t batch = 64, size = 64;
	const char *which = "all";
	int c;

	while ((c = getopt(argc, argv, "d:b:m:s:")) != -1) {
		switch (c) {
		case 'd':
			secs = atof(optarg);
			break;
		case 'b':
			batch = (uint32_t)atoi(optarg);
			break;
		case 'm':
			which = optarg;
			break;
		case 's':
			size = (uint32_t)atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-d SECONDS] [-b BATCH] [-m rxdrop|txpush|l2fwd|all] [-s SIZE]\n",
				argv[0]);
			return 2;
		}
	}
	if (batch < 1 || batch > 256) {
		fprintf(stderr, "batch must be 1..256\n");
		return 2;
	}
	printf("# uxdp application sockets, in-process: daemon worker on CPU 0, app on CPU 1, "
	       "%u-byte packets, batch %u, %.1f s per run\n", size, batch, secs);
	printf("# reproduce: %s -d %.1f -b %u -s %u -m %s\n", argv[0], secs, batch, size, which);
	printf("%-8s %12s %12s\n", "mode", "zero-copy", "copy");
	for (int m = RXDROP; m <= L2FWD; m++) {
		bool zc1, zc2;
		double z, k;

		if (strcmp(which, "all") && strcmp(which, mode_name[m]))
			continue;
		z = run((enum mode)m, XDP_ZEROCOPY, secs, batch, size, &zc1);
		k = run((enum mode)m, XDP_COPY, secs, batch, size, &zc2);
		printf("%-8s %9.2f Mpps %9.2f Mpps%s\n", mode_name[m], z, k,
		       zc1 && !zc2 ? "" : "  (modes not as asked!)");
	}
	return 0;
}
