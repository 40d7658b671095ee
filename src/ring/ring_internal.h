/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Lock-free bounded rings of pointers: any number of producers, one consumer
 * (the owner). They carry pages returned to a page_pool from other workers,
 * frames a worker redirects to another worker (cpumap) and frames between the
 * ends of a pipe port. Power-of-two size, free-running u32 indices (wrap is
 * harmless: every difference is taken modulo 2^32), producer and consumer
 * state on separate cache lines, each side caching the other's index so the
 * shared line is read only when the cached view says "full" / "empty".
 *
 *          cons.tail            prod.tail        prod.head
 *              |                    |                |
 *   ...free... [ ready for consumer ] [being written] ...free...
 *
 * Producers claim slots by CAS on prod.head, write them, then publish in
 * claim order by moving prod.tail (each waits for earlier claimants). The
 * consumer reads up to prod.tail and publishes the freed space through
 * cons.tail.
 */
#ifndef UXDP_RING_INTERNAL_H
#define UXDP_RING_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <stdint.h>

#define UXDP_CACHELINE 64

struct uxdp_ring {
	/* Producer side, shared by all producers. */
	_Alignas(UXDP_CACHELINE) _Atomic uint32_t prod_head;
	_Atomic uint32_t prod_tail;
	/* Consumer side, written by the single consumer only. */
	_Alignas(UXDP_CACHELINE) _Atomic uint32_t cons_tail;
	uint32_t cached_prod_tail; /* consumer's last view of prod_tail */
	/* Read-only after creation. */
	_Alignas(UXDP_CACHELINE) uint32_t size;
	uint32_t mask;
	void **slots;
};

/* A ring of at least `count` slots (rounded up to a power of two, >= 2). */
struct uxdp_ring *uxdp_ring_create(uint32_t count);
void uxdp_ring_free(struct uxdp_ring *r);

static inline void uxdp_ring_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Enqueue up to n pointers (any thread). Returns how many were enqueued
 * (a burst: fewer when the ring is fuller than n).
 */
static inline uint32_t uxdp_ring_enqueue_burst(struct uxdp_ring *r, void *const *objs, uint32_t n)
{
	uint32_t head, free_cnt, i;

	head = atomic_load_explicit(&r->prod_head, memory_order_relaxed);
	do {
		/* Acquire pairs with the consumer's release of cons_tail: the slots
		 * it freed are no longer read once we see the new tail. */
		free_cnt = r->size + atomic_load_explicit(&r->cons_tail, memory_order_acquire) - head;
		if (n > free_cnt)
			n = free_cnt;
		if (!n)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(&r->prod_head, &head, head + n,
							 memory_order_relaxed,
							 memory_order_relaxed));
	for (i = 0; i < n; i++)
		r->slots[(head + i) & r->mask] = objs[i];
	/* Publish in claim order: wait for producers that claimed earlier slots
	 * (yielding now and then: an earlier claimant may have been preempted
	 * when there are more threads than cores). */
	/* Acquire pairs with the earlier claimant's release below, so its slot
	 * writes also happen before the consumer's acquire of our tail. */
	for (uint32_t spins = 0; atomic_load_explicit(&r->prod_tail, memory_order_acquire) != head;
	     spins++) {
		if ((spins & 255) == 255)
			sched_yield();
		else
			uxdp_ring_pause();
	}
	/* Release pairs with the consumer's acquire of prod_tail: slot writes first. */
	atomic_store_explicit(&r->prod_tail, head + n, memory_order_release);
	return n;
}

static inline bool uxdp_ring_enqueue(struct uxdp_ring *r, void *obj)
{
	return uxdp_ring_enqueue_burst(r, &obj, 1) == 1;
}

/* Dequeue up to n pointers (the single consumer only). Returns how many. */
static inline uint32_t uxdp_ring_dequeue_burst(struct uxdp_ring *r, void **objs, uint32_t n)
{
	uint32_t tail = atomic_load_explicit(&r->cons_tail, memory_order_relaxed);
	uint32_t avail = r->cached_prod_tail - tail, i;

	if (avail < n) {
		/* Acquire pairs with the producer's release of prod_tail. */
		r->cached_prod_tail = atomic_load_explicit(&r->prod_tail, memory_order_acquire);
		avail = r->cached_prod_tail - tail;
	}
	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++)
		objs[i] = r->slots[(tail + i) & r->mask];
	/* Release pairs with the producers' acquire of cons_tail: our slot reads first. */
	if (n)
		atomic_store_explicit(&r->cons_tail, tail + n, memory_order_release);
	return n;
}

/* Entries ready for the consumer (a snapshot; exact when producers are quiet). */
static inline uint32_t uxdp_ring_count(const struct uxdp_ring *r)
{
	return atomic_load_explicit(&r->prod_tail, memory_order_acquire) -
	       atomic_load_explicit(&r->cons_tail, memory_order_acquire);
}

#endif /* UXDP_RING_INTERNAL_H */
