// SPDX-License-Identifier: BSD-2-Clause
/*
 * The helper table: for every Linux helper ID uxdp implements, its function
 * and its prototype (return and argument kinds as the kernel declares them,
 * GPL-only flag, whether it invalidates packet pointers), plus the Linux name
 * of every helper ID the UAPI header knows, so that programs calling a helper
 * uxdp lacks can be refused by name. XDP program types (plain, devmap and
 * cpumap programs) share one helper set, as in the kernel's xdp_func_proto;
 * raw (conformance) programs get none.
 *
 * bpf_tail_call has an entry without a function: the engines intercept
 * BPF_FUNC_tail_call themselves (they must replace the running program, which
 * a helper cannot do).
 */
#include <stddef.h>

#include "helper/helper_priv.h"
#include "map/map_internal.h"

/* Linux names, generated from the UAPI helper list so new IDs come for free. */
#define UXDP_HELPER_NAME(x, ...) [BPF_FUNC_##x] = #x
static const char *const helper_names[__BPF_FUNC_MAX_ID] = {__BPF_FUNC_MAPPER(UXDP_HELPER_NAME)};
#undef UXDP_HELPER_NAME

#define A(x) UXDP_ARG_##x
#define HELPER(ID, FN, GPL, PKT, RET, ...)                                                         \
	[BPF_FUNC_##ID] = {                                                                        \
		.id = BPF_FUNC_##ID,                                                               \
		.name = #ID,                                                                       \
		.fn = FN,                                                                          \
		.gpl_only = GPL,                                                                   \
		.changes_pkt_data = PKT,                                                           \
		.ret = UXDP_RET_##RET,                                                             \
		.args = {__VA_ARGS__},                                                             \
	}

static const struct uxdp_helper_proto xdp_helpers[__BPF_FUNC_MAX_ID] = {
	/* maps */
	HELPER(map_lookup_elem, uxdp_bpf_map_lookup_elem, false, false, PTR_TO_MAP_VALUE_OR_NULL,
	       A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY)),
	HELPER(map_update_elem, uxdp_bpf_map_update_elem, false, false, INTEGER, A(CONST_MAP_PTR),
	       A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(ANYTHING)),
	HELPER(map_delete_elem, uxdp_bpf_map_delete_elem, false, false, INTEGER, A(CONST_MAP_PTR),
	       A(PTR_TO_MAP_KEY)),
	/* time, randomness, CPU */
	HELPER(ktime_get_ns, uxdp_bpf_ktime_get_ns, false, false, INTEGER),
	HELPER(ktime_get_boot_ns, uxdp_bpf_ktime_get_boot_ns, false, false, INTEGER),
	HELPER(ktime_get_coarse_ns, uxdp_bpf_ktime_get_coarse_ns, false, false, INTEGER),
	HELPER(jiffies64, uxdp_bpf_jiffies64, false, false, INTEGER),
	HELPER(get_prandom_u32, uxdp_bpf_get_prandom_u32, false, false, INTEGER),
	HELPER(get_smp_processor_id, uxdp_bpf_get_smp_processor_id, false, false, INTEGER),
	/* output */
	HELPER(trace_printk, uxdp_bpf_trace_printk, true, false, INTEGER, A(PTR_TO_MEM),
	       A(CONST_SIZE)),
	HELPER(perf_event_output, uxdp_bpf_perf_event_output, true, false, INTEGER, A(PTR_TO_CTX),
	       A(CONST_MAP_PTR), A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO)),
	HELPER(ringbuf_output, uxdp_bpf_ringbuf_output, false, false, INTEGER, A(CONST_MAP_PTR),
	       A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	HELPER(ringbuf_reserve, uxdp_bpf_ringbuf_reserve, false, false, PTR_TO_ALLOC_MEM_OR_NULL,
	       A(CONST_MAP_PTR), A(ANYTHING), A(ANYTHING)),
	HELPER(ringbuf_submit, uxdp_bpf_ringbuf_submit, false, false, VOID, A(PTR_TO_ALLOC_MEM),
	       A(ANYTHING)),
	HELPER(ringbuf_discard, uxdp_bpf_ringbuf_discard, false, false, VOID, A(PTR_TO_ALLOC_MEM),
	       A(ANYTHING)),
	HELPER(ringbuf_query, uxdp_bpf_ringbuf_query, false, false, INTEGER, A(CONST_MAP_PTR),
	       A(ANYTHING)),
	/* control flow */
	HELPER(tail_call, NULL, false, false, VOID, A(PTR_TO_CTX), A(CONST_MAP_PTR), A(ANYTHING)),
	HELPER(loop, uxdp_bpf_loop, false, false, INTEGER, A(ANYTHING), A(PTR_TO_FUNC),
	       A(PTR_TO_STACK_OR_NULL), A(ANYTHING)),
	HELPER(spin_lock, uxdp_bpf_spin_lock, false, false, VOID, A(PTR_TO_SPIN_LOCK)),
	HELPER(spin_unlock, uxdp_bpf_spin_unlock, false, false, VOID, A(PTR_TO_SPIN_LOCK)),
	/* packet */
	HELPER(xdp_adjust_head, uxdp_bpf_xdp_adjust_head, false, true, INTEGER, A(PTR_TO_CTX),
	       A(ANYTHING)),
	HELPER(xdp_adjust_meta, uxdp_bpf_xdp_adjust_meta, false, true, INTEGER, A(PTR_TO_CTX),
	       A(ANYTHING)),
	HELPER(xdp_adjust_tail, uxdp_bpf_xdp_adjust_tail, false, true, INTEGER, A(PTR_TO_CTX),
	       A(ANYTHING)),
	HELPER(xdp_get_buff_len, uxdp_bpf_xdp_get_buff_len, false, false, INTEGER, A(PTR_TO_CTX)),
	HELPER(xdp_load_bytes, uxdp_bpf_xdp_load_bytes, false, false, INTEGER, A(PTR_TO_CTX),
	       A(ANYTHING), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE)),
	HELPER(xdp_store_bytes, uxdp_bpf_xdp_store_bytes, false, false, INTEGER, A(PTR_TO_CTX),
	       A(ANYTHING), A(PTR_TO_MEM), A(CONST_SIZE)),
	HELPER(csum_diff, uxdp_bpf_csum_diff, false, false, INTEGER, A(PTR_TO_MEM_OR_NULL),
	       A(CONST_SIZE_OR_ZERO), A(PTR_TO_MEM_OR_NULL), A(CONST_SIZE_OR_ZERO), A(ANYTHING)),
	/* forwarding */
	HELPER(redirect, uxdp_bpf_redirect, false, false, INTEGER, A(ANYTHING), A(ANYTHING)),
	HELPER(redirect_map, uxdp_bpf_redirect_map, false, false, INTEGER, A(CONST_MAP_PTR),
	       A(ANYTHING), A(ANYTHING)),
	HELPER(check_mtu, uxdp_bpf_check_mtu, false, false, INTEGER, A(PTR_TO_CTX), A(ANYTHING),
	       A(PTR_TO_INT), A(ANYTHING), A(ANYTHING)),
	HELPER(fib_lookup, uxdp_bpf_fib_lookup, true, false, INTEGER, A(PTR_TO_CTX), A(PTR_TO_MEM),
	       A(CONST_SIZE), A(ANYTHING)),
};

#undef HELPER
#undef A

const struct uxdp_helper_proto *uxdp_helper_proto(int32_t id, enum uxdp_prog_type type)
{
	if (id <= 0 || id >= __BPF_FUNC_MAX_ID)
		return NULL;
	switch (type) {
	case UXDP_PROG_XDP:
	case UXDP_PROG_XDP_DEVMAP:
	case UXDP_PROG_XDP_CPUMAP:
		return xdp_helpers[id].name ? &xdp_helpers[id] : NULL;
	case UXDP_PROG_RAW:
		/* Conformance vectors call helper 5; it needs no context. */
		return id == BPF_FUNC_ktime_get_ns ? &xdp_helpers[id] : NULL;
	default:
		return NULL;
	}
}

uxdp_helper_fn uxdp_helper_for_map(int32_t id, const struct uxdp_map *map)
{
	if (id != BPF_FUNC_redirect_map || !map)
		return NULL;
	switch (map->type) {
	case BPF_MAP_TYPE_XSKMAP:
		return uxdp_bpf_redirect_xskmap;
	case BPF_MAP_TYPE_DEVMAP:
		return uxdp_bpf_redirect_devmap;
	default:
		return NULL;
	}
}

int32_t uxdp_helper_max_id(void)
{
	return __BPF_FUNC_MAX_ID - 1;
}

const char *uxdp_helper_name(int32_t id)
{
	if (id < 0 || id >= __BPF_FUNC_MAX_ID)
		return NULL;
	return helper_names[id];
}
