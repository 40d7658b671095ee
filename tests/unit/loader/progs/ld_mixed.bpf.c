// SPDX-License-Identifier: BSD-2-Clause
/* Loader test object: a tc and a kprobe program (skipped) next to an XDP one. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	return 0;
}

SEC("kprobe/do_sys_open")
int kp(void *ctx)
{
	return 0;
}

SEC("xdp")
int xdp_keep(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
