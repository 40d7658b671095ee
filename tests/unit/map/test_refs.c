// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the maps that hold references: prog_array (program IDs,
 * owner type, bpf_tail_call lookup) and array_of_maps / hash_of_maps (map IDs,
 * inner template checks, program lookups returning the inner map).
 */
#include "map_test.h"
#include "vm/vm_internal.h"

static int prog_refs(struct uxdp_prog *p)
{
	return atomic_load(&p->refcnt);
}

UXDP_TEST(prog_array_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(prog_array_update_lookup_delete, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct uxdp_prog *p = mt_prog(UXDP_PROG_XDP);
	uint32_t k = 1, id, out;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(p);
	id = uxdp_prog__id(p);
	ASSERT_NULL(m->ops->prog_lookup); /* programs cannot look a prog_array up */
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &out), -ENOENT);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &id, BPF_NOEXIST), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &id, BPF_EXIST), -EINVAL);
	k = 4;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &id, BPF_ANY), -E2BIG);
	k = 1;
	out = 0x7fffffff;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &out, BPF_ANY), -EBADF);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &id, BPF_ANY));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out, id);
	ASSERT_TRUE(uxdp_prog_array_get(m, 1) == p);
	ASSERT_NULL(uxdp_prog_array_get(m, 0));
	ASSERT_NULL(uxdp_prog_array_get(m, 4));
	ASSERT_NULL(uxdp_prog_array_get(m, UINT32_MAX));
	k = 0;
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -ENOENT);
	k = 9;
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -E2BIG);
	k = 1;
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_NULL(uxdp_prog_array_get(m, 1));
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &out));
	ASSERT_EQ(out, 0);
	uxdp_map__put(m);
	uxdp_prog__put(p);
	return UXDP_TEST_PASS;
}

UXDP_TEST(prog_array_owner_type, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct uxdp_prog *x = mt_prog(UXDP_PROG_XDP);
	struct uxdp_prog *d = mt_prog(UXDP_PROG_XDP_DEVMAP);
	uint32_t k = 0, id;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(d);
	ASSERT_EQ(m->owner_prog_type, -1);
	id = uxdp_prog__id(x);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &id, BPF_ANY));
	ASSERT_EQ(m->owner_prog_type, UXDP_PROG_XDP);
	id = uxdp_prog__id(d);
	k = 1;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &id, BPF_ANY), -EINVAL);
	/* The owner type stays fixed even when the map is emptied. */
	k = 0;
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &id, BPF_ANY), -EINVAL);
	uxdp_map__put(m);
	uxdp_prog__put(x);
	uxdp_prog__put(d);
	return UXDP_TEST_PASS;
}

UXDP_TEST(prog_array_holds_references, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct uxdp_prog *a = mt_prog(UXDP_PROG_XDP), *b = mt_prog(UXDP_PROG_XDP);
	uint32_t k = 2, ida, idb;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ida = uxdp_prog__id(a);
	idb = uxdp_prog__id(b);
	ASSERT_EQ(prog_refs(a), 1);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &ida, BPF_ANY));
	ASSERT_EQ(prog_refs(a), 2);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &idb, BPF_ANY)); /* replaces: a released */
	ASSERT_EQ(prog_refs(a), 1);
	ASSERT_EQ(prog_refs(b), 2);
	k = 3;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &ida, BPF_ANY));
	uxdp_prog__put(a); /* the map keeps it alive */
	ASSERT_TRUE(uxdp_prog__from_id(ida) == a);
	ASSERT_TRUE(uxdp_prog_array_get(m, 3) == a);
	m->ops->clear_refs(m);
	ASSERT_NULL(uxdp_prog__from_id(ida)); /* freed with the last reference */
	ASSERT_EQ(prog_refs(b), 1);
	ASSERT_NULL(uxdp_prog_array_get(m, 2));
	ASSERT_OK(uxdp_map__update_elem(m, &k, &idb, BPF_ANY));
	uxdp_map__put(m); /* drops b's map reference */
	ASSERT_EQ(prog_refs(b), 1);
	uxdp_prog__put(b);
	return UXDP_TEST_PASS;
}

static struct uxdp_map *mk_outer(enum bpf_map_type type, const struct uxdp_map *inner, uint32_t max)
{
	struct uxdp_map_create_opts o = {.sz = sizeof(o), .inner_map = inner};

	return uxdp_map__create(type, "outer", 4, 4, max, &o);
}

UXDP_TEST(map_in_map_create_errors, fast)
{
	struct uxdp_map *tmpl = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	struct uxdp_map *pa = mt_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct uxdp_map *outer, *o2;
	struct uxdp_map_create_opts o = {.sz = sizeof(o), .inner_map = tmpl};

	ASSERT_NOT_NULL(tmpl);
	ASSERT_NOT_NULL(pa);
	ASSERT_NULL(mk_outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, NULL, 4));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_NULL(mk_outer(BPF_MAP_TYPE_HASH_OF_MAPS, pa, 4));
	ASSERT_EQ(errno, 524);
	ASSERT_NULL(uxdp_map__create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 8, 4, &o));
	ASSERT_EQ(errno, EINVAL);
	ASSERT_NULL(uxdp_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "o", 4, 8, 4, &o));
	ASSERT_EQ(errno, EINVAL);
	outer = mk_outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 4);
	ASSERT_NOT_NULL(outer);
	o2 = mk_outer(BPF_MAP_TYPE_HASH_OF_MAPS, outer, 4); /* one level only */
	ASSERT_NULL(o2);
	ASSERT_EQ(errno, EINVAL);
	uxdp_map__put(outer);
	uxdp_map__put(tmpl);
	uxdp_map__put(pa);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_of_maps_basic, fast)
{
	struct uxdp_map *tmpl = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	struct uxdp_map *outer = mk_outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 3);
	struct uxdp_map *inner = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	struct uxdp_map *wrong = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 5, 0);
	struct uxdp_map *wrong2 = mt_create(BPF_MAP_TYPE_HASH, 4, 4, 4, 0);
	uint32_t k = 1, id, out, zero = 0, seven = 7;

	ASSERT_NOT_NULL(outer);
	ASSERT_NOT_NULL(inner);
	ASSERT_NOT_NULL(wrong);
	ASSERT_NOT_NULL(wrong2);
	ASSERT_EQ(uxdp_map__lookup_elem(outer, &k, &out), -ENOENT);
	ASSERT_EQ(uxdp_map__delete_elem(outer, &k), -ENOENT);
	id = uxdp_map__id(wrong);
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_ANY), -EINVAL);
	id = uxdp_map__id(wrong2);
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_ANY), -EINVAL);
	id = 0xfffffff;
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_ANY), -EBADF);
	id = uxdp_map__id(inner);
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_NOEXIST), -EINVAL);
	k = 3;
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_ANY), -E2BIG);
	k = 1;
	ASSERT_OK(uxdp_map__update_elem(outer, &k, &id, BPF_ANY));
	ASSERT_OK(uxdp_map__lookup_elem(outer, &k, &out));
	ASSERT_EQ(out, id);
	/* A program's lookup yields the inner map, which it then uses as a map. */
	ASSERT_TRUE(mt_plookup(outer, &k, 0) == inner);
	ASSERT_NULL(mt_plookup(outer, &zero, 0));
	ASSERT_OK(mt_pupdate(inner, &zero, &seven, BPF_ANY, 0));
	uxdp_map__put(inner); /* the outer map keeps it alive */
	ASSERT_TRUE(uxdp_map__from_id(id) == inner);
	ASSERT_EQ(*(uint32_t *)mt_plookup(mt_plookup(outer, &k, 0), &zero, 0), 7);
	ASSERT_OK(uxdp_map__delete_elem(outer, &k));
	ASSERT_NULL(uxdp_map__from_id(id)); /* last reference gone */
	uxdp_map__put(outer);
	uxdp_map__put(tmpl);
	uxdp_map__put(wrong);
	uxdp_map__put(wrong2);
	return UXDP_TEST_PASS;
}

UXDP_TEST(array_of_maps_inner_map_flag, fast)
{
	struct uxdp_map *tmpl = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_INNER_MAP);
	struct uxdp_map *outer = mk_outer(BPF_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 2);
	struct uxdp_map *big = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 100, BPF_F_INNER_MAP);
	struct uxdp_map *noflag = mt_create(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0);
	uint32_t k = 0, id;

	ASSERT_NOT_NULL(outer);
	ASSERT_NOT_NULL(big);
	ASSERT_NOT_NULL(noflag);
	id = uxdp_map__id(big);
	ASSERT_OK(uxdp_map__update_elem(outer, &k, &id, BPF_ANY)); /* any max_entries */
	id = uxdp_map__id(noflag);
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id, BPF_ANY), -EINVAL); /* flags differ */
	uxdp_map__put(tmpl);
	uxdp_map__put(big);
	uxdp_map__put(noflag);
	uxdp_map__put(outer); /* releases big */
	return UXDP_TEST_PASS;
}

UXDP_TEST(hash_of_maps_basic, fast)
{
	struct uxdp_map *tmpl = mt_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	struct uxdp_map *outer = mk_outer(BPF_MAP_TYPE_HASH_OF_MAPS, tmpl, 2);
	struct uxdp_map *i1 = mt_create(BPF_MAP_TYPE_HASH, 4, 8, 99, 0); /* hash: any size */
	struct uxdp_map *i2 = mt_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	struct uxdp_map *i3 = mt_create(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	uint32_t k = 100, id1, id2, id3, out;

	ASSERT_NOT_NULL(outer);
	ASSERT_NOT_NULL(i1);
	ASSERT_NOT_NULL(i2);
	ASSERT_NOT_NULL(i3);
	ASSERT_NULL(outer->ops->prog_update); /* programs may only look up */
	id1 = uxdp_map__id(i1);
	id2 = uxdp_map__id(i2);
	id3 = uxdp_map__id(i3);
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id1, BPF_EXIST), -ENOENT);
	ASSERT_OK(uxdp_map__update_elem(outer, &k, &id1, BPF_NOEXIST));
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id2, BPF_NOEXIST), -EEXIST);
	ASSERT_OK(uxdp_map__lookup_elem(outer, &k, &out));
	ASSERT_EQ(out, id1);
	ASSERT_TRUE(mt_plookup(outer, &k, 0) == i1);
	k = 200;
	ASSERT_OK(uxdp_map__update_elem(outer, &k, &id2, BPF_ANY));
	k = 300;
	ASSERT_EQ(uxdp_map__update_elem(outer, &k, &id3, BPF_ANY), -E2BIG);
	uxdp_map__put(i1);
	uxdp_map__put(i2);
	ASSERT_NOT_NULL(uxdp_map__from_id(id1));
	k = 100; /* replace: i1 released */
	ASSERT_OK(uxdp_map__update_elem(outer, &k, &id3, BPF_EXIST));
	ASSERT_NULL(uxdp_map__from_id(id1));
	ASSERT_TRUE(mt_plookup(outer, &k, 0) == i3);
	ASSERT_OK(uxdp_map__delete_elem(outer, &k));
	ASSERT_EQ(uxdp_map__delete_elem(outer, &k), -ENOENT);
	ASSERT_NOT_NULL(uxdp_map__from_id(id3)); /* we still hold i3 */
	uxdp_map__put(outer);			 /* releases i2 */
	ASSERT_NULL(uxdp_map__from_id(id2));
	uxdp_map__put(i3);
	uxdp_map__put(tmpl);
	return UXDP_TEST_PASS;
}
