// SPDX-License-Identifier: BSD-2-Clause
/*
 * xsk_probe: a client of uxdpd's application sockets for the integration
 * tests (test_xsk.py), on the native <uxdp/xsk.h> API. Each command prints
 * one JSON line with what it saw and exits 0, or exits 1 with a message.
 *
 *   rx PORT QUEUE COUNT copy|zc     receive COUNT frames (0: until idle for 1 s)
 *   shared PORT COUNT               a UMEM, sockets on queues 0 and 1 in two
 *                                   processes (fork), COUNT frames each, and
 *                                   a write by the child seen by the parent
 *   hostile PORT                    bad TX descriptors, bad fill entries and
 *                                   ring indices out of range; then a clean
 *                                   exchange still works
 *   hold PORT QUEUE copy|zc         receive until killed (for kill -9)
 *   pollwait PORT COUNT             receive COUNT frames, sleeping in poll() with no
 *                                   timeout whenever the ring is empty
 *   kick PORT COUNT recvfrom|poll   bind zero-copy with need_wakeup and an empty
 *                                   fill ring; once uxdpd's sleeping worker asks
 *                                   for a fill-ring wake-up, fill the ring, wake
 *                                   it once (uxdp_xsk_recvfrom() or
 *                                   uxdp_xsk_poll()) and receive COUNT frames
 *                                   (at most 2048) within 20 s, with no other kick
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uxdp/xsk.h"

#define NFRAMES 4096
#define FRAME	4096

struct probe {
	void *area;
	struct uxdp_xsk_umem *umem;
	struct uxdp_xsk_socket *xsk;
	struct uxdp_xsk_ring_prod fill, tx;
	struct uxdp_xsk_ring_cons comp, rx;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "xsk_probe: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void fill_n(struct uxdp_xsk_ring_prod *fq, uint64_t first, uint32_t n)
{
	uint32_t idx;

	if (uxdp_xsk_ring_prod__reserve(fq, n, &idx) != n)
		die("fill reserve", ENOSPC);
	for (uint32_t i = 0; i < n; i++)
		*uxdp_xsk_ring_prod__fill_addr(fq, idx + i) = (first + i) * FRAME;
	uxdp_xsk_ring_prod__submit(fq, n);
}

static uint32_t setup_fill = 2048; /* fill entries setup() gives before binding */

static void setup(struct probe *p, const char *port, uint32_t queue, uint16_t flags,
		  bool bad_fill_first)
{
	struct uxdp_xsk_socket_config sc = {.rx_size = 2048, .tx_size = 2048, .bind_flags = flags};
	int rc;

	p->area = mmap(NULL, (size_t)NFRAMES * FRAME, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->area == MAP_FAILED)
		die("mmap", errno);
	rc = uxdp_xsk_umem__create(&p->umem, p->area, (uint64_t)NFRAMES * FRAME, &p->fill,
				   &p->comp, NULL);
	if (rc)
		die("umem__create", rc);
	if (bad_fill_first) {
		/* Fill entries outside the UMEM, read by the daemon before any good one. */
		uint32_t idx;

		if (uxdp_xsk_ring_prod__reserve(&p->fill, 2, &idx) != 2)
			die("fill reserve", ENOSPC);
		*uxdp_xsk_ring_prod__fill_addr(&p->fill, idx) = (uint64_t)NFRAMES * FRAME * 2;
		*uxdp_xsk_ring_prod__fill_addr(&p->fill, idx + 1) = UINT64_MAX;
		uxdp_xsk_ring_prod__submit(&p->fill, 2);
	}
	if (setup_fill)
		fill_n(&p->fill, 0, bad_fill_first ? setup_fill - 2 : setup_fill);
	rc = uxdp_xsk_socket__create(&p->xsk, port, queue, p->umem, &p->rx, &p->tx, &sc);
	if (rc)
		die("socket__create", rc);
}

/* Receive until count frames (0: until a second passes without one after the
 * first; UINT64_MAX: forever), giving each chunk back at once. */
static uint64_t rx_loop(struct probe *p, uint64_t count, uint64_t *bytes)
{
	uint64_t got = 0, limit = count ? count : UINT64_MAX;
	int idle = 0;

	while (got < limit) {
		uint64_t want = limit - got < 64 ? limit - got : 64;
		uint32_t idx, n = uxdp_xsk_ring_cons__peek(&p->rx, (uint32_t)want, &idx), fidx;

		if (!n) {
			struct pollfd pfd = {.fd = uxdp_xsk_socket__fd(p->xsk), .events = POLLIN};

			if (!uxdp_xsk_poll(&pfd, 1, 100) && !count && got && ++idle == 10)
				break;
			continue;
		}
		idle = 0;
		while (uxdp_xsk_ring_prod__reserve(&p->fill, n, &fidx) != n)
			;
		for (uint32_t i = 0; i < n; i++) {
			const struct xdp_desc *d = uxdp_xsk_ring_cons__rx_desc(&p->rx, idx + i);

			*bytes += d->len;
			*uxdp_xsk_ring_prod__fill_addr(&p->fill, fidx + i) = d->addr;
		}
		uxdp_xsk_ring_cons__release(&p->rx, n);
		uxdp_xsk_ring_prod__submit(&p->fill, n);
		got += n;
	}
	return got;
}

static int cmd_rx(const char *port, uint32_t queue, uint64_t count, const char *mode)
{
	struct uxdp_xsk_stats st;
	struct probe p;
	uint64_t bytes = 0, got;

	setup(&p, port, queue, !strcmp(mode, "zc") ? XDP_ZEROCOPY : XDP_COPY, false);
	got = rx_loop(&p, count, &bytes);
	if (uxdp_xsk_socket__get_stats(p.xsk, &st))
		die("get_stats", errno);
	printf("{\"received\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"zero_copy\":%s,"
	       "\"rx_packets\":%" PRIu64 ",\"rx_dropped\":%" PRIu64 "}\n",
	       got, bytes, uxdp_xsk_socket__zero_copy(p.xsk) ? "true" : "false", st.rx_packets,
	       st.rx_dropped);
	uxdp_xsk_socket__delete(p.xsk);
	uxdp_xsk_umem__delete(p.umem);
	return 0;
}

static int cmd_hold(const char *port, uint32_t queue, const char *mode)
{
	struct probe p;
	uint64_t bytes = 0;

	setup(&p, port, queue, !strcmp(mode, "zc") ? XDP_ZEROCOPY : XDP_COPY, false);
	printf("{\"bound\":true}\n");
	fflush(stdout);
	rx_loop(&p, UINT64_MAX, &bytes);
	return 0;
}

/* One UMEM in two processes: queue 0 in the parent, queue 1 in the child with
 * its own fill/comp (chunks 2048.. of the same UMEM). */
static int cmd_shared(const char *port, uint64_t count)
{
	struct uxdp_xsk_socket_config sc = {.rx_size = 2048, .tx_size = 0};
	volatile uint8_t *marker;
	struct probe p;
	uint64_t bytes = 0, got;
	int status;
	pid_t pid;

	setup(&p, port, 0, 0, false);
	marker = (volatile uint8_t *)p.area + (uint64_t)(NFRAMES - 1) * FRAME;
	*marker = 0;
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		struct uxdp_xsk_ring_prod fill2, tx2;
		struct uxdp_xsk_ring_cons comp2, rx2;
		struct uxdp_xsk_socket *x2;
		struct probe c;
		int rc;

		rc = uxdp_xsk_socket__create_shared(&x2, port, 1, p.umem, &rx2, &tx2, &fill2,
						    &comp2, &sc);
		if (rc)
			die("child socket__create_shared", rc);
		fill_n(&fill2, 2048, 1024);
		c = p;
		c.xsk = x2;
		c.rx = rx2;
		c.fill = fill2;
		got = rx_loop(&c, count, &bytes);
		for (uint64_t i = 0; i < 1; i++)
			*marker = 0xa5; /* seen by the parent through the shared UMEM */
		printf("{\"child_received\":%" PRIu64 ",\"child_zero_copy\":%s}\n", got,
		       uxdp_xsk_socket__zero_copy(x2) ? "true" : "false");
		fflush(stdout);
		uxdp_xsk_socket__delete(x2);
		uxdp_xsk_socket__delete(p.xsk);
		uxdp_xsk_umem__delete(p.umem);
		exit(got == count ? 0 : 1);
	}
	got = rx_loop(&p, count, &bytes);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child", ECHILD);
	printf("{\"received\":%" PRIu64 ",\"marker\":%u,\"zero_copy\":%s}\n", got, *marker,
	       uxdp_xsk_socket__zero_copy(p.xsk) ? "true" : "false");
	uxdp_xsk_socket__delete(p.xsk);
	uxdp_xsk_umem__delete(p.umem);
	return 0;
}

static int cmd_hostile(const char *port)
{
	struct uxdp_xsk_stats st;
	struct probe p;
	uint32_t idx;
	uint64_t bytes = 0;

	setup(&p, port, 0, XDP_ZEROCOPY, true);
	/* Bad TX descriptors: outside, crossing a chunk, empty, options, a chunk
	 * the daemon holds (it is in the fill ring). */
	if (uxdp_xsk_ring_prod__reserve(&p.tx, 6, &idx) != 6)
		die("tx reserve", ENOSPC);
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 0) =
		(struct xdp_desc){.addr = (uint64_t)NFRAMES * FRAME, .len = 64};
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 1) =
		(struct xdp_desc){.addr = 3000 * FRAME + 4090, .len = 64};
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 2) = (struct xdp_desc){.addr = 3001 * FRAME};
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 3) =
		(struct xdp_desc){.addr = 3002 * FRAME, .len = 64, .options = 0xff};
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 4) =
		(struct xdp_desc){.addr = UINT64_MAX - 10, .len = 64};
	*uxdp_xsk_ring_prod__tx_desc(&p.tx, idx + 5) =
		(struct xdp_desc){.addr = 3003 * FRAME, .len = 64}; /* fine */
	uxdp_xsk_ring_prod__submit(&p.tx, 6);
	for (int i = 0; i < 200; i++) {
		if (uxdp_xsk_socket__get_stats(p.xsk, &st))
			die("get_stats", errno);
		if (st.tx_invalid_descs >= 5 && st.tx_packets >= 1 && st.rx_invalid_descs >= 2)
			break;
		usleep(10000);
	}
	printf("{\"tx_invalid\":%" PRIu64 ",\"tx_packets\":%" PRIu64 ",\"rx_invalid\":%" PRIu64,
	       st.tx_invalid_descs, st.tx_packets, st.rx_invalid_descs);
	/* A consumer index far out of range on the rx ring: the daemon stops
	 * producing (the ring looks full), it does not write out of bounds. */
	__atomic_store_n(p.rx.r.consumer, *p.rx.r.consumer + 0x40000000u, __ATOMIC_RELEASE);
	usleep(100000);
	__atomic_store_n(p.rx.r.consumer, *p.rx.r.consumer - 0x40000000u, __ATOMIC_RELEASE);
	/* Still a working socket afterwards. */
	rx_loop(&p, 100, &bytes);
	if (uxdp_xsk_socket__get_stats(p.xsk, &st))
		die("get_stats", errno);
	printf(",\"rx_ring_full\":%" PRIu64 ",\"after\":%" PRIu64 "}\n", st.rx_ring_full,
	       st.rx_packets);
	uxdp_xsk_socket__delete(p.xsk);
	uxdp_xsk_umem__delete(p.umem);
	return 0;
}

static int cmd_pollwait(const char *port, uint64_t count)
{
	struct uxdp_xsk_stats st;
	struct probe p;
	uint64_t got = 0, sleeps = 0;

	setup(&p, port, 0, 0, false);
	while (got < count) {
		uint32_t idx, fidx, n = uxdp_xsk_ring_cons__peek(&p.rx, 64, &idx);

		if (!n) {
			struct pollfd pfd = {.fd = uxdp_xsk_socket__fd(p.xsk), .events = POLLIN};

			if (uxdp_xsk_poll(&pfd, 1, -1) < 0)
				die("poll", errno);
			sleeps++;
			continue;
		}
		while (uxdp_xsk_ring_prod__reserve(&p.fill, n, &fidx) != n)
			;
		for (uint32_t i = 0; i < n; i++)
			*uxdp_xsk_ring_prod__fill_addr(&p.fill, fidx + i) =
				uxdp_xsk_ring_cons__rx_desc(&p.rx, idx + i)->addr;
		uxdp_xsk_ring_cons__release(&p.rx, n);
		uxdp_xsk_ring_prod__submit(&p.fill, n);
		got += n;
	}
	if (uxdp_xsk_socket__get_stats(p.xsk, &st))
		die("get_stats", errno);
	printf("{\"received\":%" PRIu64 ",\"polls\":%" PRIu64 ",\"wakeups\":%" PRIu64 "}\n",
	       got, sleeps, st.wakeups);
	uxdp_xsk_socket__delete(p.xsk);
	uxdp_xsk_umem__delete(p.umem);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int cmd_kick(const char *port, uint64_t count, const char *how)
{
	struct uxdp_xsk_stats st;
	struct probe p;
	uint64_t got = 0, t0, waited = 0;
	int fd;

	if (count > 2048 || (strcmp(how, "recvfrom") && strcmp(how, "poll")))
		die("kick: COUNT <= 2048, recvfrom or poll", EINVAL);
	setup_fill = 0;
	setup(&p, port, 0, XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP, false);
	fd = uxdp_xsk_socket__fd(p.xsk);
	/* Nothing to receive into: the worker idles, then sleeps and asks. */
	for (t0 = now_ms(); !uxdp_xsk_ring_prod__needs_wakeup(&p.fill); usleep(1000))
		if (now_ms() - t0 > 10000)
			die("the fill ring never asked for a wake-up", ETIMEDOUT);
	waited = now_ms() - t0;
	fill_n(&p.fill, 0, 2048);
	t0 = now_ms();
	if (!strcmp(how, "recvfrom")) {
		if (uxdp_xsk_recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL))
			die("recvfrom", errno);
	} else {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (uxdp_xsk_poll(&pfd, 1, 20000) < 0)
			die("poll", errno);
	}
	while (got < count && now_ms() - t0 < 20000) {
		uint32_t idx, want = count - got < 64 ? (uint32_t)(count - got) : 64;
		uint32_t n = uxdp_xsk_ring_cons__peek(&p.rx, want, &idx);

		if (!n) {
			usleep(1000); /* no system call uxdpd would see */
			continue;
		}
		uxdp_xsk_ring_cons__release(&p.rx, n);
		got += n;
	}
	if (uxdp_xsk_socket__get_stats(p.xsk, &st))
		die("get_stats", errno);
	printf("{\"received\":%" PRIu64 ",\"ms\":%" PRIu64 ",\"asked_after_ms\":%" PRIu64
	       ",\"kicks\":%" PRIu64 "}\n",
	       got, now_ms() - t0, waited, st.kicks);
	uxdp_xsk_socket__delete(p.xsk);
	uxdp_xsk_umem__delete(p.umem);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120); /* never outlive a test that gave up on us */
	if (argc == 6 && !strcmp(argv[1], "rx"))
		return cmd_rx(argv[2], (uint32_t)atoi(argv[3]), strtoull(argv[4], NULL, 0), argv[5]);
	if (argc == 5 && !strcmp(argv[1], "kick"))
		return cmd_kick(argv[2], strtoull(argv[3], NULL, 0), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "shared"))
		return cmd_shared(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "hostile"))
		return cmd_hostile(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "pollwait"))
		return cmd_pollwait(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], (uint32_t)atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: xsk_probe rx PORT QUEUE COUNT copy|zc | shared PORT COUNT | "
			"hostile PORT | hold PORT QUEUE copy|zc\n");
	return 2;
}
