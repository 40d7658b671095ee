// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_CPUMAP: redirect targets that hand frames to another worker.
 * Key = CPU (worker) slot; value = u32 queue size, or struct bpf_cpumap_val
 * { qsize, bpf_prog.fd } where uxdp takes a program ID for the fd (an
 * XDP_CPUMAP program). qsize 0 empties the slot, as the kernel. Entries are
 * immutable once published and retired (not freed) on replace. Programs can
 * only redirect through a cpumap, not look it up (kernel verifier rule).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"
#include "uxdp/vm.h"

#define CPUMAP_MAX_QSIZE 16384

struct uxdp_cpumap {
	struct uxdp_map map;
	pthread_mutex_t lock;
	struct uxdp_retired retired;
	_Atomic(struct uxdp_cpumap_entry *) slots[];
};

#define to_cmap(m) ((struct uxdp_cpumap *)(m))

static struct uxdp_map *cpu_map_alloc(const struct uxdp_map *attr,
				      const struct uxdp_map_create_opts *opts)
{
	struct uxdp_cpumap *c;

	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != sizeof(struct bpf_cpumap_val)) ||
	    (attr->map_flags & ~BPF_F_NUMA_NODE)) {
		errno = EINVAL;
		return NULL;
	}
	if (attr->max_entries > UXDP_CPUMAP_MAX_ENTRIES) {
		errno = E2BIG;
		return NULL;
	}
	c = calloc(1, sizeof(*c) + (size_t)attr->max_entries * sizeof(c->slots[0]));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->map = *attr;
	pthread_mutex_init(&c->lock, NULL);
	return &c->map;
}

/*
 * A replaced or deleted entry keeps its program reference while retired: a
 * worker that read the entry before the swap may still be running that
 * program. The references go when the map has no users left.
 */
static void entry_release(struct uxdp_cpumap *c, struct uxdp_cpumap_entry *e)
{
	struct uxdp_prog *prog;
	size_t n;

	if (!e)
		return;
	prog = e->prog;
	n = c->retired.n;
	uxdp_retire(&c->retired, e);
	if (c->retired.n == n && prog)
		uxdp_prog__put(prog); /* out of memory: the entry is gone already */
}

static void drop_retired_progs(struct uxdp_cpumap *c)
{
	for (size_t i = 0; i < c->retired.n; i++) {
		struct uxdp_cpumap_entry *e = c->retired.v[i];

		if (e->prog) {
			uxdp_prog__put(e->prog);
			e->prog = NULL;
		}
	}
}

static void cpu_map_clear_refs(struct uxdp_map *map)
{
	struct uxdp_cpumap *c = to_cmap(map);

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < map->max_entries; i++)
		entry_release(c, atomic_exchange(&c->slots[i], NULL));
	drop_retired_progs(c);
	pthread_mutex_unlock(&c->lock);
}

static void cpu_map_free(struct uxdp_map *map)
{
	struct uxdp_cpumap *c = to_cmap(map);

	cpu_map_clear_refs(map);
	uxdp_retired_free(&c->retired);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

struct uxdp_cpumap_entry *uxdp_cpumap_entry(struct uxdp_map *map, uint32_t key)
{
	if (key >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&to_cmap(map)->slots[key], memory_order_acquire);
}

static int cpu_map_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_cpumap_entry *e =
		uxdp_cpumap_entry((struct uxdp_map *)map, uxdp_load_u32(key));

	if (!e)
		return -ENOENT;
	memcpy(value, &e->val, map->value_size);
	return 0;
}

static int cpu_map_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_cpumap *c = to_cmap(map);
	struct bpf_cpumap_val val = {0};
	uint32_t cpu = uxdp_load_u32(key);
	struct uxdp_cpumap_entry *e = NULL, *old;
	struct uxdp_prog *prog = NULL;

	memcpy(&val, value, map->value_size);
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (cpu >= map->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	if (val.qsize > CPUMAP_MAX_QSIZE)
		return -EOVERFLOW;
	if (val.qsize) {
		if (val.bpf_prog.fd > 0) {
			prog = uxdp_prog__from_id((uint32_t)val.bpf_prog.fd);
			if (!prog || uxdp_prog__type(prog) != UXDP_PROG_XDP_CPUMAP)
				return -EINVAL;
		}
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->val.qsize = val.qsize;
		e->val.bpf_prog.id = prog ? uxdp_prog__id(prog) : 0;
		e->prog = prog ? uxdp_prog__get(prog) : NULL;
		e->cpu = cpu;
	}
	pthread_mutex_lock(&c->lock);
	old = atomic_exchange_explicit(&c->slots[cpu], e, memory_order_acq_rel);
	entry_release(c, old);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int cpu_map_delete(struct uxdp_map *map, const void *key)
{
	struct uxdp_cpumap *c = to_cmap(map);
	uint32_t cpu = uxdp_load_u32(key);

	if (cpu >= map->max_entries)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	entry_release(c, atomic_exchange_explicit(&c->slots[cpu], NULL, memory_order_acq_rel));
	pthread_mutex_unlock(&c->lock);
	return 0;
}

const struct uxdp_map_ops uxdp_cpumap_map_ops = {
	.alloc = cpu_map_alloc,
	.free = cpu_map_free,
	.lookup = cpu_map_lookup,
	.update = cpu_map_update,
	.delete = cpu_map_delete,
	.get_next_key = uxdp_array_get_next_key,
	.clear_refs = cpu_map_clear_refs,
};
