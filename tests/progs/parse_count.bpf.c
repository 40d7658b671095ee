// SPDX-License-Identifier: BSD-2-Clause
/*
 * Parse Ethernet/IPv4, count packets and bytes per IP protocol in a per-CPU
 * array, drop. The "parse + per-CPU counter + drop" case of bench/bench_vm
 * (its native C twin is there too); non-IPv4 frames count under index 0.
 */
#include "kdiff.h"

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct counter);
} proto_count SEC(".maps");

SEC("xdp")
int parse_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct counter *c;
	__u32 key = 0;

	if ((void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP))
		key = iph->protocol;
	c = bpf_map_lookup_elem(&proto_count, &key);
	if (c) {
		c->packets++;
		c->bytes += data_end - data;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
