/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uxdp-xsk-bench internals: the run configuration, one queue's state, and the
 * per-queue loop (bench_loop.c), compiled once on uxdp's sockets and, when
 * libxdp is present, once more on kernel AF_XDP sockets (--kernel).
 */
#ifndef UXDP_XSK_BENCH_H
#define UXDP_XSK_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum bench_mode { BENCH_RXDROP, BENCH_TXPUSH, BENCH_L2FWD };

struct bench_cfg {
	const char *ifname;
	enum bench_mode mode;
	unsigned int batch;
	unsigned int pkt_size;
	bool copy, zero_copy; /* forced mode (neither: let the backend choose) */
	bool poll;	      /* sleep in poll() */
	bool busy_poll;	      /* kick every batch (kernel: SO_PREFER_BUSY_POLL too) */
	bool hugepages;	      /* UMEM from MAP_HUGETLB */
	bool unaligned;	      /* XDP_UMEM_UNALIGNED_CHUNK_FLAG */
};

struct bench_stats {
	uint64_t rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
		rx_fill_ring_empty_descs, tx_ring_empty_descs;
};

struct bench_queue {
	const struct bench_cfg *cfg;
	unsigned int queue;
	volatile int *stop;
	pthread_t thr;
	uint64_t packets; /* written by the queue's thread (relaxed atomics) */
	int ready;	  /* 1: socket bound, -1: setup failed */
	bool zero_copy;
	struct bench_stats stats;
	int err;
	char errmsg[160];
};

/* Run one queue until *stop (thread body; q->ready tells setup's outcome). */
void *bench_run_uxdp(void *q);
void *bench_run_kernel(void *q);

#endif /* UXDP_XSK_BENCH_H */
