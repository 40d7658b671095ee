/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the page_pool: the memory providers behind one interface
 * (anonymous memory, huge pages, a caller's region) and the pool's private
 * state. A provider maps memory in chunks; the pool cuts each chunk into
 * buffers and gives each buffer a descriptor (struct uxdp_frame) kept for the
 * pool's life, so a buffer's address and IOVA never change.
 */
#ifndef UXDP_MEM_INTERNAL_H
#define UXDP_MEM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "uxdp/page_pool.h"
#include "ring/ring_internal.h"

/* Bytes a provider maps at a time (one 2 MiB huge page). */
#define UXDP_MEM_CHUNK (2u << 20)

/* One mapped piece of memory. */
struct uxdp_mem_chunk {
	void *base;
	size_t len;
	uint64_t iova;		   /* device address of base */
	struct uxdp_frame *descs;  /* one per buffer of the chunk */
	uint32_t nr_frames;
	const struct uxdp_mem_provider_ops *ops; /* who unmaps it */
	struct uxdp_mem_chunk *next;
};

/*
 * A memory provider. map() fills chunk->base/len/iova with at least `want`
 * bytes (it may map more, or less for a region near its end); -ENOMEM when it
 * has nothing more. unmap() gives a chunk back. Both run under the pool lock.
 */
struct uxdp_mem_provider_ops {
	const char *name;
	int (*map)(struct uxdp_pp_priv *pp, size_t want, struct uxdp_mem_chunk *chunk);
	void (*unmap)(struct uxdp_pp_priv *pp, struct uxdp_mem_chunk *chunk);
};

extern const struct uxdp_mem_provider_ops uxdp_mem_anon_ops, uxdp_mem_hugepage_ops,
	uxdp_mem_region_ops;

struct uxdp_pp_priv {
	struct uxdp_ring *ring; /* buffers freed on other workers */
	pthread_mutex_t lock;	/* provider state below */
	const struct uxdp_mem_provider_ops *ops;
	enum uxdp_mem_type mem;
	struct uxdp_mem_chunk *chunks;
	struct uxdp_frame **free; /* buffers given back to the provider */
	uint32_t free_cnt, free_cap;
	uint32_t max_frames;
	_Atomic uint64_t frames_total;
	/* Region provider. */
	uint8_t *region;
	size_t region_size, region_used;
	uint64_t region_iova;
	/* External source (uxdp_page_pool_create_external()): refills come from it,
	 * buffers lent out through uxdp_page_pool_lent() are counted in lent. */
	uint32_t (*ext_refill)(void *cookie, struct uxdp_frame **out, uint32_t n);
	void *ext_cookie;
	_Atomic uint64_t lent, taken;
	/* Counters written by any thread (slow path). */
	_Atomic uint64_t ring_full, released;
	char name[32];
};

/*
 * A pool over buffers someone else owns and describes (an application's UMEM):
 * no provider memory; when cache and ring are empty, refill(cookie, out, n)
 * supplies up to n buffers (their descriptors, pool set to this pool, are the
 * caller's), set up as an allocation leaves them (data_off
 * UXDP_FRAME_HEADROOM, len and meta_len 0): a burst allocation may hand them
 * out as they come. nr_frames bounds how many buffers the pool can ever hold.
 */
struct uxdp_page_pool *uxdp_page_pool_create_external(const char *name, uint32_t frame_size,
						      uint32_t owner, uint32_t nr_frames,
						      uint32_t (*refill)(void *cookie,
									 struct uxdp_frame **out,
									 uint32_t n),
						      void *cookie);
/* n buffers of the pool leave it for good (handed to their owner): in-flight
 * drops. Only the pool's owner worker may call it. */
void uxdp_page_pool_lent(struct uxdp_page_pool *pool, uint32_t n);
/* n buffers enter the pool's accounting without an allocation (made by the caller). */
void uxdp_page_pool_adopted(struct uxdp_page_pool *pool, uint32_t n);
/* Take up to n buffers freed into the pool: its owner's cache (frees on the
 * owner's thread; only the owner may call this then), its ring, its free
 * list. No allocation ever takes from such a pool: the caller decides where
 * its buffers go next. */
uint32_t uxdp_page_pool_take_returned(struct uxdp_page_pool *pool, struct uxdp_frame **out,
				      uint32_t n);

/* Owner value of a pool no worker owns: every free goes through its ring. */
#define UXDP_WORKER_NOBODY (UINT32_MAX - 1)

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* UXDP_MEM_INTERNAL_H */
