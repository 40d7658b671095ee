/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --kernel: the bench loop is written with uxdp's names; this maps them onto
 * libxdp's (the reverse of include/uxdp/compat/xdp/xsk.h) so the very same
 * loop drives a kernel AF_XDP socket, plus the two calls libxdp lacks (stats
 * and the zero-copy question are getsockopt()s on a kernel socket).
 */
#ifndef UXDP_XSK_BENCH_KERNEL_SHIM_H
#define UXDP_XSK_BENCH_KERNEL_SHIM_H

#include <linux/if_xdp.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <xdp/xsk.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define uxdp_xsk_ring_prod		 xsk_ring_prod
#define uxdp_xsk_ring_cons		 xsk_ring_cons
#define uxdp_xsk_umem			 xsk_umem
#define uxdp_xsk_socket			 xsk_socket
#define uxdp_xsk_umem_config		 xsk_umem_config
#define uxdp_xsk_socket_config		 xsk_socket_config
#define uxdp_xsk_ring_prod__fill_addr	 xsk_ring_prod__fill_addr
#define uxdp_xsk_ring_prod__tx_desc	 xsk_ring_prod__tx_desc
#define uxdp_xsk_ring_prod__reserve	 xsk_ring_prod__reserve
#define uxdp_xsk_ring_prod__submit	 xsk_ring_prod__submit
#define uxdp_xsk_ring_prod__needs_wakeup xsk_ring_prod__needs_wakeup
#define uxdp_xsk_prod_nb_free		 xsk_prod_nb_free
#define uxdp_xsk_ring_cons__peek	 xsk_ring_cons__peek
#define uxdp_xsk_ring_cons__release	 xsk_ring_cons__release
#define uxdp_xsk_ring_cons__rx_desc	 xsk_ring_cons__rx_desc
#define uxdp_xsk_ring_cons__comp_addr	 xsk_ring_cons__comp_addr
#define uxdp_xsk_umem__get_data		 xsk_umem__get_data
#define uxdp_xsk_umem__extract_addr	 xsk_umem__extract_addr
#define uxdp_xsk_umem__add_offset_to_addr xsk_umem__add_offset_to_addr
#define uxdp_xsk_umem__create		 xsk_umem__create
#define uxdp_xsk_umem__delete		 xsk_umem__delete
#define uxdp_xsk_socket__create		 xsk_socket__create
#define uxdp_xsk_socket__delete		 xsk_socket__delete
#define uxdp_xsk_socket__fd		 xsk_socket__fd
#define uxdp_xsk_sendto			 sendto
#define uxdp_xsk_recvfrom		 recvfrom
#define uxdp_xsk_poll			 poll

static inline bool uxdp_xsk_socket__zero_copy(const struct xsk_socket *xsk)
{
	struct xdp_options o = {0};
	socklen_t len = sizeof(o);

	if (getsockopt(xsk_socket__fd(xsk), SOL_XDP, XDP_OPTIONS, &o, &len))
		return false;
	return o.flags & XDP_OPTIONS_ZEROCOPY;
}

#endif /* UXDP_XSK_BENCH_KERNEL_SHIM_H */
