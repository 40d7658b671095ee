/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal map interface: the ops table every map type implements and the
 * common header every map embeds. Programs reach maps through these ops from
 * helpers (bpf_map_lookup_elem & co.), the embedding process through the
 * syscall-side wrappers in map.c.
 *
 * Concurrency (the datapath runs one program instance per worker thread):
 *  - prog_* ops may run concurrently on several threads, each with its own cpu.
 *  - Element memory of hash-type maps is preallocated (the kernel's default)
 *    and only reused, never unmapped, until the map is freed: a program that
 *    holds a value pointer from a lookup never faults, as in the kernel.
 *  - Updates/deletes take the map's (or bucket's) lock; lookups do not.
 */
#ifndef UXDP_MAP_INTERNAL_H
#define UXDP_MAP_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "uxdp/map.h"

struct uxdp_map;

/**
 * Operations of one map type. NULL means "not supported" (the wrapper
 * returns -ENOTSUP / -EINVAL as the kernel does for that type).
 */
struct uxdp_map_ops {
	/* Check create arguments and allocate the whole map (header included). */
	struct uxdp_map *(*alloc)(const struct uxdp_map *attr, const struct uxdp_map_create_opts *opts);
	void (*free)(struct uxdp_map *map);

	/* Program side (helpers). cpu is the caller's CPU slot. */
	/* Returns a pointer to the value (this cpu's slot for per-CPU maps) or NULL. */
	void *(*prog_lookup)(struct uxdp_map *map, const void *key, uint32_t cpu);
	long (*prog_update)(struct uxdp_map *map, const void *key, const void *value,
			    uint64_t flags, uint32_t cpu);
	long (*prog_delete)(struct uxdp_map *map, const void *key, uint32_t cpu);

	/* Syscall side: values are copied; per-CPU values are ncpus slots of round_up(vs, 8). */
	int (*lookup)(const struct uxdp_map *map, const void *key, void *value);
	int (*update)(struct uxdp_map *map, const void *key, const void *value, uint64_t flags);
	int (*delete)(struct uxdp_map *map, const void *key);
	int (*get_next_key)(const struct uxdp_map *map, const void *key, void *next_key);

	/* Drop every element that holds a reference (prog_array, map-in-map, ...). */
	void (*clear_refs)(struct uxdp_map *map);
};

/** Common header; each type's struct embeds it first. */
struct uxdp_map {
	const struct uxdp_map_ops *ops;
	enum bpf_map_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t ncpus;		  /* per-CPU slots (1 if not per-CPU) */
	uint32_t id;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	/* For map-in-map: the inner map template's shape. */
	enum bpf_map_type inner_type;
	uint32_t inner_key_size, inner_value_size, inner_max_entries, inner_map_flags;
	/* For prog_array: the program type the first stored program fixed. */
	int owner_prog_type;
	/* Offset of struct bpf_spin_lock in the value, or -1. Set by the loader from BTF. */
	int32_t spin_lock_off;
	atomic_int refcnt;
	char name[16];
};

/** Ops of every type, looked up by type in map.c. */
extern const struct uxdp_map_ops uxdp_array_map_ops, uxdp_percpu_array_map_ops,
	uxdp_hash_map_ops, uxdp_percpu_hash_map_ops, uxdp_lru_hash_map_ops,
	uxdp_lru_percpu_hash_map_ops, uxdp_lpm_trie_map_ops, uxdp_prog_array_map_ops,
	uxdp_array_of_maps_map_ops, uxdp_hash_of_maps_map_ops, uxdp_ringbuf_map_ops,
	uxdp_perf_event_array_map_ops, uxdp_devmap_map_ops, uxdp_devmap_hash_map_ops,
	uxdp_cpumap_map_ops, uxdp_xskmap_map_ops;

/** Round a per-CPU value size to its stride in syscall-side buffers. */
static inline uint32_t uxdp_percpu_stride(uint32_t value_size)
{
	return (value_size + 7) & ~7u;
}

/* Copy a value into a map slot, skipping the spin lock word (kernel copy_map_value). */
void uxdp_map_copy_value(const struct uxdp_map *map, void *dst, const void *src);

/* Registry of IDs (shared with programs): assign, forget, find. */
uint32_t uxdp_id_alloc(void *obj, int kind);
void uxdp_id_free(uint32_t id);
void *uxdp_id_find(uint32_t id, int kind);
enum { UXDP_ID_MAP = 1, UXDP_ID_PROG = 2 };

/* prog_array: the program stored at index, or NULL (used by bpf_tail_call). */
struct uxdp_prog *uxdp_prog_array_get(struct uxdp_map *map, uint32_t index);
/* map-in-map: the inner map a program's lookup returned points to the map itself. */

/* ringbuf, used by the helpers. */
void *uxdp_ringbuf_reserve(struct uxdp_map *map, uint64_t size, uint64_t flags);
void uxdp_ringbuf_commit(void *sample, uint64_t flags, bool discard);
long uxdp_ringbuf_output(struct uxdp_map *map, const void *data, uint64_t size, uint64_t flags);
uint64_t uxdp_ringbuf_query(struct uxdp_map *map, uint64_t flags);

/* perf_event_array, used by bpf_perf_event_output: store a record. */
long uxdp_perf_output(struct uxdp_map *map, uint64_t flags, uint32_t cpu, const void *data,
		      uint64_t size);

/* devmap / devmap_hash / cpumap / xskmap: the stored value for a key, or NULL. */
void *uxdp_container_map_lookup(struct uxdp_map *map, uint32_t key);

#endif /* UXDP_MAP_INTERNAL_H */
