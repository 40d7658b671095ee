// SPDX-License-Identifier: BSD-2-Clause
/*
 * Programs of the network-namespace tests (test_netns.py), for uxdpd with two
 * ports a and b opened in that order (uxdp ifindexes 2 and 3):
 *  - l2fwd: a wire between the ports; every frame goes out of the other one
 *    (ifindex ^ 1 maps 2 to 3 and 3 to 2).
 *  - l2fwd_filter: the same wire with a DDoS filter in front: UDP to port
 *    FLOOD_PORT is dropped, everything else forwarded; dropped and forwarded
 *    frames are counted in `verdicts` (key 0 dropped, key 1 forwarded).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define FLOOD_PORT 9999

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&verdicts, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("xdp")
int l2fwd(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex ^ 1, 0);
}

SEC("xdp")
int l2fwd_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *uh;

	if ((void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP) &&
	    iph->protocol == IPPROTO_UDP && iph->ihl == 5) {
		uh = (void *)(iph + 1);
		if ((void *)(uh + 1) <= data_end && uh->dest == bpf_htons(FLOOD_PORT)) {
			count(0);
			return XDP_DROP;
		}
	}
	count(1);
	return bpf_redirect(ctx->ingress_ifindex ^ 1, 0);
}

char LICENSE[] SEC("license") = "GPL";
