// SPDX-License-Identifier: BSD-2-Clause
/*
 * Daemon side of application sockets (see xsk_srv.h). Work in progress: the
 * entry points exist so the daemon builds; binding is refused until the data
 * path side lands.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xsk/xsk_srv.h"

struct uxdp_xsk_srv *uxdp_xsk_srv_bind(const struct uxdp_xsk_bind_params *p, char *err,
				       size_t err_sz)
{
	snprintf(err, err_sz, "application sockets are not available yet");
	errno = EOPNOTSUPP;
	return NULL;
}

void uxdp_xsk_srv_release(struct uxdp_xsk_srv *xs)
{
}

void uxdp_xsk_srv_kick(struct uxdp_xsk_srv *xs)
{
}

int uxdp_xsk_srv_set_map_key(struct uxdp_xsk_srv *xs, const char *map_name, uint32_t key,
			     char *err, size_t err_sz)
{
	return -EOPNOTSUPP;
}

int uxdp_xsk_srv_fill_maps(struct uxdp_dp *dp, struct uxdp_port *port, struct uxdp_prog *prog)
{
	return 0;
}

void uxdp_xsk_srv_info(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_srv_info *info)
{
	memset(info, 0, sizeof(*info));
}

void uxdp_xsk_srv_stats(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}

void uxdp_xsk_srv_foreach(struct uxdp_dp *dp, void (*fn)(void *cookie, struct uxdp_xsk_srv *xs),
			  void *cookie)
{
}
