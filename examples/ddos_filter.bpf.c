// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp demo: a small DDoS filter.
 *
 *  - malformed frames (truncated or inconsistent Ethernet/VLAN/IP/L4 headers)
 *    are dropped;
 *  - non-IP traffic (ARP, ...) is passed;
 *  - sources inside a blocklisted prefix (LPM trie, IPv4 and IPv6, seeded
 *    from ddos_blocklist.json) are dropped;
 *  - every source gets a budget of `src_budget` packets per window of
 *    `window_pkts` packets seen by the filter (an LRU hash keeps per-source
 *    state, so a flood of spoofed sources cannot exhaust it); packets over
 *    budget are dropped. Windows count packets rather than nanoseconds so
 *    the verdicts of a pcap replay are the same on every machine and run;
 *  - the rest is passed.
 *
 * Verdicts are counted per reason in a per-CPU array.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum reason {
	R_PASS = 0,
	R_PASS_NON_IP,
	R_DROP_BLOCKLIST,
	R_DROP_RATE,
	R_DROP_MALFORMED,
	R_MAX,
};

struct src_key {
	__u32 prefixlen; /* 32 or 128: the same key works for the LPM lookup */
	__u8 addr[16];
};

struct src_state {
	__u64 window;	/* window the count belongs to */
	__u64 count;	/* packets in that window */
	__u64 passed;	/* totals, for the demo summary */
	__u64 dropped;
};

volatile const __u64 window_pkts = 512;
volatile const __u64 src_budget = 40;

__u64 seen; /* packets seen: the clock of the rate limiter */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct src_key);
	__type(value, __u64); /* packets dropped by this entry */
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct src_key);
	__type(value, struct src_state);
} sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, R_MAX);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int verdict(enum reason r)
{
	__u32 k = r;
	__u64 *c = bpf_map_lookup_elem(&verdicts, &k);

	if (c)
		*c += 1;
	return r <= R_PASS_NON_IP ? XDP_PASS : XDP_DROP;
}

/* Returns 0 and fills key with the source address, 1 for non-IP, -1 if malformed. */
static __always_inline int parse_source(struct xdp_md *ctx, struct src_key *key)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth), l4_off;
	__u16 proto;
	__u8 l4;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(0x88A8))
			break;
		if ((void *)(vh + 1) > data_end)
			return -1;
		proto = vh->proto;
		off += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;
		__u32 ihl;

		if ((void *)(iph + 1) > data_end)
			return -1;
		ihl = iph->ihl * 4;
		if (iph->version != 4 || ihl < sizeof(*iph) || bpf_ntohs(iph->tot_len) < ihl)
			return -1;
		if ((void *)iph + ihl > data_end)
			return -1;
		key->prefixlen = 32;
		__builtin_memcpy(key->addr, &iph->saddr, 4);
		if (iph->frag_off & bpf_htons(0x1fff))
			return 0; /* later fragment: no L4 header to check */
		l4 = iph->protocol;
		l4_off = off + ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		if (ip6->version != 6)
			return -1;
		key->prefixlen = 128;
		__builtin_memcpy(key->addr, &ip6->saddr, 16);
		l4 = ip6->nexthdr;
		l4_off = off + sizeof(*ip6);
	} else {
		return 1;
	}
	l4_off &= 0xff;
	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = data + l4_off;

		if ((void *)(th + 1) > data_end || th->doff < 5)
			return -1;
	} else if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = data + l4_off;

		if ((void *)(uh + 1) > data_end || bpf_ntohs(uh->len) < sizeof(*uh))
			return -1;
	}
	return 0;
}

SEC("xdp")
int ddos_filter(struct xdp_md *ctx)
{
	struct src_key key = {};
	struct src_state *st;
	__u64 *hits, now;
	int r;

	now = __sync_fetch_and_add(&seen, 1) / window_pkts;
	r = parse_source(ctx, &key);
	if (r < 0)
		return verdict(R_DROP_MALFORMED);
	if (r > 0)
		return verdict(R_PASS_NON_IP);

	hits = bpf_map_lookup_elem(&blocklist, &key);
	if (hits) {
		__sync_fetch_and_add(hits, 1);
		return verdict(R_DROP_BLOCKLIST);
	}

	st = bpf_map_lookup_elem(&sources, &key);
	if (!st) {
		struct src_state init = { .window = now, .count = 1, .passed = 1 };

		bpf_map_update_elem(&sources, &key, &init, BPF_ANY);
		return verdict(R_PASS);
	}
	if (st->window != now) {
		st->window = now;
		st->count = 0;
	}
	if (++st->count > src_budget) {
		st->dropped++;
		return verdict(R_DROP_RATE);
	}
	st->passed++;
	return verdict(R_PASS);
}

char LICENSE[] SEC("license") = "GPL";
