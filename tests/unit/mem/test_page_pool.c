// SPDX-License-Identifier: BSD-2-Clause
/*
 * page_pool tests: single-owner allocation and recycling with exact
 * counters, buffer fragments, limits and exhaustion, the region provider as a
 * protection domain, the hugepage fallback, cross-worker returns through the
 * ring under concurrency, and destruction with buffers in flight.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <time.h>

#include "test.h"
#include "uxdp/page_pool.h"
#include "ring/ring_internal.h"

static struct uxdp_page_pool *mk_pool(uint32_t frame_size, uint32_t max_frames)
{
	UXDP_OPTS(uxdp_page_pool_opts, o, .frame_size = frame_size, .max_frames = max_frames,
		  .name = "test");
	return uxdp_page_pool__create(&o);
}

UXDP_TEST(pp_single_worker_exact_stats, fast)
{
	struct uxdp_page_pool *pool = mk_pool(0, 0);
	struct uxdp_page_pool_stats s;
	struct uxdp_frame *f[100];
	uint64_t iova[100];

	ASSERT_NOT_NULL(pool);
	for (int i = 0; i < 100; i++) {
		f[i] = uxdp_page_pool__alloc(pool);
		ASSERT_NOT_NULL(f[i]);
		ASSERT_EQ(f[i]->data_off, UXDP_FRAME_HEADROOM);
		ASSERT_EQ(f[i]->buf_sz, 4096);
		ASSERT_EQ(f[i]->pool, pool);
		ASSERT_EQ(f[i]->iova, (uint64_t)(uintptr_t)f[i]->buf);
		ASSERT_EQ(uxdp_frame__room(f[i]), 4096 - 256 - 320);
		memset(f[i]->buf, 0xab, 4096); /* the whole buffer is ours */
		iova[i] = f[i]->iova;
		for (int j = 0; j < i; j++)
			ASSERT_NE(f[i], f[j]);
	}
	/* First alloc: empty ring, 64 from the provider; then 63 fast; again at 65. */
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.alloc_slow, 2);
	ASSERT_EQ(s.alloc_fast, 98);
	ASSERT_EQ(s.alloc_empty, 2);
	ASSERT_EQ(s.alloc_provider, 128);
	ASSERT_EQ(s.frames_total, 512); /* one 2 MiB chunk of 4 KiB buffers */
	ASSERT_EQ(s.in_flight, 100);
	for (int i = 0; i < 100; i++)
		uxdp_page_pool__put(pool, f[i], true);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.recycle_cached, 100);
	ASSERT_EQ(s.in_flight, 0);
	/* Recycled buffers come back LIFO, with their IOVA. */
	for (int i = 99; i >= 0; i--) {
		struct uxdp_frame *g = uxdp_page_pool__alloc(pool);

		ASSERT_EQ(g, f[i]);
		ASSERT_EQ(g->iova, iova[i]);
	}
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.alloc_fast, 198);
	ASSERT_EQ(s.alloc_provider, 128);
	uxdp_page_pool__put_bulk(pool, f, 100, true);
	ASSERT_EQ(uxdp_page_pool__inflight(pool), 0);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_fragments_share_pages, fast)
{
	struct uxdp_page_pool *pool = mk_pool(2048, 0);
	struct uxdp_page_pool_stats s;
	struct uxdp_frame *a, *b;

	ASSERT_NOT_NULL(pool);
	a = uxdp_page_pool__alloc(pool);
	b = uxdp_page_pool__alloc(pool);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_EQ(a->buf_sz, 2048);
	/* Two buffers per 4 KiB page, side by side. */
	ASSERT_EQ((uintptr_t)a->buf & ~(uintptr_t)4095, (uintptr_t)b->buf & ~(uintptr_t)4095);
	ASSERT_EQ(b->buf - a->buf, 2048);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.frames_total, 1024);
	uxdp_page_pool__put(pool, a, true);
	uxdp_page_pool__put(pool, b, true);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_bad_options, fast)
{
	UXDP_OPTS(uxdp_page_pool_opts, o, .frame_size = 3000);
	UXDP_OPTS(uxdp_page_pool_opts, r, .mem = UXDP_MEM_REGION, .region_size = 4096);
	uxdp_print_fn old = uxdp_set_print(NULL);

	ASSERT_NULL(uxdp_page_pool__create(&o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_NULL(uxdp_page_pool__create(&r)); /* no region */
	ASSERT_EQ(errno, EINVAL);
	uxdp_set_print(old);
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_limit_and_exhaustion, fast)
{
	struct uxdp_page_pool *pool = mk_pool(4096, 100);
	struct uxdp_frame *f[128];
	struct uxdp_page_pool_stats s;
	uint32_t n;

	ASSERT_NOT_NULL(pool);
	n = uxdp_page_pool__alloc_burst(pool, f, 128);
	ASSERT_EQ(n, 100);
	ASSERT_NULL(uxdp_page_pool__alloc(pool));
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.frames_total, 100);
	ASSERT_EQ(s.alloc_fail, 2); /* the burst's 101st and the single alloc */
	ASSERT_EQ(s.in_flight, 100);
	uxdp_page_pool__put_bulk(pool, f, 100, true);
	ASSERT_EQ(uxdp_page_pool__alloc_burst(pool, f, 100), 100);
	uxdp_page_pool__put_bulk(pool, f, 100, false);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.recycle_ring, 100);
	ASSERT_EQ(s.in_flight, 0);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_region_is_protection_domain, fast)
{
	size_t size = 64 * 2048;
	uint8_t *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
	UXDP_OPTS(uxdp_page_pool_opts, o, .frame_size = 2048, .mem = UXDP_MEM_REGION,
		  .region = region, .region_size = size, .region_iova = 0x100000);
	struct uxdp_frame *f[80];
	struct uxdp_page_pool *pool;
	uint32_t n;

	ASSERT_TRUE(region != MAP_FAILED);
	pool = uxdp_page_pool__create(&o);
	ASSERT_NOT_NULL(pool);
	ASSERT_EQ(uxdp_page_pool__mem_type(pool), UXDP_MEM_REGION);
	n = uxdp_page_pool__alloc_burst(pool, f, 80);
	ASSERT_EQ(n, 64);
	for (uint32_t i = 0; i < n; i++) {
		ASSERT_TRUE(f[i]->buf >= region && f[i]->buf + 2048 <= region + size);
		ASSERT_EQ(f[i]->iova, 0x100000 + (uint64_t)(f[i]->buf - region));
	}
	uxdp_page_pool__put_bulk(pool, f, n, true);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	/* The region is the caller's and still mapped. */
	region[0] = 1;
	munmap(region, size);
	return UXDP_TEST_PASS;
}

static int warned;
static int count_warn(enum uxdp_print_level level, const char *fmt, va_list ap)
{
	if (level == UXDP_WARN && strstr(fmt, "huge pages"))
		warned++;
	return 0;
}

UXDP_TEST(pp_hugepage_or_fallback, fast)
{
	UXDP_OPTS(uxdp_page_pool_opts, o, .mem = UXDP_MEM_HUGEPAGE);
	uxdp_print_fn old = uxdp_set_print(count_warn);
	struct uxdp_page_pool *pool = uxdp_page_pool__create(&o);
	struct uxdp_frame *f;

	ASSERT_NOT_NULL(pool);
	warned = 0;
	f = uxdp_page_pool__alloc(pool);
	uxdp_set_print(old);
	ASSERT_NOT_NULL(f);
	memset(f->buf, 0, f->buf_sz);
	if (uxdp_page_pool__mem_type(pool) == UXDP_MEM_HUGEPAGE) {
		ASSERT_EQ(warned, 0);
		ASSERT_EQ((uintptr_t)f->buf & ((2u << 20) - 1), 0); /* first buffer of a huge page */
	} else {
		ASSERT_EQ(uxdp_page_pool__mem_type(pool), UXDP_MEM_ANON);
		ASSERT_EQ(warned, 1);
	}
	uxdp_page_pool__put(pool, f, true);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_ring_full_releases, fast)
{
	struct uxdp_page_pool *pool = mk_pool(1024, 0);
	uint32_t n = UXDP_PP_RING_SIZE + 100;
	struct uxdp_frame **f = calloc(n, sizeof(*f));
	struct uxdp_page_pool_stats s;
	uint32_t room;

	ASSERT_NOT_NULL(pool);
	ASSERT_EQ(uxdp_page_pool__alloc_burst(pool, f, n), n);
	/* Remote frees: the ring takes RING_SIZE, the rest go back to the provider. */
	for (uint32_t i = 0; i < n; i++)
		uxdp_page_pool__put(pool, f[i], false);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.recycle_ring, UXDP_PP_RING_SIZE);
	ASSERT_EQ(s.recycle_ring_full, 100);
	ASSERT_EQ(s.recycle_released, 100);
	ASSERT_EQ(s.in_flight, 0);
	/* Direct frees beyond the cache go to the ring (cache_full). */
	ASSERT_EQ(uxdp_page_pool__alloc_burst(pool, f, 300), 300);
	room = UXDP_PP_CACHE_SIZE - pool->cache_cnt;
	uxdp_page_pool__put_bulk(pool, f, 300, true);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.recycle_cache_full, 300 - room);
	ASSERT_EQ(s.in_flight, 0);
	free(f);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

UXDP_TEST(pp_destroy_reports_inflight, fast)
{
	struct uxdp_page_pool *pool = mk_pool(0, 0);
	struct uxdp_frame *f[10];
	uxdp_print_fn old;

	ASSERT_NOT_NULL(pool);
	ASSERT_EQ(uxdp_page_pool__alloc_burst(pool, f, 10), 10);
	old = uxdp_set_print(NULL);
	ASSERT_EQ(uxdp_page_pool__destroy(pool, 0), -EBUSY);
	uxdp_set_print(old);
	/* The pool is intact: its buffers are still ours to use and free. */
	ASSERT_EQ(uxdp_page_pool__inflight(pool), 10);
	memset(f[9]->buf, 1, 4096);
	uxdp_page_pool__put_bulk(pool, f, 10, false);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}

struct late_free {
	struct uxdp_page_pool *pool;
	struct uxdp_frame *f[8];
	_Atomic int started;
};

static void *late_free_fn(void *arg)
{
	struct late_free *lf = arg;
	struct timespec ts = {0, 20 * 1000000};

	atomic_store(&lf->started, 1);
	nanosleep(&ts, NULL);
	for (int i = 0; i < 8; i++)
		uxdp_frame__free(lf->f[i], 1); /* worker 1: not the owner, so the ring */
	return NULL;
}

UXDP_TEST(pp_destroy_waits_for_inflight, fast)
{
	struct late_free lf = {.pool = mk_pool(0, 0)};
	pthread_t t;

	ASSERT_NOT_NULL(lf.pool);
	ASSERT_EQ(uxdp_page_pool__alloc_burst(lf.pool, lf.f, 8), 8);
	ASSERT_OK(pthread_create(&t, NULL, late_free_fn, &lf));
	while (!atomic_load(&lf.started))
		;
	/* Returns only once the other thread gave all 8 back (long timeout: never hit). */
	ASSERT_OK(uxdp_page_pool__destroy(lf.pool, 60000));
	pthread_join(t, NULL);
	return UXDP_TEST_PASS;
}

/* Cross-worker returns: the owner allocates and fills, another worker frees. */
struct xw {
	struct uxdp_ring *handoff;
	_Atomic int done;
	uint64_t freed;
	uint64_t bad;
};

static void *remote_worker(void *arg)
{
	struct xw *x = arg;
	void *objs[32];

	for (;;) {
		uint32_t n = uxdp_ring_dequeue_burst(x->handoff, objs, 32);

		if (!n) {
			if (atomic_load_explicit(&x->done, memory_order_acquire) &&
			    !uxdp_ring_count(x->handoff))
				break;
			continue;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct uxdp_frame *f = objs[i];

			if (f->buf[f->data_off] != (uint8_t)f->len)
				x->bad++;
		}
		if (n & 1) {
			for (uint32_t i = 0; i < n; i++)
				uxdp_frame__free(objs[i], 1);
		} else {
			uxdp_frame__free_bulk((struct uxdp_frame **)objs, n, 1);
		}
		x->freed += n;
	}
	return NULL;
}

UXDP_TEST(pp_cross_worker_returns, fast)
{
	struct xw x = {0};
	struct uxdp_page_pool *pool = mk_pool(2048, 2000);
	struct uxdp_page_pool_stats s;
	const uint64_t total = 200000;
	uint64_t sent = 0, direct = 0;
	pthread_t t;

	ASSERT_NOT_NULL(pool);
	uxdp_page_pool__set_owner(pool, 0);
	x.handoff = uxdp_ring_create(512);
	ASSERT_NOT_NULL(x.handoff);
	ASSERT_OK(pthread_create(&t, NULL, remote_worker, &x));
	while (sent < total) {
		struct uxdp_frame *f = uxdp_page_pool__alloc(pool);

		if (!f)
			continue; /* everything is on its way back: the ring refills us */
		f->len = (uint32_t)(sent & 0xff);
		f->buf[f->data_off] = (uint8_t)f->len;
		if (sent % 5 == 0) {
			uxdp_frame__free(f, 0); /* owner: straight into the cache */
			direct++;
		} else {
			while (!uxdp_ring_enqueue(x.handoff, f))
				;
		}
		sent++;
	}
	atomic_store_explicit(&x.done, 1, memory_order_release);
	pthread_join(t, NULL);
	ASSERT_EQ(x.bad, 0);
	ASSERT_EQ(x.freed + direct, total);
	uxdp_page_pool__get_stats(pool, &s);
	ASSERT_EQ(s.in_flight, 0);
	ASSERT_TRUE(s.frames_total <= 2000);
	ASSERT_EQ(s.alloc_fast + s.alloc_slow, total);
	ASSERT_EQ(s.recycle_cached + s.recycle_ring + s.recycle_ring_full, total);
	ASSERT_TRUE(s.recycle_ring > 0);
	uxdp_ring_free(x.handoff);
	ASSERT_OK(uxdp_page_pool__destroy(pool, 0));
	return UXDP_TEST_PASS;
}
