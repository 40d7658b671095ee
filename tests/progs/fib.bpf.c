// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_fib_lookup for IPv4 and IPv6 packets. kernel_run runs in a fresh
 * network namespace (only a down loopback, no routes) and uxdp test-run has
 * an empty route table, so every lookup should report "no route"; the return
 * code and the interesting output fields are recorded per family.
 */
#include "kdiff.h"

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#endif

struct fib_out {
	__s64 rc;
	__u32 ifindex;
	__u16 mtu_result;
	__u16 pad;
	__u8 smac[6];
	__u8 dmac[6];
	__u32 calls;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fib_out);
} fib_res SEC(".maps");

SEC("xdp")
int fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p;
	struct pkt_info pi;
	struct flow_key fk;
	struct fib_out *o;
	__u32 idx;
	long rc;

	if (parse_packet(ctx, &pi, &fk) != PARSE_OK || pi.frag)
		return XDP_PASS;
	__builtin_memset(&p, 0, sizeof(p));
	p.ifindex = ctx->ingress_ifindex;
	p.l4_protocol = fk.proto;
	p.sport = fk.sport;
	p.dport = fk.dport;
	if (fk.family == 4) {
		p.family = AF_INET;
		p.ipv4_src = fk.src[0];
		p.ipv4_dst = fk.dst[0];
		p.tot_len = ctx->data_end - ctx->data - 14;
		idx = 0;
	} else {
		p.family = AF_INET6;
		__builtin_memcpy(p.ipv6_src, fk.src, 16);
		__builtin_memcpy(p.ipv6_dst, fk.dst, 16);
		idx = 1;
	}
	rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	o = bpf_map_lookup_elem(&fib_res, &idx);
	if (!o)
		return XDP_ABORTED;
	o->rc = rc;
	o->ifindex = p.ifindex;
	o->mtu_result = p.mtu_result;
	__builtin_memcpy(o->smac, p.smac, 6);
	__builtin_memcpy(o->dmac, p.dmac, 6);
	o->calls++;
	return rc == BPF_FIB_LKUP_RET_SUCCESS ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
