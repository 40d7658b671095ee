// SPDX-License-Identifier: BSD-2-Clause
/* Loader test object: a function pointer stored in .data (cannot be resolved). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int one(int x)
{
	return x + 1;
}

int (*volatile fnp)(int) = one;

SEC("xdp")
int calls_ptr(struct xdp_md *ctx)
{
	return fnp(1);
}

char LICENSE[] SEC("license") = "GPL";
