/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * page_pool: the recycling allocator of packet buffers, one per RX queue.
 *
 * A pool belongs to the worker that polls its RX queue (its owner). The owner
 * allocates from a per-pool cache (an array stack, no atomics) and, when the
 * cache is empty, refills it in bulk from a lock-free ring of buffers other
 * workers returned, then from the memory provider. Buffers freed on the owner
 * go straight back to the cache ("return to the same CPU"); buffers freed on
 * any other worker go through the ring. A buffer never leaves the pool's
 * memory: its address and IOVA stay the same across recycles, and buffers
 * handed to an application only ever come from that application's region
 * (UXDP_MEM_REGION: the pool is the protection domain).
 *
 * Which call when:
 *  - uxdp_page_pool__create() once per RX queue; uxdp_page_pool__destroy()
 *    when the queue goes away (it waits for buffers still in flight, and
 *    reports them if they do not come back).
 *  - On the owner: uxdp_page_pool__alloc() / __alloc_burst(), and
 *    uxdp_page_pool__put(pool, f, true) / __put_bulk(..., true).
 *  - Anywhere else: uxdp_page_pool__put(pool, f, false), or
 *    uxdp_frame__free(f, worker), which picks the right path by comparing the
 *    caller's worker index with the pool's owner.
 *  - uxdp_page_pool__get_stats() from any thread.
 */
#ifndef UXDP_PAGE_POOL_H
#define UXDP_PAGE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Buffers the owner's cache holds (the kernel's PP_ALLOC_CACHE_SIZE is 128). */
#define UXDP_PP_CACHE_SIZE 256
/** Buffers one refill moves into the cache. */
#define UXDP_PP_REFILL 64
/** Slots of the ring that takes buffers returned by other workers. */
#define UXDP_PP_RING_SIZE 4096
/** Worker index meaning "no worker" (a pool nobody owns yet). */
#define UXDP_WORKER_NONE UINT32_MAX

/** @brief Where a pool's memory comes from. */
enum uxdp_mem_type {
	UXDP_MEM_ANON = 0,  /**< anonymous memory, mapped in 2 MiB chunks as needed */
	UXDP_MEM_HUGEPAGE,  /**< 2 MiB huge pages (anonymous memory, with a warning, if none) */
	UXDP_MEM_REGION,    /**< a caller's region (an application's UMEM) */
};

/** @brief Options of uxdp_page_pool__create(). */
struct uxdp_page_pool_opts {
	size_t sz;
	/** buffer size: 1024, 2048 or 4096 (0 = 4096, page-sized as the kernel's XDP) */
	uint32_t frame_size;
	enum uxdp_mem_type mem;
	/** UXDP_MEM_REGION: the region (not owned; must outlive the pool) */
	void *region;
	size_t region_size;
	/** UXDP_MEM_REGION: device address of region[0] (buffer IOVAs follow from it) */
	uint64_t region_iova;
	/** most buffers the pool may own (0 = no limit; a region limits itself) */
	uint32_t max_frames;
	/** worker index of the owner (may be set later with uxdp_page_pool__set_owner()) */
	uint32_t owner;
	/** name for messages (copied, 31 characters kept) */
	const char *name;
	size_t : 0;
};
#define uxdp_page_pool_opts__last_field name

/** @brief Counters of a pool (uxdp_page_pool__get_stats()). */
struct uxdp_page_pool_stats {
	uint64_t alloc_fast;	     /**< allocations served from the cache */
	uint64_t alloc_slow;	     /**< allocations served after a refill */
	uint64_t alloc_empty;	     /**< refills that found the ring empty */
	uint64_t alloc_refill;	     /**< buffers moved from the ring into the cache */
	uint64_t alloc_provider;     /**< buffers taken from the memory provider */
	uint64_t alloc_fail;	     /**< allocations that failed (provider exhausted) */
	uint64_t recycle_cached;     /**< frees into the owner's cache */
	uint64_t recycle_cache_full; /**< owner frees that found the cache full (went on) */
	uint64_t recycle_ring;	     /**< frees through the ring */
	uint64_t recycle_ring_full;  /**< frees that found the ring full (released) */
	uint64_t recycle_released;   /**< buffers given back to the provider */
	uint64_t in_flight;	     /**< buffers allocated and not yet freed */
	uint64_t frames_total;	     /**< buffers the pool owns (memory mapped) */
};

/** @private Owner-written counters: relaxed atomics so other threads may read them. */
struct uxdp_pp_counters {
	_Atomic uint64_t alloc_fast, alloc_slow, alloc_empty, alloc_refill, alloc_provider,
		alloc_fail, recycle_cached, recycle_cache_full, ring_in, owner_released;
};

struct uxdp_pp_priv;

/**
 * @brief A page_pool. The fields are the inline fast path's; treat them as
 * private (read them through uxdp_page_pool__get_stats()).
 */
struct uxdp_page_pool {
	/* Owner-only, hot. */
	uint32_t cache_cnt;
	uint32_t owner;
	uint32_t frame_size;
	uint32_t reserved;
	struct uxdp_pp_counters st;
	struct uxdp_pp_priv *priv;
	struct uxdp_frame *cache[UXDP_PP_CACHE_SIZE];
};

/**
 * @brief Create a pool. Memory is mapped as buffers are needed.
 * @return the pool, or NULL with errno (EINVAL for bad options: frame size,
 *         a region that is missing or too small for one buffer; ENOMEM)
 */
UXDP_API struct uxdp_page_pool *uxdp_page_pool__create(const struct uxdp_page_pool_opts *opts);

/**
 * @brief Destroy a pool: give every buffer back and unmap the memory.
 *
 * Call on the owner (or once the owner has stopped). Buffers still in flight
 * (allocated, not yet freed) keep the pool alive: destroy waits up to
 * timeout_ms for them to come back through the ring. Memory in use is never
 * freed.
 * @return 0 when the pool is gone; -EBUSY if buffers are still in flight after
 *         the wait (they are reported through the print hook; the pool stays
 *         valid and usable, call again later)
 */
UXDP_API int uxdp_page_pool__destroy(struct uxdp_page_pool *pool, unsigned int timeout_ms);

/** @brief Make worker `owner` the pool's owner (before that worker starts using it). */
UXDP_API void uxdp_page_pool__set_owner(struct uxdp_page_pool *pool, uint32_t owner);

/** @brief Snapshot of the counters (any thread; exact when the pool is quiet). */
UXDP_API void uxdp_page_pool__get_stats(const struct uxdp_page_pool *pool,
					struct uxdp_page_pool_stats *stats);

/** @brief Buffers allocated and not yet freed (any thread; exact when quiet). */
UXDP_API uint64_t uxdp_page_pool__inflight(const struct uxdp_page_pool *pool);

UXDP_API const char *uxdp_page_pool__name(const struct uxdp_page_pool *pool);
/** @brief The memory provider the pool actually uses (hugepage may fall back to anon). */
UXDP_API enum uxdp_mem_type uxdp_page_pool__mem_type(const struct uxdp_page_pool *pool);

/** @private Refill the cache and allocate (slow path). */
UXDP_API struct uxdp_frame *uxdp_page_pool__alloc_slow(struct uxdp_page_pool *pool);
/** @private Free through the ring or the provider (slow path). */
UXDP_API void uxdp_page_pool__put_slow(struct uxdp_page_pool *pool, struct uxdp_frame *f,
				       bool direct);

/** @private Relaxed increment of an owner-only counter (plain add on x86-64). */
static inline void uxdp_pp_stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/**
 * @brief Allocate one buffer (owner only). data_off is set to the kernel's
 * 256-byte headroom, len and meta_len to 0.
 * @return the frame, or NULL when the provider is exhausted
 */
static inline struct uxdp_frame *uxdp_page_pool__alloc(struct uxdp_page_pool *pool)
{
	struct uxdp_frame *f;

	if (__builtin_expect(pool->cache_cnt == 0, 0))
		return uxdp_page_pool__alloc_slow(pool);
	uxdp_pp_stat_add(&pool->st.alloc_fast, 1);
	f = pool->cache[--pool->cache_cnt];
	f->data_off = UXDP_FRAME_HEADROOM;
	f->len = 0;
	f->meta_len = 0;
	return f;
}

/**
 * @brief Allocate up to n buffers (owner only).
 * @return how many were allocated (fewer only when the provider is exhausted)
 */
UXDP_API uint32_t uxdp_page_pool__alloc_burst(struct uxdp_page_pool *pool,
					      struct uxdp_frame **frames, uint32_t n);

/**
 * @brief uxdp_page_pool__alloc_burst() with its common case inline: all n
 * buffers come from the cache (one counter update for the burst). Same
 * result, same order (the most recently freed buffer first).
 */
static inline uint32_t uxdp_page_pool__alloc_bulk(struct uxdp_page_pool *pool,
						  struct uxdp_frame **frames, uint32_t n)
{
	struct uxdp_frame **top;

	if (__builtin_expect(pool->cache_cnt < n, 0))
		return uxdp_page_pool__alloc_burst(pool, frames, n);
	top = pool->cache + pool->cache_cnt;
	pool->cache_cnt -= n;
	for (uint32_t i = 0; i < n; i++) {
		struct uxdp_frame *f = *--top;

		f->data_off = UXDP_FRAME_HEADROOM;
		f->len = 0;
		f->meta_len = 0;
		frames[i] = f;
	}
	uxdp_pp_stat_add(&pool->st.alloc_fast, n);
	return n;
}

/**
 * @brief Give a buffer back to its pool.
 * @param direct true only when the caller is the pool's owner (the buffer
 *        then goes into the cache); false from any other worker (the ring)
 */
static inline void uxdp_page_pool__put(struct uxdp_page_pool *pool, struct uxdp_frame *f,
				       bool direct)
{
	if (direct && __builtin_expect(pool->cache_cnt < UXDP_PP_CACHE_SIZE, 1)) {
		uxdp_pp_stat_add(&pool->st.recycle_cached, 1);
		pool->cache[pool->cache_cnt++] = f;
		return;
	}
	uxdp_page_pool__put_slow(pool, f, direct);
}

/**
 * @brief Give n buffers of this pool back (direct as for uxdp_page_pool__put()).
 * Every buffer is taken (those the cache and ring cannot hold are released).
 */
UXDP_API void uxdp_page_pool__put_bulk(struct uxdp_page_pool *pool, struct uxdp_frame **frames,
				       uint32_t n, bool direct);

/**
 * @brief Give a frame back to the pool it came from, from worker `worker`:
 * straight into the cache when that worker owns the pool, through the ring
 * otherwise.
 */
static inline void uxdp_frame__free(struct uxdp_frame *f, uint32_t worker)
{
	struct uxdp_page_pool *pool = f->pool;

	uxdp_page_pool__put(pool, f, pool->owner == worker);
}

/**
 * @brief Free n frames from worker `worker`, batching runs of the same pool.
 */
UXDP_API void uxdp_frame__free_bulk(struct uxdp_frame **frames, uint32_t n, uint32_t worker);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_PAGE_POOL_H */
