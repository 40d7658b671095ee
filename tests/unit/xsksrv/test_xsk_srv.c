// SPDX-License-Identifier: BSD-2-Clause
/*
 * The daemon side of application sockets, driven by a hand-made client (the
 * ring memory laid out per include/uxdp/xsk.h, independent of the client
 * library) over gen ports and manual polls: zero-copy and copy delivery with
 * the packet bytes checked, fill-ring exhaustion, hostile fill and TX
 * entries, RX ring full, TX with completions (zero-copy and copy), the poll()
 * wake-up, memory that is not a sealed memfd, shared fill/comp rings and the
 * one-UMEM-per-queue rule, and release with the queue back on its own pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "huge_pool.h"
#include "../vm/insn_build.h"
#include "uxdp/map.h"
#include "uxdp/vm.h"
#include "map/map_internal.h"
#include "uxdp/dp.h"
#include "uxdp/port.h"
#include "uxdp/xsk.h"
#include "xsk/xsk_srv.h"

#define CHUNK	 4096u
#define NCHUNKS	 512u
#define RING_N	 256u
#define RING_OFF 8192u /* second ring of a memfd */

struct app {
	int umem_fd, rxtx_fd, fqcq_fd, conn[2];
	uint8_t *umem;
	uint8_t *rxtx, *fqcq;
	struct uxdp_ctl_xsk_bind msg;
};

static int sealed_memfd(size_t size, bool seal)
{
	int fd = memfd_create("t", MFD_ALLOW_SEALING | MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		return -1;
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -1;
	return fd;
}

/* A sealed hugetlb memfd of one 2 MiB page (the UMEM of an application whose
 * area was on huge pages), or -1. */
static int huge_memfd(void)
{
	int fd = memfd_create("t", MFD_ALLOW_SEALING | MFD_CLOEXEC | MFD_HUGETLB);

	if (fd < 0 || ftruncate(fd, (off_t)CHUNK * NCHUNKS) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return -1;
	return fd;
}

static bool app_huge; /* app_init: the UMEM on a hugetlb memfd, registered 3 chunks short */

static int app_init(struct app *a, uint32_t flags)
{
	memset(a, 0, sizeof(*a));
	a->umem_fd = app_huge ? huge_memfd() : sealed_memfd((size_t)CHUNK * NCHUNKS, true);
	a->rxtx_fd = sealed_memfd(2 * RING_OFF, true);
	a->fqcq_fd = sealed_memfd(2 * RING_OFF, true);
	if (a->umem_fd < 0 || a->rxtx_fd < 0 || a->fqcq_fd < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a->conn))
		return -1;
	a->umem = mmap(NULL, (size_t)CHUNK * NCHUNKS, PROT_READ | PROT_WRITE, MAP_SHARED,
		       a->umem_fd, 0);
	a->rxtx = mmap(NULL, 2 * RING_OFF, PROT_READ | PROT_WRITE, MAP_SHARED, a->rxtx_fd, 0);
	a->fqcq = mmap(NULL, 2 * RING_OFF, PROT_READ | PROT_WRITE, MAP_SHARED, a->fqcq_fd, 0);
	if (a->umem == MAP_FAILED || a->rxtx == MAP_FAILED || a->fqcq == MAP_FAILED)
		return -1;
	a->msg.abi = UXDP_XSK_ABI_VERSION;
	a->msg.bind_flags = flags;
	a->msg.umem_size = (uint64_t)CHUNK * (app_huge ? NCHUNKS - 3 : NCHUNKS);
	a->msg.chunk_size = CHUNK;
	a->msg.ring[UXDP_CTL_XSK_FILL] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_COMP] =
		(struct uxdp_ctl_xsk_ring){.off = RING_OFF, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_RX] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = RING_N};
	a->msg.ring[UXDP_CTL_XSK_TX] = (struct uxdp_ctl_xsk_ring){.off = RING_OFF, .entries = RING_N};
	return 0;
}

static void app_fini(struct app *a)
{
	munmap(a->umem, (size_t)CHUNK * NCHUNKS);
	munmap(a->rxtx, 2 * RING_OFF);
	munmap(a->fqcq, 2 * RING_OFF);
	close(a->umem_fd);
	close(a->rxtx_fd);
	close(a->fqcq_fd);
	close(a->conn[0]);
	close(a->conn[1]);
}

static uint32_t *ring_word(uint8_t *base, uint32_t off)
{
	return (uint32_t *)(base + off);
}

/* The app's side of its rings (offsets per the ABI). */
#define FQ(a) ((a)->fqcq)
#define CQ(a) ((a)->fqcq + RING_OFF)
#define RX(a) ((a)->rxtx)
#define TX(a) ((a)->rxtx + RING_OFF)

static void prod_u64(uint8_t *ring, uint64_t v)
{
	uint32_t p = *ring_word(ring, UXDP_XSK_RING_OFF_PRODUCER);

	((uint64_t *)(ring + UXDP_XSK_RING_OFF_ENTRIES))[p & (RING_N - 1)] = v;
	__atomic_store_n(ring_word(ring, UXDP_XSK_RING_OFF_PRODUCER), p + 1, __ATOMIC_RELEASE);
}

static void prod_desc(uint8_t *ring, uint64_t addr, uint32_t len, uint32_t options)
{
	uint32_t p = *ring_word(ring, UXDP_XSK_RING_OFF_PRODUCER);
	struct xdp_desc *d = &((struct xdp_desc *)(ring + UXDP_XSK_RING_OFF_ENTRIES))[p & (RING_N - 1)];

	d->addr = addr;
	d->len = len;
	d->options = options;
	__atomic_store_n(ring_word(ring, UXDP_XSK_RING_OFF_PRODUCER), p + 1, __ATOMIC_RELEASE);
}

static uint32_t avail(uint8_t *ring)
{
	return __atomic_load_n(ring_word(ring, UXDP_XSK_RING_OFF_PRODUCER), __ATOMIC_ACQUIRE) -
	       *ring_word(ring, UXDP_XSK_RING_OFF_CONSUMER);
}

static const struct xdp_desc *rx_desc(struct app *a, uint32_t i)
{
	uint32_t c = *ring_word(RX(a), UXDP_XSK_RING_OFF_CONSUMER) + i;

	return &((const struct xdp_desc *)(RX(a) + UXDP_XSK_RING_OFF_ENTRIES))[c & (RING_N - 1)];
}

static uint64_t cq_addr(struct app *a, uint32_t i)
{
	uint32_t c = *ring_word(CQ(a), UXDP_XSK_RING_OFF_CONSUMER) + i;

	return ((const uint64_t *)(CQ(a) + UXDP_XSK_RING_OFF_ENTRIES))[c & (RING_N - 1)];
}

static void release(uint8_t *ring, uint32_t n)
{
	__atomic_store_n(ring_word(ring, UXDP_XSK_RING_OFF_CONSUMER),
			 *ring_word(ring, UXDP_XSK_RING_OFF_CONSUMER) + n, __ATOMIC_RELEASE);
}

struct rig {
	struct uxdp_dp *dp;
	struct uxdp_port *port;
};

static int rig_init(struct rig *r, const char *spec)
{
	char err[256] = "";
	UXDP_OPTS(uxdp_port_open_opts, po, .err_buf = err, .err_size = sizeof(err));
	UXDP_OPTS(uxdp_dp_opts, o, .workers = 1, .no_pin = true);

	r->port = uxdp_port__open(spec, &po);
	if (!r->port) {
		fprintf(stderr, "open %s: %s\n", spec, err);
		return -1;
	}
	r->dp = uxdp_dp__new(&o);
	if (!r->dp || uxdp_dp__add_port(r->dp, r->port) || uxdp_dp__assign_all(r->dp))
		return -1;
	return 0;
}

static void rig_fini(struct rig *r)
{
	uxdp_dp__free(r->dp);
	uxdp_port__close(r->port);
}

static struct uxdp_xsk_srv *bind_app(struct rig *r, struct app *a, char *err, size_t err_sz)
{
	struct uxdp_xsk_bind_params p = {
		.dp = r->dp,
		.port = r->port,
		.port_name = "g0",
		.msg = &a->msg,
		.umem_fd = a->umem_fd,
		.rxtx_fd = a->rxtx_fd,
		.fqcq_fd = a->msg.ring[UXDP_CTL_XSK_FILL].entries ? a->fqcq_fd : -1,
		.conn_fd = a->conn[1],
		.pid = getpid(),
	};

	err[0] = '\0';
	return uxdp_xsk_srv_bind(&p, err, err_sz);
}

static void poll_n(struct rig *r, int n)
{
	for (int i = 0; i < n; i++)
		uxdp_dp__poll(r->dp, 0);
}

/* Delivery of gen's packets: zero-copy hands over the filled chunks themselves. */
static int rx_case(uint32_t flags, bool expect_zc)
{
	struct uxdp_port_queue_stats ps;
	struct uxdp_xsk_srv_info info;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;
	uint8_t want[64];

	ASSERT_OK(rig_init(&r, "gen:count=100,size=64,flows=1"));
	ASSERT_OK(app_init(&a, flags));
	/* The packet gen sends (its first flow), to compare against. */
	{
		struct uxdp_port *g = uxdp_port__open("gen:count=1,size=64,flows=1", NULL);
		struct uxdp_frame *f;

		ASSERT_NOT_NULL(g);
		ASSERT_EQ(uxdp_port__rx_burst(g, 0, &f, 1), 1);
		memcpy(want, uxdp_frame__data(f), 64);
		uxdp_frame__free(f, UXDP_WORKER_NONE);
		uxdp_port__close(g);
	}
	for (uint32_t i = 0; i < 200; i++)
		prod_u64(FQ(&a), (uint64_t)(i + 10) * CHUNK); /* chunks 10..209 */
	xs = bind_app(&r, &a, err, sizeof(err));
	if (!xs)
		fprintf(stderr, "bind: %s\n", err);
	ASSERT_NOT_NULL(xs);
	uxdp_xsk_srv_info(xs, &info);
	ASSERT_EQ(info.zero_copy, expect_zc);
	ASSERT_EQ(info.queue, 0);
	poll_n(&r, 10);
	{
		struct uxdp_dp_queue_stats ds;

		uxdp_dp__get_stats(r.dp, r.port, -1, &ds);
		if (ds.xsk != 100)
			fprintf(stderr, "dp: rx %llu redirect %llu err %llu pass %llu xsk %llu\n",
				(unsigned long long)ds.rx_packets, (unsigned long long)ds.redirect,
				(unsigned long long)ds.redirect_err, (unsigned long long)ds.pass,
				(unsigned long long)ds.xsk);
	}
	ASSERT_EQ(avail(RX(&a)), 100);
	for (uint32_t i = 0; i < 100; i++) {
		const struct xdp_desc *d = rx_desc(&a, i);
		uint64_t chunk = d->addr / CHUNK;

		ASSERT_EQ(d->len, 64);
		ASSERT_EQ(d->addr % CHUNK, UXDP_FRAME_HEADROOM);
		ASSERT_TRUE(chunk >= 10 && chunk < 210);
		ASSERT_EQ(memcmp(a.umem + d->addr, want, 64), 0);
	}
	release(RX(&a), 100);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.rx_packets, 100);
	ASSERT_EQ(st.rx_bytes, 6400);
	ASSERT_EQ(st.rx_dropped, 0);
	ASSERT_EQ(st.zero_copy, expect_zc);
	uxdp_xsk_srv_release(xs);
	/* Back on its own pool: the port still works with no socket. */
	ASSERT_OK(uxdp_port__get_stats(r.port, 0, &ps));
	ASSERT_EQ(ps.rx_packets, 100);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(zero_copy_rx, fast)
{
	return rx_case(0, true);
}

UXDP_TEST(copy_rx, fast)
{
	return rx_case(XDP_COPY, false);
}

/* Few fill entries: the rest waits (zero-copy: no buffer at the port; copy: dropped). */
UXDP_TEST(fill_ring_empty, fast)
{
	for (int zc = 0; zc < 2; zc++) {
		struct uxdp_port_queue_stats ps;
		struct uxdp_xsk_stats st;
		struct uxdp_xsk_srv *xs;
		char err[256];
		struct rig r;
		struct app a;

		ASSERT_OK(rig_init(&r, "gen:count=50,size=64"));
		ASSERT_OK(app_init(&a, zc ? XDP_ZEROCOPY : XDP_COPY));
		for (uint32_t i = 0; i < 10; i++)
			prod_u64(FQ(&a), (uint64_t)i * CHUNK);
		xs = bind_app(&r, &a, err, sizeof(err));
		ASSERT_NOT_NULL(xs);
		poll_n(&r, 5);
		ASSERT_EQ(avail(RX(&a)), 10);
		uxdp_xsk_srv_stats(xs, &st);
		ASSERT_TRUE(st.rx_fill_ring_empty_descs > 0);
		ASSERT_OK(uxdp_port__get_stats(r.port, 0, &ps));
		if (zc) {
			/* The generator could not get buffers: nothing lost, it waits. */
			ASSERT_EQ(st.rx_dropped, 0);
			ASSERT_TRUE(ps.rx_nobuf > 0);
			ASSERT_EQ(ps.rx_packets, 10);
		} else {
			ASSERT_EQ(st.rx_dropped, 40);
			ASSERT_EQ(ps.rx_packets, 50);
		}
		/* More chunks: the zero-copy queue continues where it stopped. */
		for (uint32_t i = 10; i < 100; i++)
			prod_u64(FQ(&a), (uint64_t)i * CHUNK);
		poll_n(&r, 5);
		ASSERT_EQ(avail(RX(&a)), zc ? 50 : 10);
		uxdp_xsk_srv_release(xs);
		rig_fini(&r);
		app_fini(&a);
	}
	return UXDP_TEST_PASS;
}

/* Fill entries outside the UMEM or given twice are refused and counted. */
UXDP_TEST(hostile_fill, fast)
{
	for (int zc = 0; zc < 2; zc++) {
		struct uxdp_xsk_stats st;
		struct uxdp_xsk_srv *xs;
		char err[256];
		struct rig r;
		struct app a;

		ASSERT_OK(rig_init(&r, "gen:count=20,size=64"));
		ASSERT_OK(app_init(&a, zc ? XDP_ZEROCOPY : XDP_COPY));
		prod_u64(FQ(&a), (uint64_t)NCHUNKS * CHUNK);	  /* just past the end */
		prod_u64(FQ(&a), UINT64_MAX);			  /* far past it */
		prod_u64(FQ(&a), 5 * CHUNK + 100);		  /* inside chunk 5: fine */
		prod_u64(FQ(&a), 5 * CHUNK);			  /* chunk 5 again */
		prod_u64(FQ(&a), 6 * CHUNK);			  /* fine */
		xs = bind_app(&r, &a, err, sizeof(err));
		ASSERT_NOT_NULL(xs);
		poll_n(&r, 3);
		uxdp_xsk_srv_stats(xs, &st);
		if (zc) {
			/* The duplicate is caught: the pool already holds chunk 5. */
			ASSERT_EQ(st.rx_invalid_descs, 3);
			ASSERT_EQ(avail(RX(&a)), 2);
		} else {
			/* Copy mode does not track chunks (the kernel neither). */
			ASSERT_EQ(st.rx_invalid_descs, 2);
			ASSERT_EQ(avail(RX(&a)), 3);
		}
		for (uint32_t i = 0; i < avail(RX(&a)); i++) {
			uint64_t c = rx_desc(&a, i)->addr / CHUNK;

			ASSERT_TRUE(c == 5 || c == 6);
		}
		uxdp_xsk_srv_release(xs);
		rig_fini(&r);
		app_fini(&a);
	}
	return UXDP_TEST_PASS;
}

UXDP_TEST(rx_ring_full, fast)
{
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_OK(rig_init(&r, "gen:count=300,size=64"));
	ASSERT_OK(app_init(&a, XDP_COPY));
	for (uint32_t i = 0; i < RING_N; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs);
	poll_n(&r, 10);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(avail(RX(&a)), RING_N);
	ASSERT_EQ(st.rx_packets, RING_N);
	ASSERT_EQ(st.rx_ring_full, 300 - RING_N);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* TX: valid descriptors go out and complete with their own address; hostile
 * ones are counted and skipped, never completed. */
static int tx_case(uint32_t flags)
{
	struct uxdp_port_queue_stats ps;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;
	uint32_t got;

	ASSERT_OK(rig_init(&r, "null:"));
	ASSERT_OK(app_init(&a, flags));
	xs = bind_app(&r, &a, err, sizeof(err));
	if (!xs)
		fprintf(stderr, "bind: %s\n", err);
	ASSERT_NOT_NULL(xs);
	for (uint32_t i = 0; i < 100; i++) {
		memset(a.umem + (uint64_t)i * CHUNK + 32, (int)i, 60);
		prod_desc(TX(&a), (uint64_t)i * CHUNK + 32, 60, 0);
	}
	prod_desc(TX(&a), (uint64_t)NCHUNKS * CHUNK, 60, 0);	  /* outside the UMEM */
	prod_desc(TX(&a), 200 * CHUNK, 0, 0);			  /* empty */
	prod_desc(TX(&a), 201 * CHUNK + 4000, 200, 0);		  /* crosses into the next chunk */
	prod_desc(TX(&a), 202 * CHUNK, CHUNK + 1, 0);		  /* longer than a chunk */
	prod_desc(TX(&a), 203 * CHUNK, 60, 1);			  /* options */
	prod_desc(TX(&a), 204 * CHUNK, 60, 0);			  /* fine */
	poll_n(&r, 5);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.tx_packets, 101);
	ASSERT_EQ(st.tx_bytes, 101 * 60);
	ASSERT_EQ(st.tx_invalid_descs, 5);
	ASSERT_EQ(avail(TX(&a)), 0);
	ASSERT_EQ(*ring_word(TX(&a), UXDP_XSK_RING_OFF_CONSUMER), 106);
	ASSERT_OK(uxdp_port__get_stats(r.port, -1, &ps));
	ASSERT_EQ(ps.tx_packets, 101);
	got = avail(CQ(&a));
	ASSERT_EQ(got, 101);
	for (uint32_t i = 0; i < 100; i++)
		ASSERT_EQ(cq_addr(&a, i), (uint64_t)i * CHUNK + 32);
	ASSERT_EQ(cq_addr(&a, 100), 204 * CHUNK);
	release(CQ(&a), got);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(zero_copy_tx, fast)
{
	return tx_case(XDP_ZEROCOPY);
}

UXDP_TEST(copy_tx, fast)
{
	return tx_case(XDP_COPY);
}

/* Zero-copy TX of a chunk the pool holds is refused: the program drops the one
 * packet, so its chunk (taken from the fill ring) stays in the queue's pool. */
UXDP_TEST(zero_copy_tx_of_pool_chunk, fast)
{
	const struct bpf_insn drop[] = {I_MOV64_IMM(0, XDP_DROP), I_EXIT()};
	UXDP_OPTS(uxdp_prog_load_opts, lo, .type = UXDP_PROG_XDP, .license = "GPL");
	struct uxdp_prog *prog = uxdp_prog__load(drop, ARRAY_LEN(drop), &lo);
	struct uxdp_dp_queue_stats ds;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_NOT_NULL(prog);
	ASSERT_OK(rig_init(&r, "gen:count=1,size=64"));
	ASSERT_OK(uxdp_dp__attach(r.dp, r.port, prog));
	ASSERT_OK(app_init(&a, XDP_ZEROCOPY));
	for (uint32_t i = 0; i < 8; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs);
	poll_n(&r, 2); /* the packet comes in chunk 0 (the fill ring's first) and is dropped */
	ASSERT_OK(uxdp_dp__get_stats(r.dp, r.port, -1, &ds));
	ASSERT_EQ(ds.drop, 1);
	ASSERT_EQ(avail(RX(&a)), 0);
	prod_desc(TX(&a), 0 * CHUNK, 60, 0); /* in the pool's cache */
	prod_desc(TX(&a), 9 * CHUNK, 60, 0); /* the app's */
	poll_n(&r, 2);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.tx_invalid_descs, 1);
	ASSERT_EQ(st.tx_packets, 1);
	ASSERT_EQ(avail(CQ(&a)), 1);
	ASSERT_EQ(cq_addr(&a, 0), 9 * CHUNK);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	uxdp_prog__put(prog);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* An application that leaves entries untouched gets one zero-length message. */
UXDP_TEST(poll_wakeup, fast)
{
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	struct pollfd pfd;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_OK(rig_init(&r, "gen:count=5,size=64"));
	ASSERT_OK(app_init(&a, XDP_COPY));
	for (uint32_t i = 0; i < 16; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs);
	pfd = (struct pollfd){.fd = a.conn[0], .events = POLLIN};
	poll_n(&r, 2);
	ASSERT_EQ(avail(RX(&a)), 5);
	usleep(100); /* longer than the 20 us a busy application gets */
	poll_n(&r, 1);
	ASSERT_EQ(poll(&pfd, 1, 0), 1);
	ASSERT_EQ(*ring_word(RX(&a), UXDP_XSK_RING_OFF_SIGNALS), 1);
	/* Not drained yet: no second message however long it waits. */
	usleep(100);
	poll_n(&r, 3);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.wakeups, 1);
	ASSERT_EQ(recv(a.conn[0], NULL, 0, MSG_DONTWAIT), 0);
	ASSERT_EQ(recv(a.conn[0], NULL, 0, MSG_DONTWAIT), -1);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* Memory that could vanish under the daemon is refused, naming what is wrong. */
UXDP_TEST(bad_memory, fast)
{
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;
	int pipefd[2];

	ASSERT_OK(rig_init(&r, "null:"));
	ASSERT_OK(app_init(&a, 0));
	ASSERT_OK(pipe(pipefd));
	close(a.umem_fd);
	a.umem_fd = pipefd[0];
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "UMEM") && strstr(err, "memfd"));
	close(a.umem_fd);
	a.umem_fd = sealed_memfd((size_t)CHUNK * NCHUNKS, false); /* not sealed */
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "F_SEAL_SHRINK") != NULL);
	close(a.umem_fd);
	a.umem_fd = sealed_memfd(CHUNK, true); /* smaller than said */
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "needed") != NULL);
	close(a.umem_fd);
	a.umem_fd = sealed_memfd((size_t)CHUNK * NCHUNKS, true);
	a.msg.ring[UXDP_CTL_XSK_TX].off = RING_OFF - 4096; /* overlaps rx */
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "overlap") != NULL);
	a.msg.ring[UXDP_CTL_XSK_TX].off = 3 * RING_OFF; /* outside */
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "outside") != NULL);
	a.msg.ring[UXDP_CTL_XSK_TX].off = RING_OFF;
	a.msg.umem_size = 2ull << 30; /* more than uxdpd serves */
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_TRUE(strstr(err, "larger than uxdpd serves") != NULL);
	a.msg.umem_size = (uint64_t)CHUNK * NCHUNKS;
	a.msg.queue = 3;
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NULL(xs);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_TRUE(strstr(err, "queue 3") != NULL);
	a.msg.queue = 0;
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs); /* and the good one still binds */
	uxdp_xsk_srv_release(xs);
	close(pipefd[1]);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* Two sockets of one UMEM on a queue share fill/comp; another UMEM is refused. */
UXDP_TEST(shared_umem_and_one_umem_per_queue, fast)
{
	struct uxdp_xsk_srv *x1, *x2, *x3;
	char err[256];
	struct rig r;
	struct app a, b, c;

	ASSERT_OK(rig_init(&r, "null:"));
	ASSERT_OK(app_init(&a, 0));
	ASSERT_OK(app_init(&b, 0));
	ASSERT_OK(app_init(&c, 0));
	x1 = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(x1);
	/* b: same UMEM (a's fd), its own rx/tx, shares fill/comp. */
	close(b.umem_fd);
	b.umem_fd = dup(a.umem_fd);
	x2 = bind_app(&r, &b, err, sizeof(err)); /* still brings fill/comp: refused */
	ASSERT_NULL(x2);
	ASSERT_EQ(errno, EEXIST);
	b.msg.ring[UXDP_CTL_XSK_FILL].entries = 0;
	b.msg.ring[UXDP_CTL_XSK_COMP].entries = 0;
	x2 = bind_app(&r, &b, err, sizeof(err));
	if (!x2)
		fprintf(stderr, "bind: %s\n", err);
	ASSERT_NOT_NULL(x2);
	x3 = bind_app(&r, &c, err, sizeof(err)); /* another UMEM on the same queue */
	ASSERT_NULL(x3);
	ASSERT_EQ(errno, EBUSY);
	uxdp_xsk_srv_release(x1);
	uxdp_xsk_srv_release(x2);
	x3 = bind_app(&r, &c, err, sizeof(err)); /* the queue is free again */
	ASSERT_NOT_NULL(x3);
	uxdp_xsk_srv_release(x3);
	rig_fini(&r);
	app_fini(&a);
	app_fini(&b);
	app_fini(&c);
	return UXDP_TEST_PASS;
}

/* l2fwd in zero-copy: RX chunks go straight back out as TX, complete, and
 * return to the fill ring; every chunk comes home and nothing stays in flight. */
UXDP_TEST(zero_copy_forward_loop, fast)
{
	struct uxdp_port_queue_stats ps;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	uint64_t fwd = 0;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_OK(rig_init(&r, "gen:count=5000,size=64,flows=7"));
	ASSERT_OK(app_init(&a, XDP_ZEROCOPY));
	for (uint32_t i = 0; i < 128; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs);
	for (int round = 0; round < 2000 && fwd < 5000; round++) {
		uint32_t n = avail(RX(&a)), c = avail(CQ(&a));

		for (uint32_t i = 0; i < n && avail(TX(&a)) < RING_N - 1; i++) {
			const struct xdp_desc *d = rx_desc(&a, 0);

			prod_desc(TX(&a), d->addr, d->len, 0);
			release(RX(&a), 1);
			fwd++;
		}
		for (uint32_t i = 0; i < c; i++)
			prod_u64(FQ(&a), cq_addr(&a, 0)), release(CQ(&a), 1);
		uxdp_dp__poll(r.dp, 0);
	}
	ASSERT_EQ(fwd, 5000);
	uxdp_dp__poll(r.dp, 0);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.rx_packets, 5000);
	ASSERT_EQ(st.tx_packets, 5000);
	ASSERT_EQ(st.tx_invalid_descs, 0);
	ASSERT_EQ(st.rx_invalid_descs, 0);
	ASSERT_EQ(avail(CQ(&a)), 5000 - (uint32_t)(*ring_word(CQ(&a), UXDP_XSK_RING_OFF_CONSUMER)));
	ASSERT_OK(uxdp_port__get_stats(r.port, -1, &ps));
	ASSERT_EQ(ps.tx_packets, 5000);
	uxdp_xsk_srv_release(xs);
	/* The queue is back on the port's pool: traffic flows with no socket. */
	ASSERT_OK(uxdp_port__get_stats(r.port, 0, &ps));
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* On running workers: bind under traffic, receive, release under traffic
 * (the queue goes back to its own pool mid-stream), bind again; every frame
 * of the zero-copy pool is home when the socket is gone. */
UXDP_TEST(bind_release_under_traffic, slow)
{
	char err[256];
	struct rig r;

	ASSERT_OK(rig_init(&r, "gen:size=64,flows=5"));
	ASSERT_OK(uxdp_dp__start(r.dp));
	for (int round = 0; round < 20; round++) {
		struct uxdp_xsk_stats st;
		struct uxdp_xsk_srv *xs;
		uint64_t got = 0;
		struct app a;

		ASSERT_OK(app_init(&a, round % 2 ? XDP_COPY : XDP_ZEROCOPY));
		for (uint32_t i = 0; i < RING_N; i++)
			prod_u64(FQ(&a), (uint64_t)i * CHUNK);
		xs = bind_app(&r, &a, err, sizeof(err));
		if (!xs)
			fprintf(stderr, "bind: %s\n", err);
		ASSERT_NOT_NULL(xs);
		/* rxdrop until 2000 packets came, chunks straight back to the fill ring. */
		for (time_t end = time(NULL) + 60; got < 2000 && time(NULL) < end;) {
			uint32_t n = avail(RX(&a));

			if (!n)
				sched_yield(); /* let the worker run (it may share our CPU) */
			for (uint32_t i = 0; i < n; i++) {
				prod_u64(FQ(&a), rx_desc(&a, 0)->addr);
				release(RX(&a), 1);
			}
			got += n;
		}
		uxdp_xsk_srv_stats(xs, &st);
		if (got < 2000)
			fprintf(stderr, "round %d: got %llu, rx %llu dropped %llu ring_full %llu "
					"fill_empty %llu invalid %llu\n", round,
				(unsigned long long)got, (unsigned long long)st.rx_packets,
				(unsigned long long)st.rx_dropped, (unsigned long long)st.rx_ring_full,
				(unsigned long long)st.rx_fill_ring_empty_descs,
				(unsigned long long)st.rx_invalid_descs);
		ASSERT_TRUE(got >= 2000);
		ASSERT_TRUE(st.rx_packets >= got);
		ASSERT_EQ(st.rx_invalid_descs, 0);
		uxdp_xsk_srv_release(xs);
		app_fini(&a);
	}
	uxdp_dp__stop(r.dp);
	rig_fini(&r);
	return UXDP_TEST_PASS;
}

/* Two sockets of one UMEM on one queue; the program picks one by the IPv4
 * source's last bit through the xskmap, with the keys the sockets asked for. */
UXDP_TEST(xskmap_selects_socket, fast)
{
	struct uxdp_map *xm = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 4, NULL);
	struct bpf_insn insns[] = {
		I_LDX(BPF_W, 2, 1, 0), I_LDX(BPF_W, 3, 1, 4), I_MOV64_REG(4, 2),
		I_ALU64_IMM(BPF_ADD, 4, 34), I_JMP_REG(BPF_JGT, 4, 3, 8),
		I_LDX(BPF_B, 5, 2, 29), I_ALU64_IMM(BPF_AND, 5, 1), I_LD_MAP(1, 0),
		I_MOV64_REG(2, 5), I_MOV64_IMM(3, XDP_DROP), I_CALL(BPF_FUNC_redirect_map),
		I_EXIT(), I_MOV64_IMM(0, XDP_DROP), I_EXIT(),
	};
	UXDP_OPTS(uxdp_prog_load_opts, lo, .type = UXDP_PROG_XDP, .maps = &xm, .map_cnt = 1,
		  .license = "GPL");
	struct uxdp_prog *prog = uxdp_prog__load(insns, ARRAY_LEN(insns), &lo);
	struct uxdp_xsk_srv *x1, *x2;
	struct uxdp_xsk_stats s1, s2;
	char err[256];
	struct rig r;
	struct app a, b;

	ASSERT_NOT_NULL(xm);
	ASSERT_NOT_NULL(prog);
	ASSERT_OK(rig_init(&r, "gen:count=100,size=64,flows=2"));
	ASSERT_OK(uxdp_dp__attach(r.dp, r.port, prog));
	ASSERT_OK(app_init(&a, 0));
	ASSERT_OK(app_init(&b, 0));
	close(b.umem_fd);
	b.umem_fd = dup(a.umem_fd);
	b.msg.ring[UXDP_CTL_XSK_FILL].entries = 0;
	b.msg.ring[UXDP_CTL_XSK_COMP].entries = 0;
	for (uint32_t i = 0; i < 200; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	x1 = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(x1);
	x2 = bind_app(&r, &b, err, sizeof(err));
	ASSERT_NOT_NULL(x2);
	ASSERT_OK(uxdp_xsk_srv_set_map_key(x1, "xsks", 0, err, sizeof(err)));
	ASSERT_OK(uxdp_xsk_srv_set_map_key(x2, NULL, 1, err, sizeof(err)));
	ASSERT_EQ(uxdp_xsk_srv_set_map_key(x2, "nosuch", 1, err, sizeof(err)), -ENOENT);
	ASSERT_TRUE(strstr(err, "nosuch") != NULL);
	ASSERT_EQ(uxdp_xsk_srv_set_map_key(x2, NULL, 4, err, sizeof(err)), -E2BIG);
	poll_n(&r, 10);
	uxdp_xsk_srv_stats(x1, &s1);
	uxdp_xsk_srv_stats(x2, &s2);
	ASSERT_EQ(s1.rx_packets, 50);
	ASSERT_EQ(s2.rx_packets, 50);
	ASSERT_EQ(avail(RX(&a)), 50);
	ASSERT_EQ(avail(RX(&b)), 50);
	/* Each socket saw one flow: the same source byte in every packet. */
	for (uint32_t i = 1; i < 50; i++) {
		ASSERT_EQ(a.umem[rx_desc(&a, i)->addr + 29], a.umem[rx_desc(&a, 0)->addr + 29]);
		ASSERT_EQ(a.umem[rx_desc(&b, i)->addr + 29], a.umem[rx_desc(&b, 0)->addr + 29]);
	}
	ASSERT_NE(a.umem[rx_desc(&a, 0)->addr + 29] & 1, a.umem[rx_desc(&b, 0)->addr + 29] & 1);
	/* Released sockets leave the map. */
	uxdp_xsk_srv_release(x2);
	ASSERT_NULL(uxdp_xskmap_entry(xm, 1));
	ASSERT_NOT_NULL(uxdp_xskmap_entry(xm, 0));
	uxdp_xsk_srv_release(x1);
	rig_fini(&r);
	uxdp_prog__put(prog);
	uxdp_map__put(xm);
	app_fini(&a);
	app_fini(&b);
	return UXDP_TEST_PASS;
}

/* A program that sends every queue's frames to one socket: the socket gets
 * those of the queue it is bound to, the others fail their redirect (the
 * kernel's rule), in zero-copy and in copy mode. */
static int bound_queue_case(uint32_t flags)
{
	struct uxdp_map *xm = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 4, NULL);
	struct bpf_insn insns[] = {
		I_LD_MAP(1, 0), I_MOV64_IMM(2, 0), I_MOV64_IMM(3, XDP_PASS),
		I_CALL(BPF_FUNC_redirect_map), I_EXIT(),
	};
	UXDP_OPTS(uxdp_prog_load_opts, lo, .type = UXDP_PROG_XDP, .maps = &xm, .map_cnt = 1,
		  .license = "GPL");
	struct uxdp_prog *prog = uxdp_prog__load(insns, ARRAY_LEN(insns), &lo);
	struct uxdp_port_queue_stats p0, p1;
	struct uxdp_dp_queue_stats d0, d1;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_NOT_NULL(xm);
	ASSERT_NOT_NULL(prog);
	ASSERT_OK(rig_init(&r, "gen:count=200,size=64,flows=16,queues=2"));
	ASSERT_OK(uxdp_dp__attach(r.dp, r.port, prog));
	ASSERT_OK(app_init(&a, flags));
	for (uint32_t i = 0; i < 400; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err)); /* queue 0 */
	ASSERT_NOT_NULL(xs);
	poll_n(&r, 20);
	ASSERT_OK(uxdp_port__get_stats(r.port, 0, &p0));
	ASSERT_OK(uxdp_port__get_stats(r.port, 1, &p1));
	ASSERT_TRUE(p0.rx_packets > 0 && p1.rx_packets > 0);
	ASSERT_EQ(p0.rx_packets + p1.rx_packets, 200);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.rx_packets, p0.rx_packets);
	ASSERT_EQ(avail(RX(&a)), p0.rx_packets);
	ASSERT_EQ(st.rx_dropped, 0);
	ASSERT_OK(uxdp_dp__get_stats(r.dp, r.port, 0, &d0));
	ASSERT_OK(uxdp_dp__get_stats(r.dp, r.port, 1, &d1));
	ASSERT_EQ(d0.xsk, p0.rx_packets);
	ASSERT_EQ(d0.redirect_err, 0);
	ASSERT_EQ(d1.xsk, 0);
	ASSERT_EQ(d1.redirect_err, p1.rx_packets);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	uxdp_prog__put(prog);
	uxdp_map__put(xm);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(rx_only_from_the_bound_queue_zero_copy, fast)
{
	return bound_queue_case(XDP_ZEROCOPY);
}

UXDP_TEST(rx_only_from_the_bound_queue_copy, fast)
{
	return bound_queue_case(XDP_COPY);
}

/* A rig whose one worker sleeps (10 s at a time) when it finds nothing to do. */
static int sleepy_rig_init(struct rig *r, const char *spec)
{
	UXDP_OPTS(uxdp_dp_opts, o, .workers = 1, .no_pin = true, .idle_sleep_us = 10000000);

	r->port = uxdp_port__open(spec, NULL);
	r->dp = r->port ? uxdp_dp__new(&o) : NULL;
	if (!r->dp || uxdp_dp__add_port(r->dp, r->port) || uxdp_dp__assign_all(r->dp))
		return -1;
	return 0;
}

/* Wait (up to 5 s) until the worker has slept and asks for a kick on ring. */
static bool asleep_asking(struct rig *r, uint8_t *ring)
{
	struct uxdp_dp_worker_stats ws;

	for (int i = 0; i < 5000; i++) {
		uxdp_dp__get_worker_stats(r->dp, 0, &ws);
		if (ws.sleeps && (__atomic_load_n(ring_word(ring, UXDP_XSK_RING_OFF_FLAGS),
						  __ATOMIC_SEQ_CST) & XDP_RING_NEED_WAKEUP))
			return true;
		usleep(1000);
	}
	return false;
}

/* An idle worker sleeps on its doorbell with NEED_WAKEUP on the TX ring; a
 * kick wakes it and the frame goes out (without the kick it would sleep 10 s). */
UXDP_TEST(need_wakeup_kick, slow)
{
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;
	int i;

	ASSERT_OK(sleepy_rig_init(&r, "null:"));
	ASSERT_OK(app_init(&a, XDP_USE_NEED_WAKEUP));
	ASSERT_OK(uxdp_dp__start(r.dp));
	xs = bind_app(&r, &a, err, sizeof(err)); /* a control call wakes the worker */
	ASSERT_NOT_NULL(xs);
	ASSERT_TRUE(asleep_asking(&r, TX(&a)));
	prod_desc(TX(&a), 3 * CHUNK, 60, 0);
	uxdp_xsk_srv_kick(xs);
	for (i = 0; i < 5000 && !avail(CQ(&a)); i++)
		usleep(1000);
	ASSERT_EQ(avail(CQ(&a)), 1);
	ASSERT_EQ(cq_addr(&a, 0), 3 * CHUNK);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.kicks, 1);
	ASSERT_EQ(st.tx_packets, 1);
	uxdp_xsk_srv_release(xs); /* wakes it again for the removal */
	uxdp_dp__stop(r.dp);	  /* and for the stop */
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* The same for the fill ring: a zero-copy queue with nothing to receive into
 * idles, the worker sleeps with NEED_WAKEUP on the fill ring, and the
 * application's refill plus kick brings the packets (10 s without the kick). */
UXDP_TEST(need_wakeup_fill_kick, slow)
{
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;
	int i;

	ASSERT_OK(sleepy_rig_init(&r, "gen:count=100,size=64,flows=1"));
	ASSERT_OK(app_init(&a, XDP_USE_NEED_WAKEUP));
	/* Bound before the worker runs: gen's 100 packets all wait for chunks. */
	xs = bind_app(&r, &a, err, sizeof(err)); /* zero-copy, the fill ring empty */
	ASSERT_NOT_NULL(xs);
	ASSERT_OK(uxdp_dp__start(r.dp));
	ASSERT_TRUE(asleep_asking(&r, FQ(&a)));
	ASSERT_EQ(avail(RX(&a)), 0);
	for (uint32_t c = 0; c < 200; c++)
		prod_u64(FQ(&a), (uint64_t)(c + 10) * CHUNK);
	uxdp_xsk_srv_kick(xs);
	for (i = 0; i < 5000 && avail(RX(&a)) < 100; i++)
		usleep(1000);
	ASSERT_EQ(avail(RX(&a)), 100);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.kicks, 1);
	ASSERT_EQ(st.rx_packets, 100);
	release(RX(&a), 100);
	uxdp_xsk_srv_release(xs);
	uxdp_dp__stop(r.dp);
	rig_fini(&r);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* A program attached after the bind gets the bound sockets in its xskmaps
 * (what uxdpd does on ATTACH), and the default program gives way to it. */
UXDP_TEST(fill_maps_on_attach, fast)
{
	struct uxdp_map *xm = uxdp_map__create(BPF_MAP_TYPE_XSKMAP, "xsks", 4, 4, 4, NULL);
	struct bpf_insn insns[] = {
		I_LDX(BPF_W, 2, 1, 16), I_LD_MAP(1, 0), I_MOV64_IMM(3, XDP_DROP),
		I_CALL(BPF_FUNC_redirect_map), I_EXIT(),
	};
	UXDP_OPTS(uxdp_prog_load_opts, lo, .type = UXDP_PROG_XDP, .maps = &xm, .map_cnt = 1,
		  .license = "GPL", .name = "mine");
	struct uxdp_prog *prog = uxdp_prog__load(insns, ARRAY_LEN(insns), &lo);
	struct uxdp_dp_queue_stats ds;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	char err[256];
	struct rig r;
	struct app a;

	ASSERT_NOT_NULL(prog);
	ASSERT_OK(rig_init(&r, "gen:count=40,size=64"));
	ASSERT_OK(app_init(&a, XDP_COPY));
	for (uint32_t i = 0; i < 100; i++)
		prod_u64(FQ(&a), (uint64_t)i * CHUNK);
	xs = bind_app(&r, &a, err, sizeof(err));
	ASSERT_NOT_NULL(xs);
	ASSERT_EQ(strcmp(uxdp_prog__name(uxdp_dp__prog(r.dp, r.port)), "uxdp_xsk_default"), 0);
	ASSERT_NULL(uxdp_xskmap_entry(xm, 0));
	ASSERT_OK(uxdp_xsk_srv_fill_maps(r.dp, r.port, prog));
	ASSERT_NOT_NULL(uxdp_xskmap_entry(xm, 0));
	ASSERT_OK(uxdp_dp__attach(r.dp, r.port, prog));
	poll_n(&r, 5);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.rx_packets, 40);
	uxdp_dp__get_stats(r.dp, r.port, -1, &ds);
	ASSERT_EQ(ds.xsk, 40);
	uxdp_xsk_srv_release(xs);
	/* Not the default program: the socket's release leaves it attached. */
	ASSERT_TRUE(uxdp_dp__prog(r.dp, r.port) == prog);
	ASSERT_NULL(uxdp_xskmap_entry(xm, 0));
	rig_fini(&r);
	uxdp_prog__put(prog);
	uxdp_map__put(xm);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

/* --- unaligned chunks --------------------------------------------------------------------- */

#define UA_CHUNK 3000u			   /* not a power of 2: fine unaligned (copy mode) */
#define UA_SIZE	 ((uint64_t)CHUNK * NCHUNKS - 100) /* not a multiple of UA_CHUNK */
#define UA(off, base) ((uint64_t)(off) << XSK_UNALIGNED_BUF_OFFSET_SHIFT | (base))

/*
 * XDP_UMEM_UNALIGNED_CHUNK_FLAG, in zero-copy and in copy mode: a fill entry
 * names the chunk at base + offset, which must lie whole inside the UMEM; the
 * RX descriptor carries that chunk's address with the data's offset in its
 * top bits (the kernel's layout); TX descriptors are checked against the
 * UMEM, not a chunk grid, and complete with the address as given; in
 * zero-copy the frames the pipe's other end received are the application's
 * own bytes, and their completions come when that end frees them.
 */
static int unaligned_case(uint32_t flags, bool zc, uint32_t chunk)
{
	const uint64_t fills[] = {
		5000,			  /* a chunk at 5000: fine */
		UA(100, 7000),		  /* at 7100: fine */
		UA_SIZE - chunk + 1,	  /* its last byte beyond the UMEM */
		UA(0xffff, UA_SIZE - chunk), /* the offset pushes it out */
		UA_SIZE - chunk,	  /* the last chunk that fits */
		11,			  /* at 11: fine */
	};
	const uint64_t starts[] = {5000, 7100, UA_SIZE - chunk, 11};
	const uint64_t hr = UXDP_FRAME_HEADROOM;
	struct uxdp_page_pool_stats ps;
	struct uxdp_xsk_srv_info info;
	struct uxdp_xsk_stats st;
	struct uxdp_xsk_srv *xs;
	struct uxdp_port *peer;
	struct uxdp_frame *f[8];
	char err[256];
	struct rig r;
	struct app a;
	uint8_t want[64];
	bool seen[4] = {false};

	ASSERT_OK(rig_init(&r, "gen:count=6,size=64,flows=1"));
	ASSERT_OK(app_init(&a, flags));
	a.msg.umem_flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	a.msg.chunk_size = chunk;
	a.msg.umem_size = UA_SIZE;
	{
		struct uxdp_port *g = uxdp_port__open("gen:count=1,size=64,flows=1", NULL);

		ASSERT_NOT_NULL(g);
		ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 1), 1);
		memcpy(want, uxdp_frame__data(f[0]), 64);
		uxdp_frame__free(f[0], UXDP_WORKER_NONE);
		uxdp_port__close(g);
	}
	for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]); i++)
		prod_u64(FQ(&a), fills[i]);
	xs = bind_app(&r, &a, err, sizeof(err));
	if (!xs)
		fprintf(stderr, "bind: %s\n", err);
	ASSERT_NOT_NULL(xs);
	uxdp_xsk_srv_info(xs, &info);
	ASSERT_EQ(info.zero_copy, zc);
	poll_n(&r, 10);
	ASSERT_EQ(avail(RX(&a)), 4);
	for (uint32_t i = 0; i < 4; i++) {
		const struct xdp_desc *d = rx_desc(&a, i);
		uint64_t base = d->addr & XSK_UNALIGNED_BUF_ADDR_MASK;
		int k = -1;

		for (int j = 0; j < 4; j++)
			if (starts[j] == base)
				k = j;
		/* copy mode takes the fill entries in order; a zero-copy pool hands
		 * its buffers out last in, first out */
		ASSERT_TRUE(k >= 0 && !seen[k] && (zc || k == (int)i));
		seen[k] = true;
		ASSERT_EQ(d->addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT, hr);
		ASSERT_EQ(d->len, 64);
		ASSERT_EQ(memcmp(a.umem + base + hr, want, 64), 0);
	}
	release(RX(&a), 4);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.rx_packets, 4);
	ASSERT_EQ(st.rx_invalid_descs, 2);
	/* copy mode drops the two packets that met a bad entry; zero-copy skips
	 * the entries and has no buffer for the last two packets yet */
	ASSERT_EQ(st.rx_dropped, zc ? 0 : 2);
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	app_fini(&a);

	/* TX on one end of a pipe, read back on the other */
	ASSERT_OK(rig_init(&r, "pipe:uxua/a"));
	peer = uxdp_port__open("pipe:uxua/b", NULL);
	ASSERT_NOT_NULL(peer);
	ASSERT_OK(app_init(&a, flags));
	a.msg.umem_flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	a.msg.chunk_size = chunk;
	a.msg.umem_size = UA_SIZE;
	xs = bind_app(&r, &a, err, sizeof(err));
	if (!xs)
		fprintf(stderr, "bind: %s\n", err);
	ASSERT_NOT_NULL(xs);
	memset(a.umem + 9300, 0x41, 60);
	memset(a.umem + UA_SIZE - 64, 0x42, 64);
	prod_desc(TX(&a), UA(300, 9000), 60, 0);	  /* data at 9300 */
	prod_desc(TX(&a), UA_SIZE - 10, 64, 0);		  /* runs past the UMEM */
	prod_desc(TX(&a), UA(64, UA_SIZE - 128), 64, 0); /* ends at the UMEM's last byte */
	prod_desc(TX(&a), 20000, chunk + 1, 0);	  /* longer than a chunk */
	prod_desc(TX(&a), 20000, 60, 1);		  /* options */
	prod_desc(TX(&a), UA(0xffff, UA_SIZE - 100), 60, 0); /* the offset pushes it out */
	poll_n(&r, 5);
	uxdp_xsk_srv_stats(xs, &st);
	ASSERT_EQ(st.tx_packets, 2);
	ASSERT_EQ(st.tx_invalid_descs, 4);
	ASSERT_EQ(uxdp_port__rx_burst(peer, 0, f, 8), 2);
	ASSERT_EQ(f[0]->len, 60);
	ASSERT_EQ(((uint8_t *)uxdp_frame__data(f[0]))[0], 0x41);
	ASSERT_EQ(((uint8_t *)uxdp_frame__data(f[0]))[59], 0x41);
	ASSERT_EQ(f[1]->len, 64);
	ASSERT_EQ(((uint8_t *)uxdp_frame__data(f[1]))[63], 0x42);
	a.umem[9300] = 0x55; /* zero-copy: the frame is the application's memory */
	ASSERT_EQ(((uint8_t *)uxdp_frame__data(f[0]))[0], zc ? 0x55 : 0x41);
	if (zc)
		ASSERT_EQ(avail(CQ(&a)), 0); /* not complete while the other end holds them */
	uxdp_frame__free_bulk(f, 2, UXDP_WORKER_NONE);
	poll_n(&r, 2);
	ASSERT_EQ(avail(CQ(&a)), 2); /* completions: the addresses as the application gave them */
	ASSERT_EQ(cq_addr(&a, 0), UA(300, 9000));
	ASSERT_EQ(cq_addr(&a, 1), UA(64, UA_SIZE - 128));
	release(CQ(&a), 2);
	if (zc) {
		uxdp_xsk_srv_info(xs, &info);
		uxdp_page_pool__get_stats(uxdp_port__rx_pool(r.port, 0), &ps);
		ASSERT_EQ(ps.in_flight, 0);
	}
	uxdp_xsk_srv_release(xs);
	rig_fini(&r);
	uxdp_port__close(peer);
	app_fini(&a);
	return UXDP_TEST_PASS;
}

UXDP_TEST(unaligned_chunks_zero_copy, fast)
{
	return unaligned_case(XDP_ZEROCOPY, true, 4096); /* as big as the ports' frames */
}

UXDP_TEST(unaligned_chunks_copy_mode, fast)
{
	return unaligned_case(XDP_COPY, false, UA_CHUNK);
}

/* --- a UMEM on huge pages ----------------------------------------------------------------- */

/* Mappings of this process on 2 MiB pages (/proc/self/smaps). */
static int huge_mappings(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int n = 0;
	long kb;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "KernelPageSize: %ld kB", &kb) == 1 && kb == 2048)
			n++;
	if (f)
		fclose(f);
	return n;
}

/*
 * The client moves a UMEM that was on huge pages onto a hugetlb memfd; the
 * daemon maps it (in whole huge pages, though the registered size ends
 * short of one), delivers zero-copy from it byte-exact, and unmaps it on
 * release (an unmap of the registered size alone would fail on hugetlb memory
 * and leave the mapping behind).
 */
UXDP_TEST(hugetlb_umem_zero_copy_rx, serial)
{
	long saved = huge_pool_begin();
	int rc = 1, before;

	if (saved < 0)
		return UXDP_TEST_SKIP;
	if (!huge_pool_set_free(2)) {
		fprintf(stderr, "cannot make 2 huge pages free\n");
		goto out;
	}
	before = huge_mappings();
	app_huge = true;
	rc = rx_case(0, true);
	app_huge = false;
	if (rc == UXDP_TEST_PASS && (huge_mappings() != before || huge_pool_free() != 2)) {
		fprintf(stderr, "after release: %d huge mappings (want %d), %ld pages free (want 2)\n",
			huge_mappings(), before, huge_pool_free());
		rc = 1;
	}
out:
	if (!huge_pool_end(saved))
		rc = 1;
	return rc;
}
