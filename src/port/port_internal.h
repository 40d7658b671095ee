/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal state of a port: the backend, per-queue pools, owners and
 * counters. Counters of a queue are written by its owner only, as relaxed
 * atomics so the control thread may read them.
 */
#ifndef UXDP_PORT_INTERNAL_H
#define UXDP_PORT_INTERNAL_H

#include <stdatomic.h>

#include <stdio.h>

#include "uxdp/port.h"

struct uxdp_port_rxq {
	struct uxdp_page_pool *pool;
	struct uxdp_page_pool *lent_pool; /* uxdp_port__lend_rx_queue(): used instead of pool */
	void *region; /* set by the backend during open: the pool's memory (AF_XDP UMEM) */
	size_t region_size;
	uint64_t region_iova;
	uint32_t worker;
	_Atomic uint64_t packets, bytes, nobuf, errors, kernel_drops;
};

struct uxdp_port_txq {
	uint32_t worker;
	_Atomic uint64_t packets, bytes, full;
};

struct uxdp_port {
	const struct uxdp_port_ops *ops;
	void *priv;
	uint32_t ifindex;
	uint16_t rxq_cnt, txq_cnt;
	uint8_t mac[6];
	uint32_t frame_size; /* of the RX pools */
	char spec[256];
	char mode[128]; /* what the backend actually runs in (uxdp_port__mode()) */
	struct uxdp_port_rxq rxq[UXDP_PORT_MAX_QUEUES];
	struct uxdp_port_txq txq[UXDP_PORT_MAX_QUEUES];
};

extern const struct uxdp_port_ops uxdp_port_null_ops, uxdp_port_gen_ops, uxdp_port_pipe_ops;
#ifdef UXDP_HAVE_PCAP
extern const struct uxdp_port_ops uxdp_port_pcap_ops;
#endif

static inline void uxdp_stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Parse an unsigned decimal/hex number in [min, max]; -EINVAL with a message. */
/* uxdp_port__rx_burst() that also gives the burst's packet bytes (what the
 * port's counters got), for the data path's own counters. */
uint16_t uxdp_port_rx_burst_bytes(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
				  uint16_t n, uint64_t *bytes);

int uxdp_port_parse_u64(const char *key, const char *val, uint64_t min, uint64_t max,
			uint64_t *out, char *err, size_t err_sz);

/* Toeplitz hash with Microsoft's default RSS key (what NICs compute for RSS). */
uint32_t uxdp_toeplitz(const uint8_t *in, size_t len);

#endif /* UXDP_PORT_INTERNAL_H */
