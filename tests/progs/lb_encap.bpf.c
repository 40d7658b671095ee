// SPDX-License-Identifier: BSD-2-Clause
/*
 * Layer-4 load balancer: IPv4 TCP/UDP packets to the VIP 10.0.0.100 get an
 * outer IPv4 header (IP-in-IP) to a backend chosen by hashing the 5-tuple
 * over a backend array (.rodata count, array map of addresses). The outer
 * header is made room for with bpf_xdp_adjust_head, its checksum computed
 * with bpf_csum_diff, and the frame sent with XDP_TX.
 */
#include "kdiff.h"

#define VIP 0x0a000064 /* 10.0.0.100 */

volatile const __u32 n_backends = 4;
volatile const __u32 lb_saddr = 0xc0a80001; /* 192.168.0.1 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} lb_hits SEC(".maps");

static __always_inline __u32 hash_key(const struct flow_key *k)
{
	__u32 h = k->src[0] * 31 + k->dst[0];

	h = h * 31 + (((__u32)k->sport << 16) | k->dport);
	h = h * 31 + k->proto;
	return h ^ (h >> 16);
}

SEC("xdp")
int lb_encap(struct xdp_md *ctx)
{
	void *data, *data_end;
	struct ethhdr *eth, orig_eth;
	struct iphdr *outer, *inner;
	struct pkt_info pi;
	struct flow_key key;
	__u32 idx, *be;
	__u64 *hits;
	__u16 inner_len;
	__s64 sum;
	int r;

	r = parse_packet(ctx, &pi, &key);
	if (r != PARSE_OK || key.family != 4 || pi.vlans)
		return XDP_PASS;
	if (key.dst[0] != bpf_htonl(VIP) || (key.proto != IPPROTO_TCP && key.proto != IPPROTO_UDP))
		return XDP_PASS;
	idx = hash_key(&key) % n_backends;
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be || !*be)
		return XDP_DROP;
	hits = bpf_map_lookup_elem(&lb_hits, &idx);
	if (hits)
		*hits += 1;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	inner = (void *)(eth + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(&orig_eth, eth, sizeof(orig_eth));
	inner_len = bpf_ntohs(inner->tot_len);

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_dest, orig_eth.h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, orig_eth.h_dest, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = bpf_htons(0x4000);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(lb_saddr);
	outer->daddr = *be;
	sum = bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0);
	outer->check = csum_fold(sum);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
