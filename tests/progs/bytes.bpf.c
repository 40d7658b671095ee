// SPDX-License-Identifier: BSD-2-Clause
/*
 * Multi-buffer aware byte access (SEC("xdp.frags")): bpf_xdp_get_buff_len,
 * bpf_xdp_load_bytes and bpf_xdp_store_bytes at the head, in the middle and
 * at the end of the frame (crossing into fragments for packets larger than
 * one page), plus out-of-range offsets that must fail. Loaded bytes and
 * return codes are recorded; a marker is stored back near the end.
 */
#include "kdiff.h"

struct bytes_res {
	__s64 rc[6];
	__u64 buff_len;
	__u64 lin_len;
	__u8 head[16];
	__u8 tail[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bytes_res);
} bytes_res SEC(".maps");

SEC("xdp.frags")
int xdp_bytes(struct xdp_md *ctx)
{
	__u32 zero = 0, blen, off;
	struct bytes_res *r = bpf_map_lookup_elem(&bytes_res, &zero);
	__u8 mark[8] = { 'u', 'x', 'd', 'p', 'k', 'd', 'i', 'f' };

	if (!r)
		return XDP_ABORTED;
	blen = bpf_xdp_get_buff_len(ctx);
	r->buff_len = blen;
	r->lin_len = ctx->data_end - ctx->data;
	r->rc[0] = bpf_xdp_load_bytes(ctx, 0, r->head, 16);
	off = blen > 16 ? blen - 16 : 0;
	r->rc[1] = bpf_xdp_load_bytes(ctx, off, r->tail, 16);
	r->rc[2] = bpf_xdp_load_bytes(ctx, blen - 4, r->head, 8); /* runs off the end */
	r->rc[3] = bpf_xdp_store_bytes(ctx, blen > 24 ? blen - 24 : 0, mark, 8);
	r->rc[4] = bpf_xdp_store_bytes(ctx, blen, mark, 1);
	r->rc[5] = bpf_xdp_load_bytes(ctx, blen / 2, r->head + 8, 8);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
