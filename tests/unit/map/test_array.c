// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the generic map layer (create, IDs, names, access flags) and
 * of array / percpu_array maps, through the public API and the program-side
 * ops, against the kernel's answers.
 */
#include "map_test.h"

UXDP_TEST(map_create_unsupported_type, fast)
{
	ASSERT_NULL(mt_create(BPF_MAP_TYPE_STACK, 0, 4, 4, 0));
	ASSERT_EQ(errno, ENOTSUP);
	ASSERT_NULL(mt_create(BPF_MAP_TYPE_SOCKMAP, 4, 4, 4, 0));
	ASSERT_EQ(errno, ENOTSUP);
	return UXDP_TEST_PASS;
}

UXDP_TEST(map_name_and_accessors, fast)
{
	struct uxdp_map *m =
		uxdp_map__create(BPF_MAP_TYPE_ARRAY, "a_very_long_map_name_here", 4, 12, 7, NULL);

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(strlen(uxdp_map__name(m)), 15);
	ASSERT_TRUE(!strcmp(uxdp_map__name(m), "a_very_long_map"));
	ASSERT_EQ(uxdp_map__type(m), BPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(uxdp_map__key_size(m), 4);
	ASSERT_EQ(uxdp_map__value_size(m), 12);
	ASSERT_EQ(uxdp_map__max_entries(m), 7);
	ASSERT_EQ(uxdp_map__ncpus(m), 1);
	ASSERT_FALSE(uxdp_map__is_percpu(m));
	ASSERT_EQ(uxdp_map__value_size_user(m), 12);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(map_ids_resolve_and_vanish, fast)
{
	struct uxdp_map *a = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	struct uxdp_map *b = mt_create(BPF_MAP_TYPE_HASH, 4, 4, 1, 0);
	uint32_t ida, idb;

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ida = uxdp_map__id(a);
	idb = uxdp_map__id(b);
	ASSERT_NE(ida, 0);
	ASSERT_NE(ida, idb);
	ASSERT_TRUE(uxdp_map__from_id(ida) == a);
	ASSERT_TRUE(uxdp_map__from_id(idb) == b);
	uxdp_map__get(a);
	uxdp_map__put(a);
	ASSERT_TRUE(uxdp_map__from_id(ida) == a); /* one reference left */
	uxdp_map__put(a);
	ASSERT_NULL(uxdp_map__from_id(ida));
	ASSERT_NULL(uxdp_map__from_id(0));
	uxdp_map__put(b);
	return UXDP_TEST_PASS;
}

UXDP_TEST(map_access_flags, fast)
{
	uint32_t k = 0, v = 1;
	struct uxdp_map *ro = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_RDONLY);
	struct uxdp_map *wo = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_WRONLY);

	ASSERT_NOT_NULL(ro);
	ASSERT_NOT_NULL(wo);
	ASSERT_EQ(uxdp_map__update_elem(ro, &k, &v, 0), -EPERM);
	ASSERT_OK(uxdp_map__lookup_elem(ro, &k, &v));
	ASSERT_OK(uxdp_map__update_elem(wo, &k, &v, 0));
	ASSERT_EQ(uxdp_map__lookup_elem(wo, &k, &v), -EPERM);
	ASSERT_EQ(uxdp_map__get_next_key(wo, NULL, &k), -EPERM);
	uxdp_map__put(ro);
	uxdp_map__put(wo);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_RDONLY | BPF_F_WRONLY), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 2, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG),
		  EINVAL);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 8, 4, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, BPF_F_MMAPABLE), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, BPF_F_INNER_MAP), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 4, 0), E2BIG);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_MMAPABLE), 0);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 4, 0), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_zeroed_update_lookup, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0);
	uint64_t v, w = 0x1122334455667788ull;
	uint32_t k;

	ASSERT_NOT_NULL(m);
	for (k = 0; k < 16; k++) {
		v = 1;
		ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
		ASSERT_EQ(v, 0);
	}
	k = 5;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &w, BPF_ANY));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
	ASSERT_EQ(v, w);
	k = 16;
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &v), -ENOENT);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_update_flags, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t k = 1, v = 7;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_EXIST));
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_ANY));
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 3), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 8), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_F_LOCK), -EINVAL); /* no spin lock */
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_ANY), -E2BIG);
	k = UINT32_MAX;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_ANY), -E2BIG);
	k = 0;
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_get_next_key_order, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 5, 0);
	uint32_t k, next, n = 0;

	ASSERT_NOT_NULL(m);
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &next));
	ASSERT_EQ(next, 0);
	k = 0;
	while (!uxdp_map__get_next_key(m, &k, &next)) {
		ASSERT_EQ(next, k + 1);
		k = next;
		n++;
	}
	ASSERT_EQ(n, 4);
	ASSERT_EQ(k, 4);
	k = 4;
	ASSERT_EQ(uxdp_map__get_next_key(m, &k, &next), -ENOENT);
	k = 99; /* out of range: start over */
	ASSERT_OK(uxdp_map__get_next_key(m, &k, &next));
	ASSERT_EQ(next, 0);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_prog_ops, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 3, 0);
	uint32_t k = 2, v = 0, *p;

	ASSERT_NOT_NULL(m);
	p = mt_plookup(m, &k, 0);
	ASSERT_NOT_NULL(p);
	*p = 42; /* a program writes through the pointer */
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
	ASSERT_EQ(v, 42);
	ASSERT_TRUE(mt_plookup(m, &k, 3) == p); /* cpu does not matter */
	k = 3;
	ASSERT_NULL(mt_plookup(m, &k, 0));
	v = 9;
	ASSERT_EQ(mt_pupdate(m, &k, &v, BPF_ANY, 0), -E2BIG);
	k = 1;
	ASSERT_OK(mt_pupdate(m, &k, &v, BPF_EXIST, 0));
	ASSERT_EQ(mt_pupdate(m, &k, &v, BPF_NOEXIST, 0), -EEXIST);
	ASSERT_EQ(*(uint32_t *)mt_plookup(m, &k, 0), 9);
	ASSERT_EQ(mt_pdelete(m, &k, 0), -EINVAL);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_layout_and_padding, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 5, 4, BPF_F_MMAPABLE);
	uint8_t val[5] = {1, 2, 3, 4, 5}, *base;
	uint32_t k = 1;
	struct uxdp_map *h = mt_create(BPF_MAP_TYPE_HASH, 4, 4, 4, 0);

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(h);
	ASSERT_NULL(uxdp_map__array_data(h));
	base = uxdp_map__array_data(m);
	ASSERT_NOT_NULL(base);
	ASSERT_OK(uxdp_map__update_elem(m, &k, val, BPF_ANY));
	/* Elements are round_up(5, 8) = 8 bytes apart; padding stays zero. */
	ASSERT_MEMEQ(base + 8, val, 5);
	ASSERT_EQ(base[13], 0);
	ASSERT_EQ(base[14], 0);
	ASSERT_EQ(base[15], 0);
	ASSERT_EQ(base[7], 0);
	ASSERT_TRUE((uint8_t *)mt_plookup(m, &k, 0) == base + 8);
	uxdp_map__put(m);
	uxdp_map__put(h);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_spin_lock_word_preserved, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 12, 2, 0);
	uint32_t k = 0, in[3] = {0xdead, 0xffffffff, 0xbeef}, out[3], *slot;

	ASSERT_NOT_NULL(m);
	m->spin_lock_off = 4; /* what the loader sets from BTF */
	slot = mt_plookup(m, &k, 0);
	ASSERT_OK(uxdp_map__update_elem(m, &k, in, BPF_ANY));
	ASSERT_EQ(slot[0], 0xdead);
	ASSERT_EQ(slot[1], 0); /* lock word untouched */
	ASSERT_EQ(slot[2], 0xbeef);
	slot[1] = 0; /* unlocked */
	in[0] = 1;
	ASSERT_OK(uxdp_map__update_elem(m, &k, in, BPF_F_LOCK));
	ASSERT_EQ(slot[0], 1);
	ASSERT_EQ(slot[1], 0); /* released again */
	slot[1] = 1;	       /* pretend a program holds the lock: lookup still reads it as 0 */
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, out));
	ASSERT_EQ(out[0], 1);
	ASSERT_EQ(out[1], 0);
	ASSERT_EQ(out[2], 0xbeef);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(percpu_array_layout, fast)
{
	struct uxdp_map *m = mt_create_percpu(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, 0, 4);
	uint32_t k = 2, in[8], out[8], *p;

	ASSERT_NOT_NULL(m);
	ASSERT_TRUE(uxdp_map__is_percpu(m));
	ASSERT_EQ(uxdp_map__ncpus(m), 4);
	ASSERT_EQ(uxdp_map__value_size_user(m), 4 * 8);
	for (int c = 0; c < 4; c++) {
		in[2 * c] = 100 + c;
		in[2 * c + 1] = 0xaaaaaaaa; /* padding: not stored */
	}
	ASSERT_OK(uxdp_map__update_elem(m, &k, in, BPF_ANY));
	memset(out, 0x55, sizeof(out));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, out));
	for (int c = 0; c < 4; c++) {
		ASSERT_EQ(out[2 * c], 100 + c);
		ASSERT_EQ(out[2 * c + 1], 0);
		p = mt_plookup(m, &k, c);
		ASSERT_NOT_NULL(p);
		ASSERT_EQ(*p, 100 + c);
	}
	ASSERT_NULL(mt_plookup(m, &k, 4)); /* no such cpu slot */
	ASSERT_EQ(uxdp_map__update_elem(m, &k, in, BPF_NOEXIST), -EEXIST);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, in, BPF_F_LOCK), -EINVAL);
	k = 3;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, in, BPF_ANY), -E2BIG);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(percpu_array_prog_update_one_slot, fast)
{
	struct uxdp_map *m = mt_create_percpu(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, 0, 3);
	uint64_t v = 77, out[3];
	uint32_t k = 1;

	ASSERT_NOT_NULL(m);
	ASSERT_OK(mt_pupdate(m, &k, &v, BPF_ANY, 2));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, out));
	ASSERT_EQ(out[0], 0);
	ASSERT_EQ(out[1], 0);
	ASSERT_EQ(out[2], 77);
	ASSERT_EQ(mt_pupdate(m, &k, &v, BPF_ANY, 3), -EINVAL);
	ASSERT_EQ(uxdp_map__ncpus(m), 3);
	uxdp_map__put(m);
	/* ncpus 0 means 1 */
	m = mt_create_percpu(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2, 0, 0);
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__ncpus(m), 1);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(map_bad_arguments, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0);
	uint32_t k = 0, v;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__lookup_elem(m, NULL, &v), -EINVAL);
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, NULL), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, NULL, &v, 0), -EINVAL);
	ASSERT_EQ(uxdp_map__lookup_elem(NULL, &k, &v), -EINVAL);
	ASSERT_EQ(uxdp_map__get_next_key(m, NULL, NULL), -EINVAL);
	uxdp_map__put(m);
	uxdp_map__put(NULL); /* harmless */
	return UXDP_TEST_PASS;
}
