// SPDX-License-Identifier: BSD-2-Clause
/*
 * Lock-free ring tests: sizes and wrap-around of free-running indices, burst
 * limits, and several producers against one consumer under concurrency
 * (every item arrives exactly once, each producer's items in order).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "test.h"
#include "ring/ring_internal.h"

UXDP_TEST(ring_burst_and_wrap, fast)
{
	struct uxdp_ring *r = uxdp_ring_create(5);
	void *in[8], *out[8];

	ASSERT_NOT_NULL(r);
	ASSERT_EQ(r->size, 8);
	for (uintptr_t i = 0; i < 8; i++)
		in[i] = (void *)(i + 1);
	/* Start near the u32 wrap so indices overflow during the test. */
	atomic_store(&r->prod_head, UINT32_MAX - 3);
	atomic_store(&r->prod_tail, UINT32_MAX - 3);
	atomic_store(&r->cons_tail, UINT32_MAX - 3);
	r->cached_prod_tail = UINT32_MAX - 3;
	for (int round = 0; round < 5; round++) {
		ASSERT_EQ(uxdp_ring_enqueue_burst(r, in, 6), 6);
		ASSERT_EQ(uxdp_ring_enqueue_burst(r, in, 6), 2); /* only 2 slots left */
		ASSERT_EQ(uxdp_ring_count(r), 8);
		ASSERT_FALSE(uxdp_ring_enqueue(r, in[0]));
		ASSERT_EQ(uxdp_ring_dequeue_burst(r, out, 8), 8);
		for (int i = 0; i < 6; i++)
			ASSERT_EQ(out[i], in[i]);
		ASSERT_EQ(out[6], in[0]);
		ASSERT_EQ(out[7], in[1]);
		ASSERT_EQ(uxdp_ring_dequeue_burst(r, out, 8), 0);
	}
	uxdp_ring_free(r);
	return UXDP_TEST_PASS;
}

#define PRODUCERS 3
#define PER_PRODUCER 20000

struct prod_arg {
	struct uxdp_ring *r;
	uintptr_t id;
};

static void *producer(void *arg)
{
	struct prod_arg *a = arg;
	uintptr_t i = 0;

	while (i < PER_PRODUCER) {
		void *objs[4];
		uint32_t n = (uint32_t)(i % 4) + 1, k;

		if (n > PER_PRODUCER - i)
			n = (uint32_t)(PER_PRODUCER - i);
		for (k = 0; k < n; k++)
			objs[k] = (void *)((a->id << 32) | (i + k + 1));
		i += uxdp_ring_enqueue_burst(a->r, objs, n);
		/* a partial burst re-sends the rest next round, in order */
		if (i % 4 == 0)
			continue;
	}
	return NULL;
}

UXDP_TEST(ring_mpsc_concurrent, fast)
{
	struct uxdp_ring *r = uxdp_ring_create(64);
	struct prod_arg args[PRODUCERS];
	pthread_t t[PRODUCERS];
	uint64_t next[PRODUCERS] = {0};
	uint64_t got = 0;

	ASSERT_NOT_NULL(r);
	for (int p = 0; p < PRODUCERS; p++) {
		args[p] = (struct prod_arg){r, (uintptr_t)p};
		ASSERT_OK(pthread_create(&t[p], NULL, producer, &args[p]));
	}
	while (got < (uint64_t)PRODUCERS * PER_PRODUCER) {
		void *objs[16];
		uint32_t n = uxdp_ring_dequeue_burst(r, objs, 16);

		for (uint32_t i = 0; i < n; i++) {
			uint64_t v = (uint64_t)(uintptr_t)objs[i];
			uint32_t p = (uint32_t)(v >> 32);

			ASSERT_TRUE(p < PRODUCERS);
			ASSERT_EQ(v & 0xffffffffu, next[p] + 1);
			next[p]++;
		}
		got += n;
	}
	for (int p = 0; p < PRODUCERS; p++) {
		pthread_join(t[p], NULL);
		ASSERT_EQ(next[p], PER_PRODUCER);
	}
	ASSERT_EQ(uxdp_ring_count(r), 0);
	uxdp_ring_free(r);
	return UXDP_TEST_PASS;
}
