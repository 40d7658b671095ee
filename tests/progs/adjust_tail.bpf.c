// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_xdp_adjust_tail: depending on the packet length, trim 4 bytes, trim
 * down to 60 bytes, grow by 16 bytes (new bytes filled with a pattern), try
 * to grow past the tailroom, or try to trim below the Ethernet header;
 * every return code is recorded.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __s64);
} tail_rc SEC(".maps");

static __always_inline void rec(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&tail_rc, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int adjust_tail(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int len = data_end - data;
	long rc;

	switch ((__u32)len % 5) {
	case 0:
		rc = bpf_xdp_adjust_tail(ctx, -4);
		rec(0, rc);
		break;
	case 1:
		rc = bpf_xdp_adjust_tail(ctx, len > 60 ? 60 - len : 0);
		rec(1, rc);
		break;
	case 2: {
		__u8 *p;
		__u32 nl;

		rc = bpf_xdp_adjust_tail(ctx, 16);
		rec(2, rc);
		if (rc)
			break;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		nl = data_end - data;
		if (nl < 16 || nl > 4096)
			return XDP_ABORTED;
		p = data + (nl - 16);
		if ((void *)(p + 16) > data_end)
			return XDP_ABORTED;
		for (int i = 0; i < 16; i++)
			p[i] = 0xa0 + i;
		break;
	}
	case 3:
		rc = bpf_xdp_adjust_tail(ctx, 4096);
		rec(3, rc);
		break;
	default:
		rc = bpf_xdp_adjust_tail(ctx, -len);
		rec(4, rc);
		rc = bpf_xdp_adjust_tail(ctx, 14 - len);
		rec(5, rc);
		break;
	}
	rec(6, (long)ctx->data_end - (long)ctx->data);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
