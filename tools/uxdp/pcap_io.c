// SPDX-License-Identifier: BSD-2-Clause
/*
 * libpcap-backed implementation of pcap_io.h (see there for why it is apart).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcap_io.h"

#define SNAPLEN 262144

struct pcap_reader {
	pcap_t *p;
};

struct pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
};

struct pcap_reader *pcap_reader_open(const char *path, char *err, size_t err_sz)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_reader *r;
	pcap_t *p = pcap_open_offline(path, ebuf);

	if (!p) {
		snprintf(err, err_sz, "%s", ebuf);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(p));

		snprintf(err, err_sz, "link type %s, but XDP programs see Ethernet frames",
			 name ? name : "unknown");
		pcap_close(p);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		pcap_close(p);
		snprintf(err, err_sz, "out of memory");
		return NULL;
	}
	r->p = p;
	return r;
}

int pcap_reader_next(struct pcap_reader *r, struct pcap_packet *pkt, char *err, size_t err_sz)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc = pcap_next_ex(r->p, &hdr, &data);

	if (rc == 1) {
		pkt->data = data;
		pkt->caplen = hdr->caplen;
		pkt->len = hdr->len;
		pkt->ts_sec = hdr->ts.tv_sec;
		pkt->ts_usec = hdr->ts.tv_usec;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	snprintf(err, err_sz, "%s", pcap_geterr(r->p));
	return -1;
}

void pcap_reader_close(struct pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}

struct pcap_writer *pcap_writer_open(const char *path, char *err, size_t err_sz)
{
	struct pcap_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, err_sz, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (!w->dead) {
		snprintf(err, err_sz, "out of memory");
		free(w);
		return NULL;
	}
	w->d = pcap_dump_open(w->dead, path);
	if (!w->d) {
		snprintf(err, err_sz, "%s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

void pcap_writer_write(struct pcap_writer *w, const struct pcap_packet *pkt)
{
	struct pcap_pkthdr h = { 0 };

	h.ts.tv_sec = pkt->ts_sec;
	h.ts.tv_usec = pkt->ts_usec;
	h.caplen = pkt->caplen;
	h.len = pkt->len;
	pcap_dump((u_char *)w->d, &h, pkt->data);
}

void pcap_writer_close(struct pcap_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
}
