// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the redirect containers: devmap, devmap_hash, cpumap and
 * xskmap (kernel value layouts, flags, deletes, iteration, the entries
 * uxdp_container_map_lookup() hands to the redirect helper).
 */
#include "map_test.h"
#include "vm/vm_internal.h"

UXDP_TEST(devmap_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP, 8, 4, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP, 4, 6, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY_PROG), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP_HASH, 4, 12, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0), 0);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, BPF_F_RDONLY), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(devmap_update_lookup_delete, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0);
	uint32_t k = 1, v = 7, out;
	struct uxdp_devmap_entry *e;
	struct bpf_devmap_val *pv;

	ASSERT_NOT_NULL(m);
	ASSERT_TRUE(uxdp_map__flags(m) & BPF_F_RDONLY_PROG);
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	ASSERT_NULL(mt_plookup(m, &k, 0));
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_EXIST)); /* slots always "exist" */
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out, 7);
	pv = mt_plookup(m, &k, 0);
	ASSERT_NOT_NULL(pv);
	ASSERT_EQ(pv->ifindex, 7);
	e = uxdp_container_map_lookup(m, 1);
	ASSERT_TRUE((void *)e == (void *)pv);
	ASSERT_EQ(e->key, 1);
	ASSERT_NULL(e->prog);
	ASSERT_NULL(uxdp_container_map_lookup(m, 0));
	ASSERT_NULL(uxdp_container_map_lookup(m, 4));
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -E2BIG);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	k = 0;
	ASSERT_OK(uxdp_map__delete_elem(m, &k)); /* empty slot: still 0, as the kernel */
	k = 1;
	v = 0; /* ifindex 0 empties the slot */
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	v = 9;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	/* Iteration covers every index, present or not. */
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &out));
	ASSERT_EQ(out, 0);
	k = 3;
	ASSERT_EQ(uxdp_map__get_next_key(m, &k, &out), -ENOENT);
	ASSERT_NULL(m->ops->prog_update); /* programs cannot change a devmap */
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(devmap_val_with_prog, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0);
	struct uxdp_prog *dp = mt_prog(UXDP_PROG_XDP_DEVMAP), *xp = mt_prog(UXDP_PROG_XDP);
	struct bpf_devmap_val val = {0}, out;
	struct uxdp_devmap_entry *e;
	uint32_t k = 2;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(dp);
	ASSERT_NOT_NULL(xp);
	val.ifindex = 3;
	val.bpf_prog.fd = (int)uxdp_prog__id(xp);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -EINVAL); /* not a devmap program */
	val.bpf_prog.fd = 0x7ffffff;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -EINVAL); /* no such program */
	val.ifindex = 0;
	val.bpf_prog.fd = (int)uxdp_prog__id(dp);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -EINVAL); /* prog without ifindex */
	val.ifindex = 3;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out.ifindex, 3);
	ASSERT_EQ(out.bpf_prog.id, uxdp_prog__id(dp));
	e = uxdp_container_map_lookup(m, k);
	ASSERT_NOT_NULL(e);
	ASSERT_TRUE(e->prog == dp);
	ASSERT_EQ(atomic_load(&dp->refcnt), 2); /* the entry holds a reference */
	val.bpf_prog.fd = 0;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0)); /* replaces; the old entry is retired */
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out.bpf_prog.id, 0);
	ASSERT_NULL(((struct uxdp_devmap_entry *)uxdp_container_map_lookup(m, k))->prog);
	ASSERT_EQ(atomic_load(&dp->refcnt), 2); /* the retired entry still holds it */
	uxdp_map__put(m);
	ASSERT_EQ(atomic_load(&dp->refcnt), 1);
	uxdp_prog__put(dp);
	uxdp_prog__put(xp);
	return UXDP_TEST_PASS;
}

UXDP_TEST(devmap_hash_basic, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 3, 0);
	uint32_t k, v, out, seen = 0, n = 0;
	const void *prev = NULL;
	uint32_t cur;

	ASSERT_NOT_NULL(m);
	k = 1000, v = 0;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -EINVAL); /* ifindex 0 */
	v = 5;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_EXIST)); /* kernel accepts EXIST */
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	k = 7000000;
	v = 6;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST));
	k = 3;
	v = 7;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -E2BIG);
	k = 3;
	v = 8;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0)); /* replace when full */
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out, 8);
	ASSERT_EQ(((struct bpf_devmap_val *)mt_plookup(m, &k, 0))->ifindex, 8);
	ASSERT_EQ(((struct uxdp_devmap_entry *)uxdp_container_map_lookup(m, 7000000))->val.ifindex,
		  6);
	while (!uxdp_map__get_next_key(m, prev, &out)) {
		seen |= out == 1000 ? 1 : out == 7000000 ? 2 : out == 3 ? 4 : 8;
		cur = out;
		prev = &cur;
		n++;
		ASSERT_TRUE(n <= 3);
	}
	ASSERT_EQ(seen, 7);
	k = 1000;
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -ENOENT);
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	ASSERT_NULL(uxdp_container_map_lookup(m, 1000));
	k = 4;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0)); /* room again */
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(cpumap_basic, fast)
{
	struct uxdp_map *m;
	struct uxdp_prog *cp = mt_prog(UXDP_PROG_XDP_CPUMAP);
	struct bpf_cpumap_val val = {0}, out;
	struct uxdp_cpumap_entry *e;
	uint32_t k = 1;

	ASSERT_NOT_NULL(cp);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_CPUMAP, 4, 4, 100000, 0), E2BIG);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_CPUMAP, 4, 12, 4, 0), EINVAL);
	m = mt_create(BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0);
	ASSERT_NOT_NULL(m);
	ASSERT_NULL(m->ops->prog_lookup); /* programs only redirect through a cpumap */
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	val.qsize = 20000;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -EOVERFLOW);
	val.qsize = 256;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, BPF_NOEXIST), -EEXIST);
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -E2BIG);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	k = 1;
	val.bpf_prog.fd = 0x7ffffff;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &val, 0), -EINVAL);
	val.bpf_prog.fd = (int)uxdp_prog__id(cp);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out.qsize, 256);
	ASSERT_EQ(out.bpf_prog.id, uxdp_prog__id(cp));
	e = uxdp_container_map_lookup(m, 1);
	ASSERT_NOT_NULL(e);
	ASSERT_TRUE(e->prog == cp);
	ASSERT_EQ(e->cpu, 1);
	val.qsize = 0; /* same as delete */
	val.bpf_prog.fd = 0;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	uxdp_map__put(m);
	uxdp_prog__put(cp);
	return UXDP_TEST_PASS;
}

UXDP_TEST(xskmap_basic, fast)
{
	struct uxdp_map *m;
	uint32_t k = 0, v = 42, out;
	struct uxdp_xskmap_entry *e;

	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_XSKMAP, 4, 4, 0, 0), EINVAL);
	m = mt_create(BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0);
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_EXIST), -ENOENT);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST));
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	v = 43;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_EXIST));
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -EOPNOTSUPP);
	ASSERT_EQ(*(uint32_t *)mt_plookup(m, &k, 0), 43);
	e = uxdp_container_map_lookup(m, 0);
	ASSERT_NOT_NULL(e);
	ASSERT_EQ(e->sock_id, 43);
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -E2BIG);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	k = 0;
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_NULL(mt_plookup(m, &k, 0));
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &out));
	ASSERT_EQ(out, 0);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(container_lookup_other_types, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);

	ASSERT_NOT_NULL(m);
	ASSERT_NULL(uxdp_container_map_lookup(m, 0));
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

/*
 * A worker that looked an entry up before an update may still run the entry's
 * egress program after it: the replaced entry keeps its program (and the
 * reference) until the map has no users, for devmap and devmap_hash, on
 * update and on delete.
 */
static int replaced_entry_keeps_prog(enum bpf_map_type type, bool del)
{
	struct uxdp_map *m = mt_create(type, 4, 8, 4, 0);
	struct uxdp_prog *dp = mt_prog(UXDP_PROG_XDP_DEVMAP), *held;
	struct bpf_devmap_val val = {.ifindex = 3};
	struct uxdp_devmap_entry *e;
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	struct uxdp_xdp_buff xb = {0};
	uint8_t pkt[64] = {0};
	uint32_t k = 1;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(dp);
	ASSERT_NOT_NULL(ex);
	val.bpf_prog.fd = (int)uxdp_prog__id(dp);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	uxdp_prog__put(dp);		     /* the map's reference is the only one now */
	e = uxdp_container_map_lookup(m, k); /* what a worker holds during its poll */
	ASSERT_NOT_NULL(e);
	ASSERT_TRUE(e->prog == dp);
	held = e->prog;
	if (del) {
		ASSERT_OK(uxdp_map__delete_elem(m, &k));
	} else {
		val.ifindex = 4;
		val.bpf_prog.fd = 0;
		ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	}
	ASSERT_TRUE(uxdp_container_map_lookup(m, k) != e);
	/* The worker's entry is intact and its program still runs (ASan: no use after free). */
	ASSERT_TRUE(e->prog == held);
	ASSERT_EQ(e->val.ifindex, 3);
	ASSERT_EQ(atomic_load(&held->refcnt), 1);
	xb.data = xb.data_meta = pkt;
	xb.data_hard_start = pkt;
	xb.data_end = pkt + sizeof(pkt);
	xb.frame_sz = sizeof(pkt);
	xb.egress_ifindex = 3;
	ASSERT_EQ(uxdp_prog__run_xdp(e->prog, &xb, ex), XDP_PASS);
	uxdp_exec__free(ex);
	uxdp_map__put(m); /* frees the retired entry and drops the program */
	return UXDP_TEST_PASS;
}

UXDP_TEST(devmap_replaced_entry_keeps_egress_prog, fast)
{
	int rc = replaced_entry_keeps_prog(BPF_MAP_TYPE_DEVMAP, false);

	return rc != UXDP_TEST_PASS ? rc : replaced_entry_keeps_prog(BPF_MAP_TYPE_DEVMAP, true);
}

UXDP_TEST(devmap_hash_replaced_entry_keeps_egress_prog, fast)
{
	int rc = replaced_entry_keeps_prog(BPF_MAP_TYPE_DEVMAP_HASH, false);

	return rc != UXDP_TEST_PASS ? rc
				    : replaced_entry_keeps_prog(BPF_MAP_TYPE_DEVMAP_HASH, true);
}

UXDP_TEST(cpumap_replaced_entry_keeps_prog, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0);
	struct uxdp_prog *cp = mt_prog(UXDP_PROG_XDP_CPUMAP), *held;
	struct bpf_cpumap_val val = {.qsize = 256};
	struct uxdp_cpumap_entry *e;
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	struct uxdp_xdp_buff xb = {0};
	uint8_t pkt[64] = {0};
	uint32_t k = 2;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(cp);
	ASSERT_NOT_NULL(ex);
	val.bpf_prog.fd = (int)uxdp_prog__id(cp);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0));
	uxdp_prog__put(cp);		     /* the map's reference is the only one now */
	e = uxdp_container_map_lookup(m, k); /* what a worker holds during its poll */
	ASSERT_NOT_NULL(e);
	held = e->prog;
	ASSERT_TRUE(held == cp);
	val.bpf_prog.fd = 0;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &val, 0)); /* replaced: the old entry is retired */
	ASSERT_TRUE(uxdp_container_map_lookup(m, k) != e);
	ASSERT_TRUE(e->prog == held); /* still runnable by the worker (ASan: no use after free) */
	ASSERT_EQ(atomic_load(&held->refcnt), 1);
	xb.data = xb.data_meta = xb.data_hard_start = pkt;
	xb.data_end = pkt + sizeof(pkt);
	xb.frame_sz = sizeof(pkt);
	(void)uxdp_prog__run_xdp(e->prog, &xb, ex);
	uxdp_exec__free(ex);
	uxdp_map__put(m); /* frees the retired entry and drops the program */
	return UXDP_TEST_PASS;
}
