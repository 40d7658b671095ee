// SPDX-License-Identifier: BSD-2-Clause
/*
 * page_pool: creation, the slow paths of allocation and free (the fast paths
 * are inline in include/uxdp/page_pool.h), bulk operations, statistics and
 * destruction with in-flight accounting.
 *
 * Accounting: every allocation is fast or slow, every free is exactly one of
 * cached (owner's cache), ring (enqueued for the owner) or ring_full
 * (released to the provider), so
 *   in_flight = alloc_fast + alloc_slow - cached - ring - ring_full
 * with ring = buffers the owner took off the ring + buffers still on it.
 * Counting ring frees on the consumer side keeps atomics off the remote path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem/mem_internal.h"
#include "util/opts.h"

#define RD(c) atomic_load_explicit(&(c), memory_order_relaxed)

/* A pool and its private part, with its ring (and a free list of free_cap slots,
 * when given); the caller sets up the memory side. NULL with errno ENOMEM. */
static struct uxdp_page_pool *pool_new(const char *name, uint32_t frame_size, uint32_t owner,
				       uint32_t free_cap)
{
	struct uxdp_page_pool *pool;
	struct uxdp_pp_priv *pp;

	pool = aligned_alloc(UXDP_CACHELINE, (sizeof(*pool) + UXDP_CACHELINE - 1) &
						     ~(size_t)(UXDP_CACHELINE - 1));
	pp = calloc(1, sizeof(*pp));
	if (!pool || !pp)
		goto err;
	memset(pool, 0, sizeof(*pool));
	pp->ring = uxdp_ring_create(UXDP_PP_RING_SIZE);
	if (!pp->ring)
		goto err;
	if (free_cap) {
		pp->free = calloc(free_cap, sizeof(*pp->free));
		if (!pp->free)
			goto err;
		pp->free_cap = free_cap;
	}
	pthread_mutex_init(&pp->lock, NULL);
	snprintf(pp->name, sizeof(pp->name), "%s", name);
	pool->frame_size = frame_size;
	pool->owner = owner;
	pool->priv = pp;
	return pool;

err:
	if (pp)
		uxdp_ring_free(pp->ring);
	free(pp);
	free(pool);
	errno = ENOMEM;
	return NULL;
}

struct uxdp_page_pool *uxdp_page_pool__create(const struct uxdp_page_pool_opts *opts)
{
	uint32_t frame_size = UXDP_OPTS_GET(opts, frame_size, 0) ?: 4096;
	enum uxdp_mem_type mem = UXDP_OPTS_GET(opts, mem, UXDP_MEM_ANON);
	const char *name = UXDP_OPTS_GET(opts, name, NULL);
	struct uxdp_page_pool *pool;
	struct uxdp_pp_priv *pp;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	if (frame_size != 1024 && frame_size != 2048 && frame_size != 4096) {
		uxdp_pr(UXDP_WARN, "page_pool: frame size %u is not 1024, 2048 or 4096\n",
			frame_size);
		errno = EINVAL;
		return NULL;
	}
	if (mem > UXDP_MEM_REGION) {
		uxdp_pr(UXDP_WARN, "page_pool: unknown memory type %d\n", (int)mem);
		errno = EINVAL;
		return NULL;
	}
	if (mem == UXDP_MEM_REGION) {
		void *region = UXDP_OPTS_GET(opts, region, NULL);
		size_t size = UXDP_OPTS_GET(opts, region_size, 0);

		if (!region || size < frame_size || ((uintptr_t)region & (frame_size - 1))) {
			uxdp_pr(UXDP_WARN,
				"page_pool: region %p of %zu bytes cannot hold an aligned %u-byte "
				"buffer\n",
				region, size, frame_size);
			errno = EINVAL;
			return NULL;
		}
	}

	pool = pool_new(name ? name : "pool", frame_size,
			UXDP_OPTS_HAS(opts, owner) ? opts->owner : 0, 0);
	if (!pool)
		return NULL;
	pp = pool->priv;
	pp->mem = mem;
	pp->ops = mem == UXDP_MEM_HUGEPAGE ? &uxdp_mem_hugepage_ops
		  : mem == UXDP_MEM_REGION ? &uxdp_mem_region_ops
					   : &uxdp_mem_anon_ops;
	pp->max_frames = UXDP_OPTS_GET(opts, max_frames, 0);
	if (mem == UXDP_MEM_REGION) {
		pp->region = UXDP_OPTS_GET(opts, region, NULL);
		pp->region_size = UXDP_OPTS_GET(opts, region_size, 0) & ~(size_t)(frame_size - 1);
		pp->region_iova = UXDP_OPTS_GET(opts, region_iova, 0);
	}
	return pool;
}

struct uxdp_page_pool *uxdp_page_pool_create_external(const char *name, uint32_t frame_size,
						      uint32_t owner, uint32_t nr_frames,
						      uint32_t (*refill)(void *cookie,
									 struct uxdp_frame **out,
									 uint32_t n),
						      void *cookie)
{
	struct uxdp_page_pool *pool = pool_new(name ? name : "external", frame_size, owner,
					       nr_frames ? nr_frames : 1);
	struct uxdp_pp_priv *pp;

	if (!pool)
		return NULL;
	pp = pool->priv;
	pp->mem = UXDP_MEM_REGION;
	pp->ops = &uxdp_mem_region_ops; /* never asked to map: region_size stays 0 */
	pp->max_frames = nr_frames;
	pp->ext_refill = refill;
	pp->ext_cookie = cookie;
	atomic_store_explicit(&pp->frames_total, nr_frames, memory_order_relaxed);
	return pool;
}

void uxdp_page_pool_lent(struct uxdp_page_pool *pool, uint32_t n)
{
	uxdp_pp_stat_add(&pool->priv->lent, n); /* the owner's counter */
}

void uxdp_page_pool_adopted(struct uxdp_page_pool *pool, uint32_t n)
{
	atomic_fetch_add_explicit(&pool->priv->taken, n, memory_order_relaxed);
}

uint32_t uxdp_page_pool_take_returned(struct uxdp_page_pool *pool, struct uxdp_frame **out,
				      uint32_t n)
{
	struct uxdp_pp_priv *pp = pool->priv;
	uint32_t got = pool->cache_cnt < n ? pool->cache_cnt : n, ring, more;

	/* Frees on the owner's thread went to its cache (counted there). */
	pool->cache_cnt -= got;
	memcpy(out, pool->cache + pool->cache_cnt, got * sizeof(*out));
	ring = uxdp_ring_dequeue_burst(pp->ring, (void **)out + got, n - got);
	uxdp_pp_stat_add(&pool->st.ring_in, ring);
	got += ring;
	if (got < n && atomic_load_explicit(&pp->ring_full, memory_order_relaxed)) {
		pthread_mutex_lock(&pp->lock);
		more = pp->free_cnt < n - got ? pp->free_cnt : n - got;
		pp->free_cnt -= more;
		memcpy(out + got, pp->free + pp->free_cnt, more * sizeof(*out));
		pthread_mutex_unlock(&pp->lock);
		got += more; /* already counted as returned (ring_full) when freed */
	}
	return got;
}

void uxdp_page_pool__set_owner(struct uxdp_page_pool *pool, uint32_t owner)
{
	pool->owner = owner;
}

const char *uxdp_page_pool__name(const struct uxdp_page_pool *pool)
{
	return pool->priv->name;
}

enum uxdp_mem_type uxdp_page_pool__mem_type(const struct uxdp_page_pool *pool)
{
	return pool->priv->mem;
}

/* Map one more chunk and put its buffers on the provider's free list (lock held). */
static int provider_grow(struct uxdp_page_pool *pool, struct uxdp_pp_priv *pp)
{
	uint64_t total = atomic_load_explicit(&pp->frames_total, memory_order_relaxed);
	struct uxdp_mem_chunk *c;
	size_t want = UXDP_MEM_CHUNK;
	uint32_t n, i;
	int err;

	if (pp->max_frames) {
		if (total >= pp->max_frames)
			return -ENOMEM;
		if ((uint64_t)(pp->max_frames - total) * pool->frame_size < want)
			want = (size_t)(pp->max_frames - total) * pool->frame_size;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = pp->ops->map(pp, want, c);
	if (err)
		goto err_free;
	c->ops = pp->ops;
	n = (uint32_t)(c->len / pool->frame_size);
	if (pp->max_frames && n > pp->max_frames - total)
		n = (uint32_t)(pp->max_frames - total);
	err = -ENOMEM;
	c->descs = aligned_alloc(64, (size_t)n * sizeof(struct uxdp_frame));
	if (!c->descs)
		goto err_unmap;
	if (pp->free_cap < total + n) {
		struct uxdp_frame **nf = realloc(pp->free, (total + n) * sizeof(*nf));

		if (!nf)
			goto err_free_descs;
		pp->free = nf;
		pp->free_cap = (uint32_t)(total + n);
	}
	memset(c->descs, 0, (size_t)n * sizeof(struct uxdp_frame));
	c->nr_frames = n;
	/* Hand out low addresses first: pop order is the reverse of push order. */
	for (i = n; i-- > 0;) {
		struct uxdp_frame *f = &c->descs[i];

		f->buf = (uint8_t *)c->base + (size_t)i * pool->frame_size;
		f->iova = c->iova + (uint64_t)i * pool->frame_size;
		f->pool = pool;
		f->buf_sz = pool->frame_size;
		pp->free[pp->free_cnt++] = f;
	}
	c->next = pp->chunks;
	pp->chunks = c;
	atomic_store_explicit(&pp->frames_total, total + n, memory_order_relaxed);
	return 0;

err_free_descs:
	free(c->descs);
err_unmap:
	c->ops->unmap(pp, c);
err_free:
	free(c);
	return err;
}

/* Slow path: refill the cache from the ring, else from the provider. */
struct uxdp_frame *uxdp_page_pool__alloc_slow(struct uxdp_page_pool *pool)
{
	struct uxdp_pp_priv *pp = pool->priv;
	struct uxdp_frame *f;
	uint32_t got;

	got = uxdp_ring_dequeue_burst(pp->ring, (void **)pool->cache, UXDP_PP_REFILL);
	if (got) {
		uxdp_pp_stat_add(&pool->st.alloc_refill, got);
		uxdp_pp_stat_add(&pool->st.ring_in, got);
	} else {
		uxdp_pp_stat_add(&pool->st.alloc_empty, 1);
		pthread_mutex_lock(&pp->lock);
		if (!pp->free_cnt && pp->ext_refill) {
			pthread_mutex_unlock(&pp->lock);
			got = pp->ext_refill(pp->ext_cookie, pool->cache, UXDP_PP_REFILL);
			uxdp_pp_stat_add(&pool->st.alloc_provider, got);
			if (!got) {
				uxdp_pp_stat_add(&pool->st.alloc_fail, 1);
				return NULL;
			}
			goto got_them;
		}
		if (!pp->free_cnt)
			provider_grow(pool, pp);
		got = pp->free_cnt < UXDP_PP_REFILL ? pp->free_cnt : UXDP_PP_REFILL;
		pp->free_cnt -= got;
		if (got)
			memcpy(pool->cache, pp->free + pp->free_cnt, got * sizeof(*pool->cache));
		pthread_mutex_unlock(&pp->lock);
		uxdp_pp_stat_add(&pool->st.alloc_provider, got);
		if (!got) {
			uxdp_pp_stat_add(&pool->st.alloc_fail, 1);
			return NULL;
		}
	}
got_them:
	pool->cache_cnt = got - 1;
	uxdp_pp_stat_add(&pool->st.alloc_slow, 1);
	f = pool->cache[got - 1];
	f->data_off = UXDP_FRAME_HEADROOM;
	f->len = 0;
	f->meta_len = 0;
	return f;
}

/*
 * An external pool's slow path for a burst: what the ring holds, else
 * straight from the external source, into frames without passing through
 * the cache. -1 when the provider's free list has buffers (alloc_slow()
 * takes those).
 */
static int alloc_external_burst(struct uxdp_page_pool *pool, struct uxdp_frame **frames,
				uint32_t n)
{
	struct uxdp_pp_priv *pp = pool->priv;
	uint32_t got = uxdp_ring_dequeue_burst(pp->ring, (void **)frames, n), i;

	if (got) {
		for (i = 0; i < got; i++) {
			frames[i]->data_off = UXDP_FRAME_HEADROOM;
			frames[i]->len = 0;
			frames[i]->meta_len = 0;
		}
		uxdp_pp_stat_add(&pool->st.alloc_refill, got);
		uxdp_pp_stat_add(&pool->st.ring_in, got);
	} else {
		uxdp_pp_stat_add(&pool->st.alloc_empty, 1);
		pthread_mutex_lock(&pp->lock);
		i = pp->free_cnt;
		pthread_mutex_unlock(&pp->lock);
		if (i)
			return -1;
		got = pp->ext_refill(pp->ext_cookie, frames, n); /* set up by the source */
		uxdp_pp_stat_add(&pool->st.alloc_provider, got);
		if (!got)
			uxdp_pp_stat_add(&pool->st.alloc_fail, 1);
	}
	uxdp_pp_stat_add(&pool->st.alloc_slow, got); /* each served after a refill */
	return (int)got;
}

uint32_t uxdp_page_pool__alloc_burst(struct uxdp_page_pool *pool, struct uxdp_frame **frames,
				     uint32_t n)
{
	uint32_t done = 0, take, i;

	while (done < n) {
		if (!pool->cache_cnt && pool->priv->ext_refill) {
			int got = alloc_external_burst(pool, frames + done, n - done);

			if (got == 0)
				break;
			if (got > 0) {
				done += (uint32_t)got;
				continue;
			}
		}
		if (!pool->cache_cnt) {
			struct uxdp_frame *f = uxdp_page_pool__alloc_slow(pool);

			if (!f)
				break;
			frames[done++] = f;
			continue;
		}
		take = n - done < pool->cache_cnt ? n - done : pool->cache_cnt;
		{
			/* The cache top in a local: the frame stores could alias it. */
			struct uxdp_frame **top = pool->cache + pool->cache_cnt;

			pool->cache_cnt -= take;
			for (i = 0; i < take; i++) {
				struct uxdp_frame *f = *--top;

				f->data_off = UXDP_FRAME_HEADROOM;
				f->len = 0;
				f->meta_len = 0;
				frames[done + i] = f;
			}
			done += take;
		}
		uxdp_pp_stat_add(&pool->st.alloc_fast, take);
	}
	return done;
}

/* Give buffers back to the provider (any thread). */
static void provider_release(struct uxdp_pp_priv *pp, struct uxdp_frame *const *frames,
			     uint32_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&pp->lock);
	memcpy(pp->free + pp->free_cnt, frames, n * sizeof(*frames));
	pp->free_cnt += n;
	pthread_mutex_unlock(&pp->lock);
	atomic_fetch_add_explicit(&pp->released, n, memory_order_relaxed);
}

void uxdp_page_pool__put_slow(struct uxdp_page_pool *pool, struct uxdp_frame *f, bool direct)
{
	struct uxdp_pp_priv *pp = pool->priv;

	if (direct)
		uxdp_pp_stat_add(&pool->st.recycle_cache_full, 1);
	if (uxdp_ring_enqueue(pp->ring, f))
		return;
	atomic_fetch_add_explicit(&pp->ring_full, 1, memory_order_relaxed);
	provider_release(pp, &f, 1);
}

void uxdp_page_pool__put_bulk(struct uxdp_page_pool *pool, struct uxdp_frame **frames, uint32_t n,
			      bool direct)
{
	struct uxdp_pp_priv *pp = pool->priv;
	uint32_t room, done = 0;

	if (direct) {
		room = UXDP_PP_CACHE_SIZE - pool->cache_cnt;
		done = n < room ? n : room;
		memcpy(pool->cache + pool->cache_cnt, frames, done * sizeof(*frames));
		pool->cache_cnt += done;
		uxdp_pp_stat_add(&pool->st.recycle_cached, done);
		if (done == n)
			return;
		uxdp_pp_stat_add(&pool->st.recycle_cache_full, n - done);
	}
	done += uxdp_ring_enqueue_burst(pp->ring, (void *const *)frames + done, n - done);
	if (done == n)
		return;
	atomic_fetch_add_explicit(&pp->ring_full, n - done, memory_order_relaxed);
	provider_release(pp, frames + done, n - done);
}

void uxdp_frame__free_bulk(struct uxdp_frame **frames, uint32_t n, uint32_t worker)
{
	uint32_t i = 0, j;

	while (i < n) {
		struct uxdp_page_pool *pool = frames[i]->pool;

		for (j = i + 1; j < n && frames[j]->pool == pool; j++)
			;
		uxdp_page_pool__put_bulk(pool, frames + i, j - i, pool->owner == worker);
		i = j;
	}
}

void uxdp_page_pool__get_stats(const struct uxdp_page_pool *pool,
			       struct uxdp_page_pool_stats *s)
{
	const struct uxdp_pp_priv *pp = pool->priv;

	memset(s, 0, sizeof(*s));
	s->alloc_fast = RD(pool->st.alloc_fast);
	s->alloc_slow = RD(pool->st.alloc_slow);
	s->alloc_empty = RD(pool->st.alloc_empty);
	s->alloc_refill = RD(pool->st.alloc_refill);
	s->alloc_provider = RD(pool->st.alloc_provider);
	s->alloc_fail = RD(pool->st.alloc_fail);
	s->recycle_cached = RD(pool->st.recycle_cached);
	s->recycle_cache_full = RD(pool->st.recycle_cache_full);
	s->recycle_ring = RD(pool->st.ring_in) + uxdp_ring_count(pp->ring);
	s->recycle_ring_full = RD(pp->ring_full);
	s->recycle_released = RD(pp->released);
	s->frames_total = RD(pp->frames_total);
	s->recycle_released += RD(pp->lent);
	s->in_flight = s->alloc_fast + s->alloc_slow + RD(pp->taken) - s->recycle_cached -
		       s->recycle_ring - s->recycle_ring_full - RD(pp->lent);
}

uint64_t uxdp_page_pool__inflight(const struct uxdp_page_pool *pool)
{
	struct uxdp_page_pool_stats s;

	uxdp_page_pool__get_stats(pool, &s);
	return s.in_flight;
}

/* Move everything the pool holds (ring and cache) back to the provider. */
static void pool_drain(struct uxdp_page_pool *pool)
{
	struct uxdp_pp_priv *pp = pool->priv;
	struct uxdp_frame *tmp[UXDP_PP_REFILL];
	uint32_t got;

	while ((got = uxdp_ring_dequeue_burst(pp->ring, (void **)tmp, UXDP_PP_REFILL))) {
		uxdp_pp_stat_add(&pool->st.ring_in, got);
		pthread_mutex_lock(&pp->lock);
		memcpy(pp->free + pp->free_cnt, tmp, got * sizeof(*tmp));
		pp->free_cnt += got;
		pthread_mutex_unlock(&pp->lock);
	}
	if (!pool->cache_cnt)
		return;
	pthread_mutex_lock(&pp->lock);
	memcpy(pp->free + pp->free_cnt, pool->cache, pool->cache_cnt * sizeof(*pool->cache));
	pp->free_cnt += pool->cache_cnt;
	pool->cache_cnt = 0;
	pthread_mutex_unlock(&pp->lock);
}

int uxdp_page_pool__destroy(struct uxdp_page_pool *pool, unsigned int timeout_ms)
{
	struct uxdp_pp_priv *pp;
	struct timespec ms = {0, 1000000};
	uint64_t inflight;
	unsigned int waited = 0;

	if (!pool)
		return 0;
	pp = pool->priv;
	for (;;) {
		pool_drain(pool);
		inflight = uxdp_page_pool__inflight(pool);
		if (!inflight)
			break;
		if (waited >= timeout_ms) {
			uxdp_pr(UXDP_WARN,
				"page_pool %s: %llu buffers still in flight after %u ms; "
				"memory kept\n",
				pp->name, (unsigned long long)inflight, timeout_ms);
			return -EBUSY;
		}
		nanosleep(&ms, NULL);
		waited++;
	}
	while (pp->chunks) {
		struct uxdp_mem_chunk *c = pp->chunks;

		pp->chunks = c->next;
		c->ops->unmap(pp, c);
		free(c->descs);
		free(c);
	}
	free(pp->free);
	uxdp_ring_free(pp->ring);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
	free(pool);
	return 0;
}
