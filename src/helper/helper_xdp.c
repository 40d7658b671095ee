// SPDX-License-Identifier: BSD-2-Clause
/*
 * Helpers that work on the XDP frame: moving the packet's head, metadata
 * and tail (bpf_xdp_adjust_head/meta/tail, including the multi-buffer tail
 * variants), reading the whole length and copying bytes across the linear
 * part and the fragments (bpf_xdp_get_buff_len/load_bytes/store_bytes),
 * bpf_csum_diff, and bpf_perf_event_output with packet bytes appended.
 *
 * Limits are the kernel's (net/core/filter.c, x86-64, Linux 6.x), checked
 * against BPF_PROG_TEST_RUN on a 6.18 kernel:
 *  - data and data_meta never enter the first UXDP_XDP_FRAME_RESERVED bytes
 *    of the headroom (room for struct xdp_frame);
 *  - the linear packet keeps at least ETH_HLEN bytes;
 *  - metadata is a multiple of 4 bytes and at most 255 (-EACCES otherwise);
 *  - data_end never passes data_hard_start + frame_sz - UXDP_XDP_TAILROOM.
 * Pointer arithmetic is done on integers so that out-of-range offsets are
 * compared, never formed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helper/helper_priv.h"
#include "map/map_internal.h"

static inline struct uxdp_xdp_buff *to_xdp(uint64_t r)
{
	return (struct uxdp_xdp_buff *)(uintptr_t)r;
}

static inline uintptr_t up(const void *p)
{
	return (uintptr_t)p;
}

static inline uint32_t buff_len(const struct uxdp_xdp_buff *xdp)
{
	uint32_t len = (uint32_t)(xdp->data_end - xdp->data);

	return xdp->nr_frags ? len + xdp->frags_size : len;
}

/* --- head, meta --- */

uint64_t uxdp_bpf_xdp_adjust_head(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);
	int32_t offset = (int32_t)r2;
	uintptr_t metalen, data_start, data;

	if (!xdp)
		return (uint64_t)-EINVAL;
	metalen = up(xdp->data) - up(xdp->data_meta);
	data_start = up(xdp->data_hard_start) + UXDP_XDP_FRAME_RESERVED + metalen;
	data = up(xdp->data) + (intptr_t)offset;
	if ((intptr_t)(data - data_start) < 0 ||
	    (intptr_t)(data - (up(xdp->data_end) - UXDP_ETH_HLEN)) > 0)
		return (uint64_t)-EINVAL;

	/* The metadata travels with the packet start. */
	if (metalen)
		memmove(xdp->data_meta + offset, xdp->data_meta, metalen);
	xdp->data_meta += offset;
	xdp->data = (uint8_t *)data;
	return 0;
}

uint64_t uxdp_bpf_xdp_adjust_meta(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);
	int32_t offset = (int32_t)r2;
	uintptr_t frame_end, meta, metalen;

	if (!xdp)
		return (uint64_t)-EINVAL;
	frame_end = up(xdp->data_hard_start) + UXDP_XDP_FRAME_RESERVED;
	meta = up(xdp->data_meta) + (intptr_t)offset;
	if ((intptr_t)(meta - frame_end) < 0 || (intptr_t)(meta - up(xdp->data)) > 0)
		return (uint64_t)-EINVAL;
	metalen = up(xdp->data) - meta;
	if ((metalen & 3) || metalen > UXDP_XDP_META_MAX)
		return (uint64_t)-EACCES;
	xdp->data_meta = (uint8_t *)meta;
	return 0;
}

/* --- tail --- */

/* Grow the last fragment into its unused room (bpf_xdp_frags_increase_tail). */
static int frags_increase_tail(struct uxdp_xdp_buff *xdp, int32_t offset)
{
	struct uxdp_xdp_frag *frag = &xdp->frags[xdp->nr_frags - 1];
	uint32_t tailroom;

	/* The kernel needs the driver's fragment size to know the room. */
	if (!frag->size || frag->size < frag->len)
		return -EOPNOTSUPP;
	tailroom = frag->size - frag->len;
	if ((uint32_t)offset > tailroom)
		return -EINVAL;
	memset(frag->data + frag->len, 0, (size_t)offset);
	frag->len += (uint32_t)offset;
	xdp->frags_size += (uint32_t)offset;
	return 0;
}

/* Trim from the last fragment backwards, dropping emptied fragments (bpf_xdp_frags_shrink_tail). */
static int frags_shrink_tail(struct uxdp_xdp_buff *xdp, int32_t offset)
{
	uint32_t n_free = 0, len_free = 0;
	int32_t i;

	if (offset > (int32_t)buff_len(xdp) - UXDP_ETH_HLEN)
		return -EINVAL;
	for (i = (int32_t)xdp->nr_frags - 1; i >= 0 && offset > 0; i--) {
		struct uxdp_xdp_frag *frag = &xdp->frags[i];
		int32_t shrink = offset < (int32_t)frag->len ? offset : (int32_t)frag->len;

		len_free += (uint32_t)shrink;
		offset -= shrink;
		if ((uint32_t)shrink == frag->len) {
			frag->len = 0;
			n_free++;
		} else {
			frag->len -= (uint32_t)shrink;
		}
	}
	xdp->nr_frags -= n_free;
	xdp->frags_size -= len_free;
	if (!xdp->nr_frags) {
		/* Last fragment gone: the frame is linear again, the rest comes off it. */
		xdp->frags_size = 0;
		xdp->data_end -= offset;
	}
	return 0;
}

uint64_t uxdp_bpf_xdp_adjust_tail(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);
	int32_t offset = (int32_t)r2;
	uintptr_t hard_end, data_end;

	if (!xdp)
		return (uint64_t)-EINVAL;
	if (xdp->nr_frags) {
		if (offset < 0)
			/* Negating INT_MIN wraps as in the kernel (-fwrapv): a no-op there too. */
			return (uint64_t)(int64_t)frags_shrink_tail(
				xdp, (int32_t)(0u - (uint32_t)offset));
		return (uint64_t)(int64_t)frags_increase_tail(xdp, offset);
	}

	hard_end = up(xdp->data_hard_start) + xdp->frame_sz - UXDP_XDP_TAILROOM;
	data_end = up(xdp->data_end) + (intptr_t)offset;
	if ((intptr_t)(data_end - hard_end) > 0)
		return (uint64_t)-EINVAL;
	if ((intptr_t)(data_end - (up(xdp->data) + UXDP_ETH_HLEN)) < 0)
		return (uint64_t)-EINVAL;
	/* Grown bytes read as zero, never as an earlier packet's data. */
	if (offset > 0)
		memset(xdp->data_end, 0, (size_t)offset);
	xdp->data_end = (uint8_t *)data_end;
	return 0;
}

/* --- whole-frame access --- */

uint64_t uxdp_bpf_xdp_get_buff_len(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);

	return xdp ? buff_len(xdp) : 0;
}

/* Copy len bytes at packet offset off to/from buf, across the fragments (bpf_xdp_copy_buf). */
static void xdp_copy(struct uxdp_xdp_buff *xdp, uint32_t off, void *buf, uint32_t len, bool to_pkt)
{
	uint32_t head = (uint32_t)(xdp->data_end - xdp->data);
	uint8_t *b = buf;
	uint32_t i;

	if (off < head) {
		uint32_t n = head - off < len ? head - off : len;

		if (to_pkt)
			memcpy(xdp->data + off, b, n);
		else
			memcpy(b, xdp->data + off, n);
		b += n;
		len -= n;
		off = 0;
	} else {
		off -= head;
	}
	for (i = 0; i < xdp->nr_frags && len; i++) {
		struct uxdp_xdp_frag *frag = &xdp->frags[i];
		uint32_t n;

		if (off >= frag->len) {
			off -= frag->len;
			continue;
		}
		n = frag->len - off < len ? frag->len - off : len;
		if (to_pkt)
			memcpy(frag->data + off, b, n);
		else
			memcpy(b, frag->data + off, n);
		b += n;
		len -= n;
		off = 0;
	}
}

static int64_t xdp_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, bool store)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);
	uint32_t offset = (uint32_t)r2, len = (uint32_t)r4;

	if (!xdp || !r3)
		return -EINVAL;
	if (offset > 0xffff || len > 0xffff)
		return -EFAULT;
	if (offset + len > buff_len(xdp))
		return -EINVAL;
	xdp_copy(xdp, offset, (void *)(uintptr_t)r3, len, store);
	return 0;
}

uint64_t uxdp_bpf_xdp_load_bytes(UXDP_HELPER_ARGS)
{
	return (uint64_t)xdp_bytes(r1, r2, r3, r4, false);
}

uint64_t uxdp_bpf_xdp_store_bytes(UXDP_HELPER_ARGS)
{
	return (uint64_t)xdp_bytes(r1, r2, r3, r4, true);
}

/* --- checksums --- */

/*
 * x86-64 csum_partial: the one's complement sum of the buffer read as
 * little-endian words (a short tail zero-padded), plus the seed, folded to 32
 * bits with end-around carry. The result is 0 only when seed and data are
 * all zero; otherwise it is the residue modulo 2^32 - 1 in [1, 2^32 - 1],
 * whatever the chunking, which is what makes this simple form exact.
 */
static uint32_t csum_partial(const uint8_t *p, uint32_t len, uint32_t seed)
{
	uint64_t sum = seed;
	uint32_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		sum += w; /* at most 2^30 words of 2^32: no 64-bit overflow */
	}
	if (i < len) {
		uint32_t w = 0;

		memcpy(&w, p + i, len - i);
		sum += w;
	}
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return (uint32_t)sum;
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < b);
}

static uint16_t csum_from32to16(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * bpf_csum_diff as Linux >= 6.13 computes it (the kernel this runs against):
 * sum(to) - sum(from) + seed in one's complement, folded to 16 bits on every
 * architecture. Sizes are no longer required to be multiples of 4 and there
 * is no size cap beyond what the verifier proves readable.
 */
uint64_t uxdp_bpf_csum_diff(UXDP_HELPER_ARGS)
{
	const uint8_t *from = (const uint8_t *)(uintptr_t)r1;
	const uint8_t *to = (const uint8_t *)(uintptr_t)r3;
	uint32_t from_size = (uint32_t)r2, to_size = (uint32_t)r4, seed = (uint32_t)r5;
	uint32_t ret;

	if ((!from && from_size) || (!to && to_size))
		return (uint64_t)-EINVAL;
	if (!to_size)
		ret = ~csum_partial(from, from_size, ~seed); /* pulling data */
	else if (!from_size)
		ret = csum_partial(to, to_size, seed); /* pushing data */
	else
		ret = csum_add(csum_partial(to, to_size, seed), ~csum_partial(from, from_size, 0));
	return csum_from32to16(ret);
}

/* --- perf_event_output --- */

uint64_t uxdp_bpf_perf_event_output(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = to_xdp(r1);
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r2;
	uint64_t flags = r3;
	const void *meta = (const void *)(uintptr_t)r4;
	uint64_t meta_size = r5;
	uint64_t xdp_size = (flags & BPF_F_CTXLEN_MASK) >> 32;
	uint8_t stackbuf[1536], *rec = stackbuf;
	uint64_t index = flags & BPF_F_INDEX_MASK;
	long ret;

	if (flags & ~(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK))
		return (uint64_t)-EINVAL;
	if (!xdp || xdp_size > buff_len(xdp))
		return (uint64_t)-EFAULT;
	if (!map || map->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY || (!meta && meta_size) ||
	    meta_size > UINT32_MAX)
		return (uint64_t)-EINVAL;

	/* The record is the program's data followed by the first xdp_size packet bytes. */
	if (meta_size + xdp_size > sizeof(stackbuf)) {
		rec = malloc(meta_size + xdp_size);
		if (!rec)
			return (uint64_t)-ENOMEM;
	}
	if (meta_size)
		memcpy(rec, meta, meta_size);
	if (xdp_size)
		xdp_copy(xdp, 0, rec + meta_size, (uint32_t)xdp_size, false);

	ret = uxdp_perf_output(map, index, ex->cpu, rec, meta_size + xdp_size);
	if (!ret) {
		struct uxdp_event ev = {
			.type = UXDP_EVENT_PERF_OUTPUT,
			.cpu = ex->cpu,
			.map = map,
			.index = index == BPF_F_CURRENT_CPU ? ex->cpu : (uint32_t)index,
			.data = rec,
			.len = meta_size + xdp_size,
		};

		uxdp_helper_emit(ex, &ev);
	}
	if (rec != stackbuf)
		free(rec);
	return (uint64_t)(int64_t)ret;
}
