// SPDX-License-Identifier: BSD-2-Clause
/*
 * Frame helpers against the kernel's limits: bpf_xdp_adjust_head/meta/tail
 * (linear and multi-buffer), bpf_xdp_get_buff_len, bpf_xdp_load_bytes and
 * bpf_xdp_store_bytes. Expected values were measured with
 * BPF_PROG_TEST_RUN on Linux 6.18 where noted.
 */
#include <errno.h>

#include "helper_test.h"

static struct test_frame *new_frame(uint32_t len)
{
	struct test_frame *f = malloc(sizeof(*f));

	if (f)
		frame_init(f, len);
	return f;
}

#define FRAME(f, len)                                                                              \
	struct test_frame *f = new_frame(len);                                                     \
	struct uxdp_exec *ex = test_exec();                                                        \
	ASSERT_NOT_NULL(f);                                                                        \
	ASSERT_NOT_NULL(ex)

#define DONE()                                                                                     \
	do {                                                                                       \
		free(f);                                                                           \
		uxdp_exec__free(ex);                                                               \
		return UXDP_TEST_PASS;                                                             \
	} while (0)

/* kernel: adjust_head(-216) ok, (-217) -EINVAL with 256 bytes of headroom */
UXDP_TEST(adjust_head_headroom_limit, fast)
{
	FRAME(f, 60);
	uint8_t *data = f->xdp.data;

	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, -217), -EINVAL);
	ASSERT_TRUE(f->xdp.data == data);
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, -216), 0);
	ASSERT_TRUE(f->xdp.data == f->buf + 40);
	ASSERT_TRUE(f->xdp.data_meta == f->xdp.data);
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 60 + 216);
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, 216), 0);
	ASSERT_TRUE(f->xdp.data == data);
	DONE();
}

/* kernel: on a 60-byte packet adjust_head(46) leaves 14 bytes, 47 fails */
UXDP_TEST(adjust_head_min_eth_len, fast)
{
	FRAME(f, 60);

	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, 47), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, 46), 0);
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 14);
	ASSERT_EQ(f->xdp.data[0], 46);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, 1), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, 0), 0);
	DONE();
}

/* Huge offsets are compared, never turned into wild pointers. */
UXDP_TEST(adjust_head_extreme_offsets, fast)
{
	FRAME(f, 60);

	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, INT32_MIN), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, INT32_MAX), -EINVAL);
	/* only the low 32 bits count (the kernel's int argument) */
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, 0xffffffff00000004ull), 0);
	ASSERT_EQ(f->xdp.data - f->buf, HEADROOM + 4);
	DONE();
}

/* kernel: with 8 bytes of metadata, adjust_head(-208) ok and (-209) -EINVAL; meta moves along */
UXDP_TEST(adjust_head_moves_meta, fast)
{
	FRAME(f, 60);
	const uint8_t meta[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, -8), 0);
	memcpy(f->xdp.data_meta, meta, 8);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, -209), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, -208), 0);
	ASSERT_EQ(f->xdp.data - f->xdp.data_meta, 8);
	ASSERT_TRUE(f->xdp.data_meta == f->buf + 40);
	ASSERT_MEMEQ(f->xdp.data_meta, meta, 8);
	/* forward again: metadata is copied forward too */
	ASSERT_EQ(H(ex, xdp_adjust_head, &f->xdp, 250), 0);
	ASSERT_EQ(f->xdp.data - f->xdp.data_meta, 8);
	ASSERT_MEMEQ(f->xdp.data_meta, meta, 8);
	ASSERT_EQ(f->xdp.data - f->buf, HEADROOM + 42);
	DONE();
}

/* kernel sequence: -2 -EACCES, -36 ok (limit is 255 now, not 32), -256/-252/-216/-220 -EINVAL */
UXDP_TEST(adjust_meta_kernel_sequence, fast)
{
	FRAME(f, 60);

	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -2), -EACCES);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, -36), 0);
	ASSERT_EQ(f->xdp.data - f->xdp.data_meta, 36);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -256), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -252), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -216), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -220), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, 4), 0);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, 220), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, 8), 0);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, -32), 0);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, 36), 0);
	ASSERT_EQ(f->xdp.data - f->xdp.data_meta, 20);
	DONE();
}

UXDP_TEST(adjust_meta_whole_headroom, fast)
{
	FRAME(f, 60);

	/* 216 bytes: everything in front of the xdp_frame reservation */
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, -216), 0);
	ASSERT_TRUE(f->xdp.data_meta == f->buf + 40);
	/* no room left in front of data for head to move back */
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_head, &f->xdp, -4), -EINVAL);
	/* meta beyond data: -EINVAL, unaligned shrink -EACCES */
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, 217), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, 1), -EACCES);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, 216), 0);
	ASSERT_TRUE(f->xdp.data_meta == f->xdp.data);
	DONE();
}

/* With a larger headroom the 255-byte metadata cap shows: 252 ok, 256 -EACCES. */
UXDP_TEST(adjust_meta_max_255, fast)
{
	FRAME(f, 60);

	f->xdp.data += 400;
	f->xdp.data_meta = f->xdp.data;
	f->xdp.data_end += 400;
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -256), -EACCES);
	ASSERT_EQ(H(ex, xdp_adjust_meta, &f->xdp, -252), 0);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_meta, &f->xdp, -4), -EACCES);
	DONE();
}

/* kernel: 60-byte packet, tail +3461 -EINVAL, +3460 ok (reaches 4096 - 320) */
UXDP_TEST(adjust_tail_grow_limit, fast)
{
	FRAME(f, 60);

	memset(f->xdp.data_end, 0xee, 100);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 3461), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, 3460), 0);
	ASSERT_TRUE(f->xdp.data_end == f->buf + FRAME_SZ - UXDP_XDP_TAILROOM);
	/* grown bytes are zeroed */
	ASSERT_EQ(f->xdp.data[60], 0);
	ASSERT_EQ(f->xdp.data[159], 0);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, 0), 0);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 1), -EINVAL);
	DONE();
}

/* kernel: shrink back, then -47 on 60 bytes -EINVAL, -46 ok, then -1 -EINVAL */
UXDP_TEST(adjust_tail_shrink_limit, fast)
{
	FRAME(f, 60);

	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, -47), -EINVAL);
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 60);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, -46), 0);
	ASSERT_EQ(H0(ex, xdp_get_buff_len) == 0, 1); /* NULL ctx: 0, no crash */
	ASSERT_EQ(H(ex, xdp_get_buff_len, &f->xdp), 14);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, -1), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, INT32_MIN), -EINVAL);
	DONE();
}

/* Tail growth limit follows frame_sz (smaller frames have less room). */
UXDP_TEST(adjust_tail_small_frame, fast)
{
	FRAME(f, 60);

	f->xdp.frame_sz = 2048;
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 2048 - 320 - 256 - 60 + 1), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, 2048 - 320 - 256 - 60), 0);
	DONE();
}

UXDP_TEST(frags_buff_len, fast)
{
	FRAME(f, 100);

	frame_add_frag(f, 1000, 4096);
	frame_add_frag(f, 500, 4096);
	ASSERT_EQ(H(ex, xdp_get_buff_len, &f->xdp), 1600);
	/* the linear part alone is what data_end - data shows */
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 100);
	DONE();
}

UXDP_TEST(frags_tail_grow, fast)
{
	FRAME(f, 100);

	frame_add_frag(f, 1000, 4096);
	frame_add_frag(f, 500, 600);
	memset(f->xdp.frags[1].data + 500, 0xcc, 100);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 101), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, 100), 0);
	ASSERT_EQ(f->xdp.frags[1].len, 600);
	ASSERT_EQ(f->xdp.frags_size, 1600);
	ASSERT_EQ(f->xdp.frags[1].data[599], 0);
	ASSERT_EQ(H(ex, xdp_get_buff_len, &f->xdp), 1700);
	/* the linear part does not move */
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 100);
	DONE();
}

/* Without a known fragment size the kernel cannot grow a fragment: -EOPNOTSUPP. */
UXDP_TEST(frags_tail_grow_unsupported, fast)
{
	FRAME(f, 100);

	frame_add_frag(f, 1000, 0);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 1), -EOPNOTSUPP);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, 0), -EOPNOTSUPP);
	ASSERT_EQ(f->xdp.frags[0].len, 1000);
	DONE();
}

UXDP_TEST(frags_tail_shrink_partial, fast)
{
	FRAME(f, 100);

	frame_add_frag(f, 1000, 4096);
	frame_add_frag(f, 500, 4096);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, -200), 0);
	ASSERT_EQ(f->xdp.nr_frags, 2);
	ASSERT_EQ(f->xdp.frags[1].len, 300);
	ASSERT_EQ(f->xdp.frags_size, 1300);
	/* exactly the last fragment: it is released */
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, -300), 0);
	ASSERT_EQ(f->xdp.nr_frags, 1);
	ASSERT_EQ(f->xdp.frags_size, 1000);
	ASSERT_EQ(H(ex, xdp_get_buff_len, &f->xdp), 1100);
	DONE();
}

UXDP_TEST(frags_tail_shrink_into_linear, fast)
{
	FRAME(f, 100);

	frame_add_frag(f, 1000, 4096);
	frame_add_frag(f, 500, 4096);
	/* more than total - ETH_HLEN: refused, nothing changes */
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, -1587), -EINVAL);
	ASSERT_EQ(f->xdp.nr_frags, 2);
	/* both fragments go and 50 bytes come off the linear part */
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, -1550), 0);
	ASSERT_EQ(f->xdp.nr_frags, 0);
	ASSERT_EQ(f->xdp.frags_size, 0);
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 50);
	/* linear again: the linear rules apply */
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, 10), 0);
	ASSERT_EQ(f->xdp.data_end - f->xdp.data, 60);
	DONE();
}

UXDP_TEST(frags_tail_shrink_to_eth_hlen, fast)
{
	FRAME(f, 20);

	frame_add_frag(f, 30, 4096);
	ASSERT_EQ((int64_t)H(ex, xdp_adjust_tail, &f->xdp, -37), -EINVAL);
	ASSERT_EQ(H(ex, xdp_adjust_tail, &f->xdp, -36), 0);
	ASSERT_EQ(H(ex, xdp_get_buff_len, &f->xdp), 14);
	ASSERT_EQ(f->xdp.nr_frags, 0);
	DONE();
}

UXDP_TEST(load_bytes_linear, fast)
{
	FRAME(f, 60);
	uint8_t buf[64], want[64];
	int i;

	for (i = 0; i < 64; i++)
		want[i] = (uint8_t)i;
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 0, buf, 60), 0);
	ASSERT_MEMEQ(buf, want, 60);
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 58, buf, 2), 0);
	ASSERT_EQ(buf[0], 58);
	ASSERT_EQ(buf[1], 59);
	ASSERT_EQ((int64_t)H(ex, xdp_load_bytes, &f->xdp, 59, buf, 2), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, xdp_load_bytes, &f->xdp, 60, buf, 1), -EINVAL);
	DONE();
}

/* offsets or lengths above 0xffff are -EFAULT before the range check */
UXDP_TEST(load_bytes_efault, fast)
{
	FRAME(f, 60);
	uint8_t buf[8];

	ASSERT_EQ((int64_t)H(ex, xdp_load_bytes, &f->xdp, 0x10000, buf, 1), -EFAULT);
	ASSERT_EQ((int64_t)H(ex, xdp_load_bytes, &f->xdp, 0, buf, 0x10000), -EFAULT);
	ASSERT_EQ((int64_t)H(ex, xdp_store_bytes, &f->xdp, 0x10000, buf, 1), -EFAULT);
	ASSERT_EQ((int64_t)H(ex, xdp_load_bytes, &f->xdp, 0xffff, buf, 1), -EINVAL);
	/* the upper half of the 64-bit registers is ignored (u32 arguments) */
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 0x100000000ull + 3, buf, 1), 0);
	ASSERT_EQ(buf[0], 3);
	DONE();
}

UXDP_TEST(load_store_across_frags, fast)
{
	FRAME(f, 100);
	uint8_t buf[1600], pat[300];
	uint32_t i;

	frame_add_frag(f, 1000, 4096);
	frame_add_frag(f, 500, 4096);
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 0, buf, 1600), 0);
	for (i = 0; i < 1600; i++)
		if (buf[i] != (uint8_t)i)
			UXDP_FAIL_AT("byte %u: %u", i, buf[i]);
	/* a store spanning linear, frag 0 and frag 1 */
	for (i = 0; i < 300; i++)
		pat[i] = (uint8_t)(0xa0 ^ i);
	ASSERT_EQ(H(ex, xdp_store_bytes, &f->xdp, 50, pat, 50), 0);
	ASSERT_EQ(H(ex, xdp_store_bytes, &f->xdp, 1000, pat, 300), 0);
	ASSERT_MEMEQ(f->xdp.data + 50, pat, 50);
	ASSERT_MEMEQ(f->xdp.frags[0].data + 900, pat, 100);
	ASSERT_MEMEQ(f->xdp.frags[1].data, pat + 100, 200);
	ASSERT_EQ(f->xdp.frags[1].data[200], (uint8_t)1300);
	/* reading it back through the helper gives the same bytes */
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 1000, buf, 300), 0);
	ASSERT_MEMEQ(buf, pat, 300);
	/* last byte ok, one past -EINVAL */
	ASSERT_EQ(H(ex, xdp_load_bytes, &f->xdp, 1599, buf, 1), 0);
	ASSERT_EQ(buf[0], (uint8_t)1599);
	ASSERT_EQ((int64_t)H(ex, xdp_store_bytes, &f->xdp, 1599, pat, 2), -EINVAL);
	ASSERT_EQ(f->xdp.frags[1].data[499], (uint8_t)1599);
	DONE();
}

UXDP_TEST(store_bytes_linear, fast)
{
	FRAME(f, 60);
	const uint8_t mac[6] = {0xde, 0xad, 0xbe, 0xef, 0, 1};

	ASSERT_EQ(H(ex, xdp_store_bytes, &f->xdp, 6, mac, 6), 0);
	ASSERT_MEMEQ(f->xdp.data + 6, mac, 6);
	ASSERT_EQ(f->xdp.data[5], 5);
	ASSERT_EQ(f->xdp.data[12], 12);
	ASSERT_EQ((int64_t)H(ex, xdp_store_bytes, &f->xdp, 55, mac, 6), -EINVAL);
	ASSERT_EQ(f->xdp.data[55], 55);
	DONE();
}
