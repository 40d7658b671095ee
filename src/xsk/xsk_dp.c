// SPDX-License-Identifier: BSD-2-Clause
/*
 * The worker side of application sockets: frames an XDP program redirects to
 * an xskmap entry go into the socket's RX ring (zero-copy: the frame already
 * is a chunk of the socket's UMEM, so only the descriptor moves; copy: the
 * packet is copied into a chunk taken from the fill ring), RX producers are
 * published once per poll (the kernel's xsk_flush), TX rings are served with
 * the kernel's batch of 64 onto the port's TX queue of this worker,
 * completions are posted when the port is done with a frame, and sleeping
 * applications get their poll() wake-up.
 *
 * Everything the application wrote is read once into local variables and
 * checked before use (index ranges, chunk bounds, chunk ownership); a bad
 * entry is counted and skipped, never trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dp/dp_internal.h"
#include "map/map_internal.h"
#include "mem/mem_internal.h"
#include "xsk/xsk_internal.h"

#define XSK_WORKER_MAX 256

struct dp_xsk_worker {
	uint32_t n;
	struct uxdp_xsk_srv *socks[XSK_WORKER_MAX];
};

/* Ask for a line the worker writes soon, exclusively (a read prefetch would
 * leave the application's copy in place; the store would still wait for it
 * to be invalidated). A hint only: no fault, no effect on what is written. */
static inline void prefetch_for_write(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/* --- rings ------------------------------------------------------------------------------- */

/* Entries ready to consume (at most want; the application's producer is clamped). */
static inline uint32_t ring_cons_avail(struct xsk_ring *r, uint32_t want)
{
	uint32_t n = r->other - r->own;

	if (n < want) {
		/* Acquire: the entries are written before the producer that publishes them. */
		r->other = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		n = r->other - r->own;
		if (n > r->size)
			n = r->size; /* a producer out of range: read at most one ring */
	}
	return n < want ? n : want;
}

static inline void ring_cons_release(struct xsk_ring *r, uint32_t n)
{
	r->own += n;
	/* Release: we are done reading the entries before the application reuses them. */
	__atomic_store_n(r->consumer, r->own, __ATOMIC_RELEASE);
}

/* Free slots to produce into (0 when the application's consumer is out of range). */
static inline uint32_t ring_prod_free(struct xsk_ring *r, uint32_t want)
{
	uint32_t used = r->own - r->other;
	uint32_t n = used > r->size ? 0 : r->size - used;

	if (n < want) {
		r->other = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
		used = r->own - r->other;
		n = used > r->size ? 0 : r->size - used;
	}
	return n;
}

static inline void ring_prod_publish(struct xsk_ring *r)
{
	__atomic_store_n(r->producer, r->own, __ATOMIC_RELEASE);
}

static inline uint64_t ring_addr(const struct xsk_ring *r, uint32_t i)
{
	return __atomic_load_n(&((uint64_t *)r->entries)[i & r->mask], __ATOMIC_RELAXED);
}

static inline void ring_put_addr(struct xsk_ring *r, uint64_t addr)
{
	((uint64_t *)r->entries)[r->own++ & r->mask] = addr;
}

/* --- fill ring ------------------------------------------------------------------------- */

/* Unaligned mode: the address an application's address names (base in the
 * low 48 bits, plus the offset in the top 16), as the kernel adds them. */
static inline uint64_t unaligned_addr(uint64_t a)
{
	return (a & XSK_UNALIGNED_BUF_ADDR_MASK) + (a >> XSK_UNALIGNED_BUF_OFFSET_SHIFT);
}

/*
 * Where the chunk a fill entry names starts, or -1 when it names none: aligned,
 * any address inside a chunk names that chunk; unaligned, the chunk starts at
 * the (offset-added) address and must lie whole inside the UMEM.
 */
static inline int64_t fill_chunk_start(const struct xsk_umem *u, uint64_t entry)
{
	if (u->unaligned) {
		uint64_t start = unaligned_addr(entry);

		return start < u->size && u->size - start >= u->chunk ? (int64_t)start : -1;
	}
	return (entry >> u->chunk_shift) < u->nchunks
		       ? (int64_t)((entry >> u->chunk_shift) << u->chunk_shift)
		       : -1;
}

uint32_t uxdp_xsk_fill_refill(void *cookie, struct uxdp_frame **out, uint32_t n)
{
	struct xsk_pool *xp = cookie;
	uint32_t avail = ring_cons_avail(&xp->fq, n), got = 0, bad = 0;
	const uint64_t *fill = xp->fq.entries, nchunks = xp->umem->nchunks;
	const uint32_t mask = xp->fq.mask, shift = xp->umem->chunk_shift, cons = xp->fq.own;
	struct uxdp_frame *descs = xp->rx_descs;
	uint8_t *state = xp->state;

	if (!avail) {
		xsk_stat_add(&xp->fill_empty, 1);
		return 0;
	}
	for (uint32_t i = 0; i < avail; i++) {
		/* Read once: the application may change the entry under us. */
		uint64_t idx = __atomic_load_n(&fill[(cons + i) & mask], __ATOMIC_RELAXED) >> shift;

		/* Aligned mode: any address inside a chunk names that chunk (the
		 * kernel masks too). A chunk we already hold (given twice) is
		 * refused: the pool never has two descriptors in use for one chunk. */
		if (__builtin_expect(idx >= nchunks || state[idx] != XSK_CHUNK_APP, 0)) {
			bad++;
			continue;
		}
		struct uxdp_frame *f = &descs[idx];

		state[idx] = XSK_CHUNK_POOL;
		f->data_off = UXDP_FRAME_HEADROOM; /* as an allocation leaves it */
		f->len = 0;
		f->meta_len = 0;
		f->flags = 0; /* the application may have written it: no backend may trust it */
		out[got++] = f;
	}
	ring_cons_release(&xp->fq, avail);
	if (bad)
		xsk_stat_add(&xp->fill_invalid, bad);
	return got;
}

/*
 * Unaligned chunks: a fill entry names a chunk anywhere in the UMEM (checked
 * whole inside it), which gets a free descriptor. The same chunk given twice
 * gets two: as in the kernel, overlapping chunks only mix up the
 * application's own memory. With no descriptor free, the rest waits.
 */
uint32_t uxdp_xsk_fill_refill_unaligned(void *cookie, struct uxdp_frame **out, uint32_t n)
{
	struct xsk_pool *xp = cookie;
	const struct xsk_umem *u = xp->umem;
	uint32_t avail = ring_cons_avail(&xp->fq, n), got = 0, bad = 0, i;

	if (!avail) {
		xsk_stat_add(&xp->fill_empty, 1);
		return 0;
	}
	for (i = 0; i < avail && xp->rx_nfree; i++) {
		int64_t start = fill_chunk_start(u, ring_addr(&xp->fq, xp->fq.own + i));
		struct uxdp_frame *f;

		if (start < 0) {
			bad++;
			continue;
		}
		f = &xp->rx_descs[xp->rx_free[--xp->rx_nfree]];
		f->buf = u->base + start + u->headroom;
		f->iova = (uint64_t)start + u->headroom;
		f->data_off = UXDP_FRAME_HEADROOM; /* as an allocation leaves it */
		f->len = 0;
		f->meta_len = 0;
		f->flags = 0;
		out[got++] = f;
	}
	if (i)
		ring_cons_release(&xp->fq, i);
	if (bad)
		xsk_stat_add(&xp->fill_invalid, bad);
	return got;
}

/* --- RX ---------------------------------------------------------------------------------- */

static void rx_fail(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame *f,
		    _Atomic uint64_t *why)
{
	if (why)
		xsk_stat_add(why, 1);
	if (st)
		dp_stat_add(&st->redirect_err, 1);
	uxdp_frame__free(f, w->idx);
}

/* Copy mode: f into a chunk from the fill ring, at the kernel's offsets, and
 * its descriptor at d; false if it was dropped (counted, freed). */
static bool rx_copy(struct dp_worker *w, struct dp_qstats *st, struct uxdp_xsk_srv *xs,
		    struct uxdp_frame *f, struct xdp_desc *d)
{
	struct xsk_pool *xp = xs->xp;
	struct xsk_umem *u = xp->umem;
	uint32_t room = u->chunk - u->headroom - UXDP_FRAME_HEADROOM;
	uint64_t addr;
	int64_t start;

	if ((uint64_t)f->len + f->meta_len > room) {
		rx_fail(w, st, f, &xs->rx_dropped); /* the kernel: -ENOSPC */
		return false;
	}
	if (!ring_cons_avail(&xp->fq, 1)) {
		xsk_stat_add(&xp->fill_empty, 1);
		rx_fail(w, st, f, &xs->rx_dropped);
		return false;
	}
	start = fill_chunk_start(u, ring_addr(&xp->fq, xp->fq.own));
	ring_cons_release(&xp->fq, 1);
	if (start < 0 || (xp->zc && !u->unaligned &&
			  xp->state[(uint64_t)start >> u->chunk_shift] != XSK_CHUNK_APP)) {
		xsk_stat_add(&xp->fill_invalid, 1);
		rx_fail(w, st, f, &xs->rx_dropped);
		return false;
	}
	addr = (uint64_t)start + u->headroom + UXDP_FRAME_HEADROOM;
	memcpy(u->base + addr - f->meta_len, f->buf + f->data_off - f->meta_len,
	       (size_t)f->meta_len + f->len);
	/* Unaligned: the chunk's address, and the data's offset in it on top
	 * (the kernel's xp_get_handle()). */
	d->addr = u->unaligned ? (uint64_t)start | ((uint64_t)(u->headroom + UXDP_FRAME_HEADROOM)
						    << XSK_UNALIGNED_BUF_OFFSET_SHIFT)
			       : addr;
	d->len = f->len;
	d->options = 0;
	uxdp_frame__free(f, w->idx);
	return true;
}

/*
 * Frames an XDP program sent to the socket at xskmap[key]. Zero-copy frames
 * (chunks of this UMEM from the socket's own pool) only need their
 * descriptor written; everything else is copied. Ring position and the
 * socket's fields are kept in locals: the descriptor stores could alias them.
 */
void uxdp_xsk_dp_rx_bulk(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame **frames,
			 uint16_t n, struct uxdp_map *map, uint32_t key)
{
	struct uxdp_xskmap_entry *e = uxdp_xskmap_entry(map, key);
	struct uxdp_xsk_srv *xs = e ? uxdp_xsk_lookup(e->sock_id) : NULL;
	uint64_t bytes = 0;
	uint32_t room, done = 0, lent = 0;
	uint16_t i = 0;

	if (!n)
		return;
	/* The kernel's rule: a socket receives only from the queue it is bound
	 * to. The frames are one burst of one queue: the first tells for all. */
	if (!xs || !xs->active || xs->worker != w->idx || !xs->rx.size ||
	    frames[0]->ingress_ifindex != xs->ifindex || frames[0]->rx_queue != xs->qid) {
		bool ours = xs && xs->active && xs->worker == w->idx && xs->rx.size &&
			    frames[0]->ingress_ifindex == xs->ifindex &&
			    frames[0]->rx_queue == xs->qid;

		for (; i < n; i++)
			rx_fail(w, st, frames[i], ours ? &xs->rx_dropped : NULL);
		return;
	}
	room = ring_prod_free(&xs->rx, n);

	struct xsk_pool *xp = xs->xp;
	const struct uxdp_page_pool *zc_pool = xp->rx_pool;
	const uint8_t *base = xp->umem->base;
	const uint32_t shift = xp->umem->chunk_shift;
	const uint32_t headroom = xp->umem->headroom;
	const bool unaligned = xp->umem->unaligned;
	uint8_t *state = xp->state;
	struct xdp_desc *ring = xs->rx.entries;
	const uint32_t mask = xs->rx.mask;
	uint32_t prod = xs->rx.own;

	/* The common case first: aligned chunks, room for all, and every frame a
	 * chunk of this UMEM. The loop below takes over at the first frame that
	 * is not. */
	if (!unaligned && room >= n) {
		/* A frame of the zero-copy pool is rx_descs[chunk], and its iova is
		 * its buffer's offset in the UMEM: no shift, no base (registers). */
		const struct uxdp_frame *descs = xp->rx_descs;

		for (; i < n; i++) {
			struct uxdp_frame *f = frames[i];
			uint32_t len = f->len;
			struct xdp_desc *d;

			if (__builtin_expect(f->pool != zc_pool, 0))
				break;
			state[f - descs] = XSK_CHUNK_APP;
			d = &ring[prod++ & mask];
			d->addr = f->iova + f->data_off;
			d->len = len;
			d->options = 0;
			bytes += len;
		}
		room -= i;
		done = lent = i;
	}
	for (; i < n; i++) {
		struct uxdp_frame *f = frames[i];
		uint32_t len = f->len;
		struct xdp_desc *d;

		if (__builtin_expect(!room, 0)) {
			rx_fail(w, st, f, &xs->rx_ring_full);
			continue;
		}
		d = &ring[prod & mask];
		if (__builtin_expect(f->pool == zc_pool, 1)) {
			/* Zero-copy: the frame is a chunk of this UMEM; hand it over. */
			uint64_t off = (uint64_t)(f->buf - base);

			if (__builtin_expect(!unaligned, 1)) {
				state[off >> shift] = XSK_CHUNK_APP;
				d->addr = off + f->data_off;
			} else {
				/* the chunk's address, the data's offset in it on top */
				d->addr = (off - headroom) |
					  ((uint64_t)(headroom + f->data_off)
					   << XSK_UNALIGNED_BUF_OFFSET_SHIFT);
				xp->rx_free[xp->rx_nfree++] = (uint32_t)(f - xp->rx_descs);
			}
			d->len = len;
			d->options = 0;
			lent++;
		} else if (!rx_copy(w, st, xs, f, d)) {
			continue;
		}
		prod++;
		room--;
		done++;
		bytes += len;
	}
	xs->rx.own = prod;
	/* The descriptor lines the next burst goes to were last read by the
	 * application on its core: start taking them back now, so that burst's
	 * stores do not each wait for a cross-core invalidation (the worker's
	 * cycles per packet in rxdrop fell by ~18% in alternating runs). */
	for (uint32_t k = 0; k < n; k += 4)
		prefetch_for_write(&ring[(prod + k) & mask]);
	if (lent)
		uxdp_page_pool_lent(xp->rx_pool, lent); /* zero-copy frames left the pool */
	if (!done)
		return;
	xs->rx_dirty = true;
	xsk_stat_add(&xs->rx_packets, done);
	xsk_stat_add(&xs->rx_bytes, bytes);
	if (st)
		dp_stat_add(&st->xsk, done);
}

void uxdp_xsk_dp_rx(struct dp_worker *w, struct dp_qstats *st, struct uxdp_frame *f,
		    struct uxdp_map *map, uint32_t key)
{
	uxdp_xsk_dp_rx_bulk(w, st, &f, 1, map, key);
}

/* --- TX and completions ------------------------------------------------------------------ */

/* Zero-copy: frames the port is done with come back through the tx_pool. */
static void zc_complete(struct xsk_pool *xp)
{
	struct uxdp_frame *done[64];
	uint32_t n;

	while (xp->cq_reserved &&
	       (n = uxdp_page_pool_take_returned(xp->tx_pool, done, 64)) > 0) {
		const struct uxdp_frame *descs = xp->tx_descs;
		const uint64_t *tx_addr = xp->tx_addr;
		uint64_t *comp = xp->cq.entries;
		const uint32_t mask = xp->cq.mask;
		uint32_t prod = xp->cq.own;
		uint8_t *state = xp->state;

		for (uint32_t i = 0; i < n; i++) {
			/* Aligned: descriptor i describes chunk i, no need to read it. */
			uint64_t idx = (uint64_t)(done[i] - descs);

			if (__builtin_expect(state != NULL, 1))
				state[idx] = XSK_CHUNK_APP;
			else
				xp->tx_free[xp->tx_nfree++] = (uint32_t)idx;
			comp[prod++ & mask] = tx_addr[idx];
		}
		xp->cq.own = prod;
		xp->cq_reserved -= n;
		ring_prod_publish(&xp->cq);
	}
}

/* A TX descriptor: no options, 1..max bytes; aligned, inside one chunk;
 * unaligned, inside the UMEM (the kernel's xp_unaligned_validate_desc()). */
static inline bool tx_desc_ok(const struct xsk_umem *u, const struct xdp_desc *d, uint32_t max)
{
	uint64_t in_chunk, start;

	if (d->options || !d->len || d->len > max)
		return false;
	if (u->unaligned) {
		start = unaligned_addr(d->addr);
		return start < u->size && u->size - start >= d->len;
	}
	in_chunk = d->addr & (u->chunk - 1);
	return (d->addr >> u->chunk_shift) < u->nchunks && in_chunk + d->len <= u->chunk;
}

/* The byte a valid TX descriptor's data starts at. */
static inline uint64_t tx_data_addr(const struct xsk_umem *u, uint64_t addr)
{
	return u->unaligned ? unaligned_addr(addr) : addr;
}

/* Fill in what a TX frame needs besides its data. */
static inline void tx_frame_init(struct uxdp_frame *f, uint32_t len, uint32_t ifindex,
				 uint16_t qid)
{
	f->len = len;
	f->ingress_ifindex = ifindex;
	f->rx_queue = qid;
	f->rss_hash = 0;
}

/*
 * Zero-copy: the n descriptors at the TX ring's consumer, each read once and
 * checked (inside the UMEM, inside one chunk, a chunk the application holds),
 * become frames over their chunks; bad ones are skipped. Returns the frames,
 * with each one's ring position (didx) and address.
 */
static uint32_t tx_take_zc(struct uxdp_xsk_srv *xs, struct uxdp_frame **frames, uint32_t *didx,
			   uint64_t *addrs, uint32_t n)
{
	struct xsk_pool *xp = xs->xp;
	const struct xsk_umem *u = xp->umem;
	const struct xdp_desc *ring = xs->tx.entries;
	const uint32_t mask = xs->tx.mask, cons = xs->tx.own, shift = u->chunk_shift;
	const uint64_t chunk = u->chunk, nchunks = u->nchunks;
	const uint32_t ifindex = xs->ifindex;
	const uint16_t qid = xs->qid;
	uint8_t *state = xp->state;
	uint64_t *tx_addr = xp->tx_addr;
	struct uxdp_frame *descs = xp->tx_descs;
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct xdp_desc d;
		struct uxdp_frame *f;
		uint64_t idx;

		memcpy(&d, &ring[(cons + i) & mask], sizeof(d));
		idx = d.addr >> shift;
		/* tx_desc_ok() with the UMEM's geometry in registers */
		if (__builtin_expect(d.options || !d.len || idx >= nchunks ||
					     (d.addr & (chunk - 1)) + d.len > chunk ||
					     state[idx] != XSK_CHUNK_APP,
				     0))
			continue;
		state[idx] = XSK_CHUNK_TX;
		tx_addr[idx] = d.addr;
		f = &descs[idx];
		f->data_off = (uint16_t)(d.addr & (chunk - 1));
		f->meta_len = 0;
		f->flags = 0;
		f->priv = NULL;
		tx_frame_init(f, d.len, ifindex, qid);
		frames[m] = f;
		didx[m] = i;
		addrs[m] = d.addr;
		m++;
	}
	return m;
}

/* Zero-copy with unaligned chunks: as tx_take_zc(), each valid descriptor's
 * data (base + offset, inside the UMEM) described by a free TX descriptor;
 * when none is free, *n shrinks to the descriptors looked at. */
static uint32_t tx_take_zc_unaligned(struct uxdp_xsk_srv *xs, struct uxdp_frame **frames,
				     uint32_t *didx, uint64_t *addrs, uint32_t *n)
{
	struct xsk_pool *xp = xs->xp;
	const struct xsk_umem *u = xp->umem;
	const struct xdp_desc *ring = xs->tx.entries;
	uint32_t m = 0;

	for (uint32_t i = 0; i < *n; i++) {
		struct xdp_desc d;
		struct uxdp_frame *f;
		uint32_t k;

		memcpy(&d, &ring[(xs->tx.own + i) & xs->tx.mask], sizeof(d));
		if (!tx_desc_ok(u, &d, u->chunk))
			continue;
		if (!xp->tx_nfree) {
			*n = i; /* try the rest next round */
			break;
		}
		k = xp->tx_free[--xp->tx_nfree];
		f = &xp->tx_descs[k];
		xp->tx_addr[k] = d.addr;
		/* the buffer starts at the base address, the data at its offset */
		f->buf = u->base + (d.addr & XSK_UNALIGNED_BUF_ADDR_MASK);
		f->iova = d.addr & XSK_UNALIGNED_BUF_ADDR_MASK;
		f->data_off = (uint16_t)(d.addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT);
		f->buf_sz = (uint32_t)f->data_off + d.len;
		f->meta_len = 0;
		f->flags = 0;
		f->priv = NULL;
		tx_frame_init(f, d.len, xs->ifindex, xs->qid);
		frames[m] = f;
		didx[m] = i;
		addrs[m] = d.addr;
		m++;
	}
	return m;
}

/* Copy mode: as tx_take_zc, into frames of the socket's copy pool; when the
 * pool runs dry, *n shrinks to the descriptors looked at (the rest wait). */
static uint32_t tx_take_copy(struct dp_worker *w, struct uxdp_xsk_srv *xs,
			     struct uxdp_frame **frames, uint32_t *didx, uint64_t *addrs, uint32_t *n)
{
	const struct xsk_umem *u = xs->xp->umem;
	const struct xdp_desc *ring = xs->tx.entries;
	uint32_t m = 0;

	for (uint32_t i = 0; i < *n; i++) {
		struct xdp_desc d;
		struct uxdp_frame *f;

		memcpy(&d, &ring[(xs->tx.own + i) & xs->tx.mask], sizeof(d));
		if (!tx_desc_ok(u, &d, u->chunk))
			continue;
		f = uxdp_page_pool__alloc(xs->copy_pool);
		if (!f) {
			*n = i; /* try the rest next round */
			break;
		}
		if (d.len > uxdp_frame__room(f)) {
			uxdp_frame__free(f, w->idx);
			continue;
		}
		memcpy(f->buf + f->data_off, u->base + tx_data_addr(u, d.addr), d.len);
		tx_frame_init(f, d.len, xs->ifindex, xs->qid);
		frames[m] = f;
		didx[m] = i;
		addrs[m] = d.addr;
		m++;
	}
	return m;
}

static int tx_service(struct dp_worker *w, struct uxdp_xsk_srv *xs)
{
	struct xsk_pool *xp = xs->xp;
	struct xsk_umem *u = xp->umem;
	struct uxdp_frame *frames[XSK_TX_BUDGET];
	uint32_t didx[XSK_TX_BUDGET];
	uint64_t addrs[XSK_TX_BUDGET];
	uint32_t n, room, m = 0, consumed, invalid = 0;
	uint16_t sent;
	uint64_t bytes = 0;

	n = ring_cons_avail(&xs->tx, XSK_TX_BUDGET);
	if (!n) {
		xsk_stat_add(&xs->tx_empty, 1);
		return 0;
	}
	/* Every frame sent owes a completion: reserve the slots first. */
	room = ring_prod_free(&xp->cq, n + xp->cq_reserved);
	room = room > xp->cq_reserved ? room - xp->cq_reserved : 0;
	if (n > room)
		n = room;
	if (!n)
		return 0;
	if (xp->zc && !u->unaligned)
		m = tx_take_zc(xs, frames, didx, addrs, n);
	else if (xp->zc)
		m = tx_take_zc_unaligned(xs, frames, didx, addrs, &n);
	else
		m = tx_take_copy(w, xs, frames, didx, addrs, &n);
	sent = m ? uxdp_port__tx_burst(xs->port, (uint16_t)w->idx, frames, (uint16_t)m) : 0;
	/* Descriptors up to the first frame the port did not take are consumed
	 * (invalid ones among them counted); that frame and the rest stay in
	 * the ring for the next round. */
	consumed = sent < m ? didx[sent] : n;
	invalid = consumed - sent;
	for (uint32_t j = sent; j < m; j++) {
		if (xp->zc && !u->unaligned)
			xp->state[addrs[j] >> u->chunk_shift] = XSK_CHUNK_APP;
		else if (xp->zc)
			xp->tx_free[xp->tx_nfree++] = (uint32_t)(frames[j] - xp->tx_descs);
		else
			uxdp_frame__free(frames[j], w->idx);
	}
	for (uint32_t j = 0; j < sent; j++)
		bytes += frames[j]->len;
	if (xp->zc) {
		uxdp_page_pool_adopted(xp->tx_pool, sent);
		xp->cq_reserved += sent;
	} else if (sent) {
		/* Copied: the chunks are free again at once. */
		for (uint32_t j = 0; j < sent; j++)
			ring_put_addr(&xp->cq, addrs[j]);
		ring_prod_publish(&xp->cq);
	}
	if (consumed)
		ring_cons_release(&xs->tx, consumed);
	if (invalid)
		xsk_stat_add(&xs->tx_invalid, invalid);
	if (sent) {
		xsk_stat_add(&xs->tx_packets, sent);
		xsk_stat_add(&xs->tx_bytes, bytes);
	}
	return sent;
}

/* --- poll() wake-ups --------------------------------------------------------------------- */

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * An RX ring whose consumer has not moved for XSK_WAKE_NS while entries wait
 * belongs to an application asleep in poll(): send it one zero-length message
 * (its fd turns readable). A busy application moves its consumer all the time
 * and never costs a system call. One message at most until the application
 * has drained the previous one (signals vs drained).
 */
static bool send_wakeup(struct uxdp_xsk_srv *xs)
{
	if (__atomic_load_n(xs->rx.drained, __ATOMIC_ACQUIRE) != xs->signals)
		return false; /* the last one is still unread: the fd is readable */
	/* Count only a message that went out: one the application can never read
	 * must not make it wait for it (and stop all later wake-ups). Seen before
	 * the count, it costs at most one extra empty peek. */
	if (send(xs->conn_fd, NULL, 0, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return false;
	xs->signals++;
	__atomic_store_n(xs->rx.signals, xs->signals, __ATOMIC_RELEASE);
	xsk_stat_add(&xs->wakeups, 1);
	return true;
}

static void wake_check(struct uxdp_xsk_srv *xs, uint64_t *now)
{
	uint32_t cons = __atomic_load_n(xs->rx.consumer, __ATOMIC_RELAXED);

	if (cons == xs->rx.own || cons != xs->wake_cons) {
		/* Empty, or the application is consuming: no clock read needed. */
		xs->wake_cons = cons;
		xs->wake_since = 0;
		return;
	}
	if (!*now)
		*now = mono_ns();
	if (!xs->wake_since) {
		xs->wake_since = *now; /* untouched since the last poll: start timing */
		return;
	}
	if (*now - xs->wake_since >= XSK_WAKE_NS && send_wakeup(xs))
		xs->wake_since = *now;
}

int uxdp_xsk_dp_poll(struct dp_worker *w)
{
	struct dp_xsk_worker *xw = w->xsk;
	uint64_t now = 0;
	int total = 0;

	for (uint32_t i = 0; i < xw->n; i++) {
		struct uxdp_xsk_srv *xs = xw->socks[i];
		struct xsk_pool *xp = xs->xp;

		if (xs->rx_dirty) {
			ring_prod_publish(&xs->rx);
			xs->rx_dirty = false;
		}
		if (xp->zc && xp->cq_reserved)
			zc_complete(xp);
		if (xs->tx.size)
			total += tx_service(w, xs);
		if (xs->rx.size)
			wake_check(xs, &now);
	}
	return total;
}

/*
 * The worker is about to sleep (need) or woke up. Sleeping, it serves TX
 * rings only when kicked, so sockets bound with XDP_USE_NEED_WAKEUP see the
 * flag on their TX ring; an application whose RX ring still holds entries is
 * woken now rather than after the sleep. Returns 1 if a TX ring has work (the
 * kick may have come before the flag was visible): then do not sleep.
 */
int uxdp_xsk_dp_need_wakeup(struct dp_worker *w, bool need)
{
	struct dp_xsk_worker *xw = w->xsk;
	int work = 0;

	for (uint32_t i = 0; i < xw->n; i++) {
		struct uxdp_xsk_srv *xs = xw->socks[i];

		if (xs->tx.size && xs->need_wakeup) {
			__atomic_store_n(xs->tx.flags, need ? XDP_RING_NEED_WAKEUP : 0,
					 __ATOMIC_SEQ_CST);
			if (need && ring_cons_avail(&xs->tx, 1))
				work = 1;
		}
		/* The fill ring too: an application that refills it while we sleep
		 * kicks us (recvfrom() or poll(), see uxdp_xsk_recvfrom()). Entries
		 * that came in before the flag was up are found by the last round
		 * the worker makes before it sleeps. */
		if (xs->xp->fq.size && xs->need_wakeup)
			__atomic_store_n(xs->xp->fq.flags, need ? XDP_RING_NEED_WAKEUP : 0,
					 __ATOMIC_SEQ_CST);
		if (need && xs->rx.size &&
		    __atomic_load_n(xs->rx.consumer, __ATOMIC_RELAXED) != xs->rx.own)
			send_wakeup(xs);
	}
	return work;
}

/* --- membership (through uxdp_dp_call_on_worker) ----------------------------------------- */

void uxdp_xsk_dp_add(struct dp_worker *w, void *arg)
{
	struct uxdp_xsk_srv *xs = arg;
	struct xsk_pool *xp = xs->xp;

	if (!w->xsk) {
		w->xsk = calloc(1, sizeof(*w->xsk));
		if (!w->xsk)
			return; /* xs->active stays false: the caller sees the failure */
	}
	if (w->xsk->n == XSK_WORKER_MAX)
		return;
	if (xp->zc && !xp->lent) {
		if (uxdp_port__lend_rx_queue(xp->port, xp->qid, xp->rx_pool))
			return;
		xp->lent = true;
	}
	w->xsk->socks[w->xsk->n++] = xs;
	xs->active = true;
}

void uxdp_xsk_dp_remove(struct dp_worker *w, void *arg)
{
	struct uxdp_xsk_srv *xs = arg;
	struct dp_xsk_worker *xw = w->xsk;
	struct xsk_pool *xp = xs->xp;
	bool pool_used = false;

	if (!xw)
		return;
	for (uint32_t i = 0; i < xw->n; i++) {
		if (xw->socks[i] == xs) {
			xw->socks[i] = xw->socks[--xw->n];
			i--;
			continue;
		}
		pool_used |= xw->socks[i]->xp == xp;
	}
	if (xs->rx_dirty)
		ring_prod_publish(&xs->rx);
	xs->rx_dirty = false;
	xs->active = false;
	if (!pool_used && xp->lent) {
		/* Back to the port's own pool: the application's chunks stop being used. */
		uxdp_port__lend_rx_queue(xp->port, xp->qid, NULL);
		xp->lent = false;
	}
	if (!pool_used && xp->zc)
		zc_complete(xp);
}

