/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal state of application sockets, shared by the control side
 * (xsk_srv.c: binding, memory, maps) and the worker side (xsk_dp.c: RX
 * delivery, TX, completions, wake-ups).
 *
 * Ownership: a socket is served by the worker that polls its (port, queue);
 * everything on the fast path (ring indices, pools, counters) is written by
 * that worker only. The control thread changes a worker's socket list only
 * through uxdp_dp_call_on_worker(). Socket structs live in a fixed table and
 * are reused, never freed, so a worker holding a stale xskmap ID can still
 * look at the slot safely: the ID (slot + generation) tells it the socket is
 * gone.
 */
#ifndef UXDP_XSK_INTERNAL_H
#define UXDP_XSK_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uxdp/xsk.h"
#include "uxdp/page_pool.h"
#include "uxdp/port.h"
#include "xsk/xsk_srv.h"

/* Bits of an ID that name the slot (the rest is a generation). */
#define XSK_SLOT_BITS 10
#define XSK_SLOT_MASK ((1u << XSK_SLOT_BITS) - 1)
/* Descriptors one socket's TX ring gives per poll (the kernel's TX batch). */
#define XSK_TX_BUDGET 64
/* A socket whose RX ring has waited this long untouched gets a poll() wake-up. */
#define XSK_WAKE_NS 20000

/* The daemon's view of one shared ring. `own` is the index this side
 * advances (kept here, never read back from shared memory); `other` a cached
 * copy of the application's index. */
struct xsk_ring {
	uint32_t *producer, *consumer, *flags, *signals, *drained;
	void *entries;
	uint32_t size, mask;
	uint32_t own, other;
};

/* A UMEM: one memfd, mapped once, shared by every socket that passes it. */
struct xsk_umem {
	struct xsk_umem *next;
	int refs;
	dev_t dev;
	ino_t ino;
	uint8_t *base;
	uint64_t size;	  /* registered */
	uint64_t map_len; /* mapped: size rounded up to the memfd's pages (huge or not) */
	uint32_t chunk, chunk_shift, headroom; /* chunk_shift: aligned only */
	uint32_t nchunks;
	/* XDP_UMEM_UNALIGNED_CHUNK_FLAG: a chunk starts at any address; the
	 * application's addresses carry an offset in their top 16 bits (the
	 * kernel's XSK_UNALIGNED_BUF_OFFSET_SHIFT). Copy mode only. */
	bool unaligned;
};

/* Chunk states of a zero-copy pool (written by its worker only). */
enum { XSK_CHUNK_APP = 0, XSK_CHUNK_POOL, XSK_CHUNK_TX };

/*
 * Fill and completion rings of a UMEM on one (port, queue), shared by the
 * sockets bound there. Zero-copy: rx_pool (what the queue receives into,
 * refilled from the fill ring) and tx_pool (descriptors of chunks the
 * application transmits; their frees come back here as completions).
 */
struct xsk_pool {
	struct xsk_pool *next;
	int refs;
	struct xsk_umem *umem;
	struct uxdp_port *port;
	uint16_t qid;
	uint32_t worker;
	struct xsk_ring fq, cq;
	void *map;
	size_t map_len;
	bool zc;
	bool lent; /* rx_pool is lent to the queue */
	struct uxdp_page_pool *rx_pool, *tx_pool;
	struct uxdp_frame *rx_descs, *tx_descs;
	uint8_t *state;	   /* per chunk: XSK_CHUNK_* (aligned only) */
	uint64_t *tx_addr; /* per TX descriptor: the address the application sent */
	/* Unaligned chunks: descriptors are not tied to chunks (a chunk starts
	 * anywhere); the free ones of each table wait on a stack. */
	uint32_t *rx_free, *tx_free;
	uint32_t rx_nfree, tx_nfree;
	uint32_t cq_reserved; /* completions owed to frames still being sent */
	/* Counters (worker). */
	_Atomic uint64_t fill_empty, fill_invalid;
};

struct uxdp_xsk_srv {
	_Atomic uint32_t id; /* 0: the slot is free */
	struct uxdp_dp *dp;
	struct uxdp_port *port;
	char port_name[UXDP_CTL_NAME_MAX];
	uint32_t ifindex;
	uint16_t qid;
	uint32_t worker;
	struct xsk_pool *xp;
	struct xsk_ring rx, tx;
	void *map;
	size_t map_len;
	int conn_fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint32_t bind_flags;
	bool zc, need_wakeup;
	bool active; /* on its worker's list (written by that worker) */
	bool rx_dirty;
	struct uxdp_page_pool *copy_pool; /* copy-mode TX frames */
	/* poll() wake-up state (worker). */
	uint32_t wake_cons, signals;
	uint64_t wake_since;
	/* Counters (worker, except kicks). */
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, rx_ring_full,
		tx_invalid, tx_empty, wakeups, kicks;
};



/* Sockets by slot (xsk_srv.c); a slot's struct is never freed. */
extern _Atomic(struct uxdp_xsk_srv *) uxdp_xsk_slots[UXDP_XSK_MAX_SOCKETS];

/* Socket of an ID, or NULL (any thread; see the lifetime rule above). */
static inline struct uxdp_xsk_srv *uxdp_xsk_lookup(uint32_t id)
{
	struct uxdp_xsk_srv *xs = atomic_load_explicit(&uxdp_xsk_slots[id & XSK_SLOT_MASK],
						       memory_order_acquire);

	if (!xs || atomic_load_explicit(&xs->id, memory_order_acquire) != id)
		return NULL;
	return xs;
}

/* Worker side (xsk_dp.c), called on the socket's worker through
 * uxdp_dp_call_on_worker(). */
struct dp_worker;
void uxdp_xsk_dp_add(struct dp_worker *w, void *xs);
void uxdp_xsk_dp_remove(struct dp_worker *w, void *xs);

/* Refill hook of a zero-copy rx_pool: chunks from the fill ring (aligned
 * chunks: one descriptor per chunk; unaligned: a free descriptor each). */
uint32_t uxdp_xsk_fill_refill(void *cookie, struct uxdp_frame **out, uint32_t n);
uint32_t uxdp_xsk_fill_refill_unaligned(void *cookie, struct uxdp_frame **out, uint32_t n);

static inline void xsk_stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

#endif /* UXDP_XSK_INTERNAL_H */
