/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The data path: workers that poll RX queues, run the attached XDP program
 * over vectors of frames and act on the verdicts in later stages.
 *
 * One poll of a queue (budget 64) pulls up to N ready frames at a time (the
 * vector, N = 16 by default, 1..64), runs the program over the whole vector,
 * splits it by verdict and runs each stage over its part:
 *   DROP / ABORTED  bulk recycle into the page_pool (ABORTED and invalid
 *                   actions are counted and reported to on_exception)
 *   TX              bulk transmit on the same port's TX queue of this worker
 *   REDIRECT        devmap / devmap_hash (bulk-queued per egress port, with
 *                   BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS and devmap egress
 *                   programs), cpumap (to another worker, whose cpumap
 *                   program runs there), bpf_redirect by ifindex; xskmap
 *                   targets are counted (the socket layer comes later)
 *   PASS            the port's host stage (a callback; none: counted, freed)
 * All bulk queues are flushed at the end of the poll, as xdp_do_flush does.
 * Per-packet mode runs each frame through the program and its stage before
 * the next one (for comparison).
 *
 * Worker w owns the RX queues assigned to it and TX queue w of every port,
 * so nothing on the fast path takes a lock; per-CPU maps use slot w (open
 * objects with ncpus >= the worker count).
 *
 * Which call when: uxdp_dp__new(), __add_port() for every port,
 * __assign_rxq(), __attach(); then either __start() (threads) or __poll()
 * from your own loop (one caller per worker index); __attach() replaces a
 * program on a live port; __stop() and __free().
 */
#ifndef UXDP_DP_H
#define UXDP_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "frame.h"
#include "port.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uxdp_dp;
struct uxdp_prog;

/** Most workers of a data path. */
#define UXDP_DP_MAX_WORKERS 64
/** Largest vector. */
#define UXDP_DP_MAX_VECTOR 64
/** Frames one poll of a queue handles at most (NAPI's weight). */
#define UXDP_DP_BUDGET 64

/** @brief An ABORTED or invalid verdict (the kernel's xdp_exception tracepoint). */
struct uxdp_dp_exception {
	uint32_t ifindex;
	uint16_t rx_queue;
	uint32_t worker;
	uint32_t prog_id;
	uint32_t action;
	const char *reason; /**< "aborted", "invalid action", "redirect failed", … */
};

/** @brief Exception hook; runs on the worker, keep it short. */
typedef void (*uxdp_dp_exception_fn)(void *cookie, const struct uxdp_dp_exception *ex);

/**
 * @brief Host stage of a port (XDP_PASS). Takes ownership of the n frames
 * (free them with uxdp_frame__free_bulk(frames, n, worker)). Runs on worker.
 */
typedef void (*uxdp_dp_pass_fn)(void *cookie, struct uxdp_port *port, struct uxdp_frame **frames,
				uint16_t n, uint32_t worker);

/** @brief Options of uxdp_dp__new(). */
struct uxdp_dp_opts {
	size_t sz;
	/** worker count (0 = 1) */
	uint32_t workers;
	/** frames per vector, 1..64 (0 = 16) */
	uint32_t vector_size;
	/** run each frame through program and stage before the next */
	bool per_packet;
	/** pin worker w to CPU cpus[w] (NULL: w modulo the online CPUs) */
	const uint32_t *cpus;
	/** do not pin workers at all */
	bool no_pin;
	uxdp_dp_exception_fn on_exception;
	void *exception_cookie;
	/**
	 * Let an idle worker sleep: after UXDP_DP_IDLE_POLLS empty polls in a row
	 * it asks its application sockets for a TX kick (XDP_RING_NEED_WAKEUP on
	 * their TX rings) and waits on its eventfd doorbell for at most this many
	 * microseconds (ports without a wake-up fd are polled again after that).
	 * 0 = never sleep: poll all the time (lowest latency, one core per worker).
	 */
	uint32_t idle_sleep_us;
	size_t : 0;
};
#define uxdp_dp_opts__last_field idle_sleep_us

/** Empty polls in a row after which a worker may sleep (uxdp_dp_opts.idle_sleep_us). */
#define UXDP_DP_IDLE_POLLS 1024

/** @brief Counters of one RX queue (or summed), by what happened to its frames. */
struct uxdp_dp_queue_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t aborted, drop, pass, tx, redirect; /**< verdicts */
	uint64_t invalid;      /**< actions outside 0..4 (handled as ABORTED) */
	uint64_t redirect_err; /**< redirects without a usable target (dropped) */
	uint64_t xsk;	       /**< redirects to xskmap entries (counted, dropped) */
	uint64_t tx_err;       /**< XDP_TX frames the TX queue did not take */
	uint64_t egress_drop;  /**< dropped by a devmap egress program */
};

/** @brief Counters of a worker. */
struct uxdp_dp_worker_stats {
	uint64_t polls;
	uint64_t cpumap_rx;   /**< frames received from other workers through a cpumap */
	uint64_t cpumap_drop; /**< dropped there (full queue, cpumap program verdict) */
	uint64_t cpumap_pass;
	uint64_t xmit_err;    /**< redirected frames an egress TX queue did not take */
	uint64_t sleeps;      /**< times the worker slept on its doorbell (idle_sleep_us) */
};

/** @brief Make a data path (no threads yet). NULL with errno (EINVAL, ENOMEM). */
UXDP_API struct uxdp_dp *uxdp_dp__new(const struct uxdp_dp_opts *opts);
/** @brief Stop the workers and free the data path (ports and programs stay the caller's). */
UXDP_API void uxdp_dp__free(struct uxdp_dp *dp);

/**
 * @brief Add a port (before start). Worker w will use its TX queue w.
 * @return 0; -EINVAL if the port has fewer TX queues than workers; -EBUSY
 *         when running; -ENOSPC; -EEXIST
 */
UXDP_API int uxdp_dp__add_port(struct uxdp_dp *dp, struct uxdp_port *port);
/** @brief Give RX queue qid of port to worker (before start). @return 0 or -EINVAL/-EBUSY */
UXDP_API int uxdp_dp__assign_rxq(struct uxdp_dp *dp, struct uxdp_port *port, uint16_t qid,
				 uint32_t worker);
/** @brief Assign every RX queue of every port round-robin over the workers. */
UXDP_API int uxdp_dp__assign_all(struct uxdp_dp *dp);

/**
 * @brief Attach (or, with NULL, detach) the XDP program of a port, atomically.
 *
 * Each vector runs on one program, so every frame is processed exactly once
 * by either the old or the new one. Returns after no worker can still be
 * running the old program, whose reference is then dropped. The data path
 * takes its own reference on prog.
 * @return 0; -EINVAL (not an XDP program, unknown port)
 */
UXDP_API int uxdp_dp__attach(struct uxdp_dp *dp, struct uxdp_port *port, struct uxdp_prog *prog);
/** @brief The attached program (no reference taken), or NULL. */
UXDP_API struct uxdp_prog *uxdp_dp__prog(struct uxdp_dp *dp, struct uxdp_port *port);

/** @brief Set the host stage (XDP_PASS) of a port. */
UXDP_API int uxdp_dp__set_pass_handler(struct uxdp_dp *dp, struct uxdp_port *port,
				       uxdp_dp_pass_fn fn, void *cookie);

/**
 * @brief One poll round of worker w: every queue it owns (budget each),
 * frames other workers sent it through cpumaps, then the flush. For callers
 * that run their own loop (tests, benchmarks); never while started.
 * @return frames handled
 */
UXDP_API int uxdp_dp__poll(struct uxdp_dp *dp, uint32_t worker);

/** @brief Start one pinned thread per worker. @return 0 or -errno */
UXDP_API int uxdp_dp__start(struct uxdp_dp *dp);
/** @brief Stop and join the worker threads (their queues are flushed). */
UXDP_API void uxdp_dp__stop(struct uxdp_dp *dp);

/** @brief Counters of a port's RX queue qid, or of all its queues (qid -1). */
UXDP_API int uxdp_dp__get_stats(const struct uxdp_dp *dp, const struct uxdp_port *port, int qid,
				struct uxdp_dp_queue_stats *stats);
UXDP_API int uxdp_dp__get_worker_stats(const struct uxdp_dp *dp, uint32_t worker,
				       struct uxdp_dp_worker_stats *stats);
UXDP_API uint32_t uxdp_dp__worker_cnt(const struct uxdp_dp *dp);

/** @brief Wake worker w if it sleeps (uxdp_dp_opts.idle_sleep_us); any thread. */
UXDP_API void uxdp_dp__wake(struct uxdp_dp *dp, uint32_t worker);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_DP_H */
