// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf-to-bpf calls: static noinline helpers (pointer and scalar arguments,
 * return values, nested calls three deep) and global noinline functions
 * (verified on their own, taking the context and scalars). Results go to an
 * array map so each call's effect is compared.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} sub_res SEC(".maps");

static __noinline __u64 mix3(__u64 a, __u64 b, __u64 c)
{
	return (a * 31 + b) ^ (c << 7);
}

static __noinline __u64 level2(__u64 a, __u64 b)
{
	return mix3(a, b, a + b) + 1;
}

static __noinline __u64 level1(__u64 a)
{
	__u64 s = 0;

	for (int i = 0; i < 4; i++)
		s += level2(a + i, i);
	return s;
}

static __noinline int store(__u32 idx, __u64 *val)
{
	__u64 *p = bpf_map_lookup_elem(&sub_res, &idx);

	if (!p)
		return -1;
	*p = *val;
	return 0;
}

__noinline int global_len(struct xdp_md *ctx)
{
	if (!ctx)
		return 0;
	return ctx->data_end - ctx->data;
}

__noinline __u64 global_arith(__u64 x, __u32 y)
{
	return x * y + (x >> 3);
}

__noinline int global_first_byte(struct xdp_md *ctx)
{
	void *data, *data_end;

	if (!ctx)
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 1 > data_end)
		return -1;
	return *(__u8 *)data;
}

SEC("xdp")
int subprogs(struct xdp_md *ctx)
{
	__u64 len = global_len(ctx), v;
	int fb = global_first_byte(ctx);

	v = level1(len);
	store(0, &v);
	v = global_arith(len, fb);
	store(1, &v);
	v = mix3(len, fb, 7);
	store(2, &v);
	v = fb;
	if (store(3, &v) || store(9, &v) == 0)
		return XDP_ABORTED;
	return len & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
