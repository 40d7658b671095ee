// SPDX-License-Identifier: BSD-2-Clause
/*
 * gen: a packet generator port. At open it builds one packet per flow from a
 * template (Ethernet + IPv4/IPv6 + UDP/TCP, checksums right, payload bytes
 * 0, 1, 2, ...), flow f taking source address src + f, and assigns each flow
 * to an RX queue by the Toeplitz hash a NIC's RSS computes (Microsoft's
 * default key, 128-entry indirection table). Each queue then replays its
 * flows round-robin, with an optional packet budget (count, split over queues
 * in the order a single queue would send them) and rate. TX is a sink.
 *
 * fill=each (the default) writes the flow's packet into every frame it hands
 * out, so every packet is exact. fill=once writes a buffer only the first time
 * the generator hands it out; a recycled buffer keeps whatever bytes its last
 * user left (a MAC swap stays swapped), as DPDK's net_null without copy: for
 * benchmarks of the data path's own per-packet cost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port/port_internal.h"

#define MAX_TEMPLATE_BYTES (64u << 20)

struct gen_queue {
	uint32_t *flows; /* flow indices of this queue */
	uint32_t *hash;	 /* RSS hash of flows[i] */
	uint32_t nflows, pos;
	uint64_t quota;	 /* packets to send (UINT64_MAX: no limit) */
	uint64_t sent;
	uint64_t rate;	 /* packets per second (0: no limit) */
	uint64_t t0_ns;
};

struct gen {
	uint8_t *tmpl; /* flows * size bytes */
	uint32_t *hash;
	uint32_t size, flows;
	bool fill_once;
	struct gen_queue q[UXDP_PORT_MAX_QUEUES];
};

static const uint8_t rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t uxdp_toeplitz(const uint8_t *in, size_t len)
{
	uint32_t hash = 0, window;
	size_t i;
	int b;

	/* The 32-bit window slides over the key one bit per input bit. */
	window = (uint32_t)rss_key[0] << 24 | (uint32_t)rss_key[1] << 16 |
		 (uint32_t)rss_key[2] << 8 | rss_key[3];
	for (i = 0; i < len; i++) {
		for (b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= window;
			window <<= 1;
			if (i + 4 < sizeof(rss_key) && (rss_key[i + 4] & (1u << b)))
				window |= 1;
		}
	}
	return hash;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct gen_params {
	bool v6, tcp, fill_once;
	uint32_t size, flows, queues;
	uint64_t count, rate;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* Build flow f's packet into p (params->size bytes); returns its RSS hash. */
static uint32_t build_packet(const struct gen_params *g, uint32_t f, uint8_t *p)
{
	uint32_t l3 = g->v6 ? 40 : 20, l4 = g->tcp ? 20 : 8;
	uint8_t *ip = p + 14, *th = ip + l3, rss_in[36];
	uint32_t l4len = g->size - 14 - l3, sum, i;
	uint8_t src[16];

	memset(p, 0, g->size);
	memcpy(p, "\x02\x00\x00\x00\x00\xff\x02\x00\x00\x00\x00\xfe", 12);
	memcpy(src, g->src, 16);
	if (g->v6) {
		uint32_t lo = (uint32_t)src[12] << 24 | (uint32_t)src[13] << 16 |
			      (uint32_t)src[14] << 8 | src[15];

		lo += f;
		src[12] = (uint8_t)(lo >> 24), src[13] = (uint8_t)(lo >> 16);
		src[14] = (uint8_t)(lo >> 8), src[15] = (uint8_t)lo;
		p[12] = 0x86, p[13] = 0xdd;
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8), ip[5] = (uint8_t)l4len;
		ip[6] = g->tcp ? 6 : 17;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, g->dst, 16);
	} else {
		uint32_t a = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 |
			     (uint32_t)src[2] << 8 | src[3];
		uint32_t tot = g->size - 14;

		a += f;
		src[0] = (uint8_t)(a >> 24), src[1] = (uint8_t)(a >> 16);
		src[2] = (uint8_t)(a >> 8), src[3] = (uint8_t)a;
		p[12] = 0x08, p[13] = 0x00;
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = g->tcp ? 6 : 17;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, g->dst, 4);
		sum = csum_fold(csum_add(0, ip, 20));
		ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	}
	th[0] = (uint8_t)(g->sport >> 8), th[1] = (uint8_t)g->sport;
	th[2] = (uint8_t)(g->dport >> 8), th[3] = (uint8_t)g->dport;
	if (g->tcp) {
		th[12] = 5 << 4;
		th[13] = 0x02; /* SYN */
		th[14] = 0xff, th[15] = 0xff;
	} else {
		th[4] = (uint8_t)(l4len >> 8), th[5] = (uint8_t)l4len;
	}
	for (i = l4; i < l4len; i++)
		th[i] = (uint8_t)(i - l4);
	/* Pseudo-header + L4 checksum. */
	if (g->v6) {
		sum = csum_add(0, ip + 8, 32);
	} else {
		sum = csum_add(0, ip + 12, 8);
	}
	sum += l4len + (g->tcp ? 6u : 17u);
	sum = csum_fold(csum_add(sum, th, l4len));
	if (!g->tcp && !sum)
		sum = 0xffff;
	th[g->tcp ? 16 : 6] = (uint8_t)(sum >> 8);
	th[g->tcp ? 17 : 7] = (uint8_t)sum;

	/* RSS input: source and destination addresses, then ports (network order). */
	memcpy(rss_in, g->v6 ? ip + 8 : ip + 12, g->v6 ? 32 : 8);
	memcpy(rss_in + (g->v6 ? 32 : 8), th, 4);
	return uxdp_toeplitz(rss_in, g->v6 ? 36 : 12);
}

static int parse_addr(const char *key, const char *val, bool v6, uint8_t *out, char *err,
		      size_t err_sz)
{
	if (inet_pton(v6 ? AF_INET6 : AF_INET, val, out) != 1) {
		snprintf(err, err_sz, "%s=%s: not an IPv%d address (proto= comes first)", key, val,
			 v6 ? 6 : 4);
		return -EINVAL;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int gen_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	struct gen_params p = {.size = 64, .flows = 1, .queues = 1, .sport = 1024, .dport = 9};
	const char *key, *val;
	uint32_t *qcount;
	struct gen *g;
	uint64_t v;
	char buf[128];
	int rc;

	inet_pton(AF_INET, "198.18.0.1", p.src);
	inet_pton(AF_INET, "198.19.0.1", p.dst);
	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (!strcmp(key, "proto")) {
			if (!strcmp(val, "udp4") || !strcmp(val, "tcp4")) {
				p.v6 = false;
			} else if (!strcmp(val, "udp6") || !strcmp(val, "tcp6")) {
				p.v6 = true;
				inet_pton(AF_INET6, "2001:db8::1", p.src);
				inet_pton(AF_INET6, "2001:db8:1::1", p.dst);
			} else {
				snprintf(err, err_sz, "proto=%s: want udp4, udp6, tcp4 or tcp6", val);
				return -EINVAL;
			}
			p.tcp = val[0] == 't';
			continue;
		}
		if (!strcmp(key, "src") || !strcmp(key, "dst")) {
			rc = parse_addr(key, val, p.v6, key[0] == 's' ? p.src : p.dst, err, err_sz);
		} else if (!strcmp(key, "size")) {
			rc = uxdp_port_parse_u64(key, val, 42, 3520, &v, err, err_sz);
			p.size = (uint32_t)v;
		} else if (!strcmp(key, "flows")) {
			rc = uxdp_port_parse_u64(key, val, 1, 1u << 20, &v, err, err_sz);
			p.flows = (uint32_t)v;
		} else if (!strcmp(key, "count")) {
			rc = uxdp_port_parse_u64(key, val, 0, UINT64_MAX - 1, &p.count, err, err_sz);
		} else if (!strcmp(key, "rate")) {
			rc = uxdp_port_parse_u64(key, val, 0, 1000000000000ull, &p.rate, err, err_sz);
		} else if (!strcmp(key, "queues")) {
			rc = uxdp_port_parse_u64(key, val, 1, UXDP_PORT_MAX_QUEUES, &v, err, err_sz);
			p.queues = (uint32_t)v;
		} else if (!strcmp(key, "fill")) {
			if (strcmp(val, "each") && strcmp(val, "once")) {
				snprintf(err, err_sz, "fill=%s: want each or once", val);
				return -EINVAL;
			}
			p.fill_once = val[0] == 'o';
			rc = 0;
		} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
			rc = uxdp_port_parse_u64(key, val, 0, 65535, &v, err, err_sz);
			*(key[0] == 's' ? &p.sport : &p.dport) = (uint16_t)v;
		} else {
			snprintf(err, err_sz,
				 "unknown parameter '%s' (gen takes proto, size, flows, count, rate, "
				 "queues, src, dst, sport, dport, fill)",
				 key);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	if (p.size < 14 + (p.v6 ? 40u : 20u) + (p.tcp ? 20u : 8u)) {
		snprintf(err, err_sz, "size=%u: shorter than the headers", p.size);
		return -EINVAL;
	}
	if ((uint64_t)p.size * p.flows > MAX_TEMPLATE_BYTES) {
		snprintf(err, err_sz, "flows=%u x size=%u: more than %u MiB of templates", p.flows,
			 p.size, MAX_TEMPLATE_BYTES >> 20);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->size = p.size;
	g->flows = p.flows;
	g->fill_once = p.fill_once;
	g->tmpl = malloc((size_t)p.size * p.flows);
	g->hash = malloc(p.flows * sizeof(*g->hash));
	qcount = calloc(p.queues, sizeof(*qcount));
	if (!g->tmpl || !g->hash || !qcount)
		goto err_nomem;
	for (uint32_t f = 0; f < p.flows; f++) {
		g->hash[f] = build_packet(&p, f, g->tmpl + (size_t)f * p.size);
		qcount[(g->hash[f] & 127) % p.queues]++;
	}
	for (uint32_t q = 0; q < p.queues; q++) {
		g->q[q].flows = malloc((qcount[q] ? qcount[q] : 1) * sizeof(uint32_t));
		g->q[q].hash = malloc((qcount[q] ? qcount[q] : 1) * sizeof(uint32_t));
		if (!g->q[q].flows || !g->q[q].hash)
			goto err_nomem;
		g->q[q].quota = p.count ? 0 : UINT64_MAX;
	}
	for (uint32_t f = 0; f < p.flows; f++) {
		struct gen_queue *gq = &g->q[(g->hash[f] & 127) % p.queues];

		gq->hash[gq->nflows] = g->hash[f];
		gq->flows[gq->nflows++] = f;
		/* Packet i of the port is flow i % flows: flow f is sent this often. */
		if (p.count && f < p.count)
			gq->quota += (p.count - 1 - f) / p.flows + 1;
	}
	for (uint32_t q = 0; q < p.queues; q++)
		g->q[q].rate = p.rate ? (p.rate * g->q[q].nflows + p.flows - 1) / p.flows : 0;
	free(qcount);
	uxdp_port__set_rxq_cnt(port, (uint16_t)p.queues);
	uxdp_port__set_priv(port, g);
	return 0;

err_nomem:
	for (uint32_t q = 0; q < UXDP_PORT_MAX_QUEUES; q++) {
		free(g->q[q].flows);
		free(g->q[q].hash);
	}
	free(qcount);
	free(g->hash);
	free(g->tmpl);
	free(g);
	return -ENOMEM;
}

static void gen_close(struct uxdp_port *port)
{
	struct gen *g = uxdp_port__priv(port);

	if (!g)
		return;
	for (uint32_t q = 0; q < UXDP_PORT_MAX_QUEUES; q++) {
		free(g->q[q].flows);
		free(g->q[q].hash);
	}
	free(g->hash);
	free(g->tmpl);
	free(g);
}

/* memcpy, with the common small sizes (32..64 bytes: minimum-size frames)
 * inlined as two overlapping 32-byte moves instead of a library call. */
static inline void copy_packet(uint8_t *dst, const uint8_t *src, uint32_t size)
{
	if (size == 64) { /* the minimum Ethernet frame: fixed offsets */
		memcpy(dst, src, 64);
	} else if (size >= 32 && size <= 64) {
		memcpy(dst, src, 32);
		memcpy(dst + size - 32, src + size - 32, 32);
	} else {
		memcpy(dst, src, size);
	}
}

/* Every packet of a gen port has the same size: the burst's bytes are
 * got * size, and each frame is stamped in the one pass that fills it. */
static uint16_t gen_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n, uint64_t *bytes)
{
	struct gen *g = uxdp_port__priv(port);
	struct gen_queue *q = &g->q[qid];
	const uint32_t size = g->size, ifindex = uxdp_port__ifindex(port);
	uint32_t pos = q->pos;
	uint16_t got, i;

	if (!q->nflows)
		return 0;
	if (q->quota - q->sent < n)
		n = (uint16_t)(q->quota - q->sent);
	if (q->rate) {
		uint64_t t = now_ns(), allowed;

		if (!q->t0_ns)
			q->t0_ns = t;
		allowed = (t - q->t0_ns) * q->rate / 1000000000ull + 1;
		if (allowed <= q->sent)
			return 0;
		if (allowed - q->sent < n)
			n = (uint16_t)(allowed - q->sent);
	}
	if (!n)
		return 0;
	got = (uint16_t)uxdp_page_pool__alloc_bulk(uxdp_port__rx_pool(port, qid), frames, n);
	if (got < n)
		uxdp_stat_add(&port->rxq[qid].nobuf, n - got);
	if (g->fill_once) {
		const uint32_t *hash = q->hash, nflows = q->nflows; /* not reloaded per frame */

		/* Only a buffer the generator has not filled yet gets the packet. */
		for (i = 0; i < got; i++) {
			struct uxdp_frame *f = frames[i];

			if (__builtin_expect(!(f->flags & UXDP_FRAME_F_BACKEND), 0)) {
				copy_packet(f->buf + f->data_off,
					    g->tmpl + (size_t)q->flows[pos] * size, size);
				f->flags |= UXDP_FRAME_F_BACKEND;
			}
			f->len = size;
			f->ingress_ifindex = ifindex;
			f->rx_queue = qid;
			f->rss_hash = hash[pos];
			if (++pos == nflows)
				pos = 0;
		}
	} else if (q->nflows == 1) {
		/* One flow: one template, one hash. */
		const uint8_t *src = g->tmpl + (size_t)q->flows[0] * size;
		const uint32_t hash = q->hash[0];

		for (i = 0; i < got; i++) {
			struct uxdp_frame *f = frames[i];

			copy_packet(f->buf + f->data_off, src, size);
			f->flags |= UXDP_FRAME_F_BACKEND;
			f->len = size;
			f->ingress_ifindex = ifindex;
			f->rx_queue = qid;
			f->rss_hash = hash;
		}
	} else {
		const uint32_t *hash = q->hash, *flows = q->flows, nflows = q->nflows;
		const uint8_t *tmpl = g->tmpl;

		for (i = 0; i < got; i++) {
			struct uxdp_frame *f = frames[i];

			copy_packet(f->buf + f->data_off, tmpl + (size_t)flows[pos] * size, size);
			f->flags |= UXDP_FRAME_F_BACKEND;
			f->len = size;
			f->ingress_ifindex = ifindex;
			f->rx_queue = qid;
			f->rss_hash = hash[pos];
			if (++pos == nflows)
				pos = 0;
		}
	}
	q->pos = pos;
	q->sent += got;
	*bytes = (uint64_t)got * size;
	return got;
}

static uint16_t gen_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
		       uint16_t n)
{
	uxdp_frame__free_bulk(frames, n, uxdp_port__txq_worker(port, qid));
	return n;
}

const struct uxdp_port_ops uxdp_port_gen_ops = {
	.prefix = "gen",
	.open = gen_open,
	.close = gen_close,
	.rx_burst_stamped = gen_rx,
	.tx_burst = gen_tx,
};
