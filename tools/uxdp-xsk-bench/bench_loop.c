// SPDX-License-Identifier: BSD-2-Clause
/*
 * One queue of uxdp-xsk-bench: a UMEM and a socket of its own, then rxdrop,
 * txpush or l2fwd in a loop until told to stop, counting packets. Written
 * with uxdp's names; compiled a second time with -DBENCH_KERNEL, where
 * kernel_shim.h maps those names onto libxdp's, so both backends run the
 * same instructions.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef BENCH_KERNEL
#include "kernel_shim.h"
#define BENCH_RUN bench_run_kernel
#else
#include "uxdp/xsk.h"
#define BENCH_RUN bench_run_uxdp
#endif
#include "bench.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define NUM_FRAMES 4096
#define FRAME_SIZE 4096
#define RING_SIZE  2048

struct qstate {
	struct bench_queue *q;
	const struct bench_cfg *cfg;
	void *area;
	struct uxdp_xsk_umem *umem;
	struct uxdp_xsk_socket *xsk;
	struct uxdp_xsk_ring_prod fill, tx;
	struct uxdp_xsk_ring_cons comp, rx;
	uint64_t frames[NUM_FRAMES];
	unsigned int nfree, outstanding;
	uint64_t packets;
};

/* The frame an address from the rx or completion ring belongs to. Unaligned
 * mode puts the data's offset in the top 16 bits: drop it first (a no-op for
 * aligned addresses). The frames this tool hands out are frame-aligned. */
static inline uint64_t frame_of(uint64_t addr)
{
	return uxdp_xsk_umem__extract_addr(addr) & ~(uint64_t)(FRAME_SIZE - 1);
}

static void count(struct qstate *s, unsigned int n)
{
	s->packets += n;
	__atomic_store_n(&s->q->packets, s->packets, __ATOMIC_RELAXED);
}

static void kick(struct qstate *s)
{
	uxdp_xsk_sendto(uxdp_xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static void fill_frames(struct qstate *s, unsigned int want)
{
	unsigned int n = want < s->nfree ? want : s->nfree;
	uint32_t idx;

	if (n && uxdp_xsk_prod_nb_free(&s->fill, n) < n)
		n = uxdp_xsk_prod_nb_free(&s->fill, n);
	if (!n || uxdp_xsk_ring_prod__reserve(&s->fill, n, &idx) != n)
		return;
	for (unsigned int i = 0; i < n; i++)
		*uxdp_xsk_ring_prod__fill_addr(&s->fill, idx + i) = s->frames[--s->nfree];
	uxdp_xsk_ring_prod__submit(&s->fill, n);
}

static void complete(struct qstate *s)
{
	unsigned int n;
	uint32_t idx;

	if (!s->outstanding)
		return;
	if (s->cfg->copy || s->cfg->busy_poll || uxdp_xsk_ring_prod__needs_wakeup(&s->tx))
		kick(s);
	n = uxdp_xsk_ring_cons__peek(&s->comp, s->cfg->batch, &idx);
	for (unsigned int i = 0; i < n; i++)
		s->frames[s->nfree++] = frame_of(*uxdp_xsk_ring_cons__comp_addr(&s->comp, idx + i));
	uxdp_xsk_ring_cons__release(&s->comp, n);
	s->outstanding -= n;
	if (s->cfg->mode == BENCH_TXPUSH)
		count(s, n);
}

static void rx_idle(struct qstate *s)
{
	struct pollfd p = {.fd = uxdp_xsk_socket__fd(s->xsk), .events = POLLIN};

	if (s->cfg->poll)
		uxdp_xsk_poll(&p, 1, 100);
	else if (s->cfg->busy_poll || uxdp_xsk_ring_prod__needs_wakeup(&s->fill))
		uxdp_xsk_recvfrom(p.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static void rx_batch(struct qstate *s)
{
	uint32_t idx, tidx = 0;
	unsigned int n;

	n = uxdp_xsk_ring_cons__peek(&s->rx, s->cfg->batch, &idx);
	if (!n) {
		rx_idle(s);
		complete(s);
		return;
	}
	if (s->cfg->mode == BENCH_L2FWD)
		while (uxdp_xsk_ring_prod__reserve(&s->tx, n, &tidx) != n && !*s->q->stop)
			complete(s);
	for (unsigned int i = 0; i < n; i++) {
		const struct xdp_desc *d = uxdp_xsk_ring_cons__rx_desc(&s->rx, idx + i);

		if (s->cfg->mode == BENCH_L2FWD) {
			unsigned char *p = uxdp_xsk_umem__get_data(
				s->area, uxdp_xsk_umem__add_offset_to_addr(d->addr));
			struct xdp_desc *t = uxdp_xsk_ring_prod__tx_desc(&s->tx, tidx + i);
			unsigned char mac[6];

			memcpy(mac, p, 6);
			memcpy(p, p + 6, 6);
			memcpy(p + 6, mac, 6);
			*t = *d;
		} else {
			s->frames[s->nfree++] = frame_of(d->addr);
		}
	}
	uxdp_xsk_ring_cons__release(&s->rx, n);
	count(s, n);
	if (s->cfg->mode == BENCH_L2FWD) {
		uxdp_xsk_ring_prod__submit(&s->tx, n);
		s->outstanding += n;
		complete(s);
	}
	fill_frames(s, n + s->cfg->batch);
}

static void tx_batch(struct qstate *s)
{
	unsigned int n = s->cfg->batch < s->nfree ? s->cfg->batch : s->nfree;
	uint32_t idx;

	if (n && uxdp_xsk_ring_prod__reserve(&s->tx, n, &idx) == n) {
		for (unsigned int i = 0; i < n; i++) {
			struct xdp_desc *t = uxdp_xsk_ring_prod__tx_desc(&s->tx, idx + i);

			t->addr = s->frames[--s->nfree];
			t->len = s->cfg->pkt_size;
			t->options = 0;
		}
		uxdp_xsk_ring_prod__submit(&s->tx, n);
		s->outstanding += n;
	} else if (s->cfg->poll) {
		struct pollfd p = {.fd = uxdp_xsk_socket__fd(s->xsk), .events = POLLOUT};

		uxdp_xsk_poll(&p, 1, 10);
	}
	complete(s);
}

/* A UDP/IPv4 frame of size bytes, 10.0.0.1:9 -> 10.0.0.2:9, MACs 02::1 -> 02::2. */
static void build_frame(unsigned char *f, unsigned int size)
{
	static const unsigned char hdr[42] = {
		0x02, 0, 0,  0, 0, 0x02, 0x02, 0, 0,  0,  0, 0x01, 0x08, 0x00, /* eth */
		0x45, 0, 0,  0, 0, 0,	 0,    0, 64, 17, 0, 0,	   10,	 0,
		0,    1, 10, 0, 0, 2,		  /* ip */
		0,    9, 0,  9, 0, 0,	 0,    0, /* udp */
	};
	unsigned int ip_len = size - 14, udp_len = size - 34, sum = 0;

	memset(f, 0x5a, size);
	memcpy(f, hdr, sizeof(hdr));
	f[16] = (unsigned char)(ip_len >> 8);
	f[17] = (unsigned char)ip_len;
	for (int i = 14; i < 34; i += 2)
		sum += (unsigned int)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (unsigned char)(~sum >> 8);
	f[25] = (unsigned char)~sum;
	f[38] = (unsigned char)(udp_len >> 8);
	f[39] = (unsigned char)udp_len;
}

static void get_stats(struct qstate *s)
{
#ifdef BENCH_KERNEL
	struct xdp_statistics st = {0};
	socklen_t len = sizeof(st);

	if (getsockopt(uxdp_xsk_socket__fd(s->xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
		return;
#else
	struct uxdp_xsk_stats st;

	if (uxdp_xsk_socket__get_stats(s->xsk, &st))
		return;
#endif
	s->q->stats = (struct bench_stats){
		.rx_dropped = st.rx_dropped,
		.rx_invalid_descs = st.rx_invalid_descs,
		.tx_invalid_descs = st.tx_invalid_descs,
		.rx_ring_full = st.rx_ring_full,
		.rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs,
		.tx_ring_empty_descs = st.tx_ring_empty_descs,
	};
}

static int setup(struct qstate *s)
{
	const struct bench_cfg *c = s->cfg;
	struct uxdp_xsk_umem_config ucfg = {
		.fill_size = RING_SIZE * 2,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.flags = c->unaligned ? XDP_UMEM_UNALIGNED_CHUNK_FLAG : 0,
	};
	struct uxdp_xsk_socket_config scfg = {.rx_size = RING_SIZE, .tx_size = RING_SIZE};
	int err;

	if (c->copy)
		scfg.bind_flags |= XDP_COPY;
	if (c->zero_copy)
		scfg.bind_flags |= XDP_ZEROCOPY;
	if (!c->busy_poll)
		scfg.bind_flags |= XDP_USE_NEED_WAKEUP;
	s->area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (c->hugepages ? MAP_HUGETLB : 0), -1, 0);
	if (s->area == MAP_FAILED) {
		s->area = NULL;
		snprintf(s->q->errmsg, sizeof(s->q->errmsg), "mmap%s: %s",
			 c->hugepages ? " (huge pages: see /proc/sys/vm/nr_hugepages)" : "",
			 strerror(errno));
		return -errno;
	}
	err = uxdp_xsk_umem__create(&s->umem, s->area, (uint64_t)NUM_FRAMES * FRAME_SIZE, &s->fill,
				    &s->comp, &ucfg);
	if (err) {
		snprintf(s->q->errmsg, sizeof(s->q->errmsg), "UMEM: %s", strerror(-err));
		return err;
	}
	err = uxdp_xsk_socket__create(&s->xsk, c->ifname, s->q->queue, s->umem,
				      c->mode == BENCH_TXPUSH ? NULL : &s->rx, &s->tx, &scfg);
	if (err) {
		snprintf(s->q->errmsg, sizeof(s->q->errmsg), "socket on %s queue %u: %s", c->ifname,
			 s->q->queue, strerror(-err));
		uxdp_xsk_umem__delete(s->umem);
		s->umem = NULL;
		return err;
	}
#ifdef BENCH_KERNEL
	if (c->busy_poll) {
		int one = 1, usecs = 20, budget = (int)c->batch;
		int fd = uxdp_xsk_socket__fd(s->xsk);

		if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) ||
		    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) ||
		    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget))) {
			snprintf(s->q->errmsg, sizeof(s->q->errmsg), "busy-poll options: %s",
				 strerror(errno));
			return -errno;
		}
	}
#endif
	s->q->zero_copy = uxdp_xsk_socket__zero_copy(s->xsk);
	for (unsigned int i = 0; i < NUM_FRAMES; i++) {
		s->frames[i] = (uint64_t)(NUM_FRAMES - 1 - i) * FRAME_SIZE;
		if (c->mode == BENCH_TXPUSH)
			build_frame(uxdp_xsk_umem__get_data(s->area, (uint64_t)i * FRAME_SIZE),
				    c->pkt_size);
	}
	s->nfree = NUM_FRAMES;
	if (c->mode != BENCH_TXPUSH)
		fill_frames(s, ucfg.fill_size);
	return 0;
}

void *BENCH_RUN(void *arg)
{
	struct bench_queue *q = arg;
	struct qstate *s = calloc(1, sizeof(*s));

	if (!s) {
		q->err = -ENOMEM;
		__atomic_store_n(&q->ready, -1, __ATOMIC_RELEASE);
		return NULL;
	}
	s->q = q;
	s->cfg = q->cfg;
	q->err = setup(s);
	__atomic_store_n(&q->ready, q->err ? -1 : 1, __ATOMIC_RELEASE);
	if (!q->err) {
		while (!*q->stop) {
			if (s->cfg->mode == BENCH_TXPUSH)
				tx_batch(s);
			else
				rx_batch(s);
		}
		get_stats(s);
	}
	if (s->xsk)
		uxdp_xsk_socket__delete(s->xsk);
	if (s->umem)
		uxdp_xsk_umem__delete(s->umem);
	if (s->area)
		munmap(s->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(s);
	return NULL;
}
