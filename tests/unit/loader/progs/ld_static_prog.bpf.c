// SPDX-License-Identifier: BSD-2-Clause
/* Loader test object: a static function in a program section (libbpf refuses it). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
static int hidden(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int visible(struct xdp_md *ctx)
{
	return hidden(ctx);
}

char LICENSE[] SEC("license") = "GPL";
