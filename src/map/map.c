// SPDX-License-Identifier: BSD-2-Clause
/*
 * Generic map layer: creation (dispatch by type to the ops table), reference
 * counting and IDs, accessors, and the syscall-side wrappers
 * (BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM, BPF_MAP_GET_NEXT_KEY) with the checks
 * the kernel's syscall.c makes before it calls into a map type. Each type lives
 * in its own file; this one only knows them through struct uxdp_map_ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "map/map_internal.h"
#include "vm/vm_internal.h"

static const struct uxdp_map_ops *map_type_ops(enum bpf_map_type type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
		return &uxdp_array_map_ops;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return &uxdp_percpu_array_map_ops;
	case BPF_MAP_TYPE_HASH:
		return &uxdp_hash_map_ops;
	case BPF_MAP_TYPE_PERCPU_HASH:
		return &uxdp_percpu_hash_map_ops;
	case BPF_MAP_TYPE_LRU_HASH:
		return &uxdp_lru_hash_map_ops;
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return &uxdp_lru_percpu_hash_map_ops;
	case BPF_MAP_TYPE_LPM_TRIE:
		return &uxdp_lpm_trie_map_ops;
	case BPF_MAP_TYPE_PROG_ARRAY:
		return &uxdp_prog_array_map_ops;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return &uxdp_array_of_maps_map_ops;
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return &uxdp_hash_of_maps_map_ops;
	case BPF_MAP_TYPE_RINGBUF:
		return &uxdp_ringbuf_map_ops;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return &uxdp_perf_event_array_map_ops;
	case BPF_MAP_TYPE_DEVMAP:
		return &uxdp_devmap_map_ops;
	case BPF_MAP_TYPE_DEVMAP_HASH:
		return &uxdp_devmap_hash_map_ops;
	case BPF_MAP_TYPE_CPUMAP:
		return &uxdp_cpumap_map_ops;
	case BPF_MAP_TYPE_XSKMAP:
		return &uxdp_xskmap_map_ops;
	default:
		return NULL;
	}
}

static bool type_is_percpu(enum bpf_map_type type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

struct uxdp_map *uxdp_map__create(enum bpf_map_type type, const char *name, uint32_t key_size,
				  uint32_t value_size, uint32_t max_entries,
				  const struct uxdp_map_create_opts *opts)
{
	struct uxdp_map_create_opts o = {.sz = sizeof(o)};
	const struct uxdp_map_ops *ops;
	struct uxdp_map attr, *map;
	uint32_t f;

	if (opts) {
		/* Accept older (shorter) opts; reject unknown non-zero tails. */
		size_t n = opts->sz < sizeof(o) ? opts->sz : sizeof(o);
		const uint8_t *tail = (const uint8_t *)opts + sizeof(o);

		if (opts->sz < sizeof(size_t)) {
			uxdp_pr(UXDP_WARN, "map '%s': create opts: bad sz %zu\n", name ? name : "",
				opts->sz);
			errno = EINVAL;
			return NULL;
		}
		for (size_t i = sizeof(o); i < opts->sz; i++) {
			if (tail[i - sizeof(o)]) {
				errno = EINVAL;
				return NULL;
			}
		}
		memcpy(&o, opts, n);
	}

	ops = map_type_ops(type);
	if (!ops) {
		uxdp_pr(UXDP_WARN, "map '%s': map type %d is not supported\n", name ? name : "",
			type);
		errno = ENOTSUP;
		return NULL;
	}

	f = o.map_flags;
	/* bpf_map_flags_access_ok() and bpf_get_file_flag() of the kernel. */
	if ((f & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) ==
		    (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG) ||
	    (f & (BPF_F_RDONLY | BPF_F_WRONLY)) == (BPF_F_RDONLY | BPF_F_WRONLY)) {
		errno = EINVAL;
		return NULL;
	}

	memset(&attr, 0, sizeof(attr));
	attr.ops = ops;
	attr.type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = f;
	attr.ncpus = 1;
	if (type_is_percpu(type)) {
		attr.ncpus = o.ncpus ? o.ncpus : 1;
		if (attr.ncpus > UXDP_MAP_MAX_CPUS) {
			uxdp_pr(UXDP_WARN, "map '%s': %u CPU slots, at most %u\n", name ? name : "",
				attr.ncpus, UXDP_MAP_MAX_CPUS);
			errno = EINVAL;
			return NULL;
		}
	}
	attr.btf_key_type_id = o.btf_key_type_id;
	attr.btf_value_type_id = o.btf_value_type_id;
	attr.owner_prog_type = -1;
	attr.spin_lock_off = -1;
	if (name) {
		strncpy(attr.name, name, sizeof(attr.name) - 1);
		attr.name[sizeof(attr.name) - 1] = '\0';
	}

	if ((type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS)) {
		const struct uxdp_map *in = o.inner_map;

		if (!in) {
			uxdp_pr(UXDP_WARN, "map '%s': map-in-map needs an inner map template\n",
				attr.name);
			errno = EINVAL;
			return NULL;
		}
		/* One level only, as the kernel. */
		if (in->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		    in->type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			errno = EINVAL;
			return NULL;
		}
		/* Types without map_meta_equal in the kernel cannot be inner maps. */
		if (in->type == BPF_MAP_TYPE_PROG_ARRAY) {
			errno = UXDP_ENOTSUPP;
			return NULL;
		}
		attr.inner_type = in->type;
		attr.inner_key_size = in->key_size;
		attr.inner_value_size = in->value_size;
		attr.inner_max_entries = in->max_entries;
		attr.inner_map_flags = in->map_flags;
	}

	map = ops->alloc(&attr, &o);
	if (!map)
		return NULL; /* errno set by alloc */
	atomic_init(&map->refcnt, 1);
	map->id = uxdp_id_alloc(map, UXDP_ID_MAP);
	if (!map->id) {
		ops->free(map);
		errno = ENOMEM;
		return NULL;
	}
	return map;
}

struct uxdp_map *uxdp_map__get(struct uxdp_map *map)
{
	if (map)
		atomic_fetch_add_explicit(&map->refcnt, 1, memory_order_relaxed);
	return map;
}

void uxdp_map__put(struct uxdp_map *map)
{
	if (!map)
		return;
	if (atomic_fetch_sub_explicit(&map->refcnt, 1, memory_order_acq_rel) != 1)
		return;
	/* Unpublish first so no new user can find it, then drop what it holds. */
	uxdp_id_free(map->id);
	if (map->ops->clear_refs)
		map->ops->clear_refs(map);
	map->ops->free(map);
}

const char *uxdp_map__name(const struct uxdp_map *map)
{
	return map->name;
}

enum bpf_map_type uxdp_map__type(const struct uxdp_map *map)
{
	return map->type;
}

uint32_t uxdp_map__key_size(const struct uxdp_map *map)
{
	return map->key_size;
}

uint32_t uxdp_map__value_size(const struct uxdp_map *map)
{
	return map->value_size;
}

uint32_t uxdp_map__max_entries(const struct uxdp_map *map)
{
	return map->max_entries;
}

uint32_t uxdp_map__flags(const struct uxdp_map *map)
{
	return map->map_flags;
}

uint32_t uxdp_map__ncpus(const struct uxdp_map *map)
{
	return map->ncpus;
}

bool uxdp_map__is_percpu(const struct uxdp_map *map)
{
	return type_is_percpu(map->type);
}

uint32_t uxdp_map__value_size_user(const struct uxdp_map *map)
{
	if (type_is_percpu(map->type))
		return map->ncpus * uxdp_percpu_stride(map->value_size);
	return map->value_size;
}

uint32_t uxdp_map__id(const struct uxdp_map *map)
{
	return map->id;
}

struct uxdp_map *uxdp_map__from_id(uint32_t id)
{
	return uxdp_id_find(id, UXDP_ID_MAP);
}

/* --- value copies ---------------------------------------------------------------------- */

void uxdp_map_copy_value(const struct uxdp_map *map, void *dst, const void *src)
{
	int32_t off = map->spin_lock_off;
	uint32_t end;

	if (off < 0 || (uint32_t)off + 4 > map->value_size) {
		memcpy(dst, src, map->value_size);
		return;
	}
	end = (uint32_t)off + 4;
	memcpy(dst, src, off);
	memcpy((uint8_t *)dst + end, (const uint8_t *)src + end, map->value_size - end);
}

void uxdp_map_copy_value_out(const struct uxdp_map *map, void *dst, const void *src)
{
	int32_t off = map->spin_lock_off;

	memcpy(dst, src, map->value_size);
	if (off >= 0 && (uint32_t)off + 4 <= map->value_size)
		memset((uint8_t *)dst + off, 0, 4);
}

void uxdp_map_copy_value_locked(const struct uxdp_map *map, void *dst, const void *src)
{
	void *lock = (uint8_t *)dst + map->spin_lock_off;

	uxdp_value_spin_lock(lock);
	uxdp_map_copy_value(map, dst, src);
	uxdp_value_spin_unlock(lock);
}

/* --- syscall-side wrappers --------------------------------------------------------------- */

void *uxdp_map__array_data(struct uxdp_map *map)
{
	if (!map || map->type != BPF_MAP_TYPE_ARRAY)
		return NULL;
	return uxdp_array_map_data(map);
}

int uxdp_map__lookup_elem(const struct uxdp_map *map, const void *key, void *value)
{
	if (!map || !value || (!key && map->key_size) || (key && !map->key_size))
		return -EINVAL;
	if (map->map_flags & BPF_F_WRONLY)
		return -EPERM;
	if (!map->ops->lookup)
		return -ENOTSUP;
	return map->ops->lookup(map, key, value);
}

int uxdp_map__update_elem(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	if (!map || (!value && map->value_size) || (!key && map->key_size) ||
	    (key && !map->key_size))
		return -EINVAL;
	if (map->map_flags & BPF_F_RDONLY)
		return -EPERM;
	if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
		return -EINVAL;
	if (!map->ops->update)
		return -ENOTSUP;
	return map->ops->update(map, key, value, flags);
}

int uxdp_map__delete_elem(struct uxdp_map *map, const void *key)
{
	if (!map || (!key && map->key_size) || (key && !map->key_size))
		return -EINVAL;
	if (map->map_flags & BPF_F_RDONLY)
		return -EPERM;
	if (!map->ops->delete)
		return -ENOTSUP;
	return map->ops->delete (map, key);
}

int uxdp_map__get_next_key(const struct uxdp_map *map, const void *key, void *next_key)
{
	if (!map || !next_key)
		return -EINVAL;
	if (map->map_flags & BPF_F_WRONLY)
		return -EPERM;
	if (!map->ops->get_next_key)
		return -ENOTSUP;
	return map->ops->get_next_key(map, key, next_key);
}

/* --- retired container entries ----------------------------------------------------------- */

void uxdp_retire(struct uxdp_retired *r, void *p)
{
	if (!p)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void **n = realloc(r->v, cap * sizeof(*n));

		if (!n) {
			free(p); /* out of memory: give up the grace period */
			return;
		}
		r->v = n;
		r->cap = cap;
	}
	r->v[r->n++] = p;
}

void uxdp_retired_free(struct uxdp_retired *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

/* --- large zeroed areas ------------------------------------------------------------------- */

void *uxdp_map_area_alloc(size_t size)
{
	void *p;

	if (!size)
		size = 1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Big tables are walked at random by lookups: fewer TLB misses with huge pages. */
	if (size >= (2u << 20))
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void uxdp_map_area_free(void *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}
