// SPDX-License-Identifier: BSD-2-Clause
/*
 * xsk_rxdrop: the plain kernel AF_XDP baseline of bench/veth_rxdrop.sh. One
 * AF_XDP socket through libxdp's xsk API (its own default redirect program,
 * need_wakeup, copy or zero-copy as the driver allows) on queue 0 of an
 * interface: it takes every frame off the RX ring and puts its buffer straight
 * back on the fill ring, for a number of seconds, then prints the count. This
 * is what uxdpd's afxdp: port plus an XDP_DROP program is measured against.
 *
 *   usage: xsk_rxdrop IFNAME SECONDS
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include <xdp/xsk.h>

#define NUM_FRAMES 4096
#define FRAME_SZ XSK_UMEM__DEFAULT_FRAME_SIZE
#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	unsigned long long count = 0;
	uint32_t idx;
	double end;
	void *area;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: xsk_rxdrop IFNAME SECONDS\n");
		return 2;
	}
	area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SZ, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 1;
	rc = xsk_umem__create(&umem, area, (uint64_t)NUM_FRAMES * FRAME_SZ, &fq, &cq, NULL);
	if (!rc)
		rc = xsk_socket__create(&xsk, argv[1], 0, umem, &rx, &tx, &cfg);
	if (rc) {
		fprintf(stderr, "xsk_rxdrop: AF_XDP socket on %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	if (xsk_ring_prod__reserve(&fq, XSK_RING_PROD__DEFAULT_NUM_DESCS, &idx) !=
	    XSK_RING_PROD__DEFAULT_NUM_DESCS)
		return 1;
	for (uint32_t i = 0; i < XSK_RING_PROD__DEFAULT_NUM_DESCS; i++)
		*xsk_ring_prod__fill_addr(&fq, idx + i) = (uint64_t)i * FRAME_SZ;
	xsk_ring_prod__submit(&fq, XSK_RING_PROD__DEFAULT_NUM_DESCS);
	end = now() + atof(argv[2]);
	for (uint64_t polls = 0;; polls++) {
		uint32_t rcvd, fidx;

		if ((polls & 1023) == 0 && now() >= end)
			break;
		rcvd = xsk_ring_cons__peek(&rx, BATCH, &idx);
		if (!rcvd) {
			if (xsk_ring_prod__needs_wakeup(&fq))
				recvfrom(xsk_socket__fd(xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
			continue;
		}
		while (xsk_ring_prod__reserve(&fq, rcvd, &fidx) != rcvd)
			;
		for (uint32_t i = 0; i < rcvd; i++)
			*xsk_ring_prod__fill_addr(&fq, fidx + i) =
				xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&rx, idx + i)->addr);
		xsk_ring_prod__submit(&fq, rcvd);
		xsk_ring_cons__release(&rx, rcvd);
		count += rcvd;
	}
	printf("%llu\n", count);
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	munmap(area, (size_t)NUM_FRAMES * FRAME_SZ);
	return 0;
}
