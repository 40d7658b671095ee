// SPDX-License-Identifier: BSD-2-Clause
/*
 * Creation and release of the lock-free pointer rings (ring_internal.h holds
 * the enqueue/dequeue fast paths, inline).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ring/ring_internal.h"

struct uxdp_ring *uxdp_ring_create(uint32_t count)
{
	struct uxdp_ring *r;
	uint32_t size = 2;

	if (count > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	while (size < count)
		size <<= 1;
	r = aligned_alloc(UXDP_CACHELINE, sizeof(*r));
	if (!r)
		goto err_nomem;
	memset(r, 0, sizeof(*r));
	r->slots = calloc(size, sizeof(void *));
	if (!r->slots)
		goto err_free;
	r->size = size;
	r->mask = size - 1;
	return r;

err_free:
	free(r);
err_nomem:
	errno = ENOMEM;
	return NULL;
}

void uxdp_ring_free(struct uxdp_ring *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}
