// SPDX-License-Identifier: BSD-2-Clause
/*
 * Process-wide ID registry for maps and programs. IDs play the part of the
 * kernel's map/prog IDs (and of file descriptors in map values: prog_array
 * and map-in-map store IDs). IDs are never reused while the process lives,
 * so a stale ID can never name a newer object.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "map/map_internal.h"

struct id_slot {
	void *obj;
	int kind;
};

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static struct id_slot *slots; /* slots[id - 1] */
static uint32_t slot_cnt, slot_cap;

uint32_t uxdp_id_alloc(void *obj, int kind)
{
	uint32_t id = 0;

	pthread_mutex_lock(&id_lock);
	if (slot_cnt == slot_cap) {
		uint32_t cap = slot_cap ? slot_cap * 2 : 64;
		struct id_slot *n = realloc(slots, cap * sizeof(*n));

		if (!n)
			goto out;
		slots = n;
		slot_cap = cap;
	}
	slots[slot_cnt].obj = obj;
	slots[slot_cnt].kind = kind;
	id = ++slot_cnt;
out:
	pthread_mutex_unlock(&id_lock);
	return id;
}

void uxdp_id_free(uint32_t id)
{
	pthread_mutex_lock(&id_lock);
	if (id && id <= slot_cnt)
		slots[id - 1].obj = NULL;
	pthread_mutex_unlock(&id_lock);
}

void *uxdp_id_find(uint32_t id, int kind)
{
	void *obj = NULL;

	pthread_mutex_lock(&id_lock);
	if (id && id <= slot_cnt && slots[id - 1].kind == kind)
		obj = slots[id - 1].obj;
	pthread_mutex_unlock(&id_lock);
	return obj;
}
