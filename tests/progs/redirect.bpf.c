// SPDX-License-Identifier: BSD-2-Clause
/*
 * Redirects: the last byte of the destination MAC picks bpf_redirect() to an
 * ifindex or bpf_redirect_map() into a devmap, devmap_hash, cpumap or xskmap,
 * with the fallback action in the flags' low bits for missing entries. The
 * devmaps and cpumap are seeded by redirect.maps.json (loopback, ifindex 1;
 * cpumap queue size 192); the xskmap stays empty (entries need AF_XDP
 * sockets). Each helper's return value is recorded.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} tx_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} redir_rc SEC(".maps");

SEC("xdp")
int redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 sel, key;
	__s64 rc, *slot;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	sel = eth->h_dest[5] & 15;
	key = eth->h_dest[4] & 7;
	switch (sel) {
	case 0:
		rc = bpf_redirect(1, 0);
		break;
	case 1:
		rc = bpf_redirect(eth->h_dest[4], 0);
		break;
	case 2:
		rc = bpf_redirect_map(&tx_ports, key, XDP_PASS);
		break;
	case 3:
		rc = bpf_redirect_map(&tx_ports, key, XDP_DROP);
		break;
	case 4:
		rc = bpf_redirect_map(&tx_hash, key, XDP_PASS);
		break;
	case 5:
		rc = bpf_redirect_map(&cpus, key & 1, XDP_PASS);
		break;
	case 6:
		rc = bpf_redirect_map(&xsks, key & 3, XDP_DROP);
		break;
	case 7:
		rc = bpf_redirect_map(&tx_ports, 100, XDP_TX);
		break;
	case 8:
		rc = bpf_redirect(1, 7); /* invalid flags */
		break;
	default:
		return XDP_PASS;
	}
	slot = bpf_map_lookup_elem(&redir_rc, &sel);
	if (slot)
		*slot = rc;
	return rc;
}

char LICENSE[] SEC("license") = "GPL";
