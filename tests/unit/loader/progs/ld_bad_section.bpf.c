// SPDX-License-Identifier: BSD-2-Clause
/* Loader test object: a program in a section no loader knows. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp_bogus/thing")
int bogus(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
