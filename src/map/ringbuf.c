// SPDX-License-Identifier: BSD-2-Clause
/*
 * BPF_MAP_TYPE_RINGBUF: the kernel's multi-producer, single-consumer ring of
 * variable-length records with the same record format. Each record starts
 * with an 8-byte header { u32 len; u32 pg_off; }; len carries BUSY while the
 * record is reserved and DISCARD when it was thrown away; records are padded
 * to 8 bytes. Positions are free-running u64 counters masked by size - 1.
 *
 * The data area is mapped twice back to back (a memfd mapped at two adjacent
 * addresses), so a record that wraps past the end is still one contiguous
 * block for the program, as in the kernel. One page in front of the data
 * holds a pointer back to the map: a record header's pg_off counts pages
 * from there, which is how commit finds the ring from a sample pointer alone.
 *
 * Producers serialize on a spinlock in reserve (as the kernel); commit is a
 * single atomic store; the consumer (uxdp_ringbuf__consume) takes no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map/map_internal.h"

#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)
#define RINGBUF_BUSY	      BPF_RINGBUF_BUSY_BIT
#define RINGBUF_DISCARD	      BPF_RINGBUF_DISCARD_BIT
#define RINGBUF_HDR_SZ	      BPF_RINGBUF_HDR_SZ

struct rb_hdr {
	_Atomic uint32_t len;
	uint32_t pg_off;
};

struct uxdp_ringbuf {
	struct uxdp_map map;
	_Atomic uint32_t lock;
	uint64_t mask;
	uint64_t pending_pos; /* under lock: first record not yet committed */
	uint8_t *base;	      /* meta page, then data twice */
	uint8_t *data;
	size_t page;
	/* Producer and consumer counters on their own cache lines. */
	_Alignas(64) _Atomic uint64_t consumer_pos;
	_Alignas(64) _Atomic uint64_t producer_pos;
};

#define to_rb(m) ((struct uxdp_ringbuf *)(m))

static struct uxdp_map *ringbuf_alloc(const struct uxdp_map *attr,
				      const struct uxdp_map_create_opts *opts)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = attr->max_entries;
	struct uxdp_ringbuf *rb = NULL;
	uint8_t *base, *p;
	int fd;

	if ((attr->map_flags & ~BPF_F_NUMA_NODE) || attr->key_size || attr->value_size || !size ||
	    (size & (size - 1)) || (size & (page - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (posix_memalign((void **)&rb, 64, sizeof(*rb))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(rb, 0, sizeof(*rb));
	rb->map = *attr;
	rb->mask = size - 1;
	rb->page = page;

	base = mmap(NULL, page + 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto err_free;
	p = mmap(base, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0);
	if (p == MAP_FAILED)
		goto err_unmap;
	fd = memfd_create("uxdp-ringbuf", MFD_CLOEXEC);
	if (fd < 0)
		goto err_unmap;
	if (ftruncate(fd, (off_t)size) ||
	    mmap(base + page, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED ||
	    mmap(base + page + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED) {
		close(fd);
		goto err_unmap;
	}
	close(fd);
	rb->base = base;
	rb->data = base + page;
	memcpy(base, &rb, sizeof(rb));
	return &rb->map;

err_unmap:
	munmap(base, page + 2 * size);
err_free:
	free(rb);
	errno = ENOMEM;
	return NULL;
}

static void ringbuf_free(struct uxdp_map *map)
{
	struct uxdp_ringbuf *rb = to_rb(map);

	munmap(rb->base, rb->page + 2 * (rb->mask + 1));
	free(rb);
}

static void rb_lock(struct uxdp_ringbuf *rb)
{
	uxdp_value_spin_lock(&rb->lock);
}

static void rb_unlock(struct uxdp_ringbuf *rb)
{
	uxdp_value_spin_unlock(&rb->lock);
}

void *uxdp_ringbuf_reserve(struct uxdp_map *map, uint64_t size, uint64_t flags)
{
	struct uxdp_ringbuf *rb = to_rb(map);
	uint64_t len, cons_pos, prod_pos, pend_pos, new_prod_pos;
	struct rb_hdr *hdr;

	if (flags || map->type != BPF_MAP_TYPE_RINGBUF)
		return NULL;
	if (size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	len = (size + RINGBUF_HDR_SZ + 7) & ~7ull;
	if (len > rb->mask + 1)
		return NULL;

	/* Pairs with the consumer's release store of consumer_pos. */
	cons_pos = atomic_load_explicit(&rb->consumer_pos, memory_order_acquire);
	rb_lock(rb);
	pend_pos = rb->pending_pos;
	prod_pos = atomic_load_explicit(&rb->producer_pos, memory_order_relaxed);
	new_prod_pos = prod_pos + len;

	/* Move pending_pos past records already committed, so space held by a
	 * still-busy old record is not handed out twice. */
	while (pend_pos < prod_pos) {
		struct rb_hdr *h = (struct rb_hdr *)(rb->data + (pend_pos & rb->mask));
		uint32_t hl = atomic_load_explicit(&h->len, memory_order_acquire);

		if (hl & RINGBUF_BUSY)
			break;
		pend_pos += ((hl & ~RINGBUF_DISCARD) + RINGBUF_HDR_SZ + 7) & ~7ull;
	}
	rb->pending_pos = pend_pos;

	/* At most size - 1 bytes in flight, as the kernel. */
	if (new_prod_pos - cons_pos > rb->mask || new_prod_pos - pend_pos > rb->mask) {
		rb_unlock(rb);
		return NULL;
	}
	hdr = (struct rb_hdr *)(rb->data + (prod_pos & rb->mask));
	hdr->pg_off = (uint32_t)(((uint8_t *)hdr - rb->base) / rb->page);
	atomic_store_explicit(&hdr->len, (uint32_t)size | RINGBUF_BUSY, memory_order_relaxed);
	/* Pairs with the consumer's acquire load: the busy header is visible first. */
	atomic_store_explicit(&rb->producer_pos, new_prod_pos, memory_order_release);
	rb_unlock(rb);
	return (uint8_t *)hdr + RINGBUF_HDR_SZ;
}

void uxdp_ringbuf_commit(void *sample, uint64_t flags, bool discard)
{
	struct rb_hdr *hdr = (struct rb_hdr *)((uint8_t *)sample - RINGBUF_HDR_SZ);
	uint32_t len = atomic_load_explicit(&hdr->len, memory_order_relaxed);

	len &= ~RINGBUF_BUSY;
	if (discard)
		len |= RINGBUF_DISCARD;
	/* Pairs with the consumer's acquire load of len: the payload is visible first.
	 * Wakeup flags have nothing to wake in uxdp. */
	atomic_store_explicit(&hdr->len, len, memory_order_release);
}

long uxdp_ringbuf_output(struct uxdp_map *map, const void *data, uint64_t size, uint64_t flags)
{
	void *rec;

	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	rec = uxdp_ringbuf_reserve(map, size, 0);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	uxdp_ringbuf_commit(rec, flags, false);
	return 0;
}

uint64_t uxdp_ringbuf_query(struct uxdp_map *map, uint64_t flags)
{
	struct uxdp_ringbuf *rb = to_rb(map);
	uint64_t cons = atomic_load_explicit(&rb->consumer_pos, memory_order_acquire);
	uint64_t prod = atomic_load_explicit(&rb->producer_pos, memory_order_acquire);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return prod - cons;
	case BPF_RB_RING_SIZE:
		return rb->mask + 1;
	case BPF_RB_CONS_POS:
		return cons;
	case BPF_RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}

int uxdp_ringbuf__consume(struct uxdp_map *map, uxdp_ringbuf_sample_fn fn, void *cookie)
{
	struct uxdp_ringbuf *rb;
	uint64_t cons, prod;
	bool progress;
	int cnt = 0;

	if (!map || !fn || map->type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rb = to_rb(map);
	cons = atomic_load_explicit(&rb->consumer_pos, memory_order_relaxed);
	do {
		progress = false;
		prod = atomic_load_explicit(&rb->producer_pos, memory_order_acquire);
		while (cons < prod) {
			struct rb_hdr *h = (struct rb_hdr *)(rb->data + (cons & rb->mask));
			uint32_t len = atomic_load_explicit(&h->len, memory_order_acquire);
			uint32_t dlen = len & ~(RINGBUF_BUSY | RINGBUF_DISCARD);
			int rc = 0;

			if (len & RINGBUF_BUSY)
				goto out; /* not committed yet: later records wait for it */
			if (!(len & RINGBUF_DISCARD)) {
				rc = fn(cookie, (uint8_t *)h + RINGBUF_HDR_SZ, dlen);
				cnt++;
			}
			cons += (dlen + RINGBUF_HDR_SZ + 7) & ~7ull;
			/* Pairs with the producers' acquire load in reserve. */
			atomic_store_explicit(&rb->consumer_pos, cons, memory_order_release);
			progress = true;
			if (rc)
				return rc < 0 ? rc : cnt;
		}
	} while (progress);
out:
	return cnt;
}

/* Programs only reach a ring buffer through the ringbuf helpers; the syscall
 * side has no element operations: the kernel answers ENOTSUPP (524). */
static int ringbuf_lookup(const struct uxdp_map *map, const void *key, void *value)
{
	return -UXDP_ENOTSUPP;
}

static int ringbuf_update(struct uxdp_map *map, const void *key, const void *value, uint64_t flags)
{
	return -UXDP_ENOTSUPP;
}

static int ringbuf_delete(struct uxdp_map *map, const void *key)
{
	return -UXDP_ENOTSUPP;
}

static int ringbuf_get_next_key(const struct uxdp_map *map, const void *key, void *next_key)
{
	return -UXDP_ENOTSUPP;
}

const struct uxdp_map_ops uxdp_ringbuf_map_ops = {
	.alloc = ringbuf_alloc,
	.free = ringbuf_free,
	.lookup = ringbuf_lookup,
	.update = ringbuf_update,
	.delete = ringbuf_delete,
	.get_next_key = ringbuf_get_next_key,
};
