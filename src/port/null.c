// SPDX-License-Identifier: BSD-2-Clause
/*
 * null: a sink port. RX never has packets; TX completes at once, giving each
 * frame back to its pool. Used as a redirect target in tests and benchmarks.
 */
#include <errno.h>
#include <string.h>

#include "port/port_internal.h"

static int null_open(struct uxdp_port *port, const char *args, char *err, size_t err_sz)
{
	const char *key, *val;
	char buf[128];
	uint64_t v;
	int rc;

	while ((rc = uxdp_port__next_arg(&args, buf, sizeof(buf), &key, &val, err, err_sz)) > 0) {
		if (!strcmp(key, "queues")) {
			rc = uxdp_port_parse_u64(key, val, 1, UXDP_PORT_MAX_QUEUES, &v, err, err_sz);
			if (rc)
				return rc;
			uxdp_port__set_rxq_cnt(port, (uint16_t)v);
		} else {
			snprintf(err, err_sz, "unknown parameter '%s' (null takes queues=)", key);
			return -EINVAL;
		}
	}
	return rc;
}

static void null_close(struct uxdp_port *port)
{
}

static uint16_t null_rx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	return 0;
}

static uint16_t null_tx(struct uxdp_port *port, uint16_t qid, struct uxdp_frame **frames,
			uint16_t n)
{
	uxdp_frame__free_bulk(frames, n, uxdp_port__txq_worker(port, qid));
	return n;
}

const struct uxdp_port_ops uxdp_port_null_ops = {
	.prefix = "null",
	.open = null_open,
	.close = null_close,
	.rx_burst = null_rx,
	.tx_burst = null_tx,
};
