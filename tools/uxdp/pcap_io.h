/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap file reading and writing for the CLI, behind an interface that does
 * not pull in libpcap's headers: <pcap/bpf.h> defines a classic-BPF
 * `struct bpf_insn` that clashes with <linux/bpf.h>.
 */
#ifndef UXDP_PCAP_IO_H
#define UXDP_PCAP_IO_H

#include <stddef.h>
#include <stdint.h>

struct pcap_reader;
struct pcap_writer;

struct pcap_packet {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;
	int64_t ts_sec;
	int64_t ts_usec;
};

/* Open an Ethernet pcap file; NULL with the reason in err. */
struct pcap_reader *pcap_reader_open(const char *path, char *err, size_t err_sz);
/* 1 = a packet, 0 = end of file, -1 = error (reason in err). */
int pcap_reader_next(struct pcap_reader *r, struct pcap_packet *pkt, char *err, size_t err_sz);
void pcap_reader_close(struct pcap_reader *r);

struct pcap_writer *pcap_writer_open(const char *path, char *err, size_t err_sz);
void pcap_writer_write(struct pcap_writer *w, const struct pcap_packet *pkt);
void pcap_writer_close(struct pcap_writer *w);

#endif /* UXDP_PCAP_IO_H */
