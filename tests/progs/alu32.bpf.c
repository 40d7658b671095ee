// SPDX-License-Identifier: BSD-2-Clause
/*
 * Integer arithmetic on packet-derived operands: 32- and 64-bit add, sub,
 * mul, unsigned div/mod (including by zero), shifts (logical and arithmetic,
 * masked counts), negation, and byte swaps (bpf_htons/htonl/be64). Built
 * twice: with -mcpu=v3 (32-bit ALU and JMP32) as alu32 and with -mcpu=v2 as
 * alu_v2, so both instruction selections are compared. Results go to an
 * array map indexed by operation.
 */
#include "kdiff.h"

#define NRES 32

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NRES);
	__type(key, __u32);
	__type(value, __u64);
} res SEC(".maps");

static __always_inline void put(__u32 i, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&res, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int alu(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	volatile __u32 a, b, c;
	volatile __u64 x, y;
	volatile __s32 s;
	volatile __s64 sx;

	if (data + 30 > data_end)
		return XDP_PASS;
	a = *(__u32 *)(data + 6);
	b = *(__u16 *)(data + 12);
	c = *(__u8 *)(data + 14) & 7; /* small: divide by zero for some packets */
	x = *(__u64 *)(data + 14);
	y = *(__u64 *)(data + 22);
	s = (__s32)a;
	sx = (__s64)x;

	put(0, a + b);
	put(1, a - b);
	put(2, a * b);
	put(3, a / (c ? c : 1));
	put(4, c ? a / c : 0);
	put(5, a % (b | 1));
	put(6, a << (b & 31));
	put(7, a >> (b & 31));
	put(8, (__u32)(s >> (b & 31)));
	put(9, (__u32)-a);
	put(10, x + y);
	put(11, x - y);
	put(12, x * y);
	put(13, x / (y | 1));
	put(14, x % (y | 1));
	put(15, x << (y & 63));
	put(16, x >> (y & 63));
	put(17, (__u64)(sx >> (y & 63)));
	put(18, (__u64)-x);
	put(19, bpf_htons((__u16)a));
	put(20, bpf_htonl(a));
	put(21, bpf_cpu_to_be64(x));
	put(22, bpf_ntohs((__u16)b) ^ bpf_ntohl(a));
	put(23, a ^ ((b | c) & ~a));
	put(24, (a > b) + ((s < 0) << 1) + ((sx < -5) << 2) + ((x >= y) << 3));
	put(25, (__u32)(a * 0x9e3779b9) >> 7);
	put(26, (__u64)a * b);
	put(27, ((__s32)s) / 1 + (__u32)(x >> 32));
	put(28, c ? x % c : 99);
	put(29, (a & 0xffff) * (b & 0xff) - 12345);
	put(30, ((__u64)b << 48) | ((__u64)a >> 3));
	put(31, (__u32)x + (__u32)y);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
