/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal helpers of the xsk client library (src/xsk/xsk_client.c) that the
 * unit tests use directly: laying out ring memory in a memfd and building an
 * application-side view (struct uxdp_xsk_ring) of one ring, with the indices
 * starting anywhere (the tests start them near UINT32_MAX to cross the wrap).
 */
#ifndef UXDP_XSK_CLIENT_H
#define UXDP_XSK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uxdp/xsk.h"

/** Entry bytes of the two ring kinds. */
#define UXDP_XSK_ADDR_ENTRY sizeof(uint64_t)
#define UXDP_XSK_DESC_ENTRY sizeof(struct xdp_desc)

/** Smallest and largest ring the control protocol accepts (power of 2 in between). */
#define UXDP_XSK_RING_MIN 1
#define UXDP_XSK_RING_MAX 65536

/** Round n up to the page size. */
uint64_t uxdp_xsk_page_align(uint64_t n);

/**
 * Make a sealed (shrink, grow, seal) memfd of size bytes named name.
 * @return the fd, or -errno
 */
int uxdp_xsk_memfd(const char *name, uint64_t size);

/** Set a ring's indices (producer = consumer = start) and clear its flag words. */
void uxdp_xsk_ring_mem_init(void *base, uint32_t start);

/**
 * Fill r with the application's view of the ring at base (size entries, a
 * power of 2) from the indices now in memory: a producer view (fill, tx) keeps
 * cached_cons size ahead of the consumer, a consumer view (rx, comp) starts
 * with both cached indices at the ring's. signals/drained/xsk stay NULL.
 */
void uxdp_xsk_ring_attach(struct uxdp_xsk_ring *r, void *base, uint32_t size, bool producer);

#endif /* UXDP_XSK_CLIENT_H */
