// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_xdp_adjust_head limits: pull the head past the end (error), push more
 * than the headroom (error), push exactly the full headroom (fine), pull it
 * back, then strip the Ethernet header of IPv4 packets and prepend a fresh
 * 6-byte marker plus a 16-byte pseudo header; return codes and the final
 * length are recorded.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} head_rc SEC(".maps");

static __always_inline void rec(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&head_rc, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int adjust_head(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int len = data_end - data;
	__u8 *p;

	rec(0, bpf_xdp_adjust_head(ctx, len + 1));
	rec(1, bpf_xdp_adjust_head(ctx, len - 13)); /* leaves < ETH_HLEN: error */
	rec(2, bpf_xdp_adjust_head(ctx, -257));
	rec(3, bpf_xdp_adjust_head(ctx, -256));
	rec(4, bpf_xdp_adjust_head(ctx, 256));
	rec(5, bpf_xdp_adjust_head(ctx, 14));
	rec(6, bpf_xdp_adjust_head(ctx, -22));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	p = data;
	if ((void *)(p + 22) > data_end)
		return XDP_ABORTED;
	for (int i = 0; i < 22; i++)
		p[i] = i * 7;
	rec(7, (long)data_end - (long)data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
