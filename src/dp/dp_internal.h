/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal state of the data path: ports with their attached programs,
 * workers with their queues, scratch vectors, bulk queues and counters.
 * Counters are written by their worker only (relaxed atomics, readable from
 * the control thread).
 */
#ifndef UXDP_DP_INTERNAL_H
#define UXDP_DP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "uxdp/dp.h"
#include "uxdp/vm.h"
#include "ring/ring_internal.h"

#define DP_MAX_PORTS 64
#define DP_MAX_RXQ 256 /* queues one worker polls */
#define DEV_BULK 16	/* frames queued per egress port before a flush (DEV_MAP_BULK_SIZE) */
#define CPU_BULK 8	/* frames queued per target worker (CPU_MAP_BULK_SIZE) */
#define CPUMAP_RING 2048

struct dp_port {
	struct uxdp_port *port;
	uint32_t idx;
	_Atomic(struct uxdp_prog *) prog;
	uxdp_dp_pass_fn pass_fn;
	void *pass_cookie;
};

struct dp_qstats {
	_Atomic uint64_t rx_packets, rx_bytes, verdict[5], invalid, redirect_err, xsk, tx_err,
		egress_drop;
};

struct dp_rxq {
	struct dp_port *dport;
	uint16_t qid;
	struct dp_qstats st;
};

struct dp_bulk {
	uint16_t n;
	struct uxdp_frame *f[DEV_BULK];
};

struct dp_cpu_bulk {
	uint16_t n;
	struct uxdp_frame *f[CPU_BULK];
};

struct dp_xsk_worker; /* src/xsk/xsk_dp.c */
struct dp_worker;

/* A call the control thread asks a worker to make between two polls. */
struct dp_call {
	void (*fn)(struct dp_worker *w, void *arg);
	void *arg;
	_Atomic bool done;
};

struct dp_worker {
	struct uxdp_dp *dp;
	uint32_t idx;
	struct uxdp_exec *ex;
	/* Application sockets this worker serves (xsk_dp.c); NULL: none yet. */
	struct dp_xsk_worker *xsk;
	_Atomic(struct dp_call *) call;
	struct dp_rxq *rxq;
	uint32_t n_rxq;
	/* Egress bulk queues, one per port (by dp_port idx), and which are non-empty. */
	struct dp_bulk devq[DP_MAX_PORTS];
	uint64_t dev_dirty; /* bit per port */
	struct dp_cpu_bulk cpuq[UXDP_DP_MAX_WORKERS];
	uint64_t cpu_dirty;
	/* Frames other workers redirected here through a cpumap. */
	struct uxdp_ring *cpumap_in;
	/* Doorbell of a sleeping worker (eventfd), and whether it sleeps. */
	int wake_fd;
	_Atomic bool sleeping;
	uint32_t idle_polls;
	/* Quiescent-state counter for program replacement (see uxdp_dp__attach). */
	_Atomic uint64_t qs_seq;
	_Atomic uint64_t polls, cpumap_rx, cpumap_drop, cpumap_pass, xmit_err, sleeps;
	pthread_t thread;
	/* Scratch of one vector. */
	struct uxdp_xdp_buff xb;
	struct uxdp_frame *vec[UXDP_DP_MAX_VECTOR];
	/* split[SPLIT_REDIRECT] in runs to one target: rt[r] for the next rt_len[r] frames */
	struct uxdp_redirect_target rt[UXDP_DP_MAX_VECTOR];
	uint16_t rt_len[UXDP_DP_MAX_VECTOR];
	struct uxdp_frame *split[4][UXDP_DP_MAX_VECTOR];   /* drop, tx, redirect, pass */
};

struct uxdp_dp {
	uint32_t n_workers;
	uint32_t vector;
	uint32_t idle_sleep_us;
	bool per_packet, no_pin;
	uint32_t cpus[UXDP_DP_MAX_WORKERS];
	bool have_cpus;
	uxdp_dp_exception_fn on_exception;
	void *exception_cookie;
	struct dp_port ports[DP_MAX_PORTS];
	uint32_t n_ports;
	struct dp_port *by_ifindex[UXDP_PORT_MAX_IFINDEX + 1];
	struct uxdp_netdev devs[DP_MAX_PORTS];
	struct dp_worker *workers;
	_Atomic bool running;
	_Atomic bool stop;
	pthread_mutex_t ctl_lock;
};

static inline void dp_stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/*
 * Run fn(w, arg) on worker `worker` between two of its polls and wait for it
 * (at once, on the caller's thread, when the data path is not running: the
 * caller then must not poll that worker concurrently). Control thread only;
 * calls are serialised by the control lock. @return 0 or -EINVAL
 */
int uxdp_dp_call_on_worker(struct uxdp_dp *dp, uint32_t worker,
			   void (*fn)(struct dp_worker *w, void *arg), void *arg);
/* The worker that polls RX queue qid of port, or -1. */
int uxdp_dp_rxq_worker(const struct uxdp_dp *dp, const struct uxdp_port *port, uint16_t qid);

/* xsk_dp.c: the worker side of application sockets. */
void uxdp_xsk_dp_rx(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame *f,
		    struct uxdp_map *map, uint32_t key);
/* n frames of one receive burst (one port queue: the first frame's origin is
 * checked for all) for the same xskmap entry (one lookup, one ring check). */
void uxdp_xsk_dp_rx_bulk(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame **frames,
			 uint16_t n, struct uxdp_map *map, uint32_t key);
int uxdp_xsk_dp_poll(struct dp_worker *w);
/* Ask (need) or stop asking the worker's sockets for kicks (XDP_RING_NEED_WAKEUP
 * on their TX and fill rings); returns TX work found meanwhile (then the worker
 * must not sleep). */
int uxdp_xsk_dp_need_wakeup(struct dp_worker *w, bool need);

/* rx.c: one poll round of a worker. */
int uxdp_dp_worker_poll(struct dp_worker *w);
/* rx.c: send every bulk queue of the worker. */
void uxdp_dp_flush(struct dp_worker *w);

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* UXDP_DP_INTERNAL_H */
