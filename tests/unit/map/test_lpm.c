// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the LPM trie: create checks, IPv4 and IPv6 longest-prefix
 * matching, flags, fullness, delete, the kernel's post-order get_next_key,
 * and a randomized comparison with a brute-force reference.
 */
#include "map_test.h"

struct k4 {
	uint32_t prefixlen;
	uint8_t a[4];
};

struct k6 {
	uint32_t prefixlen;
	uint8_t a[16];
};

static struct k4 v4(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct k4){plen, {a, b, c, d}};
}

static struct uxdp_map *lpm4(uint32_t max)
{
	return mt_create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct k4), 4, max, BPF_F_NO_PREALLOC);
}

static int lookup4(struct uxdp_map *m, struct k4 k, uint32_t *v)
{
	return uxdp_map__lookup_elem(m, &k, v);
}

UXDP_TEST(lpm_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 4, 4, 4, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 261, 4, 4, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 8, 0, 4, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(
		mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED),
		EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 5, 4, 4, BPF_F_NO_PREALLOC), 0);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_LPM_TRIE, 260, 4, 4, BPF_F_NO_PREALLOC), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_ipv4_longest_match, fast)
{
	struct uxdp_map *m = lpm4(16);
	struct k4 k;
	uint32_t v;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(lookup4(m, v4(32, 10, 1, 1, 1), &v), -ENOENT);
	k = v4(8, 10, 0, 0, 0), v = 8;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(16, 10, 1, 0, 0), v = 16;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(24, 10, 1, 1, 0), v = 24;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(32, 10, 1, 1, 7), v = 32;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));

	ASSERT_OK(lookup4(m, v4(32, 10, 1, 1, 7), &v));
	ASSERT_EQ(v, 32);
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 1, 8), &v));
	ASSERT_EQ(v, 24);
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 2, 8), &v));
	ASSERT_EQ(v, 16);
	ASSERT_OK(lookup4(m, v4(32, 10, 200, 2, 8), &v));
	ASSERT_EQ(v, 8);
	ASSERT_EQ(lookup4(m, v4(32, 11, 1, 1, 7), &v), -ENOENT);
	/* The lookup key's own prefix length caps the match. */
	ASSERT_OK(lookup4(m, v4(20, 10, 1, 1, 7), &v));
	ASSERT_EQ(v, 16);
	/* A default route catches the rest. */
	k = v4(0, 0, 0, 0, 0), v = 0xdef;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	ASSERT_OK(lookup4(m, v4(32, 192, 168, 0, 1), &v));
	ASSERT_EQ(v, 0xdef);
	/* From programs too. */
	k = v4(32, 10, 1, 1, 200);
	ASSERT_EQ(*(uint32_t *)mt_plookup(m, &k, 0), 24);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_ipv6_match, fast)
{
	struct uxdp_map *m =
		mt_create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct k6), 8, 8, BPF_F_NO_PREALLOC);
	struct k6 k = {32, {0x20, 0x01, 0x0d, 0xb8}};
	uint64_t v = 32;

	ASSERT_NOT_NULL(m);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k.prefixlen = 64;
	k.a[7] = 1;
	v = 64;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k.prefixlen = 128;
	k.a[15] = 1;
	v = 128;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));

	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
	ASSERT_EQ(v, 128);
	k.a[15] = 2;
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
	ASSERT_EQ(v, 64);
	k.a[7] = 2;
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &v));
	ASSERT_EQ(v, 32);
	k.a[3] = 0xb9;
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &v), -ENOENT);
	k.prefixlen = 129;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -EINVAL);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_update_flags_and_full, fast)
{
	struct uxdp_map *m = lpm4(2);
	struct k4 k = v4(24, 10, 0, 0, 0);
	uint32_t v = 1;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_EXIST), -ENOENT);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST));
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	v = 2;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_EXIST));
	ASSERT_OK(lookup4(m, v4(32, 10, 0, 0, 1), &v));
	ASSERT_EQ(v, 2);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_F_LOCK), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 3), -EINVAL);
	k.prefixlen = 33;
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -EINVAL);
	k = v4(24, 10, 0, 1, 0);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(24, 10, 0, 2, 0);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -ENOSPC);
	k = v4(16, 10, 0, 0, 0); /* an ancestor is a new entry too */
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, 0), -ENOSPC);
	k = v4(24, 10, 0, 1, 0); /* replacing is fine when full */
	v = 3;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	ASSERT_OK(lookup4(m, v4(32, 10, 0, 1, 9), &v));
	ASSERT_EQ(v, 3);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_delete, fast)
{
	struct uxdp_map *m = lpm4(8);
	struct k4 k;
	uint32_t v;

	ASSERT_NOT_NULL(m);
	k = v4(8, 10, 0, 0, 0), v = 8;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(16, 10, 1, 0, 0), v = 16;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(24, 10, 1, 1, 0), v = 24;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	k = v4(24, 10, 1, 2, 0), v = 242;
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));

	k = v4(12, 10, 0, 0, 0); /* delete is exact, not longest-prefix */
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -ENOENT);
	k = v4(33, 10, 0, 0, 0);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	k = v4(16, 10, 1, 0, 0);
	ASSERT_OK(uxdp_map__delete_elem(m, &k)); /* two children: becomes a branch node */
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -ENOENT);
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 3, 0), &v));
	ASSERT_EQ(v, 8);
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 2, 0), &v));
	ASSERT_EQ(v, 242);
	k = v4(24, 10, 1, 1, 0);
	ASSERT_OK(uxdp_map__delete_elem(m, &k)); /* the branch node goes with it */
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 1, 0), &v));
	ASSERT_EQ(v, 8);
	ASSERT_OK(lookup4(m, v4(32, 10, 1, 2, 0), &v));
	ASSERT_EQ(v, 242);
	k = v4(8, 10, 0, 0, 0);
	ASSERT_OK(mt_pdelete(m, &k, 0));
	k = v4(24, 10, 1, 2, 0);
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	ASSERT_EQ(uxdp_map__get_next_key(m, NULL, &k), -ENOENT);
	/* Space is reusable. */
	for (uint8_t i = 0; i < 8; i++) {
		k = v4(32, 1, 2, 3, i), v = i;
		ASSERT_OK(mt_pupdate(m, &k, &v, BPF_NOEXIST, 0));
	}
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_get_next_key_postorder, fast)
{
	/* The kernel's documented example order. */
	static const struct k4 want[] = {
		{24, {192, 168, 0, 0}},
		{24, {192, 168, 1, 0}},
		{24, {192, 168, 128, 0}},
		{16, {192, 168, 0, 0}},
	};
	static const int insert_order[] = {3, 2, 0, 1};
	struct uxdp_map *m = lpm4(8);
	struct k4 k, next;
	uint32_t v = 0;
	int i;

	ASSERT_NOT_NULL(m);
	for (i = 0; i < 4; i++) {
		k = want[insert_order[i]];
		ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	}
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &next));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(next.prefixlen, want[i].prefixlen);
		ASSERT_MEMEQ(next.a, want[i].a, 4);
		k = next;
		if (i < 3)
			ASSERT_OK(uxdp_map__get_next_key(m, &k, &next));
	}
	ASSERT_EQ(uxdp_map__get_next_key(m, &k, &next), -ENOENT);
	/* A key not in the trie (or a bad prefix length) restarts at the first. */
	k = v4(24, 192, 168, 2, 0);
	ASSERT_OK(uxdp_map__get_next_key(m, &k, &next));
	ASSERT_EQ(next.prefixlen, 24);
	ASSERT_MEMEQ(next.a, want[0].a, 4);
	k.prefixlen = 40;
	ASSERT_OK(uxdp_map__get_next_key(m, &k, &next));
	ASSERT_MEMEQ(next.a, want[0].a, 4);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

/* Brute-force reference for the randomized test. */
struct ref_entry {
	struct k4 k;
	uint32_t v;
	bool live;
};

static bool pfx_match(const struct k4 *p, const uint8_t *addr)
{
	uint32_t a = (uint32_t)p->a[0] << 24 | p->a[1] << 16 | p->a[2] << 8 | p->a[3];
	uint32_t b = (uint32_t)addr[0] << 24 | addr[1] << 16 | addr[2] << 8 | addr[3];
	uint32_t mask = p->prefixlen ? ~0u << (32 - p->prefixlen) : 0;

	return (a & mask) == (b & mask);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

UXDP_TEST(lpm_random_vs_reference, fast)
{
	enum { N = 400 };
	static struct ref_entry ref[N];
	struct uxdp_map *m = lpm4(N);
	uint64_t seed = 0x1234567;
	int live = 0;

	ASSERT_NOT_NULL(m);
	memset(ref, 0, sizeof(ref));
	for (int i = 0; i < N; i++) {
		uint32_t r = rnd(&seed), plen = rnd(&seed) % 33;
		struct k4 k = {plen,
			       {10, (uint8_t)(r >> 24) & 0x0f, (uint8_t)(r >> 16), (uint8_t)r}};
		int dup = -1;

		for (int j = 0; j < i; j++)
			if (ref[j].live && ref[j].k.prefixlen == plen &&
			    pfx_match(&ref[j].k, k.a) && pfx_match(&k, ref[j].k.a))
				dup = j;
		ref[i].k = k;
		ref[i].v = (uint32_t)i;
		ASSERT_OK(uxdp_map__update_elem(m, &k, &ref[i].v, BPF_ANY));
		if (dup >= 0)
			ref[dup].live = false;
		else
			live++;
		ref[i].live = true;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int t = 0; t < 3000; t++) {
			uint32_t r = rnd(&seed);
			struct k4 q = {
				32,
				{10, (uint8_t)(r >> 24) & 0x0f, (uint8_t)(r >> 16), (uint8_t)r}};
			int best = -1;
			uint32_t v;
			int err;

			for (int j = 0; j < N; j++)
				if (ref[j].live && pfx_match(&ref[j].k, q.a) &&
				    (best < 0 || ref[j].k.prefixlen > ref[best].k.prefixlen))
					best = j;
			err = uxdp_map__lookup_elem(m, &q, &v);
			if (best < 0) {
				ASSERT_EQ(err, -ENOENT);
			} else {
				ASSERT_OK(err);
				ASSERT_EQ(v, ref[best].v);
			}
		}
		/* Iteration sees every live prefix once. */
		{
			struct k4 k, next;
			const void *prev = NULL;
			int n = 0;

			while (!uxdp_map__get_next_key(m, prev, &next)) {
				k = next;
				prev = &k;
				n++;
				ASSERT_TRUE(n <= live);
			}
			ASSERT_EQ(n, live);
		}
		/* Delete half, then compare again. */
		for (int j = 0; j < N && pass == 0; j += 2) {
			if (!ref[j].live)
				continue;
			ASSERT_OK(uxdp_map__delete_elem(m, &ref[j].k));
			ref[j].live = false;
			live--;
		}
	}
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lpm_prog_ops, fast)
{
	struct uxdp_map *m = lpm4(4);
	struct k4 k = v4(16, 172, 16, 0, 0);
	uint32_t v = 5, *p;

	ASSERT_NOT_NULL(m);
	ASSERT_OK(mt_pupdate(m, &k, &v, BPF_NOEXIST, 0));
	ASSERT_EQ(mt_pupdate(m, &k, &v, BPF_NOEXIST, 0), -EEXIST);
	k = v4(32, 172, 16, 9, 9);
	p = mt_plookup(m, &k, 0);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(*p, 5);
	*p = 6;
	ASSERT_OK(lookup4(m, k, &v));
	ASSERT_EQ(v, 6);
	k = v4(32, 172, 17, 0, 0);
	ASSERT_NULL(mt_plookup(m, &k, 0));
	k = v4(16, 172, 16, 0, 0);
	ASSERT_OK(mt_pdelete(m, &k, 0));
	ASSERT_EQ(mt_pdelete(m, &k, 0), -ENOENT);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}
