// SPDX-License-Identifier: BSD-2-Clause
/*
 * The helper table and helper names: every Linux ID has a name, implemented
 * helpers have kernel prototypes, program types get the right helper sets,
 * and the XDP action names.
 */
#include "helper_test.h"

UXDP_TEST(helper_names_known_ids, fast)
{
	ASSERT_STR_CONTAINS(uxdp_helper_name(0), "unspec");
	ASSERT_TRUE(!strcmp(uxdp_helper_name(BPF_FUNC_map_lookup_elem), "map_lookup_elem"));
	ASSERT_TRUE(!strcmp(uxdp_helper_name(BPF_FUNC_xdp_adjust_tail), "xdp_adjust_tail"));
	ASSERT_TRUE(!strcmp(uxdp_helper_name(BPF_FUNC_probe_read), "probe_read"));
	ASSERT_TRUE(!strcmp(uxdp_helper_name(BPF_FUNC_user_ringbuf_drain), "user_ringbuf_drain"));
	ASSERT_TRUE(!strcmp(uxdp_helper_name(118), "jiffies64"));
	ASSERT_TRUE(!strcmp(uxdp_helper_name(181), "loop"));
	return UXDP_TEST_PASS;
}

UXDP_TEST(helper_names_unknown_ids, fast)
{
	int32_t max = uxdp_helper_max_id(), id;

	ASSERT_EQ(max, __BPF_FUNC_MAX_ID - 1);
	ASSERT_TRUE(max >= 209);
	ASSERT_NULL(uxdp_helper_name(-1));
	ASSERT_NULL(uxdp_helper_name(max + 1));
	ASSERT_NULL(uxdp_helper_name(INT32_MAX));
	ASSERT_NULL(uxdp_helper_name(INT32_MIN));
	/* no holes: every ID up to max has a name */
	for (id = 0; id <= max; id++)
		if (!uxdp_helper_name(id) || !uxdp_helper_name(id)[0])
			UXDP_FAIL_AT("helper %d has no name", id);
	return UXDP_TEST_PASS;
}

UXDP_TEST(helper_table_consistent, fast)
{
	int32_t id, n = 0;

	for (id = -2; id <= uxdp_helper_max_id() + 2; id++) {
		const struct uxdp_helper_proto *p = uxdp_helper_proto(id, UXDP_PROG_XDP);

		if (!p)
			continue;
		n++;
		ASSERT_EQ(p->id, id);
		if (strcmp(p->name, uxdp_helper_name(id)))
			UXDP_FAIL_AT("helper %d: table name %s, Linux name %s", id, p->name,
				     uxdp_helper_name(id));
		/* only tail_call is left to the engines */
		if (!p->fn && id != BPF_FUNC_tail_call)
			UXDP_FAIL_AT("helper %s has no function", p->name);
	}
	ASSERT_EQ(n, 31); /* the set listed in helpers.c */
	return UXDP_TEST_PASS;
}

UXDP_TEST(helper_table_prototypes, fast)
{
	const struct uxdp_helper_proto *p;

	p = uxdp_helper_proto(BPF_FUNC_map_lookup_elem, UXDP_PROG_XDP);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(p->ret, UXDP_RET_PTR_TO_MAP_VALUE_OR_NULL);
	ASSERT_EQ(p->args[0], UXDP_ARG_CONST_MAP_PTR);
	ASSERT_EQ(p->args[1], UXDP_ARG_PTR_TO_MAP_KEY);
	ASSERT_EQ(p->args[2], UXDP_ARG_NONE);
	ASSERT_FALSE(p->gpl_only);

	p = uxdp_helper_proto(BPF_FUNC_tail_call, UXDP_PROG_XDP);
	ASSERT_NOT_NULL(p);
	ASSERT_NULL(p->fn);
	ASSERT_EQ(p->args[0], UXDP_ARG_PTR_TO_CTX);
	ASSERT_EQ(p->args[1], UXDP_ARG_CONST_MAP_PTR);

	/* the kernel's GPL-only helpers among ours */
	ASSERT_TRUE(uxdp_helper_proto(BPF_FUNC_trace_printk, UXDP_PROG_XDP)->gpl_only);
	ASSERT_TRUE(uxdp_helper_proto(BPF_FUNC_perf_event_output, UXDP_PROG_XDP)->gpl_only);
	ASSERT_TRUE(uxdp_helper_proto(BPF_FUNC_fib_lookup, UXDP_PROG_XDP)->gpl_only);
	ASSERT_FALSE(uxdp_helper_proto(BPF_FUNC_redirect_map, UXDP_PROG_XDP)->gpl_only);

	/* only the adjust helpers invalidate packet pointers */
	for (int32_t id = 1; id <= uxdp_helper_max_id(); id++) {
		p = uxdp_helper_proto(id, UXDP_PROG_XDP);
		if (!p)
			continue;
		ASSERT_EQ(p->changes_pkt_data, id == BPF_FUNC_xdp_adjust_head ||
						       id == BPF_FUNC_xdp_adjust_meta ||
						       id == BPF_FUNC_xdp_adjust_tail);
	}

	p = uxdp_helper_proto(BPF_FUNC_ringbuf_reserve, UXDP_PROG_XDP);
	ASSERT_EQ(p->ret, UXDP_RET_PTR_TO_ALLOC_MEM_OR_NULL);
	p = uxdp_helper_proto(BPF_FUNC_loop, UXDP_PROG_XDP);
	ASSERT_EQ(p->args[1], UXDP_ARG_PTR_TO_FUNC);
	ASSERT_EQ(p->args[2], UXDP_ARG_PTR_TO_STACK_OR_NULL);
	p = uxdp_helper_proto(BPF_FUNC_spin_lock, UXDP_PROG_XDP);
	ASSERT_EQ(p->ret, UXDP_RET_VOID);
	ASSERT_EQ(p->args[0], UXDP_ARG_PTR_TO_SPIN_LOCK);
	p = uxdp_helper_proto(BPF_FUNC_check_mtu, UXDP_PROG_XDP);
	ASSERT_EQ(p->args[2], UXDP_ARG_PTR_TO_INT);
	return UXDP_TEST_PASS;
}

UXDP_TEST(helper_sets_by_program_type, fast)
{
	/* raw (conformance) programs get only helper 5, which the vectors call */
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_map_lookup_elem, UXDP_PROG_RAW));
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_trace_printk, UXDP_PROG_RAW));
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_xdp_adjust_head, UXDP_PROG_RAW));
	ASSERT_NOT_NULL(uxdp_helper_proto(5, UXDP_PROG_RAW));
	ASSERT_EQ(uxdp_helper_proto(5, UXDP_PROG_RAW)->id, BPF_FUNC_ktime_get_ns);
	/* devmap and cpumap programs get the XDP set */
	ASSERT_NOT_NULL(uxdp_helper_proto(BPF_FUNC_xdp_adjust_head, UXDP_PROG_XDP_DEVMAP));
	ASSERT_NOT_NULL(uxdp_helper_proto(BPF_FUNC_redirect_map, UXDP_PROG_XDP_CPUMAP));
	/* known to Linux, not provided: refused by name */
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_probe_read, UXDP_PROG_XDP));
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_skb_store_bytes, UXDP_PROG_XDP));
	ASSERT_NULL(uxdp_helper_proto(0, UXDP_PROG_XDP));
	ASSERT_NULL(uxdp_helper_proto(-5, UXDP_PROG_XDP));
	ASSERT_NULL(uxdp_helper_proto(uxdp_helper_max_id() + 1, UXDP_PROG_XDP));
	ASSERT_NULL(uxdp_helper_proto(BPF_FUNC_map_lookup_elem, (enum uxdp_prog_type)99));
	return UXDP_TEST_PASS;
}

UXDP_TEST(xdp_action_names, fast)
{
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(XDP_ABORTED), "XDP_ABORTED"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(XDP_DROP), "XDP_DROP"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(XDP_PASS), "XDP_PASS"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(XDP_TX), "XDP_TX"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(XDP_REDIRECT), "XDP_REDIRECT"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(5), "UNKNOWN"));
	ASSERT_TRUE(!strcmp(uxdp_xdp_action_name(UINT32_MAX), "UNKNOWN"));
	return UXDP_TEST_PASS;
}
