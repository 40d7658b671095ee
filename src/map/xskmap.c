// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_XSKMAP: redirect targets that deliver frames to AF_XDP-style
 * sockets. Key = slot (usually the RX queue); value = the socket's ID, where
 * the kernel takes a socket fd. Programs may look a slot up (the kernel hands
 * back the xdp_sock; uxdp points at the stored entry, whose first word is the
 * socket ID); the syscall side cannot read values back (EOPNOTSUPP, as the
 * kernel). Entries are retired, not freed, on replace.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"

#define XSK_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

#define to_xmap(m) ((struct uxdp_xskmap *)(m))

static struct uxdp_map *xsk_map_alloc(const struct uxdp_map *attr,
				      const struct uxdp_map_create_opts *opts)
{
	struct uxdp_xskmap *x;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size != 4 ||
	    (attr->map_flags & ~XSK_CREATE_FLAG_MASK)) {
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x) + (size_t)attr->max_entries * sizeof(x->slots[0]));
	if (!x) {
		errno = ENOMEM;
		return NULL;
	}
	x->map = *attr;
	pthread_mutex_init(&x->lock, NULL);
	return &x->map;
}

static void xsk_map_free(struct uxdp_map *map)
{
	struct uxdp_xskmap *x = to_xmap(map);

	for (uint32_t i = 0; i < map->max_entries; i++)
		free(atomic_load(&x->slots[i]));
	uxdp_retired_free(&x->retired);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

static void *xsk_map_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	return uxdp_xskmap_entry(map, uxdp_load_u32(key));
}

static int xsk_map_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	return -EOPNOTSUPP;
}

static int xsk_map_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_xskmap *x = to_xmap(map);
	uint32_t i = uxdp_load_u32(key);
	struct uxdp_xskmap_entry *e, *old;
	int err = 0;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (i >= map->max_entries)
		return -E2BIG;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->sock_id = uxdp_load_u32(value);
	e->key = i;
	pthread_mutex_lock(&x->lock);
	old = atomic_load_explicit(&x->slots[i], memory_order_relaxed);
	if (old && flags == BPF_NOEXIST)
		err = -EEXIST;
	else if (!old && flags == BPF_EXIST)
		err = -ENOENT;
	if (!err) {
		atomic_store_explicit(&x->slots[i], e, memory_order_release);
		uxdp_retire(&x->retired, old);
		e = NULL;
	}
	pthread_mutex_unlock(&x->lock);
	free(e);
	return err;
}

static int xsk_map_delete(struct uxdp_map *map, const void *key)
{
	struct uxdp_xskmap *x = to_xmap(map);
	uint32_t k = uxdp_load_u32(key);

	if (k >= map->max_entries)
		return -EINVAL;
	pthread_mutex_lock(&x->lock);
	uxdp_retire(&x->retired, atomic_exchange(&x->slots[k], NULL));
	pthread_mutex_unlock(&x->lock);
	return 0;
}

const struct uxdp_map_ops uxdp_xskmap_map_ops = {
	.alloc = xsk_map_alloc,
	.free = xsk_map_free,
	.prog_lookup = xsk_map_prog_lookup,
	.lookup = xsk_map_lookup,
	.update = xsk_map_update,
	.delete = xsk_map_delete,
	.get_next_key = uxdp_array_get_next_key,
};
