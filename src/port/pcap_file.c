// SPDX-License-Identifier: BSD-2-Clause
/*
 * libpcap side of the pcap port (see pcap_file.h for why it stands apart).
 * Written packets get consecutive 1 µs timestamps so files compare byte for
 * byte from run to run.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/pcap_file.h"

#define SNAPLEN 262144

int uxdp_pcapf_read_all(const char *path, struct uxdp_pcapf_pkt **pkts, size_t *cnt, char *err,
			size_t err_sz)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct uxdp_pcapf_pkt *v = NULL;
	size_t n = 0, cap = 0;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *p;
	int rc;

	p = pcap_open_offline(path, ebuf);
	if (!p) {
		snprintf(err, err_sz, "rx=%s: %s", path, ebuf);
		return -ENOENT;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, err_sz, "rx=%s: not an Ethernet capture", path);
		pcap_close(p);
		return -EINVAL;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		if (n == cap) {
			struct uxdp_pcapf_pkt *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				goto err_nomem;
			v = nv;
		}
		v[n].data = malloc(hdr->caplen ? hdr->caplen : 1);
		if (!v[n].data)
			goto err_nomem;
		memcpy(v[n].data, data, hdr->caplen);
		v[n].len = hdr->caplen;
		n++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		snprintf(err, err_sz, "rx=%s: packet %zu: %s", path, n + 1, pcap_geterr(p));
		pcap_close(p);
		uxdp_pcapf_free_all(v, n);
		return -EINVAL;
	}
	pcap_close(p);
	*pkts = v;
	*cnt = n;
	return 0;

err_nomem:
	pcap_close(p);
	uxdp_pcapf_free_all(v, n);
	return -ENOMEM;
}

void uxdp_pcapf_free_all(struct uxdp_pcapf_pkt *pkts, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		free(pkts[i].data);
	free(pkts);
}

struct uxdp_pcapf_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t n;
};

struct uxdp_pcapf_writer *uxdp_pcapf_writer_open(const char *path, char *err, size_t err_sz)
{
	struct uxdp_pcapf_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (!w->dead)
		goto err_free;
	w->d = pcap_dump_open(w->dead, path);
	if (!w->d) {
		snprintf(err, err_sz, "tx=%s: %s", path, pcap_geterr(w->dead));
		pcap_close(w->dead);
		goto err_free;
	}
	return w;

err_free:
	free(w);
	return NULL;
}

void uxdp_pcapf_write(struct uxdp_pcapf_writer *w, const uint8_t *data, uint32_t len)
{
	struct pcap_pkthdr h = {0};

	h.ts.tv_sec = (time_t)(w->n / 1000000);
	h.ts.tv_usec = (suseconds_t)(w->n % 1000000);
	h.caplen = len;
	h.len = len;
	w->n++;
	pcap_dump((u_char *)w->d, &h, data);
}

void uxdp_pcapf_writer_close(struct uxdp_pcapf_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
}
