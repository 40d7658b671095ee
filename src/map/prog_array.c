// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_PROG_ARRAY: the jump table of bpf_tail_call. Slots hold a
 * referenced program; the syscall side stores and reads program IDs (the
 * kernel takes fds and returns IDs). Programs cannot look the map up (the
 * kernel verifier only lets them tail-call through it), so prog_lookup is
 * absent. Every program stored must have the map's owner program type, fixed
 * by the first program stored (or by the loader when a program using the map
 * for tail calls is loaded: it may set map->owner_prog_type). Slots change by
 * atomic exchange, so bpf_tail_call reads them without a lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "map/map_internal.h"
#include "vm/vm_internal.h"
#include "uxdp/vm.h"

struct uxdp_prog_array {
	struct uxdp_map map;
	_Atomic(struct uxdp_prog *) slots[];
};

#define to_parr(m) ((struct uxdp_prog_array *)(m))

static struct uxdp_map *prog_array_alloc(const struct uxdp_map *attr,
					 const struct uxdp_map_create_opts *opts)
{
	return uxdp_fd_array_alloc(attr, sizeof(struct uxdp_prog_array));
}

static void prog_array_free(struct uxdp_map *map)
{
	free(map);
}

struct uxdp_prog *uxdp_prog_array_get(struct uxdp_map *map, uint32_t index)
{
	if (index >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&to_parr(map)->slots[index], memory_order_acquire);
}

static int prog_array_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_prog *prog =
		uxdp_prog_array_get((struct uxdp_map *)map, uxdp_load_u32(key));

	if (!prog)
		return -ENOENT;
	uxdp_store_u32(value, uxdp_prog__id(prog));
	return 0;
}

/* Kernel bpf_prog_map_compatible(): the first program fixes the type. */
int uxdp_map_prog_compatible(struct uxdp_map *map, const struct uxdp_prog *prog)
{
	static pthread_mutex_t owner_lock = PTHREAD_MUTEX_INITIALIZER;
	int type = (int)uxdp_prog__type(prog);
	int err = 0;

	pthread_mutex_lock(&owner_lock);
	if (map->owner_prog_type < 0)
		map->owner_prog_type = type;
	else if (map->owner_prog_type != type)
		err = -EINVAL;
	pthread_mutex_unlock(&owner_lock);
	return err;
}

static int prog_array_update(struct uxdp_map *map, const void *key, const void *value,
			     uint64_t flags)
{
	uint32_t idx = uxdp_load_u32(key);
	struct uxdp_prog *prog, *old;
	int err;

	if (flags != BPF_ANY)
		return -EINVAL;
	if (idx >= map->max_entries)
		return -E2BIG;
	prog = uxdp_prog__from_id(uxdp_load_u32(value));
	if (!prog)
		return -EBADF;
	err = uxdp_map_prog_compatible(map, prog);
	if (err) {
		uxdp_pr(UXDP_WARN,
			"prog_array '%s': program '%s' has another type than the map's\n",
			map->name, uxdp_prog__name(prog));
		return err;
	}
	uxdp_prog__get(prog);
	old = atomic_exchange_explicit(&to_parr(map)->slots[idx], prog, memory_order_acq_rel);
	if (old)
		uxdp_prog__put(old);
	return 0;
}

static int prog_array_delete(struct uxdp_map *map, const void *key)
{
	uint32_t idx = uxdp_load_u32(key);
	struct uxdp_prog *old;

	if (idx >= map->max_entries)
		return -E2BIG;
	old = atomic_exchange_explicit(&to_parr(map)->slots[idx], NULL, memory_order_acq_rel);
	if (!old)
		return -ENOENT;
	uxdp_prog__put(old);
	return 0;
}

static void prog_array_clear_refs(struct uxdp_map *map)
{
	for (uint32_t i = 0; i < map->max_entries; i++) {
		struct uxdp_prog *old = atomic_exchange(&to_parr(map)->slots[i], NULL);

		if (old)
			uxdp_prog__put(old);
	}
}

const struct uxdp_map_ops uxdp_prog_array_map_ops = {
	.alloc = prog_array_alloc,
	.free = prog_array_free,
	.lookup = prog_array_lookup,
	.update = prog_array_update,
	.delete = prog_array_delete,
	.get_next_key = uxdp_array_get_next_key,
	.clear_refs = prog_array_clear_refs,
};
