// SPDX-License-Identifier: BSD-2-Clause
/*
 * page_pool micro-benchmark: cycles (rdtsc) per alloc + free on the fast path
 * (owner cache), through the cross-worker ring (frees marked remote, refills
 * from the ring), from the provider (every buffer released and taken back),
 * beside glibc malloc/free of the same size. The kernel's page_pool
 * (bench_page_pool_simple) reports 11-22 cycles fast and 51-61 via ptr_ring.
 *   usage: bench_page_pool [-n LOOPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#include "uxdp/page_pool.h"

static uint64_t loops = 10000000;

static struct uxdp_page_pool *mk(uint32_t max_frames)
{
	UXDP_OPTS(uxdp_page_pool_opts, o, .max_frames = max_frames, .name = "bench");
	return uxdp_page_pool__create(&o);
}

static double fast_path(void)
{
	struct uxdp_page_pool *pool = mk(0);
	uint64_t t0, t1;

	for (uint64_t i = 0; i < 1000; i++)
		uxdp_page_pool__put(pool, uxdp_page_pool__alloc(pool), true);
	t0 = __rdtsc();
	for (uint64_t i = 0; i < loops; i++) {
		struct uxdp_frame *f = uxdp_page_pool__alloc(pool);

		__asm__ volatile("" : : "r"(f) : "memory");
		uxdp_page_pool__put(pool, f, true);
	}
	t1 = __rdtsc();
	uxdp_page_pool__destroy(pool, 0);
	return (double)(t1 - t0) / (double)loops;
}

static double ring_path(void)
{
	struct uxdp_page_pool *pool = mk(0);
	uint64_t t0, t1;

	for (uint64_t i = 0; i < 1000; i++)
		uxdp_page_pool__put(pool, uxdp_page_pool__alloc(pool), false);
	t0 = __rdtsc();
	for (uint64_t i = 0; i < loops; i++) {
		struct uxdp_frame *f = uxdp_page_pool__alloc(pool);

		__asm__ volatile("" : : "r"(f) : "memory");
		uxdp_page_pool__put(pool, f, false); /* as from another worker */
	}
	t1 = __rdtsc();
	uxdp_page_pool__destroy(pool, 0);
	return (double)(t1 - t0) / (double)loops;
}

static double ring_bulk_path(void)
{
	struct uxdp_page_pool *pool = mk(0);
	struct uxdp_frame *f[16];
	uint64_t t0, t1, n = loops / 16;

	t0 = __rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		uxdp_page_pool__alloc_burst(pool, f, 16);
		__asm__ volatile("" : : "r"(f) : "memory");
		uxdp_page_pool__put_bulk(pool, f, 16, false);
	}
	t1 = __rdtsc();
	uxdp_page_pool__destroy(pool, 0);
	return (double)(t1 - t0) / (double)(n * 16);
}

static double provider_path(void)
{
	/* Every buffer comes from the provider: a fresh pool maps a 2 MiB chunk,
	 * cuts it into 512 buffers (descriptors included), hands them out through
	 * refills from the provider's free list, takes them back and unmaps. */
	struct uxdp_frame *f[512];
	uint64_t t0, t1, rounds = loops / 5120 + 1;

	t0 = __rdtsc();
	for (uint64_t r = 0; r < rounds; r++) {
		struct uxdp_page_pool *pool = mk(0);

		uxdp_page_pool__alloc_burst(pool, f, 512);
		uxdp_page_pool__put_bulk(pool, f, 512, true);
		uxdp_page_pool__destroy(pool, 0);
	}
	t1 = __rdtsc();
	return (double)(t1 - t0) / (double)(rounds * 512);
}

static double malloc_path(void)
{
	uint64_t t0, t1;

	t0 = __rdtsc();
	for (uint64_t i = 0; i < loops; i++) {
		void *p = malloc(4096);

		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
	t1 = __rdtsc();
	return (double)(t1 - t0) / (double)loops;
}

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			loops = strtoull(optarg, NULL, 0);
	printf("%-44s %8s\n", "page_pool (4096-byte buffers)", "cycles");
	printf("%-44s %8.1f\n", "fast path: alloc + free on the owner", fast_path());
	printf("%-44s %8.1f\n", "cross-worker ring: alloc + remote free", ring_path());
	printf("%-44s %8.1f\n", "cross-worker ring, bulk of 16", ring_bulk_path());
	printf("%-44s %8.1f\n", "provider: fresh 2 MiB chunk, per buffer", provider_path());
	printf("%-44s %8.1f\n", "glibc malloc(4096) + free", malloc_path());
	return 0;
}
