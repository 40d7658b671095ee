// SPDX-License-Identifier: BSD-2-Clause
/*
 * Port tests: spec parsing and its errors, the Toeplitz RSS hash against the
 * published vector, the generator's packets (headers, checksums, flows,
 * exact per-queue counts), null as a sink, pipe ends back to back (frames go
 * home to their pool), pcap replay and write-back byte for byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "uxdp/port.h"
#include "port/port_internal.h"

static struct uxdp_port *open_port(const char *spec, char *err, size_t err_sz)
{
	UXDP_OPTS(uxdp_port_open_opts, o, .err_buf = err, .err_size = err_sz);
	return uxdp_port__open(spec, &o);
}

UXDP_TEST(port_toeplitz_vector, fast)
{
	/* Microsoft's RSS verification suite: 66.9.149.187:2794 -> 161.142.100.80:1766 */
	const uint8_t in[12] = {66, 9, 149, 187, 161, 142, 100, 80, 0x0a, 0xea, 0x06, 0xe6};
	const uint8_t in2[8] = {66, 9, 149, 187, 161, 142, 100, 80};

	/* Input: source address, destination address, source port, destination port. */
	ASSERT_EQ(uxdp_toeplitz(in, 12), 0x51ccc178);
	ASSERT_EQ(uxdp_toeplitz(in2, 8), 0x323e8fc2);
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_bad_specs, fast)
{
	char err[256];
	struct {
		const char *spec;
		const char *msg;
	} bad[] = {
		{"nonsense", "want BACKEND:ARGS"},
		{"foo:x=1", "unknown backend 'foo'"},
		{"gen:size=10", "size=10"},
		{"gen:flows=0", "flows=0"},
		{"gen:bogus=1", "unknown parameter 'bogus'"},
		{"gen:proto=icmp", "proto=icmp"},
		{"gen:src=1.2.3", "src=1.2.3"},
		{"gen:fill=twice", "fill=twice: want each or once"},
		{"gen:size", "not key=value"},
		{"null:queues=65", "queues=65"},
		{"pipe:noslash", "want pipe:NAME/a"},
		{"pcap:", "want rx=FILE"},
		{"pcap:rx=/nonexistent/x.pcap", "rx=/nonexistent/x.pcap"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ASSERT_NULL(open_port(bad[i].spec, err, sizeof(err)));
		ASSERT_STR_CONTAINS(err, bad[i].msg);
	}
	return UXDP_TEST_PASS;
}

static uint16_t csum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

UXDP_TEST(port_gen_udp4_packets, fast)
{
	char err[256] = "";
	struct uxdp_port *p = open_port("gen:proto=udp4,size=64,flows=4,count=10", err, sizeof(err));
	struct uxdp_frame *f[16];
	uint16_t n;

	ASSERT_NOT_NULL(p);
	ASSERT_EQ(uxdp_port__rxq_cnt(p), 1);
	uxdp_port__bind_rxq(p, 0, 0);
	n = uxdp_port__rx_burst(p, 0, f, 16);
	ASSERT_EQ(n, 10);
	ASSERT_EQ(uxdp_port__rx_burst(p, 0, f + n, 6), 0); /* count reached */
	for (int i = 0; i < n; i++) {
		const uint8_t *d = uxdp_frame__data(f[i]);

		ASSERT_EQ(f[i]->len, 64);
		ASSERT_EQ(f[i]->ingress_ifindex, uxdp_port__ifindex(p));
		ASSERT_EQ(d[12], 0x08);
		ASSERT_EQ(d[23], 17);
		/* flow i % 4: source 198.18.0.1 + flow */
		ASSERT_EQ(d[26 + 3], 1 + i % 4);
		ASSERT_EQ(csum16(d + 14, 20, 0), 0xffff);
		/* UDP checksum over the pseudo-header */
		ASSERT_EQ(csum16(d + 34, 30, csum16(d + 26, 8, 0) + 17 + 30), 0xffff);
		ASSERT_EQ(d[63], 63 - 42); /* payload bytes count up */
	}
	uxdp_frame__free_bulk(f, n, 0);
	ASSERT_EQ(uxdp_page_pool__inflight(uxdp_port__rx_pool(p, 0)), 0);
	uxdp_port__close(p);
	return UXDP_TEST_PASS;
}

/* One flow (its own loop): every packet is flow 0 of a four-flow port, byte
 * for byte, with that flow's hash, length and stamps. */
UXDP_TEST(port_gen_one_flow_is_flow_zero, fast)
{
	char err[256] = "";
	struct uxdp_port *one = open_port("gen:proto=udp4,size=64,flows=1,count=5", err, sizeof(err));
	struct uxdp_port *four = open_port("gen:proto=udp4,size=64,flows=4,count=1", err, sizeof(err));
	struct uxdp_frame *f[8], *ref;

	ASSERT_NOT_NULL(one);
	ASSERT_NOT_NULL(four);
	uxdp_port__bind_rxq(one, 0, 0);
	uxdp_port__bind_rxq(four, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(four, 0, &ref, 1), 1);
	ASSERT_EQ(uxdp_port__rx_burst(one, 0, f, 8), 5);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(f[i]->len, 64);
		ASSERT_EQ(memcmp(uxdp_frame__data(f[i]), uxdp_frame__data(ref), 64), 0);
		ASSERT_EQ(f[i]->rss_hash, ref->rss_hash);
		ASSERT_EQ(f[i]->ingress_ifindex, uxdp_port__ifindex(one));
		ASSERT_EQ(f[i]->rx_queue, 0);
	}
	uxdp_frame__free_bulk(f, 5, 0);
	uxdp_frame__free_bulk(&ref, 1, 0);
	uxdp_port__close(one);
	uxdp_port__close(four);
	return UXDP_TEST_PASS;
}

/* fill=once writes a buffer on its first use only; fill=each rewrites it every time. */
UXDP_TEST(port_gen_fill_once_keeps_recycled_bytes, fast)
{
	const char *specs[2] = {"gen:size=64,fill=once", "gen:size=64,fill=each"};

	for (int k = 0; k < 2; k++) {
		char err[256] = "";
		struct uxdp_port *p = open_port(specs[k], err, sizeof(err));
		struct uxdp_frame *f, *g;
		uint8_t *d;

		ASSERT_NOT_NULL(p);
		uxdp_port__bind_rxq(p, 0, 0);
		ASSERT_EQ(uxdp_port__rx_burst(p, 0, &f, 1), 1);
		d = uxdp_frame__data(f);
		ASSERT_EQ(f->len, 64);
		ASSERT_EQ(d[12], 0x08);		/* a fresh buffer gets the packet */
		ASSERT_EQ(d[63], 63 - 42);
		d[0] ^= 0xff;			/* a program rewrites the frame */
		uxdp_frame__free(f, 0);
		ASSERT_EQ(uxdp_port__rx_burst(p, 0, &g, 1), 1);
		ASSERT_TRUE(g == f);		/* LIFO cache: the same buffer again */
		d = uxdp_frame__data(g);
		ASSERT_EQ(g->len, 64);
		ASSERT_EQ(d[0], k == 0 ? (0x02 ^ 0xff) : 0x02);
		ASSERT_EQ(d[12], 0x08);
		uxdp_frame__free(g, 0);
		uxdp_port__close(p);
	}
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_gen_tcp6_checksum, fast)
{
	char err[256] = "";
	struct uxdp_port *p = open_port("gen:proto=tcp6,size=100,count=1", err, sizeof(err));
	struct uxdp_frame *f;

	ASSERT_NOT_NULL(p);
	uxdp_port__bind_rxq(p, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(p, 0, &f, 1), 1);
	const uint8_t *d = uxdp_frame__data(f);
	ASSERT_EQ(d[12], 0x86);
	ASSERT_EQ(d[20], 6);
	ASSERT_EQ(csum16(d + 54, 100 - 54, csum16(d + 22, 32, 0) + 6 + 46), 0xffff);
	uxdp_frame__free(f, 0);
	uxdp_port__close(p);
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_gen_rss_spread_exact_counts, fast)
{
	char err[256] = "";
	struct uxdp_port *p = open_port("gen:flows=64,count=1000,queues=4", err, sizeof(err));
	uint64_t total = 0, per_flow[64] = {0};
	struct uxdp_frame *f[32];
	int queues_used = 0;

	ASSERT_NOT_NULL(p);
	ASSERT_EQ(uxdp_port__rxq_cnt(p), 4);
	for (uint16_t q = 0; q < 4; q++) {
		uint64_t mine = 0;
		uint16_t n;

		uxdp_port__bind_rxq(p, q, 0);
		while ((n = uxdp_port__rx_burst(p, q, f, 32))) {
			for (int i = 0; i < n; i++) {
				uint32_t flow = uxdp_frame__data(f[i])[29] - 1 +
						256 * uxdp_frame__data(f[i])[28];

				ASSERT_TRUE(flow < 64);
				/* the queue is the one the RSS hash picks */
				ASSERT_EQ((f[i]->rss_hash & 127) % 4, q);
				per_flow[flow]++;
			}
			mine += n;
			uxdp_frame__free_bulk(f, n, 0);
		}
		total += mine;
		queues_used += mine > 0;
	}
	ASSERT_EQ(total, 1000);
	/* 1000 = 15 * 64 + 40: flows 0..39 send 16 packets, the rest 15. */
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(per_flow[i], i < 40 ? 16 : 15);
	ASSERT_TRUE(queues_used >= 3);
	uxdp_port__close(p);
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_null_sink_frees, fast)
{
	char err[256] = "";
	struct uxdp_port *g = open_port("gen:count=20", err, sizeof(err));
	struct uxdp_port *n = open_port("null:", err, sizeof(err));
	struct uxdp_port_queue_stats s;
	struct uxdp_frame *f[32];

	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(n);
	ASSERT_NE(uxdp_port__ifindex(g), uxdp_port__ifindex(n));
	ASSERT_EQ(uxdp_port__from_ifindex(uxdp_port__ifindex(n)), n);
	uxdp_port__bind_rxq(g, 0, 0);
	uxdp_port__bind_txq(n, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 32), 20);
	ASSERT_EQ(uxdp_port__rx_burst(n, 0, f + 20, 12), 0);
	ASSERT_EQ(uxdp_port__tx_burst(n, 0, f, 20), 20);
	ASSERT_EQ(uxdp_page_pool__inflight(uxdp_port__rx_pool(g, 0)), 0);
	ASSERT_OK(uxdp_port__get_stats(n, -1, &s));
	ASSERT_EQ(s.tx_packets, 20);
	ASSERT_EQ(s.tx_bytes, 20 * 64);
	ASSERT_OK(uxdp_port__get_stats(g, 0, &s));
	ASSERT_EQ(s.rx_packets, 20);
	uxdp_port__close(n);
	uxdp_port__close(g);
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_pipe_back_to_back, fast)
{
	char err[256] = "";
	struct uxdp_port *g = open_port("gen:count=5,flows=5", err, sizeof(err));
	struct uxdp_port *a = open_port("pipe:t1/a", err, sizeof(err));
	struct uxdp_port *b = open_port("pipe:t1/b,queues=1", err, sizeof(err));
	struct uxdp_frame *f[8], *r[8];
	uint8_t copy[5][64];

	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NULL(open_port("pipe:t1/b", err, sizeof(err)));
	ASSERT_STR_CONTAINS(err, "already open");
	uxdp_port__bind_rxq(g, 0, 0);
	uxdp_port__bind_txq(a, 0, 0);
	uxdp_port__bind_rxq(b, 0, 1); /* the receiver is another worker */
	ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 8), 5);
	for (int i = 0; i < 5; i++)
		memcpy(copy[i], uxdp_frame__data(f[i]), 64);
	ASSERT_EQ(uxdp_port__tx_burst(a, 0, f, 5), 5);
	ASSERT_EQ(uxdp_port__rx_burst(a, 0, r, 8), 0); /* nothing comes back on a */
	ASSERT_EQ(uxdp_port__rx_burst(b, 0, r, 8), 5);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(r[i]->len, 64);
		ASSERT_MEMEQ(uxdp_frame__data(r[i]), copy[i], 64);
		ASSERT_EQ(r[i]->ingress_ifindex, uxdp_port__ifindex(b));
		ASSERT_EQ(r[i]->pool, uxdp_port__rx_pool(g, 0)); /* no copy */
	}
	/* Freed on worker 1: home through the generator pool's ring. */
	uxdp_frame__free_bulk(r, 5, 1);
	struct uxdp_page_pool_stats ps;
	uxdp_page_pool__get_stats(uxdp_port__rx_pool(g, 0), &ps);
	ASSERT_EQ(ps.recycle_ring, 5);
	ASSERT_EQ(ps.in_flight, 0);
	/* Frames left on the wire are freed when an end closes. */
	ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 8), 0);
	uxdp_port__close(a);
	uxdp_port__close(b);
	uxdp_port__close(g);
	return UXDP_TEST_PASS;
}

UXDP_TEST(port_pcap_write_and_replay, fast)
{
	char err[256] = "", spec[256], path[] = "/tmp/uxdp-port-XXXXXX";
	int fd = mkstemp(path);
	struct uxdp_port *g, *w, *r;
	struct uxdp_frame *f[16], *h[32];
	uint8_t copy[7][128];

	ASSERT_TRUE(fd >= 0);
	close(fd);
	g = open_port("gen:proto=udp6,size=128,flows=7,count=7", err, sizeof(err));
	snprintf(spec, sizeof(spec), "pcap:tx=%s", path);
	w = open_port(spec, err, sizeof(err));
	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(w);
	uxdp_port__bind_rxq(g, 0, 0);
	uxdp_port__bind_rxq(w, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(g, 0, f, 16), 7);
	for (int i = 0; i < 7; i++)
		memcpy(copy[i], uxdp_frame__data(f[i]), 128);
	ASSERT_EQ(uxdp_port__rx_burst(w, 0, h, 16), 0); /* no rx= file */
	ASSERT_EQ(uxdp_port__tx_burst(w, 0, f, 7), 7);
	uxdp_port__close(w); /* flushes the file */
	snprintf(spec, sizeof(spec), "pcap:rx=%s,loop=3", path);
	r = open_port(spec, err, sizeof(err));
	ASSERT_NOT_NULL(r);
	uxdp_port__bind_rxq(r, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(r, 0, h, 32), 21);
	for (int i = 0; i < 21; i++) {
		ASSERT_EQ(h[i]->len, 128);
		ASSERT_MEMEQ(uxdp_frame__data(h[i]), copy[i % 7], 128);
	}
	uxdp_frame__free_bulk(h, 21, 0);
	uxdp_port__close(r);
	uxdp_port__close(g);
	unlink(path);
	return UXDP_TEST_PASS;
}

/* A registered backend: refused without its callbacks; one with only
 * rx_burst_stamped receives through uxdp_port__rx_burst(), which takes its
 * stamps and byte count as they are. */
static int stamped_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	(void)args, (void)err, (void)err_sz;
	return uxdp_port__set_rxq_cnt(port, 1);
}

static void stamped_close(struct uxdp_port *port)
{
	(void)port;
}

static uint16_t stamped_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			   uint16_t n, uint64_t *bytes)
{
	uint32_t got = uxdp_page_pool__alloc_bulk(uxdp_port__rx_pool(port, qid), frames,
						  n < 3 ? n : 3);

	for (uint32_t i = 0; i < got; i++) {
		frames[i]->len = 100 + i;
		frames[i]->ingress_ifindex = uxdp_port__ifindex(port);
		frames[i]->rx_queue = qid;
	}
	*bytes = 7; /* whatever the backend says */
	return (uint16_t)got;
}

static uint16_t stamped_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			   uint16_t n)
{
	uxdp_frame__free_bulk(frames, n, uxdp_port__txq_worker(port, qid));
	return n;
}

UXDP_TEST(port_backend_registration, fast)
{
	static const struct uxdp_port_ops no_rx = {.prefix = "norx",
						   .open = stamped_open,
						   .close = stamped_close,
						   .tx_burst = stamped_tx};
	static const struct uxdp_port_ops stamped = {.prefix = "stamped",
						     .open = stamped_open,
						     .close = stamped_close,
						     .tx_burst = stamped_tx,
						     .rx_burst_stamped = stamped_rx};
	struct uxdp_port_queue_stats st;
	struct uxdp_frame *f[8];
	struct uxdp_port *p;
	char err[128];

	ASSERT_EQ(uxdp_port__register_ops(&no_rx), -EINVAL);
	ASSERT_EQ(uxdp_port__register_ops(NULL), -EINVAL);
	ASSERT_OK(uxdp_port__register_ops(&stamped));
	ASSERT_EQ(uxdp_port__register_ops(&stamped), -EEXIST);
	p = open_port("stamped:", err, sizeof(err));
	ASSERT_NOT_NULL(p);
	uxdp_port__bind_rxq(p, 0, 0);
	ASSERT_EQ(uxdp_port__rx_burst(p, 0, f, 8), 3);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(f[i]->len, 100 + i);
		ASSERT_EQ(f[i]->ingress_ifindex, uxdp_port__ifindex(p));
		ASSERT_EQ(f[i]->rx_queue, 0);
	}
	ASSERT_OK(uxdp_port__get_stats(p, 0, &st));
	ASSERT_EQ(st.rx_packets, 3);
	ASSERT_EQ(st.rx_bytes, 7);
	uxdp_frame__free_bulk(f, 3, 0);
	uxdp_port__close(p);
	return UXDP_TEST_PASS;
}
