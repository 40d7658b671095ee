// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_ARRAY_OF_MAPS and the inner-map checks shared with
 * HASH_OF_MAPS (hashtab.c). Slots hold a referenced struct uxdp_map pointer;
 * the syscall side speaks map IDs (where the kernel takes fds and returns IDs).
 * A program's lookup returns the inner map pointer itself, which the program
 * then hands to bpf_map_lookup_elem & co., as in the kernel. Slots change by
 * atomic exchange, so lookups take no lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "map/map_internal.h"
#include "vm/vm_internal.h"

struct uxdp_array_of_maps {
	struct uxdp_map map;
	_Atomic(struct uxdp_map *) slots[];
};

#define to_aom(m) ((struct uxdp_array_of_maps *)(m))

/* Kernel bpf_map_meta_equal(), plus max_entries for array-like inner maps
 * (array_map_meta_equal / xsk_map_meta_equal) unless the template has
 * BPF_F_INNER_MAP. */
static bool inner_meta_equal(const struct uxdp_map *outer, const struct uxdp_map *inner)
{
	if (outer->inner_type != inner->type || outer->inner_key_size != inner->key_size ||
	    outer->inner_value_size != inner->value_size ||
	    outer->inner_map_flags != inner->map_flags)
		return false;
	switch (inner->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (outer->inner_map_flags & BPF_F_INNER_MAP)
			return true;
		return outer->inner_max_entries == inner->max_entries;
	case BPF_MAP_TYPE_XSKMAP:
		return outer->inner_max_entries == inner->max_entries;
	default:
		return true;
	}
}

struct uxdp_map *uxdp_map_in_map_get_inner(struct uxdp_map *outer, uint32_t id, long *err)
{
	struct uxdp_map *inner = uxdp_map__from_id(id);

	if (!inner) {
		*err = -EBADF; /* the kernel's answer to a bad fd */
		return NULL;
	}
	if (!inner_meta_equal(outer, inner)) {
		uxdp_pr(UXDP_WARN, "map '%s': inner map '%s' (id %u) does not match the template\n",
			outer->name, inner->name, id);
		*err = -EINVAL;
		return NULL;
	}
	return uxdp_map__get(inner);
}

int uxdp_fd_array_alloc_check(const struct uxdp_map *attr)
{
	if (attr->value_size != sizeof(uint32_t) ||
	    (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		return -EINVAL;
	return uxdp_array_alloc_check(attr);
}

struct uxdp_map *uxdp_fd_array_alloc(const struct uxdp_map *attr, size_t hdr_size)
{
	struct uxdp_map *map;
	int err = uxdp_fd_array_alloc_check(attr);

	if (err) {
		errno = -err;
		return NULL;
	}
	map = calloc(1, hdr_size + (size_t)attr->max_entries * sizeof(void *));
	if (!map) {
		errno = ENOMEM;
		return NULL;
	}
	*map = *attr;
	return map;
}

static struct uxdp_map *aom_alloc(const struct uxdp_map *attr,
				  const struct uxdp_map_create_opts *opts)
{
	return uxdp_fd_array_alloc(attr, sizeof(struct uxdp_array_of_maps));
}

static void aom_free(struct uxdp_map *map)
{
	free(map);
}

static void *aom_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	uint32_t idx = uxdp_load_u32(key);

	if (idx >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&to_aom(map)->slots[idx], memory_order_acquire);
}

static int aom_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_map *inner = aom_prog_lookup((struct uxdp_map *)map, key, 0);

	if (!inner)
		return -ENOENT;
	uxdp_store_u32(value, inner->id);
	return 0;
}

static int aom_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	uint32_t idx = uxdp_load_u32(key);
	struct uxdp_map *inner, *old;
	long err;

	if (flags != BPF_ANY)
		return -EINVAL;
	if (idx >= map->max_entries)
		return -E2BIG;
	inner = uxdp_map_in_map_get_inner(map, uxdp_load_u32(value), &err);
	if (!inner)
		return (int)err;
	old = atomic_exchange_explicit(&to_aom(map)->slots[idx], inner, memory_order_acq_rel);
	uxdp_map__put(old);
	return 0;
}

static int aom_delete(struct uxdp_map *map, const void *key)
{
	uint32_t idx = uxdp_load_u32(key);
	struct uxdp_map *old;

	if (idx >= map->max_entries)
		return -E2BIG;
	old = atomic_exchange_explicit(&to_aom(map)->slots[idx], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	uxdp_map__put(old);
	return 0;
}

static void aom_clear_refs(struct uxdp_map *map)
{
	for (uint32_t i = 0; i < map->max_entries; i++)
		uxdp_map__put(atomic_exchange(&to_aom(map)->slots[i], NULL));
}

/* Programs may only look up (the kernel verifier allows nothing else). */
const struct uxdp_map_ops uxdp_array_of_maps_map_ops = {
	.alloc = aom_alloc,
	.free = aom_free,
	.prog_lookup = aom_prog_lookup,
	.lookup = aom_lookup,
	.update = aom_update,
	.delete = aom_delete,
	.get_next_key = uxdp_array_get_next_key,
	.clear_refs = aom_clear_refs,
};
