/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The machine's pool of 2 MiB huge pages, for the tests that need an exact
 * number of them free (suite "serial": the pool is machine-wide, so they run
 * alone). huge_pool_begin() checks the test may size it and remembers its
 * size; huge_pool_set_free() makes exactly n pages free; huge_pool_end() puts
 * the size back (call it on every path).
 */
#ifndef UXDP_TEST_HUGE_POOL_H
#define UXDP_TEST_HUGE_POOL_H

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#define HUGE_POOL_NR   "/proc/sys/vm/nr_hugepages"
#define HUGE_POOL_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static inline long huge_pool_read(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static inline bool huge_pool_write(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fprintf(f, "%ld\n", v) > 0;

	if (f)
		ok = !fclose(f) && ok;
	return ok;
}

/* Pages free now, or -1. */
static inline long huge_pool_free(void)
{
	return huge_pool_read(HUGE_POOL_FREE);
}

/* The pool's size to put back, or -1 (with a SKIP message) when this process
 * may not size it: not root, or no 2 MiB huge pages on this kernel. */
static inline long huge_pool_begin(void)
{
	long saved = huge_pool_read(HUGE_POOL_NR);

	if (geteuid() != 0 || saved < 0 || huge_pool_free() < 0) {
		fprintf(stderr, "SKIP: needs root and 2 MiB huge pages to size the pool\n");
		return -1;
	}
	return saved;
}

/* Grow or shrink the pool so that exactly n pages are free. */
static inline bool huge_pool_set_free(long n)
{
	long nr = huge_pool_read(HUGE_POOL_NR), fr = huge_pool_free();

	if (nr < 0 || fr < 0 || !huge_pool_write(HUGE_POOL_NR, nr - fr + n))
		return false;
	return huge_pool_free() == n;
}

static inline bool huge_pool_end(long saved)
{
	return huge_pool_write(HUGE_POOL_NR, saved);
}

#endif /* UXDP_TEST_HUGE_POOL_H */
