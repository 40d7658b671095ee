// SPDX-License-Identifier: BSD-2-Clause
/*
 * Tail calls through a prog_array that libbpf fills at load time from
 * `.values`: tc_entry dispatches on the L4 protocol (slot 6 TCP, 17 UDP,
 * 1 ICMP; other slots empty, so the call falls through), and tc_loop tail
 * calls itself until the runtime's limit stops it (the kernel allows 33), the
 * count of entries ending up in a map.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} tc_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} loop_depth SEC(".maps");

static __always_inline void hit(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&tc_hits, &i);

	if (c)
		*c += 1;
}

SEC("xdp")
int tc_tcp(struct xdp_md *ctx)
{
	hit(0);
	return XDP_DROP;
}

SEC("xdp")
int tc_udp(struct xdp_md *ctx)
{
	hit(1);
	return XDP_TX;
}

SEC("xdp")
int tc_icmp(struct xdp_md *ctx)
{
	hit(2);
	return XDP_PASS;
}

SEC("xdp")
int tc_loop(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 32);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jump SEC(".maps") = {
	.values = {
		[1] = (void *)&tc_icmp,
		[6] = (void *)&tc_tcp,
		[17] = (void *)&tc_udp,
		[31] = (void *)&tc_loop,
	},
};

SEC("xdp")
int tc_loop(struct xdp_md *ctx)
{
	__u32 zero = 0, *d = bpf_map_lookup_elem(&loop_depth, &zero);

	if (d)
		*d += 1;
	bpf_tail_call(ctx, &jump, 31);
	return XDP_PASS;
}

SEC("xdp")
int tc_entry(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key fk;
	int r = parse_packet(ctx, &pi, &fk);

	if (r != PARSE_OK)
		return XDP_PASS;
	bpf_tail_call(ctx, &jump, fk.proto);
	hit(3); /* empty slot: fell through */
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
