// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH: egress ports for bpf_redirect_map.
 * Values are the kernel's: a u32 ifindex, or struct bpf_devmap_val
 * { ifindex, bpf_prog.fd } where uxdp takes a program ID for the fd (an
 * XDP_DEVMAP program) and lookups return { ifindex, bpf_prog.id }. Entries are
 * immutable once published: an update builds a new entry and swaps it in,
 * the old one is retired (with its egress program reference) until the map is
 * freed. DEVMAP is an array of entry pointers; DEVMAP_HASH is a power-of-two
 * bucket array of chains keyed by any u32. Lookups take no lock; updates serialize on the map's mutex.
 * uxdp_container_map_lookup() is the redirect helper's entry point for every
 * container type (devmap, devmap_hash, cpumap, xskmap).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"
#include "uxdp/vm.h"

#define DEV_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

#define to_dtab(m) ((struct uxdp_devmap *)(m))

static struct uxdp_map *dev_map_alloc(const struct uxdp_map *attr,
				      const struct uxdp_map_create_opts *opts)
{
	bool hash = attr->type == BPF_MAP_TYPE_DEVMAP_HASH;
	struct uxdp_devmap *d;
	uint32_t n;

	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != sizeof(struct bpf_devmap_val)) ||
	    (attr->map_flags & ~DEV_CREATE_FLAG_MASK)) {
		errno = EINVAL;
		return NULL;
	}
	if (hash && attr->max_entries > (1u << 31)) {
		errno = EINVAL;
		return NULL;
	}
	n = attr->max_entries;
	if (hash) {
		n = 1;
		while (n < attr->max_entries)
			n <<= 1;
	}
	d = calloc(1, sizeof(*d) + (size_t)n * sizeof(d->slots[0]));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->map = *attr;
	/* Lookups hand out the entry itself: programs must not write through it. */
	d->map.map_flags |= BPF_F_RDONLY_PROG;
	d->n_buckets = hash ? n : 0;
	pthread_mutex_init(&d->lock, NULL);
	return &d->map;
}

/*
 * An entry leaves the map: a worker may still be sending through it, and
 * running its egress program, until its poll ends. So the entry keeps its
 * program reference while retired; both go when the map is cleared or freed
 * (drop_retired_progs), not here.
 */
static void entry_release(struct uxdp_devmap *d, struct uxdp_devmap_entry *e)
{
	struct uxdp_prog *prog;
	size_t n;

	if (!e)
		return;
	prog = e->prog;
	n = d->retired.n;
	uxdp_retire(&d->retired, e);
	if (d->retired.n == n && prog)
		uxdp_prog__put(prog); /* out of memory: the entry is gone already */
}

/* The map has no users left (last reference, or its object closing). */
static void drop_retired_progs(struct uxdp_devmap *d)
{
	for (size_t i = 0; i < d->retired.n; i++) {
		struct uxdp_devmap_entry *e = d->retired.v[i];

		if (e->prog) {
			uxdp_prog__put(e->prog);
			e->prog = NULL;
		}
	}
}

static void dev_map_clear_refs(struct uxdp_map *map)
{
	struct uxdp_devmap *d = to_dtab(map);
	uint32_t n = d->n_buckets ? d->n_buckets : map->max_entries;

	pthread_mutex_lock(&d->lock);
	for (uint32_t i = 0; i < n; i++) {
		struct uxdp_devmap_entry *e = atomic_exchange(&d->slots[i], NULL);

		while (e) {
			struct uxdp_devmap_entry *next =
				d->n_buckets ? atomic_load(&e->next) : NULL;

			entry_release(d, e);
			e = next;
		}
	}
	d->items = 0;
	drop_retired_progs(d);
	pthread_mutex_unlock(&d->lock);
}

static void dev_map_free(struct uxdp_map *map)
{
	struct uxdp_devmap *d = to_dtab(map);

	dev_map_clear_refs(map);
	uxdp_retired_free(&d->retired);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* Build an entry from a user value (kernel __dev_map_alloc_node). */
static struct uxdp_devmap_entry *entry_new(struct uxdp_devmap *d, const struct bpf_devmap_val *val,
					   uint32_t key, long *err)
{
	struct uxdp_devmap_entry *e;
	struct uxdp_prog *prog = NULL;

	if (val->bpf_prog.fd > 0) {
		prog = uxdp_prog__from_id((uint32_t)val->bpf_prog.fd);
		if (!prog || uxdp_prog__type(prog) != UXDP_PROG_XDP_DEVMAP) {
			*err = -EINVAL;
			return NULL;
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->val.ifindex = val->ifindex;
	e->val.bpf_prog.id = prog ? uxdp_prog__id(prog) : 0;
	e->prog = prog ? uxdp_prog__get(prog) : NULL;
	e->key = key;
	return e;
}

/* --- DEVMAP (array) --------------------------------------------------------------------- */

static void *dev_map_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_devmap_entry *e = uxdp_devmap_entry(map, uxdp_load_u32(key));

	return e ? &e->val : NULL;
}

static int dev_map_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_devmap_entry *e = uxdp_devmap_entry((struct uxdp_map *)map, uxdp_load_u32(key));

	if (!e)
		return -ENOENT;
	memcpy(value, &e->val, map->value_size);
	return 0;
}

static int dev_map_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_devmap *d = to_dtab(map);
	struct bpf_devmap_val val = {0};
	uint32_t i = uxdp_load_u32(key);
	struct uxdp_devmap_entry *e = NULL, *old;
	long err = 0;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST; /* every slot "exists" in a devmap, as in the kernel */
	memcpy(&val, value, map->value_size);
	if (!val.ifindex) {
		if (val.bpf_prog.fd > 0)
			return -EINVAL;
	} else {
		e = entry_new(d, &val, i, &err);
		if (!e)
			return (int)err;
	}
	pthread_mutex_lock(&d->lock);
	old = atomic_exchange_explicit(&d->slots[i], e, memory_order_acq_rel);
	if (old)
		entry_release(d, old);
	d->items += (e ? 1 : 0) - (old ? 1 : 0);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int dev_map_delete(struct uxdp_map *map, const void *key)
{
	struct uxdp_devmap *d = to_dtab(map);
	uint32_t k = uxdp_load_u32(key);
	struct uxdp_devmap_entry *old;

	if (k >= map->max_entries)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	old = atomic_exchange_explicit(&d->slots[k], NULL, memory_order_acq_rel);
	if (old) {
		entry_release(d, old);
		d->items--;
	}
	pthread_mutex_unlock(&d->lock);
	return 0; /* the kernel does not report an empty slot */
}

/* --- DEVMAP_HASH -------------------------------------------------------------------------- */

static struct uxdp_devmap_entry *dev_hash_entry(struct uxdp_map *map, uint32_t key)
{
	struct uxdp_devmap *d = to_dtab(map);
	struct uxdp_devmap_entry *e;

	e = atomic_load_explicit(&d->slots[key & (d->n_buckets - 1)], memory_order_acquire);
	for (; e; e = atomic_load_explicit(&e->next, memory_order_acquire))
		if (e->key == key)
			return e;
	return NULL;
}

static void *dev_hash_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_devmap_entry *e = dev_hash_entry(map, uxdp_load_u32(key));

	return e ? &e->val : NULL;
}

static int dev_hash_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_devmap_entry *e =
		dev_hash_entry((struct uxdp_map *)map, uxdp_load_u32(key));

	if (!e)
		return -ENOENT;
	memcpy(value, &e->val, map->value_size);
	return 0;
}

static void dev_hash_unlink(struct uxdp_devmap *d, struct uxdp_devmap_entry *e)
{
	_Atomic(struct uxdp_devmap_entry *) *link = &d->slots[e->key & (d->n_buckets - 1)];
	struct uxdp_devmap_entry *p;

	while ((p = atomic_load_explicit(link, memory_order_relaxed))) {
		if (p == e) {
			atomic_store_explicit(link, atomic_load(&e->next), memory_order_release);
			return;
		}
		link = &p->next;
	}
}

static int dev_hash_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_devmap *d = to_dtab(map);
	struct bpf_devmap_val val = {0};
	uint32_t idx = uxdp_load_u32(key);
	struct uxdp_devmap_entry *e, *old;
	_Atomic(struct uxdp_devmap_entry *) *head;
	long err = 0;

	memcpy(&val, value, map->value_size);
	if (flags > BPF_EXIST || !val.ifindex)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	old = dev_hash_entry(map, idx);
	if (old && (flags & BPF_NOEXIST)) {
		err = -EEXIST;
		goto out;
	}
	e = entry_new(d, &val, idx, &err);
	if (!e)
		goto out;
	if (old) {
		dev_hash_unlink(d, old);
	} else {
		if (d->items >= map->max_entries) {
			if (e->prog)
				uxdp_prog__put(e->prog);
			free(e);
			err = -E2BIG;
			goto out;
		}
		d->items++;
	}
	head = &d->slots[idx & (d->n_buckets - 1)];
	atomic_store_explicit(&e->next, atomic_load_explicit(head, memory_order_relaxed),
			      memory_order_relaxed);
	atomic_store_explicit(head, e, memory_order_release);
	entry_release(d, old);
out:
	pthread_mutex_unlock(&d->lock);
	return (int)err;
}

static int dev_hash_delete(struct uxdp_map *map, const void *key)
{
	struct uxdp_devmap *d = to_dtab(map);
	struct uxdp_devmap_entry *old;
	int err = -ENOENT;

	pthread_mutex_lock(&d->lock);
	old = dev_hash_entry(map, uxdp_load_u32(key));
	if (old) {
		d->items--;
		dev_hash_unlink(d, old);
		entry_release(d, old);
		err = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

static int dev_hash_get_next_key(const struct uxdp_map *map, const void *key, void *next_key)
{
	struct uxdp_devmap *d = to_dtab(map);
	struct uxdp_devmap_entry *e, *next;
	uint32_t i = 0, *out = next_key;
	int err = -ENOENT;

	pthread_mutex_lock(&d->lock);
	if (key) {
		uint32_t idx = uxdp_load_u32(key);

		e = dev_hash_entry((struct uxdp_map *)map, idx);
		if (e) {
			next = atomic_load(&e->next);
			if (next) {
				*out = next->key;
				err = 0;
				goto out;
			}
			i = (idx & (d->n_buckets - 1)) + 1;
		}
	}
	for (; i < d->n_buckets; i++) {
		e = atomic_load(&d->slots[i]);
		if (e) {
			*out = e->key;
			err = 0;
			goto out;
		}
	}
out:
	pthread_mutex_unlock(&d->lock);
	return err;
}

void *uxdp_container_map_lookup(struct uxdp_map *map, uint32_t key)
{
	switch (map->type) {
	case BPF_MAP_TYPE_DEVMAP:
		return uxdp_devmap_entry(map, key);
	case BPF_MAP_TYPE_DEVMAP_HASH:
		return dev_hash_entry(map, key);
	case BPF_MAP_TYPE_CPUMAP:
		return uxdp_cpumap_entry(map, key);
	case BPF_MAP_TYPE_XSKMAP:
		return uxdp_xskmap_entry(map, key);
	default:
		return NULL;
	}
}

/* Programs may look up devmaps (read-only), not change them (kernel verifier). */
const struct uxdp_map_ops uxdp_devmap_map_ops = {
	.alloc = dev_map_alloc,
	.free = dev_map_free,
	.prog_lookup = dev_map_prog_lookup,
	.lookup = dev_map_lookup,
	.update = dev_map_update,
	.delete = dev_map_delete,
	.get_next_key = uxdp_array_get_next_key,
	.clear_refs = dev_map_clear_refs,
};

const struct uxdp_map_ops uxdp_devmap_hash_map_ops = {
	.alloc = dev_map_alloc,
	.free = dev_map_free,
	.prog_lookup = dev_hash_prog_lookup,
	.lookup = dev_hash_lookup,
	.update = dev_hash_update,
	.delete = dev_hash_delete,
	.get_next_key = dev_hash_get_next_key,
	.clear_refs = dev_map_clear_refs,
};
