/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared pieces of the kernel-differential test programs (tests/progs): the
 * packet headers we parse, a bounds-checked Ethernet/VLAN/IPv4/IPv6/L4 parser
 * that fills a zero-padded 5-tuple key, and a few small utilities. Everything
 * is static __always_inline so each program stays a single verifier unit
 * unless it asks for subprograms on purpose.
 */
#ifndef KDIFF_H
#define KDIFF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

/* <linux/icmp.h> pulls in libc socket headers, which do not build for -target bpf. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* 5-tuple; every byte is written so the key hashes the same everywhere. */
struct flow_key {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* Where the parser got to. */
struct pkt_info {
	__u16 eth_proto; /* host order, after VLAN tags */
	__u16 l3_off;
	__u16 l4_off;
	__u8 vlans;
	__u8 l4_proto;
	__u8 frag;	 /* 0 none, 1 first fragment, 2 later fragment */
	__u8 pad[3];
};

/* Parse results (negative: where the packet was malformed). */
enum {
	PARSE_OK = 0,
	PARSE_NOT_IP = 1,
	PARSE_ERR_ETH = -1,
	PARSE_ERR_VLAN = -2,
	PARSE_ERR_IP = -3,
	PARSE_ERR_IP_HDR = -4,
	PARSE_ERR_L4 = -5,
};

#define PARSE_RESULTS 7
static __always_inline __u32 parse_slot(int r)
{
	return (__u32)(r + 5); /* -5..1 -> 0..6 */
}

static __always_inline int parse_l4(void *data, void *data_end, __u32 off, __u8 proto,
				    struct flow_key *k)
{
	void *l4 = data + off;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return PARSE_ERR_L4;
		k->sport = th->source;
		k->dport = th->dest;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return PARSE_ERR_L4;
		k->sport = uh->source;
		k->dport = uh->dest;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		struct icmphdr *ih = l4;

		if ((void *)ih + 4 > data_end)
			return PARSE_ERR_L4;
		k->sport = ih->type;
		k->dport = ih->code;
	}
	return PARSE_OK;
}

/*
 * Parse Ethernet (up to two VLAN tags), IPv4 (IHL, version, total length,
 * fragments) or IPv6 (no extension headers here), then TCP/UDP/ICMP ports.
 */
static __always_inline int parse_packet(struct xdp_md *ctx, struct pkt_info *pi,
					struct flow_key *k)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__u16 proto;

	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memset(pi, 0, sizeof(*pi));
	if ((void *)(eth + 1) > data_end)
		return PARSE_ERR_ETH;
	proto = bpf_ntohs(eth->h_proto);
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return PARSE_ERR_VLAN;
		proto = bpf_ntohs(vh->proto);
		off += sizeof(*vh);
		pi->vlans++;
	}
	pi->eth_proto = proto;
	pi->l3_off = off;
	if (proto == ETH_P_IP) {
		struct iphdr *iph = data + off;
		__u32 ihl;
		__u16 frag;

		if ((void *)(iph + 1) > data_end)
			return PARSE_ERR_IP;
		if (iph->version != 4 || iph->ihl < 5)
			return PARSE_ERR_IP_HDR;
		ihl = iph->ihl * 4;
		if (bpf_ntohs(iph->tot_len) < ihl)
			return PARSE_ERR_IP_HDR;
		if ((void *)iph + ihl > data_end)
			return PARSE_ERR_IP;
		k->family = 4;
		k->proto = iph->protocol;
		k->src[0] = iph->saddr;
		k->dst[0] = iph->daddr;
		pi->l4_proto = iph->protocol;
		frag = bpf_ntohs(iph->frag_off);
		if (frag & 0x1fff) {
			pi->frag = 2;
			return PARSE_OK; /* later fragment: no L4 header */
		}
		if (frag & 0x2000)
			pi->frag = 1;
		off += ihl;
		pi->l4_off = off;
		return parse_l4(data, data_end, off & 0xffff, iph->protocol, k);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end)
			return PARSE_ERR_IP;
		if (ip6->version != 6)
			return PARSE_ERR_IP_HDR;
		k->family = 6;
		k->proto = ip6->nexthdr;
		__builtin_memcpy(k->src, &ip6->saddr, 16);
		__builtin_memcpy(k->dst, &ip6->daddr, 16);
		pi->l4_proto = ip6->nexthdr;
		off += sizeof(*ip6);
		pi->l4_off = off;
		return parse_l4(data, data_end, off, ip6->nexthdr, k);
	}
	return PARSE_NOT_IP;
}

/* Swap source and destination MAC addresses in place. */
static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Fold a 32-bit one's-complement sum (as bpf_csum_diff returns it) to 16 bits. */
static __always_inline __u16 csum_fold(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

#endif /* KDIFF_H */
