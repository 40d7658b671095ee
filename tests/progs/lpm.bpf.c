// SPDX-License-Identifier: BSD-2-Clause
/*
 * LPM tries for IPv4 and IPv6 destinations, seeded by lpm.maps.json with
 * nested prefixes (/8, /16, /24, /32 and ::/0, 2001:db8::/32, /48): the
 * value of the longest match is counted per route id; the program also
 * inserts a /32 (or /128) for each new source and deletes it again when the
 * source shows up a second time, so tries change from the data path.
 */
#include "kdiff.h"

struct lpm4 {
	__u32 prefixlen;
	__u32 addr;
};

struct lpm6 {
	__u32 prefixlen;
	__u32 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm4);
	__type(value, __u32);
} routes4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm6);
	__type(value, __u32);
} routes6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} route_hits SEC(".maps");

SEC("xdp")
int lpm(struct xdp_md *ctx)
{
	struct pkt_info pi;
	struct flow_key fk;
	__u32 *rid, none = 15, mark = 0xee;
	__u64 *c;

	if (parse_packet(ctx, &pi, &fk) != PARSE_OK)
		return XDP_PASS;
	if (fk.family == 4) {
		struct lpm4 k = { .prefixlen = 32, .addr = fk.dst[0] };
		struct lpm4 s = { .prefixlen = 32, .addr = fk.src[0] };

		rid = bpf_map_lookup_elem(&routes4, &k);
		if (bpf_map_update_elem(&routes4, &s, &mark, BPF_NOEXIST))
			bpf_map_delete_elem(&routes4, &s);
	} else {
		struct lpm6 k = { .prefixlen = 128 };
		struct lpm6 s = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, fk.dst, 16);
		__builtin_memcpy(s.addr, fk.src, 16);
		rid = bpf_map_lookup_elem(&routes6, &k);
		if (bpf_map_update_elem(&routes6, &s, &mark, BPF_NOEXIST))
			bpf_map_delete_elem(&routes6, &s);
	}
	c = bpf_map_lookup_elem(&route_hits, rid ? rid : &none);
	if (c)
		*c += 1;
	return rid ? XDP_TX : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
