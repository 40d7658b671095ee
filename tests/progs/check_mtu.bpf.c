// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_check_mtu on the ingress device (ifindex 0; loopback in test runs,
 * MTU 65536): the frame as is, grown by a large delta that exceeds the MTU,
 * and for an explicit ifindex 1; return codes and reported MTUs recorded.
 */
#include "kdiff.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __s64);
} mtu_res SEC(".maps");

static __always_inline void put(__u32 i, __s64 v)
{
	__s64 *p = bpf_map_lookup_elem(&mtu_res, &i);

	if (p)
		*p = v;
}

SEC("xdp")
int check_mtu(struct xdp_md *ctx)
{
	__u32 mtu = 0;
	long rc;

	rc = bpf_check_mtu(ctx, 0, &mtu, 0, 0);
	put(0, rc);
	put(1, mtu);
	mtu = 0;
	rc = bpf_check_mtu(ctx, 0, &mtu, 70000, 0);
	put(2, rc);
	put(3, mtu);
	mtu = 1234;
	rc = bpf_check_mtu(ctx, 1, &mtu, -4, 0);
	put(4, rc);
	put(5, mtu);
	return rc == 0 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
