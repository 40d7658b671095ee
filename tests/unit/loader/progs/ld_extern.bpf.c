// SPDX-License-Identifier: BSD-2-Clause
/* Loader test object: a reference to an extern variable nothing defines. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int not_defined_anywhere;

SEC("xdp")
int uses_extern(struct xdp_md *ctx)
{
	return not_defined_anywhere;
}

char LICENSE[] SEC("license") = "GPL";
