// SPDX-License-Identifier: BSD-2-Clause
/*
 * afxdp: a port on a Linux interface through AF_XDP sockets (libxdp's xsk
 * API), one socket per bound RX queue (all the interface's RX queues unless
 * the spec names some). Each socket has its own UMEM, and the queue's
 * page_pool is that UMEM's allocator (uxdp_port__set_rx_region(), IOVA 0): a
 * buffer's IOVA is its UMEM address. RX hands the kernel's frame to the data
 * path in place, no copy in uxdp; the fill ring is topped up from the pool,
 * and each buffer lent to the kernel is remembered, so that close gives every
 * one of them back. TX copies frames into a separate TX area of the UMEM
 * (frames of any pool may be sent) and recycles the originals at once.
 *
 * The kernel side is our own minimal program, bpf_redirect_map() into an
 * xskmap by rx_queue_index (XDP_PASS for queues without a socket), attached
 * native if the driver can and generic otherwise (or as asked). The binding
 * is zero-copy where the driver offers it and copy otherwise (or as asked).
 * What is in use is read back from the kernel and reported through
 * uxdp_port__mode() (uxdpd prints it at start-up and in stats), never
 * guessed. need_wakeup is always on; busy_poll=USEC turns on preferred busy
 * polling. Frames longer than the buffer room (ours, or the kernel's
 * XDP_STATISTICS rx_dropped) are counted in rx_errors; those the kernel
 * dropped on a full RX ring or, in copy mode, for want of a fill buffer, in
 * rx_kernel_drops.
 *
 * Queue-count changes (ethtool -L). A port opened on all queues has a uxdp
 * queue (and pool, and a reserved UMEM area: address space only until bound)
 * for each queue the interface can have (ethtool's maximum, at most
 * UXDP_PORT_MAX_QUEUES), so the workers poll a fixed set; the queues that
 * exist get a socket at open. A monitor thread (netlink link events, and a
 * check every 500 ms) binds a socket to each queue that appears and unbinds
 * one whose queue is gone. The workers never wait and take no lock: a queue's
 * state word (OFF, ON, DRAIN) is read once per burst. The monitor builds a
 * socket while the queue is OFF and publishes it with ON; to take one away it
 * clears the xskmap entry, says DRAIN, and the owner worker answers OFF at its
 * next burst (it will not touch the queue again); only then is the socket
 * closed and every buffer the kernel held returned to the pool. (The kernel
 * refuses to remove a queue an AF_XDP socket is bound to, so unbinding is for
 * a queue that went away before its socket was up.) TX uses the sockets bound
 * at open.
 *
 * Spec: afxdp:IFNAME[/Q[/Q...]][,mode=auto|zerocopy|copy][,xdp=auto|native|generic]
 *       [,ring=N][,frames=N][,busy_poll=USEC]       (Q: a queue or a range A-B)
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "port/port_internal.h"

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define XSK_BURST 64
/* Empty RX polls between two reads of the kernel's drop counters. */
#define XSK_STATS_EVERY 4096
/* Monitor: channel-count check period, and how long it waits for a worker's answer. */
#define MON_PERIOD_MS 500
#define MON_DRAIN_MS 1000

enum { Q_OFF, Q_ON, Q_DRAIN };

struct xsk_q {
	uint32_t qid; /* the interface's queue */
	_Atomic int state; /* Q_OFF/Q_ON/Q_DRAIN: see the top of the file */
	bool bound;	   /* socket and UMEM exist (monitor/open/close only) */
	bool bind_failed;  /* the last try failed (said once) */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	uint8_t *area;
	size_t area_len;
	int fd;
	bool pool_ready;
	/* RX area: buffers of the pool, by UMEM address / frame size. */
	struct uxdp_frame **by_idx;
	uint8_t *lent; /* 1: the kernel holds it (fill ring, RX ring or its cache) */
	uint32_t nrx;
	/* TX area (after the RX area): a stack of free buffer addresses. */
	uint64_t *tx_free;
	uint32_t tx_free_cnt, ntx;
	atomic_flag tx_lock; /* TX queues qid and qid + nq_tx share this socket */
	/* Kernel drop counters already folded into rx_errors. */
	uint64_t seen_dropped, seen_invalid, seen_ring_full, seen_fill_empty;
	uint32_t empty_polls, bursts;
};

struct afxdp_port {
	char ifname[IF_NAMESIZE];
	unsigned int kifindex;
	uint32_t fsz, ring;
	uint32_t xdp_flags;   /* XDP_FLAGS_DRV_MODE / SKB_MODE actually used */
	int map_fd, prog_fd;
	bool attached;
	bool zc; /* zero-copy binding (read back from the kernel) */
	uint32_t busy_poll, bind_flags, nframes;
	uint16_t nq;	/* uxdp queues (sockets or room for one) */
	uint16_t nq_tx; /* TX uses the sockets of queues 0..nq_tx-1 (bound at open) */
	bool all_queues;
	/* Monitor thread (all_queues with room to grow only). */
	pthread_t mon;
	bool mon_running;
	atomic_bool mon_quit;
	uint32_t mon_seen; /* the queue count it last saw */
	int mon_nl, mon_stop; /* netlink link events; eventfd that ends it */
	struct uxdp_port *port;
	struct xsk_q q[UXDP_PORT_MAX_QUEUES];
};

/* RX queues of the interface now and at most (ethtool channels); 0 if it cannot say. */
static uint32_t if_channels(const char *ifname, uint32_t *max)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	uint32_t n = 0;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (max)
		*max = 0;
	if (s < 0)
		return 0;
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
	ifr.ifr_data = (void *)&ch;
	if (ioctl(s, SIOCETHTOOL, &ifr) == 0) {
		n = ch.combined_count + ch.rx_count;
		if (max)
			*max = ch.max_combined + ch.max_rx;
	}
	close(s);
	return n;
}

/* RX queues of the interface: ethtool channels, else 1. */
static uint32_t if_rx_queues(const char *ifname)
{
	uint32_t n = if_channels(ifname, NULL);

	return n ? n : 1;
}

/* The kernel side: redirect to the xskmap entry of the receiving queue. */
static int load_redirect_prog(int map_fd)
{
	struct bpf_insn insns[] = {
		/* r2 = ctx->rx_queue_index */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		/* r1 = &xskmap */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		/* r3 = XDP_PASS: the fallback for a queue without a socket */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "uxdp_xsk_redir", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

/* Close queue i's socket and UMEM, and take back every buffer the kernel held
 * (no worker may be using the queue: at close, or after its DRAIN answer). */
static void xq_unbind(struct afxdp_port *ap, struct xsk_q *q, struct uxdp_port *port, int i)
{
	/* The pool exists, and is ours to talk to, once the fill ring drew from it
	 * (a port whose open failed half-way has none, or a destroyed one). */
	struct uxdp_page_pool *pool =
		port && q->pool_ready ? uxdp_port__rx_pool(port, (uint16_t)i) : NULL;

	if (q->bound && ap->map_fd >= 0)
		bpf_map_delete_elem(ap->map_fd, &q->qid);
	if (q->xsk)
		xsk_socket__delete(q->xsk); /* the kernel writes no more into the UMEM */
	q->xsk = NULL;
	q->fd = -1;
	/* Every buffer the kernel held comes home (through the pool's ring: this
	 * may be the monitor thread). */
	if (pool && q->by_idx)
		for (uint32_t k = 0; k < q->nrx; k++)
			if (q->lent[k]) {
				q->lent[k] = 0;
				uxdp_page_pool__put(pool, q->by_idx[k], false);
			}
	if (q->umem)
		xsk_umem__delete(q->umem);
	q->umem = NULL;
	q->bound = false;
}

static void xq_free(struct afxdp_port *ap, struct xsk_q *q, struct uxdp_port *port, int i)
{
	struct uxdp_page_pool *pool =
		port && q->pool_ready ? uxdp_port__rx_pool(port, (uint16_t)i) : NULL;

	xq_unbind(ap, q, port, i);
	if (q->area) {
		if (pool && uxdp_page_pool__inflight(pool))
			/* Frames of this UMEM are still elsewhere: never unmap memory in use. */
			uxdp_pr(UXDP_WARN, "afxdp %s queue %u: %llu frames still in flight, "
				"UMEM kept\n", ap->ifname, q->qid,
				(unsigned long long)uxdp_page_pool__inflight(pool));
		else
			munmap(q->area, q->area_len);
	}
	q->area = NULL;
	free(q->by_idx);
	free(q->lent);
	free(q->tx_free);
	q->by_idx = NULL;
	q->lent = NULL;
	q->tx_free = NULL;
}

static void mon_stop(struct afxdp_port *ap);

static void afxdp_free(struct afxdp_port *ap, struct uxdp_port *port)
{
	mon_stop(ap);
	for (int i = 0; i < ap->nq; i++)
		xq_free(ap, &ap->q[i], port, i);
	if (ap->attached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = ap->prog_fd);

		/* Only our program: if someone replaced it, theirs stays. */
		bpf_xdp_detach((int)ap->kifindex, ap->xdp_flags | XDP_FLAGS_REPLACE, &o);
	}
	if (ap->prog_fd >= 0)
		close(ap->prog_fd);
	if (ap->map_fd >= 0)
		close(ap->map_fd);
	free(ap);
}

static int parse_queues(const char *s, size_t len, uint32_t *qs, uint16_t *nq, char *err,
			size_t err_sz)
{
	const char *p = s, *end = s + len;

	*nq = 0;
	while (p < end) {
		char *e;
		unsigned long a, b;

		if (*p != '/')
			goto bad;
		p++;
		a = strtoul(p, &e, 10);
		if (e == p || a >= 4096)
			goto bad;
		b = a;
		if (*e == '-') {
			p = e + 1;
			b = strtoul(p, &e, 10);
			if (e == p || b < a || b >= 4096)
				goto bad;
		}
		if (e > end)
			goto bad;
		for (unsigned long q = a; q <= b; q++) {
			for (uint16_t k = 0; k < *nq; k++)
				if (qs[k] == q) {
					snprintf(err, err_sz, "queue %lu named twice", q);
					return -EINVAL;
				}
			if (*nq == UXDP_PORT_MAX_QUEUES) {
				snprintf(err, err_sz, "more than %d queues", UXDP_PORT_MAX_QUEUES);
				return -EINVAL;
			}
			qs[(*nq)++] = (uint32_t)q;
		}
		p = e;
	}
	return 0;
bad:
	snprintf(err, err_sz, "queues '%.*s': want /Q or /A-B, each 0..4095", (int)len, s);
	return -EINVAL;
}

/* Queue i's memory: the UMEM area (address space until a UMEM is registered on
 * it) and the bookkeeping arrays; its pool will cut buffers from the RX part. */
static int xq_prepare(struct uxdp_port *port, struct afxdp_port *ap, struct xsk_q *q, uint16_t i)
{
	q->fd = -1;
	q->nrx = ap->nframes;
	q->ntx = ap->ring;
	q->area_len = (size_t)(q->nrx + q->ntx) * ap->fsz;
	q->area = mmap(NULL, q->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -ENOMEM;
	}
	q->by_idx = calloc(q->nrx, sizeof(*q->by_idx));
	q->lent = calloc(q->nrx, 1);
	q->tx_free = calloc(q->ntx, sizeof(*q->tx_free));
	if (!q->by_idx || !q->lent || !q->tx_free)
		return -ENOMEM;
	atomic_flag_clear(&q->tx_lock);
	atomic_init(&q->state, Q_OFF);
	/* The queue's page_pool cuts its buffers from the RX area, IOVA = UMEM address. */
	return uxdp_port__set_rx_region(port, i, q->area, (size_t)q->nrx * ap->fsz, 0);
}

/* UMEM and socket on the interface's queue q->qid, and its xskmap entry. The
 * queue must be OFF (no worker touches it); the caller publishes ON. */
static int xq_bind(struct afxdp_port *ap, struct xsk_q *q, char *err, size_t err_sz)
{
	struct xsk_umem_config ucfg = {
		.fill_size = ap->ring,
		.comp_size = ap->ring,
		.frame_size = ap->fsz,
		.frame_headroom = 0, /* data at XDP_PACKET_HEADROOM, as our frames' */
	};
	struct xsk_socket_config scfg = {
		.rx_size = ap->ring,
		.tx_size = ap->ring,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = (uint16_t)(ap->bind_flags | XDP_USE_NEED_WAKEUP),
	};
	int rc;

	memset(q->lent, 0, q->nrx);
	for (uint32_t k = 0; k < q->ntx; k++)
		q->tx_free[k] = (uint64_t)(q->nrx + q->ntx - 1 - k) * ap->fsz;
	q->tx_free_cnt = q->ntx;
	q->seen_dropped = q->seen_invalid = q->seen_ring_full = q->seen_fill_empty = 0;
	q->empty_polls = q->bursts = 0;
	q->bound = true; /* from here on xq_unbind cleans up */
	rc = xsk_umem__create(&q->umem, q->area, q->area_len, &q->fq, &q->cq, &ucfg);
	if (rc) {
		q->umem = NULL;
		snprintf(err, err_sz, "%s queue %u: UMEM of %zu bytes: %s", ap->ifname, q->qid,
			 q->area_len, strerror(-rc));
		return rc;
	}
	rc = xsk_socket__create(&q->xsk, ap->ifname, q->qid, q->umem, &q->rx, &q->tx, &scfg);
	if (rc) {
		q->xsk = NULL;
		snprintf(err, err_sz, "%s queue %u: AF_XDP socket%s: %s", ap->ifname, q->qid,
			 ap->bind_flags & XDP_ZEROCOPY ? " (zero-copy asked)" : "", strerror(-rc));
		return rc;
	}
	q->fd = xsk_socket__fd(q->xsk);
	if (ap->busy_poll) {
		int one = 1, usec = (int)ap->busy_poll, budget = XSK_BURST;

		if (setsockopt(q->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
		    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL, &usec, sizeof(usec)) ||
		    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget))) {
			snprintf(err, err_sz, "%s queue %u: busy polling: %s", ap->ifname, q->qid,
				 strerror(errno));
			return -errno;
		}
	}
	if (bpf_map_update_elem(ap->map_fd, &q->qid, &q->fd, 0)) {
		snprintf(err, err_sz, "%s queue %u: xskmap entry: %s", ap->ifname, q->qid,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* --- the monitor thread ------------------------------------------------------------------- */

/* Take queue i away from the data path: no redirects, the worker's answer, then
 * the socket. Returns false if the worker has not answered yet (tried again later). */
static bool mon_drain(struct afxdp_port *ap, uint16_t i)
{
	struct xsk_q *q = &ap->q[i];
	struct timespec ts = { 0, 1000000 };

	if (atomic_load(&q->state) == Q_ON) {
		bpf_map_delete_elem(ap->map_fd, &q->qid); /* new packets: XDP_PASS */
		atomic_store(&q->state, Q_DRAIN);
		/* A TX burst inside the socket finishes; later ones see DRAIN. */
		while (atomic_flag_test_and_set_explicit(&q->tx_lock, memory_order_acquire))
			;
		atomic_flag_clear_explicit(&q->tx_lock, memory_order_release);
	}
	for (int ms = 0; ms < MON_DRAIN_MS && atomic_load(&q->state) != Q_OFF &&
			 !atomic_load(&ap->mon_quit); ms++)
		nanosleep(&ts, NULL);
	/* Acquire: everything the worker did with the queue happened before. */
	if (atomic_load_explicit(&q->state, memory_order_acquire) != Q_OFF)
		return false;
	xq_unbind(ap, q, ap->port, i);
	uxdp_pr(UXDP_WARN, "afxdp %s: queue %u is gone: socket closed, its buffers back\n",
		ap->ifname, q->qid);
	return true;
}

/* Put a fresh copy of our program in place of the running one (atomically:
 * XDP_FLAGS_REPLACE), so that the driver installs it on every queue it has
 * now: veth, for one, leaves queues added by ethtool -L without the program. */
static void mon_reinstall_prog(struct afxdp_port *ap)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = ap->prog_fd);
	int fd = load_redirect_prog(ap->map_fd), rc;

	if (fd < 0) {
		uxdp_pr(UXDP_WARN, "afxdp %s: reloading the redirect program: %s\n", ap->ifname,
			strerror(errno));
		return;
	}
	rc = bpf_xdp_attach((int)ap->kifindex, fd, ap->xdp_flags | XDP_FLAGS_REPLACE, &o);
	if (rc) {
		uxdp_pr(UXDP_WARN, "afxdp %s: re-installing the redirect program after a queue-"
			"count change: %s\n", ap->ifname, strerror(-rc));
		close(fd);
		return;
	}
	close(ap->prog_fd);
	ap->prog_fd = fd;
}

/* Make the sockets match the interface's queue count. */
static void mon_reconcile(struct afxdp_port *ap)
{
	uint32_t n = if_channels(ap->ifname, NULL);
	char err[256];

	if (!n)
		return; /* no answer: change nothing */
	if (n != ap->mon_seen) {
		if (n > ap->mon_seen)
			mon_reinstall_prog(ap);
		ap->mon_seen = n;
	}
	for (uint16_t i = 0; i < ap->nq && !atomic_load(&ap->mon_quit); i++) {
		struct xsk_q *q = &ap->q[i];

		if (q->qid >= n) { /* gone (or not there yet) */
			if (q->bound)
				mon_drain(ap, i);
			continue;
		}
		if (atomic_load(&q->state) == Q_ON)
			continue;
		/* A socket left from a drain the worker had not answered: finish it. */
		if (q->bound && !mon_drain(ap, i))
			continue;
		err[0] = 0;
		if (xq_bind(ap, q, err, sizeof(err))) {
			xq_unbind(ap, q, ap->port, i);
			if (!q->bind_failed)
				uxdp_pr(UXDP_WARN, "afxdp %s: queue %u appeared, binding failed "
					"(retried): %s\n", ap->ifname, q->qid, err);
			q->bind_failed = true;
			continue;
		}
		q->bind_failed = false;
		/* Release: the worker's acquire load sees the socket and rings. */
		atomic_store_explicit(&q->state, Q_ON, memory_order_release);
		uxdp_pr(UXDP_WARN, "afxdp %s: queue %u appeared (%u queues): socket bound\n",
			ap->ifname, q->qid, n);
	}
}

static void *mon_main(void *arg)
{
	struct afxdp_port *ap = arg;
	struct pollfd pfd[2] = { { .fd = ap->mon_stop, .events = POLLIN },
				 { .fd = ap->mon_nl, .events = POLLIN } };
	char buf[8192];

	for (;;) {
		int rc = poll(pfd, 2, MON_PERIOD_MS);

		if (rc < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		/* Any link event may be a channel change (drivers reset the link for
		 * one): read them all, then look. */
		if (rc > 0 && pfd[1].revents)
			while (recv(ap->mon_nl, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		mon_reconcile(ap);
	}
	return NULL;
}

static int mon_start(struct afxdp_port *ap, char *err, size_t err_sz)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };

	ap->mon_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ap->mon_nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (ap->mon_stop < 0 || ap->mon_nl < 0 ||
	    bind(ap->mon_nl, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, err_sz, "%s: queue-count monitor: %s", ap->ifname, strerror(errno));
		return -errno;
	}
	if ((errno = pthread_create(&ap->mon, NULL, mon_main, ap))) {
		snprintf(err, err_sz, "%s: queue-count monitor thread: %s", ap->ifname,
			 strerror(errno));
		return -errno;
	}
	ap->mon_running = true;
	return 0;
}

static void mon_stop(struct afxdp_port *ap)
{
	uint64_t one = 1;

	if (ap->mon_running) {
		atomic_store(&ap->mon_quit, true);
		if (write(ap->mon_stop, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(ap->mon);
		pthread_join(ap->mon, NULL);
		ap->mon_running = false;
	}
	if (ap->mon_stop >= 0)
		close(ap->mon_stop);
	if (ap->mon_nl >= 0)
		close(ap->mon_nl);
	ap->mon_stop = ap->mon_nl = -1;
}

static int afxdp_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	const char *comma = strchr(args, ','), *slash, *key, *val;
	size_t len = comma ? (size_t)(comma - args) : strlen(args), nlen;
	uint32_t qs[UXDP_PORT_MAX_QUEUES], bind_flags = 0, xdp_flags = 0;
	uint64_t ring = 2048, frames = 0, busy = 0;
	bool xdp_auto = true;
	struct afxdp_port *ap;
	char buf[128], mode[128], *m = mode;
	uint16_t nq = 0;
	int rc;

	slash = memchr(args, '/', len);
	nlen = slash ? (size_t)(slash - args) : len;
	if (!nlen || nlen >= IF_NAMESIZE) {
		snprintf(err, err_sz, "want afxdp:IFNAME[/Q...][,mode=auto|zerocopy|copy]"
			 "[,xdp=auto|native|generic][,ring=N][,frames=N][,busy_poll=USEC], got "
			 "'%.*s'", (int)len, args);
		return -EINVAL;
	}
	if (slash) {
		rc = parse_queues(slash, len - nlen, qs, &nq, err, err_sz);
		if (rc)
			return rc;
	}
	{
		const char *a = args + len;

		while ((rc = uxdp_port__next_arg(&a, buf, sizeof(buf), &key, &val, err, err_sz)) >
		       0) {
			rc = 0;
			if (!strcmp(key, "mode")) {
				if (!strcmp(val, "zerocopy"))
					bind_flags = XDP_ZEROCOPY;
				else if (!strcmp(val, "copy"))
					bind_flags = XDP_COPY;
				else if (strcmp(val, "auto")) {
					snprintf(err, err_sz,
						 "mode=%s: want auto, zerocopy or copy", val);
					return -EINVAL;
				}
			} else if (!strcmp(key, "xdp")) {
				xdp_auto = !strcmp(val, "auto");
				if (!strcmp(val, "native"))
					xdp_flags = XDP_FLAGS_DRV_MODE;
				else if (!strcmp(val, "generic"))
					xdp_flags = XDP_FLAGS_SKB_MODE;
				else if (!xdp_auto) {
					snprintf(err, err_sz,
						 "xdp=%s: want auto, native or generic", val);
					return -EINVAL;
				}
			} else if (!strcmp(key, "ring")) {
				rc = uxdp_port_parse_u64(key, val, 64, 16384, &ring, err, err_sz);
				if (!rc && (ring & (ring - 1))) {
					snprintf(err, err_sz, "ring=%s: want a power of two", val);
					rc = -EINVAL;
				}
			} else if (!strcmp(key, "frames")) {
				rc = uxdp_port_parse_u64(key, val, 128, 1 << 20, &frames, err,
							 err_sz);
			} else if (!strcmp(key, "busy_poll")) {
				rc = uxdp_port_parse_u64(key, val, 0, 1000000, &busy, err, err_sz);
			} else {
				snprintf(err, err_sz, "unknown parameter '%s' (afxdp takes mode=, "
					 "xdp=, ring=, frames=, busy_poll=)", key);
				rc = -EINVAL;
			}
			if (rc)
				return rc;
		}
		if (rc)
			return rc;
	}
	if (uxdp_port__frame_size(port) < 2048) {
		snprintf(err, err_sz, "frame size %u: AF_XDP wants 2048 or 4096",
			 uxdp_port__frame_size(port));
		return -EINVAL;
	}
	ap = calloc(1, sizeof(*ap));
	if (!ap)
		return -ENOMEM;
	ap->map_fd = ap->prog_fd = ap->mon_nl = ap->mon_stop = -1;
	memcpy(ap->ifname, args, nlen);
	ap->kifindex = if_nametoindex(ap->ifname);
	if (!ap->kifindex) {
		snprintf(err, err_sz, "no interface '%s' in this network namespace", ap->ifname);
		free(ap);
		return -ENODEV;
	}
	for (uint16_t i = 0; i < nq; i++) {
		uint32_t n = if_rx_queues(ap->ifname);

		if (qs[i] >= n) {
			snprintf(err, err_sz, "queue %u: %s has %u RX queue%s (0..%u)", qs[i],
				 ap->ifname, n, n > 1 ? "s" : "", n - 1);
			free(ap);
			return -EINVAL;
		}
	}
	ap->nq_tx = nq;
	if (!nq) {
		uint32_t max, n = if_channels(ap->ifname, &max);

		n = n ? n : 1;
		if (n > UXDP_PORT_MAX_QUEUES) {
			snprintf(err, err_sz, "%s has %u RX queues, at most %d in one port: name "
				 "them (afxdp:%s/0-%d)", ap->ifname, n, UXDP_PORT_MAX_QUEUES,
				 ap->ifname, UXDP_PORT_MAX_QUEUES - 1);
			free(ap);
			return -EINVAL;
		}
		/* Room for every queue the interface may get (ethtool -L), bound as
		 * they appear; the ones there now are bound below. */
		ap->all_queues = true;
		ap->nq_tx = (uint16_t)n;
		max = max < n ? n : max > UXDP_PORT_MAX_QUEUES ? UXDP_PORT_MAX_QUEUES : max;
		for (; nq < max; nq++)
			qs[nq] = nq;
	}
	ap->nq = nq;
	ap->fsz = uxdp_port__frame_size(port);
	ap->ring = (uint32_t)ring;
	ap->busy_poll = (uint32_t)busy;
	ap->bind_flags = bind_flags;
	ap->port = port;
	if (!frames)
		frames = 2 * ring; /* the fill ring full, and as many in the data path */
	if (frames < ring + XSK_BURST) {
		snprintf(err, err_sz, "frames=%llu: want at least ring + %d = %llu",
			 (unsigned long long)frames, XSK_BURST,
			 (unsigned long long)(ring + XSK_BURST));
		free(ap);
		return -EINVAL;
	}
	ap->nframes = (uint32_t)frames;
	for (uint16_t i = 0; i < nq; i++) {
		ap->q[i].qid = qs[i];
		ap->q[i].fd = -1;
	}
	ap->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "uxdp_xsks", 4, 4, 4096, NULL);
	if (ap->map_fd < 0) {
		rc = -errno;
		snprintf(err, err_sz, "xskmap: %s", strerror(errno));
		goto err;
	}
	ap->prog_fd = load_redirect_prog(ap->map_fd);
	if (ap->prog_fd < 0) {
		rc = -errno;
		snprintf(err, err_sz, "loading the redirect-to-xskmap program: %s",
			 strerror(errno));
		goto err;
	}
	/* Native where the driver can, generic otherwise (said, not silent). */
	rc = bpf_xdp_attach((int)ap->kifindex, ap->prog_fd,
			    (xdp_auto ? XDP_FLAGS_DRV_MODE : xdp_flags) | XDP_FLAGS_UPDATE_IF_NOEXIST,
			    NULL);
	if (rc && xdp_auto && rc != -EBUSY && rc != -EEXIST) {
		uxdp_pr(UXDP_WARN, "afxdp %s: native XDP refused (%s); using generic XDP\n",
			ap->ifname, strerror(-rc));
		rc = bpf_xdp_attach((int)ap->kifindex, ap->prog_fd,
				    XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		xdp_flags = XDP_FLAGS_SKB_MODE;
	} else if (xdp_auto) {
		xdp_flags = XDP_FLAGS_DRV_MODE;
	}
	if (rc) {
		snprintf(err, err_sz, "attaching the XDP program to %s: %s%s", ap->ifname,
			 strerror(-rc),
			 rc == -EBUSY || rc == -EEXIST ? " (another XDP program is attached)" : "");
		goto err;
	}
	ap->attached = true;
	ap->xdp_flags = xdp_flags;
	for (uint16_t i = 0; i < nq; i++) {
		rc = xq_prepare(port, ap, &ap->q[i], i);
		if (rc) {
			snprintf(err, err_sz, "%s queue %u: UMEM area: %s", ap->ifname, ap->q[i].qid,
				 strerror(-rc));
			goto err;
		}
		if (i >= ap->nq_tx)
			continue;
		rc = xq_bind(ap, &ap->q[i], err, err_sz);
		if (rc)
			goto err;
		atomic_store(&ap->q[i].state, Q_ON);
	}
	/* Say what the kernel actually gave us. */
	{
		struct xdp_options xo = { 0 };
		socklen_t ol = sizeof(xo);
		LIBBPF_OPTS(bpf_xdp_query_opts, qo);
		const char *xdp = "?";
		bool zc = !getsockopt(ap->q[0].fd, SOL_XDP, XDP_OPTIONS, &xo, &ol) &&
			  (xo.flags & XDP_OPTIONS_ZEROCOPY);

		if (!bpf_xdp_query((int)ap->kifindex, 0, &qo))
			xdp = qo.drv_prog_id ? "native" : qo.skb_prog_id ? "generic" :
			      qo.hw_prog_id ? "offloaded" : "?";
		ap->zc = zc;
		m += snprintf(m, sizeof(mode), "%s, %s XDP, need_wakeup", zc ? "zero-copy" : "copy",
			      xdp);
		if (ap->busy_poll)
			m += snprintf(m, sizeof(mode) - (size_t)(m - mode), ", busy-poll %u us",
				      ap->busy_poll);
		m += snprintf(m, sizeof(mode) - (size_t)(m - mode), ", queue%s",
			      ap->nq_tx > 1 ? "s" : "");
		for (uint16_t i = 0; i < ap->nq_tx && m < mode + sizeof(mode) - 8; i++)
			m += snprintf(m, sizeof(mode) - (size_t)(m - mode), "%s%u", i ? "," : " ",
				      ap->q[i].qid);
		if (nq > ap->nq_tx && m < mode + sizeof(mode) - 40)
			snprintf(m, sizeof(mode) - (size_t)(m - mode),
				 " (%u-%u bound when they appear)", ap->q[ap->nq_tx].qid,
				 ap->q[nq - 1].qid);
	}
	if (nq > ap->nq_tx) {
		ap->mon_seen = ap->nq_tx;
		rc = mon_start(ap, err, err_sz);
		if (rc)
			goto err;
	}
	uxdp_port__set_rxq_cnt(port, nq);
	uxdp_port__set_priv(port, ap);
	uxdp_port__set_mode(port, mode);
	return 0;
err:
	afxdp_free(ap, NULL);
	return rc;
}

static void afxdp_close(struct uxdp_port *port)
{
	afxdp_free(uxdp_port__priv(port), port);
}

static inline void kick_rx(struct xsk_q *q)
{
	recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* Top the fill ring up from the pool (RX owner only). */
static void fill(struct afxdp_port *ap, struct xsk_q *q, struct uxdp_page_pool *pool)
{
	struct uxdp_frame *fr[XSK_BURST];
	uint32_t want = xsk_prod_nb_free(&q->fq, ap->ring), got, idx;

	q->pool_ready = true;

	while (want) {
		got = uxdp_page_pool__alloc_burst(pool, fr, want < XSK_BURST ? want : XSK_BURST);
		if (!got)
			return;
		if (xsk_ring_prod__reserve(&q->fq, got, &idx) != got) {
			uxdp_page_pool__put_bulk(pool, fr, got, true);
			return;
		}
		for (uint32_t k = 0; k < got; k++) {
			uint32_t bi = (uint32_t)(fr[k]->iova / ap->fsz);

			q->by_idx[bi] = fr[k];
			q->lent[bi] = 1;
			*xsk_ring_prod__fill_addr(&q->fq, idx + k) = fr[k]->iova;
		}
		xsk_ring_prod__submit(&q->fq, got);
		want -= got;
	}
}

static void fold_kernel_drops(struct uxdp_port *port, uint16_t qid, struct xsk_q *q, bool zc)
{
	struct xdp_statistics st;
	socklen_t ol = sizeof(st);
	uint64_t err, starved = 0;

	if (getsockopt(q->fd, SOL_XDP, XDP_STATISTICS, &st, &ol))
		return;
	if (ol < offsetof(struct xdp_statistics, rx_fill_ring_empty_descs) + sizeof(uint64_t))
		st.rx_ring_full = st.rx_fill_ring_empty_descs = 0; /* an old kernel's short form */
	/* The counters only grow while the socket lives (a rebound queue starts over). */
	err = st.rx_dropped - q->seen_dropped + st.rx_invalid_descs - q->seen_invalid;
	/* In copy mode each packet that found no fill buffer counts once in rx_dropped
	 * and once as an empty fill ring: starvation, not a bad packet. (Zero-copy
	 * drivers count empty polls there, not packets.) */
	if (!zc)
		starved = st.rx_fill_ring_empty_descs - q->seen_fill_empty;
	if (starved > err)
		starved = err;
	if (err - starved)
		uxdp_port__count_rx_error(port, qid, err - starved);
	/* The full statistics keep ring-full drops apart from rx_dropped. */
	if (starved + st.rx_ring_full - q->seen_ring_full)
		uxdp_port__count_rx_kernel_drops(port, qid,
						 starved + st.rx_ring_full - q->seen_ring_full);
	q->seen_dropped = st.rx_dropped;
	q->seen_invalid = st.rx_invalid_descs;
	q->seen_ring_full = st.rx_ring_full;
	q->seen_fill_empty = st.rx_fill_ring_empty_descs;
}

static uint16_t afxdp_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			 uint16_t n)
{
	struct afxdp_port *ap = uxdp_port__priv(port);
	struct xsk_q *q = &ap->q[qid];
	struct uxdp_page_pool *pool = uxdp_port__rx_pool(port, qid);
	uint32_t rcvd, idx, errors = 0;
	uint16_t got = 0;
	/* Acquire pairs with the monitor's ON: the socket and rings are set up. */
	int st = atomic_load_explicit(&q->state, memory_order_acquire);

	if (__builtin_expect(st != Q_ON, 0)) {
		/* The monitor takes the queue away: answer that we are out (release:
		 * what we did with it happens before its acquire). */
		if (st == Q_DRAIN)
			atomic_store_explicit(&q->state, Q_OFF, memory_order_release);
		return 0;
	}
	fill(ap, q, pool);
	rcvd = xsk_ring_cons__peek(&q->rx, n, &idx);
	if (!rcvd) {
		if (ap->busy_poll || xsk_ring_prod__needs_wakeup(&q->fq))
			kick_rx(q);
		if (++q->empty_polls >= XSK_STATS_EVERY) {
			q->empty_polls = 0;
			fold_kernel_drops(port, qid, q, ap->zc);
		}
		return 0;
	}
	for (uint32_t k = 0; k < rcvd; k++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + k);
		uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
		uint32_t bi = (uint32_t)(addr / ap->fsz);
		struct uxdp_frame *f;

		if (bi >= q->nrx || !q->lent[bi]) {
			errors++; /* not a buffer we lent: never touch it */
			continue;
		}
		f = q->by_idx[bi];
		q->lent[bi] = 0;
		f->data_off = (uint16_t)(addr - f->iova);
		f->meta_len = 0;
		f->len = d->len;
		f->rss_hash = 0;
		if (f->len > uxdp_frame__room(f)) {
			uxdp_page_pool__put(pool, f, true);
			errors++;
			continue;
		}
		frames[got++] = f;
	}
	xsk_ring_cons__release(&q->rx, rcvd);
	if (errors)
		uxdp_port__count_rx_error(port, qid, errors);
	if (++q->bursts >= XSK_STATS_EVERY) { /* under steady traffic too */
		q->bursts = 0;
		fold_kernel_drops(port, qid, q, ap->zc);
	}
	return got;
}

static uint16_t afxdp_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			 uint16_t n)
{
	struct afxdp_port *ap = uxdp_port__priv(port);
	struct xsk_q *q = &ap->q[qid % ap->nq_tx];
	uint32_t done, idx, k, lim;

	while (atomic_flag_test_and_set_explicit(&q->tx_lock, memory_order_acquire))
		;
	if (__builtin_expect(atomic_load_explicit(&q->state, memory_order_relaxed) != Q_ON, 0)) {
		atomic_flag_clear_explicit(&q->tx_lock, memory_order_release);
		return 0; /* its queue is being taken away: the caller keeps the frames */
	}
	/* Completed TX buffers back on the stack. */
	done = xsk_ring_cons__peek(&q->cq, q->ntx, &idx);
	for (k = 0; k < done; k++)
		q->tx_free[q->tx_free_cnt++] = *xsk_ring_cons__comp_addr(&q->cq, idx + k);
	if (done)
		xsk_ring_cons__release(&q->cq, done);
	/* As many as there are TX buffers for, up to the first one too long for a
	 * UMEM buffer (only a 4 KiB frame on a 2 KiB UMEM): the caller keeps the rest. */
	lim = n < q->tx_free_cnt ? n : q->tx_free_cnt;
	for (k = 0; k < lim && frames[k]->len <= ap->fsz; k++)
		;
	if (k && xsk_ring_prod__reserve(&q->tx, k, &idx) == k) {
		for (uint32_t i = 0; i < k; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + i);
			uint64_t addr = q->tx_free[--q->tx_free_cnt];
			uint32_t len = frames[i]->len;

			memcpy(q->area + addr, uxdp_frame__data(frames[i]), len);
			d->addr = addr;
			d->len = len;
			d->options = 0;
		}
		xsk_ring_prod__submit(&q->tx, k);
	} else {
		k = 0;
	}
	if (xsk_ring_prod__needs_wakeup(&q->tx))
		sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	atomic_flag_clear_explicit(&q->tx_lock, memory_order_release);
	if (k)
		uxdp_frame__free_bulk(frames, k, uxdp_port__txq_worker(port, qid));
	return (uint16_t)k;
}

const struct uxdp_port_ops uxdp_port_afxdp_ops = {
	.prefix = "afxdp",
	.open = afxdp_open,
	.close = afxdp_close,
	.rx_burst = afxdp_rx,
	.tx_burst = afxdp_tx,
};
