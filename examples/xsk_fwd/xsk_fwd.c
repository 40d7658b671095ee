// SPDX-License-Identifier: BSD-2-Clause
/*
 * xsk_fwd: a small AF_XDP application written the libxdp way (only
 * <xdp/xsk.h>, <linux/if_xdp.h>, poll() and sendto()), built twice from this
 * one file: against libxdp, where it runs on a kernel AF_XDP socket, and
 * against uxdp's compatibility header, where uxdpd serves the socket. Modes:
 * rxdrop (receive and recycle), txpush (send a fixed UDP frame as fast as the
 * ring allows) and l2fwd (swap the MAC addresses and send each frame back).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define NUM_FRAMES 4096
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define BATCH	   64
#define RING_SIZE  XSK_RING_CONS__DEFAULT_NUM_DESCS

enum mode { RXDROP, TXPUSH, L2FWD };

struct app {
	const char *ifname;
	unsigned int queue;
	enum mode mode;
	uint16_t bind_flags;
	bool poll_mode;
	unsigned long long limit; /* packets, 0: none */
	double duration;	  /* seconds, 0: none */
	unsigned int pkt_size;

	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	uint64_t free_frames[NUM_FRAMES];
	unsigned int nfree;
	unsigned int tx_outstanding;
	unsigned long long packets;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -i IFNAME [-q QUEUE] [-m rxdrop|txpush|l2fwd] [-c|-z] [-p]\n"
		"          [-n PACKETS] [-d SECONDS] [-s SIZE]\n"
		"  -i IFNAME   interface (libxdp build) or uxdpd port (uxdp build)\n"
		"  -q QUEUE    queue id (0)\n"
		"  -m MODE     rxdrop (default), txpush or l2fwd\n"
		"  -c, -z      force copy / zero-copy mode\n"
		"  -p          sleep in poll() instead of busy polling\n"
		"  -n PACKETS  stop after this many packets\n"
		"  -d SECONDS  stop after this long\n"
		"  -s SIZE     txpush frame size (64)\n",
		prog);
}

static uint64_t frame_alloc(struct app *a)
{
	return a->nfree ? a->free_frames[--a->nfree] : UINT64_MAX;
}

static void frame_free(struct app *a, uint64_t addr)
{
	a->free_frames[a->nfree++] = addr - addr % FRAME_SIZE;
}

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint16_t *p = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP from 10.0.0.1:9 to 10.0.0.2:9, size bytes in all.
 * The headers are built apart and copied in: the IPv4 header sits at offset 14
 * of the frame, not aligned for struct iphdr. */
static void build_udp(unsigned char *buf, unsigned int size)
{
	static const unsigned char dst[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};
	static const unsigned char src[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
	struct ethhdr eth = {.h_proto = htons(ETH_P_IP)};
	struct iphdr ip = {0};
	struct udphdr udp = {0};

	memcpy(eth.h_dest, dst, ETH_ALEN);
	memcpy(eth.h_source, src, ETH_ALEN);
	ip.version = 4;
	ip.ihl = 5;
	ip.ttl = 64;
	ip.protocol = IPPROTO_UDP;
	ip.tot_len = htons((uint16_t)(size - sizeof(eth)));
	ip.saddr = htonl(0x0a000001);
	ip.daddr = htonl(0x0a000002);
	ip.check = ip_csum(&ip, sizeof(ip));
	udp.source = htons(9);
	udp.dest = htons(9);
	udp.len = htons((uint16_t)(size - sizeof(eth) - sizeof(ip)));
	memset(buf, 0xa5, size);
	memcpy(buf, &eth, sizeof(eth));
	memcpy(buf + sizeof(eth), &ip, sizeof(ip));
	memcpy(buf + sizeof(eth) + sizeof(ip), &udp, sizeof(udp));
}

static void kick_tx(struct app *a)
{
	/* ENOBUFS, EAGAIN and EBUSY mean "try again later", as with the kernel */
	sendto(xsk_socket__fd(a->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static void refill(struct app *a, unsigned int want)
{
	unsigned int n = want < a->nfree ? want : a->nfree;
	uint32_t idx;

	if (!n)
		return;
	n = xsk_prod_nb_free(&a->fill, n) < n ? xsk_prod_nb_free(&a->fill, n) : n;
	if (!n || xsk_ring_prod__reserve(&a->fill, n, &idx) != n)
		return;
	for (unsigned int i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&a->fill, idx + i) = frame_alloc(a);
	xsk_ring_prod__submit(&a->fill, n);
}

static void complete_tx(struct app *a)
{
	uint32_t idx;
	unsigned int n;

	if (!a->tx_outstanding)
		return;
	if (a->bind_flags & XDP_COPY || xsk_ring_prod__needs_wakeup(&a->tx))
		kick_tx(a);
	n = xsk_ring_cons__peek(&a->comp, BATCH, &idx);
	for (unsigned int i = 0; i < n; i++)
		frame_free(a, *xsk_ring_cons__comp_addr(&a->comp, idx + i));
	xsk_ring_cons__release(&a->comp, n);
	a->tx_outstanding -= n;
	if (a->mode == TXPUSH)
		a->packets += n;
}

static void wait_rx(struct app *a)
{
	struct pollfd p = {.fd = xsk_socket__fd(a->xsk), .events = POLLIN};

	if (a->poll_mode)
		poll(&p, 1, 100);
	else if (xsk_ring_prod__needs_wakeup(&a->fill))
		recvfrom(p.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static void rx_once(struct app *a)
{
	unsigned int n, want = BATCH;
	uint32_t idx, tidx = 0;

	/* -n is exact: never take more than the packets still wanted */
	if (a->limit && a->limit - a->packets < want)
		want = (unsigned int)(a->limit - a->packets);
	n = xsk_ring_cons__peek(&a->rx, want, &idx);
	if (!n) {
		wait_rx(a);
		if (a->mode == L2FWD)
			complete_tx(a);
		return;
	}
	if (a->mode == L2FWD) {
		/* every received frame goes back out: wait for room on the tx ring */
		while (xsk_ring_prod__reserve(&a->tx, n, &tidx) != n && !stop)
			complete_tx(a);
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&a->rx, idx + i);

		if (a->mode == L2FWD) {
			unsigned char *pkt = xsk_umem__get_data(a->area, d->addr);
			unsigned char tmp[ETH_ALEN];
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&a->tx, tidx + i);

			memcpy(tmp, pkt, ETH_ALEN);
			memcpy(pkt, pkt + ETH_ALEN, ETH_ALEN);
			memcpy(pkt + ETH_ALEN, tmp, ETH_ALEN);
			t->addr = d->addr;
			t->len = d->len;
			t->options = 0;
		} else {
			frame_free(a, d->addr);
		}
	}
	xsk_ring_cons__release(&a->rx, n);
	a->packets += n;
	if (a->mode == L2FWD) {
		xsk_ring_prod__submit(&a->tx, n);
		a->tx_outstanding += n;
		complete_tx(a);
	}
	refill(a, n + BATCH);
}

static void tx_once(struct app *a)
{
	unsigned int n = BATCH;
	uint32_t idx;

	if (a->limit && a->packets + a->tx_outstanding + n > a->limit)
		n = (unsigned int)(a->limit - a->packets - a->tx_outstanding);
	if (n > a->nfree)
		n = a->nfree;
	if (n && xsk_ring_prod__reserve(&a->tx, n, &idx) == n) {
		for (unsigned int i = 0; i < n; i++) {
			struct xdp_desc *t = xsk_ring_prod__tx_desc(&a->tx, idx + i);

			t->addr = frame_alloc(a);
			t->len = a->pkt_size;
			t->options = 0;
		}
		xsk_ring_prod__submit(&a->tx, n);
		a->tx_outstanding += n;
	}
	if (a->poll_mode && !n) {
		struct pollfd p = {.fd = xsk_socket__fd(a->xsk), .events = POLLOUT};

		poll(&p, 1, 10);
	}
	complete_tx(a);
}

static int setup(struct app *a)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS * 2,
		.comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.frame_size = FRAME_SIZE,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
		.flags = XSK_UMEM__DEFAULT_FLAGS,
	};
	struct xsk_socket_config scfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.bind_flags = a->bind_flags,
	};
	int err;

	a->area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->area == MAP_FAILED) {
		fprintf(stderr, "xsk_fwd: mmap: %s\n", strerror(errno));
		return 1;
	}
	err = xsk_umem__create(&a->umem, a->area, (uint64_t)NUM_FRAMES * FRAME_SIZE, &a->fill,
			       &a->comp, &ucfg);
	if (err) {
		fprintf(stderr, "xsk_fwd: xsk_umem__create: %s\n", strerror(-err));
		return 1;
	}
	err = xsk_socket__create(&a->xsk, a->ifname, a->queue, a->umem,
				 a->mode == TXPUSH ? NULL : &a->rx, &a->tx, &scfg);
	if (err) {
		fprintf(stderr, "xsk_fwd: xsk_socket__create(%s, queue %u): %s\n", a->ifname,
			a->queue, strerror(-err));
		xsk_umem__delete(a->umem);
		return 1;
	}
	for (unsigned int i = 0; i < NUM_FRAMES; i++) {
		a->free_frames[i] = (uint64_t)(NUM_FRAMES - 1 - i) * FRAME_SIZE;
		if (a->mode == TXPUSH)
			build_udp(xsk_umem__get_data(a->area, (uint64_t)i * FRAME_SIZE),
				  a->pkt_size);
	}
	a->nfree = NUM_FRAMES;
	if (a->mode != TXPUSH)
		refill(a, ucfg.fill_size);
	return 0;
}

static int parse_args(struct app *a, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "i:q:m:czpn:d:s:h")) != -1) {
		switch (c) {
		case 'i':
			a->ifname = optarg;
			break;
		case 'q':
			a->queue = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'm':
			if (!strcmp(optarg, "rxdrop"))
				a->mode = RXDROP;
			else if (!strcmp(optarg, "txpush"))
				a->mode = TXPUSH;
			else if (!strcmp(optarg, "l2fwd"))
				a->mode = L2FWD;
			else
				return -1;
			break;
		case 'c':
			a->bind_flags = (a->bind_flags & ~XDP_ZEROCOPY) | XDP_COPY;
			break;
		case 'z':
			a->bind_flags = (a->bind_flags & ~XDP_COPY) | XDP_ZEROCOPY;
			break;
		case 'p':
			a->poll_mode = true;
			break;
		case 'n':
			a->limit = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			a->duration = strtod(optarg, NULL);
			break;
		case 's':
			a->pkt_size = (unsigned int)strtoul(optarg, NULL, 0);
			if (a->pkt_size < 42 || a->pkt_size > FRAME_SIZE - 256)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return a->ifname && optind == argc ? 0 : -1;
}

/* The socket's counters and mode, the way AF_XDP applications read them. */
static void print_socket_stats(const struct app *a)
{
	struct xdp_statistics st;
	struct xdp_options opt;
	socklen_t len = sizeof(st), olen = sizeof(opt);
	int fd = xsk_socket__fd(a->xsk);

	if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len) ||
	    getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opt, &olen)) {
		fprintf(stderr, "xsk_fwd: getsockopt(SOL_XDP): %s\n", strerror(errno));
		return;
	}
	printf("xsk_fwd: zero_copy=%d rx_dropped=%llu rx_invalid_descs=%llu "
	       "tx_invalid_descs=%llu rx_ring_full=%llu rx_fill_ring_empty_descs=%llu "
	       "tx_ring_empty_descs=%llu\n",
	       !!(opt.flags & XDP_OPTIONS_ZEROCOPY), (unsigned long long)st.rx_dropped,
	       (unsigned long long)st.rx_invalid_descs, (unsigned long long)st.tx_invalid_descs,
	       (unsigned long long)st.rx_ring_full, (unsigned long long)st.rx_fill_ring_empty_descs,
	       (unsigned long long)st.tx_ring_empty_descs);
}

int main(int argc, char **argv)
{
	static struct app a = {.pkt_size = 64, .bind_flags = XDP_USE_NEED_WAKEUP};
	static const char *names[] = {"rxdrop", "txpush", "l2fwd"};
	double t0, t1;

	if (parse_args(&a, argc, argv)) {
		usage(argv[0]);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (setup(&a))
		return 1;

	t0 = now();
	while (!stop) {
		if (a.mode == TXPUSH)
			tx_once(&a);
		else
			rx_once(&a);
		if (a.limit && a.packets >= a.limit)
			break;
		if (a.duration > 0 && now() - t0 >= a.duration)
			break;
	}
	t1 = now();
	/* let the frames still on the tx ring go out (a kick sends a bounded batch) */
	while (a.tx_outstanding && now() - t1 < 1.0)
		complete_tx(&a);

	printf("xsk_fwd: %s on %s queue %u: %llu packets in %.3f s (%.0f pps)\n", names[a.mode],
	       a.ifname, a.queue, a.packets, t1 - t0,
	       t1 > t0 ? (double)a.packets / (t1 - t0) : 0.0);
	print_socket_stats(&a);
	xsk_socket__delete(a.xsk);
	xsk_umem__delete(a.umem);
	munmap(a.area, (size_t)NUM_FRAMES * FRAME_SIZE);
	return 0;
}
