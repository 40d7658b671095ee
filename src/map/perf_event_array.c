// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: where bpf_perf_event_output sends records.
 * The kernel stores one perf event per slot (usually per CPU) and the output
 * goes to that event's ring; uxdp has no perf events, so every slot below
 * max_entries counts as attached and records are collected in one list,
 * oldest first, tagged with the slot they were sent to, for
 * uxdp_perf__records(). The syscall side stores and deletes u32 slot values
 * (the kernel's perf event fds) so loaders that fill the map keep working.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map/map_internal.h"

/* Records kept before output fails with -ENOSPC (a full perf ring in the kernel). */
#define PERF_MAX_RECORDS (1u << 20)

struct uxdp_perf_array {
	struct uxdp_map map;
	pthread_mutex_t lock;
	struct uxdp_perf_record *recs;
	size_t cnt, cap;
	uint32_t *vals;
	uint8_t *set;
};

#define to_perf(m) ((struct uxdp_perf_array *)(m))

static struct uxdp_map *perf_alloc(const struct uxdp_map *attr,
				   const struct uxdp_map_create_opts *opts)
{
	struct uxdp_perf_array *p;
	int err = uxdp_fd_array_alloc_check(attr);

	if (err) {
		errno = -err;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto err_nomem;
	p->vals = calloc(attr->max_entries, sizeof(*p->vals));
	p->set = calloc(attr->max_entries, 1);
	if (!p->vals || !p->set)
		goto err_free;
	p->map = *attr;
	pthread_mutex_init(&p->lock, NULL);
	return &p->map;

err_free:
	free(p->vals);
	free(p->set);
	free(p);
err_nomem:
	errno = ENOMEM;
	return NULL;
}

static void perf_clear_locked(struct uxdp_perf_array *p)
{
	for (size_t i = 0; i < p->cnt; i++)
		free((void *)p->recs[i].data);
	p->cnt = 0;
}

static void perf_free(struct uxdp_map *map)
{
	struct uxdp_perf_array *p = to_perf(map);

	perf_clear_locked(p);
	free(p->recs);
	free(p->vals);
	free(p->set);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

long uxdp_perf_output(struct uxdp_map *map, uint64_t flags, uint32_t cpu, const void *data,
		      uint64_t size)
{
	struct uxdp_perf_array *p = to_perf(map);
	uint64_t index = flags & BPF_F_INDEX_MASK;
	uint8_t *copy;
	long err = 0;

	if (map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK))
		return -EINVAL;
	if (index == BPF_F_CURRENT_CPU)
		index = cpu;
	if (index >= map->max_entries)
		return -E2BIG;
	if (size > UINT32_MAX)
		return -E2BIG;

	copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	pthread_mutex_lock(&p->lock);
	if (p->cnt >= PERF_MAX_RECORDS) {
		err = -ENOSPC;
		goto out;
	}
	if (p->cnt == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct uxdp_perf_record *n = realloc(p->recs, cap * sizeof(*n));

		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		p->recs = n;
		p->cap = cap;
	}
	p->recs[p->cnt++] = (struct uxdp_perf_record){
		.cpu = (uint32_t)index,
		.len = (uint32_t)size,
		.data = copy,
	};
	copy = NULL;
out:
	pthread_mutex_unlock(&p->lock);
	free(copy);
	return err;
}

const struct uxdp_perf_record *uxdp_perf__records(const struct uxdp_map *map, size_t *cnt)
{
	struct uxdp_perf_array *p;

	if (cnt)
		*cnt = 0;
	if (!map || map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return NULL;
	p = to_perf(map);
	if (!p->cnt)
		return NULL;
	if (cnt)
		*cnt = p->cnt;
	return p->recs;
}

void uxdp_perf__clear(struct uxdp_map *map)
{
	struct uxdp_perf_array *p;

	if (!map || map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return;
	p = to_perf(map);
	pthread_mutex_lock(&p->lock);
	perf_clear_locked(p);
	pthread_mutex_unlock(&p->lock);
}

static int perf_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_perf_array *p = to_perf(map);
	uint32_t idx = uxdp_load_u32(key);

	if (flags != BPF_ANY)
		return -EINVAL;
	if (idx >= map->max_entries)
		return -E2BIG;
	pthread_mutex_lock(&p->lock);
	p->vals[idx] = uxdp_load_u32(value);
	p->set[idx] = 1;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int perf_delete(struct uxdp_map *map, const void *key)
{
	struct uxdp_perf_array *p = to_perf(map);
	uint32_t idx = uxdp_load_u32(key);
	int err = 0;

	if (idx >= map->max_entries)
		return -E2BIG;
	pthread_mutex_lock(&p->lock);
	if (!p->set[idx])
		err = -ENOENT;
	p->set[idx] = 0;
	pthread_mutex_unlock(&p->lock);
	return err;
}

/* No lookup from either side: the kernel answers ENOTSUPP (524) to the syscall. */
static int perf_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	return -UXDP_ENOTSUPP;
}

const struct uxdp_map_ops uxdp_perf_event_array_map_ops = {
	.alloc = perf_alloc,
	.free = perf_free,
	.lookup = perf_lookup,
	.update = perf_update,
	.delete = perf_delete,
	.get_next_key = uxdp_array_get_next_key,
};
