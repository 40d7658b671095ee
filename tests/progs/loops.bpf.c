// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loops: a bounded C loop summing up to 64 packet bytes (verifier-checked
 * bounds, not unrolled), a while loop counting leading zero bits, and
 * bpf_loop with a callback that walks the first bytes through a context
 * struct and stops early at a 0x00 byte. Results go to an array map.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} loop_res SEC(".maps");

struct walk_ctx {
	struct xdp_md *xdp;
	__u64 sum;
	__u32 steps;
};

static int walk_cb(__u32 idx, void *arg)
{
	struct walk_ctx *w = arg;
	void *data = (void *)(long)w->xdp->data;
	void *data_end = (void *)(long)w->xdp->data_end;
	__u8 *p = data + (idx & 63);

	if ((void *)(p + 1) > data_end)
		return 1;
	w->steps++;
	if (*p == 0)
		return 1;
	w->sum = w->sum * 33 + *p;
	return 0;
}

static __always_inline void put(__u32 i, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&loop_res, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct walk_ctx w = { .xdp = ctx };
	__u64 sum = 0, x;
	__u32 i, zeros = 0;
	long n;

#pragma clang loop unroll(disable)
	for (i = 0; i < 64; i++) {
		__u8 *p = data + i;

		if ((void *)(p + 1) > data_end)
			break;
		sum += *p ^ i;
	}
	put(0, sum);
	put(1, i);
	x = sum | 1;
	while (!(x & (1ULL << 63)) && zeros < 64) {
		x <<= 1;
		zeros++;
	}
	put(2, zeros);
	n = bpf_loop(40, walk_cb, &w, 0);
	put(3, n);
	put(4, w.sum);
	put(5, w.steps);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
