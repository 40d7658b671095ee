// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: fixed arrays of values
 * indexed by a u32 key, every element always present and zero at creation.
 * Elements are round_up(value_size, 8) apart, as in the kernel (and as an
 * mmap-ed BPF_F_MMAPABLE array is laid out). Per-CPU arrays keep one region of
 * max_entries elements per CPU slot, so two workers never share a cache line.
 * Also holds the create-time checks every array-backed type shares.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"

#define ARRAY_CREATE_FLAG_MASK                                                                     \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |      \
	 BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP)
#define PCPU_MIN_UNIT_SIZE (32u << 10)

struct uxdp_array {
	struct uxdp_map map;
	uint32_t elem_size;  /* round_up(value_size, 8) */
	uint64_t cpu_stride; /* bytes of one CPU's region (per-CPU arrays) */
	uint64_t bytes;
	uint8_t *data;
};

#define to_array(m) ((struct uxdp_array *)(m))

int uxdp_array_alloc_check(const struct uxdp_map *attr)
{
	bool percpu = attr->type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size == 0 ||
	    (attr->map_flags & ~ARRAY_CREATE_FLAG_MASK) ||
	    (percpu && (attr->map_flags & BPF_F_NUMA_NODE)))
		return -EINVAL;
	if (attr->type != BPF_MAP_TYPE_ARRAY &&
	    (attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
		return -EINVAL;
	if (attr->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY && (attr->map_flags & BPF_F_PRESERVE_ELEMS))
		return -EINVAL;
	if (attr->value_size > INT_MAX)
		return -E2BIG;
	if (percpu && uxdp_percpu_stride(attr->value_size) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	/* The kernel rounds max_entries up to a power of two for its index mask. */
	if (attr->max_entries > (1u << 31))
		return -E2BIG;
	return 0;
}

static struct uxdp_map *array_alloc(const struct uxdp_map *attr,
				    const struct uxdp_map_create_opts *opts)
{
	struct uxdp_array *a;
	uint64_t bytes;
	int err;

	err = uxdp_array_alloc_check(attr);
	if (err) {
		errno = -err;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		errno = ENOMEM;
		return NULL;
	}
	a->map = *attr;
	a->elem_size = uxdp_percpu_stride(attr->value_size);
	a->cpu_stride = (uint64_t)a->elem_size * attr->max_entries;
	bytes = a->cpu_stride * attr->ncpus;
	/* Page alignment keeps BPF_F_MMAPABLE users and cache lines happy. */
	a->bytes = bytes;
	a->data = bytes > (1ull << 40) ? NULL : uxdp_map_area_alloc(bytes);
	if (!a->data) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	return &a->map;
}

static void array_free(struct uxdp_map *map)
{
	struct uxdp_array *a = to_array(map);

	uxdp_map_area_free(a->data, a->bytes);
	free(a);
}

void *uxdp_array_map_data(struct uxdp_map *map)
{
	return to_array(map)->data;
}

/* Fast path: no lock, one compare and one multiply. */
static void *array_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_array *a = to_array(map);
	uint32_t idx = uxdp_load_u32(key);

	if (__builtin_expect(idx >= map->max_entries, 0))
		return NULL;
	return a->data + (uint64_t)idx * a->elem_size;
}

static void *percpu_array_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_array *a = to_array(map);
	uint32_t idx = uxdp_load_u32(key);

	if (__builtin_expect(idx >= map->max_entries || cpu >= map->ncpus, 0))
		return NULL;
	return a->data + cpu * a->cpu_stride + (uint64_t)idx * a->elem_size;
}

static long array_check_update(struct uxdp_map *map, uint32_t idx, uint64_t flags)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if (idx >= map->max_entries)
		return -E2BIG;
	if (flags & BPF_NOEXIST)
		return -EEXIST; /* every element always exists */
	if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
		return -EINVAL;
	return 0;
}

static long array_prog_update(struct uxdp_map *map, const void *key, const void *value,
			      uint64_t flags, uint32_t cpu)
{
	struct uxdp_array *a = to_array(map);
	uint32_t idx = uxdp_load_u32(key);
	long err = array_check_update(map, idx, flags);
	uint8_t *dst;

	if (err)
		return err;
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		if (cpu >= map->ncpus)
			return -EINVAL;
		dst = a->data + cpu * a->cpu_stride + (uint64_t)idx * a->elem_size;
	} else {
		dst = a->data + (uint64_t)idx * a->elem_size;
	}
	if (flags & BPF_F_LOCK)
		uxdp_map_copy_value_locked(map, dst, value);
	else
		uxdp_map_copy_value(map, dst, value);
	return 0;
}

static long array_prog_delete(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	return -EINVAL;
}

static int array_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_array *a = to_array(map);
	uint32_t idx = uxdp_load_u32(key);

	if (idx >= map->max_entries)
		return -ENOENT;
	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		uint8_t *out = value;

		for (uint32_t c = 0; c < map->ncpus; c++) {
			const uint8_t *src =
				a->data + c * a->cpu_stride + (uint64_t)idx * a->elem_size;

			/* The whole stride: the padding of a slot is kept zero. */
			memcpy(out, src, a->elem_size);
			out += a->elem_size;
		}
		return 0;
	}
	uxdp_map_copy_value_out(map, value, a->data + (uint64_t)idx * a->elem_size);
	return 0;
}

static int array_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_array *a = to_array(map);
	uint32_t idx = uxdp_load_u32(key);

	if (map->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		const uint8_t *in = value;

		/* bpf_percpu_array_update(): no BPF_F_LOCK for per-CPU values. */
		if (flags > BPF_EXIST)
			return -EINVAL;
		if (idx >= map->max_entries)
			return -E2BIG;
		if (flags & BPF_NOEXIST)
			return -EEXIST;
		for (uint32_t c = 0; c < map->ncpus; c++) {
			uint8_t *dst = a->data + c * a->cpu_stride + (uint64_t)idx * a->elem_size;

			uxdp_map_copy_value(map, dst, in);
			in += a->elem_size;
		}
		return 0;
	}
	return (int)array_prog_update(map, key, value, flags, 0);
}

static int array_delete(struct uxdp_map *map, const void *key)
{
	return -EINVAL;
}

int uxdp_array_get_next_key(const struct uxdp_map *map, const void *key, void *next_key)
{
	uint32_t idx = key ? uxdp_load_u32(key) : UINT32_MAX;

	if (idx >= map->max_entries) {
		uxdp_store_u32(next_key, 0);
		return 0;
	}
	if (idx == map->max_entries - 1)
		return -ENOENT;
	uxdp_store_u32(next_key, idx + 1);
	return 0;
}

const struct uxdp_map_ops uxdp_array_map_ops = {
	.alloc = array_alloc,
	.free = array_free,
	.prog_lookup = array_prog_lookup,
	.prog_update = array_prog_update,
	.prog_delete = array_prog_delete,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = uxdp_array_get_next_key,
};

const struct uxdp_map_ops uxdp_percpu_array_map_ops = {
	.alloc = array_alloc,
	.free = array_free,
	.prog_lookup = percpu_array_prog_lookup,
	.prog_update = array_prog_update,
	.prog_delete = array_prog_delete,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = uxdp_array_get_next_key,
};
