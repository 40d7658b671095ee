// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcap: a port backed by files. "rx=FILE" replays the capture (loop=N times)
 * on its one RX queue, each packet copied into a buffer of the queue's pool
 * (packets longer than a buffer can hold are counted as rx_errors and
 * skipped); "tx=FILE" writes every transmitted frame, then frees it. TX
 * queues share the file under a lock (file I/O is the slow part anyway).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "port/pcap_file.h"
#include "port/port_internal.h"

struct pcap_port {
	struct uxdp_pcapf_pkt *pkts;
	size_t cnt, next;
	uint64_t loops, loop;
	struct uxdp_pcapf_writer *w;
	pthread_mutex_t lock;
};

static int pcap_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	char rx[128] = "", tx[128] = "", buf[192];
	const char *key, *val;
	struct pcap_port *pp;
	uint64_t loops = 1;
	int rc;

	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (!strcmp(key, "rx") || !strcmp(key, "tx")) {
			if (!*val || strlen(val) >= sizeof(rx)) {
				snprintf(err, err_sz, "%s=: want a file name", key);
				return -EINVAL;
			}
			strcpy(key[0] == 'r' ? rx : tx, val);
		} else if (!strcmp(key, "loop")) {
			rc = uxdp_port_parse_u64(key, val, 1, UINT32_MAX, &loops, err, err_sz);
			if (rc)
				return rc;
		} else {
			snprintf(err, err_sz, "unknown parameter '%s' (pcap takes rx, tx, loop)", key);
			return -EINVAL;
		}
	}
	if (rc)
		return rc;
	if (!rx[0] && !tx[0]) {
		snprintf(err, err_sz, "want rx=FILE and/or tx=FILE");
		return -EINVAL;
	}
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->loops = loops;
	pthread_mutex_init(&pp->lock, NULL);
	if (rx[0]) {
		rc = uxdp_pcapf_read_all(rx, &pp->pkts, &pp->cnt, err, err_sz);
		if (rc)
			goto err_free;
	}
	if (tx[0]) {
		pp->w = uxdp_pcapf_writer_open(tx, err, err_sz);
		if (!pp->w) {
			rc = -EIO;
			goto err_free;
		}
	}
	uxdp_port__set_priv(port, pp);
	return 0;

err_free:
	uxdp_pcapf_free_all(pp->pkts, pp->cnt);
	free(pp);
	return rc;
}

static void pcap_close_port(struct uxdp_port *port)
{
	struct pcap_port *pp = uxdp_port__priv(port);

	if (!pp)
		return;
	uxdp_pcapf_free_all(pp->pkts, pp->cnt);
	uxdp_pcapf_writer_close(pp->w);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}

static uint16_t pcap_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	struct pcap_port *pp = uxdp_port__priv(port);
	struct uxdp_page_pool *pool = uxdp_port__rx_pool(port, qid);
	uint16_t got = 0;

	while (got < n && pp->loop < pp->loops && pp->cnt) {
		struct uxdp_pcapf_pkt *pk = &pp->pkts[pp->next];
		struct uxdp_frame *f;

		if (++pp->next == pp->cnt) {
			pp->next = 0;
			pp->loop++;
		}
		f = uxdp_page_pool__alloc(pool);
		if (!f) {
			uxdp_stat_add(&port->rxq[qid].nobuf, 1);
			break;
		}
		if (pk->len > uxdp_frame__room(f)) {
			uxdp_page_pool__put(pool, f, true);
			uxdp_port__count_rx_error(port, qid, 1);
			continue;
		}
		memcpy(uxdp_frame__data(f), pk->data, pk->len);
		f->len = pk->len;
		frames[got++] = f;
	}
	return got;
}

static uint16_t pcap_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	struct pcap_port *pp = uxdp_port__priv(port);

	if (pp->w) {
		pthread_mutex_lock(&pp->lock);
		for (uint16_t i = 0; i < n; i++)
			uxdp_pcapf_write(pp->w, uxdp_frame__data(frames[i]), frames[i]->len);
		pthread_mutex_unlock(&pp->lock);
	}
	uxdp_frame__free_bulk(frames, n, uxdp_port__txq_worker(port, qid));
	return n;
}

const struct uxdp_port_ops uxdp_port_pcap_ops = {
	.prefix = "pcap",
	.open = pcap_open,
	.close = pcap_close_port,
	.rx_burst = pcap_rx,
	.tx_burst = pcap_tx,
};
