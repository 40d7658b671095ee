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

#include <pthread.h>
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
	/* For prog_array: the program type the first stored program fixed (-1: none yet). */
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

/*
 * Keys and values arrive at whatever alignment the program (or caller) chose:
 * a key on the stack at r10-6 is legal. Read and write 32-bit ones by copy.
 */
static inline uint32_t uxdp_load_u32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void uxdp_store_u32(void *p, uint32_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

/** Round a per-CPU value size to its stride in syscall-side buffers. */
static inline uint32_t uxdp_percpu_stride(uint32_t value_size)
{
	return (value_size + 7) & ~7u;
}

/* Copy a value into a map slot, skipping the spin lock word (kernel copy_map_value). */
void uxdp_map_copy_value(const struct uxdp_map *map, void *dst, const void *src);
/* Copy a stored value out to the syscall side: the spin lock word reads as 0
 * (kernel copy_map_value + check_and_init_map_value). */
void uxdp_map_copy_value_out(const struct uxdp_map *map, void *dst, const void *src);
/* Store value under BPF_F_LOCK: copy with the value's spin lock held. */
void uxdp_map_copy_value_locked(const struct uxdp_map *map, void *dst, const void *src);

/* Zeroed, page-aligned memory for a map's tables (huge pages when large). */
void *uxdp_map_area_alloc(size_t size);
void uxdp_map_area_free(void *p, size_t size);

/* Most per-CPU slots a map may have. */
#define UXDP_MAP_MAX_CPUS 1024
/* Largest cpumap max_entries (the kernel's NR_CPUS of common configs). */
#define UXDP_CPUMAP_MAX_ENTRIES 8192
/* The kernel-internal ENOTSUPP the kernel returns for some map operations. */
#define UXDP_ENOTSUPP 524

/*
 * struct bpf_spin_lock inside a value (map->spin_lock_off): 0 = free, 1 = held.
 * bpf_spin_lock/unlock and BPF_F_LOCK updates use these, so both agree.
 */
static inline void uxdp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static inline void uxdp_value_spin_lock(void *lock)
{
	_Atomic uint32_t *l = lock;

	for (;;) {
		if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
			return;
		while (atomic_load_explicit(l, memory_order_relaxed))
			uxdp_cpu_relax();
	}
}

static inline void uxdp_value_spin_unlock(void *lock)
{
	atomic_store_explicit((_Atomic uint32_t *)lock, 0, memory_order_release);
}

/* Registry of IDs (shared with programs): assign, forget, find. */
uint32_t uxdp_id_alloc(void *obj, int kind);
void uxdp_id_free(uint32_t id);
void *uxdp_id_find(uint32_t id, int kind);
enum { UXDP_ID_MAP = 1, UXDP_ID_PROG = 2 };

/* Shared create checks and iteration of array-backed types (arraymap.c, map_in_map.c). */
int uxdp_array_alloc_check(const struct uxdp_map *attr);
int uxdp_fd_array_alloc_check(const struct uxdp_map *attr); /* + value_size 4, no *_PROG flags */
/*
 * Allocate a map of hdr_size bytes (the type's struct, header first) followed by
 * max_entries pointer slots, zeroed, after uxdp_fd_array_alloc_check(): the
 * shape of prog_array and array_of_maps. NULL with errno on failure.
 */
struct uxdp_map *uxdp_fd_array_alloc(const struct uxdp_map *attr, size_t hdr_size);
int uxdp_array_get_next_key(const struct uxdp_map *map, const void *key, void *next_key);
void *uxdp_array_map_data(struct uxdp_map *map);

/* map-in-map: the map with this ID, referenced, if it matches outer's inner
 * template; else NULL and *err = -EBADF (no such map) or -EINVAL (mismatch). */
struct uxdp_map *uxdp_map_in_map_get_inner(struct uxdp_map *outer, uint32_t id, long *err);

/* Program stored in (or using) a map: fixes map->owner_prog_type on first use,
 * then requires the same type (kernel bpf_prog_map_compatible). -EINVAL if not. */
struct uxdp_prog;
int uxdp_map_prog_compatible(struct uxdp_map *map, const struct uxdp_prog *prog);

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

/*
 * devmap / devmap_hash / cpumap / xskmap: the stored entry for a key, or NULL.
 * The result points to struct uxdp_devmap_entry, uxdp_cpumap_entry or
 * uxdp_xskmap_entry by map type. Entries stay valid until the map is freed
 * (replaced ones are retired, not freed), so the datapath may keep them for a
 * poll. The program-side lookup returns &entry->val, as the kernel returns
 * &obj->val.
 */
void *uxdp_container_map_lookup(struct uxdp_map *map, uint32_t key);

struct uxdp_devmap_entry {
	struct bpf_devmap_val val; /* ifindex, bpf_prog.id (what lookups return) */
	struct uxdp_prog *prog;	   /* XDP_DEVMAP program to run on egress, or NULL */
	uint32_t key;
	_Atomic(struct uxdp_devmap_entry *) next; /* devmap_hash bucket chain */
};

struct uxdp_cpumap_entry {
	struct bpf_cpumap_val val; /* qsize, bpf_prog.id */
	struct uxdp_prog *prog;	   /* XDP_CPUMAP program, or NULL */
	uint32_t cpu;
};

struct uxdp_xskmap_entry {
	uint32_t sock_id; /* the socket's ID (the kernel stores the xdp_sock) */
	uint32_t key;
};

struct uxdp_cpumap_entry *uxdp_cpumap_entry(struct uxdp_map *map, uint32_t key);

/* Entries replaced in container maps: kept until the map is freed, since a
 * worker may still hold one (uxdp has no RCU grace period to wait for). */
struct uxdp_retired {
	void **v;
	size_t n, cap;
};
/* Append p (freed by uxdp_retired_free); on ENOMEM, p is freed at once. */
void uxdp_retire(struct uxdp_retired *r, void *p);
void uxdp_retired_free(struct uxdp_retired *r);

/*
 * devmap, devmap_hash and xskmap: here rather than in their files so that the
 * redirect path (bpf_redirect_map and the datapath's redirect stage) reads an
 * entry inline, one bounds check and one load, as the kernel's
 * __dev_map_lookup_elem / __xsk_map_lookup_elem do.
 */
struct uxdp_devmap {
	struct uxdp_map map;
	pthread_mutex_t lock;
	uint32_t n_buckets; /* devmap_hash */
	uint32_t items;
	struct uxdp_retired retired;
	_Atomic(struct uxdp_devmap_entry *) slots[]; /* entries, or bucket heads */
};

struct uxdp_xskmap {
	struct uxdp_map map;
	pthread_mutex_t lock;
	struct uxdp_retired retired;
	_Atomic(struct uxdp_xskmap_entry *) slots[];
};

/* A devmap's (not devmap_hash's) entry at key, or NULL. */
static inline struct uxdp_devmap_entry *uxdp_devmap_entry(struct uxdp_map *map, uint32_t key)
{
	if (key >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&((struct uxdp_devmap *)map)->slots[key],
				    memory_order_acquire);
}

static inline struct uxdp_xskmap_entry *uxdp_xskmap_entry(struct uxdp_map *map, uint32_t key)
{
	if (key >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&((struct uxdp_xskmap *)map)->slots[key],
				    memory_order_acquire);
}

#endif /* UXDP_MAP_INTERNAL_H */
