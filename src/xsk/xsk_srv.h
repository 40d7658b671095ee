/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon side of application sockets (include/uxdp/xsk.h): a bound
 * socket maps the application's UMEM and rings (memfds it passed), joins the
 * data path on the worker that owns its (port, queue), and is named by an ID
 * that programs put in BPF_MAP_TYPE_XSKMAP entries.
 *
 * Which call when (uxdpd's control thread): uxdp_xsk_srv_bind() for a checked
 * XSK_BIND, uxdp_xsk_srv_kick() for each zero-length message on the socket's
 * connection, uxdp_xsk_srv_release() when the connection closes (the client
 * exited, crashed or deleted the socket), uxdp_xsk_srv_fill_maps() on every
 * program before it is attached to a port, so its xskmaps already hold the
 * sockets bound there.
 */
#ifndef UXDP_XSK_SRV_H
#define UXDP_XSK_SRV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uxdp/xsk.h"
#include "ctl/ctl_proto.h"

struct uxdp_dp;
struct uxdp_port;
struct uxdp_prog;
struct uxdp_xsk_srv;

/** Most sockets bound at once. */
#define UXDP_XSK_MAX_SOCKETS 1024
/** Largest UMEM uxdpd serves (zero-copy keeps two 64-byte descriptors per chunk). */
#define UXDP_XSK_MAX_UMEM (1ull << 30)

struct uxdp_xsk_bind_params {
	struct uxdp_dp *dp;
	struct uxdp_port *port;
	const char *port_name;			/* for messages and stats */
	const struct uxdp_ctl_xsk_bind *msg;	/* fields checked by uxdp_ctl_parse() */
	int umem_fd, rxtx_fd, fqcq_fd;		/* borrowed (fqcq_fd -1: shared fill/comp) */
	int conn_fd;				/* borrowed; wake-ups are sent on it */
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/**
 * Map the memory, check everything the client said (sizes, seals, ring
 * geometry, queue, mode), bind on the data path (zero-copy when the queue can
 * be dedicated to this UMEM and XDP_COPY was not asked), put the socket into
 * the xskmaps of the port's program at key = queue (installing uxdpd's default
 * redirect program when the port has none, unless inhibited).
 * @return the socket, or NULL with errno and the reason (naming the field) in err
 */
struct uxdp_xsk_srv *uxdp_xsk_srv_bind(const struct uxdp_xsk_bind_params *p, char *err,
				       size_t err_sz);

/** Unbind, take every frame home, unmap; other sockets are not disturbed. */
void uxdp_xsk_srv_release(struct uxdp_xsk_srv *xs);

/** A kick from the application (sendto/recvfrom on its fd). */
void uxdp_xsk_srv_kick(struct uxdp_xsk_srv *xs);

/** Put xs at key in the xskmap map_name ("" or NULL: every xskmap) of its port's program. */
int uxdp_xsk_srv_set_map_key(struct uxdp_xsk_srv *xs, const char *map_name, uint32_t key,
			     char *err, size_t err_sz);

/** Put the sockets bound on port into prog's xskmaps (before attaching prog there). */
int uxdp_xsk_srv_fill_maps(struct uxdp_dp *dp, struct uxdp_port *port, struct uxdp_prog *prog);

/** What a socket is (for stats). */
struct uxdp_xsk_srv_info {
	uint32_t id;
	const char *port_name;
	uint32_t queue;
	pid_t pid;
	uid_t uid;
	bool zero_copy;
	bool need_wakeup;
	bool shared_umem; /* another socket uses the same UMEM */
	uint32_t rx_size, tx_size, fill_size, comp_size;
	uint64_t umem_size;
	uint32_t chunk_size;
};

void uxdp_xsk_srv_info(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_srv_info *info);
void uxdp_xsk_srv_stats(const struct uxdp_xsk_srv *xs, struct uxdp_xsk_stats *stats);

/** Call fn on every bound socket of dp (control thread). */
void uxdp_xsk_srv_foreach(struct uxdp_dp *dp, void (*fn)(void *cookie, struct uxdp_xsk_srv *xs),
			  void *cookie);

#endif /* UXDP_XSK_SRV_H */
