/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AF_XDP-style sockets served by uxdpd: the client API (shaped like libxdp's
 * <xdp/xsk.h>, every name prefixed uxdp_) and the ABI of the rings shared
 * between an application and the daemon.
 *
 * An application owns a UMEM (its packet memory, cut into equal chunks) and,
 * per socket, four single-producer/single-consumer rings of fixed-size
 * entries, exactly as with a kernel AF_XDP socket:
 *
 *   ring   producer  consumer  entry            meaning
 *   fill   app       uxdpd     u64 addr         "this chunk may receive a packet"
 *   rx     uxdpd     app       struct xdp_desc  "a packet arrived at addr, len bytes"
 *   tx     app       uxdpd     struct xdp_desc  "transmit len bytes at addr"
 *   comp   uxdpd     app       u64 addr         "the chunk at addr was sent, reuse it"
 *
 * UMEM and rings live in memfds the client passes to uxdpd (SCM_RIGHTS) over
 * the daemon's control socket; both sides map the same pages, so descriptors
 * and packets move without a copy and without a system call. In zero-copy mode
 * the RX queue's page_pool draws its buffers from the application's fill ring
 * (the queue is dedicated to that UMEM: seed 002's protection domain), so the
 * XDP program runs on the packet in the application's UMEM and the RX
 * descriptor just hands the chunk over. In copy mode uxdpd copies each packet
 * into a chunk taken from the fill ring.
 *
 * Ring memory (ABI version UXDP_XSK_ABI_VERSION); offsets from the ring's base,
 * each field on its own cache line so the two sides never share one for
 * writing:
 *
 *   0    +---------------------------+
 *        | producer      u32         |  written by the producer only
 *   64   +---------------------------+
 *        | consumer      u32         |  written by the consumer only
 *   128  +---------------------------+
 *        | flags         u32         |  written by uxdpd: XDP_RING_NEED_WAKEUP
 *        | signals       u32         |  rx ring: wake-ups uxdpd sent (see poll())
 *   192  +---------------------------+
 *        | drained       u32         |  rx ring: wake-ups the app consumed
 *   256  +---------------------------+
 *        | entries[size]             |  u64 or struct xdp_desc; size a power of 2
 *        +---------------------------+
 *
 * Indices run freely (u32, wrapping); entry i lives at entries[i & (size-1)].
 * A producer writes entries, then publishes them with a store-release of
 * producer; a consumer reads producer with a load-acquire, reads the entries,
 * then frees them with a store-release of consumer (the kernel's xsk_queue.h
 * protocol). uxdpd never trusts what the application writes: it keeps its own
 * copies of the indices it owns, clamps what it reads to the ring size, copies
 * every descriptor before validating it (address inside the UMEM, chunk
 * aligned, length within the chunk) and counts the invalid ones.
 *
 * The socket's fd (uxdp_xsk_socket__fd()) is the application's connection to
 * uxdpd: closing it (or dying) releases the socket, as closing a kernel
 * AF_XDP socket does. sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) is the TX
 * kick and recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) the fill-ring
 * wake-up, as with the kernel. uxdpd's workers poll the rings on every round,
 * so they only ask for a wake-up (XDP_RING_NEED_WAKEUP) while they sleep.
 * poll() reports POLLIN once the RX ring holds entries the application has
 * left untouched for a few microseconds (a busy application never costs a
 * system call; a sleeping one is woken); the library consumes those wake-ups
 * when it sees the ring empty (the signals/drained words above).
 *
 * Porting a libxdp application: build it with -I<prefix>/include/uxdp/compat
 * (whose <xdp/xsk.h> maps libxdp's names onto these) and link -luxdp instead of
 * -lxdp. The UMEM area an application passes to uxdp_xsk_umem__create() must
 * be page-aligned (the kernel asks the same); the library moves it onto shared
 * memory in place, keeping its contents and its address. Differences from the
 * kernel: getsockopt(SOL_XDP), sendto(), recvfrom() and poll() on the fd go
 * through uxdp_xsk_getsockopt(), uxdp_xsk_sendto(), uxdp_xsk_recvfrom() and
 * uxdp_xsk_poll() (the compat header maps them), ifname names a uxdpd port, and unaligned
 * chunks (XDP_UMEM_UNALIGNED_CHUNK_FLAG) are at most 4096 bytes.
 */
#ifndef UXDP_XSK_H
#define UXDP_XSK_H

#include <linux/if_xdp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the ring layout and of the bind protocol. */
#define UXDP_XSK_ABI_VERSION 1

/** Byte offsets inside a ring's memory (see the diagram above). */
#define UXDP_XSK_RING_OFF_PRODUCER 0
#define UXDP_XSK_RING_OFF_CONSUMER 64
#define UXDP_XSK_RING_OFF_FLAGS	   128
#define UXDP_XSK_RING_OFF_SIGNALS  132
#define UXDP_XSK_RING_OFF_DRAINED  192
#define UXDP_XSK_RING_OFF_ENTRIES  256

/** Bytes of ring memory for `entries` entries of `entry_size` bytes. */
#define UXDP_XSK_RING_BYTES(entries, entry_size)                                                   \
	((uint64_t)UXDP_XSK_RING_OFF_ENTRIES + (uint64_t)(entries) * (entry_size))

#define UXDP_XSK_RING_CONS__DEFAULT_NUM_DESCS	2048
#define UXDP_XSK_RING_PROD__DEFAULT_NUM_DESCS	2048
#define UXDP_XSK_UMEM__DEFAULT_FRAME_SHIFT	12
#define UXDP_XSK_UMEM__DEFAULT_FRAME_SIZE	(1 << UXDP_XSK_UMEM__DEFAULT_FRAME_SHIFT)
#define UXDP_XSK_UMEM__DEFAULT_FRAME_HEADROOM	0
#define UXDP_XSK_UMEM__DEFAULT_FLAGS		0
/** Do not install uxdpd's default redirect-to-socket program on the port. */
#define UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD (1 << 0)

/*
 * One side's view of a ring (the application's). The first eight members are
 * libxdp's, under the same names, so code that reads them (ring.size,
 * ring.cached_prod) ports too; prefer the functions below.
 */
#define UXDP_XSK_RING_MEMBERS                                                                      \
	uint32_t cached_prod;                                                                      \
	uint32_t cached_cons;                                                                      \
	uint32_t mask;                                                                             \
	uint32_t size;                                                                             \
	uint32_t *producer;                                                                        \
	uint32_t *consumer;                                                                        \
	void *ring;                                                                                \
	uint32_t *flags;                                                                           \
	/* rx rings: the wake-up words and the socket they belong to */                            \
	uint32_t *signals;                                                                         \
	uint32_t *drained;                                                                         \
	struct uxdp_xsk_socket *xsk;

/** @brief A ring as the library handles it (either direction). */
struct uxdp_xsk_ring {
	UXDP_XSK_RING_MEMBERS
};

/** @brief A ring the application produces into (fill, tx): .r, or libxdp's members. */
struct uxdp_xsk_ring_prod {
	union {
		struct uxdp_xsk_ring r;
		struct {
			UXDP_XSK_RING_MEMBERS
		};
	};
};

/** @brief A ring the application consumes from (rx, comp): .r, or libxdp's members. */
struct uxdp_xsk_ring_cons {
	union {
		struct uxdp_xsk_ring r;
		struct {
			UXDP_XSK_RING_MEMBERS
		};
	};
};

struct uxdp_xsk_umem;
struct uxdp_xsk_socket;

/** @brief UMEM settings (libxdp's xsk_umem_config). NULL = the defaults. */
struct uxdp_xsk_umem_config {
	uint32_t fill_size;	 /**< fill ring entries (power of 2) */
	uint32_t comp_size;	 /**< completion ring entries (power of 2) */
	uint32_t frame_size;	 /**< chunk size: power of 2, 2048..4096 (unaligned: any there) */
	uint32_t frame_headroom; /**< bytes uxdpd leaves free before each packet's headroom */
	uint32_t flags;		 /**< 0 or XDP_UMEM_UNALIGNED_CHUNK_FLAG: chunks at any address,
				      addresses with an offset in their top 16 bits */
};

/** @brief Socket settings (libxdp's xsk_socket_config). NULL = the defaults. */
struct uxdp_xsk_socket_config {
	uint32_t rx_size; /**< rx ring entries (power of 2; 0 with tx_size != 0: no rx ring) */
	uint32_t tx_size; /**< tx ring entries (power of 2; 0: no tx ring) */
	union {
		uint32_t libbpf_flags;
		uint32_t libxdp_flags; /**< UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD */
	};
	uint32_t xdp_flags; /**< accepted and ignored (uxdpd runs the program) */
	uint16_t bind_flags; /**< XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP */
};

/** @brief Counters of a socket (the kernel's struct xdp_statistics, plus uxdp's). */
struct uxdp_xsk_stats {
	uint64_t rx_dropped;		   /**< frames for this socket dropped for other reasons */
	uint64_t rx_invalid_descs;	   /**< fill entries refused (bad address) */
	uint64_t tx_invalid_descs;	   /**< tx descriptors refused (address, length, options) */
	uint64_t rx_ring_full;		   /**< frames dropped: rx ring full */
	uint64_t rx_fill_ring_empty_descs; /**< times a buffer was needed and the fill ring was empty */
	uint64_t tx_ring_empty_descs;	   /**< tx ring polls that found it empty */
	uint64_t rx_packets, rx_bytes;	   /**< frames delivered to the rx ring */
	uint64_t tx_packets, tx_bytes;	   /**< frames sent from the tx ring */
	uint64_t wakeups;		   /**< poll() wake-ups uxdpd sent */
	uint64_t kicks;			   /**< sendto()/recvfrom() kicks uxdpd received */
	bool zero_copy;			   /**< the mode in use */
};

/* --- rings (inline: the fast path never leaves the application) ---------------------------- */

/** @brief Address slot idx of a fill ring. */
static inline uint64_t *uxdp_xsk_ring_prod__fill_addr(struct uxdp_xsk_ring_prod *fill,
						      uint32_t idx)
{
	return &((uint64_t *)fill->r.ring)[idx & fill->r.mask];
}

/** @brief Address slot idx of a completion ring. */
static inline const uint64_t *uxdp_xsk_ring_cons__comp_addr(const struct uxdp_xsk_ring_cons *comp,
							    uint32_t idx)
{
	return &((const uint64_t *)comp->r.ring)[idx & comp->r.mask];
}

/** @brief Descriptor slot idx of a tx ring. */
static inline struct xdp_desc *uxdp_xsk_ring_prod__tx_desc(struct uxdp_xsk_ring_prod *tx,
							   uint32_t idx)
{
	return &((struct xdp_desc *)tx->r.ring)[idx & tx->r.mask];
}

/** @brief Descriptor slot idx of an rx ring. */
static inline const struct xdp_desc *uxdp_xsk_ring_cons__rx_desc(const struct uxdp_xsk_ring_cons *rx,
								 uint32_t idx)
{
	return &((const struct xdp_desc *)rx->r.ring)[idx & rx->r.mask];
}

/** @brief Does uxdpd want a kick (sendto for tx, recvfrom/poll for fill)? */
static inline int uxdp_xsk_ring_prod__needs_wakeup(const struct uxdp_xsk_ring_prod *r)
{
	return __atomic_load_n(r->r.flags, __ATOMIC_RELAXED) & XDP_RING_NEED_WAKEUP;
}

/** @brief Free entries of a producer ring, refreshing the cached consumer when fewer than nb. */
static inline uint32_t uxdp_xsk_prod_nb_free(struct uxdp_xsk_ring_prod *r, uint32_t nb)
{
	uint32_t free_entries = r->r.cached_cons - r->r.cached_prod;

	if (free_entries >= nb)
		return free_entries;
	/* cached_cons is kept size ahead of the consumer so the subtraction above
	 * gives free entries directly. Acquire: the consumer is done reading the
	 * entries it freed before we overwrite them. */
	r->r.cached_cons = __atomic_load_n(r->r.consumer, __ATOMIC_ACQUIRE) + r->r.size;
	return r->r.cached_cons - r->r.cached_prod;
}

/** @brief Entries ready in a consumer ring, refreshing the cached producer when none are. */
static inline uint32_t uxdp_xsk_cons_nb_avail(struct uxdp_xsk_ring_cons *r, uint32_t nb)
{
	uint32_t entries = r->r.cached_prod - r->r.cached_cons;

	if (entries == 0) {
		r->r.cached_prod = __atomic_load_n(r->r.producer, __ATOMIC_ACQUIRE);
		entries = r->r.cached_prod - r->r.cached_cons;
	}
	return entries > nb ? nb : entries;
}

/** @brief Reserve nb entries to produce; *idx gets the first. @return nb, or 0 if not free */
static inline uint32_t uxdp_xsk_ring_prod__reserve(struct uxdp_xsk_ring_prod *prod, uint32_t nb,
						   uint32_t *idx)
{
	if (uxdp_xsk_prod_nb_free(prod, nb) < nb)
		return 0;
	*idx = prod->r.cached_prod;
	prod->r.cached_prod += nb;
	return nb;
}

/** @brief Publish nb reserved entries to uxdpd. */
static inline void uxdp_xsk_ring_prod__submit(struct uxdp_xsk_ring_prod *prod, uint32_t nb)
{
	/* Release: the entries are written before uxdpd can see the new producer. */
	__atomic_store_n(prod->r.producer, *prod->r.producer + nb, __ATOMIC_RELEASE);
}

/** @private Consume wake-ups uxdpd sent once the rx ring is seen empty (a system call). */
UXDP_API void uxdp_xsk_ring__drain_wakeups(struct uxdp_xsk_ring *r);

/** @brief Take up to nb ready entries; *idx gets the first. @return how many */
static inline uint32_t uxdp_xsk_ring_cons__peek(struct uxdp_xsk_ring_cons *cons, uint32_t nb,
						uint32_t *idx)
{
	uint32_t entries = uxdp_xsk_cons_nb_avail(cons, nb);

	if (entries > 0) {
		*idx = cons->r.cached_cons;
		cons->r.cached_cons += entries;
	} else if (cons->r.signals &&
		   __atomic_load_n(cons->r.signals, __ATOMIC_RELAXED) != *cons->r.drained) {
		uxdp_xsk_ring__drain_wakeups(&cons->r);
	}
	return entries;
}

/** @brief Give back nb peeked entries without consuming them. */
static inline void uxdp_xsk_ring_cons__cancel(struct uxdp_xsk_ring_cons *cons, uint32_t nb)
{
	cons->r.cached_cons -= nb;
}

/** @brief Free nb consumed entries for uxdpd to reuse. */
static inline void uxdp_xsk_ring_cons__release(struct uxdp_xsk_ring_cons *cons, uint32_t nb)
{
	/* Release: the entries are read before uxdpd may overwrite them. */
	__atomic_store_n(cons->r.consumer, *cons->r.consumer + nb, __ATOMIC_RELEASE);
}

/** @brief Pointer to UMEM address addr (aligned chunks: the address is an offset). */
static inline void *uxdp_xsk_umem__get_data(void *umem_area, uint64_t addr)
{
	return &((char *)umem_area)[addr];
}

/** @brief Chunk-relative parts of an address (libxdp's unaligned-mode helpers). */
static inline uint64_t uxdp_xsk_umem__extract_addr(uint64_t addr)
{
	return addr & XSK_UNALIGNED_BUF_ADDR_MASK;
}

static inline uint64_t uxdp_xsk_umem__extract_offset(uint64_t addr)
{
	return addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT;
}

static inline uint64_t uxdp_xsk_umem__add_offset_to_addr(uint64_t addr)
{
	return uxdp_xsk_umem__extract_addr(addr) + uxdp_xsk_umem__extract_offset(addr);
}

/* --- UMEM and sockets ---------------------------------------------------------------------- */

/**
 * @brief Register umem_area (size bytes, page-aligned, a multiple of the
 * frame size) as a UMEM and make its fill and completion rings.
 *
 * The area is moved onto a memfd in place (contents and address kept) so
 * uxdpd can map it; an area on huge pages (MAP_HUGETLB) onto a hugetlb memfd,
 * whole huge pages, so that uxdpd maps it with huge pages too (ordinary
 * shared memory when no huge page is free for the move). Nothing is sent to
 * uxdpd until the first socket binds.
 * @return 0 or -errno (EINVAL: a bad size, alignment or config field)
 */
UXDP_API int uxdp_xsk_umem__create(struct uxdp_xsk_umem **umem, void *umem_area, uint64_t size,
				   struct uxdp_xsk_ring_prod *fill, struct uxdp_xsk_ring_cons *comp,
				   const struct uxdp_xsk_umem_config *config);

/**
 * @brief Bind a socket to RX queue queue_id of uxdpd port ifname.
 *
 * The first socket of a UMEM uses the UMEM's fill and completion rings; a
 * later one on the same UMEM shares them when it binds the same port and
 * queue, else it must come through uxdp_xsk_socket__create_shared() with its
 * own. Connects to the daemon at $UXDP_SOCKET (default
 * /run/uxdp/uxdpd.sock), which checks the caller against its xsk policy.
 * @return 0 or -errno: ENOENT (no such port), EINVAL (queue, config),
 *         EACCES (policy), EOPNOTSUPP (XDP_ZEROCOPY impossible on that queue),
 *         EBUSY (the queue is dedicated to another UMEM), ECONNREFUSED (no uxdpd)
 */
UXDP_API int uxdp_xsk_socket__create(struct uxdp_xsk_socket **xsk, const char *ifname,
				     uint32_t queue_id, struct uxdp_xsk_umem *umem,
				     struct uxdp_xsk_ring_cons *rx, struct uxdp_xsk_ring_prod *tx,
				     const struct uxdp_xsk_socket_config *config);

/** @brief As uxdp_xsk_socket__create(), with this socket's own fill and completion rings. */
UXDP_API int uxdp_xsk_socket__create_shared(struct uxdp_xsk_socket **xsk, const char *ifname,
					    uint32_t queue_id, struct uxdp_xsk_umem *umem,
					    struct uxdp_xsk_ring_cons *rx,
					    struct uxdp_xsk_ring_prod *tx,
					    struct uxdp_xsk_ring_prod *fill,
					    struct uxdp_xsk_ring_cons *comp,
					    const struct uxdp_xsk_socket_config *config);

/** @brief Release the UMEM. @return 0, or -EBUSY while sockets still use it */
UXDP_API int uxdp_xsk_umem__delete(struct uxdp_xsk_umem *umem);
/** @brief Close the socket (uxdpd unbinds it and takes its frames back). */
UXDP_API void uxdp_xsk_socket__delete(struct uxdp_xsk_socket *xsk);

/** @brief The socket's fd: poll() it, kick it with sendto()/recvfrom(). */
UXDP_API int uxdp_xsk_socket__fd(const struct uxdp_xsk_socket *xsk);
/** @brief The fd of the UMEM's first socket (-1 before one exists), as libxdp. */
UXDP_API int uxdp_xsk_umem__fd(const struct uxdp_xsk_umem *umem);

/** @brief Counters of the socket, from uxdpd. @return 0 or -errno */
UXDP_API int uxdp_xsk_socket__get_stats(const struct uxdp_xsk_socket *xsk,
					struct uxdp_xsk_stats *stats);

/** @brief Whether the socket runs zero-copy (uxdpd's answer at bind time). */
UXDP_API bool uxdp_xsk_socket__zero_copy(const struct uxdp_xsk_socket *xsk);

/**
 * @brief getsockopt() that also answers SOL_XDP for uxdp socket fds, as the
 * kernel does for its AF_XDP sockets: XDP_STATISTICS (the kernel's struct
 * xdp_statistics, or its first three fields when optlen says so, with
 * rx_ring_full then counted in rx_dropped; from uxdpd) and XDP_OPTIONS
 * (XDP_OPTIONS_ZEROCOPY). XDP_MMAP_OFFSETS fails with EOPNOTSUPP (these rings
 * are not mmap()ed from the fd), other names with ENOPROTOOPT, a short optlen
 * with EINVAL. Any other fd or level goes to getsockopt() itself.
 * <xdp/xsk.h> of the compat directory routes getsockopt() here.
 * @return 0, or -1 with errno
 */
UXDP_API int uxdp_xsk_getsockopt(int fd, int level, int optname, void *optval,
				 socklen_t *optlen);

/**
 * @brief sendto() that kicks uxdpd for a uxdp socket fd, as the kernel's TX
 * kick does: buf and len are ignored; MSG_DONTWAIT is required (EOPNOTSUPP
 * otherwise, as with the kernel), a socket without a tx ring fails with
 * ENOBUFS, one whose daemon is gone with ENXIO. Any other fd goes to sendto().
 * <xdp/xsk.h> of the compat directory routes sendto() here.
 * @return 0, or -1 with errno
 */
UXDP_API ssize_t uxdp_xsk_sendto(int fd, const void *buf, size_t len, int flags,
				 const struct sockaddr *dest, socklen_t dest_len);

/**
 * @brief recvfrom() that is the fill-ring wake-up for a uxdp socket fd, as
 * with the kernel: when the fill ring asks for a wake-up
 * (XDP_RING_NEED_WAKEUP, or always for a socket sharing another's fill ring),
 * uxdpd is kicked; nothing is read (buf is ignored) and the result is 0.
 * MSG_DONTWAIT is required (EOPNOTSUPP otherwise). Any other fd goes to
 * recvfrom(). Calling recvfrom() itself on a uxdp socket fd would read
 * uxdpd's poll() wake-ups instead: use this (the compat <xdp/xsk.h> does).
 * @return 0, or -1 with errno (ENXIO: uxdpd is gone)
 */
UXDP_API ssize_t uxdp_xsk_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
				   socklen_t *src_len);

/**
 * @brief poll() that first kicks uxdpd for every uxdp socket fd in fds whose
 * fill or tx ring asks for a wake-up (the kernel's poll() on an AF_XDP socket
 * does the same), then polls. POLLIN on a uxdp socket fd means its rx ring
 * has entries (see above).
 */
UXDP_API int uxdp_xsk_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/**
 * @brief Put this socket at key in the xskmap named map_name of the program
 * attached to its port (NULL: every xskmap of that program). By default uxdpd
 * puts a socket at key = its queue id.
 * @return 0 or -errno (ENOENT: no such map)
 */
UXDP_API int uxdp_xsk_socket__update_xskmap_key(struct uxdp_xsk_socket *xsk, const char *map_name,
						uint32_t key);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_XSK_H */
