// SPDX-License-Identifier: BSD-2-Clause
/*
 * An XDP program that calls a helper uxdp does not offer to XDP programs
 * (bpf_get_current_pid_tgid, ID 14, a tracing helper the kernel refuses for
 * XDP too): loading it must fail, naming the helper and the instruction.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int calls_tracing_helper(struct xdp_md *ctx)
{
	if (bpf_get_current_pid_tgid() == 42)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
