/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BPF maps with Linux semantics, shared by programs and the embedding process.
 *
 * Which call when:
 *  - uxdp_map__create() makes a map of any supported `enum bpf_map_type`;
 *    ELF objects create theirs through uxdp_object__open().
 *  - uxdp_map__lookup_elem() / __update_elem() / __delete_elem() /
 *    __get_next_key() are the syscall-side operations (BPF_MAP_*_ELEM): they
 *    copy values in and out. For per-CPU maps a value buffer holds one slot
 *    per CPU, each rounded up to 8 bytes (uxdp_map__value_size_user()), as in
 *    the kernel.
 *  - Values of prog_array are program IDs (uxdp_prog__id()), values of
 *    array_of_maps / hash_of_maps are map IDs (uxdp_map__id()), where the
 *    kernel takes file descriptors; lookups return the same IDs.
 *  - uxdp_ringbuf__consume() and uxdp_perf__records() read what programs emit.
 */
#ifndef UXDP_MAP_H
#define UXDP_MAP_H

#include <stdbool.h>
#include <linux/bpf.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uxdp_map;

/** @brief Options of uxdp_map__create(). */
struct uxdp_map_create_opts {
	size_t sz;
	/** BPF_F_* map flags (BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_ZERO_SEED, …) */
	uint32_t map_flags;
	/** per-CPU slot count for per-CPU maps (0 = 1); other maps ignore it */
	uint32_t ncpus;
	/** template of the inner map for array_of_maps / hash_of_maps */
	const struct uxdp_map *inner_map;
	/** BTF type IDs, kept for dumps (0 = none) */
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	size_t : 0;
};
#define uxdp_map_create_opts__last_field btf_value_type_id

/**
 * @brief Create a map.
 *
 * Sizes are checked as the kernel checks them (e.g. array keys are 4 bytes,
 * ringbuf max_entries is a power-of-two multiple of the page size).
 * @param type map type (BPF_MAP_TYPE_*)
 * @param name name (up to 15 characters are kept, as BPF_OBJ_NAME_LEN)
 * @return the map with one reference, or NULL with errno (EINVAL for bad
 *         sizes or flags, ENOTSUP for an unsupported type, ENOMEM)
 */
UXDP_API struct uxdp_map *uxdp_map__create(enum bpf_map_type type, const char *name,
					   uint32_t key_size, uint32_t value_size,
					   uint32_t max_entries,
					   const struct uxdp_map_create_opts *opts);

/** @brief Take a reference. */
UXDP_API struct uxdp_map *uxdp_map__get(struct uxdp_map *map);
/** @brief Drop a reference; the map is freed at zero. */
UXDP_API void uxdp_map__put(struct uxdp_map *map);

UXDP_API const char *uxdp_map__name(const struct uxdp_map *map);
UXDP_API enum bpf_map_type uxdp_map__type(const struct uxdp_map *map);
UXDP_API uint32_t uxdp_map__key_size(const struct uxdp_map *map);
UXDP_API uint32_t uxdp_map__value_size(const struct uxdp_map *map);
UXDP_API uint32_t uxdp_map__max_entries(const struct uxdp_map *map);
UXDP_API uint32_t uxdp_map__flags(const struct uxdp_map *map);
/** @brief Per-CPU slot count (1 for maps that are not per-CPU). */
UXDP_API uint32_t uxdp_map__ncpus(const struct uxdp_map *map);
/** @brief Bytes of the value buffer the syscall-side calls use. */
UXDP_API uint32_t uxdp_map__value_size_user(const struct uxdp_map *map);
/** @brief True for the per-CPU map types. */
UXDP_API bool uxdp_map__is_percpu(const struct uxdp_map *map);
/** @brief Map ID: unique in the process, never 0. */
UXDP_API uint32_t uxdp_map__id(const struct uxdp_map *map);
/** @brief Look a map up by ID (no reference taken); NULL if none. */
UXDP_API struct uxdp_map *uxdp_map__from_id(uint32_t id);

/**
 * @brief Direct pointer to an array map's values (BPF_F_MMAPABLE style).
 *
 * Element i is at base + i * round_up(value_size, 8), the kernel's layout.
 * @return the base of the max_entries elements, or NULL for other types
 */
UXDP_API void *uxdp_map__array_data(struct uxdp_map *map);

/**
 * @brief Copy out the value stored under key (BPF_MAP_LOOKUP_ELEM).
 * @return 0, -ENOENT if absent, -EINVAL; for types without a syscall-side
 *         lookup the kernel's answer: 524 (kernel ENOTSUPP: ringbuf,
 *         perf_event_array) or -EOPNOTSUPP (xskmap)
 */
UXDP_API int uxdp_map__lookup_elem(const struct uxdp_map *map, const void *key, void *value);

/**
 * @brief Store value under key (BPF_MAP_UPDATE_ELEM).
 * @param flags BPF_ANY, BPF_NOEXIST, BPF_EXIST, optionally | BPF_F_LOCK
 * @return 0, -EEXIST (NOEXIST and present), -ENOENT (EXIST and absent),
 *         -E2BIG (full, or index out of range for arrays), -EINVAL
 */
UXDP_API int uxdp_map__update_elem(struct uxdp_map *map, const void *key, const void *value,
				   uint64_t flags);

/** @brief Remove key (BPF_MAP_DELETE_ELEM). @return 0, -ENOENT, -EINVAL (arrays) */
UXDP_API int uxdp_map__delete_elem(struct uxdp_map *map, const void *key);

/**
 * @brief Key after key in the map's iteration order (BPF_MAP_GET_NEXT_KEY).
 * @param key NULL (or a key not present, for hash maps) to get the first key
 * @return 0, -ENOENT at the end
 */
UXDP_API int uxdp_map__get_next_key(const struct uxdp_map *map, const void *key, void *next_key);

/** @brief Callback of uxdp_ringbuf__consume(); return non-zero to stop. */
typedef int (*uxdp_ringbuf_sample_fn)(void *cookie, const void *data, size_t len);

/**
 * @brief Hand every submitted ring buffer record to fn, in order, and free it.
 * @return number of records consumed, or -errno
 */
UXDP_API int uxdp_ringbuf__consume(struct uxdp_map *map, uxdp_ringbuf_sample_fn fn, void *cookie);

/** @brief A record a program sent through bpf_perf_event_output. */
struct uxdp_perf_record {
	uint32_t cpu;
	uint32_t len;
	const uint8_t *data;
};

/**
 * @brief The records collected by a perf_event_array, oldest first.
 * @param cnt out: number of records
 * @return the array (valid until the next output or uxdp_perf__clear()), or NULL when empty
 */
UXDP_API const struct uxdp_perf_record *uxdp_perf__records(const struct uxdp_map *map,
							   size_t *cnt);
/** @brief Forget the collected records. */
UXDP_API void uxdp_perf__clear(struct uxdp_map *map);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_MAP_H */
