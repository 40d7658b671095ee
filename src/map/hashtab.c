// SPDX-License-Identifier: BSD-2-Clause
/*
 * Hash tables: BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH and
 * HASH_OF_MAPS. Power-of-two bucket array of singly linked "nulls" lists: a
 * list ends in a marker that encodes its bucket, so a lock-free reader that
 * was carried into another bucket by a recycled element notices and restarts
 * (the kernel's hlist_nulls scheme). Updates and deletes serialize on one
 * mutex per map; lookups take no lock.
 *
 * Element memory is one block of max_entries + 1 elements (the spare lets an
 * update of an existing key build the new element before unlinking the old,
 * so readers always see one of them), handed out from a free list and never
 * released until the map is freed.
 *
 * LRU maps evict with a second-chance clock over a recency list: updates put
 * elements at the head, program lookups set a reference bit (as the kernel's
 * bpf_lru_node_set_ref) and eviction takes the first unreferenced element
 * from the tail, giving referenced ones another round at the head.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "map/map_internal.h"

#define HTAB_CREATE_FLAG_MASK                                                                      \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_ZERO_SEED)
#define PCPU_MIN_UNIT_SIZE (32u << 10)
#define KMALLOC_MAX_SIZE   (1u << 22) /* 4 MiB: x86-64 with 4 KiB pages */

struct htab_elem {
	_Atomic uintptr_t next;	    /* bucket chain: element pointer, or (bucket << 1) | 1 */
	struct htab_elem *lru_prev; /* recency list (LRU) */
	struct htab_elem *lru_next; /* recency list (LRU), free list */
	uint32_t hash;
	_Atomic uint8_t ref; /* LRU reference bit */
	uint8_t pad[3];
	_Alignas(8) uint8_t key[]; /* round_up(key_size, 8), then the value(s) */
};

struct uxdp_htab {
	struct uxdp_map map;
	pthread_mutex_t lock;
	_Atomic uintptr_t *buckets;
	uint32_t n_buckets;
	uint32_t seed;
	uint32_t key_round; /* round_up(key_size, 8) */
	uint32_t vsize;	    /* bytes of one value slot */
	uint32_t elem_size;
	bool percpu, lru, of_maps;
	uint8_t *elems;
	uint32_t capacity; /* max_entries + 1 */
	uint32_t fresh;	   /* elements never handed out start here */
	uint32_t count;	   /* elements linked in */
	struct htab_elem *free_list;
	struct htab_elem lru_head; /* circular list sentinel: next = most recent */
};

#define to_htab(m) ((struct uxdp_htab *)(m))

static inline void *elem_value(const struct uxdp_htab *h, struct htab_elem *e)
{
	return e->key + h->key_round;
}

/* --- hashing ----------------------------------------------------------------------------- */

#define HP1 0x9e3779b185ebca87ull
#define HP2 0xc2b2ae3d27d4eb4full
#define HP3 0x165667b19e3779f9ull
#define HP4 0x85ebca77c2b2ae63ull
#define HP5 0x27d4eb2f165667c5ull

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* A 64-bit multiply-rotate hash (xxh64 construction for short inputs), folded to 32 bits. */
static inline uint32_t htab_hash(const void *key, uint32_t len, uint32_t seed)
{
	const uint8_t *p = key;
	uint64_t h = seed + HP5 + len;
	uint64_t k;
	uint32_t w;

	while (len >= 8) {
		memcpy(&k, p, 8);
		k *= HP2;
		k = rotl64(k, 31) * HP1;
		h ^= k;
		h = rotl64(h, 27) * HP1 + HP4;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w, p, 4);
		h ^= (uint64_t)w * HP1;
		h = rotl64(h, 23) * HP2 + HP3;
		p += 4;
		len -= 4;
	}
	while (len--) {
		h ^= (*p++) * HP5;
		h = rotl64(h, 11) * HP1;
	}
	h ^= h >> 33;
	h *= HP2;
	h ^= h >> 29;
	h *= HP3;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* --- create / free --------------------------------------------------------------------- */

static int htab_alloc_check(const struct uxdp_map *attr)
{
	bool percpu = attr->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      attr->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool lru =
		attr->type == BPF_MAP_TYPE_LRU_HASH || attr->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	uint32_t f = attr->map_flags;

	if (f & ~HTAB_CREATE_FLAG_MASK)
		return -EINVAL;
	if (!lru && (f & BPF_F_NO_COMMON_LRU))
		return -EINVAL;
	if (lru && (f & BPF_F_NO_PREALLOC))
		return -UXDP_ENOTSUPP;
	if ((f & BPF_F_NUMA_NODE) && (percpu || (f & BPF_F_NO_COMMON_LRU)))
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size == 0 || attr->value_size == 0)
		return -EINVAL;
	if ((uint64_t)attr->key_size + attr->value_size >=
	    KMALLOC_MAX_SIZE - sizeof(struct htab_elem))
		return -E2BIG;
	if (percpu && uxdp_percpu_stride(attr->value_size) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	if (attr->max_entries > (1u << 31))
		return -E2BIG;
	return 0;
}

static struct uxdp_map *htab_create(const struct uxdp_map *attr)
{
	struct uxdp_htab *h;
	uint64_t bytes;

	h = calloc(1, sizeof(*h));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->map = *attr;
	h->percpu = attr->type == BPF_MAP_TYPE_PERCPU_HASH ||
		    attr->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	h->lru = attr->type == BPF_MAP_TYPE_LRU_HASH || attr->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	h->of_maps = attr->type == BPF_MAP_TYPE_HASH_OF_MAPS;
	h->n_buckets = 1;
	while (h->n_buckets < attr->max_entries)
		h->n_buckets <<= 1;
	h->key_round = uxdp_percpu_stride(attr->key_size);
	h->vsize = h->of_maps ? sizeof(void *) : uxdp_percpu_stride(attr->value_size);
	bytes = sizeof(struct htab_elem) + h->key_round + (uint64_t)h->vsize * attr->ncpus;
	if (bytes > UINT32_MAX)
		goto err_nomem;
	h->elem_size = (uint32_t)bytes;
	h->capacity = attr->max_entries + 1;
	h->lru_head.lru_next = h->lru_head.lru_prev = &h->lru_head;

	if (attr->map_flags & BPF_F_ZERO_SEED)
		h->seed = 0;
	else if (getrandom(&h->seed, sizeof(h->seed), GRND_NONBLOCK) != sizeof(h->seed))
		h->seed = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)h;

	h->buckets = uxdp_map_area_alloc((size_t)h->n_buckets * sizeof(*h->buckets));
	/* Fresh anonymous memory: pages of elements not yet handed out stay untouched. */
	h->elems = uxdp_map_area_alloc((size_t)h->capacity * h->elem_size);
	if (!h->buckets || !h->elems)
		goto err_free;
	for (uint32_t i = 0; i < h->n_buckets; i++)
		atomic_init(&h->buckets[i], ((uintptr_t)i << 1) | 1);
	pthread_mutex_init(&h->lock, NULL);
	return &h->map;

err_free:
	uxdp_map_area_free(h->buckets, (size_t)h->n_buckets * sizeof(*h->buckets));
	uxdp_map_area_free(h->elems, (size_t)h->capacity * h->elem_size);
err_nomem:
	free(h);
	errno = ENOMEM;
	return NULL;
}

static struct uxdp_map *htab_alloc(const struct uxdp_map *attr,
				   const struct uxdp_map_create_opts *opts)
{
	int err = htab_alloc_check(attr);

	if (err) {
		errno = -err;
		return NULL;
	}
	return htab_create(attr);
}

static void htab_free(struct uxdp_map *map)
{
	struct uxdp_htab *h = to_htab(map);

	pthread_mutex_destroy(&h->lock);
	uxdp_map_area_free(h->buckets, (size_t)h->n_buckets * sizeof(*h->buckets));
	uxdp_map_area_free(h->elems, (size_t)h->capacity * h->elem_size);
	free(h);
}

/* --- element lists (writers hold h->lock) ------------------------------------------------- */

static struct htab_elem *elem_get_free(struct uxdp_htab *h)
{
	struct htab_elem *e = h->free_list;

	if (e) {
		h->free_list = e->lru_next;
		return e;
	}
	if (h->fresh < h->capacity)
		return (struct htab_elem *)(h->elems + (uint64_t)h->fresh++ * h->elem_size);
	return NULL;
}

/* The element's chain pointer is left alone: a reader standing on it still gets out. */
static void elem_put_free(struct uxdp_htab *h, struct htab_elem *e)
{
	e->lru_next = h->free_list;
	h->free_list = e;
}

static void lru_link_head(struct uxdp_htab *h, struct htab_elem *e)
{
	e->lru_prev = &h->lru_head;
	e->lru_next = h->lru_head.lru_next;
	h->lru_head.lru_next->lru_prev = e;
	h->lru_head.lru_next = e;
}

static void lru_unlink(struct htab_elem *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void bucket_link(struct uxdp_htab *h, struct htab_elem *e)
{
	_Atomic uintptr_t *head = &h->buckets[e->hash & (h->n_buckets - 1)];

	atomic_store_explicit(&e->next, atomic_load_explicit(head, memory_order_relaxed),
			      memory_order_relaxed);
	/* Pairs with the acquire loads in lookup_nulls(): key and value are visible first. */
	atomic_store_explicit(head, (uintptr_t)e, memory_order_release);
}

static void bucket_unlink(struct uxdp_htab *h, struct htab_elem *e)
{
	_Atomic uintptr_t *link = &h->buckets[e->hash & (h->n_buckets - 1)];
	uintptr_t p;

	while (!((p = atomic_load_explicit(link, memory_order_relaxed)) & 1)) {
		if (p == (uintptr_t)e) {
			atomic_store_explicit(link,
					      atomic_load_explicit(&e->next, memory_order_relaxed),
					      memory_order_release);
			return;
		}
		link = &((struct htab_elem *)p)->next;
	}
}

/* Lock-free lookup (fast path). */
static struct htab_elem *lookup_nulls(const struct uxdp_htab *h, const void *key, uint32_t hash)
{
	uint32_t idx = hash & (h->n_buckets - 1);
	uint32_t ks = h->map.key_size;
	uintptr_t p;

again:
	p = atomic_load_explicit(&h->buckets[idx], memory_order_acquire);
	while (!(p & 1)) {
		struct htab_elem *e = (struct htab_elem *)p;

		if (e->hash == hash && !memcmp(e->key, key, ks))
			return e;
		p = atomic_load_explicit(&e->next, memory_order_acquire);
	}
	/* Ended in another bucket's marker: an element moved under us. */
	if (__builtin_expect((p >> 1) != idx, 0))
		goto again;
	return NULL;
}

static void elem_release_value(struct uxdp_htab *h, struct htab_elem *e)
{
	if (h->of_maps) {
		struct uxdp_map *inner;

		memcpy(&inner, elem_value(h, e), sizeof(inner));
		uxdp_map__put(inner);
	}
}

/* Remove a linked element entirely (writers). */
static void elem_remove(struct uxdp_htab *h, struct htab_elem *e)
{
	bucket_unlink(h, e);
	if (h->lru)
		lru_unlink(e);
	elem_release_value(h, e);
	h->count--;
	elem_put_free(h, e);
}

/* Second-chance eviction from the cold end of the recency list. */
static bool lru_evict_one(struct uxdp_htab *h)
{
	for (uint64_t n = 0; n <= 2ull * h->count + 1; n++) {
		struct htab_elem *e = h->lru_head.lru_prev;

		if (e == &h->lru_head)
			return false;
		if (atomic_load_explicit(&e->ref, memory_order_relaxed)) {
			atomic_store_explicit(&e->ref, 0, memory_order_relaxed);
			lru_unlink(e);
			lru_link_head(h, e);
			continue;
		}
		elem_remove(h, e);
		return true;
	}
	return false;
}

/* --- update / delete ----------------------------------------------------------------------- */

/*
 * Store key -> value. onall: value holds ncpus slots (syscall side of per-CPU
 * maps); else it is one value for slot cpu. For hash-of-maps the value is a
 * struct uxdp_map * whose reference the map takes over on success.
 */
static long htab_update_elem(struct uxdp_htab *h, const void *key, const void *value,
			     uint64_t flags, bool onall, uint32_t cpu)
{
	struct uxdp_map *map = &h->map;
	uint64_t op = flags & ~(uint64_t)BPF_F_LOCK;
	uint32_t hash = htab_hash(key, map->key_size, h->seed);
	struct htab_elem *old, *e;
	long err = 0;
	uint8_t *v;

	if (op > BPF_EXIST)
		return -EINVAL;
	if (h->percpu && !onall && cpu >= map->ncpus)
		return -EINVAL;

	pthread_mutex_lock(&h->lock);
	old = lookup_nulls(h, key, hash);
	if (old && op == BPF_NOEXIST) {
		err = -EEXIST;
		goto out;
	}
	if (!old && op == BPF_EXIST) {
		err = -ENOENT;
		goto out;
	}

	if (old && (flags & BPF_F_LOCK) && !h->percpu) {
		/* In place under the value's own lock, as the kernel does. */
		uxdp_map_copy_value_locked(map, elem_value(h, old), value);
		goto out;
	}
	if (old && h->percpu) {
		/* Per-CPU values are updated in place. */
		v = elem_value(h, old);
		if (onall) {
			for (uint32_t c = 0; c < map->ncpus; c++)
				uxdp_map_copy_value(map, v + c * h->vsize,
						    (const uint8_t *)value + c * h->vsize);
		} else {
			uxdp_map_copy_value(map, v + cpu * h->vsize, value);
		}
		if (h->lru)
			atomic_store_explicit(&old->ref, 1, memory_order_relaxed);
		goto out;
	}

	if (!old && h->count >= map->max_entries) {
		if (!h->lru || !lru_evict_one(h)) {
			err = -E2BIG;
			goto out;
		}
	}
	e = elem_get_free(h);
	if (!e) { /* cannot happen: capacity is max_entries + 1 */
		err = -E2BIG;
		goto out;
	}
	memcpy(e->key, key, map->key_size);
	e->hash = hash;
	atomic_store_explicit(&e->ref, 0, memory_order_relaxed);
	v = elem_value(h, e);
	memset(v, 0, (size_t)h->vsize * map->ncpus);
	if (h->of_maps) {
		memcpy(v, value, sizeof(void *));
	} else if (!h->percpu) {
		uxdp_map_copy_value(map, v, value);
	} else if (onall) {
		for (uint32_t c = 0; c < map->ncpus; c++)
			uxdp_map_copy_value(map, v + c * h->vsize,
					    (const uint8_t *)value + c * h->vsize);
	} else {
		/* Other CPUs' slots start zeroed (kernel pcpu_init_value). */
		uxdp_map_copy_value(map, v + cpu * h->vsize, value);
	}
	bucket_link(h, e);
	if (h->lru)
		lru_link_head(h, e);
	if (old)
		elem_remove(h, old); /* count is decremented there */
	h->count++;
out:
	pthread_mutex_unlock(&h->lock);
	return err;
}

static long htab_delete_elem(struct uxdp_htab *h, const void *key)
{
	uint32_t hash = htab_hash(key, h->map.key_size, h->seed);
	struct htab_elem *e;
	long err = 0;

	pthread_mutex_lock(&h->lock);
	e = lookup_nulls(h, key, hash);
	if (e)
		elem_remove(h, e);
	else
		err = -ENOENT;
	pthread_mutex_unlock(&h->lock);
	return err;
}

/* --- ops --------------------------------------------------------------------------------- */

static void *htab_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e = lookup_nulls(h, key, htab_hash(key, map->key_size, h->seed));

	return e ? elem_value(h, e) : NULL;
}

static void *htab_lru_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e = lookup_nulls(h, key, htab_hash(key, map->key_size, h->seed));

	if (!e)
		return NULL;
	/* Write only when it changes: keeps hot elements' lines shared. */
	if (!atomic_load_explicit(&e->ref, memory_order_relaxed))
		atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
	return elem_value(h, e);
}

static void *htab_percpu_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e;

	if (cpu >= map->ncpus)
		return NULL;
	e = lookup_nulls(h, key, htab_hash(key, map->key_size, h->seed));
	if (!e)
		return NULL;
	if (h->lru && !atomic_load_explicit(&e->ref, memory_order_relaxed))
		atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
	return (uint8_t *)elem_value(h, e) + cpu * h->vsize;
}

static long htab_prog_update(struct uxdp_map *map, const void *key, const void *value,
			     uint64_t flags, uint32_t cpu)
{
	if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
		return -EINVAL;
	return htab_update_elem(to_htab(map), key, value, flags, false, cpu);
}

static long htab_prog_delete(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	return htab_delete_elem(to_htab(map), key);
}

static int htab_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e;
	uint8_t *v;

	/* Syscall lookups do not touch the LRU reference bit (kernel *_lookup_elem_sys). */
	e = lookup_nulls(h, key, htab_hash(key, map->key_size, h->seed));
	if (!e)
		return -ENOENT;
	v = elem_value(h, e);
	if (h->percpu)
		memcpy(value, v, (size_t)h->vsize * map->ncpus);
	else
		uxdp_map_copy_value_out(map, value, v);
	return 0;
}

static int htab_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	struct uxdp_htab *h = to_htab(map);

	/* Per-CPU values cannot hold a spin lock. */
	if (h->percpu && (flags & BPF_F_LOCK))
		return -EINVAL;
	return (int)htab_update_elem(h, key, value, flags, true, 0);
}

static int htab_delete(struct uxdp_map *map, const void *key)
{
	return (int)htab_delete_elem(to_htab(map), key);
}

static int htab_get_next_key(const struct uxdp_map *map, const void *key, void *next_key)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e = NULL;
	uint32_t i = 0;
	uintptr_t p;
	int err = -ENOENT;

	pthread_mutex_lock(&h->lock);
	if (key) {
		uint32_t hash = htab_hash(key, map->key_size, h->seed);

		e = lookup_nulls(h, key, hash);
		if (e) {
			p = atomic_load_explicit(&e->next, memory_order_acquire);
			if (!(p & 1)) {
				memcpy(next_key, ((struct htab_elem *)p)->key, map->key_size);
				err = 0;
				goto out;
			}
			i = (hash & (h->n_buckets - 1)) + 1;
		}
	}
	/* Key absent (or NULL): start over from the first bucket, as the kernel. */
	for (; i < h->n_buckets; i++) {
		p = atomic_load_explicit(&h->buckets[i], memory_order_acquire);
		if (!(p & 1)) {
			memcpy(next_key, ((struct htab_elem *)p)->key, map->key_size);
			err = 0;
			goto out;
		}
	}
out:
	pthread_mutex_unlock(&h->lock);
	return err;
}

static void htab_clear_refs(struct uxdp_map *map)
{
	struct uxdp_htab *h = to_htab(map);

	if (!h->of_maps)
		return;
	pthread_mutex_lock(&h->lock);
	for (uint32_t i = 0; i < h->n_buckets; i++) {
		uintptr_t p;

		while (!((p = atomic_load_explicit(&h->buckets[i], memory_order_relaxed)) & 1))
			elem_remove(h, (struct htab_elem *)p);
	}
	pthread_mutex_unlock(&h->lock);
}

/* --- hash of maps -------------------------------------------------------------------------- */

static struct uxdp_map *htab_of_maps_alloc(const struct uxdp_map *attr,
					   const struct uxdp_map_create_opts *opts)
{
	int err;

	if (attr->value_size != sizeof(uint32_t)) {
		errno = EINVAL;
		return NULL;
	}
	err = htab_alloc_check(attr);
	if (err) {
		errno = -err;
		return NULL;
	}
	return htab_create(attr);
}

static void *htab_of_maps_prog_lookup(struct uxdp_map *map, const void *key, uint32_t cpu)
{
	void **slot = htab_prog_lookup(map, key, cpu);

	return slot ? *slot : NULL;
}

static int htab_of_maps_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	struct uxdp_htab *h = to_htab(map);
	struct htab_elem *e = lookup_nulls(h, key, htab_hash(key, map->key_size, h->seed));
	struct uxdp_map *inner;
	uint32_t id;

	if (!e)
		return -ENOENT;
	memcpy(&inner, elem_value(h, e), sizeof(inner));
	id = inner->id;
	memcpy(value, &id, sizeof(id));
	return 0;
}

static int htab_of_maps_update(struct uxdp_map *map, const void *key, const void *value,
			       uint64_t flags)
{
	struct uxdp_map *inner;
	uint32_t id;
	long err;

	memcpy(&id, value, sizeof(id));
	inner = uxdp_map_in_map_get_inner(map, id, &err);
	if (!inner)
		return (int)err;
	err = htab_update_elem(to_htab(map), key, &inner, flags, false, 0);
	if (err)
		uxdp_map__put(inner);
	return (int)err;
}

const struct uxdp_map_ops uxdp_hash_map_ops = {
	.alloc = htab_alloc,
	.free = htab_free,
	.prog_lookup = htab_prog_lookup,
	.prog_update = htab_prog_update,
	.prog_delete = htab_prog_delete,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
};

const struct uxdp_map_ops uxdp_percpu_hash_map_ops = {
	.alloc = htab_alloc,
	.free = htab_free,
	.prog_lookup = htab_percpu_prog_lookup,
	.prog_update = htab_prog_update,
	.prog_delete = htab_prog_delete,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
};

const struct uxdp_map_ops uxdp_lru_hash_map_ops = {
	.alloc = htab_alloc,
	.free = htab_free,
	.prog_lookup = htab_lru_prog_lookup,
	.prog_update = htab_prog_update,
	.prog_delete = htab_prog_delete,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
};

const struct uxdp_map_ops uxdp_lru_percpu_hash_map_ops = {
	.alloc = htab_alloc,
	.free = htab_free,
	.prog_lookup = htab_percpu_prog_lookup,
	.prog_update = htab_prog_update,
	.prog_delete = htab_prog_delete,
	.lookup = htab_lookup,
	.update = htab_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
};

/* Programs may only look up a hash of maps (the kernel verifier allows nothing else). */
const struct uxdp_map_ops uxdp_hash_of_maps_map_ops = {
	.alloc = htab_of_maps_alloc,
	.free = htab_free,
	.prog_lookup = htab_of_maps_prog_lookup,
	.lookup = htab_of_maps_lookup,
	.update = htab_of_maps_update,
	.delete = htab_delete,
	.get_next_key = htab_get_next_key,
	.clear_refs = htab_clear_refs,
};
