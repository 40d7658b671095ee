/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared pieces of the helper unit tests: calling a helper through the
 * helper table (as the engines do), and hand-made XDP frames with the
 * kernel's test-run geometry (256 bytes of headroom in a 4096-byte frame,
 * optionally with fragments).
 */
#ifndef UXDP_HELPER_TEST_H
#define UXDP_HELPER_TEST_H

#include <linux/bpf.h>

#include "test.h"
#include "helper/helper_internal.h"

#define FRAME_SZ 4096
#define HEADROOM 256

/* Call helper `id` of an XDP program through the table; aborts the test if it is missing. */
static inline uint64_t call_helper(struct uxdp_exec *ex, int32_t id, uint64_t r1, uint64_t r2,
				   uint64_t r3, uint64_t r4, uint64_t r5)
{
	const struct uxdp_helper_proto *p = uxdp_helper_proto(id, UXDP_PROG_XDP);

	if (!p || !p->fn) {
		fprintf(stderr, "helper %d has no implementation\n", id);
		abort();
	}
	return p->fn(r1, r2, r3, r4, r5, ex);
}

#define H(ex, id, ...) call_helper_n(ex, BPF_FUNC_##id, __VA_ARGS__, 0, 0, 0, 0, 0)
#define call_helper_n(ex, id, a, b, c, d, e, ...)                                                  \
	call_helper(ex, id, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d),            \
		    (uint64_t)(e))
/* Helpers with no arguments. */
#define H0(ex, id) call_helper(ex, BPF_FUNC_##id, 0, 0, 0, 0, 0)

struct test_frame {
	struct uxdp_xdp_buff xdp;
	_Alignas(64) uint8_t buf[FRAME_SZ];
	uint8_t frag_mem[UXDP_XDP_MAX_FRAGS][FRAME_SZ];
};

/* A frame holding `len` bytes (byte i = i & 0xff) after 256 bytes of headroom. */
static inline void frame_init(struct test_frame *f, uint32_t len)
{
	uint32_t i;

	memset(f, 0, sizeof(*f));
	f->xdp.data_hard_start = f->buf;
	f->xdp.data = f->buf + HEADROOM;
	f->xdp.data_meta = f->xdp.data;
	f->xdp.data_end = f->xdp.data + len;
	f->xdp.frame_sz = FRAME_SZ;
	f->xdp.ingress_ifindex = 1;
	for (i = 0; i < len; i++)
		f->xdp.data[i] = (uint8_t)i;
}

/* Append a fragment of `len` bytes (continuing the byte pattern) with `size` bytes of room. */
static inline void frame_add_frag(struct test_frame *f, uint32_t len, uint32_t size)
{
	uint32_t n = f->xdp.nr_frags, start, i;
	struct uxdp_xdp_frag *fr = &f->xdp.frags[n];

	start = (uint32_t)(f->xdp.data_end - f->xdp.data) + f->xdp.frags_size;
	fr->data = f->frag_mem[n];
	fr->len = len;
	fr->size = size;
	for (i = 0; i < len; i++)
		fr->data[i] = (uint8_t)(start + i);
	f->xdp.nr_frags++;
	f->xdp.frags_size += len;
}

static inline struct uxdp_exec *test_exec(void)
{
	UXDP_OPTS(uxdp_exec_opts, o, .cpu = 0, .prandom_seed = 42);
	return uxdp_exec__new(&o);
}

#endif /* UXDP_HELPER_TEST_H */
