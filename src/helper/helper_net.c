// SPDX-License-Identifier: BSD-2-Clause
/*
 * Forwarding helpers: bpf_redirect and bpf_redirect_map (which record the
 * target in the exec's redirect info, as the kernel's per-CPU
 * bpf_redirect_info, for the data path to act on after an XDP_REDIRECT
 * verdict), bpf_check_mtu and bpf_fib_lookup (answered from the interfaces
 * and the route table the embedder gave the exec).
 *
 * What bpf_fib_lookup models: one routing table (the kernel's "main", id
 * 254) with forwarding enabled on every interface (the kdiff oracle turns it
 * on in its namespace; a fresh namespace would answer
 * BPF_FIB_LKUP_RET_FWD_DISABLED instead), longest-prefix match of
 * the destination over the routes of its family (ties: the first route
 * listed), the route's MTU (0 = 1500) checked against params->tot_len,
 * the gateway (if any) as next hop, and one neighbour entry per route
 * (has_neigh / dmac). Not modelled: policy rules, route types other than
 * unicast, multipath, marks, VLANs, source address selection
 * (BPF_FIB_LOOKUP_SRC answers BPF_FIB_LKUP_RET_NO_SRC_ADDR), and forwarding
 * switched off.
 *
 * Interfaces: ex->devs, plus the loopback device (ifindex 1, MTU 65536) that
 * every network namespace has unless devs lists ifindex 1 itself. All are
 * Ethernet-like (14-byte link header), as the kernel's check_mtu assumes
 * for XDP-capable devices.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "helper/helper_priv.h"
#include "map/map_internal.h"

#define RT_TABLE_MAIN 254
/* Newer UAPI flag (Linux 6.10): FIB rule mark; there are no rules here, so it changes nothing. */
#define UXDP_FIB_LOOKUP_MARK (1U << 5)

static const struct uxdp_netdev loopback_dev = {
	.ifindex = 1,
	.mtu = 65536,
	.name = "lo",
};

static const struct uxdp_netdev *dev_by_index(const struct uxdp_exec *ex, uint32_t ifindex)
{
	size_t i;

	for (i = 0; ex->devs && i < ex->dev_cnt; i++)
		if (ex->devs[i].ifindex == ifindex)
			return &ex->devs[i];
	return ifindex == loopback_dev.ifindex ? &loopback_dev : NULL;
}

/* --- redirect --- */

uint64_t uxdp_bpf_redirect(UXDP_HELPER_ARGS)
{
	if (r2)
		return XDP_ABORTED;
	ex->ri.set = true;
	ex->ri.map = NULL;
	ex->ri.map_type = BPF_MAP_TYPE_UNSPEC;
	ex->ri.index = (uint32_t)r1;
	ex->ri.flags = 0;
	return XDP_REDIRECT;
}

#define REDIRECT_ACTION_MASK ((uint64_t)(XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX))

/* The end of every bpf_redirect_map: entry is what the map holds at key (NULL
 * for none); flags are already checked against the map type's flags. */
static inline uint64_t redirect_map_to(struct uxdp_exec *ex, struct uxdp_map *map,
				       enum bpf_map_type type, uint32_t key, uint64_t flags,
				       const void *entry)
{
	/* A broadcast goes to every entry, so it needs none at key. */
	if (!(flags & BPF_F_BROADCAST) && !entry) {
		/* Forget any earlier target: the last redirect call decides. */
		memset(&ex->ri, 0, sizeof(ex->ri));
		return flags & REDIRECT_ACTION_MASK; /* the low bits: the verdict on a miss */
	}
	ex->ri.set = true;
	ex->ri.map = map;
	ex->ri.map_type = type;
	ex->ri.index = key;
	ex->ri.flags = (flags & BPF_F_BROADCAST) ? flags : 0;
	return XDP_REDIRECT;
}

uint64_t uxdp_bpf_redirect_map(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	uint32_t key = (uint32_t)r2; /* the map lookups take a u32 key */
	uint64_t flags = r3, flag_mask;

	if (!map)
		return XDP_ABORTED;
	switch (map->type) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
		flag_mask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
		break;
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
		flag_mask = 0;
		break;
	default:
		return XDP_ABORTED; /* the verifier refuses other map types */
	}
	if (flags & ~(REDIRECT_ACTION_MASK | flag_mask))
		return XDP_ABORTED;
	return redirect_map_to(ex, map, map->type, key, flags,
			       (flags & BPF_F_BROADCAST) ? NULL
							 : uxdp_container_map_lookup(map, key));
}

uint64_t uxdp_bpf_redirect_xskmap(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	uint32_t key = (uint32_t)r2;

	if (r3 & ~REDIRECT_ACTION_MASK)
		return XDP_ABORTED;
	return redirect_map_to(ex, map, BPF_MAP_TYPE_XSKMAP, key, r3,
			       uxdp_xskmap_entry(map, key));
}

uint64_t uxdp_bpf_redirect_devmap(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	uint32_t key = (uint32_t)r2;
	uint64_t flags = r3;

	if (flags & ~(REDIRECT_ACTION_MASK | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS))
		return XDP_ABORTED;
	return redirect_map_to(ex, map, BPF_MAP_TYPE_DEVMAP, key, flags,
			       (flags & BPF_F_BROADCAST) ? NULL : uxdp_devmap_entry(map, key));
}

/* --- check_mtu --- */

uint64_t uxdp_bpf_check_mtu(UXDP_HELPER_ARGS)
{
	struct uxdp_xdp_buff *xdp = (struct uxdp_xdp_buff *)(uintptr_t)r1;
	uint32_t ifindex = (uint32_t)r2;
	uint8_t *mtu_len = (uint8_t *)(uintptr_t)r3;
	int32_t len_diff = (int32_t)r4;
	const struct uxdp_netdev *dev;
	int32_t xdp_len, dev_len;
	uint32_t in_mtu;
	uint64_t ret = BPF_MTU_CHK_RET_SUCCESS;

	if (!xdp || !mtu_len)
		return (uint64_t)-EINVAL;
	/* The XDP variant has no flags (no BPF_MTU_CHK_SEGS). */
	if (r5)
		return (uint64_t)-EINVAL;
	if (ifindex) {
		dev = dev_by_index(ex, ifindex);
	} else {
		/* The ingress device; without a device list that is loopback. */
		dev = dev_by_index(ex, xdp->ingress_ifindex);
		if (!dev && !ex->devs)
			dev = &loopback_dev;
	}
	if (!dev)
		return (uint64_t)-ENODEV;

	/* The device MTU is L3; both sides get the link header. int arithmetic as the kernel. */
	dev_len = (int32_t)(dev->mtu + UXDP_ETH_HLEN);
	xdp_len = (int32_t)(xdp->data_end - xdp->data); /* linear part only, as the kernel */
	/* mtu_len may be anywhere the program points (a packed struct field): copy, not deref */
	memcpy(&in_mtu, mtu_len, sizeof(in_mtu));
	if (in_mtu)
		xdp_len = (int32_t)(in_mtu + UXDP_ETH_HLEN);
	xdp_len = (int32_t)((uint32_t)xdp_len + (uint32_t)len_diff);
	if (xdp_len > dev_len)
		ret = BPF_MTU_CHK_RET_FRAG_NEEDED;
	memcpy(mtu_len, &dev->mtu, sizeof(dev->mtu));
	return ret;
}

/* --- fib_lookup --- */

static bool prefix_match(const uint8_t *addr, const uint8_t *net, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(addr, net, bytes))
		return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((addr[bytes] ^ net[bytes]) & mask)
			return false;
	}
	return true;
}

static const struct uxdp_route *route_lookup(const struct uxdp_exec *ex, uint8_t family,
					     const uint8_t *dst, uint32_t oif)
{
	unsigned int max_plen = family == AF_INET ? 32 : 128;
	const struct uxdp_route *best = NULL;
	size_t i;

	for (i = 0; ex->routes && i < ex->route_cnt; i++) {
		const struct uxdp_route *rt = &ex->routes[i];

		if (rt->family != family || rt->prefixlen > max_plen)
			continue;
		/* An egress-perspective lookup only considers routes out of that device. */
		if (oif && rt->ifindex != oif)
			continue;
		if (!prefix_match(dst, rt->dst, rt->prefixlen))
			continue;
		if (!best || rt->prefixlen > best->prefixlen)
			best = rt;
	}
	return best;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Link-local, multicast and loopback IPv6 addresses are never forwarded (rt6_need_strict). */
static bool ipv6_need_strict(const uint8_t *a)
{
	static const uint8_t loop[16] = {[15] = 1};

	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || !memcmp(a, loop, 16);
}

static uint64_t fib_lookup(struct bpf_fib_lookup *params, uint32_t flags, struct uxdp_exec *ex)
{
	const struct uxdp_route *rt;
	uint8_t dst[16];
	uint32_t mtu;
	bool v4;

	if (flags & ~(BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH |
		      BPF_FIB_LOOKUP_TBID | BPF_FIB_LOOKUP_SRC | UXDP_FIB_LOOKUP_MARK))
		return (uint64_t)-EINVAL;
	switch (params->family) {
	case AF_INET:
		v4 = true;
		memset(dst, 0, sizeof(dst));
		memcpy(dst, &params->ipv4_dst, 4);
		break;
	case AF_INET6:
		v4 = false;
		memcpy(dst, params->ipv6_dst, 16);
		if (ipv6_need_strict(dst) || ipv6_need_strict((const uint8_t *)params->ipv6_src))
			return BPF_FIB_LKUP_RET_NOT_FWDED;
		break;
	default:
		return (uint64_t)-EAFNOSUPPORT;
	}

	if (!dev_by_index(ex, params->ifindex))
		return (uint64_t)-ENODEV;
	/* Only the main table exists. */
	if ((flags & BPF_FIB_LOOKUP_DIRECT) && (flags & BPF_FIB_LOOKUP_TBID) &&
	    params->tbid != RT_TABLE_MAIN)
		return BPF_FIB_LKUP_RET_NOT_FWDED;

	rt = route_lookup(ex, params->family, dst,
			  (flags & BPF_FIB_LOOKUP_OUTPUT) ? params->ifindex : 0);
	if (!rt)
		return BPF_FIB_LKUP_RET_NOT_FWDED;

	mtu = rt->mtu ? rt->mtu : 1500;
	if (params->tot_len > mtu) {
		params->mtu_result = (uint16_t)mtu; /* union with tot_len */
		return BPF_FIB_LKUP_RET_FRAG_NEEDED;
	}

	params->rt_metric = 0;
	params->ifindex = rt->ifindex;
	if (!all_zero(rt->gw, v4 ? 4 : 16)) {
		/* The next hop replaces the destination, as the kernel reports it. */
		if (v4)
			memcpy(&params->ipv4_dst, rt->gw, 4);
		else
			memcpy(params->ipv6_dst, rt->gw, 16);
	}
	if (flags & BPF_FIB_LOOKUP_SRC)
		return BPF_FIB_LKUP_RET_NO_SRC_ADDR;
	if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
		if (!rt->has_neigh)
			return BPF_FIB_LKUP_RET_NO_NEIGH;
		memcpy(params->dmac, rt->dmac, 6);
		memcpy(params->smac, rt->smac, 6);
	}
	params->h_vlan_TCI = 0;
	params->h_vlan_proto = 0;
	params->mtu_result = (uint16_t)mtu;
	return BPF_FIB_LKUP_RET_SUCCESS;
}

uint64_t uxdp_bpf_fib_lookup(UXDP_HELPER_ARGS)
{
	/* params may sit at any alignment in program memory: work on an aligned copy */
	uint8_t *user = (uint8_t *)(uintptr_t)r2;
	struct bpf_fib_lookup params;
	int32_t plen = (int32_t)r3;
	uint64_t ret;

	if (!user || plen < (int32_t)sizeof(params))
		return (uint64_t)-EINVAL;
	memcpy(&params, user, sizeof(params));
	ret = fib_lookup(&params, (uint32_t)r4, ex);
	memcpy(user, &params, sizeof(params));
	return ret;
}
