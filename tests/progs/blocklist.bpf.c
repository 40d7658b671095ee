// SPDX-License-Identifier: BSD-2-Clause
/*
 * DDoS filter core: drop IPv4/IPv6 sources found in an LPM-trie blocklist
 * (seeded from blocklist.maps.json), count packets per source in a hash map
 * and drop sources above a packet budget (.rodata), count verdicts in a
 * per-CPU array. Malformed packets are dropped, non-IP passed.
 */
#include "kdiff.h"

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

volatile const __u64 pkt_budget = 3;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, struct lpm_key);
	__type(value, __u64);
} src_pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline int verdict(int action)
{
	__u32 k = action;
	__u64 *c = bpf_map_lookup_elem(&verdicts, &k);

	if (c)
		*c += 1;
	return action;
}

SEC("xdp")
int blocklist(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key fk;
	struct lpm_key lk;
	__u32 *hit;
	__u64 *cnt, one = 1;
	int r;

	r = parse_packet(ctx, &pi, &fk);
	if (r < 0)
		return verdict(XDP_DROP);
	if (r == PARSE_NOT_IP)
		return verdict(XDP_PASS);
	__builtin_memset(&lk, 0, sizeof(lk));
	if (fk.family == 4) {
		lk.prefixlen = 32;
		__builtin_memcpy(lk.addr, fk.src, 4);
	} else {
		lk.prefixlen = 128;
		__builtin_memcpy(lk.addr, fk.src, 16);
	}
	hit = bpf_map_lookup_elem(&blocked, &lk);
	if (hit) {
		__sync_fetch_and_add(hit, 1);
		return verdict(XDP_DROP);
	}
	cnt = bpf_map_lookup_elem(&src_pkts, &lk);
	if (!cnt) {
		bpf_map_update_elem(&src_pkts, &lk, &one, BPF_ANY);
		return verdict(XDP_PASS);
	}
	if (__sync_fetch_and_add(cnt, 1) >= pkt_budget)
		return verdict(XDP_DROP);
	return verdict(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
