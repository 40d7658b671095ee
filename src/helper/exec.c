// SPDX-License-Identifier: BSD-2-Clause
/*
 * Execution environments (struct uxdp_exec): the per-thread state helpers
 * read and write while a program runs (CPU slot, redirect target, event
 * sink, route and interface tables, random state), their creation from
 * extensible options, and reading back the redirect target a run chose.
 * Also the names of XDP actions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper/helper_priv.h"

/* libbpf-style options check: known size prefix, anything beyond our struct must be zero. */
static bool opts_valid(const void *opts, size_t user_sz, size_t our_sz)
{
	const uint8_t *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return false;
	for (i = our_sz; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}

struct uxdp_exec *uxdp_exec__new(const struct uxdp_exec_opts *opts)
{
	struct uxdp_exec_opts o = {.sz = sizeof(o)};
	struct uxdp_exec *ex;
	uint64_t seed;

	if (opts) {
		if (!opts_valid(opts, opts->sz, sizeof(o))) {
			uxdp_pr(UXDP_WARN,
				"uxdp_exec__new: options (sz %zu) too small or with unknown fields "
				"set\n",
				opts->sz);
			errno = EINVAL;
			return NULL;
		}
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if ((o.route_cnt && !o.routes) || (o.dev_cnt && !o.devs)) {
		uxdp_pr(UXDP_WARN, "uxdp_exec__new: %s count without a table\n",
			o.route_cnt && !o.routes ? "route" : "device");
		errno = EINVAL;
		return NULL;
	}

	/* The stack area wants 16-byte alignment. */
	ex = aligned_alloc(16, (sizeof(*ex) + 15) & ~(size_t)15);
	if (!ex) {
		errno = ENOMEM;
		return NULL;
	}
	memset(ex, 0, sizeof(*ex));
	ex->cpu = o.cpu;
	ex->on_event = o.on_event;
	ex->event_cookie = o.event_cookie;
	ex->routes = o.routes;
	ex->route_cnt = o.routes ? o.route_cnt : 0;
	ex->devs = o.devs;
	ex->dev_cnt = o.devs ? o.dev_cnt : 0;

	seed = o.prandom_seed;
	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		seed ^= (uintptr_t)ex;
	}
	uxdp_helper_prandom_seed(ex, seed);
	return ex;
}

void uxdp_exec__free(struct uxdp_exec *ex)
{
	free(ex);
}

int uxdp_exec__take_redirect(struct uxdp_exec *ex, struct uxdp_redirect_target *out)
{
	if (!ex || !ex->ri.set)
		return -ENOENT;
	if (out) {
		out->map = ex->ri.map;
		out->map_type = ex->ri.map_type;
		out->index = ex->ri.index;
		out->flags = ex->ri.flags;
	}
	memset(&ex->ri, 0, sizeof(ex->ri));
	return 0;
}

const char *uxdp_xdp_action_name(uint32_t action)
{
	switch (action) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "UNKNOWN";
	}
}
