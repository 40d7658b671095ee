// SPDX-License-Identifier: BSD-2-Clause
/*
 * Parse Ethernet/IPv4/UDP, hash the 5-tuple (a multiply-xorshift mix written
 * out in BPF) and look the hash up in a hash map of known flows: known flows
 * are passed, unknown UDP is dropped, everything else passed. This is the
 * "parse + hash + lookup" case of bench/bench_vm; the hash also lands in
 * last_hash so the comparator checks the arithmetic.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} known SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} last_hash SEC(".maps");

static __always_inline __u32 mix(__u32 h, __u32 v)
{
	h ^= v;
	h *= 0x9e3779b1;
	h ^= h >> 15;
	return h;
}

SEC("xdp")
int udp_hash(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *uh;
	__u32 h = 0x1234567, zero = 0, *v;

	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->protocol != IPPROTO_UDP ||
	    iph->ihl != 5)
		return XDP_PASS;
	uh = (void *)(iph + 1);
	if ((void *)(uh + 1) > data_end)
		return XDP_PASS;
	h = mix(h, iph->saddr);
	h = mix(h, iph->daddr);
	h = mix(h, ((__u32)uh->source << 16) | uh->dest);
	h = mix(h, IPPROTO_UDP);
	v = bpf_map_lookup_elem(&last_hash, &zero);
	if (v)
		*v = h;
	if (bpf_map_lookup_elem(&known, &h))
		return XDP_PASS;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
