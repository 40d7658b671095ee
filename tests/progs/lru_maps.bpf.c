// SPDX-License-Identifier: BSD-2-Clause
/*
 * LRU maps: count packets per source address in an LRU hash and bytes per
 * destination in an LRU per-CPU hash. Both are large enough for the test
 * pcap, so no eviction happens (kernel LRU eviction order is approximate and
 * not something two runtimes can agree on).
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} lru_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} lru_dst SEC(".maps");

SEC("xdp")
int lru_maps(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key fk;
	__u64 one = 1, len = ctx->data_end - ctx->data, *v;

	if (parse_packet(ctx, &pi, &fk) != PARSE_OK)
		return XDP_PASS;
	v = bpf_map_lookup_elem(&lru_src, &fk.src[0]);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&lru_src, &fk.src[0], &one, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&lru_dst, &fk.dst[3]);
	if (v)
		*v += len;
	else
		bpf_map_update_elem(&lru_dst, &fk.dst[3], &len, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
