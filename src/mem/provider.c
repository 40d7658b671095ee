// SPDX-License-Identifier: BSD-2-Clause
/*
 * Memory providers of the page_pool: anonymous memory (2 MiB chunks with
 * transparent-huge-page advice), explicit 2 MiB huge pages (falling back to
 * anonymous memory, with one warning, when none are reserved), and a caller's
 * region such as an application's UMEM, handed out front to back and never
 * unmapped by us. Without an IOMMU in user space, a buffer's IOVA is its
 * virtual address (DPDK's IOVA-as-VA) except in a region, where the caller
 * says what region[0] maps to.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "mem/mem_internal.h"

static int anon_map(struct uxdp_pp_priv *pp, size_t want, struct uxdp_mem_chunk *c)
{
	size_t len = want < UXDP_MEM_CHUNK ? (want + 4095) & ~(size_t)4095 : UXDP_MEM_CHUNK;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	if (len == UXDP_MEM_CHUNK)
		madvise(p, len, MADV_HUGEPAGE); /* advice only: fewer TLB misses if granted */
	c->base = p;
	c->len = len;
	c->iova = (uint64_t)(uintptr_t)p;
	return 0;
}

static void anon_unmap(struct uxdp_pp_priv *pp, struct uxdp_mem_chunk *c)
{
	munmap(c->base, c->len);
}

const struct uxdp_mem_provider_ops uxdp_mem_anon_ops = {
	.name = "anon",
	.map = anon_map,
	.unmap = anon_unmap,
};

static int huge_map(struct uxdp_pp_priv *pp, size_t want, struct uxdp_mem_chunk *c)
{
	void *p = mmap(NULL, UXDP_MEM_CHUNK, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED) {
		/* No huge pages reserved (vm.nr_hugepages): keep going on anonymous
		 * memory, and say so once per pool. */
		uxdp_pr(UXDP_WARN,
			"page_pool %s: no 2 MiB huge pages available (%s); using anonymous "
			"memory\n",
			pp->name, strerror(errno));
		pp->ops = &uxdp_mem_anon_ops;
		pp->mem = UXDP_MEM_ANON;
		return anon_map(pp, want, c);
	}
	c->base = p;
	c->len = UXDP_MEM_CHUNK;
	c->iova = (uint64_t)(uintptr_t)p;
	return 0;
}

const struct uxdp_mem_provider_ops uxdp_mem_hugepage_ops = {
	.name = "hugepage",
	.map = huge_map,
	.unmap = anon_unmap,
};

static int region_map(struct uxdp_pp_priv *pp, size_t want, struct uxdp_mem_chunk *c)
{
	size_t left = pp->region_size - pp->region_used;
	size_t len = left < UXDP_MEM_CHUNK ? left : UXDP_MEM_CHUNK;

	if (!len)
		return -ENOMEM;
	c->base = pp->region + pp->region_used;
	c->len = len;
	c->iova = pp->region_iova + pp->region_used;
	pp->region_used += len;
	return 0;
}

static void region_unmap(struct uxdp_pp_priv *pp, struct uxdp_mem_chunk *c)
{
	/* The region belongs to the caller: nothing to unmap. */
}

const struct uxdp_mem_provider_ops uxdp_mem_region_ops = {
	.name = "region",
	.map = region_map,
	.unmap = region_unmap,
};
