/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libxdp compatibility: an application written against libxdp's <xdp/xsk.h>
 * builds unchanged against uxdp with -I<prefix>/include/uxdp/compat
 * -I<prefix>/include and links with -luxdp instead of -lxdp -lbpf. Every
 * libxdp name (types, ring helpers, UMEM and socket calls, defaults) is mapped
 * onto its uxdp_ counterpart of <uxdp/xsk.h>, whose structs have libxdp's
 * layout; the two helpers that hand out u64 pointers are thin inlines so they
 * keep libxdp's __u64 types. The sockets are served by uxdpd (see
 * <uxdp/xsk.h> for the differences from kernel sockets): ifname names a uxdpd
 * port, uxdpd installs and fills the XDP program's xskmap itself.
 */
#ifndef UXDP_COMPAT_XDP_XSK_H
#define UXDP_COMPAT_XDP_XSK_H

#include <errno.h>
#include <linux/if_xdp.h>
#include <linux/types.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#include <uxdp/xsk.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Types (struct tags). */
#define xsk_ring_prod	  uxdp_xsk_ring_prod
#define xsk_ring_cons	  uxdp_xsk_ring_cons
#define xsk_umem	  uxdp_xsk_umem
#define xsk_socket	  uxdp_xsk_socket
#define xsk_umem_config	  uxdp_xsk_umem_config
#define xsk_socket_config uxdp_xsk_socket_config

/* Defaults and flags. */
#define XSK_RING_CONS__DEFAULT_NUM_DESCS    UXDP_XSK_RING_CONS__DEFAULT_NUM_DESCS
#define XSK_RING_PROD__DEFAULT_NUM_DESCS    UXDP_XSK_RING_PROD__DEFAULT_NUM_DESCS
#define XSK_UMEM__DEFAULT_FRAME_SHIFT	    UXDP_XSK_UMEM__DEFAULT_FRAME_SHIFT
#define XSK_UMEM__DEFAULT_FRAME_SIZE	    UXDP_XSK_UMEM__DEFAULT_FRAME_SIZE
#define XSK_UMEM__DEFAULT_FRAME_HEADROOM    UXDP_XSK_UMEM__DEFAULT_FRAME_HEADROOM
#define XSK_UMEM__DEFAULT_FLAGS		    UXDP_XSK_UMEM__DEFAULT_FLAGS
#define XSK_LIBBPF_FLAGS__INHIBIT_PROG_LOAD UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD
#define XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD

/* Ring fast path (inline in <uxdp/xsk.h>). */
#define xsk_ring_prod__tx_desc	     uxdp_xsk_ring_prod__tx_desc
#define xsk_ring_cons__rx_desc	     uxdp_xsk_ring_cons__rx_desc
#define xsk_ring_prod__needs_wakeup  uxdp_xsk_ring_prod__needs_wakeup
#define xsk_prod_nb_free	     uxdp_xsk_prod_nb_free
#define xsk_cons_nb_avail	     uxdp_xsk_cons_nb_avail
#define xsk_ring_prod__reserve	     uxdp_xsk_ring_prod__reserve
#define xsk_ring_prod__submit	     uxdp_xsk_ring_prod__submit
#define xsk_ring_cons__peek	     uxdp_xsk_ring_cons__peek
#define xsk_ring_cons__cancel	     uxdp_xsk_ring_cons__cancel
#define xsk_ring_cons__release	     uxdp_xsk_ring_cons__release
#define xsk_umem__get_data	     uxdp_xsk_umem__get_data
#define xsk_umem__extract_addr	     uxdp_xsk_umem__extract_addr
#define xsk_umem__extract_offset     uxdp_xsk_umem__extract_offset
#define xsk_umem__add_offset_to_addr uxdp_xsk_umem__add_offset_to_addr

/* libxdp's address slots are __u64 (unsigned long long), ours uint64_t. */
static inline __u64 *xsk_ring_prod__fill_addr(struct xsk_ring_prod *fill, __u32 idx)
{
	return (__u64 *)uxdp_xsk_ring_prod__fill_addr(fill, idx);
}

static inline const __u64 *xsk_ring_cons__comp_addr(const struct xsk_ring_cons *comp, __u32 idx)
{
	return (const __u64 *)uxdp_xsk_ring_cons__comp_addr(comp, idx);
}

/* UMEM and sockets. */
#define xsk_umem__create	  uxdp_xsk_umem__create
#define xsk_umem__delete	  uxdp_xsk_umem__delete
#define xsk_umem__fd		  uxdp_xsk_umem__fd
#define xsk_socket__create	  uxdp_xsk_socket__create
#define xsk_socket__create_shared uxdp_xsk_socket__create_shared
#define xsk_socket__delete	  uxdp_xsk_socket__delete
#define xsk_socket__fd		  uxdp_xsk_socket__fd

/*
 * getsockopt(fd, SOL_XDP, XDP_STATISTICS / XDP_OPTIONS, ...) on a uxdp socket
 * answers as on a kernel AF_XDP socket; every other call passes through to
 * getsockopt() unchanged. <sys/socket.h> is included first, so its
 * declaration is not rewritten. #undef getsockopt after this header to opt out.
 */
#ifndef UXDP_COMPAT_NO_SOCKET_CALLS
#define getsockopt(fd, level, optname, optval, optlen)                                             \
	uxdp_xsk_getsockopt(fd, level, optname, optval, optlen)

/*
 * The kicks: sendto() (TX), recvfrom() (fill ring) and poll() on a uxdp
 * socket fd reach uxdpd as they reach the driver on a kernel AF_XDP socket;
 * on any other fd they are the calls themselves. Like getsockopt() above,
 * #undef one after this header to opt out (or define
 * UXDP_COMPAT_NO_SOCKET_CALLS before it to keep all four unmapped).
 */
#define sendto(fd, buf, len, flags, dest, dest_len)                                                \
	uxdp_xsk_sendto(fd, buf, len, flags, dest, dest_len)
#define recvfrom(fd, buf, len, flags, src, src_len)                                                \
	uxdp_xsk_recvfrom(fd, buf, len, flags, src, src_len)
#define poll(fds, nfds, timeout) uxdp_xsk_poll(fds, nfds, timeout)
#endif

/*
 * uxdpd puts every socket into the xskmaps of its port's program itself (at
 * key = queue id; uxdp_xsk_socket__update_xskmap_key() to change that), so
 * there is nothing to do with an application's own map fd: success.
 */
static inline int xsk_socket__update_xskmap(struct xsk_socket *xsk, int xsks_map_fd)
{
	(void)xsks_map_fd;
	return xsk ? 0 : -EINVAL;
}

/* Programs run in uxdpd, not in this process's kernel: no program to set up here. */
static inline int xsk_setup_xdp_prog(int ifindex, int *xsks_map_fd)
{
	(void)ifindex;
	(void)xsks_map_fd;
	return -EOPNOTSUPP;
}

#ifdef __cplusplus
}
#endif

#endif /* UXDP_COMPAT_XDP_XSK_H */
