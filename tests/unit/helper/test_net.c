// SPDX-License-Identifier: BSD-2-Clause
/*
 * Forwarding helpers: bpf_redirect and bpf_redirect_map (flags, fallback
 * verdicts, broadcast, the recorded target), bpf_check_mtu (return codes as
 * the kernel gave them under BPF_PROG_TEST_RUN on loopback) and
 * bpf_fib_lookup over a route table (longest prefix, gateway, neighbour,
 * MTU, flags, IPv6).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "helper_test.h"

/* --- redirect --- */

UXDP_TEST(redirect_ifindex, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_redirect_target t;

	ASSERT_NOT_NULL(ex);
	/* any flag: XDP_ABORTED, nothing recorded */
	ASSERT_EQ(H(ex, redirect, 3, 1), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect, 3, BPF_F_INGRESS), XDP_ABORTED);
	ASSERT_EQ(uxdp_exec__take_redirect(ex, &t), -ENOENT);
	ASSERT_EQ(H(ex, redirect, 3, 0), XDP_REDIRECT);
	/* the last call wins */
	ASSERT_EQ(H(ex, redirect, 0x100000004ull, 0), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_EQ(t.index, 4);
	ASSERT_EQ(t.flags, 0);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

static struct uxdp_map *devmap(enum bpf_map_type type, uint32_t key, uint32_t ifindex)
{
	struct uxdp_map *m = uxdp_map__create(type, "dm", 4, 4, 8, NULL);

	if (m && ifindex && uxdp_map__update_elem(m, &key, &ifindex, BPF_ANY)) {
		uxdp_map__put(m);
		return NULL;
	}
	return m;
}

UXDP_TEST(redirect_map_devmap, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *m = devmap(BPF_MAP_TYPE_DEVMAP, 2, 5);
	struct uxdp_redirect_target t;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(H(ex, redirect_map, m, 2, 0), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_TRUE(t.map == m);
	ASSERT_EQ(t.map_type, BPF_MAP_TYPE_DEVMAP);
	ASSERT_EQ(t.index, 2);
	ASSERT_EQ(t.flags, 0);
	/* the key is a u32: upper bits do not matter */
	ASSERT_EQ(H(ex, redirect_map, m, (1ull << 32) | 2, 0), XDP_REDIRECT);
	/* EXCLUDE_INGRESS alone is allowed and not recorded without BROADCAST */
	ASSERT_EQ(H(ex, redirect_map, m, 2, BPF_F_EXCLUDE_INGRESS), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_EQ(t.flags, 0);
	uxdp_map__put(m);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* The low two bits of flags are the verdict when the key has no entry. */
UXDP_TEST(redirect_map_fallback_actions, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *m = devmap(BPF_MAP_TYPE_DEVMAP, 2, 5);
	struct uxdp_redirect_target t;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(H(ex, redirect_map, m, 3, 0), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect_map, m, 3, XDP_DROP), XDP_DROP);
	ASSERT_EQ(H(ex, redirect_map, m, 3, XDP_PASS), XDP_PASS);
	ASSERT_EQ(H(ex, redirect_map, m, 3, XDP_TX), XDP_TX);
	ASSERT_EQ(H(ex, redirect_map, m, 100, XDP_PASS), XDP_PASS); /* beyond max_entries */
	/* a failed lookup forgets an earlier target */
	ASSERT_EQ(H(ex, redirect_map, m, 2, 0), XDP_REDIRECT);
	ASSERT_EQ(H(ex, redirect_map, m, 3, XDP_PASS), XDP_PASS);
	ASSERT_EQ(uxdp_exec__take_redirect(ex, &t), -ENOENT);
	/* unknown flag bits: XDP_ABORTED whatever the lookup would give */
	ASSERT_EQ(H(ex, redirect_map, m, 2, 1ull << 5), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect_map, m, 2, 4), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect_map, m, 2, 1ull << 40), XDP_ABORTED);
	ASSERT_EQ(uxdp_exec__take_redirect(ex, &t), -ENOENT);
	uxdp_map__put(m);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(redirect_map_broadcast, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *m = devmap(BPF_MAP_TYPE_DEVMAP, 2, 5);
	struct uxdp_map *h = devmap(BPF_MAP_TYPE_DEVMAP_HASH, 77, 6);
	struct uxdp_redirect_target t;
	uint64_t fl = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(h);
	/* broadcast needs no entry at the key; the flags are recorded */
	ASSERT_EQ(H(ex, redirect_map, m, 0, fl), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_TRUE(t.map == m);
	ASSERT_EQ(t.flags, fl);
	ASSERT_EQ(H(ex, redirect_map, h, 12345, BPF_F_BROADCAST | XDP_PASS), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_EQ(t.map_type, BPF_MAP_TYPE_DEVMAP_HASH);
	ASSERT_EQ(t.flags, BPF_F_BROADCAST | XDP_PASS);
	/* devmap_hash lookups by key */
	ASSERT_EQ(H(ex, redirect_map, h, 77, 0), XDP_REDIRECT);
	ASSERT_EQ(H(ex, redirect_map, h, 78, XDP_DROP), XDP_DROP);
	uxdp_map__put(m);
	uxdp_map__put(h);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(redirect_map_cpumap_xskmap, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *c = uxdp_map__create(BPF_MAP_TYPE_CPUMAP, "cm", 4, 4, 4, NULL);
	struct uxdp_map *x = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xm", 4, 4, 4, NULL);
	struct uxdp_map *a = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "ar", 4, 4, 4, NULL);
	struct uxdp_redirect_target t;
	uint32_t key = 1, qsize = 128;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(c);
	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(a);
	ASSERT_OK(uxdp_map__update_elem(c, &key, &qsize, BPF_ANY));
	ASSERT_EQ(H(ex, redirect_map, c, 1, 0), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_EQ(t.map_type, BPF_MAP_TYPE_CPUMAP);
	ASSERT_EQ(t.index, 1);
	ASSERT_EQ(H(ex, redirect_map, c, 0, XDP_PASS), XDP_PASS);
	/* broadcast is a devmap flag only */
	ASSERT_EQ(H(ex, redirect_map, c, 1, BPF_F_BROADCAST), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect_map, x, 0, BPF_F_EXCLUDE_INGRESS), XDP_ABORTED);
	/* an empty xskmap slot falls back */
	ASSERT_EQ(H(ex, redirect_map, x, 0, XDP_PASS), XDP_PASS);
	/* not a redirect map at all */
	ASSERT_EQ(H(ex, redirect_map, a, 0, XDP_PASS), XDP_ABORTED);
	ASSERT_EQ(H(ex, redirect_map, NULL, 0, XDP_PASS), XDP_ABORTED);
	uxdp_map__put(c);
	uxdp_map__put(x);
	uxdp_map__put(a);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/*
 * The JIT calls uxdp_helper_for_map()'s function for a constant xskmap or
 * devmap: over keys in and out of range, present and empty, and every flag
 * combination that matters, it must give the generic helper's verdict and
 * recorded target.
 */
UXDP_TEST(redirect_map_specialized_same_as_generic, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *x = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xm", 4, 4, 4, NULL);
	struct uxdp_map *d = devmap(BPF_MAP_TYPE_DEVMAP, 2, 5);
	struct uxdp_map *h = devmap(BPF_MAP_TYPE_DEVMAP_HASH, 2, 5);
	struct uxdp_map *c = uxdp_map__create(BPF_MAP_TYPE_CPUMAP, "cm", 4, 4, 4, NULL);
	const uint64_t flags[] = {0,
				  XDP_DROP,
				  XDP_PASS,
				  XDP_TX,
				  4,
				  1ull << 40,
				  BPF_F_BROADCAST,
				  BPF_F_EXCLUDE_INGRESS,
				  BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS | XDP_PASS};
	const uint64_t keys[] = {0, 1, 2, 3, 7, 8, 1ull << 32 | 2, UINT32_MAX};
	uint32_t k = 1, sock = 9;
	int checked = 0;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(d);
	ASSERT_NOT_NULL(h);
	ASSERT_NOT_NULL(c);
	ASSERT_OK(uxdp_map__update_elem(x, &k, &sock, BPF_ANY));
	/* devmap_hash, cpumap, other helpers and unknown maps keep the generic path */
	ASSERT_NULL(uxdp_helper_for_map(BPF_FUNC_redirect_map, h));
	ASSERT_NULL(uxdp_helper_for_map(BPF_FUNC_redirect_map, c));
	ASSERT_NULL(uxdp_helper_for_map(BPF_FUNC_redirect_map, NULL));
	ASSERT_NULL(uxdp_helper_for_map(BPF_FUNC_map_lookup_elem, x));
	for (int mi = 0; mi < 2; mi++) {
		struct uxdp_map *m = mi ? d : x;
		uxdp_helper_fn fast = uxdp_helper_for_map(BPF_FUNC_redirect_map, m);
		uxdp_helper_fn slow = uxdp_helper_proto(BPF_FUNC_redirect_map, UXDP_PROG_XDP)->fn;

		ASSERT_NOT_NULL(fast);
		for (size_t ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++) {
			for (size_t fi = 0; fi < sizeof(flags) / sizeof(flags[0]); fi++) {
				struct uxdp_redirect_target a, b;
				uint64_t ra, rb;
				int ta, tb;

				/* an earlier target, which a miss must forget */
				ASSERT_EQ(H(ex, redirect_map, m, 1 + mi, 0), XDP_REDIRECT);
				ra = slow((uint64_t)(uintptr_t)m, keys[ki], flags[fi], 0, 0, ex);
				ta = uxdp_exec__take_redirect(ex, &a);
				ASSERT_EQ(H(ex, redirect_map, m, 1 + mi, 0), XDP_REDIRECT);
				rb = fast((uint64_t)(uintptr_t)m, keys[ki], flags[fi], 0, 0, ex);
				tb = uxdp_exec__take_redirect(ex, &b);
				ASSERT_EQ(ra, rb);
				ASSERT_EQ(ta, tb);
				if (!ta) {
					ASSERT_TRUE(a.map == b.map);
					ASSERT_EQ(a.map_type, b.map_type);
					ASSERT_EQ(a.index, b.index);
					ASSERT_EQ(a.flags, b.flags);
				}
				checked++;
			}
		}
	}
	ASSERT_EQ(checked, 2 * 8 * 9);
	uxdp_map__put(x);
	uxdp_map__put(d);
	uxdp_map__put(h);
	uxdp_map__put(c);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- check_mtu --- */

/* The kernel on loopback (MTU 65536), 3520-byte linear part of a frags frame. */
UXDP_TEST(check_mtu_loopback_kernel_values, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct test_frame *f = malloc(sizeof(*f));
	uint32_t m;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(f);
	frame_init(f, 3520);
	frame_add_frag(f, 1480, 4096);
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 0, &m, 0, 0), BPF_MTU_CHK_RET_SUCCESS);
	ASSERT_EQ(m, 65536);
	/* only the linear part counts */
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 0, &m, 65550 - 3520, 0), BPF_MTU_CHK_RET_SUCCESS);
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 0, &m, 65551 - 3520, 0), BPF_MTU_CHK_RET_FRAG_NEEDED);
	ASSERT_EQ(m, 65536);
	m = 0;
	ASSERT_EQ((int64_t)H(ex, check_mtu, &f->xdp, 77, &m, 0, 0), -ENODEV);
	ASSERT_EQ((int64_t)H(ex, check_mtu, &f->xdp, 0, &m, 0, 1), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, check_mtu, &f->xdp, 0, &m, 0, BPF_MTU_CHK_SEGS), -EINVAL);
	/* *mtu_len as the L3 length to check */
	m = 65536;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 1, &m, 0, 0), BPF_MTU_CHK_RET_SUCCESS);
	m = 65536;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 1, &m, 1, 0), BPF_MTU_CHK_RET_FRAG_NEEDED);
	m = 100;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 1, &m, -200, 0), BPF_MTU_CHK_RET_SUCCESS);
	free(f);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(check_mtu_device_list, fast)
{
	static const struct uxdp_netdev devs[] = {
		{.ifindex = 2, .mtu = 1500, .name = "eth0"},
		{.ifindex = 3, .mtu = 9000, .name = "eth1"},
	};
	UXDP_OPTS(uxdp_exec_opts, o, .devs = devs, .dev_cnt = 2);
	struct uxdp_exec *ex = uxdp_exec__new(&o);
	struct test_frame *f = malloc(sizeof(*f));
	uint32_t m;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(f);
	frame_init(f, 1514);
	f->xdp.ingress_ifindex = 2;
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 0, &m, 0, 0), BPF_MTU_CHK_RET_SUCCESS);
	ASSERT_EQ(m, 1500);
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 0, &m, 1, 0), BPF_MTU_CHK_RET_FRAG_NEEDED);
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 3, &m, 4000, 0), BPF_MTU_CHK_RET_SUCCESS);
	ASSERT_EQ(m, 9000);
	/* an encapsulation that shrinks the packet */
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 2, &m, -100, 0), BPF_MTU_CHK_RET_SUCCESS);
	/* loopback exists even when the list does not name it */
	m = 0;
	ASSERT_EQ(H(ex, check_mtu, &f->xdp, 1, &m, 0, 0), BPF_MTU_CHK_RET_SUCCESS);
	ASSERT_EQ(m, 65536);
	/* an ingress device missing from the list */
	f->xdp.ingress_ifindex = 9;
	ASSERT_EQ((int64_t)H(ex, check_mtu, &f->xdp, 0, &m, 0, 0), -ENODEV);
	free(f);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- fib_lookup --- */

static struct uxdp_route v4_route(const char *net, uint8_t plen, const char *gw, uint32_t oif,
				  bool neigh, uint16_t mtu)
{
	struct uxdp_route r = {.family = AF_INET,
			       .prefixlen = plen,
			       .ifindex = oif,
			       .has_neigh = neigh,
			       .mtu = mtu,
			       .smac = {2, 0, 0, 0, 0, (uint8_t)oif},
			       .dmac = {4, 0, 0, 0, 0, (uint8_t)oif}};

	inet_pton(AF_INET, net, r.dst);
	if (gw)
		inet_pton(AF_INET, gw, r.gw);
	return r;
}

static struct uxdp_route routes[6];
static const struct uxdp_netdev fib_devs[] = {
	{.ifindex = 2, .mtu = 1500},
	{.ifindex = 3, .mtu = 1500},
	{.ifindex = 4, .mtu = 1500},
};

static struct uxdp_exec *fib_exec(void)
{
	UXDP_OPTS(uxdp_exec_opts, o, .routes = routes, .route_cnt = 6, .devs = fib_devs,
		  .dev_cnt = 3);

	routes[0] = v4_route("10.0.0.0", 8, "10.0.0.1", 2, true, 0);
	routes[1] = v4_route("10.1.0.0", 16, NULL, 3, false, 0);
	routes[2] = v4_route("10.1.2.0", 24, NULL, 4, true, 1400);
	routes[3] = v4_route("10.1.2.0", 33, NULL, 4, true, 0); /* invalid prefix: ignored */
	routes[4] = (struct uxdp_route){.family = AF_INET6,
					.prefixlen = 32,
					.ifindex = 3,
					.has_neigh = true,
					.dmac = {6, 6, 6, 6, 6, 6}};
	inet_pton(AF_INET6, "2001:db8::", routes[4].dst);
	inet_pton(AF_INET6, "fe80::1", routes[4].gw);
	routes[5] = v4_route("10.1.0.0", 16, NULL, 2, true, 0); /* same prefix, listed later */
	return uxdp_exec__new(&o);
}

static void fib_v4(struct bpf_fib_lookup *p, const char *dst, uint32_t ifindex, uint16_t tot)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->ifindex = ifindex;
	p->tot_len = tot;
	inet_pton(AF_INET, dst, &p->ipv4_dst);
}

#define FIB(ex, p, flags) ((int64_t)H(ex, fib_lookup, NULL, p, sizeof(*(p)), flags))

UXDP_TEST(fib_lookup_longest_prefix, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;
	uint32_t want;

	ASSERT_NOT_NULL(ex);
	/* /8 via a gateway, neighbour known: forwarded, dst becomes the gateway */
	fib_v4(&p, "10.9.9.9", 2, 100);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	ASSERT_EQ(p.ifindex, 2);
	inet_pton(AF_INET, "10.0.0.1", &want);
	ASSERT_EQ(p.ipv4_dst, want);
	ASSERT_EQ(p.dmac[0], 4);
	ASSERT_EQ(p.dmac[5], 2);
	ASSERT_EQ(p.smac[0], 2);
	ASSERT_EQ(p.mtu_result, 1500);
	ASSERT_EQ(p.rt_metric, 0);
	/* /24 beats /16 beats /8 */
	fib_v4(&p, "10.1.2.3", 2, 100);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	ASSERT_EQ(p.ifindex, 4);
	ASSERT_EQ(p.mtu_result, 1400);
	inet_pton(AF_INET, "10.1.2.3", &want);
	ASSERT_EQ(p.ipv4_dst, want); /* directly connected: dst unchanged */
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(fib_lookup_no_route_no_neigh, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;

	ASSERT_NOT_NULL(ex);
	fib_v4(&p, "192.168.1.1", 2, 100);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	/* /16 (first of two equal prefixes) has no neighbour: NO_NEIGH, ifindex filled in */
	fib_v4(&p, "10.1.9.9", 2, 100);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NO_NEIGH);
	ASSERT_EQ(p.ifindex, 3);
	ASSERT_EQ(p.dmac[0], 0);
	/* skipping the neighbour lookup: success, MACs left alone */
	fib_v4(&p, "10.1.9.9", 2, 100);
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_SKIP_NEIGH), BPF_FIB_LKUP_RET_SUCCESS);
	ASSERT_EQ(p.ifindex, 3);
	ASSERT_EQ(p.smac[0], 0);
	ASSERT_EQ(p.dmac[0], 0);
	/* egress perspective: only routes out of that device; ifindex 2 has a /16 too */
	fib_v4(&p, "10.1.9.9", 2, 100);
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_OUTPUT), BPF_FIB_LKUP_RET_SUCCESS);
	ASSERT_EQ(p.ifindex, 2);
	fib_v4(&p, "10.1.2.3", 3, 100);
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_OUTPUT), BPF_FIB_LKUP_RET_NO_NEIGH);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(fib_lookup_frag_needed, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;

	ASSERT_NOT_NULL(ex);
	fib_v4(&p, "10.1.2.3", 2, 1400);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	fib_v4(&p, "10.1.2.3", 2, 1401);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_FRAG_NEEDED);
	ASSERT_EQ(p.mtu_result, 1400);
	ASSERT_EQ(p.ifindex, 2); /* nothing else filled in */
	fib_v4(&p, "10.200.0.1", 2, 1501);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_FRAG_NEEDED);
	ASSERT_EQ(p.mtu_result, 1500);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(fib_lookup_bad_arguments, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;

	ASSERT_NOT_NULL(ex);
	fib_v4(&p, "10.1.2.3", 2, 100);
	ASSERT_EQ((int64_t)H(ex, fib_lookup, NULL, &p, sizeof(p) - 1, 0), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, fib_lookup, NULL, &p, -1, 0), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, fib_lookup, NULL, NULL, sizeof(p), 0), -EINVAL);
	ASSERT_EQ(FIB(ex, &p, 1u << 7), -EINVAL);
	p.family = AF_UNIX;
	ASSERT_EQ(FIB(ex, &p, 0), -EAFNOSUPPORT);
	fib_v4(&p, "10.1.2.3", 99, 100);
	ASSERT_EQ(FIB(ex, &p, 0), -ENODEV);
	/* a larger struct (newer UAPI) is fine */
	{
		struct {
			struct bpf_fib_lookup p;
			uint8_t more[16];
		} big;

		fib_v4(&big.p, "10.1.2.3", 2, 100);
		ASSERT_EQ((int64_t)H(ex, fib_lookup, NULL, &big, sizeof(big), 0),
			  BPF_FIB_LKUP_RET_SUCCESS);
	}
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(fib_lookup_flags, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;

	ASSERT_NOT_NULL(ex);
	fib_v4(&p, "10.1.2.3", 2, 100);
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_DIRECT), BPF_FIB_LKUP_RET_SUCCESS);
	/* table 254 (main) is the one table there is */
	fib_v4(&p, "10.1.2.3", 2, 100);
	p.tbid = 254;
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID),
		  BPF_FIB_LKUP_RET_SUCCESS);
	fib_v4(&p, "10.1.2.3", 2, 100);
	p.tbid = 100;
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID),
		  BPF_FIB_LKUP_RET_NOT_FWDED);
	/* source address selection is not modelled */
	fib_v4(&p, "10.1.2.3", 2, 100);
	ASSERT_EQ(FIB(ex, &p, BPF_FIB_LOOKUP_SRC), BPF_FIB_LKUP_RET_NO_SRC_ADDR);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(fib_lookup_ipv6, fast)
{
	struct uxdp_exec *ex = fib_exec();
	struct bpf_fib_lookup p;
	uint8_t gw[16];

	ASSERT_NOT_NULL(ex);
	memset(&p, 0, sizeof(p));
	p.family = AF_INET6;
	p.ifindex = 2;
	inet_pton(AF_INET6, "2001:db8:1::5", p.ipv6_dst);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_SUCCESS);
	ASSERT_EQ(p.ifindex, 3);
	inet_pton(AF_INET6, "fe80::1", gw);
	ASSERT_MEMEQ(p.ipv6_dst, gw, 16);
	ASSERT_EQ(p.dmac[0], 6);
	/* no IPv6 route */
	inet_pton(AF_INET6, "2001:db9::1", p.ipv6_dst);
	p.ifindex = 2;
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	/* link-local and multicast are never forwarded */
	inet_pton(AF_INET6, "fe80::2", p.ipv6_dst);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	inet_pton(AF_INET6, "ff02::1", p.ipv6_dst);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	inet_pton(AF_INET6, "2001:db8::1", p.ipv6_dst);
	inet_pton(AF_INET6, "fe80::9", p.ipv6_src);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	/* an IPv4 destination never matches an IPv6 route */
	fib_v4(&p, "32.1.13.184", 2, 100); /* 0x2001db8 as an IPv4 address */
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/*
 * Default exec: loopback is the only device and there are no routes, as in
 * the kdiff oracle's namespace (forwarding on): NOT_FWDED, params untouched.
 */
UXDP_TEST(fib_lookup_default_exec, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct bpf_fib_lookup p;

	ASSERT_NOT_NULL(ex);
	fib_v4(&p, "10.1.2.3", 1, 100);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	ASSERT_EQ(p.ifindex, 1);
	ASSERT_EQ(p.tot_len, 100);
	fib_v4(&p, "10.1.2.3", 2, 100);
	ASSERT_EQ(FIB(ex, &p, 0), -ENODEV);
	/* link-local IPv6 is refused before the device is looked at */
	memset(&p, 0, sizeof(p));
	p.family = AF_INET6;
	p.ifindex = 3;
	inet_pton(AF_INET6, "fe80::1", p.ipv6_dst);
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	inet_pton(AF_INET6, "2001:db8::1", p.ipv6_dst);
	ASSERT_EQ(FIB(ex, &p, 0), -ENODEV);
	p.ifindex = 1;
	ASSERT_EQ(FIB(ex, &p, 0), BPF_FIB_LKUP_RET_NOT_FWDED);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}
