// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_xdp_adjust_meta: reserve 8 bytes of metadata in front of the packet,
 * write a marker and the packet length into it, read it back through
 * data_meta, and record the return codes of out-of-range requests (positive
 * past data, more than the headroom, not a multiple of 4). Output data (as
 * BPF_PROG_TEST_RUN returns it) starts at data_meta.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} meta_rc SEC(".maps");

static __always_inline void rec(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&meta_rc, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int adjust_meta(struct xdp_md *ctx)
{
	void *data, *meta;
	__u32 *m, len;

	rec(0, bpf_xdp_adjust_meta(ctx, 4));	 /* past data: error */
	rec(1, bpf_xdp_adjust_meta(ctx, -2));	 /* not 4-aligned: error */
	rec(2, bpf_xdp_adjust_meta(ctx, -300)); /* beyond headroom: error */
	rec(3, bpf_xdp_adjust_meta(ctx, -8));
	data = (void *)(long)ctx->data;
	meta = (void *)(long)ctx->data_meta;
	len = (void *)(long)ctx->data_end - data;
	m = meta;
	if ((void *)(m + 2) > data)
		return XDP_ABORTED;
	m[0] = 0xc0ffee00 | (len & 0xff);
	m[1] = len;
	rec(4, (__s64)(data - meta));
	rec(5, m[0]);
	if (len & 1) {
		/* shrink the metadata back by 4 */
		rec(6, bpf_xdp_adjust_meta(ctx, 4));
		return XDP_PASS;
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
