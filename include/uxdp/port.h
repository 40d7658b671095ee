/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ports: where frames come from and go to. A port has RX queues, each with
 * its own page_pool, and TX queues; a worker owns the queues it polls or
 * transmits on, so no queue is ever touched by two threads at once.
 *
 * Ports are opened by a spec string "BACKEND:ARGS", ARGS being comma-separated
 * key=value pairs:
 *   null:[queues=N]                           a sink: RX is empty, TX frees
 *   gen:[proto=udp4|udp6|tcp4|tcp6][,size=B][,flows=N][,count=N][,rate=PPS]
 *       [,queues=N][,src=IP][,dst=IP][,sport=P][,dport=P][,seed=N]
 *       [,fill=each|once]                     packet generator; flows spread
 *                                             over RX queues by Toeplitz RSS;
 *                                             fill=once writes a buffer's
 *                                             packet only on its first use
 *   pipe:NAME/a|b[,queues=N]                  the two ends of a wire: TX on
 *                                             one end is RX on the other
 *   pcap:[rx=FILE][,tx=FILE][,loop=N]         replay a file as RX, write TX
 *   afpacket:IFNAME[,queues=N][,blocks=N][,block_size=B][,promisc=0|1]
 *                                             a Linux interface through AF_PACKET
 *                                             (TPACKET_V3 RX ring, sendmmsg TX)
 *   tap:NAME[,queues=N][,up=0|1]              a TAP device: TX enters the kernel's
 *                                             stack (the XDP_PASS host stage)
 *   afxdp:IFNAME[/Q[/Q...]][,mode=auto|zerocopy|copy][,xdp=auto|native|generic]
 *       [,ring=N][,frames=N][,busy_poll=USEC] AF_XDP sockets (with libxdp), one per RX
 *                                             queue; the UMEM is the RX pools' memory;
 *                                             without /Q, one uxdp queue per queue the
 *                                             interface may have (ethtool max), bound
 *                                             as they appear (ethtool -L)
 * A backend is an ops table (open, close, rx_burst, tx_burst); the real-NIC
 * backends register theirs with uxdp_port__register_ops().
 *
 * Which call when: uxdp_port__open() / __close() from the control plane;
 * uxdp_port__bind_rxq() / __bind_txq() before a worker uses a queue; on that
 * worker, uxdp_port__rx_burst() and uxdp_port__tx_burst(); stats from any
 * thread.
 */
#ifndef UXDP_PORT_H
#define UXDP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "frame.h"
#include "page_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uxdp_port;

/** Most queues of one direction a port may have. */
#define UXDP_PORT_MAX_QUEUES 64
/** Largest ifindex a port may take. */
#define UXDP_PORT_MAX_IFINDEX 4096

/**
 * @brief A port backend. Callbacks of one queue run on that queue's owner
 * worker only (no locking needed for per-queue state); open and close run on
 * the control thread while no worker uses the port.
 */
struct uxdp_port_ops {
	/** spec prefix, without the colon ("gen") */
	const char *prefix;
	/**
	 * Parse args (the spec after "prefix:"), set the RX queue count with
	 * uxdp_port__set_rxq_cnt() and private state with uxdp_port__set_priv().
	 * On error return -errno with a message in err naming the bad field.
	 */
	int (*open)(struct uxdp_port *port, const char *args, char *err, size_t err_sz);
	/** Free everything open made, including frames still queued inside. */
	void (*close)(struct uxdp_port *port);
	/**
	 * Receive up to n frames on RX queue qid, allocated from that queue's
	 * pool (uxdp_port__rx_pool()). Returns how many.
	 */
	uint16_t (*rx_burst)(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			     uint16_t n);
	/**
	 * Transmit up to n frames on TX queue qid. The port takes the frames it
	 * accepts (the first k; returns k) and gives each back to its own pool
	 * at completion (uxdp_frame__free() from uxdp_port__txq_worker()); the
	 * caller keeps the rest.
	 */
	uint16_t (*tx_burst)(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			     uint16_t n);
	/**
	 * Optional, used instead of rx_burst when set: as rx_burst, and each
	 * frame also gets its ingress_ifindex (uxdp_port__ifindex()) and
	 * rx_queue (qid), and *bytes the burst's packet bytes — what the port
	 * layer would otherwise do in a second pass over the frames.
	 */
	uint16_t (*rx_burst_stamped)(struct uxdp_port *port, uint16_t qid,
				     struct uxdp_frame **frames, uint16_t n, uint64_t *bytes);
};

/** @brief Options of uxdp_port__open(). */
struct uxdp_port_open_opts {
	size_t sz;
	/** TX queues (0 = as many as RX queues) */
	uint16_t txq_cnt;
	/** buffer size of the RX pools (0 = 4096) */
	uint32_t frame_size;
	/** memory of the RX pools */
	enum uxdp_mem_type mem;
	/** most buffers per RX pool (0 = no limit) */
	uint32_t pool_frames;
	/** ifindex to take (0 = the lowest free one from 2 up; 1 is loopback) */
	uint32_t ifindex;
	/** receives the reason of a failure (may be NULL) */
	char *err_buf;
	size_t err_size;
	size_t : 0;
};
#define uxdp_port_open_opts__last_field err_size

/** @brief Counters of one queue (RX side and TX side of index qid). */
struct uxdp_port_queue_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_nobuf;  /**< frames the backend could not get from the pool */
	uint64_t rx_errors; /**< packets the backend could not deliver (too long, …) */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_full;   /**< frames a tx_burst did not accept */
	/**
	 * packets the kernel dropped on the way to the backend's queue (its ring
	 * was full: AF_PACKET tp_drops; AF_XDP rx_ring_full, or no fill buffer in
	 * copy mode), so never received
	 */
	uint64_t rx_kernel_drops;
};

/**
 * @brief Open a port from a spec string.
 * @return the port, or NULL with errno (EINVAL for a bad spec, with the reason
 *         in opts->err_buf naming the field; ENOENT for an unknown backend or
 *         a missing file; EEXIST for a taken ifindex or pipe end; ENOMEM)
 */
UXDP_API struct uxdp_port *uxdp_port__open(const char *spec,
					   const struct uxdp_port_open_opts *opts);
/**
 * @brief Close a port (no worker may be using it). Its pools are destroyed
 * once frames still in flight elsewhere come back (waits up to a second).
 */
UXDP_API void uxdp_port__close(struct uxdp_port *port);

/** @brief Receive up to n frames on RX queue qid (its owner worker only). */
UXDP_API uint16_t uxdp_port__rx_burst(struct uxdp_port *port, uint16_t qid,
				      struct uxdp_frame **frames, uint16_t n);
/** @brief Transmit up to n frames on TX queue qid (its owner only); see uxdp_port_ops. */
UXDP_API uint16_t uxdp_port__tx_burst(struct uxdp_port *port, uint16_t qid,
				      struct uxdp_frame **frames, uint16_t n);

/** @brief Give RX queue qid (and its pool) to worker `worker`. */
UXDP_API void uxdp_port__bind_rxq(struct uxdp_port *port, uint16_t qid, uint32_t worker);
/** @brief Give TX queue qid to worker `worker` (frames it completes are freed as that worker). */
UXDP_API void uxdp_port__bind_txq(struct uxdp_port *port, uint16_t qid, uint32_t worker);
UXDP_API uint32_t uxdp_port__txq_worker(const struct uxdp_port *port, uint16_t qid);

UXDP_API uint16_t uxdp_port__rxq_cnt(const struct uxdp_port *port);
UXDP_API uint16_t uxdp_port__txq_cnt(const struct uxdp_port *port);
UXDP_API uint32_t uxdp_port__ifindex(const struct uxdp_port *port);
/** @brief The spec the port was opened with. */
UXDP_API const char *uxdp_port__spec(const struct uxdp_port *port);
UXDP_API const uint8_t *uxdp_port__mac(const struct uxdp_port *port);
UXDP_API struct uxdp_page_pool *uxdp_port__rx_pool(const struct uxdp_port *port, uint16_t qid);
/** @brief The open port with this ifindex, or NULL. */
UXDP_API struct uxdp_port *uxdp_port__from_ifindex(uint32_t ifindex);

/**
 * @brief Make RX queue qid receive into pool instead of its own pool (NULL:
 * back to its own), for a zero-copy application socket whose UMEM the pool
 * draws from. Call it from the worker that owns the queue, between bursts.
 * @return 0; -EOPNOTSUPP when the backend's buffers live in memory of its
 *         own (afxdp: the kernel's UMEM); -EBUSY when already lent; -EINVAL
 */
UXDP_API int uxdp_port__lend_rx_queue(struct uxdp_port *port, uint16_t qid,
				      struct uxdp_page_pool *pool);

/** @brief Counters of queue qid, or of all queues summed when qid is -1. */
UXDP_API int uxdp_port__get_stats(const struct uxdp_port *port, int qid,
				  struct uxdp_port_queue_stats *stats);

/**
 * @brief Add a backend (spec prefix must be new).
 * @return 0, -EEXIST, -ENOSPC; -EINVAL without a prefix, open, close,
 *         tx_burst, or one of rx_burst / rx_burst_stamped
 */
UXDP_API int uxdp_port__register_ops(const struct uxdp_port_ops *ops);

/* For backends. */
UXDP_API void uxdp_port__set_priv(struct uxdp_port *port, void *priv);
UXDP_API void *uxdp_port__priv(const struct uxdp_port *port);
/** @brief Set the RX queue count (1..UXDP_PORT_MAX_QUEUES) during open. */
UXDP_API int uxdp_port__set_rxq_cnt(struct uxdp_port *port, uint16_t n);
/** @brief Count frames a backend had to drop on RX queue qid (rx_errors). */
UXDP_API void uxdp_port__count_rx_error(struct uxdp_port *port, uint16_t qid, uint64_t n);
/** @brief Count packets the kernel dropped before RX queue qid saw them (rx_kernel_drops). */
UXDP_API void uxdp_port__count_rx_kernel_drops(struct uxdp_port *port, uint16_t qid, uint64_t n);

/**
 * @brief The mode a backend actually runs in, for stats and start-up messages
 * (afxdp: "zero-copy, native XDP" or "copy, generic XDP", …); "" if it has none.
 */
UXDP_API const char *uxdp_port__mode(const struct uxdp_port *port);
/** @brief Set the mode string (backends, during open; copied, 127 characters kept). */
UXDP_API void uxdp_port__set_mode(struct uxdp_port *port, const char *mode);
/** @brief Buffer size of the port's RX pools (known from the start of open). */
UXDP_API uint32_t uxdp_port__frame_size(const struct uxdp_port *port);
/**
 * @brief During open: RX queue qid's pool takes its buffers from region (not
 * owned; it must outlive the pool), buffer IOVAs counted from iova. An AF_XDP
 * backend passes its UMEM with iova 0, so a buffer's IOVA is its UMEM address.
 * @return 0 or -EINVAL (qid out of range, no region, smaller than one buffer)
 */
UXDP_API int uxdp_port__set_rx_region(struct uxdp_port *port, uint16_t qid, void *region,
				      size_t size, uint64_t iova);

/**
 * @brief A comma-separated key=value iterator for backends' args.
 * @return 1 with key and val (NUL-terminated, copied into buf) for each pair, 0 at
 *         the end, -EINVAL for a pair without '=' (the message goes to err)
 */
UXDP_API int uxdp_port__next_arg(const char **args, char *buf, size_t buf_sz, const char **key,
				 const char **val, char *err, size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_PORT_H */
