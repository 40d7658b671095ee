// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader test object: CO-RE relocations. Direct packet reads through
 * preserve_access_index UAPI headers (ethhdr, iphdr incl. the ihl bitfield),
 * and relocations whose local ("___v2" flavour) and target types differ, so
 * that the relocated values differ from what clang wrote. Each result goes to
 * results[] in .bss.
 */
#include <linux/bpf.h>
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#include <linux/if_ether.h>
#include <linux/ip.h>
struct foo___v2 {
	int added;
	int a;
	int b;
};
#pragma clang attribute pop
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

struct foo {
	int a;
	int b;
};

enum color { RED = 1, GREEN = 5 };
enum color___v2 { RED___v2 = 1, GREEN___v2 = 6, BLUE___v2 = 9 };

struct foo foo_anchor;
enum color color_anchor;
__u64 results[16];

SEC("xdp")
int core_prog(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + 14;
	struct foo___v2 *f2 = data;

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	results[14] = eth->h_proto;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	results[0] = ip->ttl;
	results[1] = BPF_CORE_READ_BITFIELD(ip, ihl);
	results[2] = bpf_core_field_exists(ip->tos);
	results[3] = bpf_core_field_exists(f2->added);
	results[4] = bpf_core_field_size(ip->saddr);
	results[5] = __builtin_preserve_field_info(f2->b, BPF_FIELD_BYTE_OFFSET);
	results[6] = bpf_core_type_exists(struct foo___v2);
	results[7] = bpf_core_type_size(struct foo___v2);
	results[8] = bpf_core_enum_value_exists(enum color___v2, BLUE___v2);
	results[9] = bpf_core_enum_value(enum color___v2, GREEN___v2);
	results[10] = f2->b;
	results[11] = bpf_core_type_id_local(struct foo___v2);
	results[12] = bpf_core_type_id_kernel(struct foo___v2);
	results[13] = __builtin_preserve_field_info(f2->a, BPF_FIELD_SIGNED);
	results[15] = BPF_CORE_READ_BITFIELD(ip, version);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
