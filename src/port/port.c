// SPDX-License-Identifier: BSD-2-Clause
/*
 * Port registry: backends by spec prefix, open ports by ifindex, the
 * queue/pool setup every port shares, burst wrappers that keep per-queue
 * counters and stamp ingress information on received frames, and the
 * key=value argument iterator backends use.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/port_internal.h"
#include "util/opts.h"

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define MAX_BACKENDS 16

/* Linux interface backends (afpacket.c, tap.c). */
extern const struct uxdp_port_ops uxdp_port_afpacket_ops, uxdp_port_tap_ops;
#ifdef UXDP_HAVE_AFXDP
extern const struct uxdp_port_ops uxdp_port_afxdp_ops; /* afxdp.c, with libxdp */
#endif

static const struct uxdp_port_ops *backends[MAX_BACKENDS] = {
	&uxdp_port_null_ops,
	&uxdp_port_gen_ops,
	&uxdp_port_pipe_ops,
	&uxdp_port_afpacket_ops,
	&uxdp_port_tap_ops,
#ifdef UXDP_HAVE_PCAP
	&uxdp_port_pcap_ops,
#endif
#ifdef UXDP_HAVE_AFXDP
	&uxdp_port_afxdp_ops,
#endif
};
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct uxdp_port *) by_ifindex[UXDP_PORT_MAX_IFINDEX + 1];

int uxdp_port__register_ops(const struct uxdp_port_ops *ops)
{
	int i, rc = -ENOSPC;

	if (!ops || !ops->prefix || !ops->open || !ops->close || !ops->tx_burst ||
	    (!ops->rx_burst && !ops->rx_burst_stamped))
		return -EINVAL;
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < MAX_BACKENDS; i++) {
		if (backends[i] && !strcmp(backends[i]->prefix, ops->prefix)) {
			rc = -EEXIST;
			break;
		}
		if (!backends[i]) {
			backends[i] = ops;
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

int uxdp_port__next_arg(const char **args, char *buf, size_t buf_sz, const char **key,
			const char **val, char *err, size_t err_sz)
{
	const char *p = *args, *end;
	size_t len;
	char *eq;

	while (*p == ',')
		p++;
	if (!*p)
		return 0;
	end = strchr(p, ',');
	len = end ? (size_t)(end - p) : strlen(p);
	*args = p + len;
	if (len >= buf_sz) {
		snprintf(err, err_sz, "parameter '%.*s' is too long", (int)len, p);
		return -EINVAL;
	}
	memcpy(buf, p, len);
	buf[len] = 0;
	eq = strchr(buf, '=');
	if (!eq) {
		snprintf(err, err_sz, "parameter '%s' is not key=value", buf);
		return -EINVAL;
	}
	*eq = 0;
	*key = buf;
	*val = eq + 1;
	return 1;
}

int uxdp_port_parse_u64(const char *key, const char *val, uint64_t min, uint64_t max,
			uint64_t *out, char *err, size_t err_sz)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (!*val || *end || errno || *val == '-' || v < min || v > max) {
		snprintf(err, err_sz, "%s=%s: want a number from %llu to %llu", key, val,
			 (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void set_err(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

struct uxdp_port *uxdp_port__open(const char *spec, const struct uxdp_port_open_opts *opts)
{
	char *err_buf = UXDP_OPTS_GET(opts, err_buf, NULL);
	size_t err_size = UXDP_OPTS_GET(opts, err_size, 0);
	uint32_t want_ifindex = UXDP_OPTS_GET(opts, ifindex, 0);
	uint16_t txq_cnt = UXDP_OPTS_GET(opts, txq_cnt, 0);
	const struct uxdp_port_ops *ops = NULL;
	char berr[256] = "";
	struct uxdp_port *port;
	const char *colon;
	size_t plen;
	int i, rc;

	if (!spec || !(colon = strchr(spec, ':'))) {
		set_err(err_buf, err_size, "port spec '%s': want BACKEND:ARGS (null:, gen:, pipe:, pcap:, afpacket:, tap:, afxdp:)",
			spec ? spec : "(null)");
		errno = EINVAL;
		return NULL;
	}
	plen = (size_t)(colon - spec);
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < MAX_BACKENDS && backends[i]; i++)
		if (strlen(backends[i]->prefix) == plen && !strncmp(backends[i]->prefix, spec, plen))
			ops = backends[i];
	pthread_mutex_unlock(&reg_lock);
	if (!ops) {
		set_err(err_buf, err_size, "port spec '%s': unknown backend '%.*s'", spec, (int)plen,
			spec);
		errno = ENOENT;
		return NULL;
	}
	if (strlen(spec) >= sizeof(port->spec)) {
		set_err(err_buf, err_size, "port spec '%.32s...': too long", spec);
		errno = EINVAL;
		return NULL;
	}
	if (want_ifindex == 1 || want_ifindex > UXDP_PORT_MAX_IFINDEX) {
		set_err(err_buf, err_size, "port '%s': ifindex %u outside 2..%u", spec,
			want_ifindex, UXDP_PORT_MAX_IFINDEX);
		errno = EINVAL;
		return NULL;
	}
	port = calloc(1, sizeof(*port));
	if (!port) {
		errno = ENOMEM;
		return NULL;
	}
	port->ops = ops;
	port->rxq_cnt = 1;
	port->frame_size = UXDP_OPTS_GET(opts, frame_size, 0) ?: 4096;
	strcpy(port->spec, spec);
	rc = ops->open(port, colon + 1, berr, sizeof(berr));
	if (rc) {
		set_err(err_buf, err_size, "port '%s': %s", spec, berr[0] ? berr : strerror(-rc));
		free(port);
		errno = -rc;
		return NULL;
	}
	port->txq_cnt = txq_cnt ? txq_cnt : port->rxq_cnt;
	if (port->txq_cnt > UXDP_PORT_MAX_QUEUES) {
		set_err(err_buf, err_size, "port '%s': %u TX queues, at most %d", spec,
			port->txq_cnt, UXDP_PORT_MAX_QUEUES);
		rc = -EINVAL;
		goto err_close;
	}
	for (i = 0; i < port->rxq_cnt; i++) {
		UXDP_OPTS(uxdp_page_pool_opts, po, .frame_size = port->frame_size,
			  .mem = UXDP_OPTS_GET(opts, mem, UXDP_MEM_ANON),
			  .max_frames = UXDP_OPTS_GET(opts, pool_frames, 0), .name = spec);

		if (port->rxq[i].region) {
			/* The backend's memory (an AF_XDP UMEM): the pool is its allocator. */
			po.mem = UXDP_MEM_REGION;
			po.region = port->rxq[i].region;
			po.region_size = port->rxq[i].region_size;
			po.region_iova = port->rxq[i].region_iova;
			po.max_frames = 0;
		}
		port->rxq[i].pool = uxdp_page_pool__create(&po);
		if (!port->rxq[i].pool) {
			set_err(err_buf, err_size, "port '%s': RX pool %d: %s", spec, i,
				strerror(errno));
			rc = -errno;
			goto err_pools;
		}
	}
	/* Take an ifindex. */
	pthread_mutex_lock(&reg_lock);
	if (want_ifindex) {
		if (atomic_load(&by_ifindex[want_ifindex])) {
			pthread_mutex_unlock(&reg_lock);
			set_err(err_buf, err_size, "port '%s': ifindex %u is taken", spec,
				want_ifindex);
			rc = -EEXIST;
			goto err_pools;
		}
	} else {
		for (want_ifindex = 2; want_ifindex <= UXDP_PORT_MAX_IFINDEX; want_ifindex++)
			if (!atomic_load(&by_ifindex[want_ifindex]))
				break;
		if (want_ifindex > UXDP_PORT_MAX_IFINDEX) {
			pthread_mutex_unlock(&reg_lock);
			rc = -ENOSPC;
			goto err_pools;
		}
	}
	port->ifindex = want_ifindex;
	port->mac[0] = 0x02; /* locally administered */
	port->mac[4] = (uint8_t)(want_ifindex >> 8);
	port->mac[5] = (uint8_t)want_ifindex;
	atomic_store(&by_ifindex[want_ifindex], port);
	pthread_mutex_unlock(&reg_lock);
	return port;

err_pools:
	for (i = 0; i < port->rxq_cnt; i++)
		uxdp_page_pool__destroy(port->rxq[i].pool, 0);
err_close:
	ops->close(port);
	free(port);
	errno = -rc;
	return NULL;
}

void uxdp_port__close(struct uxdp_port *port)
{
	if (!port)
		return;
	pthread_mutex_lock(&reg_lock);
	atomic_store(&by_ifindex[port->ifindex], NULL);
	pthread_mutex_unlock(&reg_lock);
	port->ops->close(port);
	for (int i = 0; i < port->rxq_cnt; i++) {
		/* Frames of this pool may still sit in other ports' queues: wait a
		 * little, then leave the memory mapped rather than free it in use. */
		if (uxdp_page_pool__destroy(port->rxq[i].pool, 1000))
			uxdp_pr(UXDP_WARN, "port %s: RX pool %d kept (frames in flight)\n",
				port->spec, i);
	}
	free(port);
}

uint16_t uxdp_port__rx_burst(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			     uint16_t n)
{
	uint64_t bytes;

	return uxdp_port_rx_burst_bytes(port, qid, frames, n, &bytes);
}

uint16_t uxdp_port_rx_burst_bytes(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
				  uint16_t n, uint64_t *bytes_out)
{
	struct uxdp_port_rxq *q = &port->rxq[qid];
	uint64_t bytes = 0;
	uint16_t got;

	if (port->ops->rx_burst_stamped) {
		got = port->ops->rx_burst_stamped(port, qid, frames, n, &bytes);
	} else {
		const uint32_t ifindex = port->ifindex; /* not reloaded after each store */

		got = port->ops->rx_burst(port, qid, frames, n);
		for (uint16_t i = 0; i < got; i++) {
			struct uxdp_frame *f = frames[i];

			f->ingress_ifindex = ifindex;
			f->rx_queue = qid;
			bytes += f->len;
		}
	}
	if (got) {
		uxdp_stat_add(&q->packets, got);
		uxdp_stat_add(&q->bytes, bytes);
	}
	*bytes_out = bytes;
	return got;
}

uint16_t uxdp_port__tx_burst(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			     uint16_t n)
{
	struct uxdp_port_txq *q = &port->txq[qid];
	uint64_t bytes = 0;
	uint16_t sent, i;

	for (i = 0; i < n; i++)
		bytes += frames[i]->len;
	sent = port->ops->tx_burst(port, qid, frames, n);
	if (sent < n) {
		for (i = sent; i < n; i++)
			bytes -= frames[i]->len;
		uxdp_stat_add(&q->full, n - sent);
	}
	if (sent) {
		uxdp_stat_add(&q->packets, sent);
		uxdp_stat_add(&q->bytes, bytes);
	}
	return sent;
}

void uxdp_port__bind_rxq(struct uxdp_port *port, uint16_t qid, uint32_t worker)
{
	port->rxq[qid].worker = worker;
	uxdp_page_pool__set_owner(port->rxq[qid].pool, worker);
}

void uxdp_port__bind_txq(struct uxdp_port *port, uint16_t qid, uint32_t worker)
{
	port->txq[qid].worker = worker;
}

uint32_t uxdp_port__txq_worker(const struct uxdp_port *port, uint16_t qid)
{
	return port->txq[qid].worker;
}

uint16_t uxdp_port__rxq_cnt(const struct uxdp_port *port)
{
	return port->rxq_cnt;
}

uint16_t uxdp_port__txq_cnt(const struct uxdp_port *port)
{
	return port->txq_cnt;
}

uint32_t uxdp_port__ifindex(const struct uxdp_port *port)
{
	return port->ifindex;
}

const char *uxdp_port__spec(const struct uxdp_port *port)
{
	return port->spec;
}

const uint8_t *uxdp_port__mac(const struct uxdp_port *port)
{
	return port->mac;
}

struct uxdp_page_pool *uxdp_port__rx_pool(const struct uxdp_port *port, uint16_t qid)
{
	if (qid >= port->rxq_cnt)
		return NULL;
	return port->rxq[qid].lent_pool ?: port->rxq[qid].pool;
}

int uxdp_port__lend_rx_queue(struct uxdp_port *port, uint16_t qid, struct uxdp_page_pool *pool)
{
	if (qid >= port->rxq_cnt)
		return -EINVAL;
	if (port->rxq[qid].region)
		return -EOPNOTSUPP; /* the backend's buffers live in memory it cannot change */
	if (pool && (pool->frame_size < 2048 || port->rxq[qid].lent_pool))
		return pool->frame_size < 2048 ? -EINVAL : -EBUSY;
	port->rxq[qid].lent_pool = pool;
	return 0;
}

struct uxdp_port *uxdp_port__from_ifindex(uint32_t ifindex)
{
	if (ifindex > UXDP_PORT_MAX_IFINDEX)
		return NULL;
	return atomic_load_explicit(&by_ifindex[ifindex], memory_order_acquire);
}

#define RD(c) atomic_load_explicit(&(c), memory_order_relaxed)

int uxdp_port__get_stats(const struct uxdp_port *port, int qid, struct uxdp_port_queue_stats *s)
{
	int lo = qid < 0 ? 0 : qid, hi;
	int nq = port->rxq_cnt > port->txq_cnt ? port->rxq_cnt : port->txq_cnt;

	if (qid >= nq)
		return -EINVAL;
	hi = qid < 0 ? nq : qid + 1;
	memset(s, 0, sizeof(*s));
	for (int i = lo; i < hi; i++) {
		if (i < port->rxq_cnt) {
			s->rx_packets += RD(port->rxq[i].packets);
			s->rx_bytes += RD(port->rxq[i].bytes);
			s->rx_nobuf += RD(port->rxq[i].nobuf);
			s->rx_errors += RD(port->rxq[i].errors);
			s->rx_kernel_drops += RD(port->rxq[i].kernel_drops);
		}
		if (i < port->txq_cnt) {
			s->tx_packets += RD(port->txq[i].packets);
			s->tx_bytes += RD(port->txq[i].bytes);
			s->tx_full += RD(port->txq[i].full);
		}
	}
	return 0;
}

void uxdp_port__set_priv(struct uxdp_port *port, void *priv)
{
	port->priv = priv;
}

void *uxdp_port__priv(const struct uxdp_port *port)
{
	return port->priv;
}

int uxdp_port__set_rxq_cnt(struct uxdp_port *port, uint16_t n)
{
	if (!n || n > UXDP_PORT_MAX_QUEUES)
		return -EINVAL;
	port->rxq_cnt = n;
	return 0;
}

void uxdp_port__count_rx_error(struct uxdp_port *port, uint16_t qid, uint64_t n)
{
	uxdp_stat_add(&port->rxq[qid].errors, n);
}

void uxdp_port__count_rx_kernel_drops(struct uxdp_port *port, uint16_t qid, uint64_t n)
{
	uxdp_stat_add(&port->rxq[qid].kernel_drops, n);
}

uint32_t uxdp_port__frame_size(const struct uxdp_port *port)
{
	return port->frame_size;
}

int uxdp_port__set_rx_region(struct uxdp_port *port, uint16_t qid, void *region, size_t size,
			     uint64_t iova)
{
	if (qid >= UXDP_PORT_MAX_QUEUES || !region || size < port->frame_size)
		return -EINVAL;
	port->rxq[qid].region = region;
	port->rxq[qid].region_size = size;
	port->rxq[qid].region_iova = iova;
	return 0;
}

void uxdp_port__set_mode(struct uxdp_port *port, const char *mode)
{
	snprintf(port->mode, sizeof(port->mode), "%s", mode ? mode : "");
}

const char *uxdp_port__mode(const struct uxdp_port *port)
{
	return port->mode;
}
